/*-------------------------------------------------------------------------
 *
 * script.c
 *	  Running the SQL text of a revision body the way the server runs an
 *	  extension script (execute_sql_string() in commands/extension.c).
 *
 * Each statement is parsed, analyzed, planned and run on its own, after the
 * statements before it (so it sees what they created), in a memory context
 * that is reset before the next one, with its result rows sent nowhere.
 * Memory therefore follows the largest statement, not the length of the
 * body.  Unlike extension.c, the body is not parsed as a whole first: the
 * core scanner finds where each statement ends (with psql's rule for
 * semicolons inside CREATE FUNCTION ... BEGIN ATOMIC ... END), so not even
 * the parse trees of the whole body are held at once.
 *
 * The body runs inside its own GUC nest level: whatever it sets (SET, SET
 * LOCAL, set_config()) is undone when it ends, so a body cannot change the
 * session or the bodies after it.
 *
 * An error context callback reports the failing statement, its number and
 * its line in the body, cut to a readable length, and turns a syntax error
 * position into a position in that statement.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "common/keywords.h"
#include "executor/executor.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
#include "tcop/dest.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "script.h"

/* the longest statement text an error shows */
#define SCRIPT_TEXT_MAX 300

typedef enum ScriptPhase
{
	SCRIPT_SCANNING,			/* error positions are in the whole body */
	SCRIPT_PIECE				/* error positions are in the piece */
} ScriptPhase;

typedef struct ScriptState
{
	const char *sql;
	int			sql_len;
	const ScriptOptions *opts;
	ScriptPhase phase;

	/* lines are counted once, forwards: up to counted_offset, counted_line */
	int			counted_offset;
	int			counted_line;

	/* where the statement being scanned starts, -1 before its first token */
	int			start_offset;

	/*
	 * The piece: a copy of the text of one statement (or of several, where
	 * the scan found no boundary between them; the parser then splits them).
	 */
	const char *piece;
	int			piece_len;
	int			piece_line;

	/* the statement being run: its number and line, its text in the piece */
	int			number;
	int			line;
	int			text_offset;
	int			text_len;
} ScriptState;

/* the statement the last body started, for reports after an error */
static int	last_number = 0;
static int	last_line = 0;

void
script_last_statement(int *number, int *line)
{
	*number = last_number;
	*line = last_line;
}

