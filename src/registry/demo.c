/* demo.c — loading the demo district (see demo.h): schematic town and
 * village outlines onto the official divisions, village-collective units,
 * key zones, then the parcels, all through the same writers and hooks as
 * any import, so the demo obeys every rule real data does. */
#include "registry/demo.h"

#include "db/event.h"
#include "db/gpkg.h"
#include "registry/demo_gen.h"
#include "registry/regctx.h"

#include <stdio.h>
#include <string.h>

static int outline_divisions(tb_db *db, tb_write_ctx *cx, tb_demo_feature *f, size_t n, tb_err *e)
{
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		const char *code = json_string_value(json_object_get(f[i].props, "code"));
		json_t *old = NULL;
		rc = tb_record_get_by_key(db, &tb_divisions, code, &old, NULL, e);
		if (rc) break;
		char name[96];
		snprintf(name, sizeof name, "division %s", code);
		tb_record rec = {.props = json_pack("{s:b}", "schematic", 1), .name = name,
				 .fid = json_integer_value(json_object_get(old, "fid")),
				 .geom = GEOSGeom_clone_r(tb_geos(), f[i].geom)};
		rc = tb_record_update(db, &tb_divisions, &rec, 0, cx, e);
		if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
		json_decref(rec.props);
		json_decref(old);
	}
	return rc;
}

static int insert_all(tb_db *db, tb_write_ctx *cx, const tb_resource *r, tb_demo_feature *f,
		      size_t n, json_t *codes, tb_err *e)
{
	tb_writer *w = tb_writer_new(db, r, cx, e);
	if (!w) return e->code ? e->code : TB_EDB;
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		char name[96];
		snprintf(name, sizeof name, "demo %s %zu", r->name, i + 1);
		tb_record rec = {.props = json_deep_copy(f[i].props), .name = name,
				 .geom = f[i].geom ? GEOSGeom_clone_r(tb_geos(), f[i].geom) : NULL};
		rc = tb_writer_insert(w, &rec, NULL, e);
		if (!rc && codes) json_array_append(codes, json_object_get(rec.props, "code"));
		if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
		json_decref(rec.props);
	}
	tb_writer_free(w);
	return rc;
}

static int insert_units(tb_db *db, tb_write_ctx *cx, json_t *units, tb_err *e)
{
	tb_writer *w = tb_writer_new(db, &tb_units, cx, e);
	if (!w) return e->code ? e->code : TB_EDB;
	int rc = 0;
	size_t i;
	json_t *u;
	json_array_foreach(units, i, u)
	{
		if (rc) break;
		tb_record rec = {.props = json_deep_copy(u), .name = "demo unit"};
		rc = tb_writer_insert(w, &rec, NULL, e);
		json_decref(rec.props);
	}
	tb_writer_free(w);
	return rc;
}

static int load(tb_db *db, tb_write_ctx *cx, tb_demo_set *s, tb_err *e)
{
	tb_registry_ctx *rcx = cx->user;
	int rc = outline_divisions(db, cx, s->towns, s->ntowns, e);
	if (!rc) rc = outline_divisions(db, cx, s->villages, s->nvillages, e);
	if (!rc) rc = insert_units(db, cx, s->units, e);
	if (!rc) rc = insert_all(db, cx, &tb_zones, s->zones, s->nzones, NULL, e);
	/* the context was loaded before the units and zones existed */
	tb_registry_ctx_free(rcx);
	cx->user = rcx = rc ? NULL : tb_registry_ctx_new(db, e);
	if (!rc && !rcx) rc = e->code ? e->code : TB_EINTERNAL;
	if (!rc) rc = insert_all(db, cx, &tb_parcels, s->parcels, s->nparcels, cx->parcels, e);
	if (!rc) rc = tb_gpkg_touch(db, "parcels", "geom", e);
	if (!rc) rc = tb_gpkg_touch(db, "zones", "geom", e);
	if (!rc) rc = tb_gpkg_touch(db, "divisions", "geom", e);
	return rc;
}

int tb_demo_load(tb_db *db, const tb_actor *who, uint64_t seed, tb_err *e)
{
	double target = tb_setting_num(db, "target_ha", 5565.1);
	tb_demo_set s = {0};
	int rc = tb_demo_generate(seed, target, &s, e);
	if (rc) return rc;
	tb_write_ctx cx = {.actor = who, .parcels = json_array(),
			   .cause = "Jizhou demo district (synthetic parcels, schematic outlines)"};
	rc = tb_db_begin(db, e);
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc && !(cx.user = tb_registry_ctx_new(db, e))) rc = e->code ? e->code : TB_EINTERNAL;
	if (!rc) rc = load(db, &cx, &s, e);
	if (!rc) {
		json_t *p = json_pack("{s:I,s:I,s:I,s:I,s:f,s:s}", "seed", (json_int_t)seed, "parcels",
				      (json_int_t)s.nparcels, "zones", (json_int_t)s.nzones, "towns",
				      (json_int_t)s.ntowns, "target_ha", target, "cause", cx.cause);
		tb_event_in ev = {.actor = who->login, .role = who->role, .action = "demo.load",
				  .entity = "parcels", .parcels = cx.parcels, .payload = p};
		rc = tb_event_append(db, &ev, NULL, e);
		json_decref(p);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	tb_registry_ctx_free(cx.user);
	json_decref(cx.parcels);
	tb_demo_free(&s);
	return rc;
}
