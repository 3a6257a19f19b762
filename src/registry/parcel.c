/* parcel.c — behaviour of 小班 (parcels) and key zones: the derived fields
 * (area in ha on the CGCS2000 ellipsoid, 天然林 flag, restoration class of
 * §3.3.1, area inside key zones of §3.1.1), the checks every parcel must pass
 * (valid geometry, inside the district, no overlap, known codes, canopy
 * consistent with 地类) and the area-ledger entries of §2. */
#include "registry/hooks.h"
#include "db/gpkg.h"

#include "db/write.h"
#include "db/codes.h"
#include "registry/regctx.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static double intersection_ha(const GEOSGeometry *a, const GEOSGeometry *b)
{
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *x = GEOSIntersection_r(h, a, b);
	double ha = x ? tb_area_ha(x) : 0;
	if (x) GEOSGeom_destroy_r(h, x);
	return ha;
}

/* Geometry: valid polygonal, stored as MultiPolygon. */
static int check_geometry(tb_record *rec, tb_err *e)
{
	if (!rec->geom)
		return tb_err_set(e, TB_EINPUT, rec->name, "geometry", "geometry is missing");
	if (tb_geom_check_polygonal(rec->geom, rec->name, e)) {
		snprintf(e->field, sizeof e->field, "geometry");
		return TB_EINPUT;
	}
	GEOSContextHandle_t h = tb_geos();
	if (GEOSGeomTypeId_r(h, rec->geom) == GEOS_POLYGON) {
		GEOSGeometry *m = tb_geom_to_multi(rec->geom);
		GEOSGeom_destroy_r(h, rec->geom);
		rec->geom = m;
	}
	return 0;
}

static int check_inside(tb_registry_ctx *cx, tb_record *rec, tb_err *e)
{
	if (!cx->outline_p || GEOSPreparedCovers_r(tb_geos(), cx->outline_p, rec->geom)) return 0;
	GEOSGeometry *out = GEOSDifference_r(tb_geos(), rec->geom, cx->outline);
	double ha = out ? tb_area_ha(out) : 0;
	if (out) GEOSGeom_destroy_r(tb_geos(), out);
	return tb_err_set(e, TB_EINPUT, rec->name, "geometry",
			  "outside the district %s: %.4f ha of %.4f ha lie beyond its outline "
			  "(tolerance %.0f m); check the coordinate system",
			  cx->district_name, ha, tb_area_ha(rec->geom), cx->tolerance_m);
}

/* Overlap with any other active parcel by more than the tolerance,
 * candidates from the GeoPackage R-tree. */
static int check_overlap(tb_db *db, tb_registry_ctx *cx, tb_record *rec, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(h, rec->geom, &x0);
	GEOSGeom_getYMin_r(h, rec->geom, &y0);
	GEOSGeom_getXMax_r(h, rec->geom, &x1);
	GEOSGeom_getYMax_r(h, rec->geom, &y1);
	static const char *sql =
		"SELECT p.code, p.geom FROM rtree_parcels_geom r JOIN parcels p ON p.fid=r.id"
		" WHERE r.maxx>=? AND r.minx<=? AND r.maxy>=? AND r.miny<=? AND p.fid<>?"
		" AND coalesce(p.status,'active')='active'";
	tb_stmt *st = tb_db_stmt(db, sql, e);
	int rc = st ? 0 : TB_EDB;
	if (rc) return rc;
	tb_bind_double(st, 1, x0);
	tb_bind_double(st, 2, x1);
	tb_bind_double(st, 3, y0);
	tb_bind_double(st, 4, y1);
	tb_bind_int64(st, 5, rec->fid);
	const GEOSPreparedGeometry *p = GEOSPrepare_r(h, rec->geom);
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(st, 1);
		if (g && GEOSPreparedIntersects_r(h, p, g) == 1 && !GEOSPreparedTouches_r(h, p, g)) {
			double ha = intersection_ha(rec->geom, g);
			if (ha > cx->overlap_ha)
				rc = tb_err_set(e, TB_EINPUT, rec->name, "geometry",
						"overlaps parcel %s by %.4f ha (more than %.2f ha allowed)",
						tb_col_text(st, 0), ha, cx->overlap_ha);
		}
		if (g) GEOSGeom_destroy_r(h, g);
	}
	GEOSPreparedGeom_destroy_r(h, p);
	tb_stmt_reset(st);
	return rc;
}

