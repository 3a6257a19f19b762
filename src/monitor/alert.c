/* alert.c — alerts (告警) and their closed loop (§3.1.3): an alert pushed by a
 * camera, drone, satellite change detection or the fire and pest warnings is
 * checked (codes, confidence, time, inside the district), placed (town, grid,
 * parcels, overlap with natural forest) and either merged into an open alert
 * of the same type nearby in place and time, or stored and assigned to the
 * active ranger of its grid.  The lifecycle new → assigned → verified →
 * closed is a table of moves (base/fsm.h: who may act, from which state); every
 * step is one transaction with one event, and a confirmed loss of natural
 * forest is cut out of the natural parcels of the registry in that step, so
 * the area ledger (written by the parcel hook, linked to the verification
 * event) stays equal to the registry's natural-forest area (§2).
 * Notifications and their fatigue control are in notify.c (below this file:
 * alert.c calls notify.h, never the other way). */
#include "monitor/alert.h"
#include "monitor/config.h"
#include "monitor/monitor.h"
#include "monitor/notify.h"

#include "base/fsm.h"
#include "base/json.h"
#include "base/list.h"
#include "base/log.h"
#include "base/tbtime.h"
#include "db/attach.h"
#include "db/codes.h"
#include "db/event.h"
#include "db/gpkg.h"
#include "duty/duty.h"
#include "registry/registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- description ------------------------------------------------------------------ */

static int alert_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	int rc = tb_monitor_keep_computed(r, rec, ctx, e);
	if (rc) return rc;
	if (!json_object_get(rec->props, "code")) { /* AL-<day observed>-<fid>, inside the transaction */
		int64_t next = 0;
		if ((rc = tb_db_int64(db, "SELECT coalesce(max(fid),0)+1 FROM alerts", &next, e))) return rc;
		const char *t = json_string_value(json_object_get(rec->props, "observed_at"));
		char code[48];
		snprintf(code, sizeof code, "AL-%.4s%.2s%.2s-%04lld", t ? t : "0000", t ? t + 5 : "00",
			 t ? t + 8 : "00", (long long)next);
		json_object_set_new(rec->props, "code", json_string(code));
	}
	tb_write_ctx *w = ctx;
	json_t *parcels = json_object_get(rec->props, "parcel_codes");
	size_t i;
	json_t *v;
	if (w && w->parcels) json_array_foreach(parcels, i, v) json_array_append(w->parcels, v);
	return 0;
}

