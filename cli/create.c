/*
 * Writing new migration files: create MESSAGE and merge [MESSAGE].
 *
 * The down revisions come from the server: the files are registered in a
 * transaction that is rolled back and migrate_heads() names the heads, so
 * the program never computes a head itself.  As for upgrade, a registered
 * revision without a file stops it (a file written on top of another
 * branch's state would fork the history).
 *
 * The file is the format migrate has always written (psql loads it; the
 * hook's and the shell's readers find the revision and down_revision lines
 * where they always were).  The message is written as an E'' literal with
 * quotes, backslashes and control characters escaped, so any message reads
 * back exactly whatever standard_conforming_strings says, and as one
 * escaped comment line, so nothing in it can end the comment.
 */
#include "migrate.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/logging.h"
#include "pqexpbuffer.h"

#define SLUG_MAX 40

static char *
make_slug(const char *message)
{
	PQExpBufferData buf;
	bool		gap = false;

	initPQExpBuffer(&buf);
	for (const unsigned char *p = (const unsigned char *) message; *p && buf.len < SLUG_MAX; p++)
	{
		unsigned char ch = (*p >= 'A' && *p <= 'Z') ? *p - 'A' + 'a' : *p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
		{
			if (gap && buf.len > 0)
				appendPQExpBufferChar(&buf, '_');
			appendPQExpBufferChar(&buf, ch);
			gap = false;
		}
		else
			gap = true;
	}
	if (buf.len == 0)
		appendPQExpBufferStr(&buf, "revision");
	return buf.data;
}

/*
 * /dev/urandom, as migrate.sh did: pg_strong_random would tie the program
 * to the SSL library PostgreSQL was built with.
 */
static bool
random_bytes(unsigned char *buf, size_t len)
{
	FILE	   *fp = fopen("/dev/urandom", "rb");
	bool		ok;

	if (fp == NULL)
		return false;
	ok = fread(buf, 1, len, fp) == len;
	fclose(fp);
	return ok;
}

static void
append_e_literal(PQExpBuffer buf, const char *s)
{
	appendPQExpBufferStr(buf, "E'");
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '\'')
			appendPQExpBufferStr(buf, "''");
		else if (*p == '\\')
			appendPQExpBufferStr(buf, "\\\\");
		else if (*p == '\n')
			appendPQExpBufferStr(buf, "\\n");
		else if (*p == '\r')
			appendPQExpBufferStr(buf, "\\r");
		else if (*p < 0x20 || *p == 0x7f)
			appendPQExpBuffer(buf, "\\x%02x", *p);
		else
			appendPQExpBufferChar(buf, *p);
	}
	appendPQExpBufferChar(buf, '\'');
}

