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
/* Open path read-only and pick the layer (named, or the first). */
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
