/*
 * Reading migrations/ and registering its files.
 *
 * A file is named <revision>_<slug>.sql: the revision of [0-9A-Za-z] (the
 * 12-hex ids migrate writes, and any other id without an underscore, which
 * would make the split ambiguous), the slug of [0-9A-Za-z_-] (the rule
 * migration files have always had).  Any other entry in the folder (editor files and
 * hidden files included) is refused, so a name never carries a quote, a
 * space, a newline or a shell metacharacter into a message or a command,
 * and no file is silently left out.
 *
 * A file holds one statement, SELECT migrate_revision(...), with named or
 * positional arguments: the format psql has always loaded.  The program
 * does not parse it; the server does.  The statement is prepared alone
 * (the extended protocol refuses a second statement, and psql's
 * backslash commands mean nothing to the server), its result must be the
 * one text column migrate_revision returns, and the id it returns must be
 * the one the file name gives.
 */
#include "migrate.h"

#include <dirent.h>
#include <sys/stat.h>

#include "catalog/pg_type_d.h"
#include "common/logging.h"
#include "pqexpbuffer.h"

#define MAX_REVISION_LEN 64
#define MAX_FILE_SIZE (64 * 1024 * 1024)

/* Returns the length of the revision part, or 0 when the name is not valid. */
static size_t
valid_name(const char *name)
{
	size_t		len = strlen(name);
	size_t		rev = strspn(name, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
	size_t		slug;

	if (len < 4 || strcmp(name + len - 4, ".sql") != 0)
		return 0;
	if (rev == 0 || rev > MAX_REVISION_LEN || name[rev] != '_')
		return 0;
	slug = strspn(name + rev + 1, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-");
	if (slug == 0 || rev + 1 + slug != len - 4)
		return 0;
	return rev;
}

/* the name rule, for the hook's view of staged paths */
bool
migration_file_name_ok(const char *name)
{
	return valid_name(name) > 0;
}

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const MigFile *) a)->name, ((const MigFile *) b)->name);
}

MigFiles *
read_migration_files(const char *dir)
{
	MigFiles   *files = pg_malloc0(sizeof(MigFiles));
	DIR		   *d;
	struct dirent *de;
	int			cap = 16;
	bool		bad = false;

	files->dir = dir;
	d = opendir(dir);
	if (d == NULL)
	{
		if (errno == ENOENT)
			return files;		/* exists = false: the caller decides */
		pg_log_error("could not open the migrations folder \"%s\": %m", dir);
		exit(EXIT_USAGE);
	}
	files->exists = true;
	files->items = pg_malloc(cap * sizeof(MigFile));
	while ((de = readdir(d)) != NULL)
	{
		const char *name = de->d_name;
		size_t		rev;
		MigFile    *f;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		rev = valid_name(name);
		if (rev == 0)
		{
			char	   *shown = escape_text(name, true);

			pg_log_error("migration file name \"%s\" is not <revision>_<slug>.sql", shown);
			pg_log_error_detail("The revision is 1 to %d characters of [0-9A-Za-z], the slug of [0-9A-Za-z_-]; nothing else may be in the folder.",
								MAX_REVISION_LEN);
			free(shown);
			bad = true;
			continue;
		}
		if (files->count == cap)
		{
			cap *= 2;
			files->items = pg_realloc(files->items, cap * sizeof(MigFile));
		}
		f = &files->items[files->count++];
		f->name = pg_strdup(name);
		f->path = psprintf("%s/%s", dir, name);
		f->revision = pnstrdup(name, rev);
	}
	closedir(d);
	if (bad)
	{
		pg_log_error_hint("Rename the file (lowercase letters, digits and underscores).");
		exit(EXIT_USAGE);
	}
	qsort(files->items, files->count, sizeof(MigFile), file_cmp);
	for (int i = 1; i < files->count; i++)
		if (strcmp(files->items[i].revision, files->items[i - 1].revision) == 0)
		{
			pg_log_error("two migration files have revision \"%s\": \"%s\" and \"%s\"",
						 files->items[i].revision, files->items[i - 1].name, files->items[i].name);
			exit(EXIT_USAGE);
		}
	return files;
}

static char *
read_whole_file(const MigFile *f)
{
	FILE	   *fp = fopen(f->path, "rb");
	struct stat st;
	char	   *buf;
	size_t		got;

	if (fp == NULL || fstat(fileno(fp), &st) != 0)
	{
		pg_log_error("could not read migration file \"%s\": %m", f->path);
		exit(EXIT_USAGE);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE_SIZE)
	{
		pg_log_error("migration file \"%s\" is not a regular file of at most %d MB",
					 f->path, MAX_FILE_SIZE / (1024 * 1024));
		exit(EXIT_USAGE);
	}
	buf = pg_malloc(st.st_size + 1);
	got = fread(buf, 1, st.st_size, fp);
	fclose(fp);
	buf[got] = '\0';
	if (strlen(buf) != got)
	{
		pg_log_error("migration file \"%s\" contains a zero byte", f->path);
		exit(EXIT_USAGE);
	}
	return buf;
}

/* the SQLSTATE of the last registration that failed on the server */
static char last_sqlstate[6];

static void
remember_sqlstate(const PGresult *res)
{
	const char *s = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	strlcpy(last_sqlstate, s ? s : "", sizeof(last_sqlstate));
}

