/* patrol.c — storing patrols (巡护): a track read by track.c is analysed
 * against the ranger's grid on the day of the patrol and the ranger's
 * earlier patrols, and stored with its measures and verdict (valid or
 * suspect, with reason codes) in one transaction with one event.  The
 * thresholds are district settings (patrol_*), so a county tunes them as
 * data.  Also the monthly summary per ranger and grid against the required
 * patrol days. */
#include "duty/patrol.h"

#include "base/list.h"
#include "base/num.h"
#include "base/tbtime.h"
#include "db/gpkg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tb_patrol_rules_from_db(tb_db *db, tb_patrol_rules *r)
{
	tb_patrol_rules_default(r);
	r->min_km = tb_setting_num(db, "patrol_min_km", r->min_km);
	r->min_hours = tb_setting_num(db, "patrol_min_hours", r->min_hours);
	r->max_speed_kmh = tb_setting_num(db, "patrol_max_speed_kmh", r->max_speed_kmh);
	r->teleport_kmh = tb_setting_num(db, "patrol_teleport_kmh", r->teleport_kmh);
	r->teleport_min_m = tb_setting_num(db, "patrol_teleport_min_m", r->teleport_min_m);
	r->moving_min_kmh = tb_setting_num(db, "patrol_moving_min_kmh", r->moving_min_kmh);
	r->min_inside_share = tb_setting_num(db, "patrol_min_inside_share", r->min_inside_share);
	r->buffer_m = tb_setting_num(db, "patrol_buffer_m", r->buffer_m);
	r->duplicate_m = tb_setting_num(db, "patrol_duplicate_m", r->duplicate_m);
	r->future_slack_s = tb_setting_num(db, "patrol_future_slack_s", r->future_slack_s);
}

/* The ranger's town and the grid assigned on `date` (first by start). */
static int ranger_grid(tb_db *db, const char *ranger, const char *date, char *town, size_t tn,
		       char *grid, size_t gn, GEOSGeometry **geom, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT r.town_code, r.status FROM rangers r WHERE r.code=?", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, ranger);
	if (tb_stmt_step(st) != TB_ROW) rc = tb_err_set(e, TB_EINPUT, ranger, "ranger", "no ranger with this code");
	else snprintf(town, tn, "%s", tb_col_text(st, 0));
	tb_stmt_finalize(st);
	*geom = NULL;
	grid[0] = 0;
	if (rc) return rc;
	rc = tb_db_prepare(db,
			   "SELECT g.code, g.geom FROM grid_rangers a JOIN grids g ON g.code=a.grid_code WHERE a.ranger_code=?1"
			   " AND a.start_date<=?2 AND (a.end_date IS NULL OR a.end_date>=?2) ORDER BY a.start_date LIMIT 1",
			   &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, ranger);
	tb_bind_text(st, 2, date);
	if (tb_stmt_step(st) == TB_ROW) {
		snprintf(grid, gn, "%s", tb_col_text(st, 0));
		*geom = tb_col_geom(st, 1);
	}
	tb_stmt_finalize(st);
	return 0;
}

/* The ranger's earlier patrol lines, newest first (for `duplicate`). */
static GEOSGeometry **earlier_lines(tb_db *db, const char *ranger, size_t *n)
{
	tb_stmt *st;
	GEOSGeometry **out = NULL;
	*n = 0;
	if (tb_db_prepare(db, "SELECT geom FROM patrols WHERE ranger_code=? AND geom IS NOT NULL"
				      " ORDER BY fid DESC LIMIT 500", &st, NULL) != 0)
		return NULL;
	tb_bind_text(st, 1, ranger);
	while (tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(st, 0);
		if (!g) continue;
		GEOSGeometry **more = realloc(out, (*n + 1) * sizeof *out);
		if (!more) { /* fewer tracks: the overlap is only a hint */
			GEOSGeom_destroy_r(tb_geos(), g);
			break;
		}
		out = more;
		out[(*n)++] = g;
	}
	tb_stmt_finalize(st);
	return out;
}

/* The patrol of this ranger with exactly these start and end times, if
 * one is stored: the same track sent again (a phone that lost the server's
 * answer on a weak network and retried, a GPX file uploaded twice) is that
 * patrol, not a second one (and not a "duplicate" copy of itself).  0 when
 * none. */
static int64_t resubmitted(tb_db *db, const char *ranger, const char *start, const char *end)
{
	tb_stmt *st;
	int64_t fid = 0;
	if (tb_db_prepare(db, "SELECT fid FROM patrols WHERE ranger_code=? AND start_time=? AND end_time=?"
			      " ORDER BY fid LIMIT 1", &st, NULL) != 0)
		return 0;
	tb_bind_text(st, 1, ranger);
	tb_bind_text(st, 2, start);
	tb_bind_text(st, 3, end);
	if (tb_stmt_step(st) == TB_ROW) fid = tb_col_int64(st, 0);
	tb_stmt_finalize(st);
	return fid;
}

