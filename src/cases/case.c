/* case.c — cases (案件, §3.5; §4.2(12) police): a report, a confirmed alert,
 * a ranger's incident or a patrol becomes a case, linked by id through the
 * owners' public headers.  The case's type picks its handling path
 * (cases.json "case_paths"): administrative (investigate → decide →
 * close), criminal (investigate → transfer to the police → the police
 * accept → the police close), civil public-interest litigation (investigate
 * → refer → close), rectification (order with a deadline → report done →
 * re-check pass / fail).  The moves are one base/fsm.h table; a guard
 * refuses a move outside the type's path and the police moves to anyone but
 * the police.  Every step is one transaction with one event "cases.<action>",
 * so the case's timeline is the log. */
#include "cases/internal.h"

#include "base/fsm.h"
#include "base/json.h"
#include "base/tbtime.h"
#include "base/utf8.h"
#include "db/codes.h"
#include "db/event.h"
#include "duty/duty.h"
#include "monitor/alert.h"
#include "monitor/notify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const tb_field case_fields[] = {
	{"code", TB_F_TEXT, TB_UNIQUE | TB_COMPUTED, "案件编号", "Case no."},
	{"type", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "案件类型", "Type", .codes = "case_type"},
	{"title", TB_F_TEXT, TB_REQUIRED, "案由", "Title", .max_len = 200},
	{"source", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "线索来源", "Source", .codes = "case_source"},
	{"source_ref", TB_F_TEXT, TB_INDEXED, "来源编号", "Source ref.", .max_len = 64},
	{"description", TB_F_TEXT, 0, "案情", "Description", .max_len = 4000},
	{"responsible_unit", TB_F_TEXT, 0, "责任单位", "Responsible unit", .max_len = 64},
	{"town_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "乡镇", "Town"},
	{"parcel_codes", TB_F_JSON, TB_COMPUTED, "涉及小班", "Parcels"},
	{"damaged_ha", TB_F_REAL, TB_COMPUTED, "毁坏天然林面积", "Natural forest damaged", .unit = "ha"},
	{"status", TB_F_CODE, TB_COMPUTED | TB_INDEXED, "办理状态", "Status", .codes = "case_status"},
	{"handler", TB_F_TEXT, TB_COMPUTED, "承办人", "Handler"},
	{"deadline", TB_F_DATE, TB_COMPUTED | TB_INDEXED, "期限", "Deadline"},
	{"decision", TB_F_TEXT, TB_COMPUTED, "处理决定", "Decision", .max_len = 4000},
	{"penalty_yuan", TB_F_REAL, TB_COMPUTED, "罚款", "Penalty", .unit = "元"},
	{"police_case_no", TB_F_TEXT, TB_COMPUTED, "公安案号", "Police case no."},
	{"outcome", TB_F_CODE, TB_COMPUTED, "结案结果", "Outcome", .codes = "case_outcome"},
	{"opened_at", TB_F_TIME, TB_COMPUTED, "立案时间", "Opened"},
	{"closed_at", TB_F_TIME, TB_COMPUTED, "结案时间", "Closed"},
	{"last_note", TB_F_TEXT, TB_COMPUTED, "最近办理意见", "Last note", .max_len = 2000},
};
const tb_resource tb_cases = {
	.name = "cases", .label_zh = "案件", .label_en = "Cases", .clause = "3.5",
	.fields = case_fields, .nfields = N(case_fields), .geom = TB_GEOM_POINT,
	.key = "code", .scope = "town_code", .before_write = cases__keep_computed,
};

const tb_resource *const tb_cases_resources[] = {&tb_reports, &tb_cases, &tb_positions, &tb_tenures, NULL};

int cases__cases_v1(tb_db *db, tb_err *e)
{
	return tb_resource_create(db, &tb_cases, e);
}

extern const tb_fsm cases__report_fsm;

/* ---- the handling paths -------------------------------------------------------------------- */

