/*-------------------------------------------------------------------------
 *
 * target.c
 *	  Parsing target strings and resolving them against the graph.
 *
 * The grammar and its meaning follow Alembic's RevisionMap
 * (_resolve_revision_number, _revision_for_ident, _walk,
 * _parse_upgrade_target, _parse_downgrade_target), with two deliberate
 * differences the contract asks for: where Alembic silently picks one of
 * several ways (a bare "-1" with several current heads) we raise an error
 * that says how to name the branch, and "X@Y" always checks that Y is in
 * the lineage of X.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "graph.h"

#define TARGET_MAXLEN 200

static bool
name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '_';
}

static bool
valid_name(const char *s, int len)
{
	int			i;

	if (len < 1 || len > MIGRATE_NAME_MAXLEN)
		return false;
	for (i = 0; i < len; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

static void
bad_target(const char *text, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid target \"%s\"", text),
			 errdetail("%s", detail),
			 errhint("A target is a revision id or unique prefix, a branch label, head, heads or base, optionally qualified as \"label@target\" and followed by a relative step such as \"+1\" or \"-2\".")));
}

/*
 * [branch@][symbol][+N|-N]: split on the first "@" (as Alembic does) and take
 * a trailing signed number as the relative step.  Names are
 * [A-Za-z0-9_]+, so neither "@" nor a sign can appear inside one.
 */
void
target_parse(const char *text, TargetSpec *spec)
{
	const char *at;
	const char *rest;
	const char *end;
	const char *p;

	memset(spec, 0, sizeof(*spec));
	spec->text = text;
	if (strlen(text) > TARGET_MAXLEN)
		bad_target(text, "It is longer than 200 characters.");
	if (*text == '\0')
		bad_target(text, "It is empty.");

	at = strchr(text, '@');
	if (at)
	{
		if (!valid_name(text, at - text))
			bad_target(text, "The part before \"@\" must be a revision id or branch label of 1 to 64 characters from [A-Za-z0-9_].");
		spec->branch = pnstrdup(text, at - text);
		rest = at + 1;
	}
	else
		rest = text;

	end = rest + strlen(rest);
	p = end;
	while (p > rest && p[-1] >= '0' && p[-1] <= '9')
		p--;
	if (p < end && p > rest && (p[-1] == '+' || p[-1] == '-'))
	{
		long		n;

		if (end - p > 6)
			bad_target(text, "A relative step is at most 999999.");
		n = strtol(p, NULL, 10);
		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("relative step in target \"%s\" moves nowhere", text),
					 errhint("Use a step of at least one, such as \"+1\" or \"-1\".")));
		spec->steps = (p[-1] == '-') ? -n : n;
		end = p - 1;
	}
	if (end > rest)
	{
		if (!valid_name(rest, end - rest))
			bad_target(text, "A revision id or branch label is 1 to 64 characters from [A-Za-z0-9_].");
		spec->symbol = pnstrdup(rest, end - rest);
	}
	else if (spec->steps == 0)
		bad_target(text, "Nothing follows \"@\".");
}

/* Revisions sharing a line of descent (down_revision only) with rev. */
static bool *
lineage_set(Graph *g, int rev)
{
	bool	   *set = graph_new_set(g);

	graph_ancestors(g, &rev, 1, true, set);
	set[rev] = false;
	graph_descendants(g, &rev, 1, true, set);
	return set;
}

static List *
filter_set(List *revs, const bool *set)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, revs)
		if (lfirst_int(lc) >= 0 && set[lfirst_int(lc)])
			out = lappend_int(out, lfirst_int(lc));
	return out;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int	resolve_ident(Graph *g, const char *name, const char *branch);

/*
 * The revision a branch qualifier names: a branch label or revision id, or
 * failing that a unique prefix of one (Alembic's _resolve_branch).
 */
int
target_branch_revision(Graph *g, const char *branch)
{
	int			rev = graph_lookup(g, branch);

	return rev >= 0 ? rev : resolve_ident(g, branch, NULL);
}

bool *
target_branch_ancestors(Graph *g, const char *branch)
{
	bool	   *set = graph_new_set(g);
	int			rev = target_branch_revision(g, branch);

	graph_ancestors(g, &rev, 1, true, set);
	return set;
}

