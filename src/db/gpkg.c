/* gpkg.c — GeoPackage 1.3 (OGC 12-128r17) structure of the database.  The
 * SQL text of the R-tree triggers is the one the standard gives (Annex F.3),
 * so other GeoPackage software recognises and maintains the index. */
#include "db/gpkg.h"

#include "base/buf.h"
#include "geo/geo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- core tables -------------------------------------------------------- */

static const char *core_sql =
	"CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,"
	" srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,"
	" organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,"
	" description TEXT);"
	"CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,"
	" data_type TEXT NOT NULL, identifier TEXT UNIQUE, description TEXT DEFAULT '',"
	" last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
	" min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,"
	" CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));"
	"CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (table_name TEXT NOT NULL,"
	" column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,"
	" z TINYINT NOT NULL, m TINYINT NOT NULL,"
	" CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),"
	" CONSTRAINT uk_gc_table_name UNIQUE (table_name),"
	" CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),"
	" CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
	"CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT,"
	" extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL,"
	" CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));"
	"CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL,"
	" column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT,"
	" constraint_name TEXT,"
	" CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),"
	" CONSTRAINT gdc_tn UNIQUE (table_name, name));"
	"CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL,"
	" constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN,"
	" max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,"
	" CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));"
	"INSERT OR IGNORE INTO gpkg_extensions VALUES"
	" ('gpkg_data_columns', NULL, 'gpkg_schema',"
	"  'http://www.geopackage.org/spec/#extension_schema', 'read-write'),"
	" ('gpkg_data_column_constraints', NULL, 'gpkg_schema',"
	"  'http://www.geopackage.org/spec/#extension_schema', 'read-write');";

static int add_srs(tb_db *db, const char *name, int id, const char *org, int orgid,
		   const char *def, const char *desc, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES(?,?,?,?,?,?)",
			       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, name);
	tb_bind_int(st, 2, id);
	tb_bind_text(st, 3, org);
	tb_bind_int(st, 4, orgid);
	tb_bind_text(st, 5, def);
	tb_bind_text(st, 6, desc);
	rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "gpkg_spatial_ref_sys");
	tb_stmt_finalize(st);
	return rc;
}

static int add_epsg(tb_db *db, int epsg, const char *name, const char *desc, tb_err *e)
{
	char *wkt = tb_crs_wkt(epsg);
	if (!wkt) return tb_err_set(e, TB_EINTERNAL, NULL, NULL, "PROJ does not know EPSG:%d", epsg);
	int rc = add_srs(db, name, epsg, "EPSG", epsg, wkt, desc, e);
	free(wkt);
	return rc;
}

int tb_gpkg_init(tb_db *db, tb_err *e)
{
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA application_id=%d; PRAGMA user_version=%d;",
		 TB_GPKG_APPLICATION_ID, TB_GPKG_USER_VERSION);
	int rc = tb_db_exec(db, sql, e);
	if (!rc) rc = tb_db_exec(db, core_sql, e);
	if (!rc) rc = add_srs(db, "Undefined cartesian SRS", -1, "NONE", -1, "undefined",
			      "undefined cartesian coordinate reference system", e);
	if (!rc) rc = add_srs(db, "Undefined geographic SRS", 0, "NONE", 0, "undefined",
			      "undefined geographic coordinate reference system", e);
	if (!rc) rc = add_epsg(db, 4326, "WGS 84 geodetic", "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid", e);
	if (!rc) rc = add_epsg(db, 4490, "China Geodetic Coordinate System 2000", "CGCS2000 geographic, the storage CRS of tianbao", e);
	if (!rc) rc = add_epsg(db, 4527, "CGCS2000 / 3-degree Gauss-Kruger zone 39", "zone-prefixed eastings (39xxxxxx)", e);
	if (!rc) rc = add_epsg(db, 4548, "CGCS2000 / 3-degree Gauss-Kruger CM 117E", "eastings without zone prefix", e);
	return rc;
}

/* ---- table registration -------------------------------------------------- */

