/*-------------------------------------------------------------------------
 *
 * fingerprint.c
 *	  The schema's fingerprint: the md5 of migrate.schema_description(),
 *	  its lines joined by newlines, hashed line by line as the executor
 *	  produces them.
 *
 * The fingerprint was md5(string_agg(line, E'\n')): the whole description
 * as one string, so a few large comments (which any table owner may write)
 * made every migrate_upgrade() and migrate_status() fail with "out of
 * memory" once the description passed 1 GB.  Here the description's rows go
 * to a DestReceiver that feeds each one to an incremental md5 and keeps
 * nothing, so the memory needed is that of the longest line, not of the
 * description.  The bytes hashed, and so the digest, are those of
 * md5(string_agg(...)): fingerprints stored by earlier versions stay
 * comparable.  (schema_description() itself keeps its lines short: a long
 * comment is described by its md5.)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/cryptohash.h"
#include "common/md5.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "tcop/dest.h"
#include "utils/builtins.h"

#include "fingerprint.h"

typedef struct HashReceiver
{
	DestReceiver pub;
	pg_cryptohash_ctx *md5;
	bool		first;			/* no line hashed yet */
} HashReceiver;

static void
md5_feed(pg_cryptohash_ctx *md5, const char *data, size_t len)
{
	if (pg_cryptohash_update(md5, (const uint8 *) data, len) < 0)
		elog(ERROR, "could not compute the schema fingerprint: %s",
			 pg_cryptohash_error(md5));
}

/* One line of the description: the separator, then the line. */
static bool
line_receive(TupleTableSlot *slot, DestReceiver *self)
{
	HashReceiver *r = (HashReceiver *) self;
	bool		isnull;
	Datum		value = slot_getattr(slot, 1, &isnull);
	text	   *line;

	/* string_agg skips a NULL, separator and all */
	if (isnull)
		return true;
	line = DatumGetTextPP(value);
	if (!r->first)
		md5_feed(r->md5, "\n", 1);
	md5_feed(r->md5, VARDATA_ANY(line), VARSIZE_ANY_EXHDR(line));
	r->first = false;
	if ((Pointer) line != DatumGetPointer(value))
		pfree(line);
	return true;
}

static void
line_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
line_shutdown(DestReceiver *self)
{
}

static void
line_destroy(DestReceiver *self)
{
}

/*
 * The fingerprint of the schema as the current snapshot sees it, as 32 hex
 * digits, in the caller's memory context (SPI is connected here, and
 * finished before returning).
 */
text *
fingerprint_schema(void)
{
	HashReceiver r;
	SPIExecuteOptions options;
	uint8		digest[MD5_DIGEST_LENGTH];
	char		hex[2 * MD5_DIGEST_LENGTH + 1];
	static const char digits[] = "0123456789abcdef";
	int			rc;

	memset(&r, 0, sizeof(r));
	r.pub.receiveSlot = line_receive;
	r.pub.rStartup = line_startup;
	r.pub.rShutdown = line_shutdown;
	r.pub.rDestroy = line_destroy;
	/* SPI reports a SELECT sent elsewhere than SPI_tuptable as a utility */
	r.pub.mydest = DestNone;
	r.first = true;
	/* released by the resource owner if anything below fails */
	r.md5 = pg_cryptohash_create(PG_MD5);
	if (pg_cryptohash_init(r.md5) < 0)
		elog(ERROR, "could not compute the schema fingerprint: %s",
			 pg_cryptohash_error(r.md5));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	memset(&options, 0, sizeof(options));
	options.read_only = true;
	options.dest = &r.pub;
	/* the function pins its own search_path and settings */
	rc = SPI_execute_extended("SELECT line FROM migrate.schema_description() line", &options);
	if (rc != SPI_OK_UTILITY && rc != SPI_OK_SELECT)
		elog(ERROR, "reading the schema description failed: %s", SPI_result_code_string(rc));
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");

	if (pg_cryptohash_final(r.md5, digest, sizeof(digest)) < 0)
		elog(ERROR, "could not compute the schema fingerprint: %s",
			 pg_cryptohash_error(r.md5));
	pg_cryptohash_free(r.md5);

	for (int i = 0; i < MD5_DIGEST_LENGTH; i++)
	{
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 0x0f];
	}
	hex[2 * MD5_DIGEST_LENGTH] = '\0';
	return cstring_to_text(hex);
}
