/*
 * migrate: Alembic's commands against the migrate extension.
 *
 * Argument parsing and the command table.  Options may come before or
 * after the command; a relative target such as -1 or +2 is an argument,
 * not an option (migrate downgrade -1).
 */
#include "migrate.h"

#include "common/logging.h"
#include "getopt_long.h"

typedef struct Command
{
	const char *name;
	CommandFn	fn;
	const char *usage;
	const char *help;
	bool		dry_run;		/* takes --dry-run */
} Command;

static const Command commands[] = {
	{"create", cmd_create, "create MESSAGE [--dry-run]",
	"Writes a new, empty migration file on the head of the migrations\n"
	"(a fresh 12-hex id; the head comes from the server, with every file\n"
	"registered in a transaction that is rolled back). Refuses with several\n"
	"heads, and when a registered revision has no file.", true},
	{"merge", cmd_merge, "merge [MESSAGE] [--dry-run]",
	"Writes a merge revision over every head of the migrations.", true},
	{"current", cmd_current, "current [-v]",
	"Shows the current heads: the applied revisions no applied revision follows,\n"
	"marked (head) when they are a head of the graph. Nothing at base.", false},
	{"heads", cmd_heads, "heads [-v]",
	"Shows the heads of the graph, files not yet registered included;\n"
	"(pending) marks a head that is not applied.", false},
	{"history", cmd_history, "history [-r LOWER:UPPER] [-v]",
	"One line per revision, newest first: parents -> revision, markers\n"
	"(head) (branchpoint) (mergepoint) (current), message. -r keeps the\n"
	"revisions between two targets (base:head, current:, :a1b2, ...).\n"
	"-v shows a block per revision.", false},
	{"branches", cmd_branches, "branches",
	"Each branch point and the revisions that leave it.", false},
	{"drift", cmd_drift, "drift",
	"The schema changes made outside migrations that the guard recorded\n"
	"(migrate_drift(): revoked from PUBLIC, statements may carry secrets).", false},
	{"show", cmd_show, "show REV",
	"Shows one revision: parents, labels, dependencies, whether it is\n"
	"applied, its file, and the upgrade and downgrade the database stores.", false},
	{"status", cmd_status, "status",
	"Current and graph heads, pending revisions, the last migration, changes\n"
	"made outside migrations, whether the schema matches its fingerprint.", false},
	{"check", cmd_check, "check",
	"Exits 0 when files and database agree: every file registered with its\n"
	"content, every registered revision has a file, nothing pending, one\n"
	"head, no drift. Otherwise names each problem and its next step.", false},
	{"upgrade", cmd_upgrade, "upgrade [TARGET] [--dry-run]",
	"Registers every file of the migrations folder and upgrades to TARGET\n"
	"(default head), all in one transaction; creates the extension first\n"
	"when it is missing. Refuses when a registered revision has no file.", true},
	{"downgrade", cmd_downgrade, "downgrade TARGET [--dry-run]",
	"Unapplies revisions down to TARGET (-1, a revision, label@base, base),\n"
	"running the downgrade bodies the database stores, in one transaction.", true},
	{"stamp", cmd_stamp, "stamp TARGET... [--dry-run]",
	"Registers every file and sets the applied revisions to exactly TARGET\n"
	"and its ancestors, running nothing.", true},
	{"sql", cmd_sql, "sql [FROM:]TARGET",
	"Prints the upgrade bodies a deploy to TARGET would run, in order, for\n"
	"review (from the current state, or from FROM). Nothing is recorded or\n"
	"changed: the files are registered and FROM stamped in a transaction\n"
	"that is rolled back.", false},
	{"amend", cmd_amend, "amend REV [--dry-run]",
	"Stores the upgrade, downgrade and message of REV's file for a revision\n"
	"that is already applied (migrate_amend, logged): the way to fix a\n"
	"wrong downgrade. Refuses a file that changes the revision's parents,\n"
	"labels or dependencies.", true},
	{"forget", cmd_forget, "forget REV [--dry-run]",
	"Removes a registered, unapplied revision that nothing references\n"
	"(one whose file is gone).", true},
};

