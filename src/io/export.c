/* export.c — writing described records to GIS files through OGR.  Field
 * names are the standard 一张图 names where the resource has them (they fit
 * a DBF's ten characters), so an export re-imports without mapping; text is
 * UTF-8 with a .cpg for shapefiles; coordinates are EPSG:4490 lon/lat. */
#include "io/gis.h"

#include "base/buf.h"
#include "io/ogr_util.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

const char *tb_export_driver(const char *format, const char *path)
{
	static const char *map[][3] = {
		{"gpkg", ".gpkg", "GPKG"},	     {"shapefile", ".shp", "ESRI Shapefile"},
		{"shp", ".shp.zip", "ESRI Shapefile"}, {"geojson", ".geojson", "GeoJSON"},
		{"json", ".json", "GeoJSON"},	     {"kml", ".kml", "KML"},
		{"csv", ".csv", "CSV"},		     {"zip", ".zip", "ESRI Shapefile"},
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (format && !strcasecmp(format, map[i][0])) return map[i][2];
		if (!format && path && ends_with(path, map[i][1])) return map[i][2];
	}
	return NULL;
}

static OGRFieldType ogr_type(tb_ftype t, OGRFieldSubType *sub)
{
	*sub = OFSTNone;
	switch (t) {
	case TB_F_INT: return OFTInteger64;
	case TB_F_REAL: return OFTReal;
	case TB_F_BOOL: *sub = OFSTBoolean; return OFTInteger;
	case TB_F_DATE: return OFTDate;
	case TB_F_TIME: return OFTDateTime;
	default: return OFTString;
	}
}

static const char *column_name(const tb_field *f, bool shp)
{
	return shp && f->std_name ? f->std_name : f->name;
}

static int create_fields(OGRLayerH l, const tb_resource *r, bool shp, tb_err *e)
{
	for (int i = 0; i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		if (f->flags & TB_PRIVATE) continue;
		OGRFieldSubType sub;
		OGRFieldDefnH fd = OGR_Fld_Create(column_name(f, shp), ogr_type(f->type, &sub));
		OGR_Fld_SetSubType(fd, sub);
		if (f->type == TB_F_REAL) OGR_Fld_SetPrecision(fd, 4), OGR_Fld_SetWidth(fd, 18);
		if (f->label_zh && !shp) OGR_Fld_SetAlternativeName(fd, f->label_zh);
		OGRErr err = OGR_L_CreateField(l, fd, 1);
		OGR_Fld_Destroy(fd);
		if (err != OGRERR_NONE)
			return tb_err_set(e, TB_EIO, NULL, f->name, "cannot create the column: %s", CPLGetLastErrorMsg());
	}
	return 0;
}

static void set_field(OGRFeatureH of, int idx, const tb_field *f, const json_t *v)
{
	if (!v || json_is_null(v)) {
		OGR_F_SetFieldNull(of, idx);
		return;
	}
	switch (f->type) {
	case TB_F_INT: OGR_F_SetFieldInteger64(of, idx, json_integer_value(v)); break;
	case TB_F_REAL: OGR_F_SetFieldDouble(of, idx, json_number_value(v)); break;
	case TB_F_BOOL: OGR_F_SetFieldInteger(of, idx, json_is_true(v)); break;
	case TB_F_JSON: {
		char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		OGR_F_SetFieldString(of, idx, t ? t : "");
		free(t);
		break;
	}
	default: OGR_F_SetFieldString(of, idx, json_string_value(v) ? json_string_value(v) : "");
	}
}

