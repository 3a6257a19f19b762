/* demo.c — the monitoring side of the Jizhou demo: at every monitoring
 * site two or three fixed sample plots (20 m × 30 m) in the largest natural
 * parcels of its town, each with a 2025 survey and a tree tally of the
 * Yanshan secondary forest (Mongolian oak, Chinese pine, walnut, linden …)
 * drawn from a fixed-seed generator; and a handful of alerts in every state
 * of the lifecycle, assigned to the demo rangers.  Deterministic: the same
 * records every time (only the write times differ). */
#include "monitor/alert.h"
#include "monitor/sites.h"

#include "db/attach.h"
#include "db/event.h"
#include "db/gpkg.h"
#include "duty/duty.h"
#include "registry/registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A small linear congruential generator (Knuth's MMIX constants). */
static double rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(*s >> 11) / (double)(1ULL << 53);
}

/* Species of the Yanshan natural secondary forest with weights. */
static const struct {
	const char *code;
	double weight, hmax; /* asymptotic height (m) */
} mix[] = {{"411", 0.38, 16}, {"240", 0.18, 14}, {"430", 0.10, 17}, {"440", 0.10, 15},
	   {"450", 0.09, 13}, {"421", 0.08, 16}, {"460", 0.07, 8}};

static int tally(tb_writer *w, const char *survey, uint64_t *s, tb_err *e)
{
	int n = 18 + (int)(rnd(s) * 18), rc = 0;
	for (int i = 1; !rc && i <= n; i++) {
		double u = rnd(s), acc = 0;
		int k = 0;
		while (k < (int)(sizeof mix / sizeof mix[0]) - 1 && (acc += mix[k].weight) < u) k++;
		double d = round((3 + 27 * pow(rnd(s), 1.6)) * 10) / 10; /* many thin stems, few thick */
		double h = round((1.3 + (mix[k].hmax - 1.3) * (1 - exp(-0.08 * d))) * (0.9 + 0.2 * rnd(s)) * 10) / 10;
		const char *status = rnd(s) < 0.06 ? "dead" : "live";
		json_t *p = json_pack("{s:s,s:i,s:s,s:f,s:s}", "survey_code", survey, "tree_no", i, "species", mix[k].code,
				      "dbh_cm", d, "status", status);
		if (i % 3 || d >= 12) json_object_set_new(p, "height_m", json_real(h)); /* not every height measured */
		tb_record rec = {.props = p, .name = survey};
		rc = tb_writer_insert(w, &rec, NULL, e);
		json_decref(p);
	}
	return rc;
}

typedef struct site_writers {
	tb_writer *plot, *survey, *tree;
} site_writers;

typedef struct plot_ctx {
	site_writers *w;
	const char *site, *staff;
	uint64_t *seed;
	int *made, k;
	tb_err *e;
} plot_ctx;

/* A sample plot on one parcel, with its survey and tree tally. */
static int parcel_plot(void *ctx, tb_parcel_row *row)
{
	plot_ctx *c = ctx;
	site_writers *w = c->w;
	const char *site = c->site, *staff = c->staff;
	uint64_t *seed = c->seed;
	tb_err *e = c->e;
	int rc = 0;
	GEOSGeometry *pt = GEOSPointOnSurface_r(tb_geos(), row->geom);
	double x = 0, y = 0;
	if (pt) GEOSGeomGetX_r(tb_geos(), pt, &x), GEOSGeomGetY_r(tb_geos(), pt, &y);
	char plot[48], survey[64];
	snprintf(plot, sizeof plot, "%s-YD%02d", site, ++c->k);
	snprintf(survey, sizeof survey, "%s-2025", plot);
	json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:s,s:f,s:f,s:s}", "code", plot, "site_code", site, "parcel_code",
			      row->code, "shape", "rect", "size", "20×30 m", "area_m2", 600.0,
			      "established", "2023-05-10", "lon", round(x * 1e6) / 1e6, "lat", round(y * 1e6) / 1e6,
			      "note", "示例样地 (demo plot)");
	tb_record rec = {.props = p, .name = plot};
	rc = tb_writer_insert(w->plot, &rec, NULL, e);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	json_decref(p);
	if (!rc) {
		p = json_pack("{s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:i,s:i}", "code", survey, "plot_code", plot, "date",
			      "2025-08-15", "surveyor", staff, "canopy", round((0.55 + 0.3 * rnd(seed)) * 100) / 100,
			      "shrub_cover_pct", round(25 + 35 * rnd(seed)), "herb_cover_pct", round(40 + 40 * rnd(seed)),
			      "seedlings", 20 + (int)(40 * rnd(seed)), "saplings", 4 + (int)(16 * rnd(seed)));
		rec = (tb_record){.props = p, .name = survey};
		rc = tb_writer_insert(w->survey, &rec, NULL, e);
		json_decref(p);
	}
	if (!rc) rc = tally(w->tree, survey, seed, e);
	if (pt) GEOSGeom_destroy_r(tb_geos(), pt);
	(*c->made)++;
	return rc;
}

