/* test_registry_demo_gen.c — the Jizhou demo district generator
 * (src/registry/demo_gen.c): the natural area hits the plan's target, parcels
 * are valid, inside the outline and their town, never overlap, carry only
 * codes of codes.csv, and the same seed gives the same bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/csv.h"
#include "base/data.h"
#include "base/json.h"
#include "geo/geo.h"
#include "registry/demo_gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEED 20201029u
#define TARGET_HA 5565.1

static const char *const forest_towns[] = {"120119124", "120119102", "120119100", "120119112",
                                           "120119104", "120119122", "120119203"};

/* Parcel fields that hold codes, and their code list. */
static const char *const code_fields[][2] = {
    {"di_lei", "di_lei"},   {"qi_yuan", "qi_yuan"},       {"you_shi_sz", "you_shi_sz"},
    {"ling_zu", "ling_zu"}, {"sen_lin_lb", "sen_lin_lb"}, {"lin_zhong", "lin_zhong"},
    {"bh_dj", "bh_dj"},     {"ld_qs", "ld_qs"},           {"gjgyl_bhdj", "gjgyl_bhdj"},
};

static tb_demo_set set; /* generated once for the whole group */
static double gen_seconds;

static GEOSContextHandle_t H(void)
{
	return tb_geos();
}

static const char *str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int setup(void **state)
{
	(void)state;
	tb_err e = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = tb_demo_generate(SEED, TARGET_HA, &set, &e);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	gen_seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc) fprintf(stderr, "generate: %s: %s: %s\n", e.record, e.field, e.message);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	tb_demo_free(&set);
	tb_geos_finish();
	return 0;
}

static const tb_demo_feature *town_of(const char *code)
{
	for (size_t i = 0; i < set.ntowns; i++)
		if (!strcmp(str(set.towns[i].props, "code"), code)) return &set.towns[i];
	return NULL;
}

static const tb_demo_feature *village_of(const char *code)
{
	for (size_t i = 0; i < set.nvillages; i++)
		if (!strcmp(str(set.villages[i].props, "code"), code)) return &set.villages[i];
	return NULL;
}

static GEOSGeometry *district(void)
{
	size_t n;
	char *text = tb_data_read("jizhou/jizhou-boundary.geojson", &n);
	assert_non_null(text);
	json_t *doc = json_loadb(text, n, 0, NULL);
	free(text);
	json_t *g =
	    json_object_get(json_array_get(json_object_get(doc, "features"), 0), "geometry");
	char *gt = json_dumps(g, JSON_COMPACT);
	json_decref(doc);
	GEOSGeoJSONReader *rd = GEOSGeoJSONReader_create_r(H());
	GEOSGeometry *out = GEOSGeoJSONReader_readGeometry_r(H(), rd, gt);
	GEOSGeoJSONReader_destroy_r(H(), rd);
	free(gt);
	assert_non_null(out);
	return out;
}

static bool is_natural(const json_t *p)
{
	const char *q = str(p, "qi_yuan");
	return q && q[0] == '1';
}

/* ---- tests ------------------------------------------------------------- */

static void test_natural_area_hits_target(void **state)
{
	(void)state;
	double sum = 0, plant = 0;
	size_t nat = 0;
	for (size_t i = 0; i < set.nparcels; i++) {
		double ha = tb_round4(tb_area_ha(set.parcels[i].geom));
		if (is_natural(set.parcels[i].props))
			sum += ha, nat++;
		else
			plant += ha;
	}
	printf("# %zu parcels: %zu natural = %.4f ha, %zu plantation = %.4f ha; %zu towns, %zu "
	       "villages, %zu zones, %zu units; generated in %.2f s\n",
	       set.nparcels, nat, sum, set.nparcels - nat, plant, set.ntowns, set.nvillages,
	       set.nzones, json_array_size(set.units), gen_seconds);
	assert_true(fabs(sum - TARGET_HA) <= 0.05);
	assert_true(nat >= 300 && nat <= 600);
	assert_true(set.nparcels - nat >= 20);
}

