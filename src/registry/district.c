/* district.c — creating and opening a district database: the schema of the
 * registry module, and the district configuration (name, code, the §2
 * target, outline, towns and villages, units) loaded from data/district.json
 * so that another county adopts tianbao by changing data, not code. */
#include "registry/registry.h"

#include "base/csv.h"
#include "base/data.h"
#include "db/event.h"
#include "db/gpkg.h"
#include "registry/regctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int registry_v1(tb_db *db, tb_err *e)
{
	for (int i = 0; tb_registry_resources[i]; i++) {
		int rc = tb_resource_create(db, tb_registry_resources[i], e);
		if (rc) return rc;
	}
	return 0;
}

static const tb_migration registry_steps[] = {
	{1, "registry: divisions, units, parcels, key zones, area ledger", registry_v1},
};

const tb_module tb_registry_module = {"registry", registry_steps, 1};

int tb_registry_open(const char *path, bool readonly, tb_db **out, tb_err *e)
{
	int rc = tb_db_open(path, readonly ? TB_DB_READONLY : 0, out, e);
	if (rc || readonly) return rc;
	rc = tb_schema_migrate(*out, &tb_core_module, "system", e);
	if (!rc) rc = tb_schema_migrate(*out, &tb_registry_module, "system", e);
	if (rc) {
		tb_db_close(*out);
		*out = NULL;
	}
	return rc;
}

/* The first geometry of a GeoJSON file (Feature, FeatureCollection or bare
 * geometry), read with GEOS's GeoJSON reader. */
static GEOSGeometry *read_outline(const char *rel, tb_err *e)
{
	size_t n;
	char *text = tb_data_read(rel, &n);
	if (!text) {
		tb_err_set(e, TB_EINPUT, rel, NULL, "district outline file is missing");
		return NULL;
	}
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je), *geom = doc;
	free(text);
	if (!doc) {
		tb_err_set(e, TB_EINPUT, rel, NULL, "not JSON: %s (line %d)", je.text, je.line);
		return NULL;
	}
	json_t *first = json_array_get(json_object_get(doc, "features"), 0);
	if (json_is_object(first)) geom = json_object_get(first, "geometry");
	else if (json_object_get(doc, "geometry")) geom = json_object_get(doc, "geometry");
	GEOSGeometry *g = tb_geom_from_geojson(geom, NULL, NULL);
	json_decref(doc);
	if (!g) tb_err_set(e, TB_EINPUT, rel, "geometry", "not a GeoJSON polygon: %s", tb_geos_last_error());
	return g;
}

/* The district's own row gets the outline. */
static int set_outline(tb_db *db, tb_write_ctx *cx, const char *code, GEOSGeometry *outline, tb_err *e)
{
	json_t *row = NULL;
	int rc = tb_record_get_by_key(db, &tb_divisions, code, &row, NULL, e);
	if (rc) return tb_err_set(e, TB_EINPUT, "divisions", "code",
				  "the divisions file has no row for the district %s", code);
	tb_record rec = {.props = json_object(), .geom = GEOSGeom_clone_r(tb_geos(), outline),
			 .fid = json_integer_value(json_object_get(row, "fid")), .name = "district outline"};
	rc = tb_record_update(db, &tb_divisions, &rec, 0, cx, e);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	json_decref(rec.props);
	json_decref(row);
	return rc;
}

static int apply_settings(tb_db *db, const json_t *cfg, tb_err *e)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%.4f", json_number_value(json_object_get(cfg, "target_ha")));
	int rc = tb_setting_set(db, "target_ha", buf, e);
	if (!rc) rc = tb_setting_set(db, "district_code", json_string_value(json_object_get(cfg, "code")), e);
	if (!rc) rc = tb_setting_set(db, "district_name", json_string_value(json_object_get(cfg, "name")), e);
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(cfg, "settings"), k, v)
	{
		if (rc) break;
		if (json_is_string(v)) rc = tb_setting_set(db, k, json_string_value(v), e);
		else {
			snprintf(buf, sizeof buf, "%g", json_number_value(v));
			rc = tb_setting_set(db, k, buf, e);
		}
	}
	return rc;
}