static int site_plots(tb_db *db, site_writers *w, const char *site, const char *town, const char *staff, int nplots,
		      uint64_t *seed, int *made, tb_err *e)
{
	plot_ctx c = {.w = w, .site = site, .staff = staff, .seed = seed, .made = made, .e = e};
	return tb_registry_parcels_of(db, town, NULL, TB_PARCELS_ACTIVE | TB_PARCELS_NATURAL | TB_PARCELS_LARGEST, nplots,
				      parcel_plot, &c, e);
}

int tb_sites_demo(tb_db *db, const tb_actor *who, tb_err *e)
{
	tb_write_ctx cx = {.actor = who, .cause = "Jizhou demo: sample plots, surveys and tree tallies (synthetic)"};
	site_writers w = {0};
	uint64_t seed = 20201029;
	int made = 0;
	tb_stmt *st = NULL;
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc) {
		w.plot = tb_writer_new(db, &tb_plots, &cx, e);
		w.survey = tb_writer_new(db, &tb_plot_surveys, &cx, e);
		w.tree = tb_writer_new(db, &tb_plot_trees, &cx, e);
		if (!w.plot || !w.survey || !w.tree) rc = TB_EDB;
	}
	if (!rc) rc = tb_db_prepare(db, "SELECT code, town_code, kind, staff FROM monitor_sites ORDER BY code", &st, e);
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		char site[32], town[32], staff[64];
		snprintf(site, sizeof site, "%s", tb_col_text(st, 0));
		snprintf(town, sizeof town, "%s", tb_col_text(st, 1));
		const char *names = tb_col_text(st, 3);
		const char *cut = names ? strstr(names, "、") : NULL; /* the first named person */
		snprintf(staff, sizeof staff, "%.*s", cut ? (int)(cut - names) : 60, names ? names : "监测员");
		bool station = !strcmp(tb_col_text(st, 2), "station");
		rc = site_plots(db, &w, site, town, staff, station ? 3 : 2, &seed, &made, e);
	}
	tb_stmt_finalize(st);
	if (!rc && made) rc = tb_gpkg_touch(db, "plots", "geom", e);
	if (!rc) {
		json_t *p = json_pack("{s:i,s:s}", "plots", made, "cause", cx.cause);
		tb_event_in ev = {.actor = who->login, .role = who->role, .action = "monitor.demo", .entity = "plots", .payload = p};
		rc = tb_event_append(db, &ev, NULL, e);
		json_decref(p);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	tb_writer_free(w.plot), tb_writer_free(w.survey), tb_writer_free(w.tree);
	return rc;
}

/* ---- alerts ------------------------------------------------------------------------------------ */

typedef struct grid_pick {
	tb_db *db;
	int n;              /* grids with a natural parcel still to pass */
	GEOSGeometry *geom; /* the largest natural parcel of the grid    */
} grid_pick;

static int keep_parcel(void *ctx, tb_parcel_row *p)
{
	grid_pick *g = ctx;
	g->geom = p->geom;
	p->geom = NULL;
	return 1;
}

/* A staffed grid: its village (the grid code is G-<village>) and the
 * largest natural parcel there; the n-th grid having one stops. */
static int pick_grid(void *ctx, tb_area_row *a)
{
	grid_pick *g = ctx;
	const char *village = a->code && strlen(a->code) > 2 ? a->code + 2 : "";
	tb_registry_parcels_of(g->db, NULL, village, TB_PARCELS_NATURAL | TB_PARCELS_LARGEST, 1, keep_parcel, g, NULL);
	if (!g->geom) return 0;
	if (g->n-- == 0) return 1;
	GEOSGeom_destroy_r(tb_geos(), g->geom);
	g->geom = NULL;
	return 0;
}

/* A natural parcel of the n-th grid (by code) of a town: its code and a
 * point on it. */
static bool grid_parcel(tb_db *db, const char *town, int n, double *x, double *y)
{
	grid_pick pick = {.db = db, .n = n};
	tb_duty_grids(db, town, true, pick_grid, &pick, NULL);
	GEOSGeometry *pt = pick.geom ? GEOSPointOnSurface_r(tb_geos(), pick.geom) : NULL;
	bool ok = pt && GEOSGeomGetX_r(tb_geos(), pt, x) && GEOSGeomGetY_r(tb_geos(), pt, y);
	if (pt) GEOSGeom_destroy_r(tb_geos(), pt);
	if (pick.geom) GEOSGeom_destroy_r(tb_geos(), pick.geom);
	return ok;
}

