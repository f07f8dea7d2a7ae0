/*-------------------------------------------------------------------------
 *
 * apply.h
 *	  Running revision bodies and recording what ran.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_APPLY_H
#define MIGRATE_APPLY_H

#include "graph.h"

extern void apply_init(void);
extern bool apply_in_body(void);
extern int	apply_lock_timeout_ms(void);
extern int	apply_lock_retries_count(void);
extern void apply_pause_ms(int ms);
extern bool apply_is_lock_timeout(const ErrorData *edata);
extern void apply_check_not_in_body(const char *function);
extern void apply_steps(Graph *g, List *steps, bool upgrade);
extern void apply_stamp(Graph *g, List *removed, List *added);

#endif							/* MIGRATE_APPLY_H */
