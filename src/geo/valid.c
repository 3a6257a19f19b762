/* valid.c — checking and repairing parcel geometry.  A parcel (小班) must be
 * a valid, non-empty Polygon or MultiPolygon; invalid input is refused with
 * GEOS's reason and location, and repaired only when the caller asks, with a
 * sentence saying what the repair changed (area before and after, parts). */
#include "geo/geo.h"
#include "geo/geo_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static int is_polygonal_type(int type)
{
	return type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON;
}

/* GEOS's name of g's type ("Point", "LineString" …) into buf. */
static const char *type_name(GEOSContextHandle_t h, const GEOSGeometry *g, char *buf, size_t size)
{
	char *s = GEOSGeomType_r(h, g);
	snprintf(buf, size, "%s", s ? s : "unknown type");
	GEOSFree_r(h, s);
	return buf;
}

int tb_geom_check_polygonal(const GEOSGeometry *g, const char *record, tb_err *e)
{
	if (!g) return tb_err_set(e, TB_EINPUT, record, "geometry", "no geometry");
	GEOSContextHandle_t h = tb_geos();
	if (!is_polygonal_type(GEOSGeomTypeId_r(h, g))) {
		char tname[64];
		return tb_err_set(e, TB_EINPUT, record, "geometry",
		                  "geometry is a %s, not a Polygon or MultiPolygon",
		                  type_name(h, g, tname, sizeof tname));
	}
	if (GEOSisEmpty_r(h, g) != 0)
		return tb_err_set(e, TB_EINPUT, record, "geometry", "geometry is empty");
	char *reason = NULL;
	GEOSGeometry *where = NULL;
	tb__geos_clear_error();
	char valid = GEOSisValidDetail_r(h, g, 0, &reason, &where);
	int rc = 0;
	if (valid == 2) {
		rc = tb_err_set(e, TB_EINPUT, record, "geometry", "cannot check validity: %s",
		                tb__geos_reason("GEOS failed"));
	} else if (valid == 0) {
		double x = 0, y = 0;
		if (where) {
			GEOSGeomGetX_r(h, where, &x);
			GEOSGeomGetY_r(h, where, &y);
		}
		rc = tb_err_set(e, TB_EINPUT, record, "geometry",
		                "invalid polygon: %s at or near point %.10g %.10g",
		                reason ? reason : "invalid", x, y);
	}
	GEOSFree_r(h, reason);
	if (where) GEOSGeom_destroy_r(h, where);
	return rc;
}

/* ---- repair -------------------------------------------------------------- */

/* Polygons collected from a GEOS result; parts are owned until handed over. */
struct parts {
	GEOSGeometry **items;
	size_t len, cap;
	size_t dropped; /* non-polygonal pieces left out */
};

static int parts_add(struct parts *p, GEOSGeometry *g)
{
	if (p->len == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 8;
		GEOSGeometry **items = realloc(p->items, cap * sizeof *items);
		if (!items) return TB_ENOMEM;
		p->items = items;
		p->cap = cap;
	}
	p->items[p->len++] = g;
	return 0;
}

/* Clone every non-empty polygon inside g into p. */
static int collect_polygons(GEOSContextHandle_t h, const GEOSGeometry *g, struct parts *p)
{
	int type = GEOSGeomTypeId_r(h, g);
	if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
		int n = GEOSGetNumGeometries_r(h, g);
		for (int i = 0; i < n; i++)
			if (collect_polygons(h, GEOSGetGeometryN_r(h, g, i), p)) return TB_ENOMEM;
		return 0;
	}
	if (GEOSisEmpty_r(h, g) != 0) return 0;
	if (type != GEOS_POLYGON) {
		p->dropped++;
		return 0;
	}
	GEOSGeometry *copy = GEOSGeom_clone_r(h, g);
	if (!copy || parts_add(p, copy)) {
		if (copy) GEOSGeom_destroy_r(h, copy);
		return TB_ENOMEM;
	}
	return 0;
}

static void parts_free(GEOSContextHandle_t h, struct parts *p)
{
	for (size_t i = 0; i < p->len; i++)
		GEOSGeom_destroy_r(h, p->items[i]);
	free(p->items);
}