static int
count_newlines(const char *s, int len)
{
	int			n = 0;

	for (int i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	return n;
}

/* The line of a byte offset in the body, counting forwards from the last. */
static int
line_at(ScriptState *st, int offset)
{
	if (offset < st->counted_offset)
		return 1 + count_newlines(st->sql, offset);
	st->counted_line += count_newlines(st->sql + st->counted_offset,
									   offset - st->counted_offset);
	st->counted_offset = offset;
	return st->counted_line;
}

/* The byte offset of the nchars'th character of s (error positions count characters). */
static int
char_to_byte(const char *s, int len, int nchars)
{
	int			i = 0;

	while (nchars-- > 0 && i < len)
		i += pg_mblen(s + i);
	return Min(i, len);
}

static char *
cut_text(const char *s, int len)
{
	if (len <= SCRIPT_TEXT_MAX)
		return pnstrdup(s, len);
	return psprintf("%.*s...", pg_mbcliplen(s, len, SCRIPT_TEXT_MAX), s);
}

/*
 * Report a syntax error position as a position in (a window of) the
 * statement, like SPI does, instead of in the caller's query.
 */
static void
report_position(const char *text, int len, int rel)
{
	int			start = 0;
	int			end = len;
	StringInfoData buf;

	rel = Max(0, Min(rel, len));
	if (len > SCRIPT_TEXT_MAX)
	{
		start = pg_mbcliplen(text, len, Max(0, rel - SCRIPT_TEXT_MAX / 2));
		end = start + pg_mbcliplen(text + start, len - start, SCRIPT_TEXT_MAX);
	}
	initStringInfo(&buf);
	if (start > 0)
		appendStringInfoString(&buf, "...");
	appendBinaryStringInfo(&buf, text + start, end - start);
	if (end < len)
		appendStringInfoString(&buf, "...");
	errposition(0);
	internalerrposition((start > 0 ? 3 : 0) +
						pg_mbstrlen_with_len(text + start, rel - start) + 1);
	internalerrquery(buf.data);
}

static void
script_error_callback(void *arg)
{
	ScriptState *st = (ScriptState *) arg;
	int			pos = geterrposition();

	if (st->phase == SCRIPT_SCANNING)
	{
		/* a scanner error: an unterminated literal, comment or quote */
		int			number = st->number + 1;

		if (pos > 0)
		{
			int			at = char_to_byte(st->sql, st->sql_len, pos - 1);
			int			from = st->start_offset >= 0 ? st->start_offset : at;

			report_position(st->sql + from, st->sql_len - from, at - from);
			errcontext("%s, statement %d near line %d",
					   st->opts->context, number, line_at(st, at));
		}
		else
			errcontext("%s, statement %d", st->opts->context, number);
		return;
	}

	if (pos > 0)
	{
		/* a syntax error, or an error an analysis step placed in the text */
		int			at = char_to_byte(st->piece, st->piece_len, pos - 1);
		int			from = st->text_offset;

		if (at < from || at > from + st->text_len)
			from = 0;
		report_position(st->piece + from,
						from ? st->text_len : st->piece_len, at - from);
		errcontext("%s, statement %d near line %d", st->opts->context,
				   st->number,
				   st->piece_line + count_newlines(st->piece, at));
		return;
	}
	errcontext("SQL statement \"%s\"",
			   cut_text(st->piece + st->text_offset, st->text_len));
	errcontext("%s, statement %d at line %d", st->opts->context,
			   st->number, st->line);
}

/* Statements that cannot run inside migrate, refused before they start. */
static void
check_statement(ScriptState *st, Node *stmt)
{
	if (IsA(stmt, TransactionStmt))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s contains transaction control", st->opts->label),
				 errdetail("migrate runs every revision inside the caller's transaction, so BEGIN, COMMIT, ROLLBACK and SAVEPOINT cannot appear in a revision."),
				 errhint("Remove the statement from the revision; to split the work, write several revisions.")));
	if (IsA(stmt, CopyStmt) && ((CopyStmt *) stmt)->filename == NULL)
	{
		bool		from = ((CopyStmt *) stmt)->is_from;

		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s uses COPY %s", st->opts->label,
						from ? "FROM STDIN" : "TO STDOUT"),
				 errdetail("A revision body runs inside the server, with no client to %s.",
						   from ? "read the rows from" : "send the rows to"),
				 from ?
				 errhint("Write the rows as INSERT statements, or COPY from a file on the server, or load them outside migrate.") :
				 errhint("Write the rows into a table, or run the COPY outside migrate.")));
	}
}

/* Analyze, plan and run one statement; its rows go nowhere. */
static void
run_statement(ScriptState *st, RawStmt *raw)
{
	DestReceiver *dest = CreateDestReceiver(DestNone);
	List	   *queries;
	List	   *plans;
	ListCell   *lc;

	check_statement(st, raw->stmt);

	/* the statement must see what the ones before it did */
	CommandCounterIncrement();
	queries = pg_analyze_and_rewrite_fixedparams(raw, st->piece, NULL, 0, NULL);
	plans = pg_plan_queries(queries, st->piece, CURSOR_OPT_PARALLEL_OK, NULL);

	foreach(lc, plans)
	{
		PlannedStmt *stmt = lfirst_node(PlannedStmt, lc);

		CommandCounterIncrement();
		PushActiveSnapshot(GetTransactionSnapshot());
		if (stmt->utilityStmt == NULL)
		{
			QueryDesc  *qd = CreateQueryDesc(stmt, st->piece, GetActiveSnapshot(),
											 InvalidSnapshot, dest, NULL, NULL, 0);

			ExecutorStart(qd, 0);
#if PG_VERSION_NUM >= 180000
			ExecutorRun(qd, ForwardScanDirection, 0);
#else
			ExecutorRun(qd, ForwardScanDirection, 0, true);
#endif
			ExecutorFinish(qd);
			ExecutorEnd(qd);
			FreeQueryDesc(qd);
		}
		else
			ProcessUtility(stmt, st->piece, false, PROCESS_UTILITY_QUERY,
						   NULL, NULL, dest, NULL);
		PopActiveSnapshot();
	}
}