/* What a patrol's write needs from the import: the analysis and the
 * parcels and grids it came within buffer_m of. */
typedef struct patrol_ctx {
	const tb_patrol_result *a;
	json_t *parcels, *grids;
} patrol_ctx;

/* Codes of the records of `table` within buffer_m (geodesic) of the line:
 * candidates from the R-tree around the line's box, then the nearest
 * points of each candidate measured on the ellipsoid. */
static json_t *visited(tb_db *db, const char *table, const GEOSGeometry *line, double buffer_m)
{
	json_t *out = json_array();
	if (!line) return out;
	GEOSContextHandle_t h = tb_geos();
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(h, line, &x0);
	GEOSGeom_getYMin_r(h, line, &y0);
	GEOSGeom_getXMax_r(h, line, &x1);
	GEOSGeom_getYMax_r(h, line, &y1);
	double dlat = buffer_m / 110000.0, dlon = dlat / cos((y0 + y1) / 2 * M_PI / 180);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT t.code, t.geom FROM \"rtree_%s_geom\" r JOIN \"%s\" t ON t.fid=r.id"
		 " WHERE r.maxx>=? AND r.minx<=? AND r.maxy>=? AND r.miny<=? ORDER BY t.code", table, table);
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, NULL) != 0) return out;
	tb_bind_double(st, 1, x0 - dlon);
	tb_bind_double(st, 2, x1 + dlon);
	tb_bind_double(st, 3, y0 - dlat);
	tb_bind_double(st, 4, y1 + dlat);
	while (tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(st, 1);
		if (!g) continue;
		bool near = GEOSIntersects_r(h, g, line) == 1;
		if (!near) {
			GEOSCoordSequence *cs = GEOSNearestPoints_r(h, g, line);
			double ax, ay, bx, by;
			if (cs && GEOSCoordSeq_getXY_r(h, cs, 0, &ax, &ay) && GEOSCoordSeq_getXY_r(h, cs, 1, &bx, &by))
				near = tb_distance_m(ax, ay, bx, by) <= buffer_m;
			if (cs) GEOSCoordSeq_destroy_r(h, cs);
		}
		if (near) json_array_append_new(out, json_string(tb_col_text(st, 0)));
		GEOSGeom_destroy_r(h, g);
	}
	tb_stmt_finalize(st);
	return out;
}

/* before_write of patrols: the measures come from the analysis in ctx. */
int tb_patrol_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db, (void)r;
	tb_write_ctx *w = ctx;
	const patrol_ctx *pc = w ? w->user : NULL;
	const tb_patrol_result *a = pc ? pc->a : NULL;
	if (!a) return tb_err_set(e, TB_EINPUT, rec->name, NULL, "patrols are created by uploading a track");
	json_t *p = rec->props;
	json_object_set_new(p, "distance_km", json_real(round(a->distance_m) / 1000));
	json_object_set_new(p, "duration_h", json_real(round(a->duration_s / 36) / 100));
	json_object_set_new(p, "moving_h", json_real(round(a->moving_s / 36) / 100));
	json_object_set_new(p, "max_speed_kmh", json_real(round(a->max_speed_kmh * 10) / 10));
	/* without a grid these are NAN: stored as null */
	json_object_set_new(p, "coverage", isnan(a->grid_coverage) ? json_null() : json_real(round(a->grid_coverage * 1000) / 1000));
	json_object_set_new(p, "inside_share", isnan(a->inside_share) ? json_null() : json_real(round(a->inside_share * 1000) / 1000));
	json_object_set_new(p, "dropped_points", json_integer(a->dropped));
	json_object_set_new(p, "status", json_string(json_array_size(a->reasons) ? "suspect" : "valid"));
	json_object_set_new(p, "reasons", json_deep_copy(a->reasons));
	json_object_set_new(p, "parcels_visited", json_deep_copy(pc->parcels));
	json_object_set_new(p, "grids_visited", json_deep_copy(pc->grids));
	return 0;
}

