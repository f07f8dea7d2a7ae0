/*
 * The models: the desired schema as plain SQL files in models/, and the
 * shadow database they are loaded into to be described.
 *
 * As Prisma's shadow database: a scratch database is created on the same
 * server (the role needs CREATEDB, and the migrate extension needs a
 * superuser there) or on the server MODELS_DATABASE_URL names, the models
 * are loaded into it, migrate_describe() of it is read back, and the
 * scratch database is dropped whatever happened: on an error, and on
 * Ctrl-C too, which cancels the running statement of the shadow connection
 * and so ends in the same drop.  The description is then diffed on the
 * target database against its own (migrate_diff()), in create and check.
 *
 * A models file is sent as one simple-protocol query, so it may hold any
 * number of statements; an error names the file and the line the server's
 * error position falls on, never a guess about rights.
 */
#include "migrate.h"

#include <dirent.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "common/logging.h"
#include "pqexpbuffer.h"

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

const char *
models_dir(void)
{
	const char *d = getenv("MODELS_DIR");

	return d && d[0] ? d : "models";
}

/*
 * An opt-in setting of the environment: 1 (on, true, yes) turns it on;
 * unset, empty, 0, off, false or no leave it off, and any other value is
 * taken as off, with a warning, once (*warned).
 */
static bool
env_flag(const char *name, const char *off_means, int *warned)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0' || strcmp(v, "0") == 0 || pg_strcasecmp(v, "off") == 0 ||
		pg_strcasecmp(v, "false") == 0 || pg_strcasecmp(v, "no") == 0)
		return false;
	if (strcmp(v, "1") == 0 || pg_strcasecmp(v, "on") == 0 || pg_strcasecmp(v, "true") == 0 ||
		pg_strcasecmp(v, "yes") == 0)
		return true;
	if (!(*warned)++)
		pg_log_warning("%s=\"%s\" is not a boolean: %s", name, escape_text(v, true), off_means);
	return false;
}

/*
 * MIGRATE_WITH_PRIVILEGES=1: describe and compare the privileges too;
 * MIGRATE_WITH_OWNERS=1: the owners.  Both off by default: the roles
 * differ between environments.  The describe call of the database or the
 * models: the no-argument form unless asked, since an older extension has
 * no other.
 */
static const char *
describe_call(void)
{
	static int	warned_privileges = 0;
	static int	warned_owners = 0;
	bool		privileges = env_flag("MIGRATE_WITH_PRIVILEGES", "privileges are not compared", &warned_privileges);
	bool		owners = env_flag("MIGRATE_WITH_OWNERS", "owners are not compared", &warned_owners);

	if (owners)
		return privileges ? "pg_catalog.migrate_describe(NULL, true, true)"
			: "pg_catalog.migrate_describe(NULL, false, true)";
	return privileges ? "pg_catalog.migrate_describe(NULL, true)" : "pg_catalog.migrate_describe()";
}

/* the *.sql files of the models folder, sorted; NULL when there are none */
static char **
model_files(const char *dir, int *count)
{
	DIR		   *d = opendir(dir);
	struct dirent *de;
	char	  **names = NULL;
	int			n = 0,
				cap = 0;

	*count = 0;
	if (d == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL)
	{
		size_t		len = strlen(de->d_name);

		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (n == cap)
		{
			cap = cap ? cap * 2 : 16;
			names = pg_realloc(names, cap * sizeof(char *));
		}
		names[n++] = pg_strdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(char *), name_cmp);
	*count = n;
	return names;
}

bool
models_present(void)
{
	int			n;

	(void) model_files(models_dir(), &n);
	return n > 0;
}

static char *
read_text(const char *path)
{
	FILE	   *fp = fopen(path, "rb");
	PQExpBufferData buf;
	char		chunk[8192];
	size_t		got;

	if (fp == NULL)
		return NULL;
	initPQExpBuffer(&buf);
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		appendBinaryPQExpBuffer(&buf, chunk, got);
	fclose(fp);
	return buf.data;
}

/*
 * A connection like "base" (its own parameters, password included, or a
 * conninfo/URL) to database "dbname" (NULL: the one it names).
 */
