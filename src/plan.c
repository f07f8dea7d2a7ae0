/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Which revisions an upgrade, downgrade or stamp touches, and in which
 *	  order.
 *
 * The sets follow Alembic's _collect_upgrade_revisions and
 * _collect_downgrade_revisions.  The order is Alembic's _topological_sort,
 * which walks one branch as far as it can before switching to another, so
 * that parallel branches are applied branch by branch, ties broken by
 * registration order.  Alembic keeps the full ancestor set of every pending
 * head and recomputes it at each merge point, which is quadratic on graphs
 * with many merges; graph_toposort() computes the same order in near-linear
 * time (see the comment there).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "graph.h"

/*
 * depends_on minus what a down_revision ancestor already depends on
 * (Alembic's _normalized_resolved_dependencies).  Computed on demand: it
 * costs a walk over the revision's ancestors.
 */
static void
normalize_deps(Graph *g, int rev)
{
	Revision   *r = &g->revs[rev];
	bool	   *anc;
	bool	   *drop;
	int			i,
				j;

	if (r->nnormdeps >= 0)
		return;
	r->normdeps = graph_alloc(g, sizeof(int) * Max(r->ndeps, 1));
	r->nnormdeps = 0;
	if (r->ndeps == 0)
		return;

	/*
	 * A dependency no other revision depends on cannot be an ancestor's
	 * dependency: when that holds for all of them (the usual case, and every
	 * revision of a chain that depends on its grandparent) nothing is
	 * dropped, without the walk over the ancestors that makes this
	 * quadratic.
	 */
	for (j = 0; j < r->ndeps && g->revs[r->deps[j]].ndependers <= 1; j++)
		;
	if (j == r->ndeps)
	{
		memcpy(r->normdeps, r->deps, sizeof(int) * r->ndeps);
		r->nnormdeps = r->ndeps;
		return;
	}

	anc = graph_new_set(g);
	drop = graph_new_set(g);
	graph_ancestors(g, &rev, 1, true, anc);
	for (i = 0; i < g->n; i++)
		if (anc[i] && i != rev)
			for (j = 0; j < g->revs[i].ndeps; j++)
				drop[g->revs[i].deps[j]] = true;
	for (j = 0; j < r->ndeps; j++)
		if (!drop[r->deps[j]])
			r->normdeps[r->nnormdeps++] = r->deps[j];
	pfree(anc);
	pfree(drop);
}

/*
 * Longest path from a pending revision without pending parents, over
 * pending revisions only (down_revision and depends_on edges).  A pending
 * descendant of x is deeper than x, so heads no deeper than x cannot be
 * above it.  Iterative, each revision finished once.
 */
static int *
pending_depths(Graph *g, const bool *todo)
{
	int		   *depth = palloc(sizeof(int) * Max(g->n, 1));
	int		   *stack;
	Size		edges = 0;
	int			i;

	/*
	 * A revision is pushed once by itself and at most once more per edge to
	 * it (when a child finds it unfinished), so n + edges entries suffice.
	 */
	for (i = 0; i < g->n; i++)
		edges += g->revs[i].ndown + g->revs[i].ndeps;
	stack = palloc(sizeof(int) * (g->n + edges + 1));
	for (i = 0; i < g->n; i++)
		depth[i] = -1;			/* not done */
	for (i = 0; i < g->n; i++)
	{
		Size		top = 0;

		if (!todo[i] || depth[i] >= 0)
			continue;
		stack[top++] = i;
		while (top > 0)
		{
			int			x = stack[top - 1];
			Revision   *r = &g->revs[x];
			bool		ready = true;
			int			d = 0;
			int			j;

			if (depth[x] >= 0)
			{
				top--;			/* finished through another child */
				continue;
			}
			for (j = 0; j < r->ndown + r->ndeps; j++)
			{
				int			p = j < r->ndown ? r->down[j] : r->deps[j - r->ndown];

				if (!todo[p])
					continue;
				if (depth[p] < 0)
				{
					stack[top++] = p;
					ready = false;
				}
				else
					d = Max(d, depth[p] + 1);
			}
			if (ready)
			{
				depth[x] = d;
				top--;
			}
		}
	}
	pfree(stack);
	return depth;
}

/*
 * A max tree over head slots: each leaf the depth of the revision in that
 * slot, -1 for a free slot.  seg_first_deeper() finds the first slot from
 * "from" on whose revision is deeper than d, in O(log n).
 */
