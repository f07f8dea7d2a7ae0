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

/* the heads the new revision goes on, from the server; NULL when refused */
static PGresult *
heads_with_files(PGconn *conn, Options *opts)
{
	MigFiles   *files = read_migration_files(opts->dir);
	PGresult   *res;

	check_extension(conn, EXT_READ, false);
	if (!begin_transaction(conn, false))
		return NULL;
	if (register_files(conn, files, false) > 0 || refuse_revisions_without_files(conn, files))
	{
		rollback(conn);
		return NULL;
	}
	res = query(conn, "SELECT h FROM pg_catalog.migrate_heads() AS h ORDER BY h", 0, NULL);
	rollback(conn);
	return res;
}

static int
write_revision(Options *opts, const char *message, PGresult *heads)
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
					  "-- %s\n--\n-- Revision ID: %s\n-- Revises: %s\n-- Create Date: %s\n"
					  "SELECT migrate_revision(\n"
					  "    revision      => '%s',\n"
					  "    down_revision => '{%s}',\n"
					  "    message       => ",
					  comment, id, down.len ? down.data : "(base)", created, id, down.data);
	append_e_literal(&file, message);
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
	closing_line("wrote revision %s on %s", id, down.len ? down.data : "<base>");
	return EXIT_OK;
}

/* create and merge: the heads, the rule on how many, the file */
static int
new_revision(PGconn *conn, Options *opts, const char *message, bool merge)
{
	PGresult   *heads = heads_with_files(conn, opts);
	int			n;

	if (heads == NULL)
	{
		closing_line("nothing written");
		return EXIT_FAILED;
	}
	n = PQntuples(heads);
	if (merge && n < 2)
		pg_log_error("the migrations have a single head: nothing to merge");
	else if (!merge && n > 1)
	{
		PQExpBufferData list;

		initPQExpBuffer(&list);
		for (int i = 0; i < n; i++)
			appendPQExpBuffer(&list, "%s%s", i ? ", " : "", PQgetvalue(heads, i, 0));
		pg_log_error("the migrations have %d heads: %s", n, list.data);
		pg_log_error_hint("Join them first: migrate merge \"merge\".");
		termPQExpBuffer(&list);
	}
	else
		return write_revision(opts, message, heads);
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
		pg_log_error_hint("Usage: migrate create MESSAGE [--dry-run]");
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
