/* query.c — the registry's query interface for the other modules: a parcel
 * by code, the parcels, divisions and key zones of a box (R-tree prefilter)
 * or of a town, the district outline, the natural-forest total and the
 * extent of a jurisdiction.  The parcels, divisions and zones tables are
 * private to registry/ (scripts/check-layers); everyone else calls these. */
#include "registry/registry.h"

#include "db/gpkg.h"

#include <stdio.h>
#include <string.h>

static void bind_box(tb_stmt *st, const double b[4])
{
	tb_bind_double(st, 1, b[0]);
	tb_bind_double(st, 2, b[2]);
	tb_bind_double(st, 3, b[1]);
	tb_bind_double(st, 4, b[3]);
}

int tb_registry_parcel(tb_db *db, const char *code, tb_parcel_info *out, tb_err *e)
{
	memset(out, 0, sizeof *out);
	tb_stmt *st = tb_db_stmt(db,
				 "SELECT xiang, natural, coalesce(status,'active')='active', area_ha FROM parcels"
				 " WHERE code=?",
				 e);
	if (!st) return TB_EDB;
	tb_bind_text(st, 1, code ? code : "");
	int rc = TB_ENOTFOUND;
	if (tb_stmt_step(st) == TB_ROW) {
		snprintf(out->town, sizeof out->town, "%s", tb_col_text(st, 0) ? tb_col_text(st, 0) : "");
		out->natural = tb_col_int(st, 1) != 0;
		out->active = tb_col_int(st, 2) != 0;
		out->area_ha = tb_col_double(st, 3);
		rc = 0;
	}
	tb_stmt_reset(st);
	return rc;
}

#define PARCEL_COLS "p.fid, p.code, p.xiang, p.cun, p.natural, p.area_ha, p.gjgyl_bhdj, p.bh_dj, p.geom"

/* Step st to its end (or until fn stops), one tb_parcel_row per row. */
static int parcel_rows(tb_stmt *st, tb_parcel_row_fn fn, void *ctx)
{
	int rc = 0;
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		tb_parcel_row p = {.fid = tb_col_int64(st, 0), .code = tb_col_text(st, 1), .town = tb_col_text(st, 2),
				   .village = tb_col_text(st, 3), .natural = tb_col_int(st, 4) != 0,
				   .area_ha = tb_col_double(st, 5), .gjgyl_bhdj = tb_col_text(st, 6),
				   .bh_dj = tb_col_text(st, 7), .geom = tb_col_geom(st, 8)};
		if (!p.geom) continue;
		rc = fn(ctx, &p);
		if (p.geom) GEOSGeom_destroy_r(tb_geos(), p.geom);
	}
	return rc;
}

int tb_registry_parcels_in_box(tb_db *db, const double box[4], bool active_only, tb_parcel_row_fn fn, void *ctx,
			       tb_err *e)
{
	static const char *active = "SELECT " PARCEL_COLS " FROM rtree_parcels_geom r JOIN parcels p ON p.fid=r.id"
				    " WHERE r.maxx>=? AND r.minx<=? AND r.maxy>=? AND r.miny<=?"
				    " AND coalesce(p.status,'active')='active' ORDER BY p.code";
	static const char *any = "SELECT " PARCEL_COLS " FROM rtree_parcels_geom r JOIN parcels p ON p.fid=r.id"
				 " WHERE r.maxx>=? AND r.minx<=? AND r.maxy>=? AND r.miny<=? ORDER BY p.code";
	tb_stmt *st = tb_db_stmt(db, active_only ? active : any, e);
	if (!st) return TB_EDB;
	bind_box(st, box);
	int rc = parcel_rows(st, fn, ctx);
	tb_stmt_reset(st);
	return rc;
}

int tb_registry_parcels_of(tb_db *db, const char *town, const char *village, int flags, int limit,
			   tb_parcel_row_fn fn, void *ctx, tb_err *e)
{
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT " PARCEL_COLS " FROM parcels p WHERE 1%s%s%s%s ORDER BY %s LIMIT ?3",
		 town ? " AND p.xiang=?1" : "", village ? " AND p.cun=?2" : "",
		 flags & TB_PARCELS_ACTIVE ? " AND coalesce(p.status,'active')='active'" : "",
		 flags & TB_PARCELS_NATURAL ? " AND p.natural=1" : "",
		 flags & TB_PARCELS_LARGEST ? "p.area_ha DESC, p.code" : "p.fid");
	tb_stmt *st;
	int rc = tb_db_prepare(db, sql, &st, e);
	if (rc) return rc;
	if (town) tb_bind_text(st, 1, town);
	if (village) tb_bind_text(st, 2, village);
	tb_bind_int(st, 3, limit > 0 ? limit : -1);
	rc = parcel_rows(st, fn, ctx);
	tb_stmt_finalize(st);
	return rc;
}

