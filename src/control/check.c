/* check.c — deciding an activity on an area (§3.1.1, §3.2): the area is
 * overlaid with the parcels (小班; natural forest or not) and the key
 * protection zones (重点区域), candidates found through the GeoPackage
 * R-trees, never by a scan.  Each part (a parcel inside or outside the key
 * zones, and the land outside every parcel) is decided by its rule row; the
 * whole takes the strictest verdict and every part is reported.  Areas are
 * ellipsoidal hectares (CGCS2000). */
#include "control/control.h"

#include "base/buf.h"
#include "db/codes.h"
#include "registry/registry.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double r4(double v)
{
	double r = tb_round4(v);
	return r == 0 ? 0 : r;
}

static void envelope(const GEOSGeometry *g, double b[4])
{
	GEOSContextHandle_t h = tb_geos();
	GEOSGeom_getXMin_r(h, g, &b[0]);
	GEOSGeom_getYMin_r(h, g, &b[1]);
	GEOSGeom_getXMax_r(h, g, &b[2]);
	GEOSGeom_getYMax_r(h, g, &b[3]);
}

static double inter_ha(const GEOSGeometry *a, const GEOSGeometry *b)
{
	GEOSGeometry *x = GEOSIntersection_r(tb_geos(), a, b);
	double ha = x ? tb_area_ha(x) : 0;
	if (x) GEOSGeom_destroy_r(tb_geos(), x);
	return ha;
}

typedef struct zone_parts {
	GEOSGeometry *g[256];
	unsigned n;
} zone_parts;

static int keep_zone(void *ctx, tb_area_row *z)
{
	zone_parts *zp = ctx;
	zp->g[zp->n++] = z->geom;
	z->geom = NULL;
	return zp->n == 256;
}

/* The union of the key zones whose boxes meet the area (NULL when none). */
static GEOSGeometry *zones_near(tb_db *db, const double b[4], bool *failed, tb_err *e)
{
	zone_parts zp = {.n = 0};
	*failed = tb_registry_zones_in_box(db, b, keep_zone, &zp, e) < 0;
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry **parts = zp.g;
	unsigned n = zp.n;
	if (!n) return NULL;
	GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, n);
	GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
	GEOSGeom_destroy_r(h, coll);
	return u;
}

typedef struct decider {
	tb_db *db;
	const tb_use_rules_set *rules;
	const tb_use_query *q;
	json_t *reasons; /* rule code → reason object */
	tb_verdict worst;
} decider;

/* A district condition with each {setting} replaced by the district's
 * value of it (new JSON string, or NULL for none). */
static json_t *with_settings(tb_db *db, const char *text)
{
	if (!text || !*text) return NULL;
	tb_buf b;
	tb_buf_init(&b, 1 << 16);
	int rc = 0;
	for (const char *s = text; *s && !rc;) {
		const char *open = strchr(s, '{'), *close = open ? strchr(open, '}') : NULL;
		if (!close || close - open > 64) {
			rc = tb_buf_adds(&b, s);
			break;
		}
		char key[72];
		snprintf(key, sizeof key, "%.*s", (int)(close - open - 1), open + 1);
		char *v = tb_setting_get(db, key, NULL);
		rc = tb_buf_add(&b, s, (size_t)(open - s));
		if (!rc) rc = v ? tb_buf_adds(&b, v) : tb_buf_add(&b, open, (size_t)(close - open + 1));
		free(v);
		s = close + 1;
	}
	json_t *out = rc ? json_string(text) : json_string(b.data ? b.data : "");
	tb_buf_free(&b);
	return out;
}

/* A reason: the first cited row with every cited clause and rule (the
 * plan's first) and the district's own conditions, labelled as such. */