/* Parse the piece and run its statements, each in a fresh exec_cxt. */
static void
run_piece(ScriptState *st, MemoryContext exec_cxt)
{
	List	   *raws;
	ListCell   *lc;

	st->phase = SCRIPT_PIECE;
	st->text_offset = 0;
	st->text_len = st->piece_len;
	st->number++;				/* taken back if the piece holds no statement */
	st->line = st->piece_line;
	last_number = st->number;
	last_line = st->line;
	raws = raw_parser(st->piece, RAW_PARSE_DEFAULT);
	st->number--;

	foreach(lc, raws)
	{
		RawStmt    *raw = lfirst_node(RawStmt, lc);
		int			off = raw->stmt_location;
		int			len = raw->stmt_len ? raw->stmt_len : st->piece_len - off;
		MemoryContext old;

		/* a statement after the first in a piece starts after its semicolon */
		while (len > 0 && scanner_isspace(st->piece[off]))
			off++, len--;
		while (len > 0 && scanner_isspace(st->piece[off + len - 1]))
			len--;
		st->number++;
		st->text_offset = off;
		st->text_len = len;
		st->line = st->piece_line + count_newlines(st->piece, off);
		last_number = st->number;
		last_line = st->line;

		MemoryContextReset(exec_cxt);
		old = MemoryContextSwitchTo(exec_cxt);
		run_statement(st, raw);
		MemoryContextSwitchTo(old);
	}
}

/* Is the word at s (an unquoted identifier or keyword) this one? */
static bool
word_is(const char *s, int len, const char *word)
{
	int			n = strlen(word);

	if (len < n || pg_strncasecmp(s, word, n) != 0)
		return false;
	return len == n || !(isalnum((unsigned char) s[n]) || s[n] == '_' ||
						 s[n] == '$' || IS_HIGHBIT_SET(s[n]));
}

/*
 * Run a body: every statement in order, inside a GUC nest level of its own.
 * Errors propagate; the caller's (sub)transaction abort then cleans up.
 */
