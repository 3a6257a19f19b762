/* app.h — what the front-ends (CLI and server) share: opening a database
 * with every module's schema brought up to date, in dependency order.  A new
 * feature module adds its tb_module to the list in app.c. */
#ifndef TB_APP_APP_H
#define TB_APP_APP_H

#include "db/db.h"
#include "db/resource.h"
#include "db/schema.h"

/* NULL-terminated, in migration order: core, registry, auth, duty … */
extern const tb_module *const tb_app_modules[];
/* Every described resource of every module, NULL-terminated, and lookup by
 * name (for routes, OGC collections, tiles, /api/schema). */
const tb_resource *const *tb_app_resource_list(void);
#define tb_app_resources (tb_app_resource_list())
const tb_resource *tb_app_resource(const char *name);

/* The layers a file may be imported into — the same list for the CLI's
 * `import --layer` and POST /api/import — NULL-terminated, and the
 * resource of one of them (NULL when the layer is not importable). */
extern const char *const tb_app_import_layers[];
const tb_resource *tb_app_import_resource(const char *layer);

/* Open an existing database and migrate every module (read-write). */
int tb_app_open(const char *path, tb_db **out, tb_err *e);
/* Migrate every module of an open database. */
int tb_app_migrate(tb_db *db, const char *actor, tb_err *e);

#endif
