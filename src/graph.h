/*-------------------------------------------------------------------------
 *
 * graph.h
 *	  The revision graph in memory: revisions, edges, targets and plans.
 *
 * The graph is loaded once per call (catalog.c), linked and checked here
 * (graph.c), addressed by target strings (target.c) and turned into ordered
 * steps (plan.c).  Revisions are referred to by their index in Graph.revs,
 * which is registration order; every algorithm is linear in the size of the
 * graph except where noted.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_GRAPH_H
#define MIGRATE_GRAPH_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/timestamp.h"

/* longest revision id or branch label */
#define MIGRATE_NAME_MAXLEN 64

/* revisions named in one error message before "and N more" */
#define GRAPH_LIST_MAX 10

/*
 * Pseudo revision indexes.  REV_NONE is the state before every revision
 * (Alembic's None: walking up from it starts at the bases); REV_BASE is where
 * walking down past a base lands (Alembic's "base").  Downgrading to either
 * means downgrading to the empty state.
 */
#define REV_NONE	(-1)
#define REV_BASE	(-2)

/*
 * Fields are grouped by size, without padding holes: a graph of 100,000
 * revisions is an array of 100,000 of these.
 */
typedef struct Revision
{
	char	   *id;
	char	   *message;
	int64		seq;			/* registration order */
	TimestampTz applied_at;

	/* as stored: names, for display and for linking */
	char	  **down_names;
	char	  **dep_names;		/* ids or branch labels */
	char	  **labels;

	/* linked by graph_link(): indexes into Graph.revs */
	int		   *down;			/* down_revisions (versioned parents) */
	int		   *deps;			/* depends_on, resolved, without repeats */
	int		   *children;		/* revisions naming this as down_revision */
	int		   *allchildren;	/* ... or naming it in depends_on */
	/* depends_on minus those an ancestor already depends on; see plan.c */
	int		   *normdeps;

	int			ndown_names;
	int			ndep_names;
	int			nlabels;
	int			ndown;
	int			ndeps;
	int			nchildren;
	int			nallchildren;
	int			nnormdeps;		/* -1 until computed */
	int			ndependers;		/* revisions naming this in depends_on */
	bool		applied;
} Revision;

typedef struct Graph
{
	int			n;
	Revision   *revs;			/* in registration order */
	void	   *names;			/* revision id or branch label -> index (graph.c) */
	MemoryContext cxt;			/* everything above lives here */
	/* scratch for traversals, n entries each */
	int		   *stack;
	/* graph_alloc()'s current block */
	char	   *arena;
	Size		arena_left;
} Graph;

/* graph.c */
extern Graph *graph_create(MemoryContext cxt);
extern void graph_set_size(Graph *g, int n);
extern void *graph_alloc(Graph *g, Size size);
extern char *graph_strdup(Graph *g, const char *s, int len);
extern void graph_link(Graph *g);
extern int	graph_find(Graph *g, const char *name, bool *is_label);
extern int	graph_lookup(Graph *g, const char *name);
extern bool *graph_new_set(Graph *g);
extern void graph_ancestors(Graph *g, const int *starts, int nstarts,
							bool versioned_only, bool *set);
extern void graph_descendants(Graph *g, const int *starts, int nstarts,
							  bool versioned_only, bool *set);
extern List *graph_heads(Graph *g);
extern List *graph_real_heads(Graph *g);
extern List *graph_bases(Graph *g);
extern List *graph_current_heads(Graph *g);
extern List *graph_version_rows(Graph *g);
extern List *graph_sorted_by_id(Graph *g, List *revs);
extern Datum graph_ids_array(Graph *g, List *revs);
extern char *graph_format_list(Graph *g, List *revs);

/* target.c */
typedef struct TargetSpec
{
	const char *text;			/* the whole target, for messages */
	char	   *branch;			/* X of X@..., or NULL */
	char	   *symbol;			/* NULL for a bare relative step */
	int			steps;			/* signed relative step, 0 if absolute */
} TargetSpec;

extern void target_parse(const char *text, TargetSpec *spec);
extern List *target_for_upgrade(Graph *g, const TargetSpec *spec);
extern int	target_for_downgrade(Graph *g, const TargetSpec *spec,
								 const char **branch);
extern List *target_resolve(Graph *g, const TargetSpec *spec);
extern int	target_branch_revision(Graph *g, const char *branch);
extern bool *target_branch_ancestors(Graph *g, const char *branch);

/* plan.c */
extern List *plan_upgrade(Graph *g, const TargetSpec *spec);
extern List *plan_downgrade(Graph *g, const TargetSpec *spec);
extern void plan_stamp(Graph *g, List *targets, List **removed, List **added);
extern List *plan_history(Graph *g);
extern List *graph_toposort(Graph *g, const bool *todo, List *heads);

#endif							/* MIGRATE_GRAPH_H */
