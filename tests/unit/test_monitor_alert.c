/* test_monitor_alert.c — the alert loop of §3.1.3: input checks that name
 * the field and change nothing; dedup of external alerts by place, time,
 * type and the sender's id; auto-assignment to the grid's active ranger;
 * every lifecycle transition, the invalid ones refused (conflict) and the
 * wrong actor refused (denied); a confirmed loss cut out of the natural
 * parcel (the registry and the ledger agree, §2), the ledger row linked to
 * the verification event; a loss on a point alert only as a mapped polygon
 * (loss_geometry); notification dedup and the per-recipient
 * rate limit with suppressions counted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "base/json.h"
#include "db/attach.h"
#include "duty/duty.h"
#include "monitor/alert.h"
#include "monitor/monitor.h"
#include "registry/registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[64], path[96];
	tb_db *db;
} fixture;

static const tb_actor BUREAU = {"bureau1", "bureau"};
static const tb_actor TOWN = {"town1", "town"};
static const tb_actor RANGER1 = {"r1", "ranger"};
static const tb_actor RANGER2 = {"r2", "ranger"};
static const char *XIAYING = "120119104"; /* 下营镇 */

static GEOSGeometry *square(double x, double y, double deg)
{
	char t[256];
	snprintf(t, sizeof t, "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))", x, y, x + deg, y, x + deg,
		 y + deg, x, y + deg, x, y);
	return wkt(t);
}

static void create(tb_db *db, const tb_resource *r, json_t *props, GEOSGeometry *g)
{
	tb_err e = {0};
	tb_record rec = {.props = props, .geom = g, .name = r->name};
	int rc = tb_write_create(db, &BUREAU, r, &rec, "test", NULL, &e);
	if (rc) fprintf(stderr, "%s: %s: %s\n", r->name, e.field, e.message);
	assert_int_equal(rc, 0);
	if (rec.geom) drop(rec.geom);
	json_decref(props);
}

/* A natural parcel (≈ 0.95 ha … 94 ha square), a grid over it with two
 * rangers, R1 assigned (login r1), R2 not (login r2). */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbal", "a.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_registry_init(f->path, "test", &f->db, &e) || tb_schema_migrate(f->db, &tb_duty_module, "test", &e) ||
	    tb_schema_migrate(f->db, &tb_monitor_module, "test", &e)) {
		fprintf(stderr, "setup: %s: %s\n", e.field, e.message);
		return -1;
	}
	create(f->db, &tb_parcels, json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "xiang", XIAYING, "lin_ban", "001", "xiao_ban",
					      "001", "di_lei", "030100", "qi_yuan", "11", "yu_bi_du", 0.7),
	       square(117.45, 40.15, 0.01));
	create(f->db, &tb_grids, json_pack("{s:s,s:s,s:s}", "code", "G1", "name", "测试网格", "town_code", XIAYING),
	       square(117.44, 40.14, 0.03));
	create(f->db, &tb_rangers, json_pack("{s:s,s:s,s:s,s:s,s:s}", "code", "R1", "name", "护林员甲", "town_code", XIAYING,
					      "status", "active", "login", "r1"), NULL);
	create(f->db, &tb_rangers, json_pack("{s:s,s:s,s:s,s:s,s:s}", "code", "R2", "name", "护林员乙", "town_code", XIAYING,
					      "status", "active", "login", "r2"), NULL);
	create(f->db, &tb_grid_rangers, json_pack("{s:s,s:s,s:s,s:s}", "grid_code", "G1", "ranger_code", "R1", "town_code",
						   XIAYING, "start_date", "2021-01-01"), NULL);
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

static int64_t count(tb_db *db, const char *sql)
{
	int64_t n = -1;
	tb_err e = {0};
	tb_db_int64(db, sql, &n, &e);
	return n;
}

