/* pest.c — pest monitoring and warnings (§3.1.3): the trap and survey
 * records, the species configuration of data/jizhou/pests.json, degree-day
 * accumulation from the stations' weather, survey grading against the
 * occurrence grades and the disaster threshold, and the warnings that
 * follow (sent with tb_notify_towns to the towns and their rangers).  The
 * stations and their weather come from station.h; fire danger is not read
 * here (fire.c calls this file after a weather import, not the reverse). */
#include "monitor/pest.h"

#include "base/json.h"
#include "base/list.h"
#include "base/tbtime.h"
#include "monitor/notify.h"
#include "monitor/station.h"
#include "registry/registry.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* ---- configuration ------------------------------------------------------------ */

static void load_species(const json_t *j, tb_pest_species *s)
{
	copy(s->code, sizeof s->code, tb_json_str(j, "code"));
	copy(s->name_zh, sizeof s->name_zh, tb_json_str(j, "name_zh"));
	copy(s->name_en, sizeof s->name_en, tb_json_str(j, "name_en"));
	copy(s->latin, sizeof s->latin, tb_json_str(j, "latin"));
	s->base_temp = tb_json_num(j, "base_temp", 10);
	const char *bf = tb_json_str(j, "biofix");
	s->biofix_month = 1, s->biofix_day = 1;
	if (bf &&
	    (sscanf(bf, "%2d-%2d", &s->biofix_month, &s->biofix_day) != 2 || s->biofix_month < 1 ||
	     s->biofix_month > 12 || s->biofix_day < 1 || s->biofix_day > 31))
		s->biofix_month = 1, s->biofix_day = 1;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(j, "stages"), i, x)
	{
		if (s->nstages == TB_PEST_MAX_STAGES) break;
		tb_pest_stage *t = &s->stages[s->nstages++];
		copy(t->code, sizeof t->code, tb_json_str(x, "code"));
		copy(t->name_zh, sizeof t->name_zh, tb_json_str(x, "name_zh"));
		copy(t->name_en, sizeof t->name_en, tb_json_str(x, "name_en"));
		t->dd = tb_json_num(x, "dd", 0);
		t->warn = json_is_true(json_object_get(x, "warn"));
	}
	json_array_foreach(json_object_get(j, "grades"), i, x)
	{
		if (s->ngrades == TB_PEST_MAX_GRADES) break;
		tb_pest_grade *g = &s->grades[s->ngrades++];
		copy(g->code, sizeof g->code, tb_json_str(x, "code"));
		copy(g->name_zh, sizeof g->name_zh, tb_json_str(x, "name_zh"));
		copy(g->name_en, sizeof g->name_en, tb_json_str(x, "name_en"));
		g->min_infested_pct = tb_json_num(x, "min_infested_pct", 0);
		g->level = (int)tb_json_num(x, "level", 1);
	}
	json_t *d = json_object_get(j, "disaster");
	s->disaster_leaf_loss_pct = tb_json_num(d, "leaf_loss_pct", 20);
	s->disaster_infested_pct = tb_json_num(d, "infested_pct", 2);
	s->disaster_level = (int)tb_json_num(d, "level", 5);
	s->warn_level = (int)tb_json_num(j, "warn_level", 3);
	s->trap_warn_count = tb_json_num(j, "trap_warn_count", 0);
}

int tb_pest_config_load(tb_pest_config *c, tb_err *e)
{
	memset(c, 0, sizeof *c);
	json_t *doc = tb_monitor_config_doc("pests", e);
	if (!doc) return e ? e->code : TB_EINPUT;
	size_t i;
	json_t *j;
	int rc = 0;
	json_array_foreach(json_object_get(doc, "species"), i, j)
	{
		if (c->nspecies == TB_PEST_MAX_SPECIES) break;
		tb_pest_species *s = &c->species[c->nspecies++];
		load_species(j, s);
		for (int k = 1; !rc && k < s->nstages; k++)
			if (s->stages[k].dd <= s->stages[k - 1].dd)
				rc = tb_err_set(e, TB_EINPUT, "pests.json", "stages",
				                "%s: stage %s must need more degree days than %s",
				                s->code, s->stages[k].code, s->stages[k - 1].code);
		for (int k = 1; !rc && k < s->ngrades; k++)
			if (s->grades[k].min_infested_pct <= s->grades[k - 1].min_infested_pct)
				rc =
				    tb_err_set(e, TB_EINPUT, "pests.json", "grades",
				               "%s: grades must rise in min_infested_pct", s->code);
	}
	json_decref(doc);
	return rc;
}

