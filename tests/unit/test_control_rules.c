/* test_control_rules.c — the Jizhou use-control rules (data/jizhou/
 * use_rules.csv, §3.1.1, §3.2): a scenario table with at least one
 * situation per rule row, asserting the deciding row, its verdict and its
 * clause; ties between equally specific rows go to the stricter verdict;
 * every row of the file is covered; an edit of the table changes the
 * decision (rules are data). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "control/control.h"
#include "registry/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
	char dir[64];
	char path[96];
	tb_db *db;
	tb_use_rules_set rules;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tbctl", "r.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_registry_init(f->path, "test", &f->db, &e) || tb_schema_migrate(f->db, &tb_control_module, "test", &e) ||
	    tb_use_rules_load(f->db, &f->rules, &e)) {
		fprintf(stderr, "setup: %s %s\n", e.record, e.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tb_use_rules_free(&f->rules);
	tb_db_close(f->db);
	if (tb_test_rmtree(f->dir)) return -1;
	free(f);
	return 0;
}

/* One situation and what must decide it.  F forest land, N natural forest,
 * K in a key zone, D an approved design; gyl/bh the parcel's grades. */
typedef struct scenario {
	const char *activity, *purpose;
	bool F, N, K;
	const char *gyl, *bh;
	bool D;
	const char *rule, *verdict, *clause;
} scenario;