/* Short division codes, as many 一张图 files carry them (XIANG=104,
 * CUN=201), are completed from the parent code: the county (XIAN, else
 * the district) for a town, the town for a village.  A note says so. */
static void complete_codes(tb_registry_ctx *cx, tb_record *rec)
{
	const char *xian = str(rec->props, "xian");
	if (!xian || strlen(xian) != 6) xian = cx->district_code;
	static const struct { const char *field, *parent; size_t len, parent_len; } steps[] = {
		{"xiang", "xian", 3, 6}, {"cun", "xiang", 3, 9}};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const char *v = str(rec->props, steps[i].field);
		const char *parent = i == 0 ? xian : str(rec->props, steps[i].parent);
		if (!v || strlen(v) != steps[i].len || strspn(v, "0123456789") != steps[i].len || !parent ||
		    strlen(parent) != steps[i].parent_len)
			continue;
		char full[32], note[128];
		snprintf(full, sizeof full, "%s%s", parent, v);
		snprintf(note, sizeof note, "the short code %s was completed to %s from %s %s", v, full,
			 i == 0 ? "the county" : "the town", parent);
		if (json_is_array(rec->notes))
			json_array_append_new(rec->notes, json_pack("{s:s,s:s}", "field", steps[i].field, "note", note));
		json_object_set_new(rec->props, steps[i].field, json_string(full));
	}
}

/* Town, village and unit must be known; the village must lie in the town. */
static int check_codes(tb_registry_ctx *cx, tb_record *rec, tb_err *e)
{
	const char *xiang = str(rec->props, "xiang"), *cun = str(rec->props, "cun"),
		   *unit = str(rec->props, "unit_code");
	if (xiang && !json_object_get(cx->towns, xiang))
		return tb_err_set(e, TB_EINPUT, rec->name, "xiang",
				  "unknown town code '%s' (not a town of %s %s)", xiang,
				  cx->district_name, cx->district_code);
	if (cun) {
		const char *town = str(cx->villages, cun);
		if (!town)
			return tb_err_set(e, TB_EINPUT, rec->name, "cun",
					  "unknown village code '%s' (not a village of %s)", cun,
					  cx->district_name);
		if (xiang && strcmp(town, xiang))
			return tb_err_set(e, TB_EINPUT, rec->name, "cun",
					  "village '%s' belongs to town %s, not to %s", cun, town, xiang);
	}
	if (unit && !json_object_get(cx->units, unit))
		return tb_err_set(e, TB_EINPUT, rec->name, "unit_code", "unknown unit '%s'", unit);
	return 0;
}

/* 郁闭度 must agree with 地类 (乔木林地 ≥ 0.20, 疏林地 0.10–0.19 …). */
static int check_canopy(tb_db *db, tb_registry_ctx *cx, tb_record *rec, tb_err *e)
{
	json_t *v = json_object_get(rec->props, "yu_bi_du");
	const char *dl = str(rec->props, "di_lei");
	if (!json_is_number(v) || !dl) return 0;
	double c = json_number_value(v);
	for (int i = 0; i < cx->ndl; i++) {
		if (strcmp(cx->dl[i].di_lei, dl)) continue;
		if (c + 1e-9 < cx->dl[i].min || c - 1e-9 > cx->dl[i].max)
			return tb_err_set(e, TB_EINPUT, rec->name, "yu_bi_du",
					  "canopy closure %.2f does not fit 地类 %s %s (%.2f–%.2f)", c, dl,
					  tb_codes_label(db, "di_lei", dl, "zh"), cx->dl[i].min,
					  cx->dl[i].max);
	}
	return 0;
}

