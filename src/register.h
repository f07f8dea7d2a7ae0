/*-------------------------------------------------------------------------
 *
 * register.h
 *	  Checking the arguments of migrate_revision() and migrate_forget(),
 *	  and amending registered revisions (amend.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_REGISTER_H
#define MIGRATE_REGISTER_H

#include "catalog.h"

extern void register_check_id(const char *revision);
extern void register_check_def(RevisionDef *def);
extern bool register_body_is_blank(const char *body);
extern void register_warn_one_way(const char *revision, const char *upgrade,
								  const char *downgrade);

/* amend.c */
extern bool amend_revision(const char *revision, const char *upgrade,
						   const char *downgrade, const char *message);

#endif							/* MIGRATE_REGISTER_H */