typedef struct move_ctx {
	const char *type, *code, *duty;
} move_ctx;

/* The move must lie on the case type's path (cases.json); the police moves
 * are the police's (§4.2(12)). */
static int path_guard(const tb_fsm_move *m, const char *role, void *ctx, tb_err *e)
{
	(void)role;
	move_ctx *c = ctx;
	if (strcmp(m->action, "close") && !cases__path_has(c->type, m->action))
		return tb_err_set(e, TB_ECONFLICT, c->code, "status", "a %s case does not take the step %s", c->type,
				  m->action);
	if (!strncmp(m->action, "police_", 7) && (!c->duty || strcmp(c->duty, "police")))
		return tb_err_set(e, TB_EDENIED, c->code, NULL,
				  "only the police (公安, §4.2(12)) record acceptance and outcome of a transferred case");
	return 0;
}

#define AB (TB_R_ADMIN | TB_R_BUREAU)
#define ABTU (TB_R_ADMIN | TB_R_BUREAU | TB_R_TOWN | TB_R_UNIT)
static const tb_fsm_move case_moves[] = {
	{"registered", "investigate", "investigating", ABTU, path_guard},
	{"investigating", "decide", "decided", AB, path_guard},
	{"investigating", "transfer", "transferred", AB, path_guard},
	{"investigating", "refer", "referred", AB, path_guard},
	{"investigating", "close", "closed", AB, path_guard},
	{"decided", "close", "closed", AB, path_guard},
	{"referred", "close", "closed", AB, path_guard},
	{"transferred", "police_accept", "police_accepted", TB_R_DEPARTMENT, path_guard},
	{"police_accepted", "police_close", "closed", TB_R_DEPARTMENT, path_guard},
	{"registered", "order", "rectifying", AB, path_guard},
	{"rectifying", "report_done", "rechecking", ABTU, path_guard},
	{"rechecking", "recheck_pass", "closed", AB, path_guard},
	{"rechecking", "recheck_fail", "rectifying", AB, path_guard},
};
static const tb_fsm case_fsm = {"case", case_moves, N(case_moves)};

void tb_case_next(tb_db *db, const json_t *c, char *buf, size_t size)
{
	(void)db;
	const char *st = tb_json_str(c, "status"), *type = tb_json_str(c, "type");
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < N(case_moves); i++) {
		const tb_fsm_move *m = &case_moves[i];
		if (!st || strcmp(m->from, st) || (strcmp(m->action, "close") && !cases__path_has(type, m->action))) continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", m->action);
		if (n < 0 || (size_t)n >= size - used) break;
		used += (size_t)n;
	}
}

/* ---- opening ---------------------------------------------------------------------------------- */

static bool code_ok(tb_db *db, const char *list, const char *v)
{
	const tb_code_entry *c = v && *v ? tb_codes_find(db, list, v) : NULL;
	return c && !strcmp(c->code, v);
}

/* What the source gives the case: town, parcels, damaged area, point. */
typedef struct source_facts {
	char town[32];
	json_t *parcels;
	double damaged_ha;
	bool has_point;
	double lon, lat;
	int64_t report_fid; /* a report to accept in the same write */
} source_facts;

static void point_of(GEOSGeometry *g, source_facts *f)
{
	if (!g) return;
	GEOSGeometry *pt = GEOSPointOnSurface_r(tb_geos(), g);
	if (pt && GEOSGeomGetX_r(tb_geos(), pt, &f->lon) == 1 && GEOSGeomGetY_r(tb_geos(), pt, &f->lat) == 1)
		f->has_point = true;
	if (pt) GEOSGeom_destroy_r(tb_geos(), pt);
	GEOSGeom_destroy_r(tb_geos(), g);
}