static int raise_at(tb_db *db, const char *type, const char *source, const char *at, GEOSGeometry *g, double conf,
		    const char *ext, int64_t *id, bool *merged, tb_err *e)
{
	tb_alert_in in = {.source = source, .type = type, .observed_at = at, .geom = g, .confidence = conf, .external_id = ext};
	int rc = tb_alert_raise(db, &BUREAU, &in, id, merged, e);
	drop(g);
	return rc;
}

static double num(tb_db *db, const char *sql)
{
	double v = NAN;
	tb_err e = {0};
	assert_int_equal(tb_db_double(db, sql, &v, &e), 0);
	return v;
}

/* Satellite patches are areas: two patches ~170 m apart on the same scene
 * are two alerts (the 500 m point distance does not apply), a patch that
 * overlaps an open one merges, and a drone's point near a patch merges. */
static void dedup_of_areas_by_touching(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	int64_t a, b;
	bool merged;
	assert_int_equal(raise_at(f->db, "forest_loss", "satellite", "2026-11-01T03:00:00Z",
				  wkt("POLYGON((117.452 40.152,117.453 40.152,117.453 40.153,117.452 40.153,117.452 40.152))"),
				  0.8, NULL, &a, &merged, &e), 0);
	assert_false(merged);
	assert_int_equal(raise_at(f->db, "forest_loss", "satellite", "2026-11-01T03:00:00Z",
				  wkt("POLYGON((117.455 40.152,117.456 40.152,117.456 40.153,117.455 40.153,117.455 40.152))"),
				  0.8, NULL, &b, &merged, &e), 0);
	assert_false(merged);
	assert_true(b != a);
	assert_int_equal(raise_at(f->db, "forest_loss", "satellite", "2026-11-01T05:00:00Z",
				  wkt("POLYGON((117.4525 40.1525,117.4535 40.1525,117.4535 40.1535,117.4525 40.1535,117.4525 40.1525))"),
				  0.9, NULL, &b, &merged, &e), 0);
	assert_true(merged);
	assert_int_equal(b, a);
	assert_int_equal(raise_at(f->db, "forest_loss", "drone", "2026-11-01T06:00:00Z", wkt("POINT(117.4555 40.1525)"), 0.7,
				  NULL, &b, &merged, &e), 0);
	assert_true(merged); /* the point merges with the nearest open alert within 500 m */
	assert_int_equal(count(f->db, "SELECT count(*) FROM alerts"), 2);
	(void)e;
}

#define PARCEL_HA "SELECT area_ha FROM parcels WHERE code='120119104-001-001'"

/* The registry's natural area equals the ledger (tianbao stats). */
static void assert_ledger_consistent(tb_db *db)
{
	tb_err e = {0};
	json_t *s = tb_registry_stats(db, &e);
	assert_non_null(s);
	assert_true(json_is_true(json_object_get(s, "ledger_consistent")));
	json_decref(s);
}

static json_t *alert(tb_db *db, int64_t id)
{
	json_t *a = NULL;
	tb_err e = {0};
	assert_int_equal(tb_record_get(db, &tb_alerts, id, &a, NULL, &e), 0);
	return a;
}

