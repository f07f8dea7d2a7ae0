/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  Linking and checking the revision graph, and walking it.
 *
 * graph_link() turns the names stored with each revision into edges and
 * checks the whole graph: dangling references, self-loops, cycles, branch
 * labels used twice or equal to a revision id.  The catalog accepts
 * revisions in any order (files load in any order), so these checks run
 * whenever the graph is used rather than when a revision is registered.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "graph.h"

/*
 * Names (revision ids and branch labels) to revision indexes: an
 * open-addressing table from lib/simplehash.h, far cheaper per lookup than
 * dynahash with string keys, which matters at 100,000 revisions.
 */
typedef struct NameEntry
{
	const char *name;			/* points into the graph, not copied */
	uint32		hash;
	int			rev;
	bool		is_label;
	char		status;
} NameEntry;

#define SH_PREFIX names
#define SH_ELEMENT_TYPE NameEntry
#define SH_KEY_TYPE const char *
#define SH_KEY name
#define SH_HASH_KEY(tb, key) hash_bytes((const unsigned char *) (key), strlen(key))
#define SH_EQUAL(tb, a, b) (strcmp(a, b) == 0)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) a->hash
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

static void link_labels(Graph *g);
static void link_edges(Graph *g);
static void link_children(Graph *g);
static void check_cycles(Graph *g);

/* An empty graph; the caller fills revs and then calls graph_set_size. */
Graph *
graph_create(MemoryContext cxt)
{
	Graph	   *g = MemoryContextAllocZero(cxt, sizeof(Graph));

	g->cxt = cxt;
	return g;
}

/* Once revs holds n revisions: room for traversals and the name table. */
void
graph_set_size(Graph *g, int n)
{
	g->n = n;
	g->stack = MemoryContextAlloc(g->cxt, sizeof(int) * Max(n, 1));
	g->names = names_create(g->cxt, Max(n, 16), NULL);
}

/*
 * Memory for the graph's many small pieces (names, edge arrays), carved out
 * of large blocks: at 100,000 revisions a palloc per piece costs more in
 * chunk headers, power-of-two rounding and page faults than the pieces
 * themselves, and scatters the names that lookups then have to chase.
 * Nothing carved is freed before the whole graph is.
 */
#define GRAPH_ARENA_BLOCK (256 * 1024)

void *
graph_alloc(Graph *g, Size size)
{
	void	   *p;

	size = MAXALIGN(size);
	if (size > g->arena_left)
	{
		Size		block = Max(size, GRAPH_ARENA_BLOCK);

		g->arena = MemoryContextAlloc(g->cxt, block);
		g->arena_left = block;
	}
	p = g->arena;
	g->arena += size;
	g->arena_left -= size;
	return p;
}

/* A NUL-terminated copy of len bytes of s. */
char *
graph_strdup(Graph *g, const char *s, int len)
{
	char	   *copy = graph_alloc(g, len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

/*
 * Index of the revision with this id or branch label, or -1; *is_label (if
 * given) says which of the two the name is.
 */
int
graph_find(Graph *g, const char *name, bool *is_label)
{
	NameEntry  *e = names_lookup((names_hash *) g->names, name);

	if (is_label)
		*is_label = e ? e->is_label : false;
	return e ? e->rev : -1;
}

int
graph_lookup(Graph *g, const char *name)
{
	return graph_find(g, name, NULL);
}

static void
add_name(Graph *g, const char *name, int rev, bool is_label)
{
	NameEntry  *e;
	bool		found;

	if (strlen(name) > MIGRATE_NAME_MAXLEN)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("catalog holds over-long name \"%s\" for revision \"%s\"",
						name, g->revs[rev].id)));
	e = names_insert((names_hash *) g->names, name, &found);
	if (!found)
	{
		e->rev = rev;
		e->is_label = is_label;
		return;
	}
	if (!is_label)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("catalog holds revision \"%s\" twice", name)));
	if (!e->is_label)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("branch label \"%s\" of revision \"%s\" is also a revision id",
						name, g->revs[rev].id),
				 errhint("Register revision \"%s\" again with another branch label.",
						 g->revs[rev].id)));
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("branch label \"%s\" is used by revisions \"%s\" and \"%s\"",
					name, g->revs[e->rev].id, g->revs[rev].id),
			 errhint("A branch label names one revision; register one of them again without it.")));
}

/*
 * Resolve names into edges and check the graph.  Every check names the
 * revisions involved and says how to mend the graph.
 */
