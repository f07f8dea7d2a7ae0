/*-------------------------------------------------------------------------
 *
 * script.h
 *	  Running the SQL text of a revision body, statement by statement.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_SCRIPT_H
#define MIGRATE_SCRIPT_H

typedef struct ScriptOptions
{
	/* names the body in messages: upgrade of revision "x" */
	const char *label;
	/* starts the context line: while applying revision "x" (message) */
	const char *context;
	/* lock_timeout (ms) inside the body; 0 leaves the setting alone */
	int			lock_timeout;
} ScriptOptions;

extern void script_run(const char *sql, const ScriptOptions *opts);
extern void script_last_statement(int *number, int *line);

#endif							/* MIGRATE_SCRIPT_H */