const tb_pest_species *tb_pest_species_find(const tb_pest_config *c, const char *code)
{
	for (int i = 0; code && i < c->nspecies; i++)
		if (!strcmp(c->species[i].code, code)) return &c->species[i];
	return NULL;
}

/* ---- degree days and grades ----------------------------------------------------- */

double tb_pest_dd_day(double base, double temp, double tmax, double tmin)
{
	double mean = isnan(tmax) || isnan(tmin) ? temp : (tmax + tmin) / 2;
	return mean > base ? mean - base : 0;
}

int tb_pest_stage_of(const tb_pest_species *s, double dd)
{
	int k = -1;
	for (int i = 0; i < s->nstages; i++)
		if (dd >= s->stages[i].dd) k = i;
	return k;
}

void tb_pest_grade_survey(const tb_pest_species *s, double surveyed, double infested,
                          double leaf_loss_pct, tb_pest_grading *out)
{
	out->infested_pct = surveyed > 0 ? 100 * infested / surveyed : 0;
	out->grade = NULL;
	for (int i = 0; i < s->ngrades; i++)
		if (out->infested_pct >= s->grades[i].min_infested_pct) out->grade = &s->grades[i];
	out->level = out->grade ? out->grade->level : 1;
	out->disaster = out->infested_pct >= s->disaster_infested_pct &&
	                leaf_loss_pct >= s->disaster_leaf_loss_pct;
	if (out->disaster && s->disaster_level > out->level) out->level = s->disaster_level;
}

/* ---- records -------------------------------------------------------------------- */

/* The town of a parcel (小班 xiang), or an error naming the field. */
static int parcel_town(tb_db *db, tb_record *rec, char town[64], tb_err *e)
{
	const char *parcel = json_string_value(json_object_get(rec->props, "parcel_code"));
	*town = '\0';
	if (!parcel) return 0;
	tb_parcel_info p;
	int rc = tb_registry_parcel(db, parcel, &p, e);
	if (!rc)
		copy(town, 64, p.town);
	else if (rc == TB_ENOTFOUND)
		rc = tb_err_set(e, TB_EINPUT, rec->name, "parcel_code", "no parcel (小班) '%s'",
		                parcel);
	return rc;
}

/* The town: the parcel's when a parcel is named (a different town given
 * is refused), else the one given. */
static int settle_town(tb_db *db, tb_record *rec, tb_err *e)
{
	char town[64];
	int rc = parcel_town(db, rec, town, e);
	if (rc) return rc;
	const char *given = json_string_value(json_object_get(rec->props, "town_code"));
	if (*town && given && strcmp(given, town))
		return tb_err_set(
		    e, TB_EINPUT, rec->name, "town_code", "parcel %s lies in town %s, not %s",
		    json_string_value(json_object_get(rec->props, "parcel_code")), town, given);
	if (*town)
		json_object_set_new(rec->props, "town_code", json_string(town));
	else if (!given)
		return tb_err_set(e, TB_EINPUT, rec->name, "town_code",
		                  "name the town or a parcel (小班) the record concerns");
	return 0;
}

static const tb_pest_species *species_of(tb_pest_config *c, tb_record *rec, tb_err *e)
{
	const char *code = json_string_value(json_object_get(rec->props, "species"));
	if (tb_pest_config_load(c, e)) return NULL;
	const tb_pest_species *s = tb_pest_species_find(c, code);
	if (!s)
		tb_err_set(e, TB_EINPUT, rec->name, "species", "no species '%s' in pests.json",
		           code ? code : "");
	return s;
}

static int trap_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)r, (void)ctx;
	tb_pest_config c;
	if (!species_of(&c, rec, e)) return e->code;
	return settle_town(db, rec, e);
}