static const scenario scenarios[] = {
	/* §3.2.1 commercial logging stopped; ordinary forest needs a permit */
	{"commercial_logging", NULL, 1, 1, 0, NULL, NULL, 0, "UR01", "prohibited", "3.2.1"},
	{"commercial_logging", NULL, 1, 1, 1, NULL, NULL, 0, "UR01", "prohibited", "3.2.1"},
	{"commercial_logging", NULL, 1, 0, 0, NULL, NULL, 0, "UR02", "needs_approval", "3.2.2"},
	/* §3.2.1 key zones: all production banned except health measures */
	{"other_production", NULL, 1, 1, 1, NULL, NULL, 0, "UR03", "prohibited", "3.2.1"},
	{"grazing", NULL, 1, 1, 1, NULL, NULL, 0, "UR03", "prohibited", "3.2.1"}, /* tie: stricter wins */
	{"fire_prevention", NULL, 1, 0, 0, NULL, NULL, 0, "UR04", "allowed", "3.2.1"},
	{"fire_prevention", NULL, 1, 1, 1, NULL, NULL, 0, "UR05", "allowed", "3.2.1"},
	{"pest_control", NULL, 1, 1, 1, NULL, NULL, 0, "UR06", "allowed", "3.2.1"},
	{"pest_control", NULL, 1, 1, 0, NULL, NULL, 0, "UR07", "allowed", "3.2.1"},
	/* §3.2.1 tending needs an approved operation design */
	{"tending", NULL, 1, 1, 0, NULL, NULL, 0, "UR08", "needs_approval", "3.2.1"},
	{"tending", NULL, 1, 1, 1, NULL, NULL, 0, "UR08", "needs_approval", "3.2.1"},
	{"tending", NULL, 1, 1, 0, NULL, NULL, 1, "UR09", "conditional", "3.2.1"},
	{"tending", NULL, 1, 0, 0, NULL, NULL, 0, "UR10", "allowed", "3.2.2"},
	{"sanitation_felling", NULL, 1, 1, 0, NULL, NULL, 0, "UR11", "needs_approval", "3.2.1"},
	{"sanitation_felling", NULL, 1, 1, 1, NULL, NULL, 1, "UR12", "conditional", "3.2.1"},
	{"sanitation_felling", NULL, 1, 0, 0, NULL, NULL, 0, "UR13", "needs_approval", "3.2.2"},
	/* §3.2.2 occupation banned except national defence / major projects */
	{"occupation", NULL, 1, 1, 0, NULL, NULL, 0, "UR14", "prohibited", "3.2.2"},
	{"occupation", "national_defence", 1, 1, 0, NULL, "2", 0, "UR15", "needs_approval", "3.2.2"},
	{"occupation", "national_major_project", 1, 1, 1, NULL, NULL, 0, "UR16", "needs_approval", "3.2.2"},
	{"occupation", "other", 1, 1, 0, NULL, NULL, 0, "UR17", "prohibited", "3.2.2"},
	{"occupation", "national_defence", 1, 0, 0, NULL, NULL, 0, "UR18", "needs_approval", "3.2.2"},
	{"occupation", "national_defence", 1, 1, 0, NULL, "1", 0, "UR19", "needs_approval", "3.2.2"},
	{"occupation", "national_major_project", 1, 1, 1, NULL, "1", 0, "UR20", "needs_approval", "3.2.2"},
	/* §3.1.1 banned in key zones: clearing, conversion to plantation */
	{"clearing_for_farming", NULL, 1, 0, 0, NULL, NULL, 0, "UR21", "prohibited", "3.2.2"},
	{"clearing_for_farming", NULL, 1, 1, 1, NULL, NULL, 0, "UR22", "prohibited", "3.1.1"},
	{"conversion_to_plantation", NULL, 1, 1, 0, NULL, NULL, 0, "UR23", "prohibited", "3.2.2"},
	{"conversion_to_plantation", NULL, 1, 1, 1, NULL, NULL, 0, "UR24", "prohibited", "3.1.1"},
	{"conversion_to_plantation", NULL, 1, 0, 0, NULL, NULL, 0, "UR25", "needs_approval", "3.2.2"},
	/* §3.2.2 eco-tourism in moderation */
	{"ecotourism", NULL, 1, 1, 0, "2", "2", 0, "UR26", "conditional", "3.2.2"},
	{"ecotourism", NULL, 1, 1, 1, NULL, NULL, 0, "UR27", "prohibited", "3.2.1"},
	{"ecotourism", NULL, 1, 1, 0, "1", NULL, 0, "UR28", "prohibited", "3.2.2"},
	{"ecotourism", NULL, 1, 0, 0, NULL, NULL, 0, "UR29", "allowed", "3.2.2"},
	{"grazing", NULL, 1, 1, 0, NULL, "3", 0, "UR30", "conditional", "3.2.2"},
	{"grazing", NULL, 1, 1, 0, NULL, "1", 0, "UR31", "prohibited", "3.2.2"},
	{"grazing", NULL, 1, 0, 0, NULL, NULL, 0, "UR32", "allowed", "3.2.2"},
	{"mining", NULL, 1, 1, 0, NULL, NULL, 0, "UR33", "prohibited", "3.2.2"},
	{"mining", NULL, 1, 0, 1, NULL, NULL, 0, "UR34", "needs_approval", "3.2.2"},
	{"other_production", NULL, 1, 1, 0, NULL, NULL, 0, "UR35", "needs_approval", "3.2.2"},
	{"other_production", NULL, 1, 1, 0, "1", NULL, 0, "UR36", "prohibited", "3.2.2"},
	{"other_production", NULL, 1, 0, 0, NULL, NULL, 0, "UR37", "allowed", "3.2.2"},
	{"restoration", NULL, 1, 1, 0, NULL, NULL, 0, "UR38", "conditional", "3.3.1"},
	{"restoration", NULL, 1, 1, 1, NULL, NULL, 0, "UR39", "conditional", "3.2.1"},
	{"restoration", NULL, 1, 0, 0, NULL, NULL, 0, "UR40", "allowed", "3.3.1"},
	/* not forest land at all */
	{"grazing", NULL, 0, 0, 0, NULL, NULL, 0, "UR41", "allowed", "3.2.2"},
	{"occupation", "other", 0, 0, 1, NULL, NULL, 0, "UR41", "allowed", "3.2.2"},
	{"ecotourism", NULL, 1, 1, 0, NULL, "1", 0, "UR42", "prohibited", "3.2.2"},
};

static void scenario_table(void **state)
{
	fixture *f = *state;
	size_t n = sizeof scenarios / sizeof scenarios[0];
	assert_true(n >= 20);
	for (size_t i = 0; i < n; i++) {
		const scenario *s = &scenarios[i];
		tb_use_situation sit = {.activity = s->activity, .purpose = s->purpose, .forest_land = s->F,
					.natural = s->N, .in_key_zone = s->K, .gyl_grade = s->gyl, .bh_dj = s->bh,
					.design_approved = s->D};
		const tb_use_rule *r = tb_use_rules_match(&f->rules, &sit);
		if (!r || strcmp(r->code, s->rule)) {
			fprintf(stderr, "scenario %zu (%s): got %s, want %s\n", i, s->activity, r ? r->code : "none", s->rule);
			fail();
		}
		assert_string_equal(tb_verdict_name(r->verdict), s->verdict);
		assert_string_equal(r->clause, s->clause);
		assert_non_null(r->message_zh);
		assert_non_null(r->message_en);
		if (r->verdict == TB_V_NEEDS_APPROVAL) assert_non_null(r->authority); /* a named authority */
	}
}

