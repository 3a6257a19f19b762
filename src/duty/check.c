/* check.c — the full-coverage check of plan §3.1.2/§3.1.3 (全覆盖): every
 * active natural parcel must be covered by a valid chain of management
 * responsibility agreements (signed, in force, up to a district-level
 * agreement) and lie in exactly one grid that has at least one active
 * ranger.  Gaps and overlaps are measured in ellipsoidal ha. */
#include "duty/duty.h"
#include "db/gpkg.h"

#include "base/tbtime.h"
#include "registry/registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct grid {
	char code[64], town[16];
	GEOSGeometry *g;
	const GEOSPreparedGeometry *p;
	int rangers; /* active rangers assigned today */
} grid;

typedef struct check {
	tb_db *db;
	const char *today;
	grid *grids;
	int ngrids;
	json_t *chain;   /* agreement code → {level, parent, ok} */
	json_t *covered; /* parcel code → agreement code (valid chain) */
	json_t *gaps, *overlaps, *split, *no_ranger, *no_agreement;
	double gap_ha, overlap_ha;
	int64_t checked;
} check;

static double r4(double v)
{
	return round(v * 10000) / 10000;
}

static int load_grids(check *c, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(c->db,
			       "SELECT g.code, g.town_code, g.geom, (SELECT count(*) FROM grid_rangers a JOIN rangers r"
			       " ON r.code=a.ranger_code WHERE a.grid_code=g.code AND r.status='active'"
			       " AND a.start_date<=?1 AND (a.end_date IS NULL OR a.end_date>=?1)) FROM grids g ORDER BY g.fid",
			       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, c->today);
	while (tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(st, 2);
		if (!g) continue;
		grid *more = realloc(c->grids, (size_t)(c->ngrids + 1) * sizeof *c->grids);
		if (!more) {
			GEOSGeom_destroy_r(tb_geos(), g);
			tb_stmt_finalize(st);
			return tb_err_set(e, TB_ENOMEM, "grids", NULL, "out of memory");
		}
		c->grids = more;
		grid *x = &c->grids[c->ngrids++];
		snprintf(x->code, sizeof x->code, "%s", tb_col_text(st, 0));
		snprintf(x->town, sizeof x->town, "%s", tb_col_text(st, 1) ? tb_col_text(st, 1) : "");
		x->g = g;
		x->p = GEOSPrepare_r(tb_geos(), g);
		x->rangers = tb_col_int(st, 3);
	}
	tb_stmt_finalize(st);
	return 0;
}

/* An agreement is valid when signed, in force today, and its parent is
 * valid, up to a district-level (district_town) agreement. */
static bool chain_ok(check *c, const char *code, int depth)
{
	json_t *a = json_object_get(c->chain, code);
	if (!a || depth > 8) return false;
	if (!json_is_true(json_object_get(a, "in_force"))) return false;
	const char *level = json_string_value(json_object_get(a, "level"));
	if (level && !strcmp(level, "district_town")) return true;
	const char *parent = json_string_value(json_object_get(a, "parent"));
	return parent && chain_ok(c, parent, depth + 1);
}

static int load_agreements(check *c, int expiring_days, json_t *expiring, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(c->db,
			       "SELECT code, level, parent_code, status, start_date, end_date, parcels, party_a, party_b"
			       " FROM agreements ORDER BY fid", &st, e);
	if (rc) return rc;
	int64_t today = 0, end = 0;
	tb_time_parse_iso(c->today, &today);
	json_t *lists = json_object();
	while (tb_stmt_step(st) == TB_ROW) {
		const char *code = tb_col_text(st, 0);
		const char *status = tb_col_text(st, 3);
		const char *from = tb_col_text(st, 4), *to = tb_col_text(st, 5);
		bool in_force = status && !strcmp(status, "signed") && from && to && strcmp(from, c->today) <= 0 &&
				strcmp(to, c->today) >= 0;
		json_object_set_new(c->chain, code, json_pack("{s:s?,s:s?,s:b}", "level", tb_col_text(st, 1),
							      "parent", tb_col_text(st, 2), "in_force", in_force));
		if (in_force && tb_time_parse_iso(to, &end) && (end - today) / 86400000 <= expiring_days)
			json_array_append_new(expiring, json_pack("{s:s,s:s,s:s?,s:s?,s:I}", "code", code, "end_date", to,
								  "party_a", tb_col_text(st, 7), "party_b",
								  tb_col_text(st, 8), "days_left",
								  (json_int_t)((end - today) / 86400000)));
		const char *parcels = tb_col_text(st, 6);
		json_t *arr = parcels ? json_loads(parcels, 0, NULL) : NULL;
		if (arr) json_object_set_new(lists, code, arr);
	}
	tb_stmt_finalize(st);
	const char *code;
	json_t *arr;
	json_object_foreach(lists, code, arr)
	{
		if (!chain_ok(c, code, 0)) continue;
		size_t i;
		json_t *p;
		json_array_foreach(arr, i, p) if (json_is_string(p)) json_object_set_new(c->covered, json_string_value(p), json_string(code));
	}
	json_decref(lists);
	return 0;
}

