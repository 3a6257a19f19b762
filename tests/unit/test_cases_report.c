/* test_cases_report.c — the reporting line and cases of §3.5 on a hand-made
 * district of two towns: the proof of work (zero bits, a solved challenge,
 * a forged or too easy one, a wrong nonce), a report placed in its town
 * with its photo, private contact kept out of the record and its event, a
 * spent challenge refused, the hourly limit, duplicates grouped by place,
 * time and kind, a 6 MiB photo refused with nothing stored; a case opened
 * from a report (the report accepted), an administrative case through its
 * path, moves off the path or by the wrong role refused with nothing
 * changed, the police moves for the police duty only, overdue by date. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/hash.h"
#include "cases/cases.h"
#include "db/event.h"
#include "duty/duty.h"
#include "monitor/monitor.h"
#include "monitor/notify.h"
#include "registry/registry.h"
#include "tb_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[64], path[96];
	tb_db *db;
} fixture;

static const tb_actor BUREAU = {"bureau1", "bureau"}, PUBLIC = {"public", "public"}, TOWN = {"town1", "town"},
		      POLICE = {"police1", "department"};
static const unsigned char PNG[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};

static int add_town(tb_db *db, const char *code, double x0)
{
	char t[256];
	snprintf(t, sizeof t, "MULTIPOLYGON(((%f 40.1,%f 40.1,%f 40.2,%f 40.2,%f 40.1)))", x0, x0 + 0.1, x0 + 0.1, x0, x0);
	json_t *p = json_pack("{s:s,s:s,s:s}", "code", code, "name", code, "level", "town");
	tb_record rec = {.props = p, .geom = wkt(t), .name = code};
	tb_err e = {0};
	int rc = tb_write_create(db, &BUREAU, &tb_divisions, &rec, NULL, NULL, &e);
	if (rc) fprintf(stderr, "add_town %s: %s: %s\n", code, e.field, e.message);
	drop(rec.geom);
	json_decref(p);
	return rc;
}

/* Towns A 117.4–117.5 and B 117.5–117.6, latitudes 40.1–40.2. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbcases", "c.gpkg")) return -1;
	tb_err e = {0};
	if (tb_registry_init(f->path, "test", &f->db, &e) || tb_schema_migrate(f->db, &tb_cases_module, "test", &e))
		return -1;
	if (add_town(f->db, "TA", 117.4) || add_town(f->db, "TB", 117.5)) return -1;
	if (tb_setting_set(f->db, "report_pow_difficulty_bits", "8", &e)) return -1; /* quick to solve here */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tb_db_close(f->db);
	if (tb_test_rmtree(f->dir)) return -1;
	free(f);
	return 0;
}

static void solve(int bits, char ch[160], char nonce[24])
{
	tb_pow_challenge(bits, 30, ch, 160);
	for (long n = 0;; n++) {
		char buf[256];
		int k = snprintf(buf, sizeof buf, "%s:%ld", ch, n);
		unsigned char h[32];
		tb_sha256(buf, (size_t)k, h);
		if (tb_pow_zero_bits(h) >= bits) {
			snprintf(nonce, 24, "%ld", n);
			return;
		}
	}
}

static int64_t events(fixture *f)
{
	int64_t n = 0;
	tb_db_int64(f->db, "SELECT count(*) FROM tb_event", &n, NULL);
	return n;
}

