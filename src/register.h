/*-------------------------------------------------------------------------
 *
 * register.h
 *	  Checking the arguments of migrate_revision() and migrate_forget().
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_REGISTER_H
#define MIGRATE_REGISTER_H

#include "catalog.h"

extern void register_check_id(const char *revision);
extern void register_check_def(RevisionDef *def);

#endif							/* MIGRATE_REGISTER_H */