static int configure(tb_db *db, const char *actor, tb_err *e)
{
	size_t n;
	char *text = tb_data_read("district.json", &n);
	json_error_t je;
	json_t *cfg = text ? json_loads(text, 0, &je) : NULL;
	free(text);
	if (!cfg) return tb_err_set(e, TB_EINPUT, "district.json", NULL, "missing or malformed");
	const char *code = json_string_value(json_object_get(cfg, "code"));
	if (!code || !json_is_number(json_object_get(cfg, "target_ha"))) {
		json_decref(cfg);
		return tb_err_set(e, TB_EINPUT, "district.json", !code ? "code" : "target_ha", "required value is missing");
	}
	tb_actor who = {actor, "admin"};
	tb_write_ctx cx = {.actor = &who};
	int64_t ndiv = 0, nunit = 0;
	GEOSGeometry *outline = read_outline(json_string_value(json_object_get(cfg, "outline")), e);
	int rc = outline ? tb_db_begin(db, e) : TB_EINPUT;
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc) rc = apply_settings(db, cfg, e);
	if (!rc) rc = tb_load_csv(db, &cx, &tb_divisions, json_string_value(json_object_get(cfg, "divisions")),
				  &ndiv, e);
	if (!rc) rc = set_outline(db, &cx, code, outline, e);
	if (!rc) rc = tb_load_csv(db, &cx, &tb_units, json_string_value(json_object_get(cfg, "units")), &nunit, e);
	if (!rc) rc = tb_gpkg_touch(db, "divisions", "geom", e);
	if (!rc) {
		json_t *p = json_pack("{s:O,s:I,s:I}", "district", cfg, "divisions", (json_int_t)ndiv,
				      "units", (json_int_t)nunit);
		tb_event_in ev = {.actor = actor, .role = "admin", .action = "district.configure",
				  .entity = "divisions", .entity_id = code, .payload = p};
		rc = tb_event_append(db, &ev, NULL, e);
		json_decref(p);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	if (outline) GEOSGeom_destroy_r(tb_geos(), outline);
	json_decref(cfg);
	return rc;
}

int tb_registry_init(const char *path, const char *actor, tb_db **out, tb_err *e)
{
	int rc = tb_db_open(path, TB_DB_CREATE | TB_DB_MUST_BE_NEW, out, e);
	if (rc) return rc;
	rc = tb_schema_migrate(*out, &tb_core_module, actor, e);
	if (!rc) rc = tb_schema_migrate(*out, &tb_registry_module, actor, e);
	if (!rc) rc = configure(*out, actor, e);
	if (rc) {
		tb_db_close(*out);
		*out = NULL;
		remove(path);
		char side[4096];
		snprintf(side, sizeof side, "%s-wal", path);
		remove(side);
		snprintf(side, sizeof side, "%s-shm", path);
		remove(side);
	}
	return rc;
}

int tb_registry_recompute_zones(tb_db *db, int64_t *changed, tb_err *e)
{
	if (changed) *changed = 0;
	tb_registry_ctx *cx = tb_registry_ctx_new(db, e);
	if (!cx) return e->code ? e->code : TB_EINTERNAL;
	tb_stmt *sel, *upd;
	int rc = tb_db_prepare(db, "SELECT fid, geom, key_zone_ha FROM parcels", &sel, e);
	if (!rc) rc = tb_db_prepare(db, "UPDATE parcels SET key_zone_ha=? WHERE fid=?", &upd, e);
	if (rc) goto out;
	GEOSContextHandle_t h = tb_geos();
	while (tb_stmt_step(sel) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(sel, 1);
		double kz = 0;
		if (g && cx->zones_p && GEOSPreparedIntersects_r(h, cx->zones_p, g) == 1) {
			GEOSGeometry *x = GEOSIntersection_r(h, g, cx->zones);
			kz = x ? tb_round4(tb_area_ha(x)) : 0;
			if (x) GEOSGeom_destroy_r(h, x);
		}
		if (g) GEOSGeom_destroy_r(h, g);
		if (tb_col_type(sel, 2) != TB_COL_NULL && tb_col_double(sel, 2) == kz) continue;
		if (changed) ++*changed;
		tb_bind_double(upd, 1, kz);
		tb_bind_int64(upd, 2, tb_col_int64(sel, 0));
		if (tb_stmt_step(upd) != TB_DONE) rc = tb_db_error(db, e, "parcels key_zone_ha");
		tb_stmt_reset(upd);
		if (rc) break;
	}
	tb_stmt_finalize(upd);
out:
	tb_stmt_finalize(sel);
	tb_registry_ctx_free(cx);
	return rc;
}