static void test_pow(void **state)
{
	(void)state;
	unsigned char h[32] = {0};
	assert_int_equal(tb_pow_zero_bits(h), 256);
	h[0] = 0x01;
	assert_int_equal(tb_pow_zero_bits(h), 7);
	h[0] = 0, h[1] = 0x20;
	assert_int_equal(tb_pow_zero_bits(h), 10);
	char ch[160], nonce[24], hash[65];
	tb_err e = {0};
	solve(10, ch, nonce);
	assert_int_equal(tb_pow_verify(ch, nonce, 10, hash, &e), 0);
	char want[65];
	tb_sha256_hex(ch, strlen(ch), want);
	assert_string_equal(hash, want);
	assert_int_equal(tb_pow_verify(ch, nonce, 11, hash, &e), TB_EDENIED); /* easier than required */
	assert_string_equal(e.field, "challenge");
	assert_int_equal(tb_pow_verify(ch, "x", 10, hash, &e), TB_EDENIED);
	assert_string_equal(e.field, "nonce");
	char forged[160];
	snprintf(forged, sizeof forged, "%s", ch);
	forged[strlen(forged) - 1] = forged[strlen(forged) - 1] == '0' ? '1' : '0';
	assert_int_equal(tb_pow_verify(forged, nonce, 10, hash, &e), TB_EDENIED);
	assert_non_null(strstr(e.message, "not a challenge of this server"));
	assert_int_equal(tb_pow_verify(NULL, nonce, 10, hash, &e), TB_EDENIED);
}

static tb_report_in online(char ch[160], char nonce[24], double lon, double lat, const char *seen)
{
	solve(8, ch, nonce);
	return (tb_report_in){.channel = "online", .kind = "illegal_logging", .description = "有人盗伐",
			      .has_point = true, .lon = lon, .lat = lat, .seen_at = seen, .ip = "192.0.2.7",
			      .challenge = ch, .nonce = nonce};
}

static void test_report_placed_private_and_spent(void **state)
{
	fixture *f = *state;
	char ch[160], nonce[24];
	tb_report_photo ph = {PNG, sizeof PNG, "p.png"};
	tb_report_in in = online(ch, nonce, 117.55, 40.15, "2026-11-01T08:00:00Z");
	in.name = "张某甲", in.phone = "13912345678", in.photos = &ph, in.nphotos = 1;
	json_t *out = NULL, *row = NULL;
	tb_err e = {0};
	int64_t ev = events(f);
	assert_int_equal(tb_report_submit(f->db, &PUBLIC, &in, &out, &e), 0);
	assert_int_equal(events(f), ev + 1);
	const char *code = json_string_value(json_object_get(out, "code"));
	assert_int_equal(strlen(code), 12);
	int64_t fid;
	assert_int_equal(tb_report_find(f->db, code, &fid, &e), 0);
	assert_int_equal(tb_record_get(f->db, &tb_reports, fid, &row, NULL, &e), 0);
	assert_string_equal(json_string_value(json_object_get(row, "town_code")), "TB");
	assert_string_equal(json_string_value(json_object_get(row, "status")), "received");
	char sha[65];
	tb_sha256_hex(PNG, sizeof PNG, sha);
	assert_string_equal(json_string_value(json_object_get(row, "photo1")), sha);
	assert_null(json_object_get(row, "reporter_name"));
	assert_null(json_object_get(row, "reporter_phone"));
	assert_null(json_object_get(row, "ip_hash"));
	json_t *c = NULL;
	assert_int_equal(tb_report_contact(f->db, fid, &c, &e), 0);
	assert_string_equal(json_string_value(json_object_get(c, "name")), "张某甲");
	assert_string_equal(json_string_value(json_object_get(c, "phone")), "13912345678");
	int64_t leaked = -1;
	tb_db_int64(f->db, "SELECT count(*) FROM tb_event WHERE payload LIKE '%13912345678%' OR payload LIKE '%张某甲%'",
		    &leaked, NULL);
	assert_int_equal(leaked, 0);
	/* the same challenge again */
	json_t *again = NULL;
	assert_int_equal(tb_report_submit(f->db, &PUBLIC, &in, &again, &e), TB_EDENIED);
	assert_string_equal(e.field, "challenge");
	assert_int_equal(events(f), ev + 1);
	json_t *st = NULL;
	assert_int_equal(tb_report_status(f->db, code, &st, &e), 0);
	assert_string_equal(json_string_value(json_object_get(st, "status_zh")), "已受理");
	assert_null(json_object_get(st, "town_code"));
	json_decref(st);
	json_decref(c);
	json_decref(row);
	json_decref(out);
}

