/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Reading and writing the extension's tables (schema "migrate").
 *
 * Every function here expects the caller to be connected to SPI.  Catalog
 * queries run as the owner of the tables with search_path pinned to
 * pg_catalog, so neither the caller's privileges nor objects planted in the
 * caller's search_path affect them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_CATALOG_H
#define MIGRATE_CATALOG_H

#include "graph.h"
#include "utils/array.h"		/* ArrayType, used below; 17+ no longer pulls it in */

/* what migrate_revision() registers */
typedef struct RevisionDef
{
	char	   *revision;
	ArrayType  *down_revision;	/* text[], never NULL */
	ArrayType  *depends_on;
	ArrayType  *branch_labels;
	char	   *upgrade;
	char	   *downgrade;
	char	   *message;
	bool		transactional;	/* false: statements run one by one (nontx.c) */
} RevisionDef;

/* one step as it is to be logged */
typedef struct StepRecord
{
	int			rev;
	TimestampTz at;
	int64		usecs;
} StepRecord;

/* catalog_graph() for a caller that does not hold the state lock */
#define CATALOG_UNLOCKED (-1)

extern void catalog_init(void);
extern int64 catalog_lock_state(void);
extern Graph *catalog_graph(int64 locked_generation);
extern void catalog_graph_changed(void);
extern void catalog_wrote(void);
extern void catalog_bump_generation(void);
extern char **catalog_read_bodies(Graph *g, List *steps, bool upgrade,
								   bool nontx_only, bool *transactional);
extern void catalog_record_steps(Graph *g, StepRecord *records, int n,
								 bool upgrade, bool stamped, const char *role);
extern bool catalog_register(const RevisionDef *def);
extern Name catalog_caller_name(void);
extern void catalog_vouch(Datum revision, Datum caller_name);
extern void catalog_forget(const char *revision);
extern bool catalog_has_table(const char *name);

/*
 * Running catalog queries as the owner of the tables, with search_path
 * pinned: for the other files that read or write migrate's tables.
 */
typedef struct CatalogAccess
{
	Oid			saved_userid;
	int			saved_sec_context;
	int			guc_nestlevel;
} CatalogAccess;

extern int	catalog_pin_search_path(void);
extern void catalog_enter(CatalogAccess *ca);
extern void catalog_leave(CatalogAccess *ca);
extern void catalog_check_spi(int rc, int expected, const char *what);

#endif							/* MIGRATE_CATALOG_H */