/* Registers one file in the open transaction; false (reported) when it fails. */
bool
register_file(PGconn *conn, const MigFile *f)
{
	char	   *sql = read_whole_file(f);
	PGresult   *res;
	bool		ok = false;

	set_notice_context(f->name);
	res = PQprepare(conn, "", sql, 0, NULL);
	free(sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		remember_sqlstate(res);
		report_error(res, f->name);
		goto done;
	}
	PQclear(res);
	res = PQdescribePrepared(conn, "");
	if (PQresultStatus(res) != PGRES_COMMAND_OK ||
		PQnfields(res) != 1 || PQftype(res, 0) != TEXTOID)
	{
		pg_log_error("migration file \"%s\" is not one SELECT migrate_revision(...) statement", f->name);
		pg_log_error_detail("A migration file holds exactly one statement, the migrate_revision call that registers it.");
		goto done;
	}
	PQclear(res);
	res = PQexecPrepared(conn, "", 0, NULL, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		remember_sqlstate(res);
		report_error(res, f->name);
		goto done;
	}
	if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0) ||
		strcmp(PQgetvalue(res, 0, 0), f->revision) != 0)
	{
		char	   *got = PQntuples(res) == 1 ? escape_text(PQgetvalue(res, 0, 0), true) : pg_strdup("");

		pg_log_error("migration file \"%s\" registers revision \"%s\", but its name says \"%s\"",
					 f->name, got, f->revision);
		pg_log_error_hint("Name the file after the revision it registers.");
		free(got);
		goto done;
	}
	ok = true;
done:
	PQclear(res);
	set_notice_context(NULL);
	return ok;
}

/*
 * Registers every file in the caller's transaction (registering identical
 * content again is a no-op on the server) and returns how many failed.
 * Changing commands stop at the first failure and roll back; reading
 * commands (each_alone) register each file in a savepoint, so that one bad
 * file does not hide the others and every problem is reported.
 */
int
register_files(PGconn *conn, MigFiles *files, bool each_alone)
{
	int			failed = 0;

	last_sqlstate[0] = '\0';
	for (int i = 0; i < files->count; i++)
	{
		if (each_alone && !command_ok(conn, "SAVEPOINT migrate_file"))
			return failed + 1;
		if (register_file(conn, &files->items[i]))
		{
			if (each_alone && !command_ok(conn, "RELEASE SAVEPOINT migrate_file"))
				return failed + 1;
			continue;
		}
		failed++;
		if (!each_alone || !command_ok(conn, "ROLLBACK TO SAVEPOINT migrate_file"))
			return failed;
		/* a deploy holds the state lock: every other file would wait as long */
		if (strcmp(last_sqlstate, "55P03") == 0)
			return failed + (files->count - i - 1);
	}
	return failed;
}

/* the file ids as a text[] literal (ids are [0-9A-Za-z]: nothing to quote) */
char *
files_id_array(const MigFiles *files)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	appendPQExpBufferChar(&buf, '{');
	for (int i = 0; i < files->count; i++)
		appendPQExpBuffer(&buf, "%s%s", i ? "," : "", files->items[i].revision);
	appendPQExpBufferChar(&buf, '}');
	return buf.data;
}

const MigFile *
find_file(const MigFiles *files, const char *revision)
{
	for (int i = 0; i < files->count; i++)
		if (strcmp(files->items[i].revision, revision) == 0)
			return &files->items[i];
	return NULL;
}

/*
 * An applied revision with no file is what switching git branches leaves
 * behind: the database holds a revision this checkout does not know.
 * Writing on top of it (a new head, an upgrade) would fork the history or
 * write the other branch's revert, so stop and name both ways out.  A
 * registered, unapplied revision without a file would be deployed by the
 * next upgrade although nobody here reviewed it: stop too.
 */
bool
refuse_revisions_without_files(PGconn *conn, const MigFiles *files)
{
	char	   *ids = files_id_array(files);
	const char *values[1] = {ids};
	PGresult   *res;

	res = query(conn,
				"SELECT h.revision, h.is_applied, h.message "
				"  FROM pg_catalog.migrate_history() AS h "
				" WHERE NOT h.revision OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.text[]) "
				" ORDER BY h.is_applied DESC, h.revision",
				1, values);
	free(ids);
	if (res == NULL)
		return true;
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *rev = PQgetvalue(res, i, 0);
		bool		is_applied = PQgetvalue(res, i, 1)[0] == 't';
		char	   *msg = escape_text(PQgetvalue(res, i, 2), true);

		if (is_applied)
		{
			pg_log_error("revision \"%s\" (%s) is applied in database \"%s\" but has no file in %s",
						 rev, msg, PQdb(conn), files->dir);
			pg_log_error_detail("It was probably applied from another git branch.");
			pg_log_error_hint("Either check out the branch that has its file, or unapply it "
							  "with \"migrate downgrade\" below it (migrate runs the downgrade it stored).");
		}
		else
		{
			pg_log_error("revision \"%s\" (%s) is registered in database \"%s\" but has no file in %s",
						 rev, msg, PQdb(conn), files->dir);
			pg_log_error_hint("Either check out the branch that has its file, or remove it with \"migrate forget %s\".",
							  rev);
		}
		free(msg);
	}
	if (PQntuples(res) > 0)
	{
		PQclear(res);
		return true;
	}
	PQclear(res);
	return false;
}