static void bad_input_changes_nothing(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *type, *source, *at, *wkt, *field;
		double conf;
	} cases[] = {
		{"flood", "camera", "2026-11-01T08:00:00Z", "POINT(117.455 40.155)", "type", 0.5},
		{"fire", "satellite-x", "2026-11-01T08:00:00Z", "POINT(117.455 40.155)", "source", 0.5},
		{"fire", "camera", "2026-11-01T08:00:00Z", "POINT(117.455 40.155)", "confidence", 1.5},
		{"fire", "camera", "yesterday", "POINT(117.455 40.155)", "observed_at", 0.5},
		{"fire", "camera", "2099-01-01T00:00:00Z", "POINT(117.455 40.155)", "observed_at", 0.5},
		{"fire", "camera", "2026-11-01T08:00:00Z", "POINT(116.0 39.0)", "geometry", 0.5}, /* Beijing side */
		{"fire", "camera", "2026-11-01T08:00:00Z", "LINESTRING(117.45 40.15,117.46 40.16)", "geometry", 0.5},
		{"fire", "camera", "2026-11-01T08:00:00Z", "POLYGON((117.45 40.15,117.46 40.16,117.46 40.15,117.45 40.16,117.45 40.15))",
		 "geometry", 0.5}, /* a bow tie */
	};
	int64_t events = count(f->db, "SELECT count(*) FROM tb_event");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tb_err e = {0};
		int64_t id;
		bool merged;
		int rc = raise_at(f->db, cases[i].type, cases[i].source, cases[i].at, wkt(cases[i].wkt), cases[i].conf, NULL,
				  &id, &merged, &e);
		assert_int_equal(rc, TB_EINPUT);
		assert_string_equal(e.field, cases[i].field);
	}
	assert_int_equal(count(f->db, "SELECT count(*) FROM alerts"), 0);
	assert_int_equal(count(f->db, "SELECT count(*) FROM tb_event"), events);
}

static void dedup_by_place_time_type_and_sender(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	int64_t a, b;
	bool merged;
	assert_int_equal(raise_at(f->db, "fire", "camera", "2026-11-01T08:00:00Z", wkt("POINT(117.455 40.155)"), 0.6,
				  "CAM-1/1", &a, &merged, &e), 0);
	assert_false(merged);
	json_t *x = alert(f->db, a);
	assert_string_equal(tb_json_str(x, "status"), "assigned"); /* auto: the grid's active ranger */
	assert_string_equal(tb_json_str(x, "ranger_code"), "R1");
	assert_string_equal(tb_json_str(x, "grid_code"), "G1");
	assert_string_equal(tb_json_str(x, "town_code"), XIAYING);
	assert_string_equal(json_string_value(json_array_get(json_object_get(x, "parcel_codes"), 0)), "120119104-001-001");
	json_decref(x);

	/* ~200 m away, 2 h later, same type: merged; confidence the max */
	int64_t events = count(f->db, "SELECT count(*) FROM tb_event");
	assert_int_equal(raise_at(f->db, "fire", "drone", "2026-11-01T10:00:00Z", wkt("POINT(117.457 40.1558)"), 0.9, NULL,
				  &b, &merged, &e), 0);
	assert_true(merged);
	assert_int_equal(b, a);
	assert_int_equal(count(f->db, "SELECT count(*) FROM tb_event"), events + 1); /* one event, no notification */
	assert_int_equal(count(f->db, "SELECT count(*) FROM tb_event WHERE action='alerts.merge'"), 1);
	x = alert(f->db, a);
	assert_int_equal(json_integer_value(json_object_get(x, "merged_count")), 2);
	assert_true(fabs(json_number_value(json_object_get(x, "confidence")) - 0.9) < 1e-12);
	assert_string_equal(tb_json_str(x, "last_seen_at"), "2026-11-01T10:00:00.000Z");
	assert_string_equal(tb_json_str(x, "observed_at"), "2026-11-01T08:00:00.000Z");
	json_decref(x);
	/* a lower confidence does not lower it */
	assert_int_equal(raise_at(f->db, "fire", "camera", "2026-11-01T11:00:00Z", wkt("POINT(117.455 40.155)"), 0.3, NULL,
				  &b, &merged, &e), 0);
	assert_true(merged);
	x = alert(f->db, a);
	assert_true(fabs(json_number_value(json_object_get(x, "confidence")) - 0.9) < 1e-12);
	assert_int_equal(json_integer_value(json_object_get(x, "merged_count")), 3);
	json_decref(x);

	/* not duplicates: 2 km away; another type; beyond the 24 h window (from last seen 11:00) */
	assert_int_equal(raise_at(f->db, "fire", "camera", "2026-11-01T08:30:00Z", wkt("POINT(117.455 40.173)"), 0.6, NULL,
				  &b, &merged, &e), 0);
	assert_false(merged);
	assert_int_equal(raise_at(f->db, "smoke", "camera", "2026-11-01T08:30:00Z", wkt("POINT(117.455 40.155)"), 0.6, NULL,
				  &b, &merged, &e), 0);
	assert_false(merged);
	assert_int_equal(raise_at(f->db, "fire", "camera", "2026-11-02T11:30:00Z", wkt("POINT(117.455 40.155)"), 0.6, NULL,
				  &b, &merged, &e), 0);
	assert_false(merged);
	/* the sender's id again (a retry), wherever it says: merged into the first */
	assert_int_equal(raise_at(f->db, "fire", "camera", "2026-11-01T08:00:05Z", wkt("POINT(117.46 40.16)"), 0.6, "CAM-1/1",
				  &b, &merged, &e), 0);
	assert_true(merged);
	assert_int_equal(b, a);
	assert_int_equal(count(f->db, "SELECT count(*) FROM alerts"), 4);

	/* a polygon 300 m from an open point alert of its type is a duplicate too */
	assert_int_equal(raise_at(f->db, "fire", "satellite", "2026-11-01T09:00:00Z", square(117.4575, 40.1565, 0.002), 0.7,
				  NULL, &b, &merged, &e), 0);
	assert_true(merged);
	assert_int_equal(b, a);
	/* closed alerts take no merges */
	tb_alert_action v = {.result = "false_alarm", .note = "no fire on site", .loss_ha = NAN};
	assert_int_equal(tb_alert_verify(f->db, &RANGER1, a, &v, NULL, &e), 0);
	tb_alert_action c = {.note = "closed", .loss_ha = NAN};
	assert_int_equal(tb_alert_close(f->db, &TOWN, a, &c, NULL, &e), 0);
	assert_int_equal(raise_at(f->db, "fire", "camera", "2026-11-01T12:00:00Z", wkt("POINT(117.455 40.165)"), 0.6,
				  "CAM-1/1", &b, &merged, &e), 0);
	assert_false(merged);
	assert_true(b != a);
}