static void test_divisions_complete(void **state)
{
	(void)state;
	assert_int_equal(set.ntowns, 28); /* 27 towns and streets + the development zone */
	assert_int_equal(set.nvillages, 983);
	GEOSGeometry *d = district();
	double town_deg2 = 0;
	for (size_t i = 0; i < set.ntowns; i++) {
		const GEOSGeometry *g = set.towns[i].geom;
		assert_int_equal(GEOSGeomTypeId_r(H(), g), GEOS_MULTIPOLYGON);
		assert_int_equal(GEOSisValid_r(H(), g), 1);
		assert_non_null(str(set.towns[i].props, "name"));
		double a;
		GEOSArea_r(H(), g, &a);
		town_deg2 += a;
	}
	/* The towns tile the district.  Compared as planar areas in degrees²,
	 * which add up exactly: geodesic areas of the pieces differ from the
	 * whole by a few tenths of a hectare, because a long edge of the outline
	 * cut at a point of its straight lon/lat line is no longer one geodesic. */
	double dist_deg2;
	GEOSArea_r(H(), d, &dist_deg2);
	if (fabs(town_deg2 - dist_deg2) >= 1e-9 * dist_deg2)
		fail_msg("towns %.12f deg², district %.12f deg²", town_deg2, dist_deg2);
	for (size_t i = 0; i < set.nvillages; i++) {
		const json_t *p = set.villages[i].props;
		const tb_demo_feature *t = town_of(str(p, "parent_code"));
		assert_non_null(t);
		assert_int_equal(GEOSisValid_r(H(), set.villages[i].geom), 1);
		GEOSGeometry *x = GEOSDifference_r(H(), set.villages[i].geom, t->geom);
		assert_true(tb_area_ha(x) < 1e-6);
		GEOSGeom_destroy_r(H(), x);
	}
	GEOSGeom_destroy_r(H(), d);
}

static void test_parcels_valid_inside_town(void **state)
{
	(void)state;
	GEOSGeometry *d = district();
	const GEOSPreparedGeometry *dp = GEOSPrepare_r(H(), d);
	for (size_t i = 0; i < set.nparcels; i++) {
		const GEOSGeometry *g = set.parcels[i].geom;
		const char *code = str(set.parcels[i].props, "code");
		assert_int_equal(GEOSGeomTypeId_r(H(), g), GEOS_MULTIPOLYGON);
		tb_err e = {0};
		if (tb_geom_check_polygonal(g, code, &e)) fail_msg("%s: %s", code, e.message);
		assert_int_equal(GEOSPreparedContains_r(H(), dp, g), 1);
		const tb_demo_feature *t = town_of(str(set.parcels[i].props, "xiang"));
		assert_non_null(t);
		if (GEOSContains_r(H(), t->geom, g) != 1)
			fail_msg("%s is not inside its town", code);
		/* and north of 40.03°N, in the mountains */
		double miny;
		GEOSGeom_getYMin_r(H(), g, &miny);
		assert_true(miny > 40.02);
	}
	GEOSPreparedGeom_destroy_r(H(), dp);
	GEOSGeom_destroy_r(H(), d);
}

struct overlap_ctx {
	int64_t self;
	const GEOSGeometry *g;
	double worst;
};

static int overlap_fn(void *ctx, int64_t id, const GEOSGeometry *g)
{
	struct overlap_ctx *c = ctx;
	if (id <= c->self || GEOSIntersects_r(H(), c->g, g) != 1) return 0;
	GEOSGeometry *x = GEOSIntersection_r(H(), c->g, g);
	c->worst = fmax(c->worst, tb_area_ha(x));
	GEOSGeom_destroy_r(H(), x);
	return 0;
}

static void test_no_overlaps(void **state)
{
	(void)state;
	tb_index *ix = tb_index_new();
	for (size_t i = 0; i < set.nparcels; i++)
		tb_index_add(ix, (int64_t)i, GEOSGeom_clone_r(H(), set.parcels[i].geom));
	struct overlap_ctx c = {0};
	for (size_t i = 0; i < set.nparcels; i++) {
		c.self = (int64_t)i;
		c.g = set.parcels[i].geom;
		tb_index_query(ix, c.g, overlap_fn, &c);
	}
	assert_true(c.worst <= 1e-6);
	tb_index_free(ix);
}

