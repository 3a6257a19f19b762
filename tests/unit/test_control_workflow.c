/* test_control_workflow.c — the review workflow of applications and
 * designs as state machines (§3.2): moves not in the table and unmet
 * preconditions are TB_ECONFLICT, a role that may not move is TB_EDENIED,
 * nothing changes on a refusal; approving an occupation shrinks the natural
 * parcel by the hand-checked area and the area ledger records the loss with
 * the approval's event; a parcel taken whole becomes lost. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "control/control.h"
#include "db/attach.h"
#include "db/event.h"
#include "registry/registry.h"
#include "tb_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[64];
	char path[96];
	tb_db *db;
	char doc[65];
} fixture;

static const tb_actor BUREAU = {"bureau1", "bureau"}, TOWN = {"town1", "town"};

static GEOSGeometry *rect(double x0, double y0, double x1, double y1)
{
	char t[256];
	snprintf(t, sizeof t, "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))", x0, y0, x1, y0, x1, y1,
		 x0, y1, x0, y0);
	return wkt(t);
}

static double rect_ha(double x0, double y0, double x1, double y1)
{
	GEOSGeometry *g = rect(x0, y0, x1, y1);
	double ha = tb_area_ha(g);
	drop(g);
	return ha;
}

/* Natural parcel 120119104-001-001: 117.420–117.422 × 40.150–40.152. */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbwf", "w.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_registry_init(f->path, "test", &f->db, &e) || tb_schema_migrate(f->db, &tb_control_module, "test", &e))
		return -1;
	json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:f}", "xiang", "120119104", "lin_ban", "001", "xiao_ban", "001",
			      "di_lei", "030100", "qi_yuan", "11", "yu_bi_du", 0.7);
	tb_record rec = {.props = p, .geom = rect(117.420, 40.150, 117.422, 40.152), .name = "fixture"};
	int rc = tb_write_create(f->db, &BUREAU, &tb_parcels, &rec, "fixture", NULL, &e);
	drop(rec.geom);
	json_decref(p);
	static const char pdf[] = "%PDF-1.4\n% approval\n%%EOF\n";
	const char *mime;
	if (!rc) rc = tb_attach_put(f->db, &BUREAU, "approval.pdf", pdf, sizeof pdf - 1, f->doc, &mime, &e);
	*state = f;
	return rc;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tb_db_close(f->db);
	if (tb_test_rmtree(f->dir)) return -1;
	free(f);
	return 0;
}

static int64_t submit(fixture *f, const char *activity, const char *purpose, GEOSGeometry *g)
{
	json_t *p = json_pack("{s:s,s:s,s:s?}", "applicant", "申请人", "activity", activity, "purpose", purpose);
	int64_t fid = 0;
	tb_err e = {0};
	int rc = tb_application_create(f->db, &BUREAU, NULL, p, g, &fid, &e);
	if (rc) fprintf(stderr, "submit: %s %s\n", e.field, e.message);
	assert_int_equal(rc, 0);
	json_decref(p);
	drop(g);
	return fid;
}

static const char *status_of(fixture *f, int64_t fid)
{
	static char buf[32];
	json_t *p = NULL;
	tb_err e = {0};
	assert_int_equal(tb_record_get(f->db, &tb_applications, fid, &p, NULL, &e), 0);
	snprintf(buf, sizeof buf, "%s", json_string_value(json_object_get(p, "status")));
	json_decref(p);
	return buf;
}

static int64_t count(fixture *f, const char *sql)
{
	int64_t n = -1;
	tb_err e = {0};
	assert_int_equal(tb_db_int64(f->db, sql, &n, &e), 0);
	return n;
}

static void moves_and_refusals(void **state)
{
	fixture *f = *state;
	int64_t fid = submit(f, "occupation", "national_defence", rect(117.420, 40.150, 117.421, 40.152));
	assert_string_equal(status_of(f, fid), "submitted");
	int64_t events = count(f, "SELECT count(*) FROM tb_event");
	tb_err e = {0};
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "approved", NULL, f->doc, &e), TB_ECONFLICT);
	assert_non_null(strstr(e.message, "possible: checked, rejected"));
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "archived", NULL, NULL, &e), TB_ECONFLICT);
	assert_int_equal(tb_application_transition(f->db, &TOWN, fid, "rejected", NULL, NULL, &e), TB_EDENIED);
	assert_int_equal(tb_application_transition(f->db, &TOWN, fid, "checked", "齐全", NULL, &e), 0);
	assert_string_equal(status_of(f, fid), "checked");
	assert_int_equal(tb_application_transition(f->db, &TOWN, fid, "approved", NULL, f->doc, &e), TB_EDENIED);
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "approved", NULL, NULL, &e), TB_ECONFLICT);
	assert_string_equal(e.field, "approval_doc");
	char none[65];
	memset(none, 'a', 64);
	none[64] = 0;
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "approved", NULL, none, &e), TB_EINPUT);
	assert_string_equal(status_of(f, fid), "checked");
	assert_int_equal(count(f, "SELECT count(*) FROM tb_event"), events + 1); /* only the check */
	assert_int_equal(count(f, "SELECT count(*) FROM area_ledger WHERE kind<>'create'"), 0);
	/* approved: the parcel loses its west half, the ledger says so */
	double west = rect_ha(117.420, 40.150, 117.421, 40.152), east = rect_ha(117.421, 40.150, 117.422, 40.152);
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "approved", "准予", f->doc, &e), 0);
	assert_string_equal(status_of(f, fid), "approved");
	double left = 0, delta = 0;
	tb_db_double(f->db, "SELECT area_ha FROM parcels WHERE code='120119104-001-001'", &left, &e);
	tb_db_double(f->db, "SELECT delta_ha FROM area_ledger ORDER BY fid DESC LIMIT 1", &delta, &e);
	assert_true(fabs(left - east) < 0.00015);
	assert_true(fabs(delta + west) < 0.00015);
	assert_int_equal(count(f, "SELECT count(*) FROM area_ledger l JOIN tb_event v ON v.seq=l.event_seq"
				  " WHERE v.action='applications.approve' AND l.cause LIKE '%SQ-%'"),
			 1);
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "rejected", NULL, NULL, &e), TB_ECONFLICT);
	tb_verify_result vr;
	assert_int_equal(tb_event_verify(f->db, &vr, &e), 0);
	assert_int_equal(vr.first_bad, 0);
	/* the rest of the parcel, taken whole: the parcel is lost */
	fid = submit(f, "occupation", "national_major_project", rect(117.4205, 40.1495, 117.4225, 40.1525));
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "checked", NULL, NULL, &e), 0);
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "approved", NULL, f->doc, &e), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM parcels WHERE status='lost'"), 1);
	double sum = 0;
	tb_db_double(f->db, "SELECT sum(delta_ha) FROM area_ledger", &sum, &e);
	assert_true(fabs(sum) < 0.00015);
}