static int from_record(tb_db *db, const tb_resource *r, const char *ref, const char *what, source_facts *f,
		       json_t **row, tb_err *e)
{
	char *end = NULL;
	long long id = ref ? strtoll(ref, &end, 10) : 0;
	if (!ref || !*ref || *end || id <= 0)
		return tb_err_set(e, TB_EINPUT, "case", "source_ref", "the %s's id is required", what);
	GEOSGeometry *g = NULL;
	int rc = tb_record_get(db, r, id, row, &g, e);
	if (rc == TB_ENOTFOUND) return tb_err_set(e, TB_EINPUT, "case", "source_ref", "no %s %s", what, ref);
	if (rc) return rc;
	snprintf(f->town, sizeof f->town, "%s", tb_json_str(*row, "town_code") ? tb_json_str(*row, "town_code") : "");
	point_of(g, f);
	return 0;
}

static int source_of(tb_db *db, const tb_case_in *in, source_facts *f, tb_err *e)
{
	json_t *row = NULL;
	int rc = 0;
	const char *src = in->source, *ref = in->source_ref;
	if (!strcmp(src, "report")) {
		if ((rc = tb_report_find(db, ref, &f->report_fid, e))) return tb_err_set(e, TB_EINPUT, "case", "source_ref", "%s", e->message);
		GEOSGeometry *g = NULL;
		if ((rc = tb_record_get(db, &tb_reports, f->report_fid, &row, &g, e))) return rc;
		snprintf(f->town, sizeof f->town, "%s", tb_json_str(row, "town_code") ? tb_json_str(row, "town_code") : "");
		point_of(g, f);
	} else if (!strcmp(src, "alert")) {
		int64_t id;
		if (tb_alert_find(db, ref, &id, e)) return tb_err_set(e, TB_EINPUT, "case", "source_ref", "no alert %s", ref ? ref : "");
		GEOSGeometry *g = NULL;
		if ((rc = tb_record_get(db, &tb_alerts, id, &row, &g, e))) return rc;
		const char *res = tb_json_str(row, "result");
		if (!res || strcmp(res, "confirmed")) {
			if (g) GEOSGeom_destroy_r(tb_geos(), g);
			rc = tb_err_set(e, TB_EINPUT, "case", "source_ref",
					"alert %s is not confirmed by field verification (a case needs a confirmed alert)",
					tb_json_str(row, "code"));
			json_decref(row);
			return rc;
		}
		snprintf(f->town, sizeof f->town, "%s", tb_json_str(row, "town_code") ? tb_json_str(row, "town_code") : "");
		json_t *pc = json_object_get(row, "parcel_codes");
		if (json_is_array(pc)) f->parcels = json_deep_copy(pc);
		f->damaged_ha = tb_json_num(row, "loss_ha", 0);
		point_of(g, f);
	} else if (!strcmp(src, "incident"))
		rc = from_record(db, &tb_incidents, ref, "incident", f, &row, e);
	else if (!strcmp(src, "patrol"))
		rc = from_record(db, &tb_patrols, ref, "patrol", f, &row, e);
	json_decref(row);
	if (!rc && !f->town[0] && in->town_code) snprintf(f->town, sizeof f->town, "%s", in->town_code);
	return rc;
}

static int next_code(tb_db *db, char out[32], tb_err *e)
{
	char now[32];
	tb_time_now_iso(now);
	char like[16];
	snprintf(like, sizeof like, "AJ-%.4s-%%", now);
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT count(*) FROM cases WHERE code LIKE ?", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, like);
	int64_t n = tb_stmt_step(st) == TB_ROW ? tb_col_int64(st, 0) : 0;
	tb_stmt_finalize(st);
	snprintf(out, 32, "AJ-%.4s-%04lld", now, (long long)n + 1);
	return 0;
}

static bool in_list(const char *list, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);
		if (len == n && !strncmp(p, v, n)) return true;
		p = c ? c + 1 : NULL;
	}
	return false;
}

/* Accept the report the case comes from (same transaction, no event of its
 * own: the case's event names it). */