static void test_all_forest_towns_have_parcels(void **state)
{
	(void)state;
	for (size_t t = 0; t < sizeof forest_towns / sizeof *forest_towns; t++) {
		size_t n = 0;
		for (size_t i = 0; i < set.nparcels; i++)
			if (!strcmp(str(set.parcels[i].props, "xiang"), forest_towns[t])) n++;
		if (n < 20) fail_msg("town %s has %zu parcels", forest_towns[t], n);
	}
	for (size_t i = 0; i < set.nparcels; i++) {
		bool forest = false;
		for (size_t t = 0; t < sizeof forest_towns / sizeof *forest_towns; t++)
			forest |= !strcmp(str(set.parcels[i].props, "xiang"), forest_towns[t]);
		assert_true(forest);
	}
}

static json_t *load_codes(void)
{
	size_t n;
	char *text = tb_data_read("codes/codes.csv", &n);
	assert_non_null(text);
	json_t *codes = json_object();
	tb_csv c;
	tb_csv_init(&c, text, n);
	tb_csv_read_header(&c);
	while (tb_csv_next(&c) == 1) {
		const char *list = tb_csv_get(&c, "list");
		json_t *l = json_object_get(codes, list);
		if (!l) json_object_set_new(codes, list, l = json_object());
		json_object_set_new(l, tb_csv_get(&c, "code"), json_true());
	}
	tb_csv_free(&c);
	free(text);
	return codes;
}

static json_t *load_units(void)
{
	size_t n;
	char *text = tb_data_read("jizhou/units.csv", &n);
	assert_non_null(text);
	json_t *units = json_object();
	tb_csv c;
	tb_csv_init(&c, text, n);
	tb_csv_read_header(&c);
	while (tb_csv_next(&c) == 1)
		json_object_set_new(units, tb_csv_get(&c, "code"),
		                    json_string(tb_csv_get(&c, "town_code")));
	tb_csv_free(&c);
	free(text);
	return units;
}

static bool known(json_t *codes, const char *list, const char *code)
{
	return json_object_get(json_object_get(codes, list), code) != NULL;
}

static void test_codes_exist(void **state)
{
	(void)state;
	json_t *codes = load_codes(), *units = load_units();
	size_t i;
	json_t *u;
	json_array_foreach(set.units, i, u)
	{
		assert_true(known(codes, "unit_kind", str(u, "kind")));
		assert_non_null(json_object_get(units, str(u, "parent_code"))); /* T-<town> */
		assert_null(strstr(str(u, "name"), "村村"));
		assert_non_null(strstr(str(u, "name"), "村集体经济组织"));
		json_object_set_new(units, str(u, "code"), json_string(str(u, "town_code")));
	}
	for (i = 0; i < set.nparcels; i++) {
		const json_t *p = set.parcels[i].props;
		const char *code = str(p, "code");
		for (size_t f = 0; f < sizeof code_fields / sizeof *code_fields; f++) {
			json_t *v = json_object_get(p, code_fields[f][0]);
			if (!v) continue; /* optional: ling_zu of shrubland, grade of 012 */
			if (!json_is_string(v) ||
			    !known(codes, code_fields[f][1], json_string_value(v)))
				fail_msg("%s: %s is not a %s code", code, code_fields[f][0],
				         code_fields[f][1]);
		}
		assert_string_equal(str(p, "xian"), "120119");
		const char *unit = str(p, "unit_code");
		assert_non_null(json_object_get(units, unit));
		/* 国有 parcels belong to a forest unit of their own town */
		if (!strcmp(str(p, "ld_qs"), "10")) {
			assert_int_equal(strncmp(unit, "F-", 2), 0);
			assert_string_equal(str(units, unit), str(p, "xiang"));
		} else {
			assert_int_equal(strncmp(unit, "V-", 2), 0);
			assert_string_equal(unit + 2, str(p, "cun"));
		}
		assert_int_equal(!strcmp(str(p, "sen_lin_lb"), "011"),
		                 json_object_get(p, "gjgyl_bhdj") != NULL);
		assert_true(json_is_real(json_object_get(p, "yu_bi_du")));
		assert_true(json_is_integer(json_object_get(p, "mei_gq_zs")));
		assert_true(json_is_real(json_object_get(p, "huo_lmgqxj")));
	}
	for (i = 0; i < set.nzones; i++) {
		assert_true(known(codes, "zone_level", str(set.zones[i].props, "level")));
		assert_string_equal(str(set.zones[i].props, "clause"), "3.1.1");
	}
	json_decref(codes);
	json_decref(units);
}

