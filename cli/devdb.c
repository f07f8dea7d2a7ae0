/*
 * migrate db start|stop|reset|backup: the local development cluster.
 *
 * A cluster of its own in a project folder (.devdb, or $MIGRATE_DEVDB):
 * data/ (initdb), server.log, initdb.log, and the server's Unix socket in
 * the folder itself; nothing listens on TCP.  The connection of every other
 * command falls back to it when no server is named (connect.c).
 *
 * The folder's path may hold spaces, quotes, dollars, backslashes: it never
 * goes through a shell.  initdb and pg_ctl run with the folder as their
 * working directory and relative paths (pg_ctl builds a shell command with
 * -D and -l in double quotes, which a quote or a $ in them would break), and
 * the socket directory goes into a configuration file written with the
 * server's own quoting rules, not into pg_ctl's -o.
 *
 * The server binaries are found as PostgreSQL's client programs find theirs
 * (next to this program, with the same version), then in pg_config --bindir.
 * They run as the invoking user: initdb and pg_ctl refuse root, and so does
 * this file, with the same advice.
 */
#include "migrate.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "common/logging.h"
#include "pqexpbuffer.h"

#define DEVDB_PORT	"5432"		/* names the socket file only */
#define DEVDB_NAME	"migrate_dev"

const char *migrate_argv0 = "migrate";

typedef enum DevState
{
	DEV_NONE,					/* no data directory */
	DEV_STOPPED,
	DEV_RUNNING
} DevState;

typedef struct DevDB
{
	char	   *dir;			/* absolute */
	char	   *shown;			/* dir, safe to print */
	const char *user;			/* the invoking user: the cluster's superuser */
} DevDB;

static DevDB *
devdb_locate(void)
{
	DevDB	   *d = pg_malloc0(sizeof(DevDB));
	const char *env = getenv("MIGRATE_DEVDB");
	struct passwd *pw = getpwuid(geteuid());

	d->dir = make_absolute_path(env && env[0] ? env : ".devdb");
	if (d->dir == NULL)
	{
		pg_log_error("could not make the development cluster's folder an absolute path");
		exit(EXIT_FAILED);
	}
	canonicalize_path(d->dir);
	d->shown = escape_text(d->dir, true);
	if (pw == NULL)
	{
		pg_log_error("could not look up the user running migrate (uid %u)", (unsigned) geteuid());
		exit(EXIT_FAILED);
	}
	d->user = pg_strdup(pw->pw_name);
	return d;
}

/* the server refuses root, and says why; so does this, before trying */
static void
refuse_root(const DevDB *d)
{
	if (geteuid() != 0)
		return;
	pg_log_error("the development cluster cannot be run as root");
	pg_log_error_detail("migrate runs initdb and pg_ctl for \"%s\" as the invoking user, "
						"and the PostgreSQL server refuses to run as root.", d->shown);
	pg_log_error_hint("Log in (using, e.g., \"su\") as the (unprivileged) user that will own the "
					  "server process, or name another server with DATABASE_URL, -d or the PG* variables.");
	exit(EXIT_FAILED);
}

/*
 * Run a program without a shell: in cwd (if given), stdin from /dev/null,
 * stdout and stderr appended to log (if given) or stdout sent to stderr
 * (to_stderr), or stdout captured.  Returns its exit status, -1 when it
 * could not run or was killed.
 */