typedef struct SlotTree
{
	int			size;			/* leaves, a power of two */
	int		   *t;				/* 2 * size nodes, root at 1 */
} SlotTree;

static void
seg_init(SlotTree *st, int n)
{
	int			i;

	st->size = 1;
	while (st->size < Max(n, 1))
		st->size *= 2;
	st->t = palloc(sizeof(int) * 2 * st->size);
	for (i = 0; i < 2 * st->size; i++)
		st->t[i] = -1;
}

static void
seg_set(SlotTree *st, int slot, int value)
{
	int			i = st->size + slot;

	st->t[i] = value;
	for (i /= 2; i >= 1; i /= 2)
		st->t[i] = Max(st->t[2 * i], st->t[2 * i + 1]);
}

static int
seg_first_deeper_in(const SlotTree *st, int node, int lo, int hi, int from, int d)
{
	int			mid,
				r;

	if (hi < from || st->t[node] <= d)
		return -1;
	if (lo == hi)
		return lo;
	mid = (lo + hi) / 2;
	r = seg_first_deeper_in(st, 2 * node, lo, mid, from, d);
	if (r < 0)
		r = seg_first_deeper_in(st, 2 * node + 1, mid + 1, hi, from, d);
	return r;
}

static int
seg_first_deeper(const SlotTree *st, int from, int d)
{
	return seg_first_deeper_in(st, 1, 0, st->size - 1, from, d);
}

/*
 * Is c below h through pending revisions?  Walks down from h through pending
 * parents deeper than c (nothing shallower lies between them).  Returns 1 or
 * 0, or -1 when more than *budget revisions would have to be visited.
 */
static int
reaches(Graph *g, const bool *todo, const int *depth, int h, int c,
		int *seen, int visit, int *stack, int *budget)
{
	int			top = 0;

	stack[top++] = h;
	seen[h] = visit;
	while (top > 0)
	{
		Revision   *x = &g->revs[stack[--top]];
		int			j;

		if (--(*budget) < 0)
			return -1;
		for (j = 0; j < x->ndown + x->ndeps; j++)
		{
			int			p = j < x->ndown ? x->down[j] : x->deps[j - x->ndown];

			if (p == c)
				return 1;
			if (!todo[p] || seen[p] == visit || depth[p] <= depth[c])
				continue;
			seen[p] = visit;
			stack[top++] = p;
		}
	}
	return 0;
}

/*
 * Order the revisions in todo children first, starting from heads.
 *
 * Alembic keeps an ordered list of pending heads and a cursor.  The head
 * under the cursor is emitted unless it is an ancestor of another pending
 * head; then the cursor moves to the first such head in list order.  An
 * emitted head is replaced in place by its first pending parent (the others
 * are appended), or removed, the cursor moving back one place.
 *
 * Every pending revision lies below some pending head, and everything
 * between two pending revisions is pending, so "an ancestor of another
 * pending head" is the same as "has a pending child", and the heads it lies
 * below are found by climbing through pending children only.  That climb
 * replaces Alembic's per-head ancestor sets.  Heads never change their
 * relative order, so a slot number assigned when a head is appended (and
 * kept when it is replaced in place) gives list order.
 *
 * The climb visits every pending descendant, which is quadratic on a chain
 * with a side head on every revision (each step would climb the rest of the
 * chain).  So the heads deeper than the blocked revision are first tried in
 * list order, each with a short walk down from the head, within a small
 * budget of visits; only when that budget runs out does the full climb
 * decide.
 */