static GEOSGeometry *demo_geom(double x, double y, double half)
{
	char wkt[256];
	if (half <= 0) snprintf(wkt, sizeof wkt, "POINT(%.6f %.6f)", x, y);
	else
		snprintf(wkt, sizeof wkt, "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))", x - half, y - half,
			 x + half, y - half, x + half, y + half, x - half, y + half, x - half, y - half);
	GEOSWKTReader *r = GEOSWKTReader_create_r(tb_geos());
	GEOSGeometry *g = GEOSWKTReader_read_r(tb_geos(), r, wkt);
	GEOSWKTReader_destroy_r(tb_geos(), r);
	return g;
}

/* A 1×1 PNG: the demo's "photo from the site". */
static const unsigned char demo_png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
	0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0xa8, 0x62, 0x00, 0x00, 0x00, 0x84, 0x00, 0x81, 0x42, 0x10, 0xae, 0x2a,
	0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

typedef struct demo_alert {
	const char *town, *source, *type, *at, *external_id, *note;
	int grid;           /* n-th grid of the town                    */
	double dx, dy, half; /* offset from the parcel point; polygon ±half */
	const char *verify;  /* NULL, "confirmed", "false_alarm"          */
	bool close, assign;
} demo_alert;

static const demo_alert demo_alerts[] = {
	{"120119104", "camera", "fire", "2025-10-18T05:20:00Z", "CAM-XY-03/20251018-0520", "视频识别到明火", 0, 0, 0, 0,
	 "confirmed", true, true},
	{"120119104", "satellite", "forest_loss", "2025-10-20T02:40:00Z", "S2-20251020-T50TMK-7", "哨兵二号影像比对：植被指数下降",
	 1, 0, 0, 0.0006, NULL, false, true},
	{"120119112", "drone", "intrusion", "2025-10-21T07:05:00Z", "UAV-LZZ-1021-2", "无人机巡查发现人员进入", 0, 0, 0, 0,
	 "false_alarm", false, true},
	{"120119102", "camera", "smoke", "2025-10-22T06:30:00Z", "CAM-PS-01/20251022-0630", "视频识别到烟雾", 0, 0, 0, 0, NULL,
	 false, true},
	{"120119203", "public", "pest", "2025-10-23T03:00:00Z", NULL, "群众反映成片松树针叶发黄", 0, 0, 0, 0, NULL, false, false},
	/* a second satellite report of the same change: merged into the second alert */
	{"120119104", "satellite", "forest_loss", "2025-10-20T14:10:00Z", "L9-20251020-122032-3",
	 "Landsat 9 影像比对：同一位置", 1, 0.0002, 0.0001, 0.0005, NULL, false, true},
};

static int demo_one(tb_db *db, const tb_actor *who, const demo_alert *d, const char *photo, tb_err *e)
{
	double x, y;
	if (!grid_parcel(db, d->town, d->grid, &x, &y)) return 0; /* a district without that grid */
	GEOSGeometry *g = demo_geom(x + d->dx, y + d->dy, d->half);
	tb_alert_in in = {.source = d->source, .type = d->type, .observed_at = d->at, .geom = g, .confidence = 0.82,
			  .note = d->note, .external_id = d->external_id};
	int64_t id;
	bool merged;
	int rc = tb_alert_raise_opt(db, who, &in, d->assign, &id, &merged, e);
	GEOSGeom_destroy_r(tb_geos(), g);
	if (!rc && d->verify && !merged) {
		tb_alert_action a = {.result = d->verify, .note = !strcmp(d->verify, "confirmed")
									  ? "现场核实：林下地表火，过火约0.05公顷，已扑灭，未造成天然林面积损失"
									  : "现场核实：为采药村民，已劝离，无毁林行为",
				     .photo = photo, .loss_ha = 0};
		rc = tb_alert_verify(db, who, id, &a, NULL, e);
	}
	if (!rc && d->close && !merged) {
		tb_alert_action a = {.note = "已核实处置，火场清理完毕，办结", .loss_ha = NAN};
		rc = tb_alert_close(db, who, id, &a, NULL, e);
	}
	return rc;
}

int tb_monitor_demo(tb_db *db, const tb_actor *who, tb_err *e)
{
	int rc = tb_sites_demo(db, who, e);
	char sha[65];
	const char *mime;
	if (!rc) rc = tb_attach_put(db, who, "demo-site-photo.png", demo_png, sizeof demo_png, sha, &mime, e);
	for (size_t i = 0; !rc && i < sizeof demo_alerts / sizeof demo_alerts[0]; i++)
		rc = demo_one(db, who, &demo_alerts[i], sha, e);
	return rc;
}