/* Consumes p's parts.  GEOS (3.9+) takes the parts over before it can
 * fail and frees them itself on failure, so they are never freed here. */
static GEOSGeometry *parts_to_multi(GEOSContextHandle_t h, struct parts *p)
{
	GEOSGeometry *m =
	    GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, p->items, (unsigned int)p->len);
	p->len = 0;
	parts_free(h, p);
	p->items = NULL;
	return m;
}

static GEOSGeometry *make_valid(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	GEOSMakeValidParams *prm = GEOSMakeValidParams_create_r(h);
	if (!prm) return NULL;
	GEOSMakeValidParams_setMethod_r(h, prm, GEOS_MAKE_VALID_STRUCTURE);
	GEOSMakeValidParams_setKeepCollapsed_r(h, prm, 0);
	GEOSGeometry *out = GEOSMakeValidWithParams_r(h, g, prm);
	GEOSMakeValidParams_destroy_r(h, prm);
	return out;
}

/* "self-intersection" from GEOS's reason, or "nothing" when g was valid. */
static void problem_of(GEOSContextHandle_t h, const GEOSGeometry *g, char *buf, size_t size)
{
	char *reason = NULL;
	GEOSGeometry *where = NULL;
	char valid = GEOSisValidDetail_r(h, g, 0, &reason, &where);
	snprintf(buf, size, "%s", valid == 1 ? "nothing" : reason ? reason : "invalid geometry");
	if (buf[0]) buf[0] = (char)tolower((unsigned char)buf[0]);
	GEOSFree_r(h, reason);
	if (where) GEOSGeom_destroy_r(h, where);
}

static void describe(GEOSContextHandle_t h, const GEOSGeometry *before, const GEOSGeometry *after,
                     size_t dropped, char *what, size_t size)
{
	char problem[128];
	problem_of(h, before, problem, sizeof problem);
	int n = GEOSGetNumGeometries_r(h, after);
	int len = snprintf(what, size, "repaired %s: area %.4f ha → %.4f ha, %d part%s", problem,
	                   tb_round4(tb_area_ha(before)), tb_round4(tb_area_ha(after)), n,
	                   n == 1 ? "" : "s");
	if (dropped && len >= 0 && (size_t)len < size)
		snprintf(what + len, size - (size_t)len, ", %zu non-polygonal piece%s dropped",
		         dropped, dropped == 1 ? "" : "s");
}

GEOSGeometry *tb_geom_repair(const GEOSGeometry *g, char *what, size_t size)
{
	if (what && size) what[0] = '\0';
	if (!g) return NULL;
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *fixed = make_valid(h, g);
	if (!fixed) {
		if (what && size)
			snprintf(what, size, "repair failed: %s", tb__geos_reason("GEOS error"));
		return NULL;
	}
	struct parts p = {0};
	int rc = collect_polygons(h, fixed, &p);
	GEOSGeom_destroy_r(h, fixed);
	if (rc) {
		parts_free(h, &p);
		return NULL;
	}
	size_t dropped = p.dropped;
	GEOSGeometry *multi = parts_to_multi(h, &p);
	if (multi && what && size) describe(h, g, multi, dropped, what, size);
	return multi;
}

GEOSGeometry *tb_geom_to_multi(const GEOSGeometry *g)
{
	if (!g) return NULL;
	GEOSContextHandle_t h = tb_geos();
	int type = GEOSGeomTypeId_r(h, g);
	int multi = type == GEOS_POINT        ? GEOS_MULTIPOINT
	            : type == GEOS_LINESTRING ? GEOS_MULTILINESTRING
	            : type == GEOS_POLYGON    ? GEOS_MULTIPOLYGON
	                                      : -1;
	if (multi < 0) return GEOSGeom_clone_r(h, g); /* already a collection */
	if (GEOSisEmpty_r(h, g) != 0) return GEOSGeom_createEmptyCollection_r(h, multi);
	GEOSGeometry *part = GEOSGeom_clone_r(h, g);
	if (!part) return NULL;
	return GEOSGeom_createCollection_r(h, multi, &part, 1); /* takes part, even on failure */
}