void
graph_link(Graph *g)
{
	int			i;

	/* ids first, so that a label equal to a later id is still caught */
	for (i = 0; i < g->n; i++)
	{
		g->revs[i].nnormdeps = -1;
		add_name(g, g->revs[i].id, i, false);
	}
	link_labels(g);
	link_edges(g);
	link_children(g);
	check_cycles(g);
}

static void
link_labels(Graph *g)
{
	int			i,
				j;

	for (i = 0; i < g->n; i++)
		for (j = 0; j < g->revs[i].nlabels; j++)
			add_name(g, g->revs[i].labels[j], i, true);
}

static void
link_edges(Graph *g)
{
	int			i,
				j,
				k;

	for (i = 0; i < g->n; i++)
	{
		Revision   *r = &g->revs[i];

		r->down = graph_alloc(g, sizeof(int) * Max(r->ndown_names, 1));
		r->ndown = 0;
		for (j = 0; j < r->ndown_names; j++)
		{
			const char *name = r->down_names[j];
			bool		is_label = false;
			int			p;

			/*
			 * Revisions are mostly registered right after their parents
			 * (make migrate-create writes one on the head), so look there
			 * before hashing: it spares most lookups on large graphs.
			 */
			if (i > 0 && strcmp(g->revs[i - 1].id, name) == 0)
				p = i - 1;
			else if (i > 1 && strcmp(g->revs[i - 2].id, name) == 0)
				p = i - 2;
			else
				p = graph_find(g, name, &is_label);

			if (strcmp(name, r->id) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("revision \"%s\" names itself as its down_revision", r->id),
						 errhint("Register revision \"%s\" again with the revision it follows.",
								 r->id)));
			if (p < 0 || is_label)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("down_revision \"%s\" of revision \"%s\" does not exist",
								name, r->id),
						 p >= 0 ?
						 errdetail("\"%s\" is a branch label; down_revision takes revision ids.",
								   name) :
						 errdetail("No revision \"%s\" is registered.", name),
						 errhint("Register revision \"%s\", or register \"%s\" again with an existing down_revision.",
								 name, r->id)));
			r->down[r->ndown++] = p;
		}

		r->deps = graph_alloc(g, sizeof(int) * Max(r->ndep_names, 1));
		r->ndeps = 0;
		for (j = 0; j < r->ndep_names; j++)
		{
			const char *name = r->dep_names[j];
			int			p = graph_lookup(g, name);
			bool		seen = false;

			if (p < 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("depends_on \"%s\" of revision \"%s\" does not exist",
								name, r->id),
						 errdetail("No revision or branch label \"%s\" is registered.", name),
						 errhint("Register a revision \"%s\", or register \"%s\" again without it.",
								 name, r->id)));
			if (p == i)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("revision \"%s\" depends on itself", r->id),
						 errdetail("Its depends_on names \"%s\".", name),
						 errhint("Register revision \"%s\" again without that dependency.",
								 r->id)));
			for (k = 0; k < r->ndeps; k++)
				seen |= (r->deps[k] == p);
			if (!seen)
				r->deps[r->ndeps++] = p;
		}
	}
}

/* Fill the children and allchildren arrays in two counting passes. */
static void
link_children(Graph *g)
{
	int		   *nall = palloc0(sizeof(int) * Max(g->n, 1));
	int			i,
				j,
				k;

	for (i = 0; i < g->n; i++)
	{
		Revision   *r = &g->revs[i];

		for (j = 0; j < r->ndown; j++)
		{
			g->revs[r->down[j]].nchildren++;
			nall[r->down[j]]++;
		}
		for (j = 0; j < r->ndeps; j++)
		{
			nall[r->deps[j]]++;
			g->revs[r->deps[j]].ndependers++;
		}
	}
	for (i = 0; i < g->n; i++)
	{
		Revision   *r = &g->revs[i];

		r->children = graph_alloc(g, sizeof(int) * Max(r->nchildren, 1));
		r->allchildren = graph_alloc(g, sizeof(int) * Max(nall[i], 1));
		r->nchildren = 0;
		r->nallchildren = 0;
	}
	for (i = 0; i < g->n; i++)
	{
		Revision   *r = &g->revs[i];

		for (j = 0; j < r->ndown; j++)
		{
			Revision   *p = &g->revs[r->down[j]];

			p->children[p->nchildren++] = i;
			p->allchildren[p->nallchildren++] = i;
		}
		for (j = 0; j < r->ndeps; j++)
		{
			Revision   *p = &g->revs[r->deps[j]];
			bool		dup = false;

			/* a revision both following and depending on p is one child */
			for (k = 0; k < r->ndown; k++)
				dup |= (r->down[k] == r->deps[j]);
			if (!dup)
				p->allchildren[p->nallchildren++] = i;
		}
	}
	pfree(nall);
}

