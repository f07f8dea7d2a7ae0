/*
 * Connecting like PostgreSQL's client programs (-h -p -U -d, a conninfo
 * string or URL in -d, PG* variables, DATABASE_URL as the workflow's
 * default, else the development cluster of devdb.c), and telling apart why
 * a connection failed.
 *
 * libpq gives no SQLSTATE for a failed connection attempt, and message
 * texts are translated, so the diagnosis asks the server instead:
 * PQpingParams says whether anything answers at that address, and a second
 * login to a maintenance database says whether the login itself works
 * (then pg_database says whether the database exists).
 */
#include "migrate.h"

#include <signal.h>

#include "common/logging.h"
#include "common/string.h"

#define MAX_PARAMS 9

static int
conn_params(const ConnOptions *opts, const char *override_db,
			const char **keywords, const char **values)
{
	int			n = 0;

	/* psql's order: an expanded dbname overrides -h/-p/-U given before it */
	keywords[n] = "host";
	values[n++] = opts->host;
	keywords[n] = "port";
	values[n++] = opts->port;
	keywords[n] = "user";
	values[n++] = opts->user;
	keywords[n] = "password";
	values[n++] = opts->password;
	keywords[n] = "dbname";
	values[n++] = opts->dbname;
	keywords[n] = "fallback_application_name";
	values[n++] = "migrate";
	/* only the first dbname is expanded: this one is a plain name */
	if (override_db)
	{
		keywords[n] = "dbname";
		values[n++] = override_db;
	}
	keywords[n] = NULL;
	values[n] = NULL;
	return n;
}

/* libpq's message, without "connection to server ... failed: " noise kept or lost */
static void
detail_from(PGconn *conn)
{
	char	   *msg = pg_strdup(PQerrorMessage(conn));
	size_t		len = strlen(msg);

	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	pg_log_error_detail("%s", msg);
	free(msg);
}

static bool
database_exists(PGconn *probe, const char *dbname)
{
	const char *values[1] = {dbname};
	PGresult   *res;
	bool		exists;

	res = PQexecParams(probe,
					   "SELECT 1 FROM pg_catalog.pg_database "
					   "WHERE datname OPERATOR(pg_catalog.=) $1",
					   1, NULL, values, NULL, NULL, 0);
	/* when we cannot tell, say it is there: the other message is safer */
	exists = PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) > 0;
	PQclear(res);
	return exists;
}

