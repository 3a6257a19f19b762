/* resources.c — descriptions of the use-control records (see control.h):
 * the rules table, applications (with their automatic decision) and
 * operation designs (作业设计).  Behaviour is in the hooks: rules check their
 * columns; an application computes its decision, town and code and keeps
 * its workflow fields; a design checks its parcels, measures and the
 * retained canopy closure (setting design_min_canopy, default 0.6). */
#include "control/control.h"
#include "control/internal.h"

#include "base/tbtime.h"
#include "base/buf.h"
#include "base/list.h"
#include "db/codes.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* ---- use_rules --------------------------------------------------------------- */

/* A column that is "any" or a code of the list (labels become codes). */
static int any_or_code(tb_db *db, tb_record *rec, const char *field, const char *list, tb_err *e)
{
	const char *v = str(rec->props, field);
	if (!v || !*v || !strcmp(v, "any")) {
		json_object_set_new(rec->props, field, json_string("any"));
		return 0;
	}
	const tb_code_entry *c = tb_codes_find(db, list, v);
	if (!c) return tb_err_set(e, TB_EINPUT, rec->name, field, "'%s' is neither \"any\" nor a code of %s", v, list);
	json_object_set_new(rec->props, field, json_string(c->code));
	return 0;
}

static int rule_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r, (void)ctx;
	static const char *const cols[][2] = {{"activity", "use_activity"}, {"purpose", "use_purpose"},
					      {"gyl_grade", "gjgyl_bhdj"},  {"bh_dj", "bh_dj"},
					      {"forest_land", "use_match"}, {"in_key_zone", "use_match"},
					      {"natural", "use_match"},     {"design_approved", "use_match"}};
	for (int i = 0; i < N(cols); i++) {
		int rc = any_or_code(db, rec, cols[i][0], cols[i][1], e);
		if (rc) return rc;
	}
	const char *v = str(rec->props, "verdict"), *who = str(rec->props, "authority");
	if (v && !strcmp(v, "needs_approval") && (!who || !*who))
		return tb_err_set(e, TB_EINPUT, rec->name, "authority",
				  "a needs_approval rule must name the approving authority");
	if (!json_object_get(rec->props, "active")) json_object_set_new(rec->props, "active", json_true());
	const char *b = str(rec->props, "basis");
	if (!b || !*b) json_object_set_new(rec->props, "basis", json_string("plan"));
	return 0;
}

static const tb_field rule_fields[] = {
	{"code", TB_F_TEXT, TB_REQUIRED | TB_UNIQUE, "规则编号", "Rule", .max_len = 32},
	{"activity", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "活动", "Activity", .max_len = 40},
	{"purpose", TB_F_TEXT, 0, "用途", "Purpose", .max_len = 40},
	{"forest_land", TB_F_CODE, 0, "林地", "Forest land", .codes = "use_match"},
	{"in_key_zone", TB_F_CODE, 0, "重点区域内", "In a key zone", .codes = "use_match"},
	{"natural", TB_F_CODE, 0, "天然林", "Natural forest", .codes = "use_match"},
	{"gyl_grade", TB_F_TEXT, 0, "国家级公益林保护等级", "Public-welfare forest grade", .max_len = 8},
	{"bh_dj", TB_F_TEXT, 0, "林地保护等级", "Protection level", .max_len = 8},
	{"design_approved", TB_F_CODE, 0, "作业设计已批准", "Design approved", .codes = "use_match"},
	{"verdict", TB_F_CODE, TB_REQUIRED, "结论", "Verdict", .codes = "use_verdict"},
	{"authority", TB_F_TEXT, 0, "审批机关", "Approving authority", .max_len = 200},
	{"conditions_zh", TB_F_TEXT, 0, "条件", "Conditions (zh)", .max_len = 2000},
	{"conditions_en", TB_F_TEXT, 0, "条件（英文）", "Conditions", .max_len = 2000},
	{"clause", TB_F_TEXT, TB_REQUIRED, "依据条款", "Plan clause", .max_len = 16},
	/* where the row comes from: the plan's own words, the law it refers to,
	 * or a district setting; when several rows prohibit, the plan's first */
	{"basis", TB_F_CODE, 0, "依据来源", "Basis", .codes = "use_basis"},
	{"message_zh", TB_F_TEXT, TB_REQUIRED, "说明", "Message (zh)", .max_len = 2000},
	{"message_en", TB_F_TEXT, TB_REQUIRED, "说明（英文）", "Message", .max_len = 2000},
	/* conditions the district adds (not in the plan), reported as district
	 * settings; {name} is replaced by the setting's value */
	{"district_conditions_zh", TB_F_TEXT, 0, "区级设定条件", "District conditions (zh)", .max_len = 2000},
	{"district_conditions_en", TB_F_TEXT, 0, "区级设定条件（英文）", "District conditions", .max_len = 2000},
	{"active", TB_F_BOOL, 0, "启用", "Active"},
};
const tb_resource tb_use_rules = {
	.name = "use_rules", .label_zh = "用途管制规则", .label_en = "Use-control rules", .clause = "3.2",
	.fields = rule_fields, .nfields = N(rule_fields), .key = "code", .before_write = rule_before_write,
};