int tb_registry_division(tb_db *db, const char *code, tb_division_info *out, tb_err *e)
{
	memset(out, 0, sizeof *out);
	tb_stmt *st = tb_db_stmt(db, "SELECT name, level, parent_code FROM divisions WHERE code=?", e);
	if (!st) return TB_EDB;
	tb_bind_text(st, 1, code ? code : "");
	int rc = TB_ENOTFOUND;
	if (tb_stmt_step(st) == TB_ROW) {
		snprintf(out->name, sizeof out->name, "%s", tb_col_text(st, 0) ? tb_col_text(st, 0) : "");
		snprintf(out->level, sizeof out->level, "%s", tb_col_text(st, 1) ? tb_col_text(st, 1) : "");
		snprintf(out->parent, sizeof out->parent, "%s", tb_col_text(st, 2) ? tb_col_text(st, 2) : "");
		rc = 0;
	}
	tb_stmt_reset(st);
	return rc;
}

/* Step st to its end (or until fn stops): code, name, town, geom; rows
 * without a geometry too unless skip_empty. */
static int area_rows(tb_stmt *st, bool skip_empty, tb_area_fn fn, void *ctx)
{
	int rc = 0;
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		tb_area_row a = {.code = tb_col_text(st, 0), .name = tb_col_text(st, 1), .town = tb_col_text(st, 2),
				 .geom = tb_col_geom(st, 3)};
		if (!a.geom && skip_empty) continue;
		rc = fn(ctx, &a);
		if (a.geom) GEOSGeom_destroy_r(tb_geos(), a.geom);
	}
	return rc;
}

/* The town of a division: itself for a town, its parent for a village. */
#define DIVISION_COLS                                                                                          \
	"d.code, d.name, CASE d.level WHEN 'town' THEN d.code WHEN 'village' THEN d.parent_code END, d.geom"

int tb_registry_divisions(tb_db *db, const char *level, const double box[4], tb_area_fn fn, void *ctx,
			  tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       box ? "SELECT " DIVISION_COLS " FROM rtree_divisions_geom r JOIN divisions d ON d.fid=r.id"
				     " WHERE r.maxx>=? AND r.minx<=? AND r.maxy>=? AND r.miny<=? AND d.level=?5"
				     " ORDER BY d.code"
				   : "SELECT " DIVISION_COLS " FROM divisions d WHERE d.level=?5 ORDER BY d.code",
			       &st, e);
	if (rc) return rc;
	if (box) bind_box(st, box);
	tb_bind_text(st, 5, level);
	rc = area_rows(st, box != NULL, fn, ctx);
	tb_stmt_finalize(st);
	return rc;
}

int tb_registry_zones_in_box(tb_db *db, const double box[4], tb_area_fn fn, void *ctx, tb_err *e)
{
	static const char *sql = "SELECT z.code, z.name, NULL, z.geom FROM rtree_zones_geom r JOIN zones z ON z.fid=r.id"
				 " WHERE r.maxx>=? AND r.minx<=? AND r.maxy>=? AND r.miny<=?";
	tb_stmt *st = tb_db_stmt(db, sql, e);
	if (!st) return TB_EDB;
	bind_box(st, box);
	int rc = area_rows(st, true, fn, ctx);
	tb_stmt_reset(st);
	return rc;
}

int tb_registry_district_outline(tb_db *db, GEOSGeometry **out, tb_err *e)
{
	*out = NULL;
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT geom FROM divisions WHERE level='district' AND geom IS NOT NULL LIMIT 1",
			       &st, e);
	if (rc) return rc;
	if (tb_stmt_step(st) == TB_ROW) *out = tb_col_geom(st, 0);
	tb_stmt_finalize(st);
	return 0;
}

double tb_registry_natural_ha(tb_db *db, const char *towns)
{
	tb_stmt *st;
	double v = 0;
	if (tb_db_prepare(db, "SELECT coalesce(sum(area_ha),0) FROM parcels WHERE natural=1"
			      " AND coalesce(status,'active')='active'"
			      " AND (?1 IS NULL OR instr(',' || ?1 || ',', ',' || xiang || ',') > 0)",
			  &st, NULL))
		return 0;
	tb_bind_text(st, 1, towns);
	if (tb_stmt_step(st) == TB_ROW) v = tb_col_double(st, 0);
	tb_stmt_finalize(st);
	return v;
}

bool tb_registry_extent(tb_db *db, const char *towns, double b[4])
{
	if (!towns) return tb_gpkg_extent(db, tb_divisions.name, b);
	tb_stmt *st = NULL;
	bool found = false;
	if (tb_db_prepare(db, "SELECT min(r.minx),min(r.miny),max(r.maxx),max(r.maxy) FROM rtree_parcels_geom r"
			      " JOIN parcels p ON p.fid=r.id WHERE instr(',' || ?1 || ',', ',' || p.xiang || ',') > 0",
			  &st, NULL))
		return false;
	tb_bind_text(st, 1, towns);
	if (tb_stmt_step(st) == TB_ROW && tb_col_type(st, 0) != TB_COL_NULL) {
		for (int i = 0; i < 4; i++)
			b[i] = tb_col_double(st, i);
		found = true;
	}
	tb_stmt_finalize(st);
	return found;
}