PGconn *
connect_database(ConnOptions *opts)
{
	const char *keywords[MAX_PARAMS];
	const char *values[MAX_PARAMS];
	const char *maintenance[] = {"postgres", "template1"};
	PGconn	   *conn;
	PGPing		ping;
	char	   *dbname;
	char	   *user;

	/* nothing names a server: the development cluster, as the workflow always did */
	devdb_fallback(opts);
	if (opts->prompt_password)
		opts->password = simple_prompt("Password: ", false);
	conn_params(opts, NULL, keywords, values);
	conn = PQconnectdbParams(keywords, values, true);
	/* as psql: asked for a password none was given for, at a terminal: ask once */
	if (conn && PQstatus(conn) == CONNECTION_BAD && PQconnectionNeedsPassword(conn) &&
		opts->password == NULL && !opts->no_password && isatty(fileno(stdin)))
	{
		PQfinish(conn);
		opts->password = simple_prompt("Password: ", false);
		conn_params(opts, NULL, keywords, values);
		conn = PQconnectdbParams(keywords, values, true);
	}
	if (conn == NULL)
	{
		pg_log_error("out of memory");
		exit(EXIT_FAILED);
	}
	if (PQstatus(conn) == CONNECTION_OK)
		return conn;

	dbname = pg_strdup(PQdb(conn) ? PQdb(conn) : "");
	user = pg_strdup(PQuser(conn) ? PQuser(conn) : "");
	ping = PQpingParams(keywords, values, true);
	switch (ping)
	{
		case PQPING_NO_ATTEMPT:
			pg_log_error("invalid connection options");
			detail_from(conn);
			exit(EXIT_USAGE);
		case PQPING_NO_RESPONSE:
			pg_log_error("cannot reach the server");
			detail_from(conn);
			pg_log_error_hint("Check that the server is running and that host and port "
							  "(-h, -p, PGHOST, PGPORT or the connection string) name it.");
			exit(EXIT_UNREACHABLE);
		case PQPING_REJECT:
			pg_log_error("the server is not accepting connections (it is starting up or shutting down)");
			detail_from(conn);
			exit(EXIT_UNREACHABLE);
		case PQPING_OK:
			break;
	}

	if (PQconnectionNeedsPassword(conn))
	{
		pg_log_error("the server asks for a password for user \"%s\"", user);
		pg_log_error_hint("Set PGPASSWORD, put it in ~/.pgpass, give it in the connection string, or use -W.");
		exit(EXIT_AUTH);
	}

	/* the server answers: can this login reach any database at all? */
	for (int i = 0; i < (int) lengthof(maintenance); i++)
	{
		PGconn	   *probe;

		if (strcmp(dbname, maintenance[i]) == 0)
			continue;
		conn_params(opts, maintenance[i], keywords, values);
		probe = PQconnectdbParams(keywords, values, true);
		if (probe && PQstatus(probe) == CONNECTION_OK)
		{
			bool		exists = database_exists(probe, dbname);

			PQfinish(probe);
			if (!exists)
			{
				pg_log_error("database \"%s\" does not exist", dbname);
				pg_log_error_hint("Create it (createdb) or name another one with -d, PGDATABASE or DATABASE_URL.");
				exit(EXIT_NO_DATABASE);
			}
			pg_log_error("user \"%s\" may not connect to database \"%s\"", user, dbname);
			detail_from(conn);
			pg_log_error_hint("The database exists: check pg_hba.conf and the CONNECT privilege.");
			exit(EXIT_AUTH);
		}
		PQfinish(probe);
	}
	pg_log_error("authentication failed for user \"%s\"", user);
	detail_from(conn);
	pg_log_error_hint("Check the user name (-U, PGUSER), its password (PGPASSWORD, ~/.pgpass) and pg_hba.conf.");
	exit(EXIT_AUTH);
}

/*
 * Every statement goes through PQexecParams: user text only ever travels
 * as a parameter.  Returns the result when it succeeded, otherwise reports
 * the server's error and returns NULL.
 */
PGresult *
query(PGconn *conn, const char *sql, int nparams, const char *const *values)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, values, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	report_error(res, NULL);
	PQclear(res);
	return NULL;
}

bool
command_ok(PGconn *conn, const char *sql)
{
	PGresult   *res = query(conn, sql, 0, NULL);

	PQclear(res);
	return res != NULL;
}

bool
begin_transaction(PGconn *conn, bool read_only)
{
	return command_ok(conn, read_only ? "BEGIN READ ONLY" : "BEGIN");
}

/* COMMIT, and whether it committed (a failed transaction "commits" as ROLLBACK) */
bool
commit_transaction(PGconn *conn)
{
	PGresult   *res = PQexec(conn, "COMMIT");
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
		strcmp(PQcmdStatus(res), "COMMIT") == 0;

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		report_error(res, "commit");
	PQclear(res);
	return ok;
}

void
rollback(PGconn *conn)
{
	PGresult   *res = PQexec(conn, "ROLLBACK");

	PQclear(res);
}

/* "1.10" > "1.2": compare dot-separated numbers */
static int
version_cmp(const char *a, const char *b)
{
	while (*a || *b)
	{
		long		x = strtol(a, (char **) &a, 10);
		long		y = strtol(b, (char **) &b, 10);

		if (x != y)
			return x < y ? -1 : 1;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if ((*a && !isdigit((unsigned char) *a)) || (*b && !isdigit((unsigned char) *b)))
			return strcmp(a, b);
	}
	return 0;
}

/*
 * Is the extension there, in a version this program speaks?  Reading
 * commands stop when it is not created (they never create it); writing
 * commands create it in their own transaction, and say so.
 */
