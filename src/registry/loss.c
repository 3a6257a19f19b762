/* loss.c — natural forest removed from the registry (§2): an approved
 * occupation (control) or a loss confirmed on site (monitor alerts) cuts its
 * area out of the natural parcels it covers.  The parcels change through
 * the ordinary parcel write, so the parcel hook writes the area-ledger rows
 * with the caller's event and cause, and the ledger stays equal to the
 * natural-forest area of the registry. */
#include "registry/registry.h"

#include "db/gpkg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A remainder or an overlap below this is a sliver of digitising, not a
 * loss (1 m²). */
#define SLIVER_HA 0.0001

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	if (!arr || !s) return;
	json_array_foreach(arr, i, v) if (json_is_string(v) && !strcmp(json_string_value(v), s)) return;
	json_array_append_new(arr, json_string(s));
}

/* The polygonal part of g as a MultiPolygon (new), NULL when none. */
static GEOSGeometry *polygonal(const GEOSGeometry *g)
{
	GEOSContextHandle_t h = tb_geos();
	int type = GEOSGeomTypeId_r(h, g);
	if (type == GEOS_MULTIPOLYGON) return GEOSisEmpty_r(h, g) ? NULL : GEOSGeom_clone_r(h, g);
	if (type == GEOS_POLYGON) return GEOSisEmpty_r(h, g) ? NULL : tb_geom_to_multi(g);
	int n = GEOSGetNumGeometries_r(h, g);
	GEOSGeometry **parts = calloc(n > 0 ? (size_t)n : 1, sizeof *parts);
	unsigned k = 0;
	for (int i = 0; i < n; i++) {
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
		if (GEOSGeomTypeId_r(h, p) == GEOS_POLYGON && !GEOSisEmpty_r(h, p)) parts[k++] = GEOSGeom_clone_r(h, p);
	}
	GEOSGeometry *m = k ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, k) : NULL;
	free(parts);
	return m;
}

/* Shrink one natural parcel by the area; *loss gets the hectares. */
static int shrink_parcel(tb_db *db, tb_write_ctx *cx, int64_t fid, const GEOSGeometry *area, double *loss,
			 json_t *ledger, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	json_t *old = NULL;
	GEOSGeometry *pg = NULL;
	int rc = tb_record_get(db, &tb_parcels, fid, &old, &pg, e);
	if (rc) return rc;
	double before = json_number_value(json_object_get(old, "area_ha"));
	GEOSGeometry *d = GEOSDifference_r(h, pg, area);
	GEOSGeometry *rest = d ? polygonal(d) : NULL;
	if (d) GEOSGeom_destroy_r(h, d);
	json_t *patch = json_object();
	if (!rest || tb_area_ha(rest) < SLIVER_HA) { /* the whole parcel is lost */
		if (rest) GEOSGeom_destroy_r(h, rest);
		rest = NULL;
		json_object_set_new(patch, "status", json_string("lost"));
	}
	char name[96];
	snprintf(name, sizeof name, "parcel %s", str(old, "code"));
	tb_record rec = {.props = patch, .geom = rest, .fid = fid, .name = name};
	rc = tb_record_update(db, &tb_parcels, &rec, 0, cx, e);
	if (!rc) {
		const char *st = str(rec.props, "status");
		double after = st && strcmp(st, "active") ? 0 : json_number_value(json_object_get(rec.props, "area_ha"));
		*loss = tb_round4(before - after);
		add_unique(cx->parcels, str(old, "code"));
		if (ledger)
			json_array_append_new(ledger, json_pack("{s:s,s:f}", "parcel", str(old, "code"), "delta_ha", -*loss));
	}
	if (rec.geom) GEOSGeom_destroy_r(h, rec.geom);
	json_decref(patch);
	json_decref(old);
	GEOSGeom_destroy_r(h, pg);
	return rc;
}

/* The active natural parcels whose part inside the area is not a sliver,
 * candidates from the GeoPackage R-tree. */
static int natural_parcels_in(tb_db *db, const GEOSGeometry *area, int64_t **fids, size_t *n, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	double b[4];
	GEOSGeom_getXMin_r(h, area, &b[0]);
	GEOSGeom_getYMin_r(h, area, &b[1]);
	GEOSGeom_getXMax_r(h, area, &b[2]);
	GEOSGeom_getYMax_r(h, area, &b[3]);
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       "SELECT p.fid, p.geom FROM rtree_parcels_geom r JOIN parcels p ON p.fid=r.id"
			       " WHERE r.maxx>=? AND r.minx<=? AND r.maxy>=? AND r.miny<=? AND p.natural=1"
			       " AND coalesce(p.status,'active')='active' ORDER BY p.fid",
			       &st, e);
	if (rc) return rc;
	tb_bind_double(st, 1, b[0]);
	tb_bind_double(st, 2, b[2]);
	tb_bind_double(st, 3, b[1]);
	tb_bind_double(st, 4, b[3]);
	size_t cap = 0;
	*fids = NULL;
	*n = 0;
	while (tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *pg = tb_col_geom(st, 1);
		GEOSGeometry *x = pg ? GEOSIntersection_r(h, pg, area) : NULL;
		double ha = x ? tb_area_ha(x) : 0;
		if (x) GEOSGeom_destroy_r(h, x);
		if (pg) GEOSGeom_destroy_r(h, pg);
		if (ha < SLIVER_HA) continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *grown = realloc(*fids, cap * sizeof **fids);
			if (!grown) {
				tb_stmt_finalize(st);
				return tb_err_set(e, TB_EINTERNAL, NULL, NULL, "out of memory");
			}
			*fids = grown;
		}
		(*fids)[(*n)++] = tb_col_int64(st, 0);
	}
	tb_stmt_finalize(st);
	return 0;
}

int tb_registry_remove_natural(tb_db *db, tb_write_ctx *cx, const GEOSGeometry *area, const char *cause,
			       json_t *ledger_out, double *total_ha, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	*total_ha = 0;
	int type = area ? GEOSGeomTypeId_r(h, area) : -1;
	if (type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
				  "the lost area must be a polygon: a point or a line cannot be cut out of the parcels");
	if (GEOSisEmpty_r(h, area)) return 0;
	int64_t *fids = NULL;
	size_t n = 0;
	int rc = natural_parcels_in(db, area, &fids, &n, e);
	/* the parcel writes are part of the caller's event; not its user data */
	tb_write_ctx pcx = {.seq = cx->seq, .actor = cx->actor, .parcels = cx->parcels, .cause = cause};
	double total = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		double loss = 0;
		rc = shrink_parcel(db, &pcx, fids[i], area, &loss, ledger_out, e);
		total += loss;
	}
	free(fids);
	if (!rc) *total_ha = tb_round4(total);
	return rc;
}