static void prohibited_and_designs(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	int64_t fid = submit(f, "commercial_logging", NULL, rect(117.4205, 40.1505, 117.4215, 40.1515));
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "checked", NULL, NULL, &e), 0);
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "approved", NULL, NULL, &e), TB_ECONFLICT);
	assert_non_null(strstr(e.message, "§3.2.1"));
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "rejected", NULL, NULL, &e), 0);
	/* designs: draft → submitted → approved; only drafts change */
	json_t *d = json_pack("{s:s,s:s,s:f,s:f,s:f}", "parcels", "120119104-001-001", "measures", "透光伐、割灌除草",
			      "intensity_pct", 10.0, "retained_canopy", 0.65, "volume_m3", 3.0);
	int64_t dfid = 0;
	assert_int_equal(tb_design_create(f->db, &BUREAU, "120119102", d, &dfid, &e), TB_EDENIED);
	assert_int_equal(tb_design_create(f->db, &BUREAU, "120119104", d, &dfid, &e), 0);
	assert_string_equal(json_string_value(json_object_get(d, "measures")), "透光伐,割灌除草");
	json_decref(d);
	assert_int_equal(tb_design_transition(f->db, &BUREAU, dfid, "approved", NULL, &e), TB_ECONFLICT);
	assert_int_equal(tb_design_transition(f->db, &TOWN, dfid, "submitted", NULL, &e), 0);
	assert_int_equal(tb_design_transition(f->db, &TOWN, dfid, "approved", NULL, &e), TB_EDENIED);
	assert_int_equal(tb_design_transition(f->db, &BUREAU, dfid, "approved", "同意", &e), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM designs WHERE status='approved' AND approved_by='bureau1'"), 1);
	json_t *patch = json_pack("{s:f}", "volume_m3", 9.0);
	tb_record rec = {.props = patch, .fid = dfid, .name = "design"};
	assert_int_equal(tb_write_update(f->db, &BUREAU, &tb_designs, &rec, 0, NULL, NULL, &e), TB_ECONFLICT);
	json_decref(patch);
}

/* The machines through base/fsm.h: the exact 409 and 403 messages, the
 * roles typed like the route table's, nothing written by a refusal. */
static void machine_messages(void **state)
{
	fixture *f = *state;
	int64_t fid = submit(f, "occupation", "national_defence", rect(117.420, 40.150, 117.421, 40.152));
	json_t *p = NULL;
	tb_err e = {0};
	assert_int_equal(tb_record_get(f->db, &tb_applications, fid, &p, NULL, &e), 0);
	char code[64], want[256];
	snprintf(code, sizeof code, "%s", json_string_value(json_object_get(p, "code")));
	json_decref(p);
	int64_t events = count(f, "SELECT count(*) FROM tb_event");
	assert_int_equal(tb_application_transition(f->db, &TOWN, fid, "approved", NULL, f->doc, &e), TB_ECONFLICT);
	snprintf(want, sizeof want, "application %s is submitted: it cannot become approved (possible: checked, rejected)", code);
	assert_string_equal(e.message, want);
	assert_string_equal(e.field, "status");
	assert_int_equal(tb_application_transition(f->db, &TOWN, fid, "rejected", NULL, NULL, &e), TB_EDENIED);
	snprintf(want, sizeof want, "the role town may not reject application %s (roles: admin,bureau)", code);
	assert_string_equal(e.message, want);
	tb_actor ranger = {"ranger1", "ranger"};
	assert_int_equal(tb_application_transition(f->db, &ranger, fid, "checked", NULL, NULL, &e), TB_EDENIED);
	snprintf(want, sizeof want, "the role ranger may not check application %s (roles: admin,bureau,town,unit)", code);
	assert_string_equal(e.message, want);
	assert_int_equal(count(f, "SELECT count(*) FROM tb_event"), events); /* refusals write nothing */
	assert_string_equal(status_of(f, fid), "submitted");
	/* a rejected application is closed: no move leaves it */
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "rejected", "不符合", NULL, &e), 0);
	assert_int_equal(tb_application_transition(f->db, &BUREAU, fid, "checked", NULL, NULL, &e), TB_ECONFLICT);
	snprintf(want, sizeof want, "application %s is rejected: it cannot become checked (possible: none, the case is closed)",
		 code);
	assert_string_equal(e.message, want);
	assert_int_equal(count(f, "SELECT count(*) FROM tb_event WHERE action='applications.reject'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(moves_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(prohibited_and_designs, setup, teardown),
		cmocka_unit_test_setup_teardown(machine_messages, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tb_geos_finish();
	return rc;
}