static PGconn *
connect_like(PGconn *base, const char *url, const char *dbname)
{
	const char *kw[64];
	const char *val[64];
	int			n = 0;
	PQconninfoOption *info = NULL;
	PGconn	   *c;

	if (url)
	{
		kw[n] = "dbname";
		val[n++] = url;
	}
	else
	{
		info = PQconninfo(base);
		for (PQconninfoOption *o = info; o && o->keyword && n < 60; o++)
			if (o->val && o->val[0] && (dbname == NULL || strcmp(o->keyword, "dbname") != 0))
			{
				kw[n] = o->keyword;
				val[n++] = o->val;
			}
	}
	kw[n] = "fallback_application_name";
	val[n++] = "migrate";
	if (dbname)
	{
		kw[n] = "dbname";
		val[n++] = dbname;
	}
	kw[n] = NULL;
	val[n] = NULL;
	c = PQconnectdbParams(kw, val, url != NULL);
	if (info)
		PQconninfoFree(info);
	return c;
}

/* 1-based line of a 1-based character position in text */
static int
line_of(const char *text, int pos)
{
	int			line = 1;
	int			chars = 0;

	for (const unsigned char *p = (const unsigned char *) text; *p && chars < pos - 1; p++)
	{
		if ((*p & 0xC0) != 0x80)
			chars++;
		if (*p == '\n')
			line++;
	}
	return line;
}

static bool
load_models(PGconn *shadow, const char *dir, char **names, int n)
{
	for (int i = 0; i < n; i++)
	{
		char	   *path = psprintf("%s/%s", dir, names[i]);
		char	   *sql = read_text(path);
		PGresult   *res;
		char	   *shown = escape_text(path, true);

		if (sql == NULL)
		{
			pg_log_error("could not read models file \"%s\": %m", shown);
			return false;
		}
		res = PQexec(shadow, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
			const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
			const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
			char	   *m = escape_text(msg ? msg : PQerrorMessage(shadow), true);

			if (pos)
				pg_log_error("models file \"%s\", line %d: %s", shown, line_of(sql, atoi(pos)), m);
			else
				pg_log_error("models file \"%s\": %s", shown, m);
			if (detail)
				pg_log_error_detail("%s", escape_text(detail, true));
			pg_log_error_hint("Fix the models file: they load, in name order, into a scratch database.");
			PQclear(res);
			return false;
		}
		PQclear(res);
	}
	return true;
}

/*
 * migrate_describe() of the models, or NULL.  *skip_why is set (and
 * nothing reported) when no shadow database can be made; any other failure
 * is reported.
 */
char *
models_describe(PGconn *conn, char **skip_why)
{
	const char *url = getenv("MODELS_DATABASE_URL");
	const char *dir = models_dir();
	int			n;
	char	  **names = model_files(dir, &n);
	PGconn	   *admin;
	PGconn	   *shadow = NULL;
	unsigned int salt = (unsigned int) getpid();
	char		shadow_name[64];
	PQExpBufferData sql;
	PGresult   *res;
	char	   *json = NULL;

	*skip_why = NULL;
	if (url && !url[0])
		url = NULL;
	/* digits and underscores only: safe to write into CREATE/DROP DATABASE unquoted */
	snprintf(shadow_name, sizeof(shadow_name), "migrate_shadow_%u_%ld", salt, (long) time(NULL));
	admin = connect_like(conn, url, NULL);
	if (PQstatus(admin) != CONNECTION_OK)
	{
		*skip_why = psprintf("cannot connect to %s: %s",
							 url ? "MODELS_DATABASE_URL" : "the database's server again",
							 escape_text(PQerrorMessage(admin), true));
		PQfinish(admin);
		return NULL;
	}
	install_cancel_handler(admin);
	initPQExpBuffer(&sql);
	appendPQExpBuffer(&sql, "CREATE DATABASE %s TEMPLATE template0", shadow_name);
	res = PQexec(admin, sql.data);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

		*skip_why = psprintf("no shadow database can be made %s (%s)",
							 url ? "on MODELS_DATABASE_URL" : "on the database's server",
							 escape_text(m ? m : PQerrorMessage(admin), true));
		PQclear(res);
		PQfinish(admin);
		install_cancel_handler(conn);
		return NULL;
	}
	PQclear(res);

	shadow = connect_like(url ? admin : conn, url, shadow_name);
	if (PQstatus(shadow) != CONNECTION_OK)
	{
		pg_log_error("could not connect to the shadow database: %s", escape_text(PQerrorMessage(shadow), true));
		goto done;
	}
	install_cancel_handler(shadow);
	res = PQexec(shadow, "SET client_min_messages = warning; CREATE EXTENSION migrate; SET migrate.guard = off");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		const char *m = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (state && strcmp(state, "42501") == 0)
			*skip_why = psprintf("the migrate extension cannot be created in the shadow database %s (%s)",
								 url ? "on MODELS_DATABASE_URL" : "on the database's server",
								 escape_text(m ? m : "", true));
		else
			pg_log_error("could not create the migrate extension in the shadow database: %s",
						 escape_text(m ? m : PQerrorMessage(shadow), true));
		PQclear(res);
		goto done;
	}
	PQclear(res);
	if (!load_models(shadow, dir, names, n))
		goto done;
	resetPQExpBuffer(&sql);
	appendPQExpBuffer(&sql, "SELECT %s::text", describe_call());
	res = PQexec(shadow, sql.data);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		json = pg_strdup(PQgetvalue(res, 0, 0));
	else
		report_error(res, "migrate_describe() of the models");
	PQclear(res);