static void test_limits_and_groups(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	char ch[160], nonce[24], code1[16] = "";
	assert_int_equal(tb_setting_set(f->db, "report_reports_per_ip_per_hour", "3", &e), 0);
	/* 117.45: ~850 m per 0.01°: 0.002° (170 m) is the same place, 0.01° is not */
	static const struct {
		double dlon;
		const char *seen, *kind;
		bool same;
	} r[] = {{0, "2026-11-01T08:00:00Z", "fire", false},
		 {0.002, "2026-11-03T07:00:00Z", "fire", true},
		 {0.010, "2026-11-01T08:00:00Z", "fire", false}};
	for (int i = 0; i < 3; i++) {
		tb_report_in in = online(ch, nonce, 117.45 + r[i].dlon, 40.15, r[i].seen);
		in.kind = r[i].kind;
		json_t *out = NULL;
		assert_int_equal(tb_report_submit(f->db, &PUBLIC, &in, &out, &e), 0);
		const char *code = json_string_value(json_object_get(out, "code")),
			   *g = json_string_value(json_object_get(out, "group_code"));
		if (!i) snprintf(code1, sizeof code1, "%s", code);
		assert_string_equal(g, r[i].same ? code1 : code);
		assert_int_equal(json_integer_value(json_object_get(out, "duplicates")), r[i].same ? 1 : 0);
		json_decref(out);
	}
	int64_t ev = events(f);
	tb_report_in in = online(ch, nonce, 117.45, 40.15, NULL);
	json_t *out = NULL;
	assert_int_equal(tb_report_submit(f->db, &PUBLIC, &in, &out, &e), TB_ETOOBIG);
	assert_string_equal(e.field, "rate");
	in.ip = "192.0.2.8"; /* another address */
	assert_int_equal(tb_report_submit(f->db, &PUBLIC, &in, &out, &e), 0);
	json_decref(out);
	/* a 6 MiB photo, a PDF, outside the district: nothing stored */
	ev = events(f);
	size_t big = (size_t)6 << 20;
	unsigned char *b = calloc(1, big);
	memcpy(b, "\xff\xd8\xff", 3);
	tb_report_photo ph = {b, big, "big.jpg"};
	tb_report_in s = {.channel = "phone", .kind = "fire", .description = "电话反映冒烟", .place = "盘山北坡",
			  .photos = &ph, .nphotos = 1};
	assert_int_equal(tb_report_submit(f->db, &BUREAU, &s, &out, &e), TB_ETOOBIG);
	assert_string_equal(e.field, "photos");
	ph = (tb_report_photo){"%PDF-1.4", 8, "x.pdf"};
	assert_int_equal(tb_report_submit(f->db, &BUREAU, &s, &out, &e), TB_EINPUT);
	s.nphotos = 0, s.has_point = true, s.lon = 118.5, s.lat = 40.15;
	assert_int_equal(tb_report_submit(f->db, &BUREAU, &s, &out, &e), TB_EINPUT);
	assert_string_equal(e.field, "lon");
	assert_int_equal(events(f), ev);
	free(b);
	/* staff entry needs no challenge */
	s.has_point = false;
	assert_int_equal(tb_report_submit(f->db, &BUREAU, &s, &out, &e), 0);
	json_decref(out);
}