static const tb_field alert_fields[] = {
	{"code", TB_F_TEXT, TB_UNIQUE | TB_COMPUTED, "告警编号", "Alert no."},
	{"source", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "来源", "Source", .codes = "alert_source"},
	{"type", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "类型", "Type", .codes = "alert_type"},
	{"observed_at", TB_F_TIME, TB_REQUIRED | TB_INDEXED, "发现时间", "Observed"},
	{"confidence", TB_F_REAL, TB_REQUIRED | TB_RANGE, "置信度", "Confidence", .min = 0, .max = 1},
	{"external_id", TB_F_TEXT, TB_INDEXED, "外部编号", "Sender's id", .max_len = 200},
	{"media", TB_F_TEXT, TB_ATTACHMENT, "影像", "Media (SHA-256 or URL)", .max_len = 2000},
	{"note", TB_F_TEXT, 0, "说明", "Note", .max_len = 2000},
	{"status", TB_F_CODE, TB_COMPUTED | TB_INDEXED, "状态", "Status", .codes = "alert_status"},
	{"result", TB_F_CODE, TB_COMPUTED, "核实结果", "Result", .codes = "alert_result"},
	{"town_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "乡镇", "Town"},
	{"grid_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "网格", "Grid"},
	{"ranger_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "护林员", "Ranger"},
	{"parcel_codes", TB_F_JSON, TB_COMPUTED, "涉及小班", "Parcels"},
	{"natural_forest_ha", TB_F_REAL, TB_COMPUTED, "涉及天然林面积", "Natural forest inside", .unit = "ha"},
	{"merged_count", TB_F_INT, TB_COMPUTED, "合并次数", "Reports merged"},
	{"last_seen_at", TB_F_TIME, TB_COMPUTED, "最近发现", "Last seen"},
	{"assigned_at", TB_F_TIME, TB_COMPUTED, "派发时间", "Assigned"},
	{"verified_at", TB_F_TIME, TB_COMPUTED, "核实时间", "Verified"},
	{"verify_note", TB_F_TEXT, TB_COMPUTED, "核实说明", "Verification note", .max_len = 2000},
	{"verify_photo", TB_F_TEXT, TB_COMPUTED | TB_ATTACHMENT, "核实照片", "Verification photo (SHA-256)"},
	{"loss_ha", TB_F_REAL, TB_COMPUTED, "天然林损失面积", "Natural forest lost", .unit = "ha"},
	{"closed_at", TB_F_TIME, TB_COMPUTED, "办结时间", "Closed"},
	{"close_note", TB_F_TEXT, TB_COMPUTED, "办结说明", "Closing note", .max_len = 2000},
};
const tb_resource tb_alerts = {
	.name = "alerts", .label_zh = "告警", .label_en = "Alerts", .clause = "3.1.3",
	.fields = alert_fields, .nfields = N(alert_fields), .geom = TB_GEOM_GEOMETRY,
	.geom_required = true, .key = "code", .scope = "town_code", .owner = "ranger_code", .before_write = alert_before_write,
};

const tb_resource *const tb_alert_resources[] = {&tb_alerts, &tb_notifications, &tb_notify_counters, NULL};

int tb_monitor_alerts_v1(tb_db *db, tb_err *e)
{
	int rc = 0;
	for (int i = 0; !rc && tb_alert_resources[i]; i++) rc = tb_resource_create(db, tb_alert_resources[i], e);
	return rc;
}

/* ---- configuration --------------------------------------------------------------- */

/* The district's alerts.json (district.json names it), or NULL. */
static json_t *alerts_json(void)
{
	return tb_monitor_config_opt("alerts");
}

void tb_alert_config_load(tb_db *db, tb_alert_config *c)
{
	*c = (tb_alert_config){.dedup_distance_m = 500, .dedup_window_hours = 24, .future_tolerance_min = 10,
			       .district_tolerance_m = 500, .auto_assign = true};
	json_t *j = alerts_json();
	static const struct {
		const char *key;
		size_t off;
	} nums[] = {
		{"dedup_distance_m", offsetof(tb_alert_config, dedup_distance_m)},
		{"dedup_window_hours", offsetof(tb_alert_config, dedup_window_hours)},
		{"future_tolerance_minutes", offsetof(tb_alert_config, future_tolerance_min)},
		{"district_tolerance_m", offsetof(tb_alert_config, district_tolerance_m)},
	};
	for (int i = 0; i < N(nums); i++) {
		double *p = (double *)((char *)c + nums[i].off);
		json_t *v = json_object_get(j, nums[i].key);
		if (json_is_number(v)) *p = json_number_value(v);
		char key[64];
		snprintf(key, sizeof key, "alert_%s", nums[i].key);
		*p = tb_setting_num(db, key, *p);
	}
	json_t *v = json_object_get(j, "auto_assign");
	if (json_is_boolean(v)) c->auto_assign = json_is_true(v);
	c->auto_assign = tb_setting_num(db, "alert_auto_assign", c->auto_assign) != 0;
	json_decref(j);
}

/* Notification level of an alert type (alerts.json "levels"; default 3). */
static int type_level(const char *type)
{
	json_t *j = alerts_json();
	json_t *v = json_object_get(json_object_get(j, "levels"), type ? type : "");
	int level = json_is_integer(v) ? (int)json_integer_value(v) : 3;
	json_decref(j);
	return level < 1 ? 1 : level > 5 ? 5 : level;
}

/* ---- geometry and place ------------------------------------------------------------ */

GEOSGeometry *tb_alert_geom_from_json(const json_t *g, tb_err *e)
{
	const char *t = json_string_value(json_object_get(g, "type"));
	if (!t || (strcmp(t, "Point") && strcmp(t, "Polygon") && strcmp(t, "MultiPolygon"))) {
		tb_err_set(e, TB_EINPUT, NULL, "geometry", "a GeoJSON Point or Polygon in lon/lat is required, got %s",
			   t ? t : "none");
		return NULL;
	}
	GEOSGeometry *out = tb_geom_from_geojson(g, NULL, NULL);
	if (!out) tb_err_set(e, TB_EINPUT, NULL, "geometry", "not a valid GeoJSON %s", t);
	return out;
}

/* Geodesic distance (m) between two geometries: 0 when they meet. */
static double geom_distance_m(const GEOSGeometry *a, const GEOSGeometry *b)
{
	GEOSContextHandle_t h = tb_geos();
	if (GEOSIntersects_r(h, a, b) == 1) return 0;
	GEOSCoordSequence *cs = GEOSNearestPoints_r(h, a, b);
	double ax, ay, bx, by, d = INFINITY;
	if (cs && GEOSCoordSeq_getXY_r(h, cs, 0, &ax, &ay) && GEOSCoordSeq_getXY_r(h, cs, 1, &bx, &by))
		d = tb_distance_m(ax, ay, bx, by);
	if (cs) GEOSCoordSeq_destroy_r(h, cs);
	return d;
}

/* Rows of `table` whose R-tree box meets g's box widened by pad degrees. */
static tb_stmt *near_rows(tb_db *db, const char *sql, const GEOSGeometry *g, double pad, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(h, g, &x0);
	GEOSGeom_getYMin_r(h, g, &y0);
	GEOSGeom_getXMax_r(h, g, &x1);
	GEOSGeom_getYMax_r(h, g, &y1);
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, e)) return NULL;
	double padx = pad / cos((y0 + y1) / 2 * M_PI / 180);
	tb_bind_double(st, 1, x0 - padx);
	tb_bind_double(st, 2, x1 + padx);
	tb_bind_double(st, 3, y0 - pad);
	tb_bind_double(st, 4, y1 + pad);
	return st;
}

static void box_of(const GEOSGeometry *g, double b[4])
{
	GEOSContextHandle_t h = tb_geos();
	GEOSGeom_getXMin_r(h, g, &b[0]);
	GEOSGeom_getYMin_r(h, g, &b[1]);
	GEOSGeom_getXMax_r(h, g, &b[2]);
	GEOSGeom_getYMax_r(h, g, &b[3]);
}

typedef struct touch_ctx {
	const GEOSGeometry *g;
	bool areal;
	json_t *out;
} touch_ctx;

static int touch_parcel(void *ctx, tb_parcel_row *p)
{
	touch_ctx *c = ctx;
	GEOSContextHandle_t h = tb_geos();
	if (GEOSIntersects_r(h, p->geom, c->g) != 1) return 0;
	double ov = 0;
	if (c->areal) {
		GEOSGeometry *x = GEOSIntersection_r(h, p->geom, c->g);
		ov = x ? tb_area_ha(x) : 0;
		if (x) GEOSGeom_destroy_r(h, x);
	}
	json_array_append_new(c->out, json_pack("{s:s,s:s?,s:b,s:f,s:f}", "code", p->code, "town", p->town,
						"natural", p->natural, "area_ha", p->area_ha, "overlap_ha", ov));
	return 0;
}

/* The parcels an alert touches: [{code, town, natural, area_ha, overlap_ha}]
 * (overlap = ellipsoidal area of the intersection; 0 for a point). */
static json_t *touched_parcels(tb_db *db, const GEOSGeometry *g, tb_err *e)
{
	double b[4];
	box_of(g, b);
	touch_ctx c = {.g = g, .areal = GEOSGeomTypeId_r(tb_geos(), g) != GEOS_POINT, .out = json_array()};
	if (tb_registry_parcels_in_box(db, b, true, touch_parcel, &c, e) < 0) {
		json_decref(c.out);
		return NULL;
	}
	return c.out;
}

typedef struct holder_ctx {
	const GEOSGeometry *pt;
	char *code;
	size_t cn;
} holder_ctx;

/* The first area holding the point: its code. */
static int holds(void *ctx, tb_area_row *a)
{
	holder_ctx *c = ctx;
	if (GEOSIntersects_r(tb_geos(), a->geom, c->pt) != 1) return 0;
	snprintf(c->code, c->cn, "%s", a->code ? a->code : "");
	return 1;
}

typedef struct place {
	char town[32], grid[64];
	json_t *parcels; /* touched_parcels */
	double natural_ha;
} place;

/* Town, grid and parcels of an alert: the grid holding a point on the
 * geometry (its town), else the town division holding it, else the town of
 * the first parcel touched. */
static int locate(tb_db *db, const GEOSGeometry *g, place *pl, tb_err *e)
{
	memset(pl, 0, sizeof *pl);
	GEOSGeometry *pt = GEOSPointOnSurface_r(tb_geos(), g);
	if (!pt) return tb_err_set(e, TB_EINPUT, NULL, "geometry", "no point on the geometry");
	tb_err ignored = {0};
	tb_duty_grid_at(db, pt, pl->grid, pl->town, &ignored);
	if (!pl->town[0]) {
		double b[4];
		box_of(pt, b);
		holder_ctx c = {.pt = pt, .code = pl->town, .cn = sizeof pl->town};
		tb_registry_divisions(db, "town", b, holds, &c, &ignored);
	}
	GEOSGeom_destroy_r(tb_geos(), pt);
	pl->parcels = touched_parcels(db, g, e);
	if (!pl->parcels) return e->code ? e->code : TB_EDB;
	size_t i;
	json_t *p;
	json_array_foreach(pl->parcels, i, p)
	{
		if (json_is_true(json_object_get(p, "natural")))
			pl->natural_ha += json_number_value(json_object_get(p, "overlap_ha"));
		if (!pl->town[0] && tb_json_str(p, "town")) snprintf(pl->town, sizeof pl->town, "%s", tb_json_str(p, "town"));
	}
	return 0;
}

/* ---- raising -------------------------------------------------------------------------- */

static bool code_ok(tb_db *db, const char *list, const char *v)
{
	const tb_code_entry *c = v && *v ? tb_codes_find(db, list, v) : NULL;
	return c && !strcmp(c->code, v);
}

/* The district outline, when the database has one (init loads it). */
static int inside_district(tb_db *db, const GEOSGeometry *g, double tolerance_m, tb_err *e)
{
	GEOSGeometry *d;
	int rc = tb_registry_district_outline(db, &d, e);
	if (rc) return rc;
	if (!d) return 0;
	double dist = geom_distance_m(d, g);
	GEOSGeom_destroy_r(tb_geos(), d);
	if (dist > tolerance_m)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
				  "outside the district: %.0f m beyond its outline (tolerance %.0f m); lon/lat in EPSG:4490?",
				  dist, tolerance_m);
	return 0;
}