void
script_run(const char *sql, const ScriptOptions *opts)
{
	ScriptState st;
	ErrorContextCallback errcb;
	MemoryContext body_cxt;
	MemoryContext piece_cxt;
	MemoryContext exec_cxt;
	MemoryContext oldcxt;
	core_yy_extra_type yyextra;
	core_yyscan_t scanner;
	int			nestlevel;
	bool		done = false;

	memset(&st, 0, sizeof(st));
	st.sql = sql;
	st.sql_len = strlen(sql);
	st.opts = opts;
	st.counted_line = 1;
	st.start_offset = -1;
	last_number = 0;
	last_line = 0;

	nestlevel = NewGUCNestLevel();
	if (opts->lock_timeout > 0)
	{
		char		value[32];

		snprintf(value, sizeof(value), "%d", opts->lock_timeout);
		(void) set_config_option("lock_timeout", value, PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	}

	body_cxt = AllocSetContextCreate(CurrentMemoryContext, "migrate body",
									 ALLOCSET_DEFAULT_SIZES);
	piece_cxt = AllocSetContextCreate(body_cxt, "migrate body statement text",
									  ALLOCSET_DEFAULT_SIZES);
	exec_cxt = AllocSetContextCreate(body_cxt, "migrate body statement",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(body_cxt);

	errcb.callback = script_error_callback;
	errcb.arg = &st;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	scanner = scanner_init(sql, &yyextra, &ScanKeywords, ScanKeywordTokens);
	while (!done)
	{
		int			start = -1;
		int			end = st.sql_len;
		int			paren = 0;
		int			begin_depth = 0;
		int			words = 0;
		char		first[4] = {0, 0, 0, 0};

		CHECK_FOR_INTERRUPTS();
		/* token values the scanner allocates live until the piece is done */
		MemoryContextReset(piece_cxt);
		MemoryContextSwitchTo(piece_cxt);
		st.phase = SCRIPT_SCANNING;
		st.start_offset = -1;

		/*
		 * Split with the settings the parser will use for this statement (a
		 * body may change them); the parser gives the warnings, not the split.
		 */
		yyextra.backslash_quote = backslash_quote;
		yyextra.standard_conforming_strings = standard_conforming_strings;
		yyextra.escape_string_warning = false;

		for (;;)
		{
			core_YYSTYPE lval;
			YYLTYPE		loc;
			int			token = core_yylex(&lval, &loc, scanner);
			const char *s = sql + loc;
			int			wlen = 0;

			if (token == 0)
			{
				done = true;
				break;
			}
			if (start < 0)
				start = st.start_offset = loc;
			if (token == ';' && paren <= 0 && begin_depth == 0)
			{
				end = loc;
				break;
			}
			if (token == '(')
			{
				paren++;
				continue;
			}
			if (token == ')')
			{
				paren--;
				continue;
			}
			if (!(isalpha((unsigned char) *s) || *s == '_' || IS_HIGHBIT_SET(*s)))
				continue;

			/*
			 * psql's rule (psqlscan.l): in CREATE [OR REPLACE] FUNCTION or
			 * PROCEDURE, BEGIN ... END (counting CASE ... END inside) holds
			 * a SQL-standard body whose semicolons end no statement.
			 */
			while (loc + wlen < st.sql_len &&
				   (isalnum((unsigned char) s[wlen]) || s[wlen] == '_' ||
					s[wlen] == '$' || IS_HIGHBIT_SET(s[wlen])))
				wlen++;
			if (words < 4 &&
				(word_is(s, wlen, "create") || word_is(s, wlen, "or") ||
				 word_is(s, wlen, "replace") || word_is(s, wlen, "function") ||
				 word_is(s, wlen, "procedure")))
				first[words] = pg_tolower((unsigned char) *s);
			words++;
			if (paren == 0 && first[0] == 'c' &&
				(first[1] == 'f' || first[1] == 'p' ||
				 (first[1] == 'o' && first[2] == 'r' &&
				  (first[3] == 'f' || first[3] == 'p'))))
			{
				if (word_is(s, wlen, "begin"))
					begin_depth++;
				else if (word_is(s, wlen, "case") && begin_depth > 0)
					begin_depth++;
				else if (word_is(s, wlen, "end") && begin_depth > 0)
					begin_depth--;
			}
		}

		if (start < 0)
			break;				/* only blanks and comments were left */
		while (end > start && scanner_isspace(sql[end - 1]))
			end--;
		if (end == start)
			continue;			/* an empty statement: a lone semicolon */

		st.piece = pnstrdup(sql + start, end - start);
		st.piece_len = end - start;
		st.piece_line = line_at(&st, start);
		run_piece(&st, exec_cxt);
	}
	scanner_finish(scanner);

	/* like extension.c: let whatever follows see the last statement's work */
	CommandCounterIncrement();

	error_context_stack = errcb.previous;
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(body_cxt);

	/*
	 * Undo every setting the body changed.  extension.c commits its nest
	 * level (isCommit = true), which lets a plain SET in a script outlive it;
	 * here SET and SET LOCAL alike end with the body, so that a revision
	 * cannot change the session or the revisions applied after it.
	 */
	AtEOXact_GUC(false, nestlevel);
}
