/* regctx.c — loading the registry context (see regctx.h). */
#include "registry/regctx.h"
#include "db/gpkg.h"

#include "base/csv.h"
#include "base/data.h"
#include "base/num.h"
#include "db/write.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GEOSGeometry *load_union(tb_db *db, const char *sql, tb_err *e)
{
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, e)) return NULL;
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry **parts = NULL;
	size_t n = 0, cap = 0;
	while (tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(st, 0);
		if (!g) continue;
		if (n == cap) {
			size_t more = cap ? 2 * cap : 8;
			GEOSGeometry **p = realloc(parts, more * sizeof *parts);
			if (!p) { /* a union of fewer parts would be wrong: none */
				GEOSGeom_destroy_r(h, g);
				for (size_t i = 0; i < n; i++) GEOSGeom_destroy_r(h, parts[i]);
				free(parts);
				tb_stmt_finalize(st);
				tb_err_set(e, TB_ENOMEM, "zones", NULL, "out of memory");
				return NULL;
			}
			parts = p, cap = more;
		}
		parts[n++] = g;
	}
	tb_stmt_finalize(st);
	if (!n) {
		free(parts);
		return NULL;
	}
	GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
	free(parts);
	GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
	GEOSGeom_destroy_r(h, coll);
	return u;
}

int tb_registry_ctx_reload_zones(tb_db *db, tb_registry_ctx *cx, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	if (cx->zones_p) GEOSPreparedGeom_destroy_r(h, cx->zones_p);
	if (cx->zones) GEOSGeom_destroy_r(h, cx->zones);
	cx->zones_p = NULL;
	cx->zones = load_union(db, "SELECT geom FROM zones WHERE geom IS NOT NULL", e);
	if (cx->zones) cx->zones_p = GEOSPrepare_r(h, cx->zones);
	return 0;
}

static int load_outline(tb_db *db, tb_registry_ctx *cx, tb_err *e)
{
	GEOSGeometry *g = load_union(db, "SELECT geom FROM divisions WHERE level='district' AND geom IS NOT NULL", e);
	if (!g) return 0;
	GEOSContextHandle_t h = tb_geos();
	double miny, maxy;
	GEOSGeom_getYMin_r(h, g, &miny);
	GEOSGeom_getYMax_r(h, g, &maxy);
	/* a metre tolerance in degrees, conservative in longitude */
	double lat = (miny + maxy) / 2 * M_PI / 180;
	double deg = cx->tolerance_m / (111320.0 * cos(lat));
	cx->outline = deg > 0 ? GEOSBuffer_r(h, g, deg, 8) : GEOSGeom_clone_r(h, g);
	GEOSGeom_destroy_r(h, g);
	if (cx->outline) cx->outline_p = GEOSPrepare_r(h, cx->outline);
	return 0;
}

static json_t *load_map(tb_db *db, const char *sql)
{
	json_t *m = json_object();
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, NULL) != 0) return m;
	while (tb_stmt_step(st) == TB_ROW) {
		const char *k = tb_col_text(st, 0);
		const char *v = tb_col_text(st, 1);
		if (k) json_object_set_new(m, k, json_string(v ? v : ""));
	}
	tb_stmt_finalize(st);
	return m;
}