/* ---- applications ------------------------------------------------------------ */

static const char *const app_computed[] = {"code", "town_code", "status", "verdict", "clauses",
					   "natural_forest_ha", "key_zone_ha", "total_ha", "decision",
					   "approval_doc", "reviewed_by", "decided_at", "loss_ha", NULL};

static void keep_computed(tb_record *rec, const char *const *names)
{
	for (int i = 0; rec->old && names[i]; i++) {
		json_t *v = json_object_get(rec->old, names[i]);
		if (v) json_object_set(rec->props, names[i], v);
	}
}

char *tb__commas(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *out = malloc(n + 1), *o = out;
	for (size_t i = 0; i < n;) {
		if (!strncmp(s + i, "，", 3) || !strncmp(s + i, "、", 3)) {
			*o++ = ',';
			i += 3;
		} else
			*o++ = s[i++];
	}
	*o = 0;
	return out;
}

/* A fresh code: PREFIX-YYYY-NNNN, numbered within the year. */
static int next_code(tb_db *db, const char *table, const char *prefix, tb_record *rec, tb_err *e)
{
	char now[32], like[64], sql[256];
	tb_time_now_iso(now);
	snprintf(like, sizeof like, "%s-%.4s-", prefix, now);
	snprintf(sql, sizeof sql, "SELECT coalesce(max(CAST(substr(code,%zu) AS INTEGER)),0) FROM %s WHERE code LIKE '%s%%'",
		 strlen(like) + 1, table, like);
	int64_t n = 0;
	int rc = tb_db_int64(db, sql, &n, e);
	if (rc) return rc;
	char code[80];
	snprintf(code, sizeof code, "%s%04lld", like, (long long)n + 1);
	json_object_set_new(rec->props, "code", json_string(code));
	return 0;
}

/* True when a design with this code exists and is approved. */
bool tb__design_approved(tb_db *db, const char *design_code, const char *app_code)
{
	tb_stmt *st = tb_db_stmt(db,
				      "SELECT 1 FROM designs WHERE status='approved' AND"
				      " ((?1 IS NOT NULL AND code=?1) OR (?2 IS NOT NULL AND application_code=?2))",
				      NULL);
	if (!st) return false;
	tb_bind_text(st, 1, design_code);
	tb_bind_text(st, 2, app_code);
	bool ok = tb_stmt_step(st) == TB_ROW;
	tb_stmt_reset(st);
	return ok;
}

static int exists(tb_db *db, const char *table, const char *code)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT 1 FROM %s WHERE code=?", table);
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, NULL)) return 0;
	tb_bind_text(st, 1, code);
	int ok = tb_stmt_step(st) == TB_ROW;
	tb_stmt_finalize(st);
	return ok;
}