List *
graph_toposort(Graph *g, const bool *todo_in, List *heads)
{
	bool	   *todo = graph_new_set(g);
	int		   *slot_of = palloc(sizeof(int) * Max(g->n, 1));
	int		   *slot_rev = palloc(sizeof(int) * Max(g->n, 1));
	int		   *slot_prev = palloc(sizeof(int) * Max(g->n, 1));
	int		   *slot_next = palloc(sizeof(int) * Max(g->n, 1));
	int		   *seen = palloc0(sizeof(int) * Max(g->n, 1));
	int		   *stack = palloc(sizeof(int) * Max(g->n, 1));
	int		   *depth = pending_depths(g, todo_in);
	SlotTree	st;
	int			nslots = 0,
				first = -1,
				last = -1,
				cur,
				visit = 0,
				remaining = 0,
				i;
	List	   *out = NIL;
	ListCell   *lc;

	for (i = 0; i < g->n; i++)
	{
		todo[i] = todo_in[i];
		remaining += todo[i];
		slot_of[i] = -1;
	}
	seg_init(&st, g->n);

#define APPEND_SLOT(rev_) \
	do { \
		slot_rev[nslots] = (rev_); \
		slot_prev[nslots] = last; \
		slot_next[nslots] = -1; \
		if (last >= 0) slot_next[last] = nslots; else first = nslots; \
		last = nslots; \
		seg_set(&st, nslots, depth[(rev_)]); \
		slot_of[(rev_)] = nslots++; \
	} while (0)

	/* initial heads: those pending, in registration order */
	{
		bool	   *is_head = graph_new_set(g);

		foreach(lc, heads)
			if (lfirst_int(lc) >= 0 && todo[lfirst_int(lc)])
				is_head[lfirst_int(lc)] = true;
		for (i = 0; i < g->n; i++)
			if (is_head[i])
				APPEND_SLOT(i);
		pfree(is_head);
	}

	cur = first;
	while (cur >= 0)
	{
		int			c = slot_rev[cur];
		Revision   *r = &g->revs[c];
		bool		blocked = false;
		int			j;

		for (j = 0; j < r->nallchildren && !blocked; j++)
			blocked = todo[r->allchildren[j]];

		if (blocked)
		{
			/* climb pending descendants; the first head met in list order */
			int			top = 0,
						best = -1,
						budget = 64,
						s;

			/* the quick way: heads deeper than c, in list order */
			for (s = seg_first_deeper(&st, 0, depth[c]); s >= 0;
				 s = seg_first_deeper(&st, s + 1, depth[c]))
			{
				int			found = reaches(g, todo, depth, slot_rev[s], c,
											seen, ++visit, stack, &budget);

				if (found != 0)
				{
					if (found > 0)
						best = s;
					break;
				}
			}
			if (best >= 0)
			{
				cur = best;
				continue;
			}

			visit++;
			stack[top++] = c;
			seen[c] = visit;
			while (top > 0)
			{
				Revision   *x = &g->revs[stack[--top]];

				for (j = 0; j < x->nallchildren; j++)
				{
					int			y = x->allchildren[j];

					if (!todo[y] || seen[y] == visit)
						continue;
					seen[y] = visit;
					if (slot_of[y] >= 0 && (best < 0 || slot_of[y] < best))
						best = slot_of[y];
					stack[top++] = y;
				}
			}
			if (best < 0)
				elog(ERROR, "revision \"%s\" has pending descendants but no pending head",
					 r->id);
			cur = best;
			continue;
		}

		out = lappend_int(out, c);
		todo[c] = false;
		remaining--;
		slot_of[c] = -1;

		/* pending parents not already heads: down_revisions, then depends_on */
		normalize_deps(g, c);
		{
			int			nparents = 0;
			int		   *parents = stack;

			for (j = 0; j < r->ndown + r->nnormdeps; j++)
			{
				int			p = j < r->ndown ? r->down[j] : r->normdeps[j - r->ndown];
				bool		dup = false;
				int			k;

				if (!todo[p] || slot_of[p] >= 0)
					continue;
				for (k = 0; k < nparents; k++)
					dup |= (parents[k] == p);
				if (!dup)
					parents[nparents++] = p;
			}

			if (nparents == 0)
			{
				int			prev = slot_prev[cur],
							next = slot_next[cur];

				if (prev >= 0)
					slot_next[prev] = next;
				else
					first = next;
				if (next >= 0)
					slot_prev[next] = prev;
				else
					last = prev;
				seg_set(&st, cur, -1);
				cur = prev >= 0 ? prev : next;
			}
			else
			{
				slot_rev[cur] = parents[0];
				slot_of[parents[0]] = cur;
				seg_set(&st, cur, depth[parents[0]]);
				for (j = 1; j < nparents; j++)
					APPEND_SLOT(parents[j]);
			}
		}
	}
#undef APPEND_SLOT

	if (remaining != 0)
		elog(ERROR, "%d revisions were not reached from the heads", remaining);

	pfree(todo);
	pfree(slot_of);
	pfree(slot_rev);
	pfree(slot_prev);
	pfree(slot_next);
	pfree(seen);
	pfree(stack);
	pfree(depth);
	pfree(st.t);
	return out;
}