static int act(tb_db *db, const char *op, const tb_actor *who, int64_t id, tb_alert_action a, tb_err *e)
{
	memset(e, 0, sizeof *e);
	if (!strcmp(op, "assign")) return tb_alert_assign(db, who, id, &a, NULL, e);
	if (!strcmp(op, "verify")) return tb_alert_verify(db, who, id, &a, NULL, e);
	return tb_alert_close(db, who, id, &a, NULL, e);
}

static void lifecycle(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	int64_t id, b;
	bool merged;
	/* a new alert outside every grid stays new */
	assert_int_equal(raise_at(f->db, "intrusion", "camera", "2026-11-01T08:00:00Z", wkt("POINT(117.40 40.12)"), 0.5,
				  NULL, &b, &merged, &e), 0);
	json_t *x = alert(f->db, b);
	assert_string_equal(tb_json_str(x, "status"), "new");
	json_decref(x);
	tb_alert_action none = {.loss_ha = NAN};
	assert_int_equal(act(f->db, "verify", &BUREAU, b, (tb_alert_action){.result = "false_alarm", .note = "x", .loss_ha = NAN}, &e),
			 TB_ECONFLICT); /* new → verified is not a transition */
	assert_string_equal(e.field, "status");
	assert_int_equal(act(f->db, "assign", &BUREAU, b, none, &e), TB_EINPUT); /* no grid, no ranger named */
	assert_string_equal(e.field, "ranger");
	assert_int_equal(act(f->db, "assign", &RANGER1, b, (tb_alert_action){.ranger = "R1", .loss_ha = NAN}, &e), TB_EDENIED);
	assert_int_equal(act(f->db, "close", &TOWN, b, (tb_alert_action){.note = "false alarm", .loss_ha = NAN}, &e),
			 TB_EDENIED); /* new → closed is the bureau's */
	assert_int_equal(act(f->db, "close", &BUREAU, b, none, &e), TB_EINPUT);
	assert_string_equal(e.field, "note");
	assert_int_equal(act(f->db, "close", &BUREAU, b, (tb_alert_action){.note = "camera saw a deer", .loss_ha = NAN}, &e), 0);
	x = alert(f->db, b);
	assert_string_equal(tb_json_str(x, "status"), "closed");
	assert_string_equal(tb_json_str(x, "result"), "false_alarm");
	json_decref(x);
	assert_int_equal(act(f->db, "assign", &BUREAU, b, (tb_alert_action){.ranger = "R1", .loss_ha = NAN}, &e), TB_ECONFLICT);

	/* forest loss on 0.002° × 0.002° (≈ 3.8 ha) inside the natural parcel */
	assert_int_equal(raise_at(f->db, "forest_loss", "satellite", "2026-11-01T08:00:00Z", square(117.452, 40.152, 0.002),
				  0.8, NULL, &id, &merged, &e), 0);
	x = alert(f->db, id);
	assert_string_equal(tb_json_str(x, "status"), "assigned");
	double overlap = json_number_value(json_object_get(x, "natural_forest_ha"));
	assert_true(overlap > 3.7 && overlap < 3.9);
	json_decref(x);
	assert_int_equal(act(f->db, "assign", &BUREAU, id, (tb_alert_action){.ranger = "R2", .loss_ha = NAN}, &e), TB_ECONFLICT);
	assert_int_equal(act(f->db, "close", &BUREAU, id, (tb_alert_action){.note = "x", .loss_ha = NAN}, &e), TB_ECONFLICT);
	tb_alert_action ok = {.result = "confirmed", .note = "林木被砍伐", .loss_ha = NAN};
	assert_int_equal(act(f->db, "verify", &RANGER2, id, ok, &e), TB_EDENIED); /* not his task */
	assert_string_equal(e.field, "ranger_code");
	assert_int_equal(act(f->db, "verify", &RANGER1, id, ok, &e), TB_EINPUT); /* no photo */
	assert_string_equal(e.field, "photo");
	ok.photo = "0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(act(f->db, "verify", &RANGER1, id, ok, &e), TB_EINPUT); /* not uploaded */
	assert_string_equal(e.field, "photo");
	char sha[65];
	const char *mime;
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};
	assert_int_equal(tb_attach_put(f->db, &RANGER1, "site.png", png, sizeof png, sha, &mime, &e), 0);
	ok.photo = sha;
	assert_int_equal(act(f->db, "verify", &RANGER1, id, (tb_alert_action){.result = "maybe", .note = "x", .loss_ha = NAN}, &e),
			 TB_EINPUT);
	assert_string_equal(e.field, "result");
	assert_int_equal(act(f->db, "verify", &RANGER1, id, (tb_alert_action){.result = "confirmed", .photo = sha, .loss_ha = NAN},
			     &e), TB_EINPUT);
	assert_string_equal(e.field, "note");
	int64_t ledger_before = count(f->db, "SELECT count(*) FROM area_ledger");
	double parcel_before = num(f->db, PARCEL_HA);
	assert_ledger_consistent(f->db);
	/* a polygon alert: loss_ha short of the natural forest inside it cannot be cut out */
	ok.loss_ha = 1.0;
	assert_int_equal(act(f->db, "verify", &RANGER1, id, ok, &e), TB_EINPUT);
	assert_string_equal(e.field, "loss_ha");
	assert_non_null(strstr(e.message, "loss_geometry"));
	ok.loss_ha = 5.0; /* more than the overlap */
	assert_int_equal(act(f->db, "verify", &RANGER1, id, ok, &e), TB_EINPUT);
	assert_string_equal(e.field, "loss_ha");
	assert_true(num(f->db, PARCEL_HA) == parcel_before);
	assert_int_equal(count(f->db, "SELECT count(*) FROM area_ledger"), ledger_before);
	ok.loss_ha = NAN; /* a forest-loss alert: its overlap with natural forest */
	assert_int_equal(act(f->db, "verify", &RANGER1, id, ok, &e), 0);
	x = alert(f->db, id);
	assert_string_equal(tb_json_str(x, "status"), "verified");
	assert_string_equal(tb_json_str(x, "result"), "confirmed");
	assert_string_equal(tb_json_str(x, "verify_photo"), sha);
	assert_true(fabs(json_number_value(json_object_get(x, "loss_ha")) - tb_round4(overlap)) < 1e-9);
	json_decref(x);
	/* the parcel lost the overlap (a hole cut out of it); one ledger entry for
	 * the parcel, linked to the verification event; registry and ledger agree */
	assert_true(fabs(parcel_before - num(f->db, PARCEL_HA) - tb_round4(overlap)) < 2e-4);
	assert_int_equal(count(f->db, "SELECT count(*) FROM area_ledger"), ledger_before + 1);
	double delta = 0;
	tb_db_double(f->db, "SELECT delta_ha FROM area_ledger ORDER BY fid DESC LIMIT 1", &delta, &e);
	assert_true(fabs(delta + tb_round4(overlap)) < 2e-4);
	assert_ledger_consistent(f->db);
	assert_int_equal(count(f->db, "SELECT event_seq FROM area_ledger ORDER BY fid DESC LIMIT 1"),
			 count(f->db, "SELECT seq FROM tb_event WHERE action='alerts.verify'"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM tb_event_parcel p JOIN tb_event v ON v.seq=p.seq"
				      " WHERE v.action='alerts.verify' AND p.parcel='120119104-001-001'"), 1);
	assert_int_equal(act(f->db, "verify", &RANGER1, id, ok, &e), TB_ECONFLICT);
	assert_int_equal(act(f->db, "close", &RANGER1, id, (tb_alert_action){.note = "done", .loss_ha = NAN}, &e), TB_EDENIED);
	tb_alert_action other_town = {.note = "done", .scope = "120119102", .loss_ha = NAN};
	assert_int_equal(act(f->db, "close", &TOWN, id, other_town, &e), TB_EDENIED);
	tb_alert_action own_town = {.note = "已立案查处", .scope = XIAYING, .loss_ha = NAN};
	assert_int_equal(act(f->db, "close", &TOWN, id, own_town, &e), 0);
	assert_int_equal(act(f->db, "close", &TOWN, id, own_town, &e), TB_ECONFLICT);
	/* every step one event */
	assert_int_equal(count(f->db, "SELECT count(*) FROM tb_event WHERE entity='alerts' AND entity_id=(SELECT code FROM alerts"
				      " WHERE fid=" "2" ")"), 4); /* create, assign, verify, close */

	/* a point alert: a number alone cannot be cut out of the map */
	assert_int_equal(raise_at(f->db, "fire", "camera", "2026-11-01T08:00:00Z", wkt("POINT(117.455 40.159)"), 0.8, NULL,
				  &id, &merged, &e), 0);
	int64_t rows = count(f->db, "SELECT count(*) FROM area_ledger");
	double parcel_mid = num(f->db, PARCEL_HA);
	ok.loss_ha = 0.5;
	assert_int_equal(act(f->db, "verify", &BUREAU, id, ok, &e), TB_EINPUT);
	assert_string_equal(e.field, "loss_geometry");
	assert_non_null(strstr(e.message, "map the lost area as a polygon"));
	/* the lost area mapped on site: a point is not an area */
	json_t *pt = json_pack("{s:s,s:[f,f]}", "type", "Point", "coordinates", 117.455, 40.159);
	ok.loss_geometry = pt;
	assert_int_equal(act(f->db, "verify", &BUREAU, id, ok, &e), TB_EINPUT);
	assert_string_equal(e.field, "loss_geometry");
	/* 0.001° × 0.001° (≈ 0.946 ha) north-east in the parcel, 0.5 ha given: short of it */
	json_t *lost = json_pack("{s:s,s:[[[f,f],[f,f],[f,f],[f,f],[f,f]]]}", "type", "Polygon", "coordinates", 117.455,
				 40.158, 117.456, 40.158, 117.456, 40.159, 117.455, 40.159, 117.455, 40.158);
	ok.loss_geometry = lost;
	assert_int_equal(act(f->db, "verify", &BUREAU, id, ok, &e), TB_EINPUT);
	assert_string_equal(e.field, "loss_ha");
	ok.loss_ha = 3; /* more than the natural forest inside it */
	assert_int_equal(act(f->db, "verify", &BUREAU, id, ok, &e), TB_EINPUT);
	assert_string_equal(e.field, "loss_ha");
	json_t *away = json_pack("{s:s,s:[[[f,f],[f,f],[f,f],[f,f],[f,f]]]}", "type", "Polygon", "coordinates", 117.470,
				 40.158, 117.471, 40.158, 117.471, 40.159, 117.470, 40.159, 117.470, 40.158);
	ok.loss_geometry = away; /* outside the natural parcel */
	ok.loss_ha = NAN;
	assert_int_equal(act(f->db, "verify", &BUREAU, id, ok, &e), TB_EINPUT);
	assert_string_equal(e.field, "loss_geometry");
	assert_int_equal(count(f->db, "SELECT count(*) FROM area_ledger"), rows);
	assert_true(num(f->db, PARCEL_HA) == parcel_mid);
	x = alert(f->db, id);
	assert_string_equal(tb_json_str(x, "status"), "assigned");
	json_decref(x);
	ok.loss_geometry = lost; /* loss_ha NAN: the area cut */
	assert_int_equal(act(f->db, "verify", &BUREAU, id, ok, &e), 0);
	x = alert(f->db, id);
	double cut = json_number_value(json_object_get(x, "loss_ha"));
	assert_true(cut > 0.94 && cut < 0.95);
	json_decref(x);
	assert_true(fabs(parcel_mid - num(f->db, PARCEL_HA) - cut) < 2e-4);
	assert_int_equal(count(f->db, "SELECT count(*) FROM area_ledger"), rows + 1);
	assert_int_equal(count(f->db, "SELECT event_seq FROM area_ledger ORDER BY fid DESC LIMIT 1"),
			 count(f->db, "SELECT max(seq) FROM tb_event WHERE action='alerts.verify'"));
	assert_ledger_consistent(f->db);

	/* a point alert confirmed with no forest lost (a fire put out in time) */
	assert_int_equal(raise_at(f->db, "fire", "camera", "2026-11-02T08:00:00Z", wkt("POINT(117.451 40.151)"), 0.8, NULL,
				  &id, &merged, &e), 0);
	assert_false(merged);
	ok.loss_geometry = NULL;
	ok.loss_ha = NAN;
	assert_int_equal(act(f->db, "verify", &BUREAU, id, ok, &e), 0);
	x = alert(f->db, id);
	assert_string_equal(tb_json_str(x, "result"), "confirmed");
	assert_true(json_number_value(json_object_get(x, "loss_ha")) == 0);
	json_decref(x);
	assert_int_equal(count(f->db, "SELECT count(*) FROM area_ledger"), rows + 1);
	assert_ledger_consistent(f->db);
	json_decref(pt);
	json_decref(lost);
	json_decref(away);
}