/*
 * A revision id or branch label, exactly; failing that the one revision
 * whose id or label starts with name, among the lineage of branch if given.
 */
static int
resolve_ident(Graph *g, const char *name, const char *branch)
{
	bool	   *lineage = NULL;
	int			rev = graph_lookup(g, name);

	if (branch)
		lineage = lineage_set(g, target_branch_revision(g, branch));

	if (rev < 0)
	{
		List	   *matches = NIL;
		int			i,
					j;

		for (i = 0; i < g->n; i++)
		{
			bool		match = starts_with(g->revs[i].id, name);

			for (j = 0; j < g->revs[i].nlabels && !match; j++)
				match = starts_with(g->revs[i].labels[j], name);
			if (match && (!lineage || lineage[i]))
				matches = lappend_int(matches, i);
		}
		if (matches == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("revision \"%s\" does not exist", name),
					 branch ?
					 errdetail("No revision id or branch label in the lineage of \"%s\" is or starts with \"%s\".",
							   branch, name) :
					 errdetail("No revision id or branch label is or starts with \"%s\".", name),
					 errhint("Call migrate_history() to list the registered revisions.")));
		if (list_length(matches) > 1)
			ereport(ERROR,
					(errcode(ERRCODE_CARDINALITY_VIOLATION),
					 errmsg("revision prefix \"%s\" is ambiguous", name),
					 errdetail("It matches revisions %s.",
							   graph_format_list(g, graph_sorted_by_id(g, matches))),
					 errhint("Give more characters of the revision id, or qualify it with a branch as in \"label@%s\".",
							 name)));
		return linitial_int(matches);
	}
	if (lineage && !lineage[rev])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("revision \"%s\" is not in the lineage of \"%s\"",
						g->revs[rev].id, branch),
				 errdetail("It is neither an ancestor nor a descendant of \"%s\".", branch),
				 errhint("Qualify the target with a branch that \"%s\" belongs to.",
						 g->revs[rev].id)));
	return rev;
}

/* Alembic's get_current_head(branch): the one head, or -1 when empty. */
static int
current_head(Graph *g, const char *branch)
{
	List	   *heads = graph_heads(g);

	if (branch)
		heads = filter_set(heads, lineage_set(g, target_branch_revision(g, branch)));
	if (list_length(heads) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("target \"%s%shead\" names more than one revision",
						branch ? branch : "", branch ? "@" : ""),
				 errdetail("The revision graph has several heads%s: %s.",
						   branch ? " in that lineage" : "",
						   graph_format_list(g, graph_sorted_by_id(g, heads))),
				 errhint("Name one of them, use \"heads\" for all of them, or qualify \"head\" with a branch label as in \"label@head\".")));
	return heads ? linitial_int(heads) : -1;
}

/* Alembic's get_revisions(): every revision a symbol names. */
static List *
resolve_symbol(Graph *g, const char *branch, const char *symbol)
{
	if (strcmp(symbol, "heads") == 0)
	{
		if (branch)
			return filter_set(graph_heads(g),
							  lineage_set(g, target_branch_revision(g, branch)));
		return graph_real_heads(g);
	}
	if (strcmp(symbol, "head") == 0)
	{
		int			rev = current_head(g, branch);

		return rev >= 0 ? list_make1_int(rev) : NIL;
	}
	if (strcmp(symbol, "base") == 0)
	{
		if (branch)
			(void) target_branch_revision(g, branch);
		return NIL;
	}
	return list_make1_int(resolve_ident(g, symbol, branch));
}

/* Alembic's get_revision(): one revision, or REV_NONE for the empty state. */
static int
resolve_one(Graph *g, const char *branch, const char *symbol)
{
	List	   *revs = resolve_symbol(g, branch, symbol);

	if (list_length(revs) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("target \"%s%s%s\" names more than one revision",
						branch ? branch : "", branch ? "@" : "", symbol),
				 errdetail("It names %s.", graph_format_list(g, graph_sorted_by_id(g, revs))),
				 errhint("A relative step needs a single starting revision: name one of them.")));
	return revs ? linitial_int(revs) : REV_NONE;
}

static const char *
rev_desc(Graph *g, int rev)
{
	return rev >= 0 ? psprintf("\"%s\"", g->revs[rev].id) : "base";
}