static int survey_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx,
                               tb_err *e)
{
	(void)r, (void)ctx;
	tb_pest_config c;
	const tb_pest_species *s = species_of(&c, rec, e);
	if (!s) return e->code;
	int rc = settle_town(db, rec, e);
	if (rc) return rc;
	double n = tb_json_num(rec->props, "trees_surveyed", 0),
	       k = tb_json_num(rec->props, "trees_infested", 0);
	if (k > n)
		return tb_err_set(e, TB_EINPUT, rec->name, "trees_infested",
		                  "%g infested trees of %g surveyed", k, n);
	tb_pest_grading g;
	tb_pest_grade_survey(s, n, k, tb_json_num(rec->props, "leaf_loss_pct", 0), &g);
	json_object_set_new(rec->props, "infested_rate_pct",
	                    json_real(round(g.infested_pct * 100) / 100));
	json_object_set_new(rec->props, "grade",
	                    g.grade ? json_string(g.grade->code) : json_null());
	json_object_set_new(rec->props, "disaster", json_boolean(g.disaster));
	json_object_set_new(rec->props, "level", json_integer(g.level));
	return 0;
}

static const tb_field trap_fields[] = {
    {"site", TB_F_TEXT, TB_INDEXED, "监测点", "Site or station", .max_len = 64},
    {"parcel_code", TB_F_TEXT, TB_INDEXED, "小班", "Parcel", .max_len = 40},
    {"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
    {"date", TB_F_DATE, TB_REQUIRED | TB_INDEXED, "日期", "Date"},
    {"species", TB_F_CODE, TB_REQUIRED, "有害生物", "Species", .codes = "pest_species"},
    {"count", TB_F_INT, TB_REQUIRED | TB_RANGE, "诱捕数量", "Count", .min = 0, .max = 1000000,
     .unit = "头"},
    {"trap_type", TB_F_TEXT, 0, "诱捕器", "Trap type", .max_len = 64},
    {"note", TB_F_TEXT, 0, "说明", "Note", .max_len = 2000},
};
const tb_resource tb_pest_traps = {
    .name = "pest_traps",
    .label_zh = "诱捕监测",
    .label_en = "Pest traps",
    .clause = "3.1.3",
    .fields = trap_fields,
    .nfields = N(trap_fields),
    .geom = TB_GEOM_POINT,
    .scope = "town_code",
    .parcel_key = "parcel_code",
    .before_write = trap_before_write,
};

static const tb_field survey_fields[] = {
    {"parcel_code", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "小班", "Parcel", .max_len = 40},
    {"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
    {"date", TB_F_DATE, TB_REQUIRED | TB_INDEXED, "调查日期", "Date"},
    {"species", TB_F_CODE, TB_REQUIRED, "有害生物", "Species", .codes = "pest_species"},
    {"trees_surveyed", TB_F_INT, TB_REQUIRED | TB_RANGE, "调查株数", "Trees surveyed", .min = 1,
     .max = 1000000},
    {"trees_infested", TB_F_INT, TB_REQUIRED | TB_RANGE, "有虫株数", "Trees infested", .min = 0,
     .max = 1000000},
    {"leaf_loss_pct", TB_F_REAL, TB_REQUIRED | TB_RANGE, "失叶率", "Leaf loss", .min = 0,
     .max = 100, .unit = "%"},
    {"infested_rate_pct", TB_F_REAL, TB_COMPUTED, "有虫株率", "Infested-tree rate", .unit = "%"},
    {"grade", TB_F_CODE, TB_COMPUTED, "发生程度", "Occurrence grade", .codes = "pest_grade"},
    {"disaster", TB_F_BOOL, TB_COMPUTED, "成灾", "Disaster"},
    {"level", TB_F_INT, TB_COMPUTED, "预警等级", "Warning level"},
    {"surveyor", TB_F_TEXT, 0, "调查人", "Surveyor", .max_len = 64},
    {"note", TB_F_TEXT, 0, "说明", "Note", .max_len = 2000},
};
const tb_resource tb_pest_surveys = {
    .name = "pest_surveys",
    .label_zh = "虫情调查",
    .label_en = "Pest surveys",
    .clause = "3.1.3",
    .fields = survey_fields,
    .nfields = N(survey_fields),
    .geom = TB_GEOM_POINT,
    .scope = "town_code",
    .parcel_key = "parcel_code",
    .before_write = survey_before_write,
};

/* ---- status and warnings ------------------------------------------------------------ */

static json_t *stage_json(const tb_pest_stage *t)
{
	return json_pack("{s:s,s:s,s:s,s:f}", "code", t->code, "name_zh", t->name_zh, "name_en",
	                 t->name_en, "dd", t->dd);
}

static void add_warning(json_t *warnings, const char *kind, int level, const char *ref,
                        const char *towns, const char *date, const char *zh, const char *en)
{
	json_array_append_new(warnings, json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s}", "kind", kind,
	                                          "level", level, "ref", ref, "towns", towns,
	                                          "date", date, "text_zh", zh, "text_en", en));
}

