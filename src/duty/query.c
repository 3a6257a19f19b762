/* query.c — duty's query interface for the other modules: the ranger of a
 * login, a ranger's town, login and status, the active rangers of a grid or
 * of a town on a date, the grid holding a point and the grids of a town.
 * The grids, rangers and grid_rangers tables are private to duty/
 * (scripts/check-layers); monitor/ and http/ call these. */
#include "duty/duty.h"
#include "db/gpkg.h"

#include <stdio.h>
#include <string.h>

static void text(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

bool tb_duty_ranger_of_login(tb_db *db, const char *login, char code[64])
{
	code[0] = 0;
	tb_stmt *st;
	if (!login || !*login ||
	    tb_db_prepare(db, "SELECT code FROM rangers WHERE login=? ORDER BY fid LIMIT 1", &st, NULL) != 0)
		return false;
	tb_bind_text(st, 1, login);
	if (tb_stmt_step(st) == TB_ROW) text(code, 64, tb_col_text(st, 0));
	tb_stmt_finalize(st);
	return code[0] != 0;
}

int tb_duty_ranger(tb_db *db, const char *code, tb_ranger_info *out, tb_err *e)
{
	memset(out, 0, sizeof *out);
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT town_code, login, status FROM rangers WHERE code=?", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, code ? code : "");
	rc = TB_ENOTFOUND;
	if (tb_stmt_step(st) == TB_ROW) {
		text(out->town, sizeof out->town, tb_col_text(st, 0));
		text(out->login, sizeof out->login, tb_col_text(st, 1));
		text(out->status, sizeof out->status, tb_col_text(st, 2));
		rc = 0;
	}
	tb_stmt_finalize(st);
	return rc;
}

/* Bind (key, date) to a ranger query and call fn per row. */
static int ranger_rows(tb_db *db, const char *sql, const char *key, const char *date, tb_ranger_fn fn, void *ctx,
		       tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, sql, &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, key ? key : "");
	tb_bind_text(st, 2, date);
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		char ranger[64];
		text(ranger, sizeof ranger, tb_col_text(st, 0));
		rc = fn(ctx, ranger);
	}
	tb_stmt_finalize(st);
	return rc;
}

int tb_duty_grid_rangers(tb_db *db, const char *grid, const char *date, tb_ranger_fn fn, void *ctx, tb_err *e)
{
	return ranger_rows(db,
			   "SELECT a.ranger_code FROM grid_rangers a JOIN rangers x ON x.code=a.ranger_code"
			   " WHERE a.grid_code=?1 AND x.status='active' AND a.start_date<=?2"
			   " AND (a.end_date IS NULL OR a.end_date>=?2) ORDER BY a.start_date, a.ranger_code",
			   grid, date, fn, ctx, e);
}

int tb_duty_town_rangers(tb_db *db, const char *town, const char *date, tb_ranger_fn fn, void *ctx, tb_err *e)
{
	return ranger_rows(db,
			   "SELECT DISTINCT r.code FROM rangers r JOIN grid_rangers g ON g.ranger_code=r.code"
			   " WHERE g.town_code=?1 AND r.status='active' AND g.start_date<=?2"
			   " AND (g.end_date IS NULL OR g.end_date='' OR g.end_date>=?2) ORDER BY r.code",
			   town, date, fn, ctx, e);
}

int tb_duty_grid_at(tb_db *db, const GEOSGeometry *pt, char code[64], char town[32], tb_err *e)
{
	code[0] = town[0] = 0;
	GEOSContextHandle_t h = tb_geos();
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(h, pt, &x0);
	GEOSGeom_getYMin_r(h, pt, &y0);
	GEOSGeom_getXMax_r(h, pt, &x1);
	GEOSGeom_getYMax_r(h, pt, &y1);
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       "SELECT g.code, g.town_code, g.geom FROM rtree_grids_geom r JOIN grids g ON g.fid=r.id"
			       " WHERE r.maxx>=?1 AND r.minx<=?2 AND r.maxy>=?3 AND r.miny<=?4 ORDER BY g.code",
			       &st, e);
	if (rc) return rc;
	tb_bind_double(st, 1, x0);
	tb_bind_double(st, 2, x1);
	tb_bind_double(st, 3, y0);
	tb_bind_double(st, 4, y1);
	while (tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(st, 2);
		bool in = g && GEOSIntersects_r(h, g, pt) == 1;
		if (g) GEOSGeom_destroy_r(h, g);
		if (!in) continue;
		text(code, 64, tb_col_text(st, 0));
		text(town, 32, tb_col_text(st, 1));
		break;
	}
	tb_stmt_finalize(st);
	return 0;
}

int tb_duty_grids(tb_db *db, const char *town, bool assigned_only, tb_area_fn fn, void *ctx, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db,
			       assigned_only ? "SELECT g.code, g.name, g.town_code, g.geom FROM grids g WHERE g.town_code=?"
					       " AND EXISTS (SELECT 1 FROM grid_rangers a WHERE a.grid_code=g.code)"
					       " ORDER BY g.code"
					     : "SELECT g.code, g.name, g.town_code, g.geom FROM grids g WHERE g.town_code=?"
					       " ORDER BY g.code",
			       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, town ? town : "");
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		tb_area_row a = {.code = tb_col_text(st, 0), .name = tb_col_text(st, 1), .town = tb_col_text(st, 2),
				 .geom = tb_col_geom(st, 3)};
		if (!a.geom) continue;
		rc = fn(ctx, &a);
		if (a.geom) GEOSGeom_destroy_r(tb_geos(), a.geom);
	}
	tb_stmt_finalize(st);
	return rc;
}