/*
 * Kahn's algorithm over down_revision and depends_on edges.  Whatever is
 * left holds at least one cycle: follow children within the leftovers until
 * a revision repeats, and name that cycle.
 */
static void
check_cycles(Graph *g)
{
	int		   *pending = palloc(sizeof(int) * Max(g->n, 1));
	int		   *queue = g->stack;
	int			head = 0,
				tail = 0,
				done = 0,
				i,
				j;

	for (i = 0; i < g->n; i++)
	{
		pending[i] = g->revs[i].nallchildren;
		if (pending[i] == 0)
			queue[tail++] = i;
	}
	while (head < tail)
	{
		Revision   *r = &g->revs[queue[head++]];

		done++;
		for (j = 0; j < r->ndown + r->ndeps; j++)
		{
			int			p = j < r->ndown ? r->down[j] : r->deps[j - r->ndown];
			bool		dup = false;
			int			k;

			/* allchildren counted a revision once per parent */
			for (k = 0; k < r->ndown && j >= r->ndown; k++)
				dup |= (r->down[k] == p);
			if (!dup && --pending[p] == 0)
				queue[tail++] = p;
		}
	}

	if (done < g->n)
	{
		int		   *order = palloc0(sizeof(int) * g->n);	/* step seen at, 1-based */
		int			cur = -1,
					step = 0;
		StringInfoData buf;

		/*
		 * A leftover revision has a leftover child (that child is why it was
		 * never freed), so following leftover children must come back to a
		 * revision already seen: that is the cycle.
		 */
		for (i = 0; i < g->n && cur < 0; i++)
			if (pending[i] > 0)
				cur = i;
		while (order[cur] == 0)
		{
			Revision   *r = &g->revs[cur];
			int			next = -1;

			order[cur] = ++step;
			g->stack[step - 1] = cur;
			for (j = 0; j < r->nallchildren && next < 0; j++)
				if (pending[r->allchildren[j]] > 0)
					next = r->allchildren[j];
			Assert(next >= 0);
			cur = next;
		}
		/* print it child first: each revision names the next one */
		initStringInfo(&buf);
		appendStringInfo(&buf, "\"%s\"", g->revs[cur].id);
		for (i = step - 1; i >= order[cur] - 1; i--)
		{
			/* a long cycle: its start, a count, and the way back */
			if (i == step - 1 - GRAPH_LIST_MAX && i > order[cur] - 1)
			{
				appendStringInfo(&buf, " -> (%d more)", i - (order[cur] - 1));
				i = order[cur] - 1;
			}
			appendStringInfo(&buf, " -> \"%s\"", g->revs[g->stack[i]].id);
		}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
				 errmsg("revision graph has a cycle"),
				 errdetail("Each revision names the next as a down_revision or in depends_on: %s.",
						   buf.data),
				 errhint("Register one of these revisions again so that it no longer descends from itself.")));
	}
	pfree(pending);
}

bool *
graph_new_set(Graph *g)
{
	return palloc0(sizeof(bool) * Max(g->n, 1));
}

/*
 * Mark the starts and everything reachable from them through parents (or,
 * below, children).  versioned_only follows down_revision edges only;
 * otherwise depends_on edges too.  Linear: a revision is expanded once.
 */
void
graph_ancestors(Graph *g, const int *starts, int nstarts, bool versioned_only,
				bool *set)
{
	int			top = 0,
				i;

	for (i = 0; i < nstarts; i++)
		if (starts[i] >= 0 && !set[starts[i]])
		{
			set[starts[i]] = true;
			g->stack[top++] = starts[i];
		}
	while (top > 0)
	{
		Revision   *r = &g->revs[g->stack[--top]];
		int			nedges = versioned_only ? r->ndown : r->ndown + r->ndeps;

		for (i = 0; i < nedges; i++)
		{
			int			p = i < r->ndown ? r->down[i] : r->deps[i - r->ndown];

			if (!set[p])
			{
				set[p] = true;
				g->stack[top++] = p;
			}
		}
	}
}

