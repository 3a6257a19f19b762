/* geomin.c — the area of an application or a check as the user gives it:
 * drawn on the map (GeoJSON in lon/lat) or uploaded as a file (GeoJSON, KML,
 * GPX, Shapefile or zipped Shapefile, GeoPackage) in any CRS, reprojected to
 * CGCS2000 (EPSG:4490) the way the importer does.  Every problem is a
 * TB_EINPUT naming the field "geometry" and the reason; nothing is stored
 * here. */
#include "control/control.h"

#include "io/ogr_util.h"
#include "registry/registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* Append the polygons of g (consumed) to parts; lines are closed into
 * rings when close_lines (GPX).  Returns the number of non-polygonal
 * pieces seen. */
static int collect(GEOSGeometry *g, bool close_lines, GEOSGeometry ***parts, size_t *n, size_t *cap)
{
	GEOSContextHandle_t h = tb_geos();
	int type = GEOSGeomTypeId_r(h, g), bad = 0;
	if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION || type == GEOS_MULTILINESTRING) {
		int k = GEOSGetNumGeometries_r(h, g);
		for (int i = 0; i < k; i++)
			bad += collect(GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g, i)), close_lines, parts, n, cap);
		GEOSGeom_destroy_r(h, g);
		return bad;
	}
	if (type == GEOS_LINESTRING && close_lines) {
		const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
		unsigned int m = 0;
		GEOSCoordSeq_getSize_r(h, cs, &m);
		if (m >= 3) {
			GEOSCoordSequence *ring = GEOSCoordSeq_create_r(h, m + 1, 2);
			double x, y;
			for (unsigned int i = 0; i < m; i++) {
				GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
				GEOSCoordSeq_setXY_r(h, ring, i, x, y);
			}
			GEOSCoordSeq_getXY_r(h, cs, 0, &x, &y);
			GEOSCoordSeq_setXY_r(h, ring, m, x, y);
			GEOSGeom_destroy_r(h, g);
			g = GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, ring), NULL, 0);
			type = GEOS_POLYGON;
		}
	}
	if (type != GEOS_POLYGON) {
		GEOSGeom_destroy_r(h, g);
		return 1;
	}
	if (GEOSisEmpty_r(h, g)) {
		GEOSGeom_destroy_r(h, g);
		return 0;
	}
	if (*n == *cap) {
		size_t more = *cap ? *cap * 2 : 16;
		GEOSGeometry **p = realloc(*parts, more * sizeof **parts);
		if (!p) { /* out of memory: a part that could not be read */
			GEOSGeom_destroy_r(h, g);
			return 1;
		}
		*parts = p, *cap = more;
	}
	(*parts)[(*n)++] = g;
	return 0;
}

/* Polygons → one MultiPolygon (consumes the parts). */
static int assemble(GEOSGeometry **parts, size_t n, int bad, GEOSGeometry **out, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	if (!n) {
		free(parts);
		return bad ? tb_err_set(e, TB_EINPUT, NULL, "geometry",
					"not polygonal: give an area (Polygon or MultiPolygon), not points or lines")
			   : tb_err_set(e, TB_EINPUT, NULL, "geometry", "the geometry is empty");
	}
	if (bad) {
		for (size_t i = 0; i < n; i++) GEOSGeom_destroy_r(h, parts[i]);
		free(parts);
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
				  "not polygonal: %d of the features are points or lines; give areas only", bad);
	}
	bool all_valid = n > 1;
	for (size_t i = 0; all_valid && i < n; i++) all_valid = GEOSisValid_r(h, parts[i]) == 1;
	*out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)n);
	free(parts);
	if (*out && all_valid) { /* several features may touch or overlap: one area */
		GEOSGeometry *u = GEOSUnaryUnion_r(h, *out);
		if (u && GEOSGeomTypeId_r(h, u) == GEOS_POLYGON) {
			GEOSGeometry *m = tb_geom_to_multi(u);
			GEOSGeom_destroy_r(h, u);
			u = m;
		}
		if (u && GEOSGeomTypeId_r(h, u) == GEOS_MULTIPOLYGON) {
			GEOSGeom_destroy_r(h, *out);
			*out = u;
		} else if (u)
			GEOSGeom_destroy_r(h, u);
	}
	return *out ? 0 : tb_err_set(e, TB_EINPUT, NULL, "geometry", "cannot assemble the polygons");
}