static json_t *reason_json(tb_db *db, const tb_use_decision *dc)
{
	const tb_use_rule *r = dc->cite[0];
	json_t *clauses = json_array(), *rules = json_array();
	for (int i = 0; i < dc->ncite; i++) {
		json_array_append_new(rules, json_string(dc->cite[i]->code));
		bool seen = false;
		size_t k;
		json_t *c;
		json_array_foreach(clauses, k, c) seen |= !strcmp(json_string_value(c), dc->cite[i]->clause);
		if (!seen) json_array_append_new(clauses, json_string(dc->cite[i]->clause));
	}
	json_t *reason = json_pack("{s:s,s:s?,s:s?,s:o,s:o,s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:f}", "verdict",
				   tb_verdict_name(r->verdict), "clause", r->clause, "rule", r->code, "clauses", clauses,
				   "rules", rules, "basis", tb_use_basis_name(r->basis), "message_zh", r->message_zh,
				   "message_en", r->message_en, "authority", r->authority, "conditions_zh", r->conditions_zh,
				   "conditions_en", r->conditions_en, "area_ha", 0.0);
	json_t *dz = with_settings(db, r->district_conditions_zh), *de = with_settings(db, r->district_conditions_en);
	if (dz || de) {
		json_object_set_new(reason, "district_conditions_zh", dz ? dz : json_null());
		json_object_set_new(reason, "district_conditions_en", de ? de : json_null());
	}
	/* the other cited rows' messages, so that every prohibition is read */
	if (dc->ncite > 1) {
		json_t *also = json_array();
		for (int i = 1; i < dc->ncite; i++)
			json_array_append_new(also, json_pack("{s:s,s:s?,s:s,s:s?,s:s?}", "rule", dc->cite[i]->code, "clause",
							      dc->cite[i]->clause, "basis",
							      tb_use_basis_name(dc->cite[i]->basis), "message_zh",
							      dc->cite[i]->message_zh, "message_en", dc->cite[i]->message_en));
		json_object_set_new(reason, "also", also);
	}
	return reason;
}

/* Decide one part and add its area to the reason of its rule.  Returns the
 * row reported for it (the first cited). */
static const tb_use_rule *decide(decider *d, bool forest, bool natural, bool in_kz, const char *gyl,
				 const char *bh, double ha)
{
	tb_use_situation s = {.activity = d->q->activity, .purpose = d->q->purpose, .forest_land = forest,
			      .natural = natural, .in_key_zone = in_kz, .gyl_grade = gyl, .bh_dj = bh,
			      .design_approved = d->q->design_approved};
	tb_use_decision dc;
	tb_use_rules_decide(d->rules, &s, &dc);
	if (!dc.rule) return NULL;
	const tb_use_rule *r = dc.cite[0];
	if (r->verdict > d->worst) d->worst = r->verdict;
	/* one reason per set of cited rows */
	char key[160] = "";
	for (int i = 0; i < dc.ncite; i++)
		snprintf(key + strlen(key), sizeof key - strlen(key), "%s%s", i ? "+" : "", dc.cite[i]->code);
	json_t *reason = json_object_get(d->reasons, key);
	if (!reason) {
		reason = reason_json(d->db, &dc);
		json_object_set_new(d->reasons, key, reason);
	}
	json_object_set_new(reason, "area_ha", json_real(json_number_value(json_object_get(reason, "area_ha")) + ha));
	return r;
}

static json_t *part_json(const tb_use_rule *r, bool in_kz, double ha)
{
	return json_pack("{s:b,s:f,s:s,s:s?,s:s?}", "in_key_zone", in_kz, "area_ha", r4(ha), "verdict",
			 r ? tb_verdict_name(r->verdict) : "", "clause", r ? r->clause : NULL, "rule",
			 r ? r->code : NULL);
}

typedef struct totals {
	double natural, natural_kz, forest, overlap_kz_forest;
	double town_best;
	char town[32];
} totals;

typedef struct overlay_ctx {
	decider *d;
	const GEOSGeometry *g;
	const GEOSPreparedGeometry *gp;
	const GEOSGeometry *zones;
	json_t *parcels;
	totals *t;
} overlay_ctx;

/* One candidate parcel: its part inside the area, split by the key zones. */
static int parcel_part(void *ctx, tb_parcel_row *p)
{
	overlay_ctx *o = ctx;
	decider *d = o->d;
	const GEOSGeometry *g = o->g, *zones = o->zones;
	json_t *parcels = o->parcels;
	totals *t = o->t;
	GEOSContextHandle_t h = tb_geos();
	const GEOSGeometry *pg = p->geom;
	GEOSGeometry *part = GEOSPreparedIntersects_r(h, o->gp, pg) == 1 ? GEOSIntersection_r(h, g, pg) : NULL;
	double ha = part ? tb_area_ha(part) : 0;
	if (ha < 1e-7) { /* touching only */
		if (part) GEOSGeom_destroy_r(h, part);
		return 0;
	}
	double kz = zones ? inter_ha(part, zones) : 0;
	if (kz < 1e-7) kz = 0;
	GEOSGeom_destroy_r(h, part);
	const char *code = p->code, *town = p->town;
	bool natural = p->natural;
	const char *gyl = p->gjgyl_bhdj, *bh = p->bh_dj;
	json_t *parts = json_array();
	const tb_use_rule *worst = NULL;
	double out = ha - kz;
	if (kz > 0) {
		const tb_use_rule *r = decide(d, true, natural, true, gyl, bh, kz);
		json_array_append_new(parts, part_json(r, true, kz));
		worst = r;
	}
	if (out > 1e-7) {
		const tb_use_rule *r = decide(d, true, natural, false, gyl, bh, out);
		json_array_append_new(parts, part_json(r, false, out));
		if (!worst || (r && r->verdict > worst->verdict)) worst = r;
	}
	json_array_append_new(parcels, json_pack("{s:s,s:s?,s:f,s:b,s:b,s:f,s:s,s:s?,s:s?,s:o}", "id", code, "town_code",
						 town, "area_ha", r4(ha), "natural", natural, "in_key_zone", kz > 0,
						 "key_zone_ha", r4(kz), "verdict", worst ? tb_verdict_name(worst->verdict) : "",
						 "clause", worst ? worst->clause : NULL, "rule", worst ? worst->code : NULL,
						 "parts", parts));
	t->forest += ha;
	t->overlap_kz_forest += kz;
	if (natural) {
		t->natural += ha;
		t->natural_kz += kz;
	}
	if (town && ha > t->town_best) {
		t->town_best = ha;
		snprintf(t->town, sizeof t->town, "%s", town);
	}
	return 0;
}