/* Every row of the shipped table is the deciding row of some scenario. */
static void every_rule_row_is_covered(void **state)
{
	fixture *f = *state;
	assert_true(f->rules.n >= 40);
	for (int i = 0; i < f->rules.n; i++) {
		bool seen = false;
		for (size_t k = 0; k < sizeof scenarios / sizeof scenarios[0]; k++)
			seen |= !strcmp(scenarios[k].rule, f->rules.rows[i].code);
		if (!seen) fprintf(stderr, "rule %s has no scenario\n", f->rules.rows[i].code);
		assert_true(seen);
	}
}

static void strictness_and_specificity(void **state)
{
	(void)state;
	assert_int_equal(tb_verdict_parse("prohibited"), TB_V_PROHIBITED);
	assert_int_equal(tb_verdict_parse("allowed"), TB_V_ALLOWED);
	assert_int_equal(tb_verdict_parse("maybe"), TB_V_NONE);
	assert_true(TB_V_PROHIBITED > TB_V_NEEDS_APPROVAL && TB_V_NEEDS_APPROVAL > TB_V_CONDITIONAL &&
		    TB_V_CONDITIONAL > TB_V_ALLOWED);
	/* a small table: the more specific row wins even when milder, equal
	 * specificity goes to the stricter row */
	tb_use_rule rows[3] = {
		{.code = "A", .activity = "grazing", .purpose = "any", .forest_land = "any", .in_key_zone = "yes",
		 .natural = "yes", .gyl_grade = "any", .bh_dj = "any", .design_approved = "any", .verdict = TB_V_CONDITIONAL,
		 .clause = "x", .specificity = 3},
		{.code = "B", .activity = "any", .purpose = "any", .forest_land = "any", .in_key_zone = "yes",
		 .natural = "yes", .gyl_grade = "any", .bh_dj = "any", .design_approved = "any", .verdict = TB_V_PROHIBITED,
		 .clause = "y", .specificity = 2},
		{.code = "C", .activity = "grazing", .purpose = "any", .forest_land = "any", .in_key_zone = "any",
		 .natural = "yes", .gyl_grade = "any", .bh_dj = "any", .design_approved = "any", .verdict = TB_V_ALLOWED,
		 .clause = "z", .specificity = 2},
	};
	tb_use_rules_set s = {rows, 3};
	tb_use_situation in_kz = {.activity = "grazing", .forest_land = true, .natural = true, .in_key_zone = true};
	assert_string_equal(tb_use_rules_match(&s, &in_kz)->code, "A");
	s.n = 2;
	rows[0].activity = "mining"; /* A no longer matches: B (2) */
	assert_string_equal(tb_use_rules_match(&s, &in_kz)->code, "B");
	rows[0] = rows[2]; /* C and B both of specificity 2: B is stricter */
	assert_string_equal(tb_use_rules_match(&s, &in_kz)->code, "B");
	tb_use_situation outside = {.activity = "grazing", .forest_land = true, .natural = true};
	assert_string_equal(tb_use_rules_match(&s, &outside)->code, "C");
	tb_use_situation nothing = {.activity = "mining", .forest_land = true};
	assert_null(tb_use_rules_match(&s, &nothing));
}

/* Citations (tb_use_rules_decide): where a more specific public-welfare-
 * forest or protection-grade row prohibits an activity a key zone bans, the
 * plan's key-zone clause is cited first; every basis that prohibits is
 * cited; a lone deciding row is cited alone. */
typedef struct citation {
	const char *activity, *purpose;
	bool F, N, K;
	const char *gyl, *bh;
	bool D;
	const char *rule, *verdict;
	const char *cited[3], *clauses[3];
} citation;

