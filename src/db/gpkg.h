/* gpkg.h — GeoPackage 1.3 metadata: the required tables and SRSs, feature
 * and attribute table registration, the R-tree spatial index extension with
 * its triggers, and the SQL functions (ST_MinX … ST_IsEmpty) those triggers
 * call.  With this, GDAL, QGIS and ArcGIS open the database as it is. */
#ifndef TB_DB_GPKG_H
#define TB_DB_GPKG_H

#include "db/db.h"

#include <geos_c.h>

#define TB_GPKG_APPLICATION_ID 0x47504B47 /* "GPKG" */
#define TB_GPKG_USER_VERSION 10300        /* GeoPackage 1.3.0 */

int tb_gpkg_register_functions(tb_db *db, tb_err *e);
/* Create the GeoPackage core tables (idempotent), the application id and
 * version, and the SRSs tianbao uses: EPSG:4326, 4490, 4527, 4548. */
int tb_gpkg_init(tb_db *db, tb_err *e);
/* Register a feature table whose geometry column `geomcol` already exists:
 * gpkg_contents, gpkg_geometry_columns, the rtree_<table>_<col> virtual
 * table, its six triggers and the gpkg_rtree_index extension row. */
int tb_gpkg_add_features(tb_db *db, const char *table, const char *geomcol,
			 const char *geomtype, int srs_id, const char *identifier,
			 const char *description, tb_err *e);
/* Register an attribute (non-spatial) table in gpkg_contents. */
int tb_gpkg_add_attributes(tb_db *db, const char *table, const char *identifier,
			   const char *description, tb_err *e);
/* Describe a column in gpkg_data_columns (schema extension): a short name
 * (the Chinese label) and title (English); constraint may be NULL. */
int tb_gpkg_describe_column(tb_db *db, const char *table, const char *column,
			    const char *name, const char *title, const char *constraint,
			    tb_err *e);
/* Add an enum value to gpkg_data_column_constraints (for code lists). */
int tb_gpkg_enum_value(tb_db *db, const char *constraint, const char *value,
		       const char *description, tb_err *e);
/* Recompute gpkg_contents' bounding box of a feature table from its R-tree
 * and set last_change. */
int tb_gpkg_touch(tb_db *db, const char *table, const char *geomcol, tb_err *e);
/* The bounding box (min_x, min_y, max_x, max_y) gpkg_contents keeps for a
 * table into b; false (b untouched) when it has none or cannot be read. */
bool tb_gpkg_extent(tb_db *db, const char *table, double b[4]);

/* The GeoPackage geometry in column i of the current row, decoded
 * (EPSG:4490): a new geometry, or NULL for SQL NULL or an undecodable blob. */
GEOSGeometry *tb_col_geom(tb_stmt *st, int i);

#endif