int tb_patrol_import(tb_db *db, const tb_actor *who, const char *ranger, const tb_track *t,
		     const char *source, json_t **out, tb_err *e)
{
	*out = NULL;
	if (!t->n) return tb_err_set(e, TB_EINPUT, source, NULL, "the track has no points");
	char start[32], end[32], date[16], town[32], grid[64];
	tb_time_format_iso(t->pts[0].t_ms, start);
	tb_time_format_iso(t->pts[t->n - 1].t_ms, end);
	snprintf(date, sizeof date, "%.10s", start);
	GEOSGeometry *g = NULL;
	int rc = ranger_grid(db, ranger, date, town, sizeof town, grid, sizeof grid, &g, e);
	if (rc) return rc;
	size_t nearlier = 0;
	GEOSGeometry **earlier = earlier_lines(db, ranger, &nearlier);
	tb_patrol_rules rules;
	tb_patrol_rules_from_db(db, &rules);
	tb_patrol_result a = {0};
	rc = tb_patrol_analyse(t, g, (const GEOSGeometry *const *)earlier, nearlier, &rules, tb_time_now_ms(), &a, e);
	if (!rc) { /* times from the analysis: right even when points are out of order */
		tb_time_format_iso(a.start_ms, start);
		tb_time_format_iso(a.end_ms, end);
	}
	int64_t again = rc ? 0 : resubmitted(db, ranger, start, end);
	if (again) {
		rc = tb_record_get(db, &tb_patrols, again, out, NULL, e);
		if (!rc) json_object_set_new(*out, "resubmitted", json_true());
	} else if (!rc) {
		json_t *props = json_pack("{s:s,s:s,s:s,s:s,s:s}", "ranger_code", ranger, "town_code", town,
					  "start_time", start, "end_time", end, "source", source ? source : "upload");
		if (grid[0]) json_object_set_new(props, "grid_code", json_string(grid));
		char name[96];
		snprintf(name, sizeof name, "patrol of %s", ranger);
		tb_record rec = {.props = props, .geom = a.line ? GEOSGeom_clone_r(tb_geos(), a.line) : NULL, .name = name};
		patrol_ctx pc = {&a, visited(db, "parcels", a.line, rules.buffer_m),
				 visited(db, "grids", a.line, rules.buffer_m)};
		rc = tb_write_create(db, who, &tb_patrols, &rec, source, &pc, e);
		json_decref(pc.parcels);
		json_decref(pc.grids);
		if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
		if (!rc) tb_record_get(db, &tb_patrols, rec.fid, out, NULL, e);
		json_decref(props);
	}
	tb_patrol_result_free(&a);
	for (size_t i = 0; i < nearlier; i++) GEOSGeom_destroy_r(tb_geos(), earlier[i]);
	free(earlier);
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	return rc;
}

/* ---- monthly summary ------------------------------------------------------------ */

static bool fire_season(tb_db *db, int month)
{
	char *months = tb_setting_get(db, "fire_season_months", "1,2,3,4,5,10,11,12");
	bool in = false;
	char t[16];
	long m;
	for (const char *cur = months; tb_list_next_copy(&cur, t, sizeof t);)
		in |= tb_num_long(t, 1, 12, &m) && m == month;
	free(months);
	return in;
}

json_t *tb_patrol_summary(tb_db *db, const char *month, const char *scope, tb_err *e)
{
	int y, m;
	if (!month || sscanf(month, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12 || strlen(month) != 7) {
		tb_err_set(e, TB_EUSAGE, NULL, "month", "month must be YYYY-MM");
		return NULL;
	}
	bool season = fire_season(db, m);
	int required = (int)tb_setting_num(db, season ? "patrol_days_fire_season" : "patrol_days_other",
					   season ? 20 : 10);
	tb_stmt *st;
	if (tb_db_prepare(db,
			  "SELECT r.code, r.name, r.town_code, (SELECT a.grid_code FROM grid_rangers a WHERE a.ranger_code=r.code"
			  " ORDER BY a.start_date DESC LIMIT 1), count(DISTINCT CASE WHEN p.status='valid' THEN substr(p.start_time,1,10) END),"
			  " coalesce(sum(CASE WHEN p.status='valid' THEN p.distance_km END),0),"
			  " coalesce(sum(CASE WHEN p.status='valid' THEN p.duration_h END),0),"
			  " coalesce(max(p.coverage),0), count(CASE WHEN p.status='suspect' THEN 1 END), count(p.fid)"
			  " FROM rangers r LEFT JOIN patrols p ON p.ranger_code=r.code AND substr(p.start_time,1,7)=?1"
			  " WHERE r.status='active' AND (?2 IS NULL OR instr(',' || ?2 || ',', ',' || r.town_code || ',') > 0)"
			  " GROUP BY r.code ORDER BY r.town_code, r.code", &st, e))
		return NULL;
	tb_bind_text(st, 1, month);
	if (scope) tb_bind_text(st, 2, scope);
	json_t *rows = json_array();
	while (tb_stmt_step(st) == TB_ROW) {
		int days = tb_col_int(st, 4);
		json_array_append_new(rows, json_pack("{s:s,s:s,s:s?,s:s?,s:i,s:f,s:f,s:f,s:i,s:i,s:i,s:b}",
			"ranger", tb_col_text(st, 0), "name", tb_col_text(st, 1), "town",
			tb_col_text(st, 2), "grid", tb_col_text(st, 3), "patrol_days", days, "km",
			round(tb_col_double(st, 5) * 100) / 100, "hours", round(tb_col_double(st, 6) * 100) / 100,
			"best_coverage", tb_col_double(st, 7), "suspect", tb_col_int(st, 8), "patrols",
			tb_col_int(st, 9), "required_days", required, "met", days >= required));
	}
	tb_stmt_finalize(st);
	return json_pack("{s:s,s:b,s:i,s:o}", "month", month, "fire_season", season, "required_days", required,
			 "rangers", rows);
}