static const citation citations[] = {
	/* the grade rows decide, the key zone's §3.2.1 is cited first */
	{"grazing", NULL, 1, 1, 1, NULL, "1", 0, "UR31", "prohibited", {"UR03", "UR31"}, {"3.2.1", "3.2.2"}},
	{"other_production", NULL, 1, 1, 1, "1", NULL, 0, "UR36", "prohibited", {"UR03", "UR36"}, {"3.2.1", "3.2.2"}},
	{"ecotourism", NULL, 1, 1, 1, "1", "1", 0, "UR27", "prohibited", {"UR27", "UR28"}, {"3.2.1", "3.2.2"}},
	{"ecotourism", NULL, 1, 1, 1, NULL, "1", 0, "UR27", "prohibited", {"UR27", "UR42"}, {"3.2.1", "3.2.2"}},
	/* §3.1.1: clearing for farming and conversion to plantation in key zones */
	{"clearing_for_farming", NULL, 1, 1, 1, NULL, NULL, 0, "UR22", "prohibited", {"UR22", "UR21"}, {"3.1.1", "3.2.2"}},
	{"clearing_for_farming", NULL, 1, 1, 1, "1", "1", 0, "UR22", "prohibited", {"UR22", "UR21"}, {"3.1.1", "3.2.2"}},
	{"conversion_to_plantation", NULL, 1, 1, 1, NULL, NULL, 0, "UR24", "prohibited", {"UR24"}, {"3.1.1"}},
	{"conversion_to_plantation", NULL, 1, 1, 1, "1", "1", 0, "UR24", "prohibited", {"UR24"}, {"3.1.1"}},
	/* outside the key zones nothing changes */
	{"grazing", NULL, 1, 1, 0, NULL, "1", 0, "UR31", "prohibited", {"UR31"}, {"3.2.2"}},
	{"clearing_for_farming", NULL, 1, 0, 0, NULL, NULL, 0, "UR21", "prohibited", {"UR21"}, {"3.2.2"}},
	{"occupation", "other", 1, 1, 1, NULL, NULL, 0, "UR17", "prohibited", {"UR17"}, {"3.2.2"}},
	{"commercial_logging", NULL, 1, 1, 1, "1", "1", 0, "UR01", "prohibited", {"UR01"}, {"3.2.1"}},
	/* not a prohibition: the deciding row alone */
	{"occupation", "national_major_project", 1, 1, 1, NULL, "1", 0, "UR20", "needs_approval", {"UR20"}, {"3.2.2"}},
	{"tending", NULL, 1, 1, 1, NULL, NULL, 1, "UR09", "conditional", {"UR09"}, {"3.2.1"}},
};

static void citations_plan_first(void **state)
{
	fixture *f = *state;
	for (size_t i = 0; i < sizeof citations / sizeof citations[0]; i++) {
		const citation *c = &citations[i];
		tb_use_situation sit = {.activity = c->activity, .purpose = c->purpose, .forest_land = c->F,
					.natural = c->N, .in_key_zone = c->K, .gyl_grade = c->gyl, .bh_dj = c->bh,
					.design_approved = c->D};
		tb_use_decision d;
		tb_use_rules_decide(&f->rules, &sit, &d);
		assert_non_null(d.rule);
		assert_ptr_equal(d.rule, tb_use_rules_match(&f->rules, &sit)); /* the verdict's row is unchanged */
		if (strcmp(d.rule->code, c->rule)) fprintf(stderr, "citation %zu: decided by %s\n", i, d.rule->code);
		assert_string_equal(d.rule->code, c->rule);
		assert_string_equal(tb_verdict_name(d.rule->verdict), c->verdict);
		int n = 0;
		while (n < 3 && c->cited[n]) n++;
		if (d.ncite != n) fprintf(stderr, "citation %zu: %d rows cited, want %d\n", i, d.ncite, n);
		assert_int_equal(d.ncite, n);
		for (int k = 0; k < n; k++) {
			assert_string_equal(d.cite[k]->code, c->cited[k]);
			assert_string_equal(d.cite[k]->clause, c->clauses[k]);
			assert_int_equal(d.cite[k]->verdict, d.rule->verdict);
		}
	}
	/* the plan's own rows come first: UR03 is the plan's, UR31 the law's */
	tb_use_situation sit = {.activity = "grazing", .forest_land = 1, .natural = 1, .in_key_zone = 1, .bh_dj = "1"};
	tb_use_decision d;
	tb_use_rules_decide(&f->rules, &sit, &d);
	assert_string_equal(tb_use_basis_name(d.cite[0]->basis), "plan");
	assert_string_equal(tb_use_basis_name(d.cite[1]->basis), "law");
}