static int load_rules(tb_registry_ctx *cx, tb_err *e)
{
	size_t n;
	char *text = tb_data_read("codes/di_lei_rules.csv", &n);
	tb_csv c;
	if (text) {
		tb_csv_init(&c, text, n);
		tb_csv_read_header(&c);
		while (tb_csv_next(&c) == 1) {
			di_lei_rule *more = realloc(cx->dl, (size_t)(cx->ndl + 1) * sizeof *cx->dl);
			if (!more) {
				tb_csv_free(&c);
				free(text);
				return tb_err_set(e, TB_ENOMEM, "codes/di_lei_rules.csv", NULL, "out of memory");
			}
			cx->dl = more;
			di_lei_rule *r = &cx->dl[cx->ndl];
			snprintf(r->di_lei, sizeof r->di_lei, "%s", tb_csv_get(&c, "di_lei"));
			if (!tb_num_double(tb_csv_get(&c, "min_yu_bi_du"), &r->min) || !tb_num_double(tb_csv_get(&c, "max_yu_bi_du"), &r->max)) {
				char rec[64];
				snprintf(rec, sizeof rec, "codes/di_lei_rules.csv line %d", c.line);
				tb_csv_free(&c);
				free(text);
				return tb_err_set(e, TB_EINTERNAL, rec, "min_yu_bi_du", "not a number");
			}
			cx->ndl++;
		}
		tb_csv_free(&c);
		free(text);
	}
	text = tb_data_read("codes/restoration_classes.csv", &n);
	if (!text) return tb_err_set(e, TB_EINTERNAL, "codes/restoration_classes.csv", NULL, "missing data file");
	tb_csv_init(&c, text, n);
	tb_csv_read_header(&c);
	while (tb_csv_next(&c) == 1) {
		class_rule *more = realloc(cx->cr, (size_t)(cx->ncr + 1) * sizeof *cx->cr);
		if (!more) {
			tb_csv_free(&c);
			free(text);
			return tb_err_set(e, TB_ENOMEM, "codes/restoration_classes.csv", NULL, "out of memory");
		}
		cx->cr = more;
		class_rule *r = &cx->cr[cx->ncr++];
		snprintf(r->prefix, sizeof r->prefix, "%s", tb_csv_get(&c, "di_lei_prefix"));
		snprintf(r->cls, sizeof r->cls, "%s", tb_csv_get(&c, "restoration_class"));
	}
	tb_csv_free(&c);
	free(text);
	return 0;
}

tb_registry_ctx *tb_registry_ctx_new(tb_db *db, tb_err *e)
{
	tb_registry_ctx *cx = calloc(1, sizeof *cx);
	if (!cx) return NULL;
	cx->tolerance_m = tb_setting_num(db, "district_tolerance_m", 500);
	cx->overlap_ha = tb_setting_num(db, "overlap_tolerance_ha", 0.01);
	char *s = tb_setting_get(db, "district_name", "");
	snprintf(cx->district_name, sizeof cx->district_name, "%s", s);
	free(s);
	s = tb_setting_get(db, "district_code", "");
	snprintf(cx->district_code, sizeof cx->district_code, "%s", s);
	free(s);
	cx->towns = load_map(db, "SELECT code, name FROM divisions WHERE level='town'");
	cx->villages = load_map(db, "SELECT code, parent_code FROM divisions WHERE level='village'");
	cx->units = load_map(db, "SELECT code, kind FROM units");
	if (load_outline(db, cx, e) || tb_registry_ctx_reload_zones(db, cx, e) || load_rules(cx, e)) {
		tb_registry_ctx_free(cx);
		return NULL;
	}
	return cx;
}

void tb_registry_ctx_free(tb_registry_ctx *cx)
{
	if (!cx) return;
	GEOSContextHandle_t h = tb_geos();
	if (cx->outline_p) GEOSPreparedGeom_destroy_r(h, cx->outline_p);
	if (cx->outline) GEOSGeom_destroy_r(h, cx->outline);
	if (cx->zones_p) GEOSPreparedGeom_destroy_r(h, cx->zones_p);
	if (cx->zones) GEOSGeom_destroy_r(h, cx->zones);
	json_decref(cx->towns);
	json_decref(cx->villages);
	json_decref(cx->units);
	free(cx->dl);
	free(cx->cr);
	free(cx);
}

tb_registry_ctx *tb_registry_ctx_of(tb_db *db, void *write_ctx, bool *owned, tb_err *e)
{
	tb_write_ctx *w = write_ctx;
	*owned = false;
	if (w && w->user) return w->user;
	*owned = true;
	return tb_registry_ctx_new(db, e);
}
