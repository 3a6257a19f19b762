/* demo.c — the supervision side of the Jizhou demo (§3.5): reports entered
 * by the bureau (telephone, letter, visit) in each status, a duplicate of
 * one of them, and cases of each type at different steps of their paths —
 * one from the demo's confirmed alert, one criminal case the police have
 * accepted, a rectification order ten days past its deadline; times relative to now.  Deterministic but
 * for the receipt codes (random by design); the reporters' names are placeholders (张某甲 …) that no real person has. */
#include "cases/internal.h"

#include "base/json.h"
#include "base/tbtime.h"
#include "monitor/alert.h"
#include "registry/registry.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct pt {
	double lon, lat;
	bool ok;
} pt;

static int point_of(void *ctx, tb_parcel_row *p)
{
	pt *o = ctx;
	GEOSGeometry *s = p->geom ? GEOSPointOnSurface_r(tb_geos(), p->geom) : NULL;
	if (s && GEOSGeomGetX_r(tb_geos(), s, &o->lon) == 1 && GEOSGeomGetY_r(tb_geos(), s, &o->lat) == 1) o->ok = true;
	if (s) GEOSGeom_destroy_r(tb_geos(), s);
	return 1;
}

/* A point on the largest natural parcel of a town, moved n × ~70 m east
 * (reports a few hundred metres apart, not one duplicate group). */
static int town_point(tb_db *db, const char *town, int n, pt *o, tb_err *e)
{
	*o = (pt){0};
	int rc = tb_registry_parcels_of(db, town, NULL, TB_PARCELS_ACTIVE | TB_PARCELS_NATURAL | TB_PARCELS_LARGEST, 1,
					point_of, o, e);
	if (rc < 0) return rc;
	o->lon += 0.0008 * n;
	return o->ok ? 0 : tb_err_set(e, TB_EINTERNAL, town, NULL, "the demo town has no natural parcel");
}

/* A time n days before now (ISO 8601), and the date n days before today;
 * each call has its own buffer among a few (used as arguments). */
static const char *ago(int n)
{
	static _Thread_local char buf[8][32];
	static _Thread_local int k;
	char *b = buf[k++ & 7];
	tb_time_format_iso(tb_time_now_ms() - (int64_t)n * 86400000, b);
	return b;
}

static const char *day_ago(int n)
{
	char *b = (char *)ago(n);
	b[10] = 0;
	return b;
}

static int report(tb_db *db, const tb_actor *who, const char *channel, const char *kind, const char *text,
		  const char *town, int n, const char *seen, const char *name, char code[16], tb_err *e)
{
	pt p;
	int rc = town_point(db, town, n, &p, e);
	tb_report_in in = {.channel = channel, .kind = kind, .description = text, .has_point = true, .lon = p.lon,
			   .lat = p.lat, .seen_at = seen, .name = name, .phone = name ? "13800000000" : NULL};
	json_t *out = NULL;
	if (!rc) rc = tb_report_submit(db, who, &in, &out, e);
	if (!rc) snprintf(code, 16, "%s", tb_json_str(out, "code"));
	json_decref(out);
	return rc;
}

static int step(tb_db *db, const tb_actor *who, int64_t fid, const char *action, const char *note, const char *duty,
		const char *extra_key, const char *extra, tb_err *e)
{
	tb_case_action a = {.action = action, .note = note, .duty = duty, .penalty_yuan = NAN};
	if (extra_key && !strcmp(extra_key, "outcome")) a.outcome = extra;
	if (extra_key && !strcmp(extra_key, "decision")) a.decision = extra, a.penalty_yuan = 8000;
	if (extra_key && !strcmp(extra_key, "police_case_no")) a.police_case_no = extra;
	if (extra_key && !strcmp(extra_key, "deadline")) a.deadline = extra, a.responsible_unit = "120119104";
	json_t *out = NULL;
	int rc = tb_case_act(db, who, fid, &a, &out, e);
	json_decref(out);
	return rc;
}

static int open_case(tb_db *db, const tb_actor *who, const char *type, const char *title, const char *source,
		     const char *ref, const char *town, int64_t *fid, tb_err *e)
{
	tb_case_in in = {type, title, source, ref, town, NULL, NULL, NAN, NULL};
	json_t *out = NULL;
	int rc = tb_case_open(db, who, &in, &out, e);
	if (!rc) *fid = json_integer_value(json_object_get(out, "fid"));
	json_decref(out);
	return rc;
}

/* The code of the demo's confirmed alert, if any. */
static int confirmed_alert(tb_db *db, char code[64], tb_err *e)
{
	tb_filter f = {"result", "eq", "confirmed"};
	tb_query q = {.filters = &f, .nfilters = 1, .limit = 1};
	tb_rows rows = {0};
	code[0] = 0;
	int rc = tb_record_list(db, &tb_alerts, &q, &rows, e);
	if (!rc && rows.n) snprintf(code, 64, "%s", tb_json_str(json_array_get(rows.items, 0), "code"));
	if (!rc) tb_rows_free(&rows);
	return rc;
}