int tb_control_read_file(const char *path, const char *srs, GEOSGeometry **out, tb_err *e)
{
	*out = NULL;
	tb_ogr_init();
	bool gpx = ends_with(path, ".gpx");
	tb_ogr_file f = {0};
	int rc = tb_ogr_open(path, NULL, gpx ? "tracks" : NULL, &f, e);
	if (!rc && gpx && OGR_L_GetFeatureCount(f.layer, 1) == 0) {
		tb_ogr_close(&f);
		rc = tb_ogr_open(path, NULL, "routes", &f, e);
	}
	if (rc) { /* a file we cannot read is bad input, whatever GDAL said */
		snprintf(e->field, sizeof e->field, "geometry");
		e->code = TB_EINPUT;
		return TB_EINPUT;
	}
	OGRCoordinateTransformationH ct = NULL;
	char name[128] = "";
	rc = tb_ogr_transform_to_4490(f.layer, srs, &ct, name, sizeof name, e);
	GEOSGeometry **parts = NULL;
	size_t n = 0, cap = 0;
	int bad = 0;
	OGRFeatureH feat;
	OGR_L_ResetReading(f.layer);
	while (!rc && (feat = OGR_L_GetNextFeature(f.layer))) {
		OGRGeometryH g = OGR_F_GetGeometryRef(feat);
		if (g && !OGR_G_IsEmpty(g)) {
			OGRGeometryH c = OGR_G_Clone(g);
			OGR_G_FlattenTo2D(c);
			if (ct && OGR_G_Transform(c, ct) != OGRERR_NONE)
				rc = tb_err_set(e, TB_EINPUT, NULL, "geometry",
						"coordinates cannot be transformed from %s to CGCS2000 (EPSG:4490)", name);
			GEOSGeometry *gg = rc ? NULL : tb_ogr_to_geos(c);
			OGR_G_DestroyGeometry(c);
			if (gg) bad += collect(gg, gpx, &parts, &n, &cap);
			else if (!rc) rc = tb_err_set(e, TB_EINPUT, NULL, "geometry", "unreadable geometry");
		}
		OGR_F_Destroy(feat);
	}
	if (ct) OCTDestroyCoordinateTransformation(ct);
	tb_ogr_close(&f);
	if (rc) {
		for (size_t i = 0; i < n; i++) GEOSGeom_destroy_r(tb_geos(), parts[i]);
		free(parts);
		return rc;
	}
	return assemble(parts, n, bad, out, e);
}

/* The CRS a GeoJSON object declares ("crs":{"properties":{"name":…}}), or
 * NULL for lon/lat. */
static const char *declared_crs(const json_t *gj)
{
	const char *name = json_string_value(json_object_get(json_object_get(json_object_get(gj, "crs"), "properties"), "name"));
	if (!name) return NULL;
	if (strstr(name, "CRS84") || strstr(name, "4490") || strstr(name, "4326")) return NULL;
	return name;
}

static int read_one(const json_t *geom, bool *any, GEOSGeometry ***parts, size_t *n, size_t *cap, int *bad,
		    tb_err *e)
{
	if (!geom || json_is_null(geom)) return 0;
	if (!json_is_object(geom))
		return tb_err_set(e, TB_EINPUT, NULL, "geometry", "not a GeoJSON geometry object");
	GEOSGeometry *g = tb_geom_from_geojson(geom, NULL, e);
	if (!g) return e->code;
	*any = true;
	*bad += collect(g, false, parts, n, cap);
	return 0;
}