void
graph_descendants(Graph *g, const int *starts, int nstarts, bool versioned_only,
				  bool *set)
{
	int			top = 0,
				i;

	for (i = 0; i < nstarts; i++)
		if (starts[i] >= 0 && !set[starts[i]])
		{
			set[starts[i]] = true;
			g->stack[top++] = starts[i];
		}
	while (top > 0)
	{
		Revision   *r = &g->revs[g->stack[--top]];
		int			nedges = versioned_only ? r->nchildren : r->nallchildren;
		int		   *edges = versioned_only ? r->children : r->allchildren;

		for (i = 0; i < nedges; i++)
			if (!set[edges[i]])
			{
				set[edges[i]] = true;
				g->stack[top++] = edges[i];
			}
	}
}

/* Heads: revisions no revision names as down_revision (Alembic's heads). */
List *
graph_heads(Graph *g)
{
	List	   *l = NIL;
	int			i;

	for (i = 0; i < g->n; i++)
		if (g->revs[i].nchildren == 0)
			l = lappend_int(l, i);
	return l;
}

/* Heads that no revision depends_on either: what "heads" upgrades to. */
List *
graph_real_heads(Graph *g)
{
	List	   *l = NIL;
	int			i;

	for (i = 0; i < g->n; i++)
		if (g->revs[i].nallchildren == 0)
			l = lappend_int(l, i);
	return l;
}

/* Bases: revisions without a down_revision (they may have depends_on). */
List *
graph_bases(Graph *g)
{
	List	   *l = NIL;
	int			i;

	for (i = 0; i < g->n; i++)
		if (g->revs[i].ndown == 0)
			l = lappend_int(l, i);
	return l;
}

/*
 * Current heads: applied revisions that no applied revision names as a
 * down_revision.  The applied set is closed under ancestry, so every applied
 * revision is an ancestor of one of these.
 */
List *
graph_current_heads(Graph *g)
{
	List	   *l = NIL;
	int			i,
				j;

	for (i = 0; i < g->n; i++)
	{
		Revision   *r = &g->revs[i];
		bool		head = r->applied;

		for (j = 0; j < r->nchildren && head; j++)
			head = !g->revs[r->children[j]].applied;
		if (head)
			l = lappend_int(l, i);
	}
	return l;
}

/*
 * Version rows: applied revisions that no applied revision follows through
 * down_revision or depends_on, the rows Alembic's alembic_version table
 * holds.  A revision applied only because an applied revision depends on it
 * is a current head but not a version row.  Relative steps from the current
 * state and the order of a downgrade start from these.
 */
List *
graph_version_rows(Graph *g)
{
	List	   *l = NIL;
	int			i,
				j;

	for (i = 0; i < g->n; i++)
	{
		Revision   *r = &g->revs[i];
		bool		row = r->applied;

		for (j = 0; j < r->nallchildren && row; j++)
			row = !g->revs[r->allchildren[j]].applied;
		if (row)
			l = lappend_int(l, i);
	}
	return l;
}

static Graph *sort_graph;

static int
cmp_rev_id(const ListCell *a, const ListCell *b)
{
	return strcmp(sort_graph->revs[lfirst_int(a)].id,
				  sort_graph->revs[lfirst_int(b)].id);
}

/* A copy of revs sorted by revision id, for output that promises "sorted". */
List *
graph_sorted_by_id(Graph *g, List *revs)
{
	List	   *l = list_copy(revs);

	sort_graph = g;
	list_sort(l, cmp_rev_id);
	return l;
}

/* "a", "b", "c": for error details; the first GRAPH_LIST_MAX, then a count */
char *
graph_format_list(Graph *g, List *revs)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, revs)
	{
		if (foreach_current_index(lc) == GRAPH_LIST_MAX)
		{
			appendStringInfo(&buf, " and %d more",
							 list_length(revs) - GRAPH_LIST_MAX);
			break;
		}
		appendStringInfo(&buf, "%s\"%s\"", buf.len ? ", " : "",
						 g->revs[lfirst_int(lc)].id);
	}
	return buf.data;
}

/* The ids of the revisions, in list order, as a text[] datum. */
Datum
graph_ids_array(Graph *g, List *revs)
{
	Datum	   *ids = palloc(sizeof(Datum) * Max(list_length(revs), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, revs)
		ids[n++] = CStringGetTextDatum(g->revs[lfirst_int(lc)].id);
	return PointerGetDatum(construct_array(ids, n, TEXTOID, -1, false, TYPALIGN_INT));
}