static void test_case_paths(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	tb_report_in s = {.channel = "visit", .kind = "reclamation", .description = "来访反映毁林开垦", .has_point = true,
			  .lon = 117.42, .lat = 40.12};
	json_t *rep = NULL, *c = NULL, *out = NULL;
	assert_int_equal(tb_report_submit(f->db, &BUREAU, &s, &rep, &e), 0);
	const char *rcode = json_string_value(json_object_get(rep, "code"));
	tb_case_in in = {"administrative", "毁林开垦", "report", rcode, NULL, NULL, NULL, NAN, "TB"};
	assert_int_equal(tb_case_open(f->db, &BUREAU, &in, &c, &e), TB_EDENIED); /* a TB user, a TA report */
	in.scope = NULL;
	int64_t ev = events(f);
	assert_int_equal(tb_case_open(f->db, &BUREAU, &in, &c, &e), 0);
	assert_int_equal(events(f), ev + 1);
	assert_string_equal(json_string_value(json_object_get(c, "town_code")), "TA");
	int64_t fid = json_integer_value(json_object_get(c, "fid")), rf;
	json_t *st = NULL;
	assert_int_equal(tb_report_status(f->db, rcode, &st, &e), 0);
	assert_string_equal(json_string_value(json_object_get(st, "status")), "accepted");
	json_decref(st);
	char next[128];
	tb_case_next(f->db, c, next, sizeof next);
	assert_string_equal(next, "investigate");

	tb_case_action a = {.action = "decide", .note = "n", .penalty_yuan = NAN};
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &a, &out, &e), TB_ECONFLICT);
	assert_string_equal(e.field, "status");
	a.action = "investigate", a.note = NULL;
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &a, &out, &e), TB_EINPUT);
	assert_string_equal(e.field, "note");
	a.note = "立案调查";
	assert_int_equal(tb_case_act(f->db, &TOWN, fid, &a, &out, &e), 0);
	assert_string_equal(json_string_value(json_object_get(out, "handler")), "town1");
	json_decref(out);
	a.action = "transfer";
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &a, &out, &e), TB_ECONFLICT);
	assert_non_null(strstr(e.message, "does not take the step transfer"));
	a.action = "decide", a.decision = "责令恢复植被", a.penalty_yuan = 5000;
	assert_int_equal(tb_case_act(f->db, &TOWN, fid, &a, &out, &e), TB_EDENIED);
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &a, &out, &e), 0);
	assert_true(fabs(json_real_value(json_object_get(out, "penalty_yuan")) - 5000) < 1e-9);
	json_decref(out);
	a.action = "close", a.outcome = "restoration";
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &a, &out, &e), 0);
	assert_string_equal(json_string_value(json_object_get(out, "status")), "closed");
	json_decref(out);
	assert_int_equal(tb_report_find(f->db, rcode, &rf, &e), 0);
	assert_int_equal(tb_report_status(f->db, rcode, &st, &e), 0);
	assert_string_equal(json_string_value(json_object_get(st, "status")), "closed");
	json_decref(st);
	json_t *t = tb_case_timeline(f->db, json_string_value(json_object_get(c, "code")), &e);
	assert_int_equal(json_array_size(t), 4);
	assert_string_equal(json_string_value(json_object_get(json_array_get(t, 3), "status")), "closed");
	json_decref(t);
	json_decref(c);

	/* criminal: the police moves need the police duty */
	tb_case_in cr = {"criminal", "盗伐林木", "other", NULL, "TB", NULL, NULL, 1.25, NULL};
	assert_int_equal(tb_case_open(f->db, &BUREAU, &cr, &c, &e), 0);
	fid = json_integer_value(json_object_get(c, "fid"));
	assert_true(fabs(json_real_value(json_object_get(c, "damaged_ha")) - 1.25) < 1e-9);
	tb_case_action m = {.action = "investigate", .note = "n", .penalty_yuan = NAN};
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &m, &out, &e), 0);
	json_decref(out);
	m.action = "transfer", m.deadline = "2026-12-01";
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &m, &out, &e), 0);
	json_decref(out);
	m.action = "police_accept", m.police_case_no = "蓟公林〔2026〕7号", m.duty = "audit";
	ev = events(f);
	assert_int_equal(tb_case_act(f->db, &POLICE, fid, &m, &out, &e), TB_EDENIED);
	assert_int_equal(events(f), ev);
	json_t *over = tb_case_overdue(f->db, "2026-12-04", NULL, &e);
	assert_int_equal(json_array_size(over), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(over, 0), "days_overdue")), 3);
	json_decref(over);
	over = tb_case_overdue(f->db, "2026-12-04", "TA", &e);
	assert_int_equal(json_array_size(over), 0);
	json_decref(over);
	m.duty = "police";
	assert_int_equal(tb_case_act(f->db, &POLICE, fid, &m, &out, &e), 0);
	assert_string_equal(json_string_value(json_object_get(out, "status")), "police_accepted");
	json_decref(out);
	json_decref(c);
	json_decref(rep);
}