static int exec_fmt(tb_db *db, tb_err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int exec_fmt(tb_db *db, tb_err *e, const char *fmt, ...)
{
	tb_buf b;
	tb_buf_init(&b, 1 << 20);
	va_list ap;
	va_start(ap, fmt);
	int rc = tb_buf_vaddf(&b, fmt, ap);
	va_end(ap);
	if (!rc) rc = tb_db_exec(db, b.data, e);
	tb_buf_free(&b);
	return rc;
}

static int add_contents(tb_db *db, const char *table, const char *type, const char *ident,
			const char *desc, int srs_id, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       "INSERT OR REPLACE INTO gpkg_contents(table_name,data_type,identifier,"
			       "description,srs_id) VALUES(?,?,?,?,?)",
			       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, table);
	tb_bind_text(st, 2, type);
	tb_bind_text(st, 3, ident ? ident : table);
	tb_bind_text(st, 4, desc ? desc : "");
	if (srs_id >= 0) tb_bind_int(st, 5, srs_id);
	rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "gpkg_contents");
	tb_stmt_finalize(st);
	return rc;
}

int tb_gpkg_add_attributes(tb_db *db, const char *table, const char *identifier,
			   const char *description, tb_err *e)
{
	return add_contents(db, table, "attributes", identifier, description, -1, e);
}

int tb_gpkg_add_features(tb_db *db, const char *t, const char *c, const char *geomtype,
			 int srs_id, const char *identifier, const char *description, tb_err *e)
{
	int rc = add_contents(db, t, "features", identifier, description, srs_id, e);
	if (!rc)
		rc = exec_fmt(db, e,
			      "INSERT OR REPLACE INTO gpkg_geometry_columns VALUES('%s','%s','%s',%d,0,0);"
			      "INSERT OR IGNORE INTO gpkg_extensions VALUES('%s','%s','gpkg_rtree_index',"
			      "'http://www.geopackage.org/spec120/#extension_rtree','write-only');"
			      "CREATE VIRTUAL TABLE IF NOT EXISTS \"rtree_%s_%s\" USING rtree(id, minx, maxx, miny, maxy);",
			      t, c, geomtype, srs_id, t, c, t, c);
	if (rc) return rc;
	/* The six triggers of GeoPackage 1.3 Annex F.3; i = fid. */
	return exec_fmt(db, e,
		"CREATE TRIGGER IF NOT EXISTS \"rtree_%1$s_%2$s_insert\" AFTER INSERT ON \"%1$s\""
		" WHEN (new.\"%2$s\" NOT NULL AND NOT ST_IsEmpty(NEW.\"%2$s\")) BEGIN"
		" INSERT OR REPLACE INTO \"rtree_%1$s_%2$s\" VALUES (NEW.fid, ST_MinX(NEW.\"%2$s\"),"
		" ST_MaxX(NEW.\"%2$s\"), ST_MinY(NEW.\"%2$s\"), ST_MaxY(NEW.\"%2$s\")); END;"
		"CREATE TRIGGER IF NOT EXISTS \"rtree_%1$s_%2$s_update1\" AFTER UPDATE OF \"%2$s\" ON \"%1$s\""
		" WHEN OLD.fid = NEW.fid AND (NEW.\"%2$s\" NOTNULL AND NOT ST_IsEmpty(NEW.\"%2$s\")) BEGIN"
		" INSERT OR REPLACE INTO \"rtree_%1$s_%2$s\" VALUES (NEW.fid, ST_MinX(NEW.\"%2$s\"),"
		" ST_MaxX(NEW.\"%2$s\"), ST_MinY(NEW.\"%2$s\"), ST_MaxY(NEW.\"%2$s\")); END;"
		"CREATE TRIGGER IF NOT EXISTS \"rtree_%1$s_%2$s_update2\" AFTER UPDATE OF \"%2$s\" ON \"%1$s\""
		" WHEN OLD.fid = NEW.fid AND (NEW.\"%2$s\" ISNULL OR ST_IsEmpty(NEW.\"%2$s\")) BEGIN"
		" DELETE FROM \"rtree_%1$s_%2$s\" WHERE id = OLD.fid; END;"
		"CREATE TRIGGER IF NOT EXISTS \"rtree_%1$s_%2$s_update3\" AFTER UPDATE ON \"%1$s\""
		" WHEN OLD.fid != NEW.fid AND (NEW.\"%2$s\" NOTNULL AND NOT ST_IsEmpty(NEW.\"%2$s\")) BEGIN"
		" DELETE FROM \"rtree_%1$s_%2$s\" WHERE id = OLD.fid;"
		" INSERT OR REPLACE INTO \"rtree_%1$s_%2$s\" VALUES (NEW.fid, ST_MinX(NEW.\"%2$s\"),"
		" ST_MaxX(NEW.\"%2$s\"), ST_MinY(NEW.\"%2$s\"), ST_MaxY(NEW.\"%2$s\")); END;"
		"CREATE TRIGGER IF NOT EXISTS \"rtree_%1$s_%2$s_update4\" AFTER UPDATE ON \"%1$s\""
		" WHEN OLD.fid != NEW.fid AND (NEW.\"%2$s\" ISNULL OR ST_IsEmpty(NEW.\"%2$s\")) BEGIN"
		" DELETE FROM \"rtree_%1$s_%2$s\" WHERE id IN (OLD.fid, NEW.fid); END;"
		"CREATE TRIGGER IF NOT EXISTS \"rtree_%1$s_%2$s_delete\" AFTER DELETE ON \"%1$s\""
		" WHEN old.\"%2$s\" NOT NULL BEGIN"
		" DELETE FROM \"rtree_%1$s_%2$s\" WHERE id = OLD.fid; END;",
		t, c);
}

