/*
 * What a person reads: user text made safe to print, the server's errors
 * with their SQLSTATE, DETAIL, HINT and CONTEXT, Alembic-style progress
 * lines, and the one closing line every changing command ends with.
 */
#include "migrate.h"

#include "common/logging.h"
#include "pqexpbuffer.h"

/*
 * Revision messages and names come from files and databases: print them
 * so they cannot move the cursor, clear the screen or fake another line.
 * one_line: newlines and tabs are escaped too.
 */
char *
escape_text(const char *s, bool one_line)
{
	PQExpBufferData buf;

	initPQExpBuffer(&buf);
	for (const unsigned char *p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '\n' && one_line)
			appendPQExpBufferStr(&buf, "\\n");
		else if (*p == '\r')
			appendPQExpBufferStr(&buf, "\\r");
		else if (*p == '\t' && one_line)
			appendPQExpBufferStr(&buf, "\\t");
		else if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			appendPQExpBuffer(&buf, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		{
			/* a C1 control in UTF-8 (U+009B is CSI to many terminals) */
			appendPQExpBuffer(&buf, "\\u%04x", p[1]);
			p++;
		}
		else
			appendPQExpBufferChar(&buf, *p);
	}
	return buf.data;
}

static void
report_fields(const PGresult *res, bool as_error)
{
	static const struct
	{
		int			field;
		enum pg_log_part part;
		const char *prefix;
	}			fields[] = {
		{PG_DIAG_MESSAGE_DETAIL, PG_LOG_DETAIL, ""},
		{PG_DIAG_MESSAGE_HINT, PG_LOG_HINT, ""},
		{PG_DIAG_CONTEXT, PG_LOG_DETAIL, "CONTEXT: "},
	};

	for (int i = 0; i < (int) lengthof(fields); i++)
	{
		const char *value = PQresultErrorField(res, fields[i].field);
		char	   *shown;

		if (value == NULL)
			continue;
		shown = escape_text(value, false);
		pg_log_generic(as_error ? PG_LOG_ERROR : PG_LOG_WARNING, fields[i].part,
					   "%s%s", fields[i].prefix, shown);
		free(shown);
	}
}

/* the server's error: primary message with its SQLSTATE, then the rest */
void
report_error(const PGresult *res, const char *what)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	char	   *msg;

	if (primary == NULL)
	{
		/* no error fields: the connection broke, libpq says why */
		msg = escape_text(PQresultErrorMessage(res), false);
		pg_log_error("%s%s%s", what ? what : "", what ? ": " : "", msg);
		free(msg);
		return;
	}
	msg = escape_text(primary, false);
	pg_log_error("%s%s%s (SQLSTATE %s)", what ? what : "", what ? ": " : "",
				 msg, sqlstate ? sqlstate : "?????");
	free(msg);
	report_fields(res, true);
}

/* --- progress ---------------------------------------------------------------- */

/*
 * The steps of a move are known before it runs (the dry run's plan: id,
 * message, parents); the server sends a NOTICE after each step with its
 * duration in the DETAIL.  Each NOTICE of the expected step becomes one
 * progress line, as it happens.
 */
static struct
{
	bool		active;
	bool		upgrade;
	PGresult   *plan;			/* revision, message, parents (", "-joined) */
	int			next;
	const char *file;			/* the file being registered, for its notices */
	bool		hide_moves;		/* nontx.c prints its own lines for these */
} progress;

void
progress_begin(bool upgrade, PGresult *plan)
{
	progress.active = true;
	progress.upgrade = upgrade;
	progress.plan = plan;
	progress.next = 0;
}

void
progress_end(void)
{
	progress.active = false;
	progress.plan = NULL;
}

void
set_notice_context(const char *file_name)
{
	progress.file = file_name;
}

/*
 * A deploy through non-transactional revisions (nontx.c) prints its own
 * line when one is recorded, and expects the stops of its migrate_upgrade()
 * calls: their NOTICEs would only repeat it.
 */
void
progress_hide_moves(bool hide)
{
	progress.hide_moves = hide;
}

static bool
hidden_notice(const PGresult *res)
{
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	if (!progress.hide_moves || primary == NULL || severity == NULL ||
		strcmp(severity, "NOTICE") != 0)
		return false;
	return strncmp(primary, "applied ", 8) == 0 || strncmp(primary, "unapplied ", 10) == 0 ||
		strstr(primary, " stopped before revision ") != NULL;
}

/* "a -> b" the Alembic way: parents -> revision up, revision -> parents down */
static void
print_step(int i, const char *suffix)
{
	const char *rev = PQgetvalue(progress.plan, i, 0);
	char	   *msg = escape_text(PQgetvalue(progress.plan, i, 1), true);
	const char *parents = PQgetvalue(progress.plan, i, 2);

	if (parents[0] == '\0')
		parents = "<base>";
	if (progress.upgrade)
		printf("upgrading %s -> %s, %s%s\n", parents, rev, msg, suffix);
	else
		printf("downgrading %s -> %s, %s%s\n", rev, parents, msg, suffix);
	fflush(stdout);
	free(msg);
}

static bool
progress_notice(const PGresult *res)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	const char *verb = progress.upgrade ? "applied " : "unapplied ";
	const char *rev;
	size_t		vlen = strlen(verb);
	size_t		rlen;
	double		ms;
	char		suffix[64];

	if (!progress.active || progress.next >= PQntuples(progress.plan) || primary == NULL)
		return false;
	rev = PQgetvalue(progress.plan, progress.next, 0);
	rlen = strlen(rev);
	if (strncmp(primary, verb, vlen) != 0 || strncmp(primary + vlen, rev, rlen) != 0 ||
		(primary[vlen + rlen] != '\0' && primary[vlen + rlen] != ':'))
		return false;
	if (detail && sscanf(detail, "Took %lf ms.", &ms) == 1)
		snprintf(suffix, sizeof(suffix), ms < 10 ? " ... %.1f ms" : " ... %.0f ms", ms);
	else
		suffix[0] = '\0';
	print_step(progress.next++, suffix);
	return true;
}

static void
notice_receiver(void *arg, const PGresult *res)
{
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char	   *msg;

	(void) arg;
	if (progress_notice(res))
		return;
	if (hidden_notice(res))
		return;
	if (primary == NULL)
		return;
	msg = escape_text(primary, false);
	if (severity && strcmp(severity, "WARNING") == 0)
	{
		if (progress.file)
			pg_log_warning("%s: %s", progress.file, msg);
		else
			pg_log_warning("%s", msg);
		report_fields(res, false);
	}
	else if (progress.file == NULL)
		pg_log_info("%s", msg);
	/* NOTICEs of registration (CREATE EXTENSION's, a file's own) are noise */
	free(msg);
}

void
install_notice_receiver(PGconn *conn)
{
	PQsetNoticeReceiver(conn, notice_receiver, NULL);
}

/* the dry run's plan, as the run would print it */
void
print_plan(bool upgrade, PGresult *plan)
{
	progress_begin(upgrade, plan);
	for (int i = 0; i < PQntuples(plan); i++)
		print_step(i, " (dry run)");
	progress_end();
}

/* one step line of a plan (nontx.c: a revision's own line, before its statements) */
void
print_plan_step(bool upgrade, PGresult *plan, int i, const char *suffix)
{
	progress_begin(upgrade, plan);
	print_step(i, suffix);
	progress_end();
}

void
closing_line(const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}