int tb_cases_demo(tb_db *db, const tb_actor *who, tb_err *e)
{
	char alert_code[64];
	static const tb_actor police = {"demo-police", "department"};
	char r[6][16], dup[16];
	int64_t c1, c2, c3, c4, c5;
	int rc = report(db, who, "phone", "illegal_logging", "电话反映：山谷内有人盗伐栎树（示例）", "120119104", 0,
			ago(60), "张某甲", r[0], e);
	if (!rc) rc = report(db, who, "phone", "illegal_logging", "电话反映：同一地点又见伐桩（示例）", "120119104", 0,
			     ago(59), NULL, dup, e);
	if (!rc) rc = report(db, who, "letter", "land_occupation", "来信反映：林地内新建简易房（示例）", "120119102", 0,
			     ago(75), "李某乙", r[1], e);
	if (!rc) rc = report(db, who, "visit", "reclamation", "来访反映：坡地毁林开垦种植（示例）", "120119104", 2,
			     ago(110), "王某丙", r[2], e);
	if (!rc) rc = report(db, who, "phone", "fire", "电话反映：山头冒烟（示例）", "120119102", 3, ago(30),
			     NULL, r[3], e);
	if (!rc) rc = report(db, who, "phone", "pests", "电话反映：松林成片变黄（示例）", "120119104", 4,
			     ago(20), NULL, r[4], e);
	if (!rc) rc = report(db, who, "letter", "other", "来信反映：护林员长期不巡护（示例）", "120119102", 5,
			     ago(18), NULL, r[5], e);
	json_t *o = NULL;
	int64_t f;
	/* reports: verifying, rejected with a reply, received stay as they are */
	if (!rc && !(rc = tb_report_find(db, r[4], &f, e))) rc = tb_report_transition(db, who, f, "verify", NULL, &o, e);
	json_decref(o), o = NULL;
	if (!rc && !(rc = tb_report_find(db, r[3], &f, e)))
		rc = tb_report_transition(db, who, f, "reject", "经核实为村民烧秸秆，已由乡镇处置，非林区火情。（示例）", &o, e);
	json_decref(o), o = NULL;
	/* cases of each type */
	if (!rc) rc = open_case(db, who, "administrative", "盗伐天然林栎树（示例）", "report", r[0], NULL, &c1, e);
	if (!rc) rc = step(db, who, c1, "investigate", "派员现场勘查（示例）", NULL, NULL, NULL, e);
	if (!rc) rc = step(db, who, c1, "decide", "作出行政处罚决定（示例）", NULL, "decision", "责令补种并处罚款（示例）", e);
	if (!rc) rc = step(db, who, c1, "close", "已执行（示例）", NULL, "outcome", "penalty", e);
	if (!rc) rc = open_case(db, who, "criminal", "非法占用林地建房（示例）", "report", r[1], NULL, &c2, e);
	if (!rc) rc = step(db, who, c2, "investigate", "立案调查（示例）", NULL, NULL, NULL, e);
	if (!rc) rc = step(db, who, c2, "transfer", "涉嫌犯罪，移送公安（示例）", NULL, NULL, NULL, e);
	if (!rc) rc = step(db, &police, c2, "police_accept", "公安已受理（示例）", "police", "police_case_no", "蓟公林〔2026〕示例1号", e);
	if (!rc) rc = open_case(db, who, "rectification", "坡地毁林开垦整改（示例）", "report", r[2], NULL, &c3, e);
	if (!rc) rc = step(db, who, c3, "order", "限期恢复植被（示例）", NULL, "deadline", day_ago(10), e);
	if (!rc) rc = open_case(db, who, "litigation", "毁林开垦生态损害（示例）", "other", NULL, "120119104", &c4, e);
	if (!rc) rc = step(db, who, c4, "investigate", "调查取证（示例）", NULL, NULL, NULL, e);
	if (!rc) rc = step(db, who, c4, "refer", "移送检察机关提起公益诉讼（示例）", NULL, NULL, NULL, e);
	if (!rc) rc = confirmed_alert(db, alert_code, e);
	if (!rc && alert_code[0]) rc = open_case(db, who, "administrative", "卫星发现天然林损失（示例）", "alert", alert_code, NULL, &c5, e);
	/* two officials with tenure history (placeholder names: no real person);
	 * 赵某甲 moves from town head of 下营镇 to deputy district head */
	static const char *const tenures[][5] = {
		{"P-T-120119104", "GB-0001", "赵某甲（示例）", "2018-03-01", "2023-02-28"},
		{"P-T-120119104", "GB-0002", "钱某乙（示例）", "2023-03-01", NULL},
		{"P-FGFQZ", "GB-0001", "赵某甲（示例）", "2023-03-01", NULL},
		{"P-LYJ", "GB-0003", "孙某丙（示例）", "2019-06-01", "2024-05-31"},
		{"P-LYJ", "GB-0004", "李某丁（示例）", "2024-06-01", NULL},
	};
	for (size_t i = 0; !rc && i < sizeof tenures / sizeof tenures[0]; i++) {
		json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "position_code", tenures[i][0], "person_code", tenures[i][1],
				      "person_name", tenures[i][2], "start_date", tenures[i][3]);
		if (tenures[i][4]) json_object_set_new(p, "end_date", json_string(tenures[i][4]));
		tb_record rec = {.props = p, .name = "tenure"};
		rc = tb_write_create(db, who, &tb_tenures, &rec, "demo", NULL, e);
		json_decref(p);
	}
	return rc;
}