static int accept_report(tb_db *db, const tb_actor *who, int64_t fid, const char *case_code, tb_write_ctx *cx,
			 tb_err *e)
{
	json_t *r = NULL;
	const tb_fsm_move *m = NULL;
	int rc = tb_record_get(db, &tb_reports, fid, &r, NULL, e);
	if (!rc) rc = tb_fsm_find(&cases__report_fsm, tb_json_str(r, "code"), tb_json_str(r, "status"), "accept", NULL,
				  who->role, NULL, &m, e);
	json_t *set = rc ? NULL : json_pack("{s:s,s:s}", "status", "accepted", "case_code", case_code);
	if (!rc) rc = cases__update(db, &tb_reports, fid, set, cx, NULL, e);
	json_decref(set);
	json_decref(r);
	return rc;
}

int tb_case_open(tb_db *db, const tb_actor *who, const tb_case_in *in, json_t **out, tb_err *e)
{
	if (!code_ok(db, "case_type", in->type))
		return tb_err_set(e, TB_EINPUT, "case", "type", "unknown case type '%s'", in->type ? in->type : "");
	if (!code_ok(db, "case_source", in->source))
		return tb_err_set(e, TB_EINPUT, "case", "source", "unknown source '%s'", in->source ? in->source : "");
	if (!in->title || !*in->title) return tb_err_set(e, TB_EINPUT, "case", "title", "a case needs a title (案由)");
	source_facts f = {.damaged_ha = NAN};
	char code[32], now[32];
	json_t *props = NULL, *set = NULL, *row = NULL, *payload = NULL;
	tb_write_ctx cx = {.actor = who};
	tb_record rec = {.name = "case"};
	int rc = tb_db_begin(db, e);
	if (!rc) rc = source_of(db, in, &f, e);
	if (rc) goto out;
	if (!f.town[0]) {
		rc = tb_err_set(e, TB_EINPUT, "case", "town_code", "the case's town is not known from its source: give town_code");
		goto out;
	}
	if (in->scope && !in_list(in->scope, f.town)) {
		rc = tb_err_set(e, TB_EDENIED, "case", "town_code", "the town %s is outside your jurisdiction", f.town);
		goto out;
	}
	if ((rc = next_code(db, code, e)) || (rc = tb_event_next_seq(db, &cx.seq, e))) goto out;
	tb_time_now_iso(now);
	props = json_pack("{s:s,s:s,s:s}", "type", in->type, "title", in->title, "source", in->source);
	if (in->source_ref && *in->source_ref) json_object_set_new(props, "source_ref", json_string(in->source_ref));
	if (in->description && *in->description) json_object_set_new(props, "description", json_string(in->description));
	if (in->responsible_unit && *in->responsible_unit)
		json_object_set_new(props, "responsible_unit", json_string(in->responsible_unit));
	double dmg = isfinite(in->damaged_ha) ? in->damaged_ha : isfinite(f.damaged_ha) ? f.damaged_ha : 0;
	if (!f.parcels) f.parcels = json_array();
	set = json_pack("{s:s,s:s,s:s,s:O,s:f,s:s}", "code", code, "status", "registered", "town_code", f.town,
			"parcel_codes", f.parcels, "damaged_ha", dmg, "opened_at", now);
	if (f.has_point) rec.geom = GEOSGeom_createPointFromXY_r(tb_geos(), f.lon, f.lat);
	rec.props = props;
	cx.user = set;
	tb_writer *w = tb_writer_new(db, &tb_cases, &cx, e);
	rc = w ? tb_writer_insert(w, &rec, NULL, e) : (e->code ? e->code : TB_EDB);
	tb_writer_free(w);
	if (!rc && f.report_fid) rc = accept_report(db, who, f.report_fid, code, &cx, e);
	if (!rc) rc = tb_record_get(db, &tb_cases, rec.fid, &row, NULL, e);
	if (rc) goto out;
	payload = json_pack("{s:O}", "after", row);
	rc = cases__event(db, who, "cases.create", "cases", code, f.town, f.parcels, payload, e);
	if (!rc) rc = tb_db_commit(db, e);
	if (!rc && out) *out = json_incref(row);
out:
	if (rc) tb_db_rollback(db);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	json_decref(f.parcels);
	json_decref(props);
	json_decref(set);
	json_decref(row);
	json_decref(payload);
	return rc;
}