static bool
valid_ref(const char *s)
{
	size_t		len = strlen(s);

	return len >= 1 && len <= 64 &&
		strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/* what autogenerate puts in the file; all NULL for an empty revision */
typedef struct Bodies
{
	char	   *upgrade;
	char	   *downgrade;
	char	   *notes;			/* comment lines for the header, warnings first */
	bool		merge;			/* a merge revision: no bodies at all */
} Bodies;

static PGresult *
scalar_query(PGconn *conn, const char *sql, const char *param)
{
	const char *params[1] = {param};

	return query(conn, sql, param ? 1 : 0, param ? params : NULL);
}

/*
 * The parents the new revision goes on, from the server (migrate_heads(),
 * or what --head resolves to); NULL when refused.  With autogenerate
 * (at_head), the database must be at those heads: a diff against a
 * database behind its files would write again what a pending file does.
 */
static PGresult *
parents_with_files(PGconn *conn, Options *opts, bool at_head)
{
	MigFiles   *files = read_migration_files(opts->dir);
	PGresult   *res;

	/*
	 * The first revision of a new project, on a database without the
	 * extension yet: there is no file to register and no head to ask for,
	 * it goes on base.  Autogenerate and --head still need the extension.
	 */
	if (files->count == 0 && !at_head && !opts->head)
	{
		res = scalar_query(conn,
						   "SELECT NULL::pg_catalog.text WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_extension"
						   "  WHERE extname OPERATOR(pg_catalog.=) 'migrate')"
						   "  AND EXISTS (SELECT FROM pg_catalog.pg_available_extensions"
						   "  WHERE name OPERATOR(pg_catalog.=) 'migrate')", NULL);
		if (res == NULL)
			return NULL;
		if (PQntuples(res) == 1)
		{
			PQclear(res);
			printf("the migrate extension is not created in database \"%s\" yet: migrate upgrade creates it\n",
				   PQdb(conn));
			return scalar_query(conn, "SELECT NULL::pg_catalog.text WHERE false", NULL);
		}
		PQclear(res);
	}
	check_extension(conn, EXT_READ, false);
	if (!begin_transaction(conn, false))
		return NULL;
	if (register_files(conn, files, false) > 0 || refuse_revisions_without_files(conn, files))
	{
		rollback(conn);
		return NULL;
	}
	if (at_head)
	{
		res = scalar_query(conn,
						   "SELECT pg_catalog.cardinality(s.pending), pg_catalog.array_to_string(s.pending, ', ')"
						   "  FROM pg_catalog.migrate_status() AS s", NULL);
		if (res == NULL || atoi(PQgetvalue(res, 0, 0)) > 0)
		{
			if (res)
			{
				pg_log_error("%s revision(s) not applied: %s", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
				pg_log_error_detail("Autogenerate compares the models with the database at the head of the files.");
				pg_log_error_hint("Run migrate upgrade first (or create --empty).");
			}
			PQclear(res);
			rollback(conn);
			return NULL;
		}
		PQclear(res);
	}
	if (opts->head)
		res = scalar_query(conn,
						   "SELECT r FROM pg_catalog.migrate_resolve($1) AS r ORDER BY r", opts->head);
	else
		res = scalar_query(conn, "SELECT h FROM pg_catalog.migrate_heads() AS h ORDER BY h", NULL);
	rollback(conn);
	return res;
}

/* a dollar quote tag that the body does not contain */
static char *
dollar_tag(const char *name, const char *body)
{
	char	   *tag = psprintf("$%s$", name);

	for (int i = 1; strstr(body, tag) != NULL; i++)
		tag = psprintf("$%s_%d$", name, i);
	return tag;
}

/* the models, diffed against the database; false (reported) when nothing to write */
static bool
autogenerate(PGconn *conn, Bodies *b)
{
	char	   *why;
	char	   *json = models_describe(conn, &why);
	PGresult   *res;
	PQExpBufferData up,
				down,
				notes;
	int			n;

	if (json == NULL)
	{
		if (why)
		{
			pg_log_error("cannot autogenerate from %s: %s", models_dir(), why);
			pg_log_error_hint("Set MODELS_DATABASE_URL to a server where a superuser's scratch database can be made, or pass --empty.");
		}
		return false;
	}
	res = models_diff(conn, json);
	if (res == NULL)
		return false;
	n = PQntuples(res);
	if (n == 0)
	{
		pg_log_error("%s and the database agree: nothing to autogenerate", models_dir());
		pg_log_error_hint("create --empty writes an empty revision.");
		PQclear(res);
		return false;
	}
	initPQExpBuffer(&up);
	initPQExpBuffer(&down);
	initPQExpBuffer(&notes);
	appendPQExpBufferStr(&notes, "--\n-- Autogenerated from models/: review it before applying.\n");
	for (int i = 0; i < n; i++)
	{
		appendPQExpBuffer(&up, "%s;\n", PQgetvalue(res, i, 4));
		appendPQExpBuffer(&down, "%s;\n", PQgetvalue(res, n - 1 - i, 5));
		if (!PQgetisnull(res, i, 3) && PQgetvalue(res, i, 3)[0])
		{
			char	   *line = psprintf("WARNING (step %s, %s %s): %s", PQgetvalue(res, i, 0),
										PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
										PQgetvalue(res, i, 3));

			appendPQExpBuffer(&notes, "-- %s\n", escape_text(line, true));
		}
	}
	PQclear(res);
	b->upgrade = up.data;
	b->downgrade = down.data;
	b->notes = notes.data;
	return true;
}

static void
append_text_array(PQExpBuffer buf, const char *const *items, int n)
{
	appendPQExpBufferStr(buf, "ARRAY[");
	for (int i = 0; i < n; i++)
	{
		if (i)
			appendPQExpBufferStr(buf, ", ");
		append_e_literal(buf, items[i]);
	}
	appendPQExpBufferStr(buf, "]::text[]");
}

static int
write_revision(Options *opts, const char *message, PGresult *heads, const Bodies *b)
{
	unsigned char raw[6];
	char		id[13];
	char	   *slug = make_slug(message);
	char	   *path;
	char	   *comment = escape_text(message, true);
	PQExpBufferData down;
	PQExpBufferData file;
	char		created[32];
	time_t		now = time(NULL);
	int			fd;

	if (!random_bytes(raw, sizeof(raw)))
	{
		pg_log_error("could not read random bytes from /dev/urandom: %m");
		return EXIT_FAILED;
	}
	for (int i = 0; i < 6; i++)
		snprintf(id + 2 * i, 3, "%02x", raw[i]);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));

	/* heads are ids the server accepted: [A-Za-z0-9_] */
	initPQExpBuffer(&down);
	for (int i = 0; i < PQntuples(heads); i++)
		appendPQExpBuffer(&down, "%s%s", i ? "," : "", PQgetvalue(heads, i, 0));

	initPQExpBuffer(&file);
	appendPQExpBuffer(&file,
					  "-- %s\n--\n-- Revision ID: %s\n-- Revises: %s\n-- Create Date: %s\n%s%s"
					  "SELECT migrate_revision(\n"
					  "    revision      => '%s',\n"
					  "    down_revision => '{%s}',\n"
					  "    message       => ",
					  comment, id, down.len ? down.data : "(base)", created,
					  opts->nontransactional ?
					  "--\n-- Non-transactional (transactional => false): each statement of its bodies\n"
					  "-- runs as its own top-level command, outside any transaction (CREATE INDEX\n"
					  "-- CONCURRENTLY and the like); put nothing else in them. migrate upgrade\n"
					  "-- commits the steps before it first; a failed run is resumed by running it again.\n" : "",
					  b->notes ? b->notes : "", id, down.data);
	append_e_literal(&file, message);
	if (opts->branch_label)
	{
		appendPQExpBufferStr(&file, ",\n    branch_labels => ");
		append_text_array(&file, &opts->branch_label, 1);
	}
	if (opts->ndepends_on > 0)
	{
		appendPQExpBufferStr(&file, ",\n    depends_on    => ");
		append_text_array(&file, opts->depends_on, opts->ndepends_on);
	}
	if (opts->nontransactional)
		appendPQExpBufferStr(&file, ",\n    transactional => false");
	if (b->upgrade)
	{
		char	   *ut = dollar_tag("upgrade", b->upgrade);
		char	   *dt = dollar_tag("downgrade", b->downgrade);

		appendPQExpBuffer(&file,
						  ",\n    upgrade       => %s\n%s%s,\n"
						  "    downgrade     => %s\n%s%s\n);\n",
						  ut, b->upgrade, ut, dt, b->downgrade, dt);
	}
	else if (b->merge)
	{
		/* a merge joins heads and runs nothing: no bodies to fill in (Alembic's "pass") */
		appendPQExpBufferStr(&file, "\n);\n");
	}
	else
		appendPQExpBufferStr(&file,
							 ",\n    upgrade       => $upgrade$\n"
							 "-- the SQL that applies this revision\n"
							 "$upgrade$,\n"
							 "    downgrade     => $downgrade$\n"
							 "-- the SQL that undoes it\n"
							 "$downgrade$\n);\n");
	path = psprintf("%s/%s_%s.sql", opts->dir, id, slug);

	if (opts->dry_run)
	{
		printf("would write %s:\n%s", path, file.data);
		closing_line("dry run: nothing written");
		return EXIT_OK;
	}
	if (mkdir(opts->dir, 0777) != 0 && errno != EEXIST)
	{
		pg_log_error("could not create the migrations folder \"%s\": %m", opts->dir);
		return EXIT_FAILED;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	if (fd < 0 || write(fd, file.data, file.len) != (ssize_t) file.len || close(fd) != 0)
	{
		pg_log_error("could not write \"%s\": %m", path);
		return EXIT_FAILED;
	}
	printf("%s\n", path);
	closing_line("wrote revision %s on %s%s", id, down.len ? down.data : "<base>",
				 b->upgrade ? ", autogenerated from the models" : "");
	return EXIT_OK;
}

/* create and merge: the heads, the rule on how many, the file */
static int
new_revision(PGconn *conn, Options *opts, const char *message, bool merge)
{
	/* autogenerate writes transactional DDL: a non-transactional file starts empty */
	bool		autogen = !merge && !opts->empty && !opts->nontransactional && models_present();
	PGresult   *heads = parents_with_files(conn, opts, autogen);
	Bodies		bodies = {0};
	int			n;

	bodies.merge = merge;
	if (merge)
		bodies.notes = "--\n-- A merge: it joins the revisions above and runs no SQL of its own.\n";

	if (heads == NULL)
	{
		closing_line("nothing written");
		return EXIT_FAILED;
	}
	n = PQntuples(heads);
	if (merge && n < 2)
		pg_log_error("the migrations have a single head: nothing to merge");
	else if (!merge && n > 1 && !opts->head)
	{
		PQExpBufferData list;

		initPQExpBuffer(&list);
		for (int i = 0; i < n; i++)
			appendPQExpBuffer(&list, "%s%s", i ? ", " : "", PQgetvalue(heads, i, 0));
		pg_log_error("the migrations have %d heads: %s", n, list.data);
		pg_log_error_hint("Join them first: migrate merge \"merge\".");
		termPQExpBuffer(&list);
	}
	else if (!autogen || autogenerate(conn, &bodies))
		return write_revision(opts, message, heads, &bodies);
	PQclear(heads);
	closing_line("nothing written");
	return EXIT_FAILED;
}

int
cmd_create(PGconn *conn, Options *opts, int argc, char **argv)
{
	if (argc != 1 || argv[0][0] == '\0')
	{
		pg_log_error("create needs one message");
		pg_log_error_hint("Usage: migrate create MESSAGE [--empty] [--nontransactional] [--head REV] [--branch-label LABEL] [--depends-on REV]... [--dry-run]");
		return EXIT_USAGE;
	}
	/* caught here, not when the written file fails to register */
	if (opts->branch_label && !valid_ref(opts->branch_label))
	{
		pg_log_error("invalid branch label \"%s\"", escape_text(opts->branch_label, true));
		pg_log_error_hint("Revision ids and branch labels are 1 to 64 characters from [A-Za-z0-9_].");
		return EXIT_USAGE;
	}
	for (int i = 0; i < opts->ndepends_on; i++)
		if (!valid_ref(opts->depends_on[i]))
		{
			pg_log_error("invalid --depends-on \"%s\"", escape_text(opts->depends_on[i], true));
			pg_log_error_hint("Name a revision id or a branch label: 1 to 64 characters from [A-Za-z0-9_].");
			return EXIT_USAGE;
		}
	return new_revision(conn, opts, argv[0], false);
}

int
cmd_merge(PGconn *conn, Options *opts, int argc, char **argv)
{
	if (argc > 1)
	{
		pg_log_error("merge takes at most one message");
		pg_log_error_hint("Usage: migrate merge [MESSAGE] [--dry-run]");
		return EXIT_USAGE;
	}
	return new_revision(conn, opts, argc == 1 ? argv[0] : "merge heads", true);
}
