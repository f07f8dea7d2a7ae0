/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  Long deploys in batches: the first N steps of a plan, the revisions
 *	  that add an enum value (a commit must follow them), and the CALL
 *	  form that commits between batches.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_BATCH_H
#define MIGRATE_BATCH_H

#include "graph.h"

extern bool batch_adds_enum_value(const char *body);
extern bool *batch_enum_adders(Graph *g, List *steps);
extern List *batch_first(Graph *g, List *steps, int max_steps, bool upgrade);

#endif							/* MIGRATE_BATCH_H */