done:
	PQfinish(shadow);
	/* the drop is not interrupted: a second Ctrl-C would leave the database */
	signal(SIGINT, SIG_IGN);
	resetPQExpBuffer(&sql);
	appendPQExpBuffer(&sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", shadow_name);
	res = PQexec(admin, sql.data);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		pg_log_warning("could not drop the shadow database %s: %s", shadow_name,
					   escape_text(PQerrorMessage(admin), true));
	PQclear(res);
	PQfinish(admin);
	install_cancel_handler(conn);
	termPQExpBuffer(&sql);
	return json;
}

/*
 * migrate_diff() from the target database to the models: one row per step
 * (step, operation, object, warning, upgrade, downgrade, concurrent).
 *
 * concurrent: a CREATE INDEX that create writes as CREATE INDEX
 * CONCURRENTLY in a non-transactional revision (upgrade and downgrade are
 * then already rewritten), because a plain build on a table that exists,
 * and so may be busy, blocks its writes for the whole build.  An index on
 * a table (or materialized view) that this diff creates or re-creates
 * stays in the transactional revision: nobody uses the table yet, and it
 * must be built in the transaction that makes the table.  Partitioned
 * tables stay too (PostgreSQL cannot build their indexes concurrently),
 * and so does a unique index on a table that a foreign key added by the
 * same diff references (the foreign key needs it, in the transaction).
 * The step's own text is matched with the described definition, so an
 * index whose name or table's name holds dots is not taken for another.
 */