/* With the notifications of monitor/ too. */
static int setup_notify(void **state)
{
	if (setup(state)) return -1;
	fixture *f = *state;
	tb_err e = {0};
	return tb_schema_migrate(f->db, &tb_duty_module, "test", &e) || tb_schema_migrate(f->db, &tb_monitor_module, "test", &e)
		       ? -1
		       : 0;
}

static tb_case_reminders remind_on(fixture *f, const char *now, const char *today, int rc_want)
{
	setenv("TIANBAO_NOW", now, 1);
	tb_case_reminders n = {-1, -1, -1};
	tb_err e = {0};
	assert_int_equal(tb_case_notify_overdue(f->db, &BUREAU, today, &n, &e), rc_want);
	unsetenv("TIANBAO_NOW");
	return n;
}

/* Overdue steps notify the case's town and the bureau once per
 * overdue_remind_days (7), level 4 from overdue_escalate_days (14). */
static void test_overdue_reminders(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	json_t *c = NULL, *out = NULL;
	setenv("TIANBAO_NOW", "2026-11-20T08:00:00Z", 1);
	tb_case_in cr = {"criminal", "盗伐林木", "other", NULL, "TB", NULL, NULL, 0.5, NULL};
	assert_int_equal(tb_case_open(f->db, &BUREAU, &cr, &c, &e), 0);
	int64_t fid = json_integer_value(json_object_get(c, "fid"));
	char code[32];
	snprintf(code, sizeof code, "%s", json_string_value(json_object_get(c, "code")));
	tb_case_action m = {.action = "investigate", .note = "n", .penalty_yuan = NAN};
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &m, &out, &e), 0);
	json_decref(out);
	m.action = "transfer", m.deadline = "2026-12-01";
	assert_int_equal(tb_case_act(f->db, &BUREAU, fid, &m, &out, &e), 0);
	json_decref(out);
	unsetenv("TIANBAO_NOW");

	/* not yet overdue on the deadline itself */
	tb_case_reminders n = remind_on(f, "2026-12-01T08:00:00Z", "2026-12-01", 0);
	assert_int_equal(n.overdue, 0);
	assert_int_equal(n.sent, 0);
	int64_t ev = events(f);
	n = remind_on(f, "2026-12-04T08:00:00Z", "2026-12-04", 0);
	assert_int_equal(n.overdue, 1);
	assert_int_equal(n.sent, 2); /* town TB and the bureau */
	assert_int_equal(n.skipped, 0);
	assert_int_equal(events(f), ev + 2);
	json_t *l = tb_notifications_for(f->db, "town", "TB", NULL, 10, &e);
	json_t *items = json_object_get(l, "items");
	assert_int_equal(json_array_size(items), 1);
	json_t *x = json_array_get(items, 0);
	assert_string_equal(json_string_value(json_object_get(x, "kind")), "case_overdue");
	assert_int_equal(json_integer_value(json_object_get(x, "level")), 3);
	char want[96];
	snprintf(want, sizeof want, "cases/%s/2026-12-01", code);
	assert_string_equal(json_string_value(json_object_get(x, "ref")), want);
	assert_non_null(strstr(json_string_value(json_object_get(x, "text_zh")), "已超期 3 天"));
	assert_non_null(strstr(json_string_value(json_object_get(x, "text_zh")), "盗伐林木"));
	json_decref(l);
	l = tb_notifications_for(f->db, "town", "TA", NULL, 10, &e); /* the other town hears nothing */
	assert_int_equal(json_array_size(json_object_get(l, "items")), 0);
	json_decref(l);

	/* again within the 7 days: nothing written */
	ev = events(f);
	n = remind_on(f, "2026-12-04T20:00:00Z", "2026-12-04", 0);
	assert_int_equal(n.sent, 0);
	assert_int_equal(n.skipped, 2);
	n = remind_on(f, "2026-12-10T08:00:00Z", "2026-12-10", 0);
	assert_int_equal(n.sent, 0);
	assert_int_equal(events(f), ev);
	/* 7 days after the first: again, still level 3 (10 days late) */
	n = remind_on(f, "2026-12-11T08:00:00Z", "2026-12-11", 0);
	assert_int_equal(n.sent, 2);
	/* 14 days late and more: level 4 */
	n = remind_on(f, "2026-12-18T08:00:00Z", "2026-12-18", 0);
	assert_int_equal(n.sent, 2);
	l = tb_notifications_for(f->db, "bureau", NULL, NULL, 10, &e); /* the bureau sees the towns' too */
	items = json_object_get(l, "items");
	assert_int_equal(json_array_size(items), 6);
	json_t *to_bureau[6];
	size_t nb = 0;
	for (size_t i = 0; i < json_array_size(items); i++)
		if (!strcmp(json_string_value(json_object_get(json_array_get(items, i), "recipient_kind")), "bureau"))
			to_bureau[nb++] = json_array_get(items, i);
	assert_int_equal(nb, 3);
	assert_int_equal(json_integer_value(json_object_get(to_bureau[0], "level")), 4);
	assert_non_null(strstr(json_string_value(json_object_get(to_bureau[0], "text_zh")), "已超期 17 天"));
	assert_int_equal(json_integer_value(json_object_get(to_bureau[2], "level")), 3);
	json_decref(l);
	/* the setting shortens the period */
	assert_int_equal(tb_setting_set(f->db, "case_overdue_remind_days", "1", &e), 0);
	n = remind_on(f, "2026-12-19T08:00:00Z", "2026-12-19", 0);
	assert_int_equal(n.sent, 2);
	/* a bad date */
	ev = events(f);
	n = remind_on(f, "2026-12-19T08:00:00Z", "2026-13-01", TB_EINPUT);
	assert_int_equal(events(f), ev);
	tb_err e2 = {0};
	assert_int_equal(tb_case_notify_overdue(f->db, &BUREAU, "19-12-2026", &n, &e2), TB_EINPUT);
	assert_string_equal(e2.field, "today");
	assert_non_null(strstr(e2.message, "YYYY-MM-DD"));
	json_decref(c);
}

