/* ogr_util.h — the GDAL/OGR plumbing shared by import and export: opening a
 * file (zipped shapefiles, text-encoding detection), choosing the CRS and the
 * transform to CGCS2000, and moving geometries between OGR and GEOS. */
#ifndef TB_IO_OGR_UTIL_H
#define TB_IO_OGR_UTIL_H

#include "base/err.h"
#include "geo/geo.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

typedef struct tb_ogr_file {
	GDALDatasetH ds;
	OGRLayerH layer;
	char encoding[32]; /* what the text was decoded from */
} tb_ogr_file;

/* Register GDAL drivers once, quiet GDAL's own error printing. */
void tb_ogr_init(void);

/* The failures GDAL reports while a file is read (a truncated .dbf, a
 * GeoJSON syntax error): the first and the last message, invalid bytes
 * escaped.  tb_ogr_catch pushes a handler for this thread that fills *c;
 * tb_ogr_uncatch pops it.  Any failure refuses the whole file. */
typedef struct tb_ogr_errors {
	int failures;
	char first[256];
	char last[256];
} tb_ogr_errors;
void tb_ogr_catch(tb_ogr_errors *c);
void tb_ogr_uncatch(void);
/* The layer's next feature (NULL at the end or on a read failure), the
 * failures GDAL reports while reading it added to *c (zeroed by the
 * caller before the first call). */
OGRFeatureH tb_ogr_next(OGRLayerH layer, tb_ogr_errors *c);
/* "first; last" (or just first) into buf. */
void tb_ogr_errors_text(const tb_ogr_errors *c, char *buf, size_t size);
/* s with invalid UTF-8 bytes shown as \xff (for messages naming a file,
 * a value or a GDAL message).  Returns out. */
const char *tb_ogr_shown(const char *s, char *out, size_t size);
/* Open path read-only and pick the layer (named, or the first).  A
 * shapefile must have its .dbf, and the .shx and the .dbf must count the
 * same records; a CSV's geometry is a WKT column (WKT, GEOM, GEOMETRY,
 * THE_GEOM, SHAPE). */
int tb_ogr_open(const char *path, const char *encoding, const char *layer, tb_ogr_file *f,
		tb_err *e);
void tb_ogr_close(tb_ogr_file *f);
/* The transform from the layer's CRS (or `override`) to EPSG:4490 lon/lat,
 * NULL when the layer already is in it.  `name` receives "EPSG:4527" or the
 * CRS name.  Fails when no CRS is declared and none can be guessed. */
int tb_ogr_transform_to_4490(OGRLayerH layer, const char *override,
			     OGRCoordinateTransformationH *ct, char *name, size_t size, tb_err *e);
/* EPSG:4490 with lon/lat axis order (caller releases with OSRRelease). */
OGRSpatialReferenceH tb_ogr_srs_4490(void);
GEOSGeometry *tb_ogr_to_geos(OGRGeometryH g);
OGRGeometryH tb_geos_to_ogr(const GEOSGeometry *g);

#endif
