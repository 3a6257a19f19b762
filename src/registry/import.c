/* import.c — a bureau's GIS file into the registry as one operation (the
 * CLI's `import` and POST /api/import both call tb_registry_import): the
 * registry's checks see one context loaded once, and derived data — the
 * key-zone area of every parcel after key zones change — is recomputed
 * inside the import's transaction and recorded in its one event. */
#include "registry/registry.h"

#include "io/gis.h"

#include <string.h>

/* Key zones changed: every parcel's key_zone_ha, before the event. */
static int zones_changed(tb_db *db, void *user, json_t *derived, tb_err *e)
{
	(void)user;
	int64_t n = 0;
	int rc = tb_registry_recompute_zones(db, &n, e);
	if (!rc) json_object_set_new(derived, "key_zone_parcels", json_integer(n));
	return rc;
}

int tb_registry_import(tb_db *db, const tb_resource *r, tb_import_opts *o, tb_import_report *rep,
		       tb_errlist *errs, tb_err *e)
{
	memset(rep, 0, sizeof *rep);
	tb_registry_ctx *cx = tb_registry_ctx_new(db, e);
	if (!cx) return e->code ? e->code : TB_EINTERNAL;
	o->user = cx;
	o->before_commit = r == &tb_zones ? zones_changed : NULL;
	int rc = tb_import(db, r, o, rep, errs, e);
	o->user = NULL;
	tb_registry_ctx_free(cx);
	return rc;
}