/* ---- moving -------------------------------------------------------------------------------------- */

static void date_in(int days, char out[11])
{
	char now[32];
	tb_time_format_iso(tb_time_now_ms() + (int64_t)days * 86400000, now);
	snprintf(out, 11, "%.10s", now);
}

/* The values a move sets, checked: note always; decision, outcome, police
 * case number, responsible unit as the action needs them. */
static int move_values(tb_db *db, const json_t *c, const tb_fsm_move *m, const tb_case_action *a, const tb_actor *who,
		       json_t *set, tb_err *e)
{
	const char *code = tb_json_str(c, "code");
	const char *act = m->action;
	if (!a->note || !*a->note) return tb_err_set(e, TB_EINPUT, code, "note", "each step needs a note (办理意见)");
	if (!tb_utf8_valid(a->note, strlen(a->note), NULL) || tb_utf8_len(a->note) > 2000)
		return tb_err_set(e, TB_EINPUT, code, "note", "at most 2000 characters of UTF-8");
	json_object_set_new(set, "status", json_string(m->to));
	json_object_set_new(set, "last_note", json_string(a->note));
	if (!strcmp(act, "investigate"))
		json_object_set_new(set, "handler", json_string(a->handler && *a->handler ? a->handler : who->login));
	if (!strcmp(act, "decide")) {
		if (!a->decision || !*a->decision)
			return tb_err_set(e, TB_EINPUT, code, "decision", "the decision (处理决定) is required");
		json_object_set_new(set, "decision", json_string(a->decision));
		if (isfinite(a->penalty_yuan)) {
			if (a->penalty_yuan < 0) return tb_err_set(e, TB_EINPUT, code, "penalty_yuan", "must be ≥ 0");
			json_object_set_new(set, "penalty_yuan", json_real(a->penalty_yuan));
		}
	}
	if (!strcmp(act, "police_accept")) {
		if (!a->police_case_no || !*a->police_case_no)
			return tb_err_set(e, TB_EINPUT, code, "police_case_no", "the police case number is required");
		json_object_set_new(set, "police_case_no", json_string(a->police_case_no));
	}
	if (!strcmp(act, "order") && (!a->responsible_unit || !*a->responsible_unit) && !tb_json_str(c, "responsible_unit"))
		return tb_err_set(e, TB_EINPUT, code, "responsible_unit", "a rectification order names the town or unit to rectify");
	const char *outcome = a->outcome;
	if (!strcmp(act, "recheck_pass") && (!outcome || !*outcome)) outcome = "rectified";
	if (!strcmp(m->to, "closed")) {
		if (!code_ok(db, "case_outcome", outcome))
			return tb_err_set(e, TB_EINPUT, code, "outcome", "closing needs an outcome from the list (case_outcome)");
		char now[32];
		tb_time_now_iso(now);
		json_object_set_new(set, "outcome", json_string(outcome));
		json_object_set_new(set, "closed_at", json_string(now));
		json_object_set_new(set, "deadline", json_null());
		return 0;
	}
	int64_t ms;
	char day[11];
	if (a->deadline && *a->deadline) {
		char t[32];
		snprintf(t, sizeof t, "%.10sT00:00:00Z", a->deadline);
		if (strlen(a->deadline) != 10 || !tb_time_parse_iso(t, &ms))
			return tb_err_set(e, TB_EINPUT, code, "deadline", "not a date YYYY-MM-DD: '%s'", a->deadline);
		json_object_set_new(set, "deadline", json_string(a->deadline));
	} else if (cases__deadline_days(act) > 0) {
		date_in(cases__deadline_days(act), day);
		json_object_set_new(set, "deadline", json_string(day));
	} else
		json_object_set_new(set, "deadline", json_null());
	return 0;
}