static int *
list_to_array(List *l, int *n)
{
	int		   *a = palloc(sizeof(int) * Max(list_length(l), 1));
	ListCell   *lc;

	*n = 0;
	foreach(lc, l)
		a[(*n)++] = lfirst_int(lc);
	return a;
}

/* appending backwards: lcons would move the whole array each time */
static List *
reverse_list(List *l)
{
	List	   *out = NIL;
	int			i;

	for (i = list_length(l) - 1; i >= 0; i--)
		out = lappend_int(out, list_nth_int(l, i));
	return out;
}

/*
 * Every unapplied revision among the targets and their ancestors (through
 * down_revision and depends_on), parents first.
 */
List *
plan_upgrade(Graph *g, const TargetSpec *spec)
{
	List	   *targets = target_for_upgrade(g, spec);
	bool	   *todo = graph_new_set(g);
	int			n;
	int		   *starts = list_to_array(targets, &n);
	int			i;

	graph_ancestors(g, starts, n, false, todo);
	for (i = 0; i < g->n; i++)
		todo[i] = todo[i] && !g->revs[i].applied;
	return reverse_list(graph_toposort(g, todo, targets));
}

/*
 * Every applied revision descending from the target's children, children
 * first; "X@target" keeps only the children on X's line of descent.
 */
List *
plan_downgrade(Graph *g, const TargetSpec *spec)
{
	const char *branch;
	int			target = target_for_downgrade(g, spec, &branch);
	List	   *roots = NIL;
	List	   *current = graph_current_heads(g);
	bool	   *todo = graph_new_set(g);
	bool		any = false;
	int		   *starts;
	int			n,
				i;

	if (target < 0)
		roots = graph_bases(g);
	else
		for (i = 0; i < g->revs[target].nchildren; i++)
			roots = lappend_int(roots, g->revs[target].children[i]);

	if (branch && list_length(roots) > 1)
	{
		bool	   *anc = target_branch_ancestors(g, branch);
		List	   *kept = NIL;
		ListCell   *lc;

		foreach(lc, roots)
			if (anc[lfirst_int(lc)])
				kept = lappend_int(kept, lfirst_int(lc));
		if (kept == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("target \"%s\" is not a valid downgrade target for branch \"%s\"",
							spec->text, branch),
					 errdetail("None of the revisions above %s lead to \"%s\".",
							   target >= 0 ? psprintf("\"%s\"", g->revs[target].id) : "base",
							   branch),
					 errhint("Name a revision below \"%s\" on its own line of descent.", branch)));
		roots = kept;
	}

	starts = list_to_array(roots, &n);
	graph_descendants(g, starts, n, false, todo);
	for (i = 0; i < g->n; i++)
	{
		todo[i] = todo[i] && g->revs[i].applied;
		any |= todo[i];
	}

	if (target >= 0 && !any && !list_member_int(current, target))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" is not applied", g->revs[target].id),
				 current ?
				 errdetail("The current heads are %s.",
						   graph_format_list(g, graph_sorted_by_id(g, current))) :
				 errdetail("No revision is applied."),
				 errhint("A downgrade target must be applied; use migrate_upgrade() to move up.")));

	/* children first, from the version rows as Alembic orders it */
	return graph_toposort(g, todo, graph_version_rows(g));
}

/*
 * The applied set becomes exactly the targets and their ancestors: what
 * leaves it (children first) and what joins it (parents first).
 */
void
plan_stamp(Graph *g, List *targets, List **removed, List **added)
{
	bool	   *keep = graph_new_set(g);
	bool	   *gone = graph_new_set(g);
	bool	   *join = graph_new_set(g);
	int			n,
				i;
	int		   *starts = list_to_array(targets, &n);

	graph_ancestors(g, starts, n, false, keep);
	for (i = 0; i < g->n; i++)
	{
		gone[i] = g->revs[i].applied && !keep[i];
		join[i] = keep[i] && !g->revs[i].applied;
	}
	*removed = graph_toposort(g, gone, graph_version_rows(g));
	*added = reverse_list(graph_toposort(g, join, targets));
}

/* Every revision, children before parents, as alembic history lists them. */
List *
plan_history(Graph *g)
{
	bool	   *all = graph_new_set(g);
	int			i;

	for (i = 0; i < g->n; i++)
		all[i] = true;
	return graph_toposort(g, all, graph_real_heads(g));
}