/* The degree-day sum of one species over a station's stored days. */
typedef struct dd_sum {
	const tb_pest_species *s;
	double dd;
	int64_t days;
} dd_sum;

static int add_day(void *ctx, const tb_weather_day *d)
{
	dd_sum *k = ctx;
	k->dd += tb_pest_dd_day(k->s->base_temp, d->temp, d->tmax, d->tmin);
	k->days++;
	return 0;
}

/* Degree days of one species at one station from the biofix to `date`. */
static int station_species(tb_db *db, const tb_station *st, const char *towns,
                           const tb_pest_species *s, const char *date, json_t *out,
                           json_t *warnings, tb_err *e)
{
	int64_t day;
	tb_monitor_date(date, &day, NULL);
	char biofix[11];
	snprintf(biofix, sizeof biofix, "%.4s-%02d-%02d", date, s->biofix_month, s->biofix_day);
	int64_t b0;
	if (!tb_monitor_date(biofix, &b0, NULL)) b0 = day + 1;
	dd_sum sum = {.s = s};
	int rc = tb_station_weather(db, st->code, biofix, date, add_day, &sum, e);
	if (rc) return rc;
	double dd = sum.dd;
	int64_t days = sum.days;
	int64_t span = day >= b0 ? day - b0 + 1 : 0;
	int k = tb_pest_stage_of(s, dd);
	json_t *o = json_pack("{s:s,s:s,s:s,s:f,s:s,s:f,s:I,s:I}", "species", s->code, "name_zh",
	                      s->name_zh, "name_en", s->name_en, "base_temp", s->base_temp,
	                      "biofix", biofix, "degree_days", round(dd * 10) / 10, "days",
	                      (json_int_t)days, "missing_days", (json_int_t)(span - days));
	json_object_set_new(o, "stage", k >= 0 ? stage_json(&s->stages[k]) : json_null());
	if (k + 1 < s->nstages) {
		json_t *next = stage_json(&s->stages[k + 1]);
		json_object_set_new(next, "remaining_dd",
		                    json_real(round((s->stages[k + 1].dd - dd) * 10) / 10));
		json_object_set_new(o, "next", next);
	} else
		json_object_set_new(o, "next", json_null());
	json_array_append_new(out, o);
	if (k >= 0 && s->stages[k].warn) {
		char ref[160], zh[512], en[512];
		snprintf(ref, sizeof ref, "pest/%s/%s/%.4s/%s", s->code, s->stages[k].code, date,
		         st->code);
		snprintf(zh, sizeof zh,
		         "有害生物预警：%s有效积温已达%.0f℃·日（起点温度%.1f℃），%s进入“%"
		         "s”，请及时开展监测和防治。",
		         st->name, dd, s->base_temp, s->name_zh, s->stages[k].name_zh);
		snprintf(en, sizeof en,
		         "Pest warning: degree days at %s reached %.0f (base %.1f °C); %s: %s. "
		         "Monitor and control now.",
		         st->name_en[0] ? st->name_en : st->code, dd, s->base_temp, s->name_en,
		         s->stages[k].name_en);
		add_warning(warnings, "stage", 3, ref, towns, date, zh, en);
	}
	return 0;
}