int tb_case_act(tb_db *db, const tb_actor *who, int64_t fid, const tb_case_action *a, json_t **out, tb_err *e)
{
	json_t *c = NULL, *set = json_object(), *row = NULL, *payload = NULL;
	tb_write_ctx cx = {.actor = who};
	const tb_fsm_move *m = NULL;
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_record_get(db, &tb_cases, fid, &c, NULL, e);
	if (rc) goto out;
	move_ctx mc = {tb_json_str(c, "type"), tb_json_str(c, "code"), a->duty};
	if ((rc = tb_fsm_find(&case_fsm, mc.code, tb_json_str(c, "status"), a->action ? a->action : "", NULL, who->role,
			      &mc, &m, e)))
		goto out;
	if ((rc = move_values(db, c, m, a, who, set, e))) goto out;
	if (a->responsible_unit && *a->responsible_unit)
		json_object_set_new(set, "responsible_unit", json_string(a->responsible_unit));
	if ((rc = tb_event_next_seq(db, &cx.seq, e))) goto out;
	if (json_object_get(set, "responsible_unit")) { /* not computed: a patch of its own */
		json_t *patch = json_pack("{s:O}", "responsible_unit", json_object_get(set, "responsible_unit"));
		json_object_del(set, "responsible_unit");
		cx.user = set;
		tb_record rec = {.props = patch, .fid = fid, .name = mc.code};
		rc = tb_record_update(db, &tb_cases, &rec, 0, &cx, e);
		if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
		row = rc ? NULL : json_incref(patch);
		json_decref(patch);
	} else
		rc = cases__update(db, &tb_cases, fid, set, &cx, &row, e);
	if (rc) goto out;
	char action[48];
	snprintf(action, sizeof action, "cases.%s", m->action);
	payload = json_pack("{s:s,s:s,s:s,s:s?}", "from", m->from, "to", m->to, "note", a->note, "duty", a->duty);
	const char *k;
	json_t *v;
	json_object_foreach(set, k, v) if (strcmp(k, "status") && strcmp(k, "last_note")) json_object_set(payload, k, v);
	rc = cases__event(db, who, action, "cases", mc.code, tb_json_str(c, "town_code"), json_object_get(c, "parcel_codes"),
			  payload, e);
	/* a report the case came from follows it to its end */
	if (!rc && !strcmp(m->to, "closed") && !strcmp(tb_json_str(c, "source") ? tb_json_str(c, "source") : "", "report")) {
		int64_t rf;
		if (!tb_report_find(db, tb_json_str(c, "source_ref"), &rf, e)) {
			json_t *rs = json_pack("{s:s}", "status", "closed");
			rc = cases__update(db, &tb_reports, rf, rs, &cx, NULL, e);
			json_decref(rs);
		}
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (!rc && out) *out = json_incref(row);
out:
	if (rc) tb_db_rollback(db);
	json_decref(c);
	json_decref(set);
	json_decref(row);
	json_decref(payload);
	return rc;
}

int tb_case_find(tb_db *db, const char *code_or_id, int64_t *fid, tb_err *e)
{
	json_t *r = NULL;
	char *end = NULL;
	long long id = code_or_id ? strtoll(code_or_id, &end, 10) : 0;
	int rc = code_or_id && *code_or_id && end && !*end ? tb_record_get(db, &tb_cases, id, &r, NULL, e)
							   : tb_record_get_by_key(db, &tb_cases, code_or_id ? code_or_id : "", &r, NULL, e);
	if (!rc) *fid = json_integer_value(json_object_get(r, "fid"));
	else if (rc == TB_ENOTFOUND)
		rc = tb_err_set(e, TB_ENOTFOUND, code_or_id, NULL, "no case %s", code_or_id ? code_or_id : "");
	json_decref(r);
	return rc;
}

json_t *tb_case_timeline(tb_db *db, const char *code, tb_err *e)
{
	json_t *ev = tb_event_recent_where(db, 1000, "e.entity='cases' AND e.entity_id=?1", code, e);
	if (!ev) return NULL;
	json_t *out = json_array();
	for (size_t i = json_array_size(ev); i-- > 0;) {
		json_t *x = json_array_get(ev, i), *p = json_object_get(x, "payload");
		json_t *t = json_pack("{s:O,s:O,s:O,s:O,s:O}", "seq", json_object_get(x, "seq"), "time",
				      json_object_get(x, "time"), "actor", json_object_get(x, "actor"), "role",
				      json_object_get(x, "role"), "action", json_object_get(x, "action"));
		const char *to = tb_json_str(p, "to");
		json_object_set_new(t, "status", to ? json_string(to) : json_string("registered"));
		if (tb_json_str(p, "note")) json_object_set(t, "note", json_object_get(p, "note"));
		json_array_append_new(out, t);
	}
	json_decref(ev);
	return out;
}

json_t *tb_case_overdue(tb_db *db, const char *today, const char *towns, tb_err *e)
{
	tb_filter f[2] = {{"status", "ne", "closed"}, {"deadline", "lt", today}};
	tb_query q = {.filters = f, .nfilters = 2, .sort = "deadline", .limit = 10000, .scope_in = towns};
	tb_rows rows = {0};
	if (tb_record_list(db, &tb_cases, &q, &rows, e)) return NULL;
	json_t *out = json_incref(rows.items);
	tb_rows_free(&rows);
	int y;
	unsigned mo, d;
	int64_t t = sscanf(today, "%d-%u-%u", &y, &mo, &d) == 3 ? tb_days_from_civil(y, mo, d) : 0;
	size_t i;
	json_t *c;
	json_array_foreach(out, i, c)
	{
		const char *dl = tb_json_str(c, "deadline");
		if (dl && sscanf(dl, "%d-%u-%u", &y, &mo, &d) == 3)
			json_object_set_new(c, "days_overdue", json_integer((json_int_t)(t - tb_days_from_civil(y, mo, d))));
	}
	return out;
}

/* cases.json's number `key`, overridden by the district setting case_<key>. */
static double case_num(tb_db *db, const char *key, double dflt)
{
	json_t *x = json_object_get(cases__fixed(), key);
	double v = json_is_number(x) ? json_number_value(x) : dflt;
	char k[64];
	snprintf(k, sizeof k, "case_%s", key);
	return tb_setting_num(db, k, v);
}

/* One reminder to one recipient unless it had one for this deadline within
 * the period. */
static int remind(tb_db *db, const tb_actor *who, const char *rkind, const char *rcpt, int level, const char *zh,
		  const char *en, const char *ref, const char *since, tb_case_reminders *out, tb_err *e)
{
	if (tb_notify_sent_since(db, rkind, rcpt, "case_overdue", ref, since) > 0) {
		out->skipped++;
		return 0;
	}
	bool sent = false;
	int rc = tb_notify(db, who, rkind, rcpt, "case_overdue", level, zh, en, ref, &sent, e);
	if (!rc) sent ? out->sent++ : out->skipped++;
	return rc;
}

int tb_case_notify_overdue(tb_db *db, const tb_actor *who, const char *today, tb_case_reminders *out, tb_err *e)
{
	*out = (tb_case_reminders){0};
	int y;
	unsigned mo, d;
	if (!today || strlen(today) != 10 || sscanf(today, "%d-%u-%u", &y, &mo, &d) != 3 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31)
		return tb_err_set(e, TB_EINPUT, "overdue", "today", "not a date YYYY-MM-DD: '%s'", today ? today : "");
	int remind_days = (int)case_num(db, "overdue_remind_days", 7);
	int escalate_days = (int)case_num(db, "overdue_escalate_days", 14);
	if (remind_days < 1) remind_days = 1;
	/* reminded on day D (the clock's, UTC): again on D + remind_days, whatever
	 * date `today` names (a look ahead must not silence next week's run) */
	int64_t t = tb_time_now_ms() / 86400000 - remind_days + 1;
	char since[32];
	tb_time_format_iso(t * 86400000, since);
	json_t *over = tb_case_overdue(db, today, NULL, e);
	if (!over) return e->code ? e->code : TB_EINTERNAL;
	int rc = 0;
	size_t i;
	json_t *c;
	json_array_foreach(over, i, c)
	{
		const char *code = tb_json_str(c, "code"), *dl = tb_json_str(c, "deadline");
		const char *town = tb_json_str(c, "town_code"), *status = tb_json_str(c, "status");
		const char *title = tb_json_str(c, "title");
		long long late = (long long)json_integer_value(json_object_get(c, "days_overdue"));
		if (!code || !dl) continue;
		out->overdue++;
		int level = late >= escalate_days ? 4 : 3;
		char ref[96], zh[512], en[512];
		snprintf(ref, sizeof ref, "cases/%s/%s", code, dl);
		snprintf(zh, sizeof zh, "案件 %s%s%s%s 已超期 %lld 天（期限 %s，当前环节 %s），请尽快办理（§3.5）", code,
			 title ? "（" : "", title ? title : "", title ? "）" : "", late, dl, status ? status : "");
		snprintf(en, sizeof en, "Case %s%s%s%s is %lld days overdue (deadline %s, step %s); act on it (§3.5)", code,
			 title ? " (" : "", title ? title : "", title ? ")" : "", late, dl, status ? status : "");
		if (town && *town) rc = remind(db, who, "town", town, level, zh, en, ref, since, out, e);
		if (!rc) rc = remind(db, who, "bureau", "bureau", level, zh, en, ref, since, out, e);
		if (rc) break;
	}
	json_decref(over);
	return rc;
}

static json_t *counts(tb_db *db, const char *sql, const char *towns, tb_err *e)
{
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, e)) return NULL;
	tb_bind_text(st, 1, towns);
	json_t *o = json_object();
	while (tb_stmt_step(st) == TB_ROW)
		json_object_set_new(o, tb_col_text(st, 0) ? tb_col_text(st, 0) : "", json_integer(tb_col_int64(st, 1)));
	tb_stmt_finalize(st);
	return o;
}