void tb__add_unique(json_t *arr, const char *code)
{
	size_t i;
	json_t *v;
	if (!arr || !code) return;
	json_array_foreach(arr, i, v) if (!strcmp(json_string_value(v), code)) return;
	json_array_append_new(arr, json_string(code));
}

/* Store a decision's results on the record. */
void tb__app_apply_decision(tb_record *rec, const json_t *d)
{
	json_t *p = rec->props;
	json_object_set(p, "verdict", json_object_get(d, "verdict"));
	json_object_set(p, "clauses", json_object_get(d, "clauses"));
	json_object_set(p, "natural_forest_ha", json_object_get(d, "natural_forest_ha"));
	json_object_set(p, "key_zone_ha", json_object_get(d, "key_zone_ha"));
	json_object_set(p, "total_ha", json_object_get(d, "total_ha"));
	json_t *town = json_object_get(d, "town_code");
	json_object_set_new(p, "town_code", json_is_string(town) ? json_incref(town) : json_null());
	json_object_set(p, "decision", (json_t *)d);
}

/* Check the geometry and compute the decision from the record. */
static int app_decide(tb_db *db, tb_record *rec, tb_err *e)
{
	GEOSGeometry *g = NULL;
	int rc = tb_control_check_geometry(db, rec->geom, &g, e);
	if (rc) {
		snprintf(e->record, sizeof e->record, "%s", rec->name);
		return rc;
	}
	GEOSGeom_destroy_r(tb_geos(), rec->geom);
	rec->geom = g;
	tb_use_query q = {.activity = str(rec->props, "activity"), .purpose = str(rec->props, "purpose"),
			  .design_approved = tb__design_approved(db, str(rec->props, "design_code"), str(rec->props, "code"))};
	json_t *d = tb_control_check(db, &q, g, e);
	if (!d) return e->code ? e->code : TB_EINTERNAL;
	tb__app_apply_decision(rec, d);
	json_decref(d);
	return 0;
}

static int app_before(tb_db *db, tb_record *rec, tb__app_move *mv, tb_err *e);

static int app_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r;
	tb_write_ctx *w = ctx;
	tb__app_move *mv = w ? w->user : NULL;
	const char *from = str(rec->props, "start_date"), *to = str(rec->props, "end_date");
	if (from && to && strcmp(from, to) > 0)
		return tb_err_set(e, TB_EINPUT, rec->name, "end_date", "ends (%s) before it starts (%s)", to, from);
	const char *design = str(rec->props, "design_code");
	if (design && !exists(db, "designs", design))
		return tb_err_set(e, TB_EINPUT, rec->name, "design_code", "no operation design with code '%s'", design);
	if (!rec->geom) return tb_err_set(e, TB_EINPUT, rec->name, "geometry", "the geometry is missing");
	int rc = app_before(db, rec, mv, e);
	if (!rc && w) { /* the parcels it concerns go into the event (their archives) */
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(json_object_get(rec->props, "decision"), "parcels"), i, p)
		tb__add_unique(w->parcels, json_string_value(json_object_get(p, "id")));
	}
	return rc;
}