static int surveys(tb_db *db, const tb_pest_config *c, const char *towns, const char *scope,
                   const char *date, json_t *out, json_t *warnings, tb_err *e)
{
	tb_stmt *q;
	int rc = tb_db_prepare(
	    db,
	    "SELECT fid, parcel_code, town_code, date, species, trees_surveyed, trees_infested,"
	    " leaf_loss_pct FROM pest_surveys WHERE date>=substr(?1,1,4)||'-01-01' AND date<=?1 "
	    "ORDER BY date, fid",
	    &q, e);
	if (rc) return rc;
	tb_bind_text(q, 1, date);
	while (tb_stmt_step(q) == TB_ROW) {
		const char *town = tb_col_text(q, 2);
		const tb_pest_species *s =
		    tb_pest_species_find(c, tb_col_text(q, 4));
		if (!s || (towns && !tb_list_has(towns, town)) || (scope && !tb_list_has(scope, town))) continue;
		tb_pest_grading g;
		double leaf = tb_col_double(q, 7);
		tb_pest_grade_survey(s, tb_col_double(q, 5), tb_col_double(q, 6),
		                     leaf, &g);
		const char *parcel = tb_col_text(q, 1),
		           *day = tb_col_text(q, 3);
		json_array_append_new(
		    out, json_pack("{s:I,s:s,s:s?,s:s,s:s,s:f,s:f,s:s?,s:s?,s:b,s:i}", "fid",
		                   (json_int_t)tb_col_int64(q, 0), "parcel_code", parcel,
		                   "town_code", town, "date", day, "species", s->code,
		                   "infested_rate_pct", round(g.infested_pct * 100) / 100,
		                   "leaf_loss_pct", leaf, "grade", g.grade ? g.grade->code : NULL,
		                   "grade_zh", g.grade ? g.grade->name_zh : NULL, "disaster",
		                   g.disaster, "level", g.level));
		if (g.level < s->warn_level || !town) continue;
		char ref[96], zh[512], en[512];
		snprintf(ref, sizeof ref, "pest_survey/%lld",
		         (long long)tb_col_int64(q, 0));
		snprintf(
		    zh, sizeof zh,
		    "有害生物预警：小班%s %s调查%s有虫株率%.1f%%、失叶率%.0f%%，发生程度%s%s。",
		    parcel, day, s->name_zh, g.infested_pct, leaf, g.grade ? g.grade->name_zh : "",
		    g.disaster ? "，已达成灾标准" : "");
		snprintf(en, sizeof en,
		         "Pest warning: parcel %s surveyed %s: %s infested-tree rate %.1f %%, leaf "
		         "loss %.0f %%, %s%s.",
		         parcel, day, s->name_en, g.infested_pct, leaf,
		         g.grade ? g.grade->name_en : "",
		         g.disaster ? " — disaster threshold met" : "");
		add_warning(warnings, g.disaster ? "disaster" : "survey", g.level, ref, town, day,
		            zh, en);
	}
	tb_stmt_finalize(q);
	return 0;
}

static int traps(tb_db *db, const tb_pest_config *c, const char *towns, const char *scope,
                 const char *date, json_t *out, json_t *warnings, tb_err *e)
{
	tb_stmt *q;
	int rc = tb_db_prepare(
	    db,
	    "SELECT fid, site, parcel_code, town_code, date, species, count FROM pest_traps"
	    " WHERE date>=substr(?1,1,4)||'-01-01' AND date<=?1 ORDER BY date, fid",
	    &q, e);
	if (rc) return rc;
	tb_bind_text(q, 1, date);
	while (tb_stmt_step(q) == TB_ROW) {
		const char *town = tb_col_text(q, 3),
		           *day = tb_col_text(q, 4);
		const char *site = tb_col_text(q, 1),
		           *parcel = tb_col_text(q, 2);
		const tb_pest_species *s =
		    tb_pest_species_find(c, tb_col_text(q, 5));
		if (!s || (towns && !tb_list_has(towns, town)) || (scope && !tb_list_has(scope, town))) continue;
		int64_t n = tb_col_int64(q, 6);
		json_array_append_new(out, json_pack("{s:I,s:s?,s:s?,s:s?,s:s,s:s,s:I}", "fid",
		                                     (json_int_t)tb_col_int64(q, 0), "site",
		                                     site, "parcel_code", parcel, "town_code", town,
		                                     "date", day, "species", s->code, "count",
		                                     (json_int_t)n));
		if (s->trap_warn_count <= 0 || n < s->trap_warn_count || !town) continue;
		char ref[96], zh[512], en[512];
		snprintf(ref, sizeof ref, "pest_trap/%lld", (long long)tb_col_int64(q, 0));
		snprintf(zh, sizeof zh, "有害生物预警：%s %s诱捕%s %lld头，达到预警值%.0f头。",
		         site     ? site
		         : parcel ? parcel
		                  : town,
		         day, s->name_zh, (long long)n, s->trap_warn_count);
		snprintf(en, sizeof en,
		         "Pest warning: trap %s caught %lld %s on %s (warning at %.0f).",
		         site     ? site
		         : parcel ? parcel
		                  : town,
		         (long long)n, s->name_en, day, s->trap_warn_count);
		add_warning(warnings, "trap", s->warn_level, ref, town, day, zh, en);
	}
	tb_stmt_finalize(q);
	return 0;
}