int tb_control_read_geojson(const json_t *gj, GEOSGeometry **out, tb_err *e)
{
	*out = NULL;
	if (!gj || json_is_null(gj)) return tb_err_set(e, TB_EINPUT, NULL, "geometry", "the geometry is missing");
	const char *type = json_string_value(json_object_get(gj, "type"));
	if (!type) return tb_err_set(e, TB_EINPUT, NULL, "geometry", "not GeoJSON: no \"type\"");
	GEOSGeometry **parts = NULL;
	size_t n = 0, cap = 0;
	int bad = 0, rc = 0;
	bool any = false;
	if (!strcmp(type, "Feature")) rc = read_one(json_object_get(gj, "geometry"), &any, &parts, &n, &cap, &bad, e);
	else if (!strcmp(type, "FeatureCollection")) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(gj, "features"), i, f)
		{
			if (rc) break;
			rc = read_one(json_object_get(f, "geometry"), &any, &parts, &n, &cap, &bad, e);
		}
	} else
		rc = read_one(gj, &any, &parts, &n, &cap, &bad, e);
	if (!rc) rc = assemble(parts, n, bad, out, e);
	else {
		for (size_t i = 0; i < n; i++) GEOSGeom_destroy_r(tb_geos(), parts[i]);
		free(parts);
	}
	const char *crs = rc ? NULL : declared_crs(gj);
	if (crs) { /* a declared projected CRS: reproject */
		tb_transform *t = tb_transform_new(crs, e);
		GEOSGeometry *g = t ? tb_transform_geom_copy(t, *out, e) : NULL;
		tb_transform_free(t);
		GEOSGeom_destroy_r(tb_geos(), *out);
		*out = g;
		if (!g) {
			snprintf(e->field, sizeof e->field, "geometry");
			if (!e->code) tb_err_set(e, TB_EINPUT, NULL, "geometry", "unknown coordinate system %s", crs);
			e->code = TB_EINPUT;
			return TB_EINPUT;
		}
	}
	return rc;
}

/* The district outline, buffered by the tolerance; NULL when none. */
static GEOSGeometry *district_outline(tb_db *db, double tolerance_m)
{
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *out = NULL, *g = NULL;
	tb_err e = {0};
	tb_registry_district_outline(db, &g, &e);
	if (g) {
		double miny, maxy;
		GEOSGeom_getYMin_r(h, g, &miny);
		GEOSGeom_getYMax_r(h, g, &maxy);
		double deg = tolerance_m / (111320.0 * cos((miny + maxy) / 2 * M_PI / 180));
		out = deg > 0 ? GEOSBuffer_r(h, g, deg, 8) : GEOSGeom_clone_r(h, g);
		GEOSGeom_destroy_r(h, g);
	}
	return out;
}

int tb_control_check_geometry(tb_db *db, const GEOSGeometry *g, GEOSGeometry **out, tb_err *e)
{
	*out = NULL;
	GEOSContextHandle_t h = tb_geos();
	if (!g || GEOSisEmpty_r(h, g)) return tb_err_set(e, TB_EINPUT, NULL, "geometry", "the geometry is empty");
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(h, g, &x0);
	GEOSGeom_getYMin_r(h, g, &y0);
	GEOSGeom_getXMax_r(h, g, &x1);
	GEOSGeom_getYMax_r(h, g, &y1);
	if (x0 < -180 || x1 > 180 || y0 < -90 || y1 > 90)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
				  "wrong coordinate system: coordinates (x %.0f–%.0f, y %.0f–%.0f) are not lon/lat "
				  "degrees (EPSG:4490); projected metres (e.g. EPSG:4527) must be reprojected or "
				  "uploaded as a file that declares its CRS",
				  x0, x1, y0, y1);
	char record[8] = "";
	if (tb_geom_check_polygonal(g, record, e)) {
		snprintf(e->field, sizeof e->field, "geometry");
		e->record[0] = 0;
		return TB_EINPUT;
	}
	if (tb_area_ha(g) <= 0) return tb_err_set(e, TB_EINPUT, NULL, "geometry", "the geometry has no area");
	GEOSGeometry *outline = district_outline(db, tb_setting_num(db, "district_tolerance_m", 500));
	if (outline && GEOSCovers_r(h, outline, g) != 1) {
		GEOSGeometry *d = GEOSDifference_r(h, g, outline);
		double ha = d ? tb_area_ha(d) : 0;
		if (d) GEOSGeom_destroy_r(h, d);
		GEOSGeom_destroy_r(h, outline);
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
				  "outside the district: %.4f ha of %.4f ha lie beyond its outline; check the "
				  "coordinate system",
				  ha, tb_area_ha(g));
	}
	if (outline) GEOSGeom_destroy_r(h, outline);
	*out = GEOSGeomTypeId_r(h, g) == GEOS_POLYGON ? tb_geom_to_multi(g) : GEOSGeom_clone_r(h, g);
	return 0;
}