static int write_rows(tb_db *db, const tb_resource *r, OGRLayerH l, const tb_export_opts *o,
		      int64_t *count, tb_err *e)
{
	tb_buf sql;
	tb_buf_init(&sql, 1 << 16);
	tb_record_select_sql(r, true, &sql);
	if (o->where_scope && r->scope) tb_buf_addf(&sql, " WHERE instr(',' || ? || ',', ',' || \"%s\" || ',') > 0", r->scope);
	tb_buf_adds(&sql, " ORDER BY fid");
	tb_stmt *st;
	int rc = tb_db_prepare(db, sql.data, &st, e);
	tb_buf_free(&sql);
	if (rc) return rc;
	if (o->where_scope && r->scope) tb_bind_text(st, 1, o->where_scope);
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(l);
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = NULL;
		json_t *p = tb_record_row(st, r, r->geom ? &g : NULL);
		OGRFeatureH of = OGR_F_Create(defn);
		int k = 0;
		for (int i = 0; i < r->nfields; i++) {
			if (r->fields[i].flags & TB_PRIVATE) continue;
			set_field(of, k++, &r->fields[i], json_object_get(p, r->fields[i].name));
		}
		if (g) {
			OGR_F_SetGeometryDirectly(of, tb_geos_to_ogr(g));
			GEOSGeom_destroy_r(tb_geos(), g);
		}
		if (OGR_L_CreateFeature(l, of) != OGRERR_NONE)
			rc = tb_err_set(e, TB_EIO, json_string_value(json_object_get(p, r->key ? r->key : "fid")),
					NULL, "cannot write the feature: %s", CPLGetLastErrorMsg());
		else (*count)++;
		OGR_F_Destroy(of);
		json_decref(p);
	}
	tb_stmt_finalize(st);
	return rc;
}

int tb_export(tb_db *db, const tb_resource *r, const tb_export_opts *o, int64_t *count, tb_err *e)
{
	tb_ogr_init();
	*count = 0;
	const char *drv_name = tb_export_driver(o->format, o->path);
	if (!drv_name)
		return tb_err_set(e, TB_EUSAGE, o->path, "format",
				  "unknown export format%s%s; use gpkg, shapefile, geojson, kml or csv",
				  o->format ? " " : "", o->format ? o->format : "");
	if (access(o->path, F_OK) == 0)
		return tb_err_set(e, TB_EUSAGE, o->path, NULL, "the file exists; tianbao does not overwrite files");
	GDALDriverH drv = GDALGetDriverByName(drv_name);
	bool shp = !strcmp(drv_name, "ESRI Shapefile");
	GDALDatasetH ds = drv ? GDALCreate(drv, o->path, 0, 0, 0, GDT_Unknown, NULL) : NULL;
	if (!ds) return tb_err_set(e, TB_EIO, o->path, NULL, "cannot create the file: %s", CPLGetLastErrorMsg());
	char **lopts = NULL;
	if (shp) lopts = CSLSetNameValue(lopts, "ENCODING", "UTF-8");
	if (!strcmp(drv_name, "GeoJSON")) { /* RFC 7946, but keep areas exact to 4 decimals of ha */
		lopts = CSLSetNameValue(lopts, "RFC7946", "YES");
		lopts = CSLSetNameValue(lopts, "COORDINATE_PRECISION", "9");
	}
	if (!strcmp(drv_name, "CSV")) lopts = CSLSetNameValue(lopts, "GEOMETRY", "AS_WKT");
	if (!strcmp(drv_name, "GPKG") && r->label_zh) lopts = CSLSetNameValue(lopts, "IDENTIFIER", r->label_zh);
	OGRSpatialReferenceH srs = r->geom ? tb_ogr_srs_4490() : NULL;
	OGRwkbGeometryType gt = r->geom == TB_GEOM_MULTIPOLYGON ? wkbMultiPolygon
				: r->geom == TB_GEOM_POINT      ? wkbPoint
				: r->geom                       ? wkbUnknown
								: wkbNone;
	OGRLayerH l = GDALDatasetCreateLayer(ds, r->name, srs, gt, lopts);
	CSLDestroy(lopts);
	if (srs) OSRRelease(srs);
	int rc = l ? create_fields(l, r, shp, e)
		   : tb_err_set(e, TB_EIO, o->path, NULL, "cannot create the layer: %s", CPLGetLastErrorMsg());
	if (!rc) {
		GDALDatasetStartTransaction(ds, 0);
		rc = write_rows(db, r, l, o, count, e);
		GDALDatasetCommitTransaction(ds);
	}
	GDALClose(ds);
	if (rc) unlink(o->path);
	return rc;
}