static int
run_program(const char *const *argv, const char *cwd, const char *log,
			bool to_stderr, PQExpBuffer capture)
{
	int			pipefd[2] = {-1, -1};
	pid_t		pid;
	int			status;

	fflush(stdout);
	fflush(stderr);
	if (capture && pipe(pipefd) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
	{
		int			in = open("/dev/null", O_RDONLY);

		if (in >= 0)
			dup2(in, 0);
		if (cwd && chdir(cwd) != 0)
			_exit(127);
		if (log)
		{
			int			fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

			if (fd < 0)
				_exit(127);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		else if (capture)
		{
			dup2(pipefd[1], 1);
			close(pipefd[0]);
			close(pipefd[1]);
		}
		else if (to_stderr)
			dup2(2, 1);
		execvp(argv[0], (char *const *) argv);
		_exit(127);
	}
	if (capture)
	{
		char		buf[1024];
		ssize_t		n;

		close(pipefd[1]);
		while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
			appendBinaryPQExpBuffer(capture, buf, n);
		close(pipefd[0]);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* pg_config --bindir: $PG_CONFIG, else the pg_config next to this program, else the PATH's */
static char *
pg_config_bindir(void)
{
	char		mine[MAXPGPATH];
	char		candidate[MAXPGPATH];
	const char *pg_config = getenv("PG_CONFIG");
	PQExpBufferData out;
	const char *argv[3];

	if (pg_config == NULL || pg_config[0] == '\0')
	{
		pg_config = "pg_config";
		if (find_my_exec(migrate_argv0, mine) == 0)
		{
			get_parent_directory(mine);
			snprintf(candidate, sizeof(candidate), "%s/pg_config", mine);
			if (access(candidate, X_OK) == 0)
				pg_config = candidate;
		}
	}
	argv[0] = pg_config;
	argv[1] = "--bindir";
	argv[2] = NULL;
	initPQExpBuffer(&out);
	if (run_program(argv, NULL, NULL, false, &out) != 0 || out.len == 0)
	{
		termPQExpBuffer(&out);
		return NULL;
	}
	while (out.len > 0 && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r'))
		out.data[--out.len] = '\0';
	return out.data;
}

/*
 * initdb, pg_ctl, pg_dump: find_other_exec first (the same directory and
 * version as this program, as pg_ctl finds postgres), then pg_config's bindir.
 */
static char *
find_pg_program(const char *name)
{
	char		path[MAXPGPATH];
	char		versionstr[128];
	char	   *bindir;

	snprintf(versionstr, sizeof(versionstr), "%s (PostgreSQL) " PG_VERSION "\n", name);
	if (find_other_exec(migrate_argv0, name, versionstr, path) == 0)
		return pg_strdup(path);
	bindir = pg_config_bindir();
	if (bindir)
	{
		snprintf(path, sizeof(path), "%s/%s", bindir, name);
		if (access(path, X_OK) == 0)
			return pg_strdup(path);
	}
	pg_log_error("program \"%s\" is needed by migrate db but was not found", name);
	pg_log_error_detail("Looked next to migrate (version %s) and in pg_config --bindir%s%s.",
						PG_VERSION, bindir ? ": " : " (no pg_config found)", bindir ? bindir : "");
	pg_log_error_hint("Install the PostgreSQL server (postgresql-15), or set PG_CONFIG to its pg_config.");
	exit(EXIT_FAILED);
}

static DevState
devdb_state(const DevDB *d)
{
	char		path[MAXPGPATH];
	const char *argv[5];
	int			rc;

	snprintf(path, sizeof(path), "%s/data/PG_VERSION", d->dir);
	if (access(path, F_OK) != 0)
		return DEV_NONE;
	refuse_root(d);
	argv[0] = find_pg_program("pg_ctl");
	argv[1] = "-D";
	argv[2] = "data";
	argv[3] = "status";
	argv[4] = NULL;
	/* 0: running; 3: not running; anything else: not a usable cluster */
	rc = run_program(argv, d->dir, "/dev/null", false, NULL);
	if (rc == 0)
		return DEV_RUNNING;
	if (rc == 3)
		return DEV_STOPPED;
	pg_log_error("\"%s/data\" is not a usable cluster (pg_ctl status exited %d)", d->shown, rc);
	pg_log_error_hint("Move the folder away, or set MIGRATE_DEVDB to another one; migrate db start makes a new cluster.");
	exit(EXIT_FAILED);
}

/* a value for a conninfo string: quoted, ' and \ escaped */
static void
append_conninfo_value(PQExpBuffer buf, const char *value)
{
	appendPQExpBufferChar(buf, '\'');
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'' || *p == '\\')
			appendPQExpBufferChar(buf, '\\');
		appendPQExpBufferChar(buf, *p);
	}
	appendPQExpBufferChar(buf, '\'');
}

/*
 * The conf file the cluster includes: written at every start, so that the
 * socket follows the folder when it is moved.  unix_socket_directories is a
 * list, its element double-quoted (" doubled); the whole a GUC string
 * (' doubled, \ escaped).
 */
static void
write_devdb_conf(const DevDB *d)
{
	char		path[MAXPGPATH];
	PQExpBufferData elem;
	FILE	   *f;

	initPQExpBuffer(&elem);
	appendPQExpBufferChar(&elem, '"');
	for (const char *p = d->dir; *p; p++)
	{
		if (*p == '"')
			appendPQExpBufferChar(&elem, '"');
		appendPQExpBufferChar(&elem, *p);
	}
	appendPQExpBufferChar(&elem, '"');

	snprintf(path, sizeof(path), "%s/data/devdb.conf", d->dir);
	f = fopen(path, "w");
	if (f == NULL)
	{
		pg_log_error("could not write \"%s/data/devdb.conf\": %m", d->shown);
		exit(EXIT_FAILED);
	}
	fprintf(f, "# written by migrate db start at every start: the socket in the folder, no TCP\n"
			"listen_addresses = ''\nport = " DEVDB_PORT "\nunix_socket_permissions = 0700\n"
			"unix_socket_directories = '");
	for (const char *p = elem.data; *p; p++)
	{
		if (*p == '\'')
			fputc('\'', f);
		else if (*p == '\\')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputs("'\n", f);
	termPQExpBuffer(&elem);
	if (fclose(f) != 0)
	{
		pg_log_error("could not write \"%s/data/devdb.conf\": %m", d->shown);
		exit(EXIT_FAILED);
	}
}

static void
devdb_initdb(const DevDB *d)
{
	const char *argv[10];
	char		path[MAXPGPATH];
	FILE	   *f;

	if (pg_mkdir_p(d->dir, S_IRWXU) != 0 && errno != EEXIST)
	{
		pg_log_error("could not create folder \"%s\": %m", d->shown);
		exit(EXIT_FAILED);
	}
	argv[0] = find_pg_program("initdb");
	argv[1] = "-D";
	argv[2] = "data";
	argv[3] = "-A";
	argv[4] = "trust";
	argv[5] = "-U";
	argv[6] = d->user;
	argv[7] = "--no-instructions";
	argv[8] = NULL;
	if (run_program(argv, d->dir, "initdb.log", false, NULL) != 0)
	{
		pg_log_error("initdb failed for the development cluster in \"%s\"", d->shown);
		pg_log_error_detail("See \"%s/initdb.log\".", d->shown);
		exit(EXIT_FAILED);
	}
	snprintf(path, sizeof(path), "%s/data/postgresql.conf", d->dir);
	f = fopen(path, "a");
	if (f == NULL || fputs("\n# the socket and port of the development cluster (migrate db start)\n"
						   "include 'devdb.conf'\n", f) < 0 || fclose(f) != 0)
	{
		pg_log_error("could not write \"%s/data/postgresql.conf\": %m", d->shown);
		exit(EXIT_FAILED);
	}
}

static PGconn *
devdb_connect(const DevDB *d, const char *dbname)
{
	const char *keywords[] = {"host", "port", "user", "dbname", "fallback_application_name", NULL};
	const char *values[] = {d->dir, DEVDB_PORT, d->user, dbname, "migrate", NULL};
	PGconn	   *conn = PQconnectdbParams(keywords, values, false);

	if (PQstatus(conn) != CONNECTION_OK)
	{
		pg_log_error("could not connect to the development cluster in \"%s\"", d->shown);
		pg_log_error_detail("%s", PQerrorMessage(conn));
		pg_log_error_hint("See \"%s/server.log\".", d->shown);
		exit(EXIT_UNREACHABLE);
	}
	return conn;
}

static bool
database_present(PGconn *conn)
{
	PGresult   *res = query(conn, "SELECT 1 FROM pg_catalog.pg_database "
							"WHERE datname OPERATOR(pg_catalog.=) '" DEVDB_NAME "'", 0, NULL);

	if (res == NULL)
		exit(EXIT_FAILED);
	if (PQntuples(res) > 0)
	{
		PQclear(res);
		return true;
	}
	PQclear(res);
	return false;
}

/* CREATE EXTENSION in migrate_dev; returns the version, or exits saying what is missing */
static char *
create_extension(const DevDB *d)
{
	PGconn	   *conn = devdb_connect(d, DEVDB_NAME);
	PGresult   *res;
	char	   *version;

	res = query(conn, "SELECT 1 FROM pg_catalog.pg_available_extensions "
				"WHERE name OPERATOR(pg_catalog.=) 'migrate'", 0, NULL);
	if (res == NULL)
		exit(EXIT_FAILED);
	if (PQntuples(res) == 0)
	{
		pg_log_error("the migrate extension is not installed on the server of the development cluster");
		pg_log_error_detail("The database \"" DEVDB_NAME "\" is there, without the extension.");
		pg_log_error_hint("Install it (make install, for the PostgreSQL whose initdb migrate used), then run migrate db start again.");
		exit(EXIT_EXTENSION);
	}
	PQclear(res);
	if (!command_ok(conn, "SET client_min_messages = warning") ||
		!command_ok(conn, "CREATE EXTENSION IF NOT EXISTS migrate"))
		exit(EXIT_EXTENSION);
	res = query(conn, "SELECT extversion FROM pg_catalog.pg_extension "
				"WHERE extname OPERATOR(pg_catalog.=) 'migrate'", 0, NULL);
	if (res == NULL)
		exit(EXIT_FAILED);
	version = pg_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	PQfinish(conn);
	return version;
}

/*
 * Bring the cluster up: initdb when missing, start when stopped, create the
 * database and the extension when missing.  Each step done is announced on
 * out (with all: the steps not needed too); dry_run announces and does nothing.
 */
static void
devdb_up(const DevDB *d, FILE *out, bool all, bool dry_run)
{
	DevState	state;
	const char *argv[9];
	PGconn	   *conn;

	refuse_root(d);
	/* the socket file's path must fit in sockaddr_un, or the server cannot listen */
	if (strlen(d->dir) + strlen("/.s.PGSQL." DEVDB_PORT) >= sizeof(((struct sockaddr_un *) NULL)->sun_path))
	{
		pg_log_error("the development cluster's folder \"%s\" is too long a path for its socket", d->shown);
		pg_log_error_detail("A Unix socket path takes at most %d bytes; this one would take %d.",
							(int) sizeof(((struct sockaddr_un *) NULL)->sun_path) - 1,
							(int) (strlen(d->dir) + strlen("/.s.PGSQL." DEVDB_PORT)));
		pg_log_error_hint("Set MIGRATE_DEVDB to a shorter path.");
		exit(EXIT_FAILED);
	}

	state = devdb_state(d);
	if (dry_run)
	{
		if (state == DEV_NONE)
			fprintf(out, "would initialize a development cluster in \"%s\", start it and create database \"%s\" with the migrate extension\n",
					d->shown, DEVDB_NAME);
		else if (state == DEV_STOPPED)
			fprintf(out, "would start the development cluster in \"%s\" (and create database \"%s\" if it is missing)\n",
					d->shown, DEVDB_NAME);
		else
			fprintf(out, "the development cluster in \"%s\" is running: would create database \"%s\" and the extension if missing\n",
					d->shown, DEVDB_NAME);
		return;
	}
	if (state == DEV_NONE)
	{
		devdb_initdb(d);
		fprintf(out, "initialized a development cluster in \"%s\"\n", d->shown);
		state = DEV_STOPPED;
	}
	if (state == DEV_STOPPED)
	{
		write_devdb_conf(d);
		argv[0] = find_pg_program("pg_ctl");
		argv[1] = "-D";
		argv[2] = "data";
		argv[3] = "-l";
		argv[4] = "server.log";
		argv[5] = "-w";
		argv[6] = "-s";
		argv[7] = "start";
		argv[8] = NULL;
		if (run_program(argv, d->dir, NULL, true, NULL) != 0)
		{
			pg_log_error("the development cluster in \"%s\" did not start", d->shown);
			pg_log_error_detail("See \"%s/server.log\".", d->shown);
			exit(EXIT_FAILED);
		}
		fprintf(out, "started the development cluster in \"%s\" (its socket in that folder, no TCP)\n", d->shown);
	}
	else if (all)
		fprintf(out, "the development cluster in \"%s\" is already running\n", d->shown);

	conn = devdb_connect(d, "postgres");
	if (!database_present(conn))
	{
		if (!command_ok(conn, "CREATE DATABASE " DEVDB_NAME))
			exit(EXIT_FAILED);
		PQfinish(conn);
		fprintf(out, "created database \"%s\" with the migrate extension %s\n", DEVDB_NAME, create_extension(d));
	}
	else
	{
		char	   *version;

		PQfinish(conn);
		version = create_extension(d);
		if (all)
			fprintf(out, "database \"%s\" has the migrate extension %s\n", DEVDB_NAME, version);
	}
	fflush(out);
}

static char *
devdb_conninfo(const DevDB *d)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	appendPQExpBufferStr(&buf, "host=");
	append_conninfo_value(&buf, d->dir);
	appendPQExpBufferStr(&buf, " port=" DEVDB_PORT " user=");
	append_conninfo_value(&buf, d->user);
	appendPQExpBufferStr(&buf, " dbname=" DEVDB_NAME);
	return buf.data;
}

/*
 * The connection of the other commands, when nothing names a server: the
 * development cluster, brought up first as the workflow always did.  What
 * it does to get there goes to stderr, so that stdout stays the command's.
 */
bool
devdb_fallback(ConnOptions *opts)
{
	static const char *const names_server[] = {"PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"};
	DevDB	   *d;

	if (opts->host || opts->port || opts->dbname)
		return false;
	for (int i = 0; i < (int) lengthof(names_server); i++)
		if (getenv(names_server[i]) && getenv(names_server[i])[0])
			return false;
	d = devdb_locate();
	devdb_up(d, stderr, false, false);
	opts->host = d->dir;
	opts->port = DEVDB_PORT;
	opts->dbname = DEVDB_NAME;
	if (opts->user == NULL)
		opts->user = d->user;
	return true;
}

static int
db_start(Options *opts)
{
	DevDB	   *d = devdb_locate();

	devdb_up(d, stdout, true, opts->dry_run);
	if (!opts->dry_run)
		printf("connection: %s\n", devdb_conninfo(d));
	return EXIT_OK;
}

static int
db_stop(Options *opts)
{
	DevDB	   *d = devdb_locate();
	const char *argv[9];

	switch (devdb_state(d))
	{
		case DEV_NONE:
			printf("no development cluster in \"%s\": nothing to stop\n", d->shown);
			return EXIT_OK;
		case DEV_STOPPED:
			printf("the development cluster in \"%s\" is not running: nothing to stop\n", d->shown);
			return EXIT_OK;
		case DEV_RUNNING:
			break;
	}
	if (opts->dry_run)
	{
		printf("would stop the development cluster in \"%s\"\n", d->shown);
		return EXIT_OK;
	}
	argv[0] = find_pg_program("pg_ctl");
	argv[1] = "-D";
	argv[2] = "data";
	argv[3] = "-m";
	argv[4] = "fast";
	argv[5] = "-w";
	argv[6] = "-s";
	argv[7] = "stop";
	argv[8] = NULL;
	if (run_program(argv, d->dir, NULL, true, NULL) != 0)
	{
		pg_log_error("the development cluster in \"%s\" did not stop", d->shown);
		pg_log_error_detail("See \"%s/server.log\".", d->shown);
		return EXIT_FAILED;
	}
	printf("stopped the development cluster in \"%s\" (migrate db start starts it again)\n", d->shown);
	return EXIT_OK;
}

static int
db_reset(Options *opts)
{
	DevDB	   *d = devdb_locate();
	PGconn	   *conn;
	PGresult   *res;

	if (opts->dry_run)
	{
		DevState	state = devdb_state(d);

		if (state != DEV_RUNNING)
		{
			printf("would %s the development cluster in \"%s\", then drop database \"%s\" if it is there and create it again, with the migrate extension\n",
				   state == DEV_NONE ? "initialize and start" : "start", d->shown, DEVDB_NAME);
			return EXIT_OK;
		}
		conn = devdb_connect(d, "postgres");
		if (!database_present(conn))
			printf("would create database \"%s\" in the development cluster in \"%s\", with the migrate extension (it is not there)\n",
				   DEVDB_NAME, d->shown);
		else
		{
			PGconn	   *db = devdb_connect(d, DEVDB_NAME);

			res = query(db, "SELECT CASE WHEN pg_catalog.to_regclass('migrate.revision') IS NULL THEN NULL "
						"ELSE (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class c "
						"      JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace "
						"      WHERE c.relkind OPERATOR(pg_catalog.=) 'r' "
						"        AND n.nspname OPERATOR(pg_catalog.<>) ALL ('{pg_catalog,information_schema,migrate}')) END, "
						"pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(pg_catalog.current_database()))",
						0, NULL);
			if (res == NULL)
				return EXIT_FAILED;
			printf("would drop database \"%s\" (%s%s%s) in the development cluster in \"%s\" and create it again, with the migrate extension\n",
				   DEVDB_NAME, PQgetvalue(res, 0, 1),
				   PQgetisnull(res, 0, 0) ? "" : ", tables: ",
				   PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0), d->shown);
			PQclear(res);
			PQfinish(db);
		}
		PQfinish(conn);
		closing_line("nothing changed (dry run)");
		return EXIT_OK;
	}

	devdb_up(d, stdout, false, false);
	conn = devdb_connect(d, "postgres");
	/* FORCE: an open psql or a test's session must not keep the reset from happening */
	if (!command_ok(conn, "DROP DATABASE IF EXISTS " DEVDB_NAME " WITH (FORCE)") ||
		!command_ok(conn, "CREATE DATABASE " DEVDB_NAME))
		return EXIT_FAILED;
	PQfinish(conn);
	printf("dropped and created database \"%s\" in the development cluster in \"%s\", with the migrate extension %s: nothing applied\n",
		   DEVDB_NAME, d->shown, create_extension(d));
	return EXIT_OK;
}

static int
db_backup(Options *opts)
{
	PGconn	   *conn;
	PQconninfoOption *info;
	PQExpBufferData conninfo;
	PQExpBufferData path;
	const char *dir = getenv("BACKUP_DIR") && getenv("BACKUP_DIR")[0] ? getenv("BACKUP_DIR") : "backups";
	const char *password = NULL;
	char	   *name;
	char	   *dbname;
	char		stamp[32];
	time_t		now = time(NULL);
	const char *argv[7];
	struct stat st;

	conn = connect_database(&opts->conn);

	/* pg_dump gets this connection's parameters, the password through its environment */
	initPQExpBuffer(&conninfo);
	info = PQconninfo(conn);
	for (PQconninfoOption *o = info; o && o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0' || strchr(o->dispchar, 'D'))
			continue;
		if (strcmp(o->keyword, "password") == 0)
		{
			password = pg_strdup(o->val);
			continue;
		}
		appendPQExpBuffer(&conninfo, "%s%s=", conninfo.len ? " " : "", o->keyword);
		append_conninfo_value(&conninfo, o->val);
	}
	PQconninfoFree(info);

	/* <database>-<UTC time>.dump, the name made of safe characters only */
	dbname = pg_strdup(PQdb(conn));
	name = pg_strdup(dbname);
	for (char *p = name; *p; p++)
		if (!isalnum((unsigned char) *p) && *p != '_' && *p != '-' && *p != '.')
			*p = '_';
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", gmtime(&now));
	initPQExpBuffer(&path);
	appendPQExpBuffer(&path, "%s/%s-%s.dump", dir, name, stamp);
	/* two backups in one second: the second gets -2, -3, ... */
	for (int n = 2; stat(path.data, &st) == 0; n++)
	{
		resetPQExpBuffer(&path);
		appendPQExpBuffer(&path, "%s/%s-%s-%d.dump", dir, name, stamp, n);
	}
	PQfinish(conn);
	if (opts->dry_run)
	{
		printf("would write %s (pg_dump -Fc of database \"%s\")\n", escape_text(path.data, true), escape_text(dbname, true));
		return EXIT_OK;
	}
	if (pg_mkdir_p(pg_strdup(dir), S_IRWXU | S_IRWXG | S_IRWXO) != 0 && errno != EEXIST)
	{
		pg_log_error("could not create folder \"%s\": %m", escape_text(dir, true));
		return EXIT_FAILED;
	}
	argv[0] = find_pg_program("pg_dump");
	argv[1] = "-Fc";
	argv[2] = "-f";
	argv[3] = path.data;
	argv[4] = "-d";
	argv[5] = conninfo.data;
	argv[6] = NULL;
	if (password)
		setenv("PGPASSWORD", password, 1);
	if (run_program(argv, NULL, NULL, true, NULL) != 0)
	{
		unlink(path.data);
		pg_log_error("pg_dump failed: nothing was written");
		return EXIT_FAILED;
	}
	/* the path alone on stdout: scripts take it from there */
	printf("%s\n", path.data);
	return EXIT_OK;
}

int
cmd_db(PGconn *conn, Options *opts, int argc, char **argv)
{
	(void) conn;
	if (argc != 1)
	{
		pg_log_error(argc == 0 ? "db needs a subcommand" : "db takes one subcommand");
		pg_log_error_hint("Usage: migrate db start|stop|reset|backup [--dry-run]");
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "start") == 0)
		return db_start(opts);
	if (strcmp(argv[0], "stop") == 0)
		return db_stop(opts);
	if (strcmp(argv[0], "reset") == 0)
		return db_reset(opts);
	if (strcmp(argv[0], "backup") == 0)
		return db_backup(opts);
	pg_log_error("unknown db subcommand \"%s\"", escape_text(argv[0], true));
	pg_log_error_hint("Usage: migrate db start|stop|reset|backup [--dry-run]");
	return EXIT_USAGE;
}