static int app_before(tb_db *db, tb_record *rec, tb__app_move *mv, tb_err *e)
{
	if (!rec->old) { /* a new application: code, status and its decision */
		int rc = next_code(db, "applications", "SQ", rec, e);
		if (rc) return rc;
		json_object_set_new(rec->props, "status", json_string("submitted"));
		if (mv && mv->decision) {
			tb__app_apply_decision(rec, mv->decision);
			if (GEOSGeomTypeId_r(tb_geos(), rec->geom) == GEOS_POLYGON) {
				GEOSGeometry *m = tb_geom_to_multi(rec->geom);
				GEOSGeom_destroy_r(tb_geos(), rec->geom);
				rec->geom = m;
			}
			return 0;
		}
		return app_decide(db, rec, e);
	}
	keep_computed(rec, app_computed);
	if (mv && mv->to) { /* a workflow transition (workflow.c) */
		if (mv->decision) { /* decided again on approval; the town stays */
			json_t *town = json_incref(json_object_get(rec->props, "town_code"));
			tb__app_apply_decision(rec, mv->decision);
			json_object_set_new(rec->props, "town_code", town ? town : json_null());
		}
		json_object_set_new(rec->props, "status", json_string(mv->to));
		json_object_set_new(rec->props, "reviewed_by", json_string(mv->actor));
		if (mv->note) json_object_set_new(rec->props, "note", json_string(mv->note));
		if (mv->approval_doc) json_object_set_new(rec->props, "approval_doc", json_string(mv->approval_doc));
		if (!strcmp(mv->to, "approved") || !strcmp(mv->to, "rejected")) {
			char now[32];
			tb_time_now_iso(now);
			json_object_set_new(rec->props, "decided_at", json_string(now));
		}
		if (mv->loss_ha > 0) json_object_set_new(rec->props, "loss_ha", json_real(mv->loss_ha));
		return 0;
	}
	const char *st = str(rec->props, "status");
	if (st && strcmp(st, "submitted"))
		return tb_err_set(e, TB_ECONFLICT, rec->name, "status",
				  "application %s is %s; only a submitted application can be edited",
				  str(rec->props, "code"), st);
	/* an edit of a submitted application: decide again (the rules, parcels
	 * or design may have changed since); it stays in its town, whose
	 * jurisdiction the edit was checked against */
	const char *town = str(rec->old, "town_code");
	int rc = app_decide(db, rec, e);
	const char *now = str(rec->props, "town_code");
	if (!rc && town && (!now || strcmp(town, now)))
		rc = tb_err_set(e, TB_EINPUT, rec->name, "geometry",
				"the area now lies mostly in town %s, not %s; submit a new application there",
				now ? now : "(none)", town);
	return rc;
}