void
check_extension(PGconn *conn, ExtensionNeed need, bool dry_run)
{
	PGresult   *res;
	const char *installed;
	const char *available;
	const char *db = PQdb(conn);

	res = query(conn,
				"SELECT (SELECT extversion FROM pg_catalog.pg_extension "
				"         WHERE extname OPERATOR(pg_catalog.=) 'migrate'), "
				"       (SELECT default_version FROM pg_catalog.pg_available_extensions "
				"         WHERE name OPERATOR(pg_catalog.=) 'migrate')",
				0, NULL);
	if (res == NULL)
		exit(EXIT_FAILED);
	installed = PQgetisnull(res, 0, 0) ? NULL : PQgetvalue(res, 0, 0);
	available = PQgetisnull(res, 0, 1) ? NULL : PQgetvalue(res, 0, 1);

	if (installed == NULL && available == NULL)
	{
		pg_log_error("the migrate extension is not installed on the server");
		pg_log_error_detail("pg_available_extensions of the server has no \"migrate\".");
		pg_log_error_hint("Install it on the server host (make install), then run migrate upgrade.");
		exit(EXIT_EXTENSION);
	}
	if (installed == NULL && need == EXT_READ)
	{
		pg_log_error("the migrate extension is not created in database \"%s\"", db);
		pg_log_error_detail("The server has migrate %s available; only upgrade and stamp create it, reading commands never do.",
							available);
		pg_log_error_hint("migrate upgrade creates it (that needs a superuser once), or run CREATE EXTENSION migrate.");
		exit(EXIT_EXTENSION);
	}
	if (installed == NULL)
	{
		PGresult   *cr;

		if (version_cmp(available, MIGRATE_EXTVERSION) < 0)
		{
			pg_log_error("the server has migrate %s, this program needs %s", available, MIGRATE_EXTVERSION);
			pg_log_error_hint("Install migrate %s on the server host (make install).", MIGRATE_EXTVERSION);
			exit(EXIT_EXTENSION);
		}
		printf("%s the migrate extension %s in database \"%s\"\n",
			   dry_run ? "would create" : "creating", available, db);
		cr = query(conn, "CREATE EXTENSION migrate", 0, NULL);
		if (cr == NULL)
		{
			pg_log_error_hint("Creating the extension needs a superuser once: CREATE EXTENSION migrate.");
			rollback(conn);
			closing_line("nothing applied: rolled back");
			exit(EXIT_EXTENSION);
		}
		PQclear(cr);
	}
	else if (version_cmp(installed, MIGRATE_EXTVERSION) < 0)
	{
		pg_log_error("the migrate extension in database \"%s\" is at version %s, this program needs %s",
					 db, installed, MIGRATE_EXTVERSION);
		if (available && version_cmp(available, MIGRATE_EXTVERSION) >= 0)
			pg_log_error_hint("Run ALTER EXTENSION migrate UPDATE in that database (the server has %s).",
							  available);
		else
			pg_log_error_hint("Install migrate %s on the server host (make install), then run ALTER EXTENSION migrate UPDATE.",
							  MIGRATE_EXTVERSION);
		if (need == EXT_WRITE)
			rollback(conn);
		exit(EXIT_EXTENSION);
	}
	PQclear(res);

	/*
	 * The progress lines come from the NOTICE the server sends after each
	 * step, which it sends only with migrate.progress on (off by default, so
	 * that a deploy through psql stays quiet).  Session-wide, so that it holds
	 * in every transaction of a command that commits on its way.
	 */
	res = query(conn, "SELECT pg_catalog.set_config('migrate.progress', 'on', false)", 0, NULL);
	if (res == NULL)
		exit(EXIT_FAILED);
	PQclear(res);
}

/*
 * Ctrl-C cancels the running statement, as in psql: the server rolls the
 * transaction back and the command ends with its closing line, instead of
 * the server running on until it notices the client is gone.  A second
 * Ctrl-C ends the program at once.  PQcancel is safe in a signal handler.
 */
static PGcancel *volatile cancel_handle;

static void
on_sigint(int signo)
{
	char		errbuf[256];
	int			save_errno = errno;

	(void) signo;
	signal(SIGINT, SIG_DFL);
	if (cancel_handle)
		(void) PQcancel(cancel_handle, errbuf, sizeof(errbuf));
	errno = save_errno;
}

void
install_cancel_handler(PGconn *conn)
{
	cancel_handle = PQgetCancel(conn);
	signal(SIGINT, on_sigint);
}