static int64_t add_tenure(fixture *f, const char *pos, const char *person, const char *from, const char *to, tb_err *e)
{
	json_t *p = json_pack("{s:s,s:s,s:s,s:s}", "position_code", pos, "person_code", person, "person_name", "某甲",
			      "start_date", from);
	if (to) json_object_set_new(p, "end_date", json_string(to));
	tb_record rec = {.props = p, .name = "tenure"};
	int rc = tb_write_create(f->db, &BUREAU, &tb_tenures, &rec, NULL, NULL, e);
	json_decref(p);
	return rc ? -rc : rec.fid;
}

/* Positions from the shipped positions.csv; tenures one holder at a time,
 * dates in order, the town from the position; who held what on a day. */
static void test_positions_and_tenures(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	int64_t n = 0;
	tb_db_int64(f->db, "SELECT count(*) FROM positions", &n, NULL);
	assert_int_equal(n, 13);
	assert_true(add_tenure(f, "P-T-120119104", "GB-1", "2018-03-01", "2023-02-28", &e) > 0);
	assert_true(add_tenure(f, "P-T-120119104", "GB-2", "2023-03-01", NULL, &e) > 0);
	int64_t ev = events(f);
	/* overlaps: inside, across the start, open-ended over a closed one */
	assert_int_equal(add_tenure(f, "P-T-120119104", "GB-3", "2020-01-01", "2020-12-31", &e), -TB_ECONFLICT);
	assert_string_equal(e.field, "start_date");
	assert_non_null(strstr(e.message, "held by 某甲 from 2018-03-01 to 2023-02-28: one holder at a time"));
	assert_int_equal(add_tenure(f, "P-T-120119104", "GB-3", "2017-01-01", "2018-03-01", &e), -TB_ECONFLICT);
	assert_int_equal(add_tenure(f, "P-T-120119104", "GB-3", "2030-01-01", NULL, &e), -TB_ECONFLICT);
	assert_non_null(strstr(e.message, "(still in post)"));
	assert_int_equal(add_tenure(f, "P-NONE", "GB-3", "2020-01-01", NULL, &e), -TB_EINPUT);
	assert_string_equal(e.field, "position_code");
	assert_int_equal(add_tenure(f, "P-QZ", "GB-3", "2020-01-01", "2019-12-31", &e), -TB_EINPUT);
	assert_string_equal(e.field, "end_date");
	assert_int_equal(events(f), ev);
	/* the person follows: GB-1 moves up the day after leaving the town */
	assert_true(add_tenure(f, "P-FGFQZ", "GB-1", "2023-03-01", NULL, &e) > 0);
	json_t *t = tb_official_tenures(f->db, NULL, "GB-1", NULL, &e);
	assert_int_equal(json_array_size(t), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(t, 0), "position_code")), "P-FGFQZ");
	assert_string_equal(json_string_value(json_object_get(json_array_get(t, 1), "town_code")), "120119104");
	assert_true(json_is_null(json_object_get(json_array_get(t, 0), "town_code")));
	json_decref(t);
	t = tb_official_tenures(f->db, "P-T-120119104", NULL, "2023-02-28", &e);
	assert_int_equal(json_array_size(t), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(t, 0), "person_code")), "GB-1");
	json_decref(t);
	t = tb_official_tenures(f->db, "P-T-120119104", NULL, "2023-03-01", &e);
	assert_string_equal(json_string_value(json_object_get(json_array_get(t, 0), "person_code")), "GB-2");
	assert_true(json_is_null(json_object_get(json_array_get(t, 0), "end_date")));
	json_decref(t);
}