PGresult *
models_diff(PGconn *conn, const char *json)
{
	const char *params[1] = {json};

	const char *describe = describe_call();

	return query(conn, psprintf(
				 "WITH a AS MATERIALIZED (SELECT %s AS d),"
				 " b AS MATERIALIZED (SELECT $1::pg_catalog.jsonb AS d),"
				 " s AS MATERIALIZED (SELECT x.* FROM a, b, pg_catalog.migrate_diff(a.d, b.d) AS x),"
				 " fk AS (SELECT c.y OPERATOR(pg_catalog.->>) 'references' AS target"
				 "          FROM b, pg_catalog.jsonb_each(b.d OPERATOR(pg_catalog.->) 'tables') AS t(k, v),"
				 "               pg_catalog.jsonb_each(coalesce(t.v OPERATOR(pg_catalog.->) 'constraints', '{}')) AS c(n, y),"
				 "               s"
				 "         WHERE s.operation OPERATOR(pg_catalog.=) 'add constraint'"
				 "           AND s.object OPERATOR(pg_catalog.=) (t.k OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) c.n)"
				 "           AND (c.y OPERATOR(pg_catalog.->>) 'type') OPERATOR(pg_catalog.=) 'f'),"
				 " ix AS (SELECT t.k, i.n, i.c"
				 "          FROM a, b, pg_catalog.jsonb_each(b.d OPERATOR(pg_catalog.->) 'tables') AS t(k, v),"
				 "               pg_catalog.jsonb_each(coalesce(t.v OPERATOR(pg_catalog.->) 'indexes', '{}')) AS i(n, c)"
				 "         WHERE (a.d OPERATOR(pg_catalog.->) 'tables' OPERATOR(pg_catalog.->) t.k) IS NOT NULL"
				 "           AND (a.d OPERATOR(pg_catalog.->) 'tables' OPERATOR(pg_catalog.->) t.k OPERATOR(pg_catalog.->>) 'partition_by') IS NULL"
				 "           AND (t.v OPERATOR(pg_catalog.->>) 'partition_by') IS NULL"
				 "           AND NOT EXISTS (SELECT 1 FROM s WHERE s.operation OPERATOR(pg_catalog.=) 'create table'"
				 "                                             AND s.object OPERATOR(pg_catalog.=) t.k)"
				 "           AND NOT ((i.c OPERATOR(pg_catalog.->>) 'definition') OPERATOR(pg_catalog.~~) 'CREATE UNIQUE INDEX %%'"
				 "                    AND EXISTS (SELECT 1 FROM fk WHERE fk.target OPERATOR(pg_catalog.=) t.k))"
				 "        UNION ALL"
				 "        SELECT m.k, i.n, i.c"
				 "          FROM a, b, pg_catalog.jsonb_each(b.d OPERATOR(pg_catalog.->) 'views') AS m(k, v),"
				 "               pg_catalog.jsonb_each(CASE WHEN pg_catalog.jsonb_typeof(m.v OPERATOR(pg_catalog.->) 'indexes') OPERATOR(pg_catalog.=) 'object'"
				 "                                          THEN m.v OPERATOR(pg_catalog.->) 'indexes' ELSE '{}' END) AS i(n, c)"
				 "         WHERE (a.d OPERATOR(pg_catalog.->) 'views' OPERATOR(pg_catalog.->) m.k) IS NOT NULL"
				 "           AND NOT EXISTS (SELECT 1 FROM s WHERE s.operation OPERATOR(pg_catalog.=) 'create view'"
				 "                                             AND s.object OPERATOR(pg_catalog.=) m.k)),"
				 " r AS (SELECT s.*, s.operation OPERATOR(pg_catalog.=) 'create index' AND EXISTS ("
				 "            SELECT 1 FROM ix"
				 "             WHERE s.object OPERATOR(pg_catalog.=) (ix.k OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) ix.n)"
				 "               AND pg_catalog.starts_with(s.upgrade, ix.c OPERATOR(pg_catalog.->>) 'definition')"
				 "               AND pg_catalog.starts_with(s.downgrade, 'DROP INDEX ')"
				 "               AND s.upgrade OPERATOR(pg_catalog.~) '^CREATE (UNIQUE )?INDEX ') AS concurrent"
				 "          FROM s)"
				 "SELECT r.step, r.operation, r.object, r.warning,"
				 "       CASE WHEN r.concurrent"
				 "            THEN pg_catalog.regexp_replace(r.upgrade, '^CREATE (UNIQUE )?INDEX ', E'CREATE \\\\1INDEX CONCURRENTLY ')"
				 "            ELSE r.upgrade END,"
				 "       CASE WHEN r.concurrent"
				 "            THEN pg_catalog.regexp_replace(r.downgrade, '^DROP INDEX ', 'DROP INDEX CONCURRENTLY ')"
				 "            ELSE r.downgrade END,"
				 "       r.concurrent"
				 "  FROM r ORDER BY r.step", describe),
				 1, params);
}

/*
 * check's models part: 0 when the models describe the database (or cannot
 * be compared, said in a note), 1 when they differ or do not load.
 * at_head: the database is at the head of the files, so a difference is
 * one a new migration should make.
 */
int
check_models(PGconn *conn, bool at_head, bool *compared)
{
	char	   *why;
	char	   *json;
	PGresult   *res;
	int			n;

	*compared = false;
	if (!models_present())
		return 0;
	if (!at_head)
	{
		pg_log_info("%s not compared with the database: it is not at the head of the files", models_dir());
		return 0;
	}
	json = models_describe(conn, &why);
	if (json == NULL)
	{
		if (why == NULL)
			return 1;
		pg_log_info("%s not compared with the database: %s", models_dir(), why);
		pg_log_info("Set MODELS_DATABASE_URL to a server where a superuser's scratch database can be made to compare them.");
		return 0;
	}
	res = models_diff(conn, json);
	if (res == NULL)
		return 1;
	*compared = true;
	n = PQntuples(res);
	if (n > 0)
	{
		pg_log_error("%s and the database differ: %d change(s)", models_dir(), n);
		for (int i = 0; i < n; i++)
			pg_log_error_detail("%s %s", escape_text(PQgetvalue(res, i, 1), true),
								escape_text(PQgetvalue(res, i, 2), true));
		pg_log_error_hint("Write a migration for them: migrate create MESSAGE.");
	}
	PQclear(res);
	return n > 0 ? 1 : 0;
}