static const tb_field app_fields[] = {
	{"code", TB_F_TEXT, TB_COMPUTED | TB_UNIQUE, "申请编号", "Application no."},
	{"applicant", TB_F_TEXT, TB_REQUIRED, "申请人", "Applicant", .max_len = 200},
	{"applicant_unit", TB_F_TEXT, 0, "申请单位", "Applicant's unit", .max_len = 200},
	{"activity", TB_F_CODE, TB_REQUIRED | TB_INDEXED, "活动类型", "Activity", .codes = "use_activity"},
	{"purpose", TB_F_CODE, 0, "用途", "Purpose", .codes = "use_purpose"},
	{"start_date", TB_F_DATE, 0, "起始日期", "From"},
	{"end_date", TB_F_DATE, 0, "终止日期", "To"},
	{"description", TB_F_TEXT, 0, "申请说明", "Description", .max_len = 4000},
	{"design_code", TB_F_TEXT, 0, "作业设计", "Operation design"},
	{"town_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "乡镇", "Town"},
	{"status", TB_F_CODE, TB_COMPUTED | TB_INDEXED, "状态", "Status", .codes = "application_status"},
	{"verdict", TB_F_CODE, TB_COMPUTED | TB_INDEXED, "自动审查结论", "Verdict", .codes = "use_verdict"},
	{"clauses", TB_F_JSON, TB_COMPUTED, "依据条款", "Clauses"},
	{"natural_forest_ha", TB_F_REAL, TB_COMPUTED, "涉及天然林面积", "Natural forest affected", .unit = "ha"},
	{"key_zone_ha", TB_F_REAL, TB_COMPUTED, "其中重点区域内", "of which in key zones", .unit = "ha"},
	{"total_ha", TB_F_REAL, TB_COMPUTED, "申请面积", "Area applied for", .unit = "ha"},
	{"decision", TB_F_JSON, TB_COMPUTED, "审查结果", "Decision"},
	{"approval_doc", TB_F_TEXT, TB_COMPUTED | TB_ATTACHMENT, "上级审批文件", "Higher authority's approval (SHA-256)"},
	{"reviewed_by", TB_F_TEXT, TB_COMPUTED, "经办人", "Reviewed by"},
	{"decided_at", TB_F_TIME, TB_COMPUTED, "审批时间", "Decided at"},
	{"loss_ha", TB_F_REAL, TB_COMPUTED, "核减天然林面积", "Natural forest removed", .unit = "ha"},
	{"note", TB_F_TEXT, 0, "备注", "Note", .max_len = 2000},
};
const tb_resource tb_applications = {
	.name = "applications", .label_zh = "林地使用与作业申请", .label_en = "Applications", .clause = "3.2.2",
	.fields = app_fields, .nfields = N(app_fields), .geom = TB_GEOM_MULTIPOLYGON, .geom_required = true,
	.key = "code", .scope = "town_code", .before_write = app_before_write,
};

/* ---- designs ------------------------------------------------------------------- */

static const char *const design_computed[] = {"status", "approved_by", "town_code", "area_ha", NULL};

/* Split a comma-separated list, trimming blanks; NULL-terminated array of
 * pointers into *buf (caller frees both). */
static char **split(const char *s, char **buf, int *n)
{
	*buf = tb__commas(s);
	char **out = calloc(strlen(*buf) / 2 + 2, sizeof *out);
	*n = 0;
	const char *item;
	size_t len;
	for (const char *cur = *buf; out && tb_list_next(&cur, &item, &len);) {
		char *t = *buf + (item - *buf);
		t[len] = 0; /* a blank, the comma (cur is past it) or the end */
		out[(*n)++] = t;
	}
	return out;
}

static int design_parcels(tb_db *db, tb_record *rec, tb_err *e)
{
	char *buf;
	int n;
	char **codes = split(str(rec->props, "parcels"), &buf, &n);
	int rc = n ? 0 : tb_err_set(e, TB_EINPUT, rec->name, "parcels", "name at least one parcel (小班编号)");
	double area = 0;
	char town[32] = "";
	json_t *norm = json_array();
	for (int i = 0; !rc && i < n; i++) {
		tb_parcel_info p;
		int lookup = tb_registry_parcel(db, codes[i], &p, e);
		if (lookup && lookup != TB_ENOTFOUND) rc = lookup;
		else if (lookup || !p.active)
			rc = tb_err_set(e, TB_EINPUT, rec->name, "parcels", "no active parcel '%s'", codes[i]);
		else if (!p.natural)
			rc = tb_err_set(e, TB_EINPUT, rec->name, "parcels",
					"parcel %s is not natural forest; operation designs of §3.2.1 are for natural forest",
					codes[i]);
		else {
			if (!town[0]) snprintf(town, sizeof town, "%s", p.town);
			area += p.area_ha;
			json_array_append_new(norm, json_string(codes[i]));
		}
	}
	if (!rc) {
		tb_buf b;
		tb_buf_init(&b, 1 << 20);
		size_t i;
		json_t *c;
		json_array_foreach(norm, i, c) tb_buf_addf(&b, "%s%s", i ? "," : "", json_string_value(c));
		json_object_set_new(rec->props, "parcels", json_string(b.data ? b.data : ""));
		tb_buf_free(&b);
		json_object_set_new(rec->props, "town_code", json_string(town));
		json_object_set_new(rec->props, "area_ha", json_real(tb_round4(area)));
	}
	json_decref(norm);
	free(codes);
	free(buf);
	return rc;
}

static int design_measures(tb_db *db, tb_record *rec, tb_err *e)
{
	char *buf;
	int n, rc = 0;
	char **m = split(str(rec->props, "measures"), &buf, &n);
	if (!n) rc = tb_err_set(e, TB_EINPUT, rec->name, "measures", "name at least one measure (e.g. 透光伐, 生长伐)");
	tb_buf b;
	tb_buf_init(&b, 1 << 16);
	for (int i = 0; !rc && i < n; i++) {
		const tb_code_entry *c = tb_codes_find(db, "tending_measure", m[i]);
		if (!c) rc = tb_err_set(e, TB_EINPUT, rec->name, "measures", "unknown tending measure '%s'", m[i]);
		else tb_buf_addf(&b, "%s%s", i ? "," : "", c->code);
	}
	if (!rc) json_object_set_new(rec->props, "measures", json_string(b.data ? b.data : ""));
	tb_buf_free(&b);
	free(m);
	free(buf);
	return rc;
}

static int design_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r;
	tb_write_ctx *w = ctx;
	tb__design_move *mv = w ? w->user : NULL;
	keep_computed(rec, design_computed);
	if (mv && mv->to) {
		json_object_set_new(rec->props, "status", json_string(mv->to));
		if (!strcmp(mv->to, "approved") || !strcmp(mv->to, "rejected"))
			json_object_set_new(rec->props, "approved_by", json_string(mv->actor));
		if (mv->note) json_object_set_new(rec->props, "note", json_string(mv->note));
		return 0;
	}
	if (rec->old) {
		const char *st = str(rec->props, "status");
		if (st && strcmp(st, "draft"))
			return tb_err_set(e, TB_ECONFLICT, rec->name, "status",
					  "design %s is %s; only a draft can be edited", str(rec->props, "code"), st);
	} else
		json_object_set_new(rec->props, "status", json_string("draft"));
	if (!str(rec->props, "code")) {
		int rc = next_code(db, "designs", "SJ", rec, e);
		if (rc) return rc;
	}
	const char *app = str(rec->props, "application_code");
	if (app && !exists(db, "applications", app))
		return tb_err_set(e, TB_EINPUT, rec->name, "application_code", "no application with code '%s'", app);
	double min = tb_setting_num(db, "design_min_canopy", 0.6);
	json_t *c = json_object_get(rec->props, "retained_canopy");
	if (json_is_number(c) && json_number_value(c) + 1e-9 < min)
		return tb_err_set(e, TB_EINPUT, rec->name, "retained_canopy",
				  "retained canopy closure %.2f is below the minimum %.2f (setting design_min_canopy, §3.2.1)",
				  json_number_value(c), min);
	int rc = design_parcels(db, rec, e);
	return rc ? rc : design_measures(db, rec, e);
}