/* Check an alert before anything is written; *observed gets the normalised
 * time.  Errors name the field. */
static int check_in(tb_db *db, const tb_alert_in *in, const tb_alert_config *c, char observed[32], tb_err *e)
{
	if (!code_ok(db, "alert_source", in->source))
		return tb_err_set(e, TB_EINPUT, "alert", "source", "unknown source '%s' (satellite, camera, drone, system, "
				  "fire, pest, ranger, public)", in->source ? in->source : "");
	if (!code_ok(db, "alert_type", in->type))
		return tb_err_set(e, TB_EINPUT, "alert", "type", "unknown type '%s' (forest_loss, fire, smoke, intrusion, "
				  "pest, other)", in->type ? in->type : "");
	if (!(in->confidence >= 0 && in->confidence <= 1))
		return tb_err_set(e, TB_EINPUT, "alert", "confidence", "confidence must be between 0 and 1, got %g",
				  in->confidence);
	int64_t t;
	if (!in->observed_at || !tb_time_parse_iso(in->observed_at, &t))
		return tb_err_set(e, TB_EINPUT, "alert", "observed_at", "observed_at must be an ISO 8601 time, got '%s'",
				  in->observed_at ? in->observed_at : "");
	int64_t now = tb_time_now_ms();
	if (t > now + (int64_t)(c->future_tolerance_min * 60000)) {
		char n[32];
		tb_time_format_iso(now, n);
		return tb_err_set(e, TB_EINPUT, "alert", "observed_at", "%s lies in the future (now %s, tolerance %g min)",
				  in->observed_at, n, c->future_tolerance_min);
	}
	tb_time_format_iso(t, observed);
	GEOSContextHandle_t h = tb_geos();
	if (!in->geom || GEOSisEmpty_r(h, in->geom))
		return tb_err_set(e, TB_EINPUT, "alert", "geometry", "a point or polygon is required");
	int type = GEOSGeomTypeId_r(h, in->geom);
	if (type != GEOS_POINT && type != GEOS_POLYGON && type != GEOS_MULTIPOLYGON)
		return tb_err_set(e, TB_EINPUT, "alert", "geometry", "must be a Point or a Polygon");
	if (type != GEOS_POINT && tb_geom_check_polygonal(in->geom, "alert", e)) return e->code;
	if (in->media && strlen(in->media) > 2000) return tb_err_set(e, TB_EINPUT, "alert", "media", "too long");
	return inside_district(db, in->geom, c->district_tolerance_m, e);
}

/* An open alert this one duplicates: the same sender's id, or the same type
 * within the time window and the distance (two areas: touching).  0 when
 * none. */
static int64_t duplicate_of(tb_db *db, const tb_alert_in *in, const char *observed, const tb_alert_config *c)
{
	int64_t fid = 0;
	tb_stmt *st;
	if (in->external_id && *in->external_id &&
	    tb_db_prepare(db, "SELECT fid FROM alerts WHERE source=? AND external_id=? AND status<>'closed'"
				      " ORDER BY fid LIMIT 1", &st, NULL) == 0) {
		tb_bind_text(st, 1, in->source);
		tb_bind_text(st, 2, in->external_id);
		if (tb_stmt_step(st) == TB_ROW) fid = tb_col_int64(st, 0);
		tb_stmt_finalize(st);
		if (fid) return fid;
	}
	int64_t t;
	tb_time_parse_iso(observed, &t);
	char lo[32], hi[32];
	tb_time_format_iso(t - (int64_t)(c->dedup_window_hours * 3600000), lo);
	tb_time_format_iso(t + (int64_t)(c->dedup_window_hours * 3600000), hi);
	tb_err e = {0};
	double pad = c->dedup_distance_m / 110000.0 + 1e-6;
	st = near_rows(db, "SELECT a.fid, a.geom FROM rtree_alerts_geom r JOIN alerts a ON a.fid=r.id"
			   " WHERE r.maxx>=?1 AND r.minx<=?2 AND r.maxy>=?3 AND r.miny<=?4 AND a.type=?5"
			   " AND a.status<>'closed' AND coalesce(a.last_seen_at,a.observed_at)>=?6 AND a.observed_at<=?7"
			   " ORDER BY a.fid", in->geom, pad, &e);
	if (!st) return 0;
	tb_bind_text(st, 5, in->type);
	tb_bind_text(st, 6, lo);
	tb_bind_text(st, 7, hi);
	while (!fid && tb_stmt_step(st) == TB_ROW) {
		GEOSGeometry *g = tb_col_geom(st, 1);
		/* A point (a camera's, a drone's position) merges within the
		 * distance; two areas (satellite patches) are the places themselves,
		 * so they merge only when they touch — neighbouring patches of one
		 * scene stay separate alerts. */
		bool areas = g && GEOSGeomTypeId_r(tb_geos(), g) != GEOS_POINT &&
			     GEOSGeomTypeId_r(tb_geos(), in->geom) != GEOS_POINT;
		double within = areas ? 0 : c->dedup_distance_m;
		if (g && geom_distance_m(g, in->geom) <= within) fid = tb_col_int64(st, 0);
		if (g) GEOSGeom_destroy_r(tb_geos(), g);
	}
	tb_stmt_finalize(st);
	return fid;
}

