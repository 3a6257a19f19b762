/* schema.h — schema versioning.  Each part of tianbao (the core, the
 * registry, later duty, usecontrol …) is a module with an ordered list of
 * migration steps; tb_meta remembers how far each module's schema has got.
 * Every step runs in its own transaction and logs one event. */
#ifndef TB_DB_SCHEMA_H
#define TB_DB_SCHEMA_H

#include "db/db.h"

typedef struct tb_migration {
	int version;      /* 1, 2, 3 … in order                  */
	const char *what; /* one line for the event and the log   */
	int (*apply)(tb_db *db, tb_err *e);
} tb_migration;

typedef struct tb_module {
	const char *name;
	const tb_migration *steps;
	int nsteps;
} tb_module;

/* The current schema version of a module (0 when never migrated). */
int tb_schema_version(tb_db *db, const char *module);
/* Apply the module's pending steps. */
int tb_schema_migrate(tb_db *db, const tb_module *m, const char *actor, tb_err *e);
/* The core module: GeoPackage metadata, event log, settings, code lists. */
extern const tb_module tb_core_module;

#endif
