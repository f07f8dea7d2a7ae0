/*-------------------------------------------------------------------------
 *
 * setting.h
 *	  Configured values of migrate's settings survive a lazy library load.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_SETTING_H
#define MIGRATE_SETTING_H

#include "nodes/pg_list.h"

extern List *setting_placeholders(const char *prefix);
extern void setting_keep_configured(List *placeholders);

#endif							/* MIGRATE_SETTING_H */