static int add_parcel(fixture *f, const char *xiang, const char *xb, double x, double *ha)
{
	char cun[16];
	snprintf(cun, sizeof cun, "%s201", xiang); /* 沟河北村 of 官庄镇, … of 下营镇 */
	char t[256];
	snprintf(t, sizeof t, "POLYGON((%f 40.15,%f 40.15,%f 40.151,%f 40.151,%f 40.15))", x, x + 0.001, x + 0.001, x, x);
	json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:f}", "xiang", xiang, "cun", cun, "lin_ban", "001",
			      "xiao_ban", xb, "di_lei", "030100", "qi_yuan", "11", "yu_bi_du", 0.7);
	tb_record rec = {.props = p, .geom = wkt(t), .name = "parcel"};
	tb_err e = {0};
	int rc = tb_write_create(f->db, &BUREAU, &tb_parcels, &rec, NULL, NULL, &e);
	if (rc) fprintf(stderr, "parcel: %s\n", e.message);
	*ha = json_number_value(json_object_get(p, "area_ha"));
	if (rec.geom) drop(rec.geom);
	json_decref(p);
	return rc ? -1 : (int)rec.fid;
}

static void lose(fixture *f, int fid)
{
	json_t *patch = json_pack("{s:s}", "status", "lost");
	tb_record up = {.props = patch, .fid = fid, .name = "parcel"};
	tb_err e = {0};
	assert_int_equal(tb_write_update(f->db, &BUREAU, &tb_parcels, &up, 1, "loss", NULL, &e), 0);
	if (up.geom) drop(up.geom);
	json_decref(patch);
}

/* A departure audit over a hand-made tenure (the Jizhou divisions are in
 * every registry): the town head of 120119104
 * from 2020 to 2022; two parcels there before, one lost in 2021, one lost
 * after the tenure, one in another town; one case opened in the tenure. */
