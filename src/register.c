/*-------------------------------------------------------------------------
 *
 * register.c
 *	  Checking what migrate_revision() and migrate_forget() are given.
 *
 * Only what a single revision can get wrong is checked here: names,
 * repeats, and a revision naming itself.  References to other revisions are
 * checked when the graph is used, because migration files load in any order.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "register.h"

static bool
reserved_name(const char *name)
{
	return strcmp(name, "head") == 0 || strcmp(name, "heads") == 0 ||
		strcmp(name, "base") == 0;
}

/* NULL if name is a valid revision id or label, else why not */
static const char *
name_problem(const char *name)
{
	size_t		len = strlen(name);
	const char *p;

	if (len == 0)
		return "It is empty.";
	if (len > MIGRATE_NAME_MAXLEN)
		return psprintf("It is %zu characters long; the limit is %d.", len,
						MIGRATE_NAME_MAXLEN);
	for (p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_'))
			return "Only the characters A-Z, a-z, 0-9 and _ are allowed.";
	if (reserved_name(name))
		return psprintf("\"%s\" is reserved as a target name.", name);
	return NULL;
}

void
register_check_id(const char *revision)
{
	const char *problem = name_problem(revision);

	if (problem)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid revision id \"%s\"", revision),
				 errdetail("%s", problem),
				 errhint("A revision id is 1 to 64 characters from [A-Za-z0-9_], such as a 12-digit hex string.")));
}

/*
 * Check a text[] argument and rebuild it as a plain one-dimensional array
 * (NULL becomes empty), so that stored arrays compare element by element.
 */
static int
cmp_cstring_ptr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static ArrayType *
check_names(ArrayType *arr, const char *what, const char *revision)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **names;
	int			n,
				i;

	if (arr == NULL)
		return construct_empty_array(TEXTOID);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s of revision \"%s\" must be a one-dimensional array",
						what, revision)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	names = palloc(sizeof(char *) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		char	   *name;
		const char *problem;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s of revision \"%s\" contains a null", what, revision),
					 errhint("Leave the element out, or pass '{}' for none.")));
		name = TextDatumGetCString(elems[i]);
		problem = name_problem(name);
		if (problem)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid name \"%s\" in %s of revision \"%s\"",
							name, what, revision),
					 errdetail("%s", problem),
					 errhint("Revision ids and branch labels are 1 to 64 characters from [A-Za-z0-9_].")));
		names[i] = name;
		if (strcmp(name, revision) == 0)
		{
			if (strcmp(what, "branch_labels") == 0)
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_OBJECT),
						 errmsg("branch label \"%s\" of revision \"%s\" is also a revision id",
								name, revision),
						 errhint("Choose a branch label that is not a revision id.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
					 errmsg("revision \"%s\" names itself in its %s", revision, what),
					 errhint("A revision follows or depends on other revisions, never itself.")));
		}
	}
	/* repeats, by sorting a copy: a merge of 10,000 parents stays cheap */
	if (n > 1)
	{
		char	  **sorted = palloc(sizeof(char *) * n);

		memcpy(sorted, names, sizeof(char *) * n);
		qsort(sorted, n, sizeof(char *), cmp_cstring_ptr);
		for (i = 1; i < n; i++)
			if (strcmp(sorted[i - 1], sorted[i]) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s of revision \"%s\" names \"%s\" twice",
								what, revision, sorted[i]),
						 errhint("Name each revision or label once.")));
		pfree(sorted);
	}
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/* A revision depending on one of its own branch labels depends on itself. */
static void
check_depends_on_own_label(const RevisionDef *def)
{
	Datum	   *deps,
			   *labels;
	int			ndeps,
				nlabels,
				i,
				j;

	deconstruct_array(def->depends_on, TEXTOID, -1, false, TYPALIGN_INT,
					  &deps, NULL, &ndeps);
	deconstruct_array(def->branch_labels, TEXTOID, -1, false, TYPALIGN_INT,
					  &labels, NULL, &nlabels);
	for (i = 0; i < ndeps; i++)
		for (j = 0; j < nlabels; j++)
			if (strcmp(TextDatumGetCString(deps[i]), TextDatumGetCString(labels[j])) == 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("revision \"%s\" names itself in its depends_on",
								def->revision),
						 errdetail("\"%s\" is one of its own branch labels.",
								   TextDatumGetCString(labels[j])),
						 errhint("A revision follows or depends on other revisions, never itself.")));
}

void
register_check_def(RevisionDef *def)
{
	register_check_id(def->revision);
	def->down_revision = check_names(def->down_revision, "down_revision", def->revision);
	def->depends_on = check_names(def->depends_on, "depends_on", def->revision);
	def->branch_labels = check_names(def->branch_labels, "branch_labels", def->revision);
	check_depends_on_own_label(def);
}

/*
 * Does a body run nothing?  True when it holds only whitespace, comments
 * (from -- to the end of the line, and slash-star blocks, which nest as
 * in PostgreSQL's lexer) and semicolons: no token at all.  Anything else,
 * a dollar quote included, counts as SQL; an unterminated block comment
 * too (running it is an error, which is not "nothing").
 */
bool
register_body_is_blank(const char *body)
{
	const char *p = body;

	while (*p)
	{
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
			*p == '\f' || *p == '\v' || *p == ';')
			p++;
		else if (p[0] == '-' && p[1] == '-')
		{
			while (*p && *p != '\n' && *p != '\r')
				p++;
		}
		else if (p[0] == '/' && p[1] == '*')
		{
			int			depth = 1;

			p += 2;
			while (depth > 0)
			{
				if (*p == '\0')
					return false;
				if (p[0] == '/' && p[1] == '*')
				{
					depth++;
					p += 2;
				}
				else if (p[0] == '*' && p[1] == '/')
				{
					depth--;
					p += 2;
				}
				else
					p++;
			}
		}
		else
			return false;
	}
	return true;
}

/*
 * A revision that changes the schema one way only is usually a mistake:
 * a downgrade left empty (or only comments) makes unapplying it a silent
 * no-op.  Both directions empty (a merge, a placeholder) is fine.
 */
void
register_warn_one_way(const char *revision, const char *upgrade, const char *downgrade)
{
	bool		no_upgrade = register_body_is_blank(upgrade);
	bool		no_downgrade = register_body_is_blank(downgrade);

	if (no_downgrade && !no_upgrade)
		ereport(WARNING,
				(errmsg("revision \"%s\" has no downgrade: unapplying it will not change the schema",
						revision),
				 errhint("Write the SQL that undoes the upgrade; if it cannot be undone, make the downgrade fail with an error that says so.")));
	else if (no_upgrade && !no_downgrade)
		ereport(WARNING,
				(errmsg("revision \"%s\" has no upgrade: applying it will not change the schema",
						revision),
				 errhint("Write the upgrade that the downgrade undoes.")));
}