json_t *tb_pest_status(tb_db *db, const char *station, const char *date, const char *scope,
                       tb_err *e)
{
	char today[32];
	if (!(date = tb_monitor_date_or_today(date, today, e))) return NULL;
	tb_stations fc;
	tb_pest_config pc;
	if (tb_stations_load(&fc, e) || tb_pest_config_load(&pc, e)) return NULL;
	const tb_station *only = station ? tb_station_find(&fc, station) : NULL;
	if (station && !only) {
		tb_err_set(e, TB_EINPUT, NULL, "station", "no weather station '%s' in fire.json",
		           station);
		return NULL;
	}
	json_t *out = json_pack("{s:s,s:[],s:[],s:[],s:[]}", "date", date, "stations", "surveys",
	                        "traps", "warnings");
	json_t *warnings = json_object_get(out, "warnings");
	int rc = 0;
	for (int i = 0; !rc && i < fc.n; i++) {
		const tb_station *st = &fc.at[i];
		char mine[sizeof st->towns];
		if ((only && only != st) || !tb_monitor_towns_within(st->towns, scope, mine, sizeof mine))
			continue;
		json_t *sp = json_array();
		json_array_append_new(json_object_get(out, "stations"),
		                      json_pack("{s:s,s:s,s:s,s:o}", "station", st->code, "name",
		                                st->name, "towns", mine, "species", sp));
		for (int k = 0; !rc && k < pc.nspecies; k++)
			rc = station_species(db, st, mine, &pc.species[k], date, sp, warnings, e);
	}
	const char *towns = only ? only->towns : NULL;
	if (!rc)
		rc = surveys(db, &pc, towns, scope, date, json_object_get(out, "surveys"), warnings, e);
	if (!rc) rc = traps(db, &pc, towns, scope, date, json_object_get(out, "traps"), warnings, e);
	if (rc) {
		json_decref(out);
		return NULL;
	}
	return out;
}

/* Send the status's warnings of one kind or one ref (NULL: any). */
static json_t *notify_kind(tb_db *db, const tb_actor *who, const json_t *status,
                           const char *only_kind, const char *only_ref)
{
	int due = 0, sent = 0, suppressed = 0, failed = 0;
	char err[256] = "";
	size_t i;
	json_t *w;
	json_array_foreach(json_object_get(status, "warnings"), i, w)
	{
		if (only_kind && strcmp(only_kind, tb_json_str(w, "kind"))) continue;
		if (only_ref && strcmp(only_ref, tb_json_str(w, "ref"))) continue;
		due++;
		tb_notify_towns(db, who, tb_json_str(w, "towns"), "pest",
		                (int)tb_json_num(w, "level", 3), tb_json_str(w, "text_zh"),
		                tb_json_str(w, "text_en"), tb_json_str(w, "ref"),
		                tb_json_str(w, "date"), &sent, &suppressed, &failed, err,
		                sizeof err);
	}
	if (!due) return NULL;
	return json_pack("{s:i,s:i,s:i,s:i,s:s?}", "due", due, "sent", sent, "suppressed",
	                 suppressed, "failed", failed, "error", *err ? err : NULL);
}

json_t *tb_pest_notify(tb_db *db, const tb_actor *who, const json_t *status)
{
	json_t *t = notify_kind(db, who, status, NULL, NULL);
	return t ? t
	         : json_pack("{s:i,s:i,s:i,s:i}", "due", 0, "sent", 0, "suppressed", 0, "failed",
	                     0);
}

json_t *tb_pest_warn_station(tb_db *db, const tb_actor *who, const char *station, const char *date)
{
	tb_err e = {0};
	json_t *status = tb_pest_status(db, station, date, NULL, &e);
	if (!status) return NULL;
	json_t *t = notify_kind(db, who, status, "stage", NULL);
	json_decref(status);
	return t;
}

json_t *tb_pest_record_warn(tb_db *db, const tb_actor *who, const char *resource, int64_t fid,
                            const char *date)
{
	char ref[64];
	snprintf(ref, sizeof ref, "%s/%lld",
	         resource && !strcmp(resource, "pest_traps") ? "pest_trap" : "pest_survey",
	         (long long)fid);
	tb_err e = {0};
	json_t *status = tb_pest_status(db, NULL, date, NULL, &e);
	if (!status) return NULL;
	json_t *t = notify_kind(db, who, status, NULL, ref);
	json_decref(status);
	return t;
}