#define IN_TOWNS " WHERE (?1 IS NULL OR instr(','||?1||',', ','||town_code||',')>0)"

json_t *tb_cases_summary(tb_db *db, const char *today, const char *towns, tb_err *e)
{
	json_t *by_status = counts(db, "SELECT status, count(*) FROM cases" IN_TOWNS " GROUP BY status", towns, e);
	json_t *by_type = by_status ? counts(db, "SELECT type, count(*) FROM cases" IN_TOWNS " GROUP BY type", towns, e) : NULL;
	json_t *reports = by_type ? counts(db, "SELECT status, count(*) FROM reports" IN_TOWNS " GROUP BY status", towns, e)
				  : NULL;
	json_t *over = reports ? tb_case_overdue(db, today, towns, e) : NULL;
	if (!over) {
		json_decref(by_status);
		json_decref(by_type);
		json_decref(reports);
		return NULL;
	}
	json_int_t open = 0;
	const char *k;
	json_t *v;
	json_object_foreach(by_status, k, v) if (strcmp(k, "closed")) open += json_integer_value(v);
	json_t *o = json_pack("{s:o,s:o,s:o,s:I,s:I}", "cases_by_status", by_status, "cases_by_type", by_type,
			      "reports_by_status", reports, "open", open, "overdue", (json_int_t)json_array_size(over));
	json_decref(over);
	return o;
}
