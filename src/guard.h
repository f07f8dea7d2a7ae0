/*-------------------------------------------------------------------------
 *
 * guard.h
 *	  The guard: the migrate.guard setting and its event triggers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_GUARD_H
#define MIGRATE_GUARD_H

#include "fmgr.h"

extern void guard_init(void);
extern const char *guard_mode_name(void);
extern void guard_ddl_command_start(FunctionCallInfo fcinfo);
extern void guard_ddl_command_end(FunctionCallInfo fcinfo);
extern void guard_sql_drop(FunctionCallInfo fcinfo);
extern void guard_table_rewrite(FunctionCallInfo fcinfo);

#endif							/* MIGRATE_GUARD_H */