static void test_codes_unique_and_composed(void **state)
{
	(void)state;
	json_t *seen = json_object();
	for (size_t i = 0; i < set.nparcels; i++) {
		const json_t *p = set.parcels[i].props;
		const char *code = str(p, "code");
		assert_null(json_object_get(seen, code));
		json_object_set_new(seen, code, json_true());
		char want[64];
		snprintf(want, sizeof want, "%s-%s-%s", str(p, "xiang"), str(p, "lin_ban"),
		         str(p, "xiao_ban"));
		assert_string_equal(code, want);
		assert_int_equal(strlen(str(p, "lin_ban")), 3);
		assert_int_equal(strlen(str(p, "xiao_ban")), 3);
		/* the village is a rural one of the town, where the parcel lies */
		const tb_demo_feature *v = village_of(str(p, "cun"));
		assert_non_null(v);
		assert_string_equal(str(v->props, "parent_code"), str(p, "xiang"));
		const char *vname = str(v->props, "name");
		assert_string_equal(vname + strlen(vname) - strlen("村委会"), "村委会");
		assert_int_equal(GEOSIntersects_r(H(), v->geom, set.parcels[i].geom), 1);
	}
	json_decref(seen);
}

/* 郁闭度 agrees with 地类 (codes/di_lei_rules.csv); shrubland has no volume. */
static void test_stand_values_plausible(void **state)
{
	(void)state;
	size_t kinds[4] = {0};
	for (size_t i = 0; i < set.nparcels; i++) {
		const json_t *p = set.parcels[i].props;
		const char *dl = str(p, "di_lei");
		double c = json_number_value(json_object_get(p, "yu_bi_du"));
		double vol = json_number_value(json_object_get(p, "huo_lmgqxj"));
		json_int_t stems = json_integer_value(json_object_get(p, "mei_gq_zs"));
		if (!strcmp(dl, "030100")) {
			kinds[0]++;
			assert_true(c >= 0.20 && c <= 1.0);
			assert_true(stems >= 100 && stems <= 5000 && vol > 0 && vol < 300);
			assert_non_null(str(p, "ling_zu"));
		} else if (!strcmp(dl, "030401")) {
			kinds[1]++;
			assert_true(c >= 0.10 && c <= 0.19 + 1e-9);
		} else {
			kinds[2 + (dl[5] == '2')]++;
			assert_true(!strncmp(dl, "0303", 4) && c >= 0.30 && c <= 0.80 + 1e-9);
			assert_true(vol == 0 && stems == 0);
			assert_null(json_object_get(p, "ling_zu"));
		}
	}
	for (int k = 0; k < 4; k++)
		assert_true(kinds[k] > 0);
	assert_true(kinds[0] > set.nparcels / 2);
}

static void test_zones(void **state)
{
	(void)state;
	assert_true(set.nzones >= 3 && set.nzones <= 5);
	GEOSGeometry *d = district();
	const GEOSPreparedGeometry *dp = GEOSPrepare_r(H(), d);
	for (size_t i = 0; i < set.nzones; i++) {
		const GEOSGeometry *z = set.zones[i].geom;
		assert_int_equal(GEOSGeomTypeId_r(H(), z), GEOS_MULTIPOLYGON);
		assert_int_equal(GEOSisValid_r(H(), z), 1);
		assert_int_equal(GEOSPreparedContains_r(H(), dp, z), 1);
		assert_true(tb_area_ha(z) > 50);
	}
	size_t inside = 0, cut = 0, outside = 0;
	for (size_t i = 0; i < set.nparcels; i++) {
		const GEOSGeometry *g = set.parcels[i].geom;
		int state_ = 0; /* 0 outside, 1 cut, 2 inside */
		for (size_t z = 0; z < set.nzones; z++) {
			if (GEOSIntersects_r(H(), set.zones[z].geom, g) != 1) continue;
			state_ = GEOSContains_r(H(), set.zones[z].geom, g) == 1 ? 2
			         : state_ > 1                                   ? 2
			                                                        : 1;
		}
		const char *bh = str(set.parcels[i].props, "bh_dj");
		if (state_) assert_true(!strcmp(bh, "1") || !strcmp(bh, "2"));
		*(state_ == 2 ? &inside : state_ == 1 ? &cut : &outside) += 1;
	}
	printf("# zones: %zu parcels inside, %zu cut by an edge, %zu outside\n", inside, cut,
	       outside);
	assert_true(inside >= 5 && cut >= 5 && outside > set.nparcels / 2);
	GEOSPreparedGeom_destroy_r(H(), dp);
	GEOSGeom_destroy_r(H(), d);
}