static void derive(tb_registry_ctx *cx, tb_record *rec)
{
	json_t *p = rec->props;
	const char *qy = str(p, "qi_yuan"), *dl = str(p, "di_lei");
	bool natural = qy && qy[0] == '1';
	json_object_set_new(p, "area_ha", json_real(tb_round4(tb_area_ha(rec->geom))));
	json_object_set_new(p, "natural", json_boolean(natural));
	const char *cls = NULL;
	size_t best = 0;
	for (int i = 0; natural && dl && i < cx->ncr; i++) {
		size_t n = strlen(cx->cr[i].prefix);
		if (n > best && !strncmp(dl, cx->cr[i].prefix, n)) {
			best = n;
			cls = cx->cr[i].cls;
		}
	}
	json_object_set_new(p, "restoration_class", cls ? json_string(cls) : json_null());
	double kz = 0;
	if (cx->zones_p && GEOSPreparedIntersects_r(tb_geos(), cx->zones_p, rec->geom) == 1)
		kz = tb_round4(intersection_ha(rec->geom, cx->zones));
	json_object_set_new(p, "key_zone_ha", json_real(kz));
	if (!str(p, "status")) json_object_set_new(p, "status", json_string("active"));
	if (!str(p, "xian") && cx->district_code[0])
		json_object_set_new(p, "xian", json_string(cx->district_code));
}

/* 小班编号 defaults to <乡镇>-<林班>-<小班>. */
static int ensure_code(tb_record *rec, tb_err *e)
{
	if (str(rec->props, "code")) return 0;
	const char *x = str(rec->props, "xiang"), *lb = str(rec->props, "lin_ban"),
		   *xb = str(rec->props, "xiao_ban");
	if (!x || !lb || !xb)
		return tb_err_set(e, TB_EINPUT, rec->name, "code",
				  "required value is missing (and cannot be composed from 乡镇/林班/小班)");
	char code[128];
	snprintf(code, sizeof code, "%s-%s-%s", x, lb, xb);
	json_object_set_new(rec->props, "code", json_string(code));
	return 0;
}

int tb_parcel_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r;
	bool owned;
	tb_registry_ctx *cx = tb_registry_ctx_of(db, ctx, &owned, e);
	if (!cx) return e->code ? e->code : TB_EINTERNAL;
	complete_codes(cx, rec);
	int rc = ensure_code(rec, e);
	if (!rc) rc = check_codes(cx, rec, e);
	if (!rc) rc = check_canopy(db, cx, rec, e);
	if (!rc) rc = check_geometry(rec, e);
	if (!rc) rc = check_inside(cx, rec, e);
	if (!rc) rc = check_overlap(db, cx, rec, e);
	if (!rc) derive(cx, rec);
	if (owned) tb_registry_ctx_free(cx);
	return rc;
}

static double natural_ha(const json_t *p)
{
	if (!p || !json_is_true(json_object_get(p, "natural"))) return 0;
	const char *st = str(p, "status");
	if (st && strcmp(st, "active")) return 0;
	return json_number_value(json_object_get(p, "area_ha"));
}

/* Every change of natural-forest area goes into the ledger (§2). */
int tb_parcel_after_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r;
	tb_write_ctx *w = ctx;
	double before = natural_ha(rec->old), after = natural_ha(rec->props);
	double delta = tb_round4(after - before);
	if (fabs(delta) < 0.00005) return 0;
	const char *kind = !rec->old ? "create" : after == 0 ? "loss" : "change";
	const char *cause = w && w->cause ? w->cause : NULL;
	return tb_ledger_add(db, w ? w->seq : 0, kind, str(rec->props, "code"), delta, cause, e);
}

int tb_zone_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db, (void)r, (void)ctx;
	int rc = check_geometry(rec, e);
	if (!rc) json_object_set_new(rec->props, "area_ha", json_real(tb_round4(tb_area_ha(rec->geom))));
	if (!rc && !str(rec->props, "clause")) json_object_set_new(rec->props, "clause", json_string("3.1.1"));
	return rc;
}

/* Key zones changed: recompute key_zone_ha of every parcel (derived data,
 * covered by the zone's event). */
int tb_zone_after_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r, (void)rec;
	tb_write_ctx *w = ctx;
	tb_registry_ctx *cx = w ? w->user : NULL;
	if (cx) return tb_registry_ctx_reload_zones(db, cx, e); /* batch: caller recomputes */
	return tb_registry_recompute_zones(db, NULL, e);
}

int tb_division_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db, (void)r, (void)ctx;
	const char *lvl = str(rec->props, "level"), *code = str(rec->props, "code"),
		   *parent = str(rec->props, "parent_code");
	const char *town = lvl && !strcmp(lvl, "town") ? code : lvl && !strcmp(lvl, "village") ? parent : NULL;
	json_object_set_new(rec->props, "town_code", town ? json_string(town) : json_null());
	if (rec->geom) {
		int rc = check_geometry(rec, e);
		if (rc) return rc;
	}
	return 0;
}