/* The fields of a changed alert before and after (for the event). */
static json_t *changes(const json_t *old, const json_t *now)
{
	json_t *before = json_object(), *after = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)now, k, v)
	{
		if (!strcmp(k, "version") || !strcmp(k, "updated_at") || !strcmp(k, "created_at")) continue;
		json_t *o = json_object_get(old, k);
		if ((o && json_equal(o, v)) || (!o && json_is_null(v))) continue;
		json_object_set(before, k, o ? o : json_null());
		json_object_set(after, k, v);
	}
	return json_pack("{s:o,s:o}", "before", before, "after", after);
}

/* A loss to cut out of the registry in a verification step. */
typedef struct loss_cut {
	const GEOSGeometry *area; /* the lost area (polygonal)                          */
	const char *field;        /* the input that named it: loss_geometry or loss_ha  */
	double given;             /* loss_ha as given, NAN = none                       */
	bool asked;               /* a loss was asked for: no natural forest is an error */
	const char *scope;        /* towns of a town user: every parcel cut lies in them */
} loss_cut;

/* Every parcel in the ledger lies in the towns of scope (NULL = all). */
static int parcels_in_scope(tb_db *db, const char *code, const char *scope, const json_t *ledger, tb_err *e)
{
	size_t i;
	json_t *r;
	if (!scope) return 0;
	int rc = 0;
	json_array_foreach(ledger, i, r)
	{
		const char *p = tb_json_str(r, "parcel");
		tb_parcel_info info;
		int lookup = tb_registry_parcel(db, p, &info, e);
		if (lookup && lookup != TB_ENOTFOUND) return lookup;
		const char *town = !lookup && info.town[0] ? info.town : NULL;
		if (!tb_list_has(scope, town))
			rc = tb_err_set(e, TB_EDENIED, code, "loss_geometry",
					"the lost area reaches parcel %s of town %s, outside your jurisdiction", p,
					town ? town : "(none)");
		if (rc) break;
	}
	return rc;
}

/* Hectares given and cut agree within this (rounding of the 4 decimals). */
#define LOSS_TOLERANCE_HA 0.001

/* Cut the lost area out of the natural parcels (the parcel hook writes the
 * ledger with the step's event) and check it against loss_ha. */
static int cut_loss(tb_db *db, tb_write_ctx *cx, const char *code, const loss_cut *cut, json_t *ledger,
		    double *total, tb_err *e)
{
	char why[200];
	snprintf(why, sizeof why, "告警 %s 核实确认天然林损失 (alert confirmed: loss of natural forest)", code);
	int rc = tb_registry_remove_natural(db, cx, cut->area, why, ledger, total, e);
	if (rc) {
		if (!strcmp(e->field, "geometry")) snprintf(e->field, sizeof e->field, "%s", cut->field);
		snprintf(e->record, sizeof e->record, "%s", code);
		return rc;
	}
	if ((rc = parcels_in_scope(db, code, cut->scope, ledger, e))) return rc;
	if (*total <= 0 && cut->asked)
		return tb_err_set(e, TB_EINPUT, code, cut->field,
				  "the lost area touches no natural-forest parcel: nothing to remove from the registry");
	if (!isnan(cut->given) && cut->given > *total + LOSS_TOLERANCE_HA)
		return tb_err_set(e, TB_EINPUT, code, "loss_ha",
				  "%.4f ha is more than the %.4f ha of natural forest inside the %s", cut->given, *total,
				  !strcmp(cut->field, "loss_geometry") ? "lost area" : "alert's polygon");
	if (!isnan(cut->given) && cut->given < *total - LOSS_TOLERANCE_HA)
		return tb_err_set(e, TB_EINPUT, code, "loss_ha",
				  "%.4f ha is less than the %.4f ha of natural forest inside the %s: map the lost part "
				  "as a polygon (loss_geometry); the registry and the ledger must agree (§2)",
				  cut->given, *total, !strcmp(cut->field, "loss_geometry") ? "lost area" : "alert's polygon");
	return 0;
}

/* One lifecycle step: in one transaction, check the alert is still in
 * `from` (NULL = any open state), cut a confirmed loss out of the registry
 * (set's loss_ha becomes the hectares cut), apply patch (input fields) and
 * set (computed fields), and append one event "alerts.<action>". */
