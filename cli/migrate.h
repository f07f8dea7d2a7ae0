/*
 * migrate: the command-line program.  One header for its parts:
 *
 *   main.c      argument parsing, the command table, --help per command
 *   commands.c  what each command asks the server
 *   connect.c   connecting, telling connection failures apart, the extension check
 *   files.c     reading migrations/ and registering its files
 *   create.c    writing new migration files (create, merge)
 *   models.c    the models: a shadow database, migrate_describe(), migrate_diff()
 *   nontx.c     upgrade/downgrade through non-transactional revisions
 *   amend.c     storing a file's new bodies for an applied revision
 *   devdb.c     db start|stop|reset|backup: the local development cluster
 *   hook.c      the git hook: hook install, hook run
 *   output.c    escaping user text, error reports, progress, the closing line
 */
#ifndef MIGRATE_CLI_H
#define MIGRATE_CLI_H

#include "postgres_fe.h"

#include "libpq-fe.h"

/*
 * Exit codes, documented in the README and in `migrate --help`.  Scripts
 * can tell "the database said no" (1) from "there is no database to ask"
 * (3 to 5) and from "the database is not ready for migrate" (6).
 */
#define EXIT_OK				0	/* done; check: files and database agree */
#define EXIT_FAILED			1	/* the command failed (rolled back), or check found problems */
#define EXIT_USAGE			2	/* bad arguments, bad migration file names, unreadable files */
#define EXIT_UNREACHABLE	3	/* no server answers at that address */
#define EXIT_AUTH			4	/* the server refused the login */
#define EXIT_NO_DATABASE	5	/* the server has no such database */
#define EXIT_EXTENSION		6	/* extension not installed, not created, or too old */

/* the extension version this program speaks (from migrate.control at build) */
#ifndef MIGRATE_EXTVERSION
#error "MIGRATE_EXTVERSION must be defined by the build"
#endif

typedef struct ConnOptions
{
	const char *host;
	const char *port;
	const char *user;
	const char *dbname;			/* a name, a conninfo string or a URL */
	bool		prompt_password;	/* -W: ask before connecting */
	bool		no_password;	/* -w: never ask */
	char	   *password;		/* what was typed */
} ConnOptions;

typedef struct Options
{
	ConnOptions conn;
	const char *dir;			/* the migrations folder */
	bool		dry_run;
	bool		verbose;
	const char *range;			/* history -r */
	int			commit_every;	/* upgrade --commit-every N; 0: one transaction */
	/* create */
	bool		empty;			/* --empty: no autogenerate from models/ */
	bool		nontransactional;	/* --nontransactional: transactional => false */
	const char *head;			/* --head REV: the parent, instead of the head */
	const char *branch_label;	/* --branch-label */
	const char **depends_on;	/* --depends-on, repeatable */
	int			ndepends_on;
} Options;

typedef struct MigFile
{
	char	   *path;
	char	   *name;			/* the file name, validated */
	char	   *revision;		/* the id its name gives */
} MigFile;

typedef struct MigFiles
{
	const char *dir;
	MigFile    *items;
	int			count;
	bool		exists;			/* false: the folder is not there */
} MigFiles;

/* what a reading command could make of the files */
typedef enum FilesState
{
	FILES_REGISTERED,			/* all registered (in a transaction rolled back later) */
	FILES_NOT_REGISTERABLE,		/* a standby, or a role that may not register */
	FILES_FAILED				/* some failed to register: reported */
} FilesState;

/* what a command needs of the extension */
typedef enum ExtensionNeed
{
	EXT_READ,					/* must exist; never created */
	EXT_WRITE					/* created in the open transaction when missing */
} ExtensionNeed;

/* connect.c */
extern PGconn *connect_database(ConnOptions *opts);
extern void check_extension(PGconn *conn, ExtensionNeed need, bool dry_run);
extern void install_cancel_handler(PGconn *conn);
extern PGresult *query(PGconn *conn, const char *sql, int nparams,
					   const char *const *values);
extern bool command_ok(PGconn *conn, const char *sql);
extern bool begin_transaction(PGconn *conn, bool read_only);
extern bool commit_transaction(PGconn *conn);
extern void rollback(PGconn *conn);

/* devdb.c */
extern const char *migrate_argv0;
extern bool devdb_fallback(ConnOptions *opts);
extern int	cmd_db(PGconn *conn, Options *opts, int argc, char **argv);

/* files.c */
extern MigFiles *read_migration_files(const char *dir);
extern bool migration_file_name_ok(const char *name);
extern bool register_file(PGconn *conn, const MigFile *f);
extern int	register_files(PGconn *conn, MigFiles *files, bool each_alone);
extern char *files_id_array(const MigFiles *files);
extern const MigFile *find_file(const MigFiles *files, const char *revision);
extern bool refuse_revisions_without_files(PGconn *conn, const MigFiles *files);

/* output.c */
extern char *escape_text(const char *s, bool one_line);
extern void report_error(const PGresult *res, const char *what);
extern void install_notice_receiver(PGconn *conn);
extern void progress_begin(bool upgrade, PGresult *plan);
extern void progress_end(void);
extern void print_plan(bool upgrade, PGresult *plan);
extern void print_plan_step(bool upgrade, PGresult *plan, int i, const char *suffix);
extern void progress_hide_moves(bool hide);
extern void set_notice_context(const char *file_name);
extern void closing_line(const char *fmt,...) pg_attribute_printf(1, 2);

/* commands.c */
typedef int (*CommandFn) (PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_current(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_heads(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_history(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_show(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_status(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_check(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_upgrade(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_downgrade(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_stamp(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_forget(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_branches(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_drift(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_sql(PGconn *conn, Options *opts, int argc, char **argv);

/* models.c */
extern const char *models_dir(void);
extern bool models_present(void);
extern char *models_describe(PGconn *conn, char **skip_why);
extern PGresult *models_diff(PGconn *conn, const char *json);
extern int	check_models(PGconn *conn, bool at_head, bool *compared);

/* nontx.c */
extern int	nontx_move(PGconn *conn, Options *opts, bool upgrade, const char *target);

/* amend.c */
extern int	cmd_amend(PGconn *conn, Options *opts, int argc, char **argv);

/* hook.c (conn is NULL: it connects only when it needs to) */
extern int	cmd_hook(PGconn *conn, Options *opts, int argc, char **argv);

/* create.c */
extern int	cmd_create(PGconn *conn, Options *opts, int argc, char **argv);
extern int	cmd_merge(PGconn *conn, Options *opts, int argc, char **argv);

#endif							/* MIGRATE_CLI_H */
