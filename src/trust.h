/*-------------------------------------------------------------------------
 *
 * trust.h
 *	  Whose SQL a deploy may run: the registrant of each body.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_TRUST_H
#define MIGRATE_TRUST_H

#include "graph.h"

extern bool trust_registrant(const char *registrant, Oid caller);
extern void trust_check_steps(Graph *g, List *steps, bool upgrade);

#endif							/* MIGRATE_TRUST_H */