static int alert_step(tb_db *db, const tb_actor *who, int64_t id, const char *action, const char *from,
		      json_t *patch, json_t *set, const loss_cut *cut, const char *cause, json_t **out, tb_err *e)
{
	tb_write_ctx cx = {.actor = who, .parcels = json_array(), .cause = cause, .user = set};
	char name[64];
	snprintf(name, sizeof name, "alert %lld", (long long)id);
	tb_record rec = {.props = patch ? json_deep_copy(patch) : json_object(), .fid = id, .name = name};
	json_t *old = NULL, *payload = NULL;
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_record_get(db, &tb_alerts, id, &old, NULL, e);
	const char *status = old ? tb_json_str(old, "status") : NULL;
	if (!rc && (from ? strcmp(status ? status : "", from) : !strcmp(status ? status : "", "closed")))
		rc = tb_err_set(e, TB_ECONFLICT, tb_json_str(old, "code"), "status",
				"the alert is %s now; reload it", status ? status : "?");
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	json_t *ledger = cut && cut->area ? json_array() : NULL;
	if (!rc && ledger) {
		double total = 0;
		rc = cut_loss(db, &cx, tb_json_str(old, "code"), cut, ledger, &total, e);
		json_object_set_new(set, "loss_ha", json_real(total));
	}
	if (!rc) rc = tb_record_update(db, &tb_alerts, &rec, 0, &cx, e);
	if (!rc) {
		char act[64];
		snprintf(act, sizeof act, "alerts.%s", action);
		payload = changes(old, rec.props);
		if (cause) json_object_set_new(payload, "cause", json_string(cause));
		if (json_array_size(ledger)) {
			json_object_set(payload, "ledger", ledger);
			json_object_set_new(payload, "loss_area", tb_geojson_from_geom(cut->area));
		}
		tb_event_in ev = {.actor = who->login, .role = who->role, .action = act, .entity = "alerts",
				  .entity_id = tb_json_str(rec.props, "code"), .parcels = cx.parcels,
				  .town = tb_json_str(rec.props, "town_code"), .payload = payload};
		int64_t seq = 0;
		rc = tb_event_append(db, &ev, &seq, e);
		if (!rc && seq != cx.seq) rc = tb_err_set(e, TB_EINTERNAL, NULL, NULL, "event sequence moved during a write");
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	if (!rc && out) rc = tb_record_get(db, &tb_alerts, id, out, NULL, e); /* with fid and version */
	json_decref(rec.props);
	json_decref(old);
	json_decref(payload);
	json_decref(ledger);
	json_decref(cx.parcels);
	return rc;
}

static int assign_step(tb_db *db, const tb_actor *who, int64_t id, const char *ranger, bool automatic,
		       json_t **out, tb_err *e);
static json_t *load_alert(tb_db *db, int64_t id, tb_err *e);

int tb_alert_raise(tb_db *db, const tb_actor *who, const tb_alert_in *in, int64_t *id, bool *merged, tb_err *e)
{
	return tb_alert_raise_opt(db, who, in, true, id, merged, e);
}

/* One more report of an open alert: merged_count + 1, the later last
 * seen, the higher confidence, media when it had none; one event. */
static int merge_into(tb_db *db, const tb_actor *who, const tb_alert_in *in, const char *observed, int64_t dup,
		      tb_err *e)
{
	json_t *old = NULL;
	int rc = tb_record_get(db, &tb_alerts, dup, &old, NULL, e);
	if (rc) return rc;
	const char *last = tb_json_str(old, "last_seen_at");
	json_t *patch = json_object(), *set = json_pack("{s:I,s:s}", "merged_count",
		(json_int_t)json_integer_value(json_object_get(old, "merged_count")) + 1, "last_seen_at",
		last && strcmp(last, observed) > 0 ? last : observed);
	if (in->confidence > tb_json_num(old, "confidence", 0))
		json_object_set_new(patch, "confidence", json_real(in->confidence));
	if (in->media && *in->media && !tb_json_str(old, "media"))
		json_object_set_new(patch, "media", json_string(in->media));
	char cause[160];
	snprintf(cause, sizeof cause, "duplicate report from %s%s%.100s merged", in->source, in->external_id ? " " : "",
		 in->external_id ? in->external_id : "");
	rc = alert_step(db, who, dup, "merge", NULL, patch, set, NULL, cause, NULL, e);
	json_decref(patch);
	json_decref(set);
	json_decref(old);
	return rc;
}

/* Store a new alert at its place (status new); *id gets its fid. */
static int create_alert(tb_db *db, const tb_actor *who, const tb_alert_in *in, const char *observed, const place *pl,
			int64_t *id, tb_err *e)
{
	json_t *props = json_pack("{s:s,s:s,s:s,s:f}", "source", in->source, "type", in->type, "observed_at", observed,
				  "confidence", in->confidence);
	if (in->external_id && *in->external_id) json_object_set_new(props, "external_id", json_string(in->external_id));
	if (in->media && *in->media) json_object_set_new(props, "media", json_string(in->media));
	if (in->note && *in->note) json_object_set_new(props, "note", json_string(in->note));
	json_t *codes = json_array();
	size_t i;
	json_t *p;
	json_array_foreach(pl->parcels, i, p) json_array_append(codes, json_object_get(p, "code"));
	json_t *set = json_pack("{s:s,s:o,s:f,s:i,s:s}", "status", "new", "parcel_codes", codes, "natural_forest_ha",
				tb_round4(pl->natural_ha), "merged_count", 1, "last_seen_at", observed);
	if (pl->town[0]) json_object_set_new(set, "town_code", json_string(pl->town));
	if (pl->grid[0]) json_object_set_new(set, "grid_code", json_string(pl->grid));
	tb_record rec = {.props = props, .geom = GEOSGeom_clone_r(tb_geos(), in->geom), .name = "new alert"};
	int rc = tb_write_create(db, who, &tb_alerts, &rec, NULL, set, e);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	if (!rc) *id = rec.fid;
	json_decref(props);
	json_decref(set);
	return rc;
}

/* The town hears of every new alert in it. */
static void tell_town(tb_db *db, const tb_actor *who, int64_t id, const char *town)
{
	json_t *a = load_alert(db, id, NULL);
	const char *code = tb_json_str(a, "code"), *type = tb_json_str(a, "type"), *src = tb_json_str(a, "source");
	char zh[300], en[300], ref[48];
	snprintf(ref, sizeof ref, "alerts/%lld", (long long)id);
	snprintf(zh, sizeof zh, "新告警 %s：%s（%s），%s", code ? code : "", tb_codes_label(db, "alert_type", type, "zh"),
		 tb_codes_label(db, "alert_source", src, "zh"), tb_json_str(a, "observed_at"));
	snprintf(en, sizeof en, "New alert %s: %s (%s), %s", code ? code : "", tb_codes_label(db, "alert_type", type, "en"),
		 tb_codes_label(db, "alert_source", src, "en"), tb_json_str(a, "observed_at"));
	bool sent;
	tb_err e = {0};
	if (tb_notify(db, who, "town", town, "alert", type_level(type), zh, en, ref, &sent, &e))
		tb_warn("alert %s: town not notified: %s", code ? code : "", e.message);
	json_decref(a);
}

int tb_alert_raise_opt(tb_db *db, const tb_actor *who, const tb_alert_in *in, bool may_assign, int64_t *id,
		       bool *merged, tb_err *e)
{
	*id = 0;
	*merged = false;
	tb_alert_config c;
	tb_alert_config_load(db, &c);
	char observed[32];
	int rc = check_in(db, in, &c, observed, e);
	if (rc) return rc;
	place pl = {0};
	/* the duplicate check and the write in one transaction: two workers
	 * pushing the same event cannot both create it */
	if ((rc = tb_db_begin(db, e))) return rc;
	int64_t dup = duplicate_of(db, in, observed, &c);
	if (dup) rc = merge_into(db, who, in, observed, dup, e);
	else if (!(rc = locate(db, in->geom, &pl, e))) rc = create_alert(db, who, in, observed, &pl, id, e);
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) {
		tb_db_rollback(db);
		*id = 0;
	} else if (dup) {
		*id = dup;
		*merged = true;
	} else {
		if (pl.town[0]) tell_town(db, who, *id, pl.town);
		tb_err ae = {0}; /* the grid's ranger verifies it in the field */
		if (c.auto_assign && may_assign && pl.grid[0] && assign_step(db, who, *id, NULL, true, NULL, &ae) &&
		    ae.code != TB_EINPUT)
			tb_warn("alert %lld: not auto-assigned: %s", (long long)*id, ae.message);
	}
	json_decref(pl.parcels);
	return rc;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static int assigned_ranger_guard(const tb_fsm_move *m, const char *role, void *ctx, tb_err *e);

/* The state machine (DESIGN.md §9, base/fsm.h): from, action, to, the roles
 * that may take it; a ranger verifies only the alerts assigned to him. */
static const tb_fsm_move lifecycle_moves[] = {
	{"new", "assign", "assigned", TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN, NULL},
	{"assigned", "verify", "verified", TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN | TB_R_RANGER, assigned_ranger_guard},
	{"verified", "close", "closed", TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN, NULL},
	{"new", "close", "closed", TB_R_ADMIN | TB_R_BUREAU, NULL}, /* a false alarm seen at the desk */
};
static const tb_fsm lifecycle = {"alert", lifecycle_moves, sizeof lifecycle_moves / sizeof lifecycle_moves[0]};

/* What the guard reads. */
typedef struct step_ctx {
	tb_db *db;
	const tb_actor *who;
	const json_t *alert;
} step_ctx;

static int assigned_ranger_guard(const tb_fsm_move *m, const char *role, void *ctx, tb_err *e)
{
	const step_ctx *c = ctx;
	if (!role || strcmp(role, "ranger")) return 0;
	char mine[64];
	const char *r = tb_json_str(c->alert, "ranger_code");
	if (tb_duty_ranger_of_login(c->db, c->who->login, mine) && r && !strcmp(mine, r)) return 0;
	return tb_err_set(e, TB_EDENIED, tb_json_str(c->alert, "code"), "ranger_code",
			  "only the assigned ranger may %s this alert", m->action);
}

/* The move `action` makes from the alert's state for this actor:
 * TB_ECONFLICT when none leaves the state, TB_EDENIED for the wrong role or
 * a record outside the actor's towns. */
static const tb_fsm_move *allowed(tb_db *db, const tb_actor *who, const json_t *alert, const char *action,
				  const char *scope, tb_err *e)
{
	const char *code = tb_json_str(alert, "code"), *town = tb_json_str(alert, "town_code");
	if (scope && !strcmp(who->role, "town") && !tb_list_has(scope, town)) {
		tb_err_set(e, TB_EDENIED, code, "town_code", "the alert lies outside your jurisdiction");
		return NULL;
	}
	step_ctx c = {db, who, alert};
	const tb_fsm_move *m = NULL;
	tb_fsm_find(&lifecycle, code, tb_json_str(alert, "status"), action, NULL, who->role, &c, &m, e);
	return m;
}

static json_t *load_alert(tb_db *db, int64_t id, tb_err *e)
{
	json_t *a = NULL;
	return tb_record_get(db, &tb_alerts, id, &a, NULL, e) ? NULL : a;
}

static int first_ranger(void *ctx, const char *ranger)
{
	snprintf(ctx, 64, "%s", ranger);
	return 1;
}

/* The active ranger of a grid today (first by assignment start), into r. */
static void grid_ranger(tb_db *db, const char *grid, char r[64])
{
	r[0] = 0;
	char now[32];
	tb_time_now_iso(now);
	now[10] = 0;
	tb_duty_grid_rangers(db, grid, now, first_ranger, r, NULL);
}

static int ranger_active(tb_db *db, const char *code, char town[32], tb_err *e)
{
	tb_ranger_info x;
	int rc = tb_duty_ranger(db, code, &x, e);
	if (rc == TB_ENOTFOUND) rc = tb_err_set(e, TB_EINPUT, code, "ranger", "no ranger with code '%s'", code);
	else if (!rc && strcmp(x.status, "active"))
		rc = tb_err_set(e, TB_EINPUT, code, "ranger", "ranger %s is not active", code);
	else if (!rc) snprintf(town, 32, "%s", x.town);
	return rc;
}

static void tell_ranger(tb_db *db, const tb_actor *who, int64_t id, const json_t *a)
{
	char zh[300], en[300], ref[48];
	const char *code = tb_json_str(a, "code"), *type = tb_json_str(a, "type");
	snprintf(ref, sizeof ref, "alerts/%lld", (long long)id);
	snprintf(zh, sizeof zh, "核实任务：告警 %s（%s），请尽快到现场核实并拍照", code, tb_codes_label(db, "alert_type", type, "zh"));
	snprintf(en, sizeof en, "Field check: alert %s (%s); verify on site with a photo", code,
		 tb_codes_label(db, "alert_type", type, "en"));
	bool sent;
	tb_err e = {0};
	if (tb_notify(db, who, "ranger", tb_json_str(a, "ranger_code"), "alert_task", type_level(type), zh, en, ref, &sent, &e))
		tb_warn("alert %s: ranger not notified: %s", code, e.message);
}

static int assign_step(tb_db *db, const tb_actor *who, int64_t id, const char *ranger, bool automatic,
		       json_t **out, tb_err *e)
{
	json_t *a = load_alert(db, id, e);
	if (!a) return e->code;
	char r[64] = "", town[32];
	if (ranger && *ranger) snprintf(r, sizeof r, "%s", ranger);
	else grid_ranger(db, tb_json_str(a, "grid_code"), r);
	int rc = 0;
	if (!r[0])
		rc = tb_err_set(e, TB_EINPUT, tb_json_str(a, "code"), "ranger", "no active ranger in grid %s; name one",
				tb_json_str(a, "grid_code") ? tb_json_str(a, "grid_code") : "(outside every grid)");
	if (!rc) rc = ranger_active(db, r, town, e);
	if (!rc && !automatic && !strcmp(who->role, "town") && tb_json_str(a, "town_code") &&
	    strcmp(town, tb_json_str(a, "town_code")))
		rc = tb_err_set(e, TB_EDENIED, r, "ranger", "ranger %s works in another town", r);
	char now[32];
	tb_time_now_iso(now);
	json_t *set = json_pack("{s:s,s:s,s:s}", "status", "assigned", "ranger_code", r, "assigned_at", now);
	json_t *row = NULL;
	if (!rc) rc = alert_step(db, who, id, "assign", "new", NULL, set, NULL,
				 automatic ? "auto-assigned to the ranger of the grid" : NULL, &row, e);
	if (!rc) tell_ranger(db, who, id, row);
	if (!rc && out) *out = json_incref(row);
	json_decref(row);
	json_decref(set);
	json_decref(a);
	return rc;
}

int tb_alert_assign(tb_db *db, const tb_actor *who, int64_t id, const tb_alert_action *act, json_t **out, tb_err *e)
{
	json_t *a = load_alert(db, id, e);
	if (!a) return e->code;
	int rc = allowed(db, who, a, "assign", act ? act->scope : NULL, e) ? 0 : e->code ? e->code : TB_EINTERNAL;
	json_decref(a);
	return rc ? rc : assign_step(db, who, id, act ? act->ranger : NULL, false, out, e);
}

static bool is_polygonal(const GEOSGeometry *g)
{
	int t = g ? GEOSGeomTypeId_r(tb_geos(), g) : -1;
	return t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON;
}

/* The lost area mapped on site: a valid GeoJSON Polygon/MultiPolygon in
 * lon/lat (EPSG:4490) with an area.  New geometry, or NULL and *e. */
static GEOSGeometry *loss_area_of(const json_t *j, const char *code, tb_err *e)
{
	const char *t = json_string_value(json_object_get(j, "type"));
	if (!t || (strcmp(t, "Polygon") && strcmp(t, "MultiPolygon"))) {
		tb_err_set(e, TB_EINPUT, code, "loss_geometry",
			   "the lost area must be a GeoJSON Polygon or MultiPolygon in lon/lat (EPSG:4490), got %s",
			   t ? t : "none");
		return NULL;
	}
	GEOSGeometry *g = tb_alert_geom_from_json(j, e);
	GEOSContextHandle_t h = tb_geos();
	double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
	if (g && !GEOSisEmpty_r(h, g)) {
		GEOSGeom_getXMin_r(h, g, &x0);
		GEOSGeom_getYMin_r(h, g, &y0);
		GEOSGeom_getXMax_r(h, g, &x1);
		GEOSGeom_getYMax_r(h, g, &y1);
	}
	int rc = !g ? TB_EINPUT : 0;
	if (!rc && (x0 < -180 || x1 > 180 || y0 < -90 || y1 > 90))
		rc = tb_err_set(e, TB_EINPUT, code, "loss_geometry",
				"wrong coordinate system: coordinates (x %.0f–%.0f, y %.0f–%.0f) are not lon/lat degrees "
				"(EPSG:4490)", x0, x1, y0, y1);
	if (!rc && tb_geom_check_polygonal(g, code, e)) rc = TB_EINPUT;
	if (!rc && tb_area_ha(g) <= 0) rc = tb_err_set(e, TB_EINPUT, code, "loss_geometry", "the lost area has no area");
	if (rc) {
		snprintf(e->field, sizeof e->field, "loss_geometry");
		snprintf(e->record, sizeof e->record, "%s", code);
		if (g) GEOSGeom_destroy_r(h, g);
		return NULL;
	}
	return g;
}

/* What a confirmation cuts out of the registry: the mapped lost area, else
 * the alert's polygon when a loss is given or the alert is a forest loss
 * (its overlap with natural forest).  A number alone cannot be cut out of a
 * map: a loss on a point alert needs the lost area as a polygon (§2).
 * cut->area NULL = no loss. */
static int plan_cut(const json_t *a, const GEOSGeometry *g, const GEOSGeometry *mapped, double given, loss_cut *cut,
		    tb_err *e)
{
	const char *code = tb_json_str(a, "code");
	*cut = (loss_cut){.given = given, .field = "loss_ha"};
	if (!isnan(given) && given == 0) {
		if (mapped)
			return tb_err_set(e, TB_EINPUT, code, "loss_ha",
					  "loss_ha is 0 but a lost area (loss_geometry) is given: give one or the other");
		return 0;
	}
	if (mapped) {
		*cut = (loss_cut){.area = mapped, .field = "loss_geometry", .given = given, .asked = true};
		return 0;
	}
	if (!is_polygonal(g)) {
		if (!isnan(given))
			return tb_err_set(e, TB_EINPUT, code, "loss_geometry",
					  "a loss of %.4f ha on a point alert: map the lost area as a polygon; the "
					  "registry and the ledger must agree (§2)", given);
		return 0; /* confirmed, no forest lost (a fire put out in time) */
	}
	bool forest_loss = !strcmp(tb_json_str(a, "type") ? tb_json_str(a, "type") : "", "forest_loss");
	if (isnan(given) && !forest_loss) return 0;
	*cut = (loss_cut){.area = g, .field = "loss_ha", .given = given, .asked = !isnan(given)};
	return 0;
}

int tb_alert_verify(tb_db *db, const tb_actor *who, int64_t id, const tb_alert_action *act, json_t **out, tb_err *e)
{
	GEOSGeometry *g = NULL;
	json_t *a = NULL;
	int rc = tb_record_get(db, &tb_alerts, id, &a, &g, e);
	if (rc) return rc;
	const char *code = tb_json_str(a, "code"), *result = act ? act->result : NULL;
	const char *note = act ? act->note : NULL, *photo = act && act->photo && *act->photo ? act->photo : NULL;
	double given = act ? act->loss_ha : NAN;
	if (!allowed(db, who, a, "verify", act ? act->scope : NULL, e)) rc = e->code ? e->code : TB_EINTERNAL;
	else if (!result || (strcmp(result, "confirmed") && strcmp(result, "false_alarm")))
		rc = tb_err_set(e, TB_EINPUT, code, "result", "result must be confirmed or false_alarm");
	else if (!note || !*note) rc = tb_err_set(e, TB_EINPUT, code, "note", "say what was found on site");
	else if (!strcmp(result, "confirmed") && !photo)
		rc = tb_err_set(e, TB_EINPUT, code, "photo", "a confirmed alert needs a photo from the site");
	else if (photo && !tb_attach_exists(db, photo))
		rc = tb_err_set(e, TB_EINPUT, code, "photo", "no attachment %.16s…; upload the photo to /api/attachments first", photo);
	else if (!isnan(given) && !(given >= 0 && isfinite(given)))
		rc = tb_err_set(e, TB_EINPUT, code, "loss_ha", "loss_ha must be a number ≥ 0");
	else if (!isnan(given) && !strcmp(result, "false_alarm") && given > 0)
		rc = tb_err_set(e, TB_EINPUT, code, "loss_ha", "a false alarm has no loss");
	else if (act && act->loss_geometry && !json_is_null(act->loss_geometry) && strcmp(result, "confirmed"))
		rc = tb_err_set(e, TB_EINPUT, code, "loss_geometry", "a false alarm has no lost area");
	GEOSGeometry *mapped = NULL;
	if (!rc && act && act->loss_geometry && !json_is_null(act->loss_geometry) &&
	    !(mapped = loss_area_of(act->loss_geometry, code, e)))
		rc = e->code ? e->code : TB_EINPUT;
	loss_cut cut = {0};
	if (!rc && !strcmp(result, "confirmed")) rc = plan_cut(a, g, mapped, given, &cut, e);
	if (who->role && !strcmp(who->role, "town")) cut.scope = act ? act->scope : NULL;
	double loss = 0;
	if (!rc) {
		char now[32];
		tb_time_now_iso(now);
		json_t *set = json_pack("{s:s,s:s,s:s,s:s,s:f}", "status", "verified", "result", result, "verify_note", note,
					"verified_at", now, "loss_ha", 0.0);
		if (photo) json_object_set_new(set, "verify_photo", json_string(photo));
		json_t *row = NULL;
		rc = alert_step(db, who, id, "verify", "assigned", NULL, set, cut.area ? &cut : NULL, note, &row, e);
		loss = tb_json_num(set, "loss_ha", 0);
		json_decref(set);
		if (!rc && !strcmp(result, "confirmed")) {
			char zh[300], en[300], ref[48];
			snprintf(ref, sizeof ref, "alerts/%lld", (long long)id);
			snprintf(zh, sizeof zh, "告警 %s 经现场核实确认（%s），天然林损失 %.4f 公顷", code,
				 tb_codes_label(db, "alert_type", tb_json_str(a, "type"), "zh"), loss);
			snprintf(en, sizeof en, "Alert %s confirmed on site (%s); natural forest lost %.4f ha", code,
				 tb_codes_label(db, "alert_type", tb_json_str(a, "type"), "en"), loss);
			bool sent;
			tb_err ne = {0};
			if (tb_notify(db, who, "bureau", "bureau", "alert_confirmed", type_level(tb_json_str(a, "type")), zh, en,
				      ref, &sent, &ne))
				tb_warn("alert %s: bureau not notified: %s", code, ne.message);
		}
		if (!rc && out) *out = json_incref(row);
		json_decref(row);
	}
	if (mapped) GEOSGeom_destroy_r(tb_geos(), mapped);
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(a);
	return rc;
}

int tb_alert_close(tb_db *db, const tb_actor *who, int64_t id, const tb_alert_action *act, json_t **out, tb_err *e)
{
	json_t *a = load_alert(db, id, e);
	if (!a) return e->code;
	const char *note = act ? act->note : NULL, *code = tb_json_str(a, "code");
	const tb_fsm_move *t = allowed(db, who, a, "close", act ? act->scope : NULL, e);
	int rc = t ? 0 : e->code ? e->code : TB_EINTERNAL;
	if (!rc && (!note || !*note)) rc = tb_err_set(e, TB_EINPUT, code, "note", "say why the alert is closed");
	if (!rc) {
		char now[32];
		tb_time_now_iso(now);
		json_t *set = json_pack("{s:s,s:s,s:s}", "status", "closed", "closed_at", now, "close_note", note);
		if (!strcmp(t->from, "new")) json_object_set_new(set, "result", json_string("false_alarm"));
		rc = alert_step(db, who, id, "close", t->from, NULL, set, NULL, note, out, e);
		json_decref(set);
	}
	json_decref(a);
	return rc;
}

int tb_alert_find(tb_db *db, const char *code_or_id, int64_t *id, tb_err *e)
{
	json_t *a = NULL;
	char *end;
	long long n = code_or_id ? strtoll(code_or_id, &end, 10) : 0;
	if (code_or_id && *code_or_id && !*end && n > 0) {
		*id = n;
		return 0;
	}
	int rc = tb_record_get_by_key(db, &tb_alerts, code_or_id ? code_or_id : "", &a, NULL, e);
	if (!rc) *id = json_integer_value(json_object_get(a, "fid"));
	json_decref(a);
	return rc;
}

/* ---- views -------------------------------------------------------------------------------------- */

json_t *tb_alert_mine(tb_db *db, const char *ranger, tb_err *e)
{
	tb_filter f[2] = {{"ranger_code", "eq", ranger ? ranger : ""}, {"status", "eq", "assigned"}};
	tb_query q = {.filters = f, .nfilters = 2, .sort = "-observed_at", .limit = 1000, .with_geom = true};
	tb_rows rows;
	if (tb_record_list(db, &tb_alerts, &q, &rows, e)) return NULL;
	json_t *items = json_array();
	for (size_t i = 0; i < rows.n; i++) {
		json_t *p = json_deep_copy(json_array_get(rows.items, i));
		const GEOSGeometry *g = rows.geoms ? rows.geoms[i] : NULL;
		json_object_set_new(p, "geometry", tb_geojson_from_geom(g));
		GEOSGeometry *pt = g ? GEOSPointOnSurface_r(tb_geos(), g) : NULL;
		double x, y;
		if (pt && GEOSGeomGetX_r(tb_geos(), pt, &x) && GEOSGeomGetY_r(tb_geos(), pt, &y)) {
			json_object_set_new(p, "lon", json_real(round(x * 1e6) / 1e6));
			json_object_set_new(p, "lat", json_real(round(y * 1e6) / 1e6));
		}
		if (pt) GEOSGeom_destroy_r(tb_geos(), pt);
		json_array_append_new(items, p);
	}
	tb_rows_free(&rows);
	return items;
}

json_t *tb_alert_counts(tb_db *db, const char *towns, const char *ranger, tb_err *e)
{
	tb_stmt *st;
	if (tb_db_prepare(db, "SELECT status, count(*), sum(CASE WHEN result='confirmed' THEN coalesce(loss_ha,0) END)"
			      " FROM alerts WHERE (?1 IS NULL OR instr(',' || ?1 || ',', ',' || town_code || ',') > 0)"
			      " AND (?2 IS NULL OR ranger_code=?2) GROUP BY status", &st, e))
		return NULL;
	if (towns) tb_bind_text(st, 1, towns);
	if (ranger) tb_bind_text(st, 2, ranger);
	json_t *o = json_pack("{s:i,s:i,s:i,s:i,s:f}", "new", 0, "assigned", 0, "verified", 0, "closed", 0,
			      "confirmed_loss_ha", 0.0);
	double loss = 0;
	while (tb_stmt_step(st) == TB_ROW) {
		json_object_set_new(o, tb_col_text(st, 0), json_integer(tb_col_int64(st, 1)));
		loss += tb_col_double(st, 2);
	}
	tb_stmt_finalize(st);
	json_object_set_new(o, "confirmed_loss_ha", json_real(tb_round4(loss)));
	return o;
}