static int overlay(tb_db *db, decider *d, const GEOSGeometry *g, json_t *parcels, totals *t, double *zone_ha,
		   tb_err *e)
{
	double b[4];
	envelope(g, b);
	GEOSContextHandle_t h = tb_geos();
	bool failed;
	GEOSGeometry *zones = zones_near(db, b, &failed, e);
	if (failed) return TB_EDB;
	*zone_ha = zones ? inter_ha(g, zones) : 0;
	const GEOSPreparedGeometry *gp = GEOSPrepare_r(h, g);
	overlay_ctx o = {.d = d, .g = g, .gp = gp, .zones = zones, .parcels = parcels, .t = t};
	int rc = tb_registry_parcels_in_box(db, b, true, parcel_part, &o, e);
	GEOSPreparedGeom_destroy_r(h, gp);
	if (zones) GEOSGeom_destroy_r(h, zones);
	return rc < 0 ? TB_EDB : 0;
}

typedef struct town_ctx {
	const GEOSGeometry *g;
	totals *t;
} town_ctx;

static int town_part(void *ctx, tb_area_row *d)
{
	town_ctx *c = ctx;
	double ha = inter_ha(c->g, d->geom);
	if (ha > c->t->town_best) {
		c->t->town_best = ha;
		snprintf(c->t->town, sizeof c->t->town, "%s", d->code);
	}
	return 0;
}

/* The town the area mostly lies in when it touches no parcel. */
static void town_of_area(tb_db *db, const GEOSGeometry *g, totals *t)
{
	double b[4];
	envelope(g, b);
	town_ctx c = {.g = g, .t = t};
	tb_registry_divisions(db, "town", b, town_part, &c, NULL);
}

