/*-------------------------------------------------------------------------
 *
 * trust.c
 *	  Whose SQL a deploy may run.
 *
 * Bodies run as the calling role, so whoever may register a revision could
 * otherwise run SQL as whoever deploys next (a superuser, say).  The rule:
 * a call applies or unapplies a body only when the role that registered it
 * (migrate.revision.registered_by, the registrant of the body stored now)
 * could have acted as the caller anyway, i.e. it is the caller or a member
 * of the caller's role (pg_has_role(registrant, caller, 'MEMBER'), which
 * superusers are of every role).  A registrant that no longer exists, as
 * after a restore into another cluster, is trusted by nobody, and so is the
 * unknown registrant of a revision registered before 1.2.  The whole
 * plan is checked before the first body runs.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "trust.h"

/* Could the role named registrant have acted as caller? */
bool
trust_registrant(const char *registrant, Oid caller)
{
	Oid			roleid = get_role_oid(registrant, true);

	return OidIsValid(roleid) && is_member_of_role(roleid, caller);
}

/*
 * Refuse the call, before anything runs, when a step's body was registered
 * by a role the caller does not trust.  Steps are reported in plan order:
 * the first untrusted one by name, the others by count.
 */
void
trust_check_steps(Graph *g, List *steps, bool upgrade)
{
	CatalogAccess ca;
	Oid			caller = GetUserId();
	Oid			argtypes[1] = {TEXTARRAYOID};
	Datum		values[1];
	char	  **registrants;
	int		   *pos;
	ListCell   *lc;
	uint64		i;
	int			n = 0,
				first = -1,
				untrusted = 0;
	int			rc;

	if (steps == NIL)
		return;
	registrants = palloc0(sizeof(char *) * list_length(steps));
	pos = palloc(sizeof(int) * Max(g->n, 1));
	foreach(lc, steps)
		pos[lfirst_int(lc)] = n++;
	values[0] = graph_ids_array(g, steps);

	catalog_enter(&ca);
	rc = SPI_execute_with_args("SELECT revision, registered_by FROM migrate.revision "
							   "WHERE revision OPERATOR(pg_catalog.=) ANY ($1)",
							   1, argtypes, values, NULL, false, 0);
	catalog_check_spi(rc, SPI_OK_SELECT, "reading registrants");
	catalog_leave(&ca);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		char	   *id = TextDatumGetCString(SPI_getbinval(SPI_tuptable->vals[i],
															SPI_tuptable->tupdesc, 1, &isnull));
		Datum		who = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull);

		registrants[pos[graph_lookup(g, id)]] = pstrdup(NameStr(*DatumGetName(who)));
	}
	SPI_freetuptable(SPI_tuptable);

	/* few distinct registrants: remember the last answer */
	{
		const char *last = NULL;
		bool		last_ok = false;
		int			k;

		for (k = 0; k < n; k++)
		{
			/*
			 * Only a dry run, which holds no lock, can plan a revision that
			 * another transaction has forgotten since: nothing runs it.
			 */
			if (registrants[k] == NULL)
				continue;
			if (last == NULL || strcmp(last, registrants[k]) != 0)
			{
				last = registrants[k];
				last_ok = trust_registrant(last, caller);
			}
			if (!last_ok)
			{
				if (first < 0)
					first = k;
				untrusted++;
			}
		}
	}
	if (first >= 0)
	{
		const char *rev = g->revs[list_nth_int(steps, first)].id;
		const char *who = registrants[first];
		const char *me = GetUserNameFromId(caller, false);
		bool		exists = OidIsValid(get_role_oid(who, true));

		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("revision \"%s\" was registered by role \"%s\", which role \"%s\" does not trust",
						rev, who, me),
				 exists ?
				 errdetail("Role \"%s\" is not a member of role \"%s\": running its %s as \"%s\" would let it act with privileges it does not have. Nothing was run.%s",
						   who, me, upgrade ? "upgrade" : "downgrade", me,
						   untrusted > 1 ? psprintf(" %d more steps of this call are untrusted.", untrusted - 1) : "") :
				 strcmp(who, TRUST_UNKNOWN_REGISTRANT) == 0 ?
				 errdetail("The revision was registered before migrate 1.2, which did not record who registered it. Nothing was run.%s",
						   untrusted > 1 ? psprintf(" %d more steps of this call are untrusted.", untrusted - 1) : "") :
				 errdetail("Role \"%s\" does not exist (it was dropped, or the revision was restored from another cluster). Nothing was run.%s",
						   who,
						   untrusted > 1 ? psprintf(" %d more steps of this call are untrusted.", untrusted - 1) : ""),
				 errhint("Review revision \"%s\" and register it again as role \"%s\" or a member of it: registering identical content takes it over.",
						 rev, me)));
	}
}