static void test_departure_audit(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	double ha[3];
	setenv("TIANBAO_NOW", "2019-01-10T08:00:00Z", 1);
	int p1 = add_parcel(f, "120119104", "001", 117.42, &ha[0]), p2 = add_parcel(f, "120119104", "002", 117.43, &ha[1]);
	int p3 = add_parcel(f, "120119102", "003", 117.44, &ha[2]);
	assert_true(p1 > 0 && p2 > 0 && p3 > 0);
	assert_true(add_tenure(f, "P-T-120119104", "GB-9", "2020-01-01", "2022-12-31", &e) > 0);
	setenv("TIANBAO_NOW", "2021-05-01T08:00:00Z", 1);
	lose(f, p2);
	lose(f, p3); /* another town's */
	json_t *c = NULL;
	tb_case_in in = {"administrative", "毁林（测试）", "other", NULL, "120119104", NULL, NULL, 0.5, NULL};
	assert_int_equal(tb_case_open(f->db, &BUREAU, &in, &c, &e), 0);
	json_decref(c);
	setenv("TIANBAO_NOW", "2023-06-01T08:00:00Z", 1);
	lose(f, p1); /* after the tenure */
	unsetenv("TIANBAO_NOW");

	json_t *a = NULL;
	assert_int_equal(tb_departure_audit(f->db, "P-T-120119104", "GB-9", "2026-12-04", &a, &e), 0);
	assert_string_equal(json_string_value(json_object_get(a, "jurisdiction")), "120119104");
	json_t *t = json_object_get(a, "tenure"), *fo = json_object_get(a, "natural_forest"), *cs = json_object_get(a, "cases");
	assert_string_equal(json_string_value(json_object_get(t, "end_date")), "2022-12-31");
	assert_false(json_is_true(json_object_get(t, "in_post")));
	assert_true(fabs(json_real_value(json_object_get(fo, "start_ha")) - (ha[0] + ha[1])) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(fo, "end_ha")) - ha[0]) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(fo, "change_ha")) + ha[1]) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(json_object_get(fo, "by_kind"), "loss")) + ha[1]) < 1e-9);
	json_t *causes = json_object_get(fo, "causes");
	assert_int_equal(json_array_size(causes), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(causes, 0), "parcel_code")), "120119104-001-002");
	assert_false(json_is_true(json_object_get(fo, "records_begin_after_start")));
	assert_true(fabs(json_real_value(json_object_get(fo, "now_ha"))) < 1e-9); /* both lost by now */
	assert_int_equal(json_integer_value(json_object_get(cs, "opened")), 1);
	assert_int_equal(json_integer_value(json_object_get(cs, "closed")), 0);
	assert_int_equal(json_integer_value(json_object_get(cs, "open_at_end")), 1);
	assert_true(fabs(json_real_value(json_object_get(cs, "damaged_ha_opened")) - 0.5) < 1e-9);
	assert_int_equal(json_array_size(json_object_get(a, "not_recorded")), 4);
	json_decref(a);
	assert_int_equal(tb_departure_audit(f->db, "P-T-120119104", "GB-404", "2026-12-04", &a, &e), TB_ENOTFOUND);
	assert_string_equal(e.field, "person");
	assert_int_equal(tb_departure_audit(f->db, NULL, "GB-9", "2026-12-04", &a, &e), TB_EINPUT);
	assert_string_equal(e.field, "position");
}

static void test_config_and_duties(void **state)
{
	fixture *f = *state;
	tb_report_config c;
	tb_report_config_load(NULL, &c); /* the shipped cases.json */
	assert_int_equal(c.pow_bits, 16);
	assert_int_equal(c.per_ip_per_hour, 6);
	assert_int_equal((int)c.photo_max_bytes, 5 << 20);
	assert_true(fabs(c.dup_radius_m - 300) < 1e-9);
	tb_report_config_load(f->db, &c); /* the setting of setup */
	assert_int_equal(c.pow_bits, 8);
	assert_string_equal(tb_cases_duty_of_unit("D-GAJ"), "police");
	assert_string_equal(tb_cases_duty_of_unit("D-SJJ"), "audit");
	assert_null(tb_cases_duty_of_unit("D-CZJ"));
	assert_true(tb_cases_may_see_contact("bureau", NULL));
	assert_true(tb_cases_may_see_contact("department", "police"));
	assert_false(tb_cases_may_see_contact("department", "audit"));
	assert_false(tb_cases_may_see_contact("town", NULL));
	assert_false(tb_cases_may_see_contact("leader", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pow),
		cmocka_unit_test_setup_teardown(test_report_placed_private_and_spent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_and_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_and_duties, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overdue_reminders, setup_notify, teardown),
		cmocka_unit_test_setup_teardown(test_positions_and_tenures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_departure_audit, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