/* Two features compare equal: same WKB bytes and same canonical props. */
static void assert_same(const tb_demo_feature *a, const tb_demo_feature *b, size_t n)
{
	GEOSWKBWriter *w = GEOSWKBWriter_create_r(H());
	for (size_t i = 0; i < n; i++) {
		size_t la, lb;
		unsigned char *wa = GEOSWKBWriter_write_r(H(), w, a[i].geom, &la);
		unsigned char *wb = GEOSWKBWriter_write_r(H(), w, b[i].geom, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(wa, wb, la);
		GEOSFree_r(H(), wa);
		GEOSFree_r(H(), wb);
		char *ja = json_dumps(a[i].props, JSON_COMPACT),
		     *jb = json_dumps(b[i].props, JSON_COMPACT);
		assert_string_equal(ja, jb);
		free(ja);
		free(jb);
	}
	GEOSWKBWriter_destroy_r(H(), w);
}

static void test_deterministic(void **state)
{
	(void)state;
	tb_demo_set again;
	tb_err e = {0};
	assert_int_equal(tb_demo_generate(SEED, TARGET_HA, &again, &e), 0);
	assert_int_equal(again.ntowns, set.ntowns);
	assert_int_equal(again.nvillages, set.nvillages);
	assert_int_equal(again.nparcels, set.nparcels);
	assert_int_equal(again.nzones, set.nzones);
	assert_same(set.towns, again.towns, set.ntowns);
	assert_same(set.villages, again.villages, set.nvillages);
	assert_same(set.parcels, again.parcels, set.nparcels);
	assert_same(set.zones, again.zones, set.nzones);
	assert_true(json_equal(set.units, again.units));
	tb_demo_free(&again);

	/* another seed: another district, same target */
	assert_int_equal(tb_demo_generate(SEED + 1, TARGET_HA, &again, &e), 0);
	double sum = 0;
	bool differs = again.nparcels != set.nparcels;
	for (size_t i = 0; i < again.nparcels; i++) {
		if (is_natural(again.parcels[i].props))
			sum += tb_round4(tb_area_ha(again.parcels[i].geom));
		if (i < set.nparcels &&
		    GEOSEqualsExact_r(H(), again.parcels[i].geom, set.parcels[i].geom, 0) != 1)
			differs = true;
	}
	assert_true(differs);
	assert_true(fabs(sum - TARGET_HA) <= 0.05);
	tb_demo_free(&again);
}

static void test_unreachable_target_is_an_error(void **state)
{
	(void)state;
	tb_demo_set s;
	tb_err e = {0};
	assert_int_equal(tb_demo_generate(SEED, 1e6, &s, &e), TB_EINPUT);
	assert_non_null(strstr(e.message, "target"));
	assert_int_equal(s.nparcels, 0);
	assert_null(s.towns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_natural_area_hits_target),
	    cmocka_unit_test(test_divisions_complete),
	    cmocka_unit_test(test_parcels_valid_inside_town),
	    cmocka_unit_test(test_no_overlaps),
	    cmocka_unit_test(test_all_forest_towns_have_parcels),
	    cmocka_unit_test(test_codes_exist),
	    cmocka_unit_test(test_codes_unique_and_composed),
	    cmocka_unit_test(test_stand_values_plausible),
	    cmocka_unit_test(test_zones),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_unreachable_target_is_an_error),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