/* The 0.6 retained canopy on approved tending is not in the plan: UR09's
 * conditions are the plan's (as designed), the canopy is a district
 * setting. */
static void district_conditions(void **state)
{
	fixture *f = *state;
	tb_use_situation sit = {.activity = "tending", .forest_land = 1, .natural = 1, .design_approved = 1};
	const tb_use_rule *r = tb_use_rules_match(&f->rules, &sit);
	assert_string_equal(r->code, "UR09");
	assert_string_equal(r->clause, "3.2.1");
	assert_string_equal(r->conditions_zh, "按批准的作业设计实施。");
	assert_null(strstr(r->conditions_en, "0.6"));
	assert_null(strstr(r->conditions_zh, "郁闭度"));
	assert_string_equal(r->district_conditions_zh, "保留郁闭度不低于{design_min_canopy}。");
	assert_string_equal(r->district_conditions_en, "Keep canopy closure at {design_min_canopy} or more.");
	/* no other row carries a district condition, every row has a basis */
	for (int i = 0; i < f->rules.n; i++) {
		if (strcmp(f->rules.rows[i].code, "UR09")) assert_null(f->rules.rows[i].district_conditions_zh);
		assert_null(strstr(f->rules.rows[i].conditions_zh ? f->rules.rows[i].conditions_zh : "", "0.6"));
	}
	assert_string_equal(tb_use_basis_name(r->basis), "plan");
}

/* The bureau edits the table: the next decision follows it. */
static void rules_are_data(void **state)
{
	fixture *f = *state;
	tb_err e = {0};
	json_t *row = NULL;
	assert_int_equal(tb_record_get_by_key(f->db, &tb_use_rules, "UR26", &row, NULL, &e), 0);
	int64_t fid = json_integer_value(json_object_get(row, "fid"));
	json_decref(row);
	json_t *patch = json_pack("{s:s,s:s}", "verdict", "needs_approval", "authority", "区林业局");
	tb_record rec = {.props = patch, .fid = fid, .name = "rule UR26"};
	tb_actor who = {"tester", "bureau"};
	assert_int_equal(tb_write_update(f->db, &who, &tb_use_rules, &rec, 0, "test", NULL, &e), 0);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	json_decref(patch);
	tb_use_rules_set s;
	assert_int_equal(tb_use_rules_load(f->db, &s, &e), 0);
	tb_use_situation sit = {.activity = "ecotourism", .forest_land = true, .natural = true, .gyl_grade = "2"};
	const tb_use_rule *r = tb_use_rules_match(&s, &sit);
	assert_string_equal(r->code, "UR26");
	assert_int_equal(r->verdict, TB_V_NEEDS_APPROVAL);
	tb_use_rules_free(&s);
	int64_t n = 0;
	assert_int_equal(tb_db_int64(f->db, "SELECT count(*) FROM tb_event WHERE action='use_rules.update'", &n, &e), 0);
	assert_int_equal(n, 1); /* every edit is logged */
	/* a needs_approval rule without an authority is refused, naming the field */
	patch = json_pack("{s:s,s:n}", "verdict", "needs_approval", "authority");
	rec = (tb_record){.props = patch, .fid = fid, .name = "rule UR26"};
	assert_int_equal(tb_write_update(f->db, &who, &tb_use_rules, &rec, 0, "test", NULL, &e), TB_EINPUT);
	assert_string_equal(e.field, "authority");
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	json_decref(patch);
	/* an unknown activity in a rule is refused */
	json_t *bad = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "code", "UR90", "activity", "hunting", "verdict", "prohibited",
				"clause", "3.2.2", "message_zh", "x", "message_en", "x");
	rec = (tb_record){.props = bad, .name = "new rule"};
	assert_int_equal(tb_write_create(f->db, &who, &tb_use_rules, &rec, "test", NULL, &e), TB_EINPUT);
	assert_string_equal(e.field, "activity");
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(scenario_table, setup, teardown),
		cmocka_unit_test_setup_teardown(every_rule_row_is_covered, setup, teardown),
		cmocka_unit_test(strictness_and_specificity),
		cmocka_unit_test_setup_teardown(rules_are_data, setup, teardown),
		cmocka_unit_test_setup_teardown(citations_plan_first, setup, teardown),
		cmocka_unit_test_setup_teardown(district_conditions, setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tb_geos_finish();
	return rc;
}