int tb_gpkg_describe_column(tb_db *db, const char *table, const char *column, const char *name,
			    const char *title, const char *constraint, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       "INSERT OR REPLACE INTO gpkg_data_columns(table_name,column_name,name,"
			       "title,constraint_name) VALUES(?,?,?,?,?)",
			       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, table);
	tb_bind_text(st, 2, column);
	tb_bind_text(st, 3, name);
	tb_bind_text(st, 4, title);
	tb_bind_text(st, 5, constraint);
	rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "gpkg_data_columns");
	tb_stmt_finalize(st);
	return rc;
}

int tb_gpkg_enum_value(tb_db *db, const char *constraint, const char *value,
		       const char *description, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       "INSERT OR REPLACE INTO gpkg_data_column_constraints(constraint_name,"
			       "constraint_type,value,description) VALUES(?,'enum',?,?)",
			       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, constraint);
	tb_bind_text(st, 2, value);
	tb_bind_text(st, 3, description);
	rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "gpkg_data_column_constraints");
	tb_stmt_finalize(st);
	return rc;
}

int tb_gpkg_touch(tb_db *db, const char *t, const char *c, tb_err *e)
{
	if (!c)
		return exec_fmt(db, e,
				"UPDATE gpkg_contents SET last_change=strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now')"
				" WHERE table_name='%s'", t);
	return exec_fmt(db, e,
			"UPDATE gpkg_contents SET last_change=strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ','now'),"
			" min_x=(SELECT min(minx) FROM \"rtree_%1$s_%2$s\"),"
			" max_x=(SELECT max(maxx) FROM \"rtree_%1$s_%2$s\"),"
			" min_y=(SELECT min(miny) FROM \"rtree_%1$s_%2$s\"),"
			" max_y=(SELECT max(maxy) FROM \"rtree_%1$s_%2$s\") WHERE table_name='%1$s'",
			t, c);
}

bool tb_gpkg_extent(tb_db *db, const char *table, double b[4])
{
	tb_stmt *st = tb_db_stmt(db, "SELECT min_x,min_y,max_x,max_y FROM gpkg_contents WHERE table_name=?", NULL);
	if (!st) return false;
	tb_bind_text(st, 1, table);
	bool found = tb_stmt_step(st) == TB_ROW && tb_col_type(st, 0) != TB_COL_NULL;
	if (found)
		for (int i = 0; i < 4; i++)
			b[i] = tb_col_double(st, i);
	tb_stmt_reset(st);
	return found;
}

GEOSGeometry *tb_col_geom(tb_stmt *st, int i)
{
	return tb_col_type(st, i) == TB_COL_BLOB
		       ? tb_gpkg_decode(tb_col_blob(st, i), (size_t)tb_col_bytes(st, i), NULL)
		       : NULL;
}