static void
usage(FILE *out)
{
	fprintf(out,
			"migrate: Alembic-style migrations kept in PostgreSQL (the migrate extension).\n\n"
			"Usage:\n  migrate [OPTION]... COMMAND [ARG]...\n\nCommands:\n");
	for (int i = 0; i < (int) lengthof(commands); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fprintf(out,
			"\nOptions:\n"
			"  --dir=DIR              migration files (default: $MIGRATIONS_DIR, else ./migrations)\n"
			"  --dry-run              show what a changing command would do; change nothing\n"
			"  -r, --range=LOWER:UPPER  history between two targets\n"
			"  -v, --verbose          more detail\n"
			"  -V, --version          print the version and exit\n"
			"  -?, --help             this help; COMMAND --help: that command's\n"
			"\nConnection options:\n"
			"  -h, --host=HOST        server host or socket directory\n"
			"  -p, --port=PORT        server port\n"
			"  -U, --username=NAME    user name\n"
			"  -d, --dbname=DBNAME    database name, connection string or URL\n"
			"                         (default: $DATABASE_URL, else the PG* variables)\n"
			"  -w, --no-password      never prompt for a password\n"
			"  -W, --password         prompt for a password before connecting\n"
			"\nExit status:\n"
			"  0 done (check: files and database agree)   1 failed and rolled back, or check found problems\n"
			"  2 usage or migration files                 3 server unreachable\n"
			"  4 authentication failed                    5 database does not exist\n"
			"  6 extension not installed on the server, not created in the database, or too old\n");
}

static void
command_help(const Command *c)
{
	printf("Usage: migrate [OPTION]... %s\n\n%s\n\nSee migrate --help for the options.\n",
		   c->usage, c->help);
}

static bool
is_relative_step(const char *arg)
{
	return (arg[0] == '-' || arg[0] == '+') && arg[1] != '\0' &&
		strspn(arg + 1, "0123456789") == strlen(arg + 1);
}

/* does this option consume the next argument? */
static bool
takes_value(const char *arg)
{
	static const char *const longs[] = {"--host", "--port", "--username", "--dbname",
	"--dir", "--range"};

	if (arg[1] != '-')
		return arg[2] == '\0' && strchr("hpUdr", arg[1]) != NULL;
	for (int i = 0; i < (int) lengthof(longs); i++)
		if (strcmp(arg, longs[i]) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	static struct option long_options[] = {
		{"host", required_argument, NULL, 'h'},
		{"port", required_argument, NULL, 'p'},
		{"username", required_argument, NULL, 'U'},
		{"dbname", required_argument, NULL, 'd'},
		{"no-password", no_argument, NULL, 'w'},
		{"password", no_argument, NULL, 'W'},
		{"dir", required_argument, NULL, 1},
		{"dry-run", no_argument, NULL, 2},
		{"range", required_argument, NULL, 'r'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
		{NULL, 0, NULL, 0}
	};
	Options		opts = {0};
	char	  **optv = pg_malloc((argc + 1) * sizeof(char *));
	char	  **args = pg_malloc((argc + 1) * sizeof(char *));
	int			noptv = 1;
	int			nargs = 0;
	bool		help = false;
	const Command *cmd = NULL;
	PGconn	   *conn;
	int			status;
	int			c;

	pg_logging_init(argv[0]);
	set_pglocale_pgservice(argv[0], "migrate");

	/* options to getopt_long, everything else (relative steps included) aside */
	optv[0] = argv[0];
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--") == 0)
		{
			while (++i < argc)
				args[nargs++] = argv[i];
			break;
		}
		if (argv[i][0] != '-' || argv[i][1] == '\0' || is_relative_step(argv[i]))
		{
			args[nargs++] = argv[i];
			continue;
		}
		optv[noptv++] = argv[i];
		if (takes_value(argv[i]) && i + 1 < argc)
			optv[noptv++] = argv[++i];
	}
	optv[noptv] = NULL;

	while ((c = getopt_long(noptv, optv, "h:p:U:d:r:vVwW?", long_options, NULL)) != -1)
	{
		switch (c)
		{
			case 'h':
				opts.conn.host = optarg;
				break;
			case 'p':
				opts.conn.port = optarg;
				break;
			case 'U':
				opts.conn.user = optarg;
				break;
			case 'd':
				opts.conn.dbname = optarg;
				break;
			case 'w':
				opts.conn.no_password = true;
				break;
			case 'W':
				opts.conn.prompt_password = true;
				break;
			case 1:
				opts.dir = optarg;
				break;
			case 2:
				opts.dry_run = true;
				break;
			case 'r':
				opts.range = optarg;
				break;
			case 'v':
				opts.verbose = true;
				break;
			case 'V':
				printf("migrate (for the migrate extension %s)\n", MIGRATE_EXTVERSION);
				exit(EXIT_OK);
			case '?':
				/* getopt_long reports unknown options itself, with optopt set */
				if (optopt != 0 && optopt != '?')
				{
					pg_log_error_hint("Try \"migrate --help\" for more information.");
					exit(EXIT_USAGE);
				}
				help = true;
				break;
			default:
				pg_log_error_hint("Try \"migrate --help\" for more information.");
				exit(EXIT_USAGE);
		}
	}

	if (nargs == 0)
	{
		if (help)
		{
			usage(stdout);
			exit(EXIT_OK);
		}
		pg_log_error("no command given");
		usage(stderr);
		exit(EXIT_USAGE);
	}
	if (strcmp(args[0], "help") == 0)
	{
		help = true;
		args++;
		nargs--;
		if (nargs == 0)
		{
			usage(stdout);
			exit(EXIT_OK);
		}
	}
	for (int i = 0; i < (int) lengthof(commands); i++)
		if (strcmp(args[0], commands[i].name) == 0)
			cmd = &commands[i];
	if (cmd == NULL)
	{
		char	   *shown = escape_text(args[0], true);

		pg_log_error("unknown command \"%s\"", shown);
		pg_log_error_hint("Try \"migrate --help\" for the list of commands.");
		exit(EXIT_USAGE);
	}
	if (help)
	{
		command_help(cmd);
		exit(EXIT_OK);
	}
	if (opts.dry_run && !cmd->dry_run)
	{
		pg_log_error("%s changes nothing: it takes no --dry-run", cmd->name);
		exit(EXIT_USAGE);
	}
	if (opts.range && strcmp(cmd->name, "history") != 0)
	{
		pg_log_error("-r/--range belongs to history");
		exit(EXIT_USAGE);
	}

	if (opts.dir == NULL)
		opts.dir = getenv("MIGRATIONS_DIR") && getenv("MIGRATIONS_DIR")[0] ?
			getenv("MIGRATIONS_DIR") : "migrations";
	/* the workflow's variable: a libpq connection string or URL */
	if (opts.conn.dbname == NULL && getenv("DATABASE_URL") && getenv("DATABASE_URL")[0])
		opts.conn.dbname = getenv("DATABASE_URL");

	conn = connect_database(&opts.conn);
	install_notice_receiver(conn);
	install_cancel_handler(conn);
	status = cmd->fn(conn, &opts, nargs - 1, args + 1);
	PQfinish(conn);
	return status;
}
