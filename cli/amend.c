/*
 * amend REV: the file of an applied revision was edited (a wrong downgrade,
 * say); store its bodies through migrate_amend, which logs the change.
 *
 * The program does not parse the file.  To learn what it says, it lets the
 * server register it where that is allowed: in a savepoint, migrate_stamp
 * ('base') makes every revision unapplied (running nothing), the file's
 * migrate_revision call then replaces the stored content, the new content
 * is read back, and the savepoint is rolled back (stamp, registration and
 * log rows with it).  Only then is migrate_amend called, with that content.
 */
#include "migrate.h"

#include "common/logging.h"

typedef struct Content
{
	char	   *upgrade;
	char	   *downgrade;
	char	   *message;
	char	   *graph;			/* down_revision, branch_labels, depends_on as text */
} Content;

static bool
read_content(PGconn *conn, const char *rev, Content *c)
{
	const char *values[1] = {rev};
	PGresult   *res = query(conn,
							"SELECT r.upgrade, r.downgrade, r.message,"
							"       ROW(r.down_revision, r.branch_labels, r.depends_on)::pg_catalog.text"
							"  FROM migrate.revision AS r WHERE r.revision OPERATOR(pg_catalog.=) $1",
							1, values);

	if (res == NULL || PQntuples(res) != 1)
	{
		PQclear(res);
		return false;
	}
	c->upgrade = pg_strdup(PQgetvalue(res, 0, 0));
	c->downgrade = pg_strdup(PQgetvalue(res, 0, 1));
	c->message = pg_strdup(PQgetvalue(res, 0, 2));
	c->graph = pg_strdup(PQgetvalue(res, 0, 3));
	PQclear(res);
	return true;
}

static int
give_up(PGconn *conn)
{
	rollback(conn);
	closing_line("nothing amended: rolled back");
	return EXIT_FAILED;
}

int
cmd_amend(PGconn *conn, Options *opts, int argc, char **argv)
{
	MigFiles   *files;
	const MigFile *f;
	const char *values[4];
	Content		stored;
	Content		in_file;
	PGresult   *res;
	char		changed[64] = "";

	if (argc != 1)
	{
		pg_log_error("amend takes one revision id");
		pg_log_error_hint("Usage: migrate amend REV [--dry-run]");
		return EXIT_USAGE;
	}
	files = read_migration_files(opts->dir);
	f = find_file(files, argv[0]);
	if (f == NULL)
	{
		pg_log_error("no file in %s has revision \"%s\"", opts->dir, argv[0]);
		pg_log_error_hint("Name the revision by its full id, as in the file name.");
		return EXIT_USAGE;
	}
	if (!begin_transaction(conn, false))
		return EXIT_FAILED;
	check_extension(conn, EXT_READ, opts->dry_run);
	if (!read_content(conn, f->revision, &stored))
	{
		pg_log_error("revision \"%s\" is not registered", f->revision);
		pg_log_error_hint("migrate upgrade registers it; amend is for revisions already applied.");
		return give_up(conn);
	}

	/* what the file says, registered where nothing is applied, then undone */
	if (!command_ok(conn, "SAVEPOINT migrate_amend_read"))
		return give_up(conn);
	res = query(conn, "SELECT pg_catalog.migrate_stamp('base')", 0, NULL);
	if (res == NULL)
		return give_up(conn);
	PQclear(res);
	if (!register_file(conn, f) || !read_content(conn, f->revision, &in_file))
		return give_up(conn);
	if (!command_ok(conn, "ROLLBACK TO SAVEPOINT migrate_amend_read"))
		return give_up(conn);

	if (strcmp(stored.graph, in_file.graph) != 0)
	{
		pg_log_error("file \"%s\" changes the parents, labels or dependencies of revision \"%s\"",
					 f->name, f->revision);
		pg_log_error_detail("Stored: %s; in the file: %s.", stored.graph, in_file.graph);
		pg_log_error_hint("amend replaces bodies and the message only; revert those lines.");
		return give_up(conn);
	}
	if (strcmp(stored.upgrade, in_file.upgrade) != 0)
		strlcat(changed, "upgrade", sizeof(changed));
	if (strcmp(stored.downgrade, in_file.downgrade) != 0)
		strlcat(changed, changed[0] ? ", downgrade" : "downgrade", sizeof(changed));
	if (strcmp(stored.message, in_file.message) != 0)
		strlcat(changed, changed[0] ? ", message" : "message", sizeof(changed));
	if (changed[0] == '\0')
	{
		rollback(conn);
		closing_line("nothing to amend: the database stores what %s says", f->name);
		return EXIT_OK;
	}

	values[0] = f->revision;
	values[1] = in_file.upgrade;
	values[2] = in_file.downgrade;
	values[3] = in_file.message;
	res = query(conn, "SELECT pg_catalog.migrate_amend($1, $2, $3, $4)", 4, values);
	if (res == NULL)
		return give_up(conn);
	PQclear(res);
	if (opts->dry_run)
	{
		rollback(conn);
		closing_line("dry run: would amend %s (%s); nothing changed", f->revision, changed);
		return EXIT_OK;
	}
	if (!commit_transaction(conn))
	{
		closing_line("nothing amended: rolled back");
		return EXIT_FAILED;
	}
	closing_line("amended %s (%s)", f->revision, changed);
	return EXIT_OK;
}