static void notification_fatigue(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	assert_int_equal(tb_setting_set(f->db, "alert_notify_rate_per_hour", "3", &e), 0);
	bool sent;
	char ref[32];
	for (int i = 0; i < 3; i++) {
		snprintf(ref, sizeof ref, "fire/2026-11-0%d/JZ", i + 1);
		assert_int_equal(tb_notify(f->db, &BUREAU, "town", XIAYING, "fire_danger", 3, "火险等级三级", "Fire danger 3", ref, &sent, &e), 0);
		assert_true(sent);
	}
	/* the same kind and reference again: a duplicate */
	assert_int_equal(tb_notify(f->db, &BUREAU, "town", XIAYING, "fire_danger", 3, "火险等级三级", "Fire danger 3",
				   "fire/2026-11-01/JZ", &sent, &e), 0);
	assert_false(sent);
	/* a fourth distinct one within the hour: over the rate */
	assert_int_equal(tb_notify(f->db, &BUREAU, "town", XIAYING, "pest", 2, "松毛虫预警", NULL, "pest/1", &sent, &e), 0);
	assert_false(sent);
	/* level 5 passes the rate limit (rate_exempt_level) */
	assert_int_equal(tb_notify(f->db, &BUREAU, "town", XIAYING, "fire_danger", 5, "火险等级五级", NULL, "fire/x", &sent, &e), 0);
	assert_true(sent);
	/* another recipient has its own budget */
	assert_int_equal(tb_notify(f->db, &BUREAU, "ranger", "R1", "pest", 2, "松毛虫预警", NULL, "pest/1", &sent, &e), 0);
	assert_true(sent);
	assert_int_equal(count(f->db, "SELECT count(*) FROM notifications"), 5);
	assert_int_equal(count(f->db, "SELECT suppressed_dedup FROM notify_counters WHERE recipient='120119104'"), 1);
	assert_int_equal(count(f->db, "SELECT suppressed_rate FROM notify_counters WHERE recipient='120119104'"), 1);
	/* bad input */
	assert_int_equal(tb_notify(f->db, &BUREAU, "village", "x", "k", 1, "t", NULL, NULL, &sent, &e), TB_EINPUT);
	assert_string_equal(e.field, "recipient_kind");
	assert_int_equal(tb_notify(f->db, &BUREAU, "ranger", "R9", "k", 1, "t", NULL, NULL, &sent, &e), TB_EINPUT);
	assert_string_equal(e.field, "recipient");
	assert_int_equal(tb_notify(f->db, &BUREAU, "town", XIAYING, "k", 6, "t", NULL, NULL, &sent, &e), TB_EINPUT);
	assert_string_equal(e.field, "level");

	/* who sees what */
	json_t *n = tb_notifications_for(f->db, "ranger", "", "R1", 50, &e);
	assert_int_equal(json_array_size(json_object_get(n, "items")), 1);
	int64_t rid = json_integer_value(json_object_get(json_array_get(json_object_get(n, "items"), 0), "fid"));
	json_decref(n);
	n = tb_notifications_for(f->db, "town", "120119102", NULL, 50, &e);
	assert_int_equal(json_array_size(json_object_get(n, "items")), 0);
	json_decref(n);
	n = tb_notifications_for(f->db, "town", XIAYING, NULL, 50, &e);
	assert_int_equal(json_array_size(json_object_get(n, "items")), 5); /* the town's and its ranger's */
	assert_int_equal(json_integer_value(json_object_get(n, "unread")), 5);
	json_decref(n);
	assert_int_equal(tb_notification_read(f->db, &RANGER2, "", "R2", rid, NULL, &e), TB_ENOTFOUND);
	json_t *r = NULL;
	assert_int_equal(tb_notification_read(f->db, &RANGER1, "", "R1", rid, &r, &e), 0);
	assert_non_null(tb_json_str(r, "read_at"));
	assert_non_null(tb_json_str(r, "sent_at")); /* kept through the update */
	json_decref(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(bad_input_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(dedup_by_place_time_type_and_sender, setup, teardown),
		cmocka_unit_test_setup_teardown(dedup_of_areas_by_touching, setup, teardown),
		cmocka_unit_test_setup_teardown(lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(notification_fatigue, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tb_geos_finish();
	return rc;
}