static double inter_ha(const GEOSGeometry *a, const GEOSGeometry *b)
{
	GEOSGeometry *x = GEOSIntersection_r(tb_geos(), a, b);
	double ha = x ? tb_area_ha(x) : 0;
	if (x) GEOSGeom_destroy_r(tb_geos(), x);
	return ha;
}

/* One parcel: grids it meets, its gap, overlaps, rangers, agreement. */
static int check_parcel(void *ctx, const char *code, const char *town, double area, const GEOSGeometry *g)
{
	check *c = ctx;
	c->checked++;
	int idx[64], n = 0;
	double inside = 0;
	for (int i = 0; i < c->ngrids && n < 64; i++) {
		if (GEOSPreparedIntersects_r(tb_geos(), c->grids[i].p, g) != 1) continue;
		double ha = inter_ha(g, c->grids[i].g);
		if (ha < 0.0001) continue; /* touching only */
		idx[n++] = i;
		inside += ha;
	}
	double overlap = 0;
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++) {
			GEOSGeometry *x = GEOSIntersection_r(tb_geos(), c->grids[idx[i]].g, c->grids[idx[j]].g);
			double ha = x ? inter_ha(g, x) : 0;
			if (x) GEOSGeom_destroy_r(tb_geos(), x);
			if (ha >= 0.0001) {
				overlap += ha;
				json_array_append_new(c->overlaps, json_pack("{s:s,s:s,s:[s,s],s:f}", "parcel", code, "town", town,
									     "grids", c->grids[idx[i]].code, c->grids[idx[j]].code,
									     "ha", r4(ha)));
			}
		}
	double gap = area - (inside - overlap);
	if (gap >= 0.0001) {
		c->gap_ha += gap;
		json_array_append_new(c->gaps, json_pack("{s:s,s:s,s:f,s:f}", "parcel", code, "town", town, "ha", r4(gap),
							 "parcel_ha", area));
	}
	c->overlap_ha += overlap;
	if (n > 1 && overlap < 0.0001) {
		json_t *gs = json_array();
		for (int i = 0; i < n; i++) json_array_append_new(gs, json_string(c->grids[idx[i]].code));
		json_array_append_new(c->split, json_pack("{s:s,s:s,s:o}", "parcel", code, "town", town, "grids", gs));
	}
	bool ranger = false;
	for (int i = 0; i < n; i++) ranger |= c->grids[idx[i]].rangers > 0;
	if (n && !ranger)
		json_array_append_new(c->no_ranger, json_pack("{s:s,s:s,s:s}", "parcel", code, "town", town, "grid",
							      c->grids[idx[0]].code));
	if (!json_object_get(c->covered, code))
		json_array_append_new(c->no_agreement, json_pack("{s:s,s:s,s:f}", "parcel", code, "town", town, "ha", area));
	return 0;
}

json_t *tb_duty_check(tb_db *db, const char *today_iso, int expiring_days, tb_err *e)
{
	char today[16];
	if (today_iso) snprintf(today, sizeof today, "%.10s", today_iso);
	else {
		char now[32];
		tb_time_now_iso(now);
		snprintf(today, sizeof today, "%.10s", now);
	}
	check c = {.db = db, .today = today, .chain = json_object(), .covered = json_object(),
		   .gaps = json_array(), .overlaps = json_array(), .split = json_array(),
		   .no_ranger = json_array(), .no_agreement = json_array()};
	json_t *expiring = json_array(), *out = NULL;
	int rc = load_grids(&c, e);
	if (!rc) rc = load_agreements(&c, expiring_days, expiring, e);
	if (!rc) rc = tb_registry_each_parcel(db, true, check_parcel, &c, e);
	if (!rc) {
		bool ok = !json_array_size(c.gaps) && !json_array_size(c.overlaps) && !json_array_size(c.split) &&
			  !json_array_size(c.no_ranger) && !json_array_size(c.no_agreement);
		out = json_pack("{s:b,s:s,s:I,s:I,s:{s:f,s:f,s:I,s:I,s:I,s:I,s:I},s:O,s:O,s:O,s:O,s:O,s:O}", "ok", ok,
				"date", today, "parcels_checked", (json_int_t)c.checked, "grids", (json_int_t)c.ngrids,
				"totals", "gap_ha", r4(c.gap_ha), "overlap_ha", r4(c.overlap_ha), "gaps",
				(json_int_t)json_array_size(c.gaps), "overlaps", (json_int_t)json_array_size(c.overlaps),
				"split", (json_int_t)json_array_size(c.split), "no_ranger",
				(json_int_t)json_array_size(c.no_ranger), "no_agreement",
				(json_int_t)json_array_size(c.no_agreement), "gaps", c.gaps, "overlaps", c.overlaps,
				"split", c.split, "no_ranger", c.no_ranger, "no_agreement", c.no_agreement, "expiring",
				expiring);
	}
	for (int i = 0; i < c.ngrids; i++) {
		GEOSPreparedGeom_destroy_r(tb_geos(), c.grids[i].p);
		GEOSGeom_destroy_r(tb_geos(), c.grids[i].g);
	}
	free(c.grids);
	json_decref(c.chain);
	json_decref(c.covered);
	json_decref(c.gaps);
	json_decref(c.overlaps);
	json_decref(c.split);
	json_decref(c.no_ranger);
	json_decref(c.no_agreement);
	json_decref(expiring);
	return out;
}
