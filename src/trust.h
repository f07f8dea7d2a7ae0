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

/*
 * The registrant recorded for revisions registered before 1.2, which stored
 * the extension owner whoever registered: the real registrant is unknown.
 * Role names starting with "pg_" are reserved, so no role can ever have it
 * and nobody trusts those bodies until a trusted role registers them again.
 */
#define TRUST_UNKNOWN_REGISTRANT "pg_migrate_unknown_registrant"

extern bool trust_registrant(const char *registrant, Oid caller);
extern void trust_check_steps(Graph *g, List *steps, bool upgrade);

#endif							/* MIGRATE_TRUST_H */