static int by_strictness(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int vx = tb_verdict_parse(json_string_value(json_object_get(x, "verdict")));
	int vy = tb_verdict_parse(json_string_value(json_object_get(y, "verdict")));
	if (vx != vy) return vy - vx;
	return strcmp(json_string_value(json_object_get(x, "rule")), json_string_value(json_object_get(y, "rule")));
}

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reasons sorted strictest first, their areas rounded; clauses (every
 * reason's) unique and sorted. */
static void finish_reasons(json_t *map, json_t **reasons, json_t **clauses)
{
	size_t n = json_object_size(map), k = 0;
	json_t **arr = calloc(n ? n : 1, sizeof *arr);
	size_t cap = n * TB_B_COUNT + 1;
	const char **cl = calloc(cap, sizeof *cl);
	const char *key;
	json_t *v;
	json_object_foreach(map, key, v) arr[k++] = v;
	qsort(arr, n, sizeof *arr, by_strictness);
	*reasons = json_array();
	*clauses = json_array();
	size_t nc = 0;
	for (size_t i = 0; i < n; i++) {
		json_object_set_new(arr[i], "area_ha", json_real(r4(json_number_value(json_object_get(arr[i], "area_ha")))));
		json_array_append(*reasons, arr[i]);
		size_t ci;
		json_t *cj;
		json_array_foreach(json_object_get(arr[i], "clauses"), ci, cj) {
			const char *c = json_string_value(cj);
			bool seen = false;
			for (size_t j = 0; c && j < nc; j++) seen |= !strcmp(cl[j], c);
			if (c && !seen && nc < cap) cl[nc++] = c;
		}
	}
	qsort(cl, nc, sizeof *cl, by_string);
	for (size_t i = 0; i < nc; i++) json_array_append_new(*clauses, json_string(cl[i]));
	free(cl);
	free(arr);
}

/* Activity and purpose as codes (labels accepted). */
static int normalise_query(tb_db *db, const tb_use_query *in, tb_use_query *out, tb_err *e)
{
	*out = *in;
	if (!in->activity || !*in->activity)
		return tb_err_set(e, TB_EINPUT, NULL, "activity", "the activity is missing");
	const tb_code_entry *a = tb_codes_find(db, "use_activity", in->activity);
	if (!a)
		return tb_err_set(e, TB_EINPUT, NULL, "activity",
				  "unknown activity '%s' (one of commercial_logging, tending, sanitation_felling, "
				  "occupation, clearing_for_farming, conversion_to_plantation, ecotourism, "
				  "fire_prevention, pest_control, restoration, grazing, mining, other_production)",
				  in->activity);
	out->activity = a->code;
	if (in->purpose && *in->purpose) {
		const tb_code_entry *p = tb_codes_find(db, "use_purpose", in->purpose);
		if (!p)
			return tb_err_set(e, TB_EINPUT, NULL, "purpose",
					  "unknown purpose '%s' (national_defence, national_major_project or other)",
					  in->purpose);
		out->purpose = p->code;
	} else
		out->purpose = NULL;
	return 0;
}

json_t *tb_control_check(tb_db *db, const tb_use_query *qin, const GEOSGeometry *g, tb_err *e)
{
	tb_use_query q;
	if (normalise_query(db, qin, &q, e)) return NULL;
	tb_use_rules_set rules;
	if (tb_use_rules_load(db, &rules, e)) return NULL;
	decider d = {.db = db, .rules = &rules, .q = &q, .reasons = json_object()};
	json_t *parcels = json_array();
	totals t = {0};
	double zone_ha = 0, total = tb_area_ha(g);
	int rc = overlay(db, &d, g, parcels, &t, &zone_ha, e);
	/* the land outside every parcel (not forest land), inside and outside the zones */
	double nonforest = total - t.forest, nf_kz = zone_ha - t.overlap_kz_forest;
	if (nf_kz < 1e-7) nf_kz = 0;
	if (nf_kz > nonforest) nf_kz = nonforest;
	json_t *nf_parts = json_array();
	if (!rc && nonforest > 1e-6) {
		if (nf_kz > 1e-6) json_array_append_new(nf_parts, part_json(decide(&d, false, false, true, NULL, NULL, nf_kz), true, nf_kz));
		if (nonforest - nf_kz > 1e-6)
			json_array_append_new(nf_parts, part_json(decide(&d, false, false, false, NULL, NULL, nonforest - nf_kz),
								  false, nonforest - nf_kz));
	}
	if (!rc && !t.town[0]) town_of_area(db, g, &t);
	json_t *out = NULL;
	if (!rc) {
		json_t *reasons, *clauses;
		finish_reasons(d.reasons, &reasons, &clauses);
		if (d.worst == TB_V_NONE) { /* no rule row covers it: the bureau decides */
			d.worst = TB_V_NEEDS_APPROVAL;
			json_array_append_new(reasons, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:f}", "verdict", "needs_approval",
								 "clause", "3.2.2", "rule", "-", "message_zh",
								 "没有适用的规则，由区林业局审查决定。", "message_en",
								 "No rule covers this case; the district forestry bureau decides.",
								 "authority", "区林业局", "area_ha", r4(total)));
			json_array_append_new(clauses, json_string("3.2.2"));
		}
		out = json_pack("{s:s,s:s?,s:b,s:s,s:o,s:o,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:s?,s:o,s:{s:f,s:f,s:o}}",
				"activity", q.activity, "purpose", q.purpose, "design_approved", q.design_approved,
				"verdict", tb_verdict_name(d.worst), "clauses", clauses, "reasons", reasons,
				"natural_forest_ha", r4(t.natural), "key_zone_ha", r4(t.natural_kz),
				"outside_key_zone_ha", r4(t.natural - t.natural_kz), "forest_ha", r4(t.forest),
				"non_forest_ha", r4(nonforest > 0 ? nonforest : 0), "total_ha", r4(total),
				"key_zone_total_ha", r4(zone_ha), "town_code", t.town[0] ? t.town : NULL, "parcels",
				parcels, "non_forest", "area_ha", r4(nonforest > 0 ? nonforest : 0), "in_key_zone_ha",
				r4(nf_kz), "parts", nf_parts);
		parcels = nf_parts = NULL;
	}
	json_decref(parcels);
	json_decref(nf_parts);
	json_decref(d.reasons);
	tb_use_rules_free(&rules);
	return out;
}