static const tb_field design_fields[] = {
	{"code", TB_F_TEXT, TB_UNIQUE, "设计编号", "Design no.", .max_len = 40},
	{"application_code", TB_F_TEXT, TB_INDEXED, "申请编号", "Application"},
	{"town_code", TB_F_TEXT, TB_COMPUTED | TB_INDEXED, "乡镇", "Town"},
	{"parcels", TB_F_TEXT, TB_REQUIRED, "作业小班", "Parcels", .max_len = 4000},
	{"area_ha", TB_F_REAL, TB_COMPUTED, "作业小班面积", "Area of the parcels", .unit = "ha"},
	{"measures", TB_F_TEXT, TB_REQUIRED, "抚育措施", "Measures", .max_len = 400},
	{"intensity_pct", TB_F_REAL, TB_REQUIRED | TB_RANGE, "采伐强度", "Intensity", .min = 0, .max = 100, .unit = "%"},
	{"retained_canopy", TB_F_REAL, TB_REQUIRED | TB_RANGE, "保留郁闭度", "Retained canopy closure", .min = 0, .max = 1},
	{"volume_m3", TB_F_REAL, TB_REQUIRED | TB_RANGE, "采伐蓄积", "Volume removed", .min = 0, .max = 1e7, .unit = "m³"},
	{"designer", TB_F_TEXT, 0, "设计单位", "Designer", .max_len = 200},
	{"status", TB_F_CODE, TB_COMPUTED | TB_INDEXED, "状态", "Status", .codes = "design_status"},
	{"approved_by", TB_F_TEXT, TB_COMPUTED, "审批人", "Approved by"},
	{"note", TB_F_TEXT, 0, "备注", "Note", .max_len = 2000},
};
const tb_resource tb_designs = {
	.name = "designs", .label_zh = "作业设计", .label_en = "Operation designs", .clause = "3.2.1",
	.fields = design_fields, .nfields = N(design_fields), .key = "code", .scope = "town_code",
	.before_write = design_before_write,
};

const tb_resource *const tb_control_resources[] = {&tb_use_rules, &tb_applications, &tb_designs, NULL};