/*
 * Step |steps| times up (children, within branch's lineage when given) or
 * down (down_revisions) from start; Alembic's _walk with no_overwalk.
 */
static int
walk(Graph *g, int start, int steps, const char *branch, const TargetSpec *spec)
{
	bool	   *lineage = NULL;
	int			cur = start;
	int			i;

	if (branch && steps > 0)
		lineage = lineage_set(g, target_branch_revision(g, branch));

	for (i = 0; i < abs(steps); i++)
	{
		List	   *next;

		if (steps > 0)
		{
			if (cur < 0)
				next = graph_bases(g);
			else
			{
				int			j;

				next = NIL;
				for (j = 0; j < g->revs[cur].nchildren; j++)
					next = lappend_int(next, g->revs[cur].children[j]);
			}
			if (lineage)
				next = filter_set(next, lineage);
		}
		else if (cur == REV_BASE)
			next = NIL;
		else
		{
			if (cur == REV_NONE)
				next = graph_heads(g);
			else
			{
				int			j;

				next = NIL;
				for (j = 0; j < g->revs[cur].ndown; j++)
					next = lappend_int(next, g->revs[cur].down[j]);
			}
			if (next == NIL)
				next = list_make1_int(REV_BASE);
		}

		if (next == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("relative target \"%s\" goes past the %s of the revision graph",
							spec->text, steps > 0 ? "heads" : "base"),
					 errdetail("Only %d of the %d steps exist from %s.",
							   i, abs(steps), rev_desc(g, start)),
					 errhint("Use a smaller step, or name the target revision.")));
		if (list_length(next) > 1)
		{
			List	   *sorted = graph_sorted_by_id(g, next);
			const char *first = g->revs[linitial_int(sorted)].id;

			if (steps > 0)
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("relative target \"%s\" is ambiguous", spec->text),
						 cur >= 0 ?
						 errdetail("Revision \"%s\" is a branch point with children %s.",
								   g->revs[cur].id, graph_format_list(g, sorted)) :
						 errdetail("The revision graph has several bases: %s.",
								   graph_format_list(g, sorted)),
						 errhint("Name the branch to follow, as in \"%s@%s\".",
								 first, spec->branch ? strchr(spec->text, '@') + 1 : spec->text)));
			else
				ereport(ERROR,
						(errcode(ERRCODE_CARDINALITY_VIOLATION),
						 errmsg("relative target \"%s\" is ambiguous", spec->text),
						 cur >= 0 ?
						 errdetail("Revision \"%s\" is a merge point of %s.",
								   g->revs[cur].id, graph_format_list(g, sorted)) :
						 errdetail("The revision graph has several heads: %s.",
								   graph_format_list(g, sorted)),
						 errhint("Name the revision to step down to, such as \"%s\".", first)));
		}
		cur = linitial_int(next);
	}
	return cur;
}

static void
ambiguous_current(Graph *g, const TargetSpec *spec, List *current)
{
	List	   *sorted = graph_sorted_by_id(g, current);

	ereport(ERROR,
			(errcode(ERRCODE_CARDINALITY_VIOLATION),
			 errmsg("relative target \"%s\" is ambiguous", spec->text),
			 errdetail("It steps from the version rows (the applied revisions that no applied revision follows or depends on), and there are several%s: %s.",
					   spec->branch ? " in that lineage" : "",
					   graph_format_list(g, sorted)),
			 errhint("Name the branch to step along, as in \"%s@%s\".",
					 g->revs[linitial_int(sorted)].id,
					 spec->branch ? strchr(spec->text, '@') + 1 : spec->text)));
}

/*
 * Revisions without a child (through down_revision or depends_on) inside
 * set: where an upgrade along a branch that is not a current head starts.
 */
static List *
tips_of(Graph *g, const bool *set)
{
	bool	   *inner = graph_new_set(g);
	List	   *tips = NIL;
	int			i,
				j;

	for (i = 0; i < g->n; i++)
		if (set[i])
		{
			Revision   *r = &g->revs[i];

			for (j = 0; j < r->ndown; j++)
				inner[r->down[j]] = true;
			for (j = 0; j < r->ndeps; j++)
				inner[r->deps[j]] = true;
		}
	for (i = 0; i < g->n; i++)
		if (set[i] && !inner[i])
			tips = lappend_int(tips, i);
	return tips;
}

