/*-------------------------------------------------------------------------
 *
 * nontx.h
 *	  Non-transactional revisions: bodies whose statements run one by one
 *	  as top-level commands sent by the client.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_NONTX_H
#define MIGRATE_NONTX_H

#include "graph.h"

extern void nontx_init(void);
extern bool nontx_catalog(void);
extern List *nontx_statements(const char *body);
extern void nontx_check_body(const char *revision, const char *which,
							 const char *body, bool transactional);
extern List *nontx_stop_before(Graph *g, List *steps, bool upgrade);
extern List *nontx_commands(Graph *g, const TargetSpec *spec, bool upgrade,
							 int commit_every);
extern char *nontx_step(const char *revision, bool upgrade, int statement);
extern char *nontx_done(const char *revision, bool upgrade);
extern void nontx_check_not_in_progress(const char *revision, const char *action);
extern bool nontx_clear_in_progress(void);
extern char *nontx_in_progress_revision(void);
extern bool nontx_in_statement(void);

/* one row of migrate_in_progress() */
typedef struct NontxProgress
{
	char	   *revision;
	bool		upgrade;
	int			next;
	int			statements;
	char	   *role;
	TimestampTz started_at;
	int			pid;
	TimestampTz backend_start;
	bool		alive;
} NontxProgress;

extern bool nontx_read_progress(NontxProgress *p);

#endif							/* MIGRATE_NONTX_H */