/* Revisions an upgrade target names (Alembic's _parse_upgrade_target). */
List *
target_for_upgrade(Graph *g, const TargetSpec *spec)
{
	int			rev;

	if (spec->steps == 0)
		return resolve_symbol(g, spec->branch, spec->symbol);

	if (spec->steps < 0)
	{
		if (spec->symbol == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("upgrade target \"%s\" steps down", spec->text),
					 errhint("Use migrate_downgrade('%s') to step down from the current heads.",
							 spec->text)));
		rev = walk(g, resolve_one(g, spec->branch, spec->symbol), spec->steps,
				   NULL, spec);
	}
	else if (spec->symbol != NULL)
		rev = walk(g, resolve_one(g, NULL, spec->symbol), spec->steps,
				   spec->branch, spec);
	else
	{
		/* Alembic steps from its version table's rows */
		List	   *current = graph_version_rows(g);
		List	   *start = current ? current : list_make1_int(REV_NONE);

		if (spec->branch && current)
		{
			bool	   *lineage = lineage_set(g, target_branch_revision(g, spec->branch));

			start = filter_set(current, lineage);
			if (start == NIL)
			{
				/* the branch is not at a current head: start from its tip */
				bool	   *active = graph_new_set(g);
				int			i;

				for (i = 0; i < g->n; i++)
					active[i] = g->revs[i].applied && lineage[i];
				start = tips_of(g, active);
				if (start == NIL)
					start = list_make1_int(REV_NONE);
			}
		}
		if (list_length(start) > 1)
			ambiguous_current(g, spec, start);
		rev = walk(g, linitial_int(start), spec->steps, spec->branch, spec);
	}
	return rev >= 0 ? list_make1_int(rev) : NIL;
}

/*
 * The revision a downgrade target names, REV_NONE for the empty state
 * (Alembic's _parse_downgrade_target).  *branch is the branch the downgrade
 * is narrowed to: the qualifier given, or for a bare "-N" the current head
 * it steps down from.
 */
int
target_for_downgrade(Graph *g, const TargetSpec *spec, const char **branch)
{
	int			start;
	int			rev;

	*branch = spec->branch;
	if (spec->steps == 0)
		return resolve_one(g, spec->branch, spec->symbol);

	if (spec->steps > 0)
	{
		if (spec->symbol == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("downgrade target \"%s\" steps up", spec->text),
					 errhint("Use migrate_upgrade('%s') to step up from the current heads.",
							 spec->text)));
		rev = walk(g, resolve_one(g, NULL, spec->symbol), spec->steps,
				   spec->branch, spec);
		return rev >= 0 ? rev : REV_NONE;
	}

	if (spec->symbol == NULL)
	{
		/* the version rows; in a branch, failing those, its current heads */
		List	   *current = graph_version_rows(g);

		if (spec->branch)
		{
			bool	   *lineage = lineage_set(g, target_branch_revision(g, spec->branch));

			current = filter_set(current, lineage);
			if (current == NIL)
				current = filter_set(graph_current_heads(g), lineage);
			if (current == NIL)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("relative target \"%s\" has nothing to step down from",
								spec->text),
						 errdetail("No revision in the lineage of \"%s\" is applied.",
								   spec->branch)));
		}
		else if (current == NIL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("relative target \"%s\" goes past the base of the revision graph",
							spec->text),
					 errdetail("No revision is applied.")));
		if (list_length(current) > 1)
			ambiguous_current(g, spec, current);
		start = linitial_int(current);
		if (!spec->branch)
			*branch = g->revs[start].id;
	}
	else
		start = resolve_one(g, spec->branch, spec->symbol);

	rev = walk(g, start, spec->steps, NULL, spec);
	return rev >= 0 ? rev : REV_NONE;
}

/* What a target names now, for migrate_resolve() and migrate_stamp(). */
List *
target_resolve(Graph *g, const TargetSpec *spec)
{
	if (spec->steps < 0)
	{
		const char *branch;
		int			rev = target_for_downgrade(g, spec, &branch);

		return rev >= 0 ? list_make1_int(rev) : NIL;
	}
	return target_for_upgrade(g, spec);
}
