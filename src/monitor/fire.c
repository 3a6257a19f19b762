/* fire.c — weather and fire danger (§3.1.3): the weather and fire_danger
 * records, the configuration of data/jizhou/fire.json, the weather import
 * that recomputes each station's FWI day by day (continuing from the
 * previous day's codes; start-up values after a gap), and the warnings to
 * towns and rangers at the warning level and above.  The stations and the
 * weather record are station.c's; the pest records (pest.c) join this
 * part's resource list and migration step, and a weather import ends with
 * the pest warnings of its station (fire.c → pest.c, never back). */
#include "monitor/fire.h"

#include "base/csv.h"
#include "base/json.h"
#include "base/tbtime.h"
#include "db/event.h"
#include "monitor/monitor.h"
#include "monitor/notify.h"
#include "monitor/pest.h"
#include "monitor/station.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_RECORDS 3700 /* ten years of days per request */

/* ---- configuration ------------------------------------------------------------ */

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static int load_levels(tb_db *db, const json_t *doc, tb_fire_config *c, tb_err *e)
{
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(doc, "levels"), i, l)
	{
		if (c->nlevels == TB_FIRE_MAX_LEVELS) break;
		tb_fire_level *x = &c->levels[c->nlevels++];
		x->level = (int)json_integer_value(json_object_get(l, "level"));
		x->min_fwi = json_number_value(json_object_get(l, "min_fwi"));
		copy(x->colour, sizeof x->colour, json_string_value(json_object_get(l, "colour")));
		copy(x->colour_zh, sizeof x->colour_zh,
		     json_string_value(json_object_get(l, "colour_zh")));
		copy(x->name_zh, sizeof x->name_zh,
		     json_string_value(json_object_get(l, "name_zh")));
		copy(x->name_en, sizeof x->name_en,
		     json_string_value(json_object_get(l, "name_en")));
		if (db) {
			char key[48];
			snprintf(key, sizeof key, "fire_level_%d_min", x->level);
			x->min_fwi = tb_setting_num(db, key, x->min_fwi);
		}
		if (x->level < 1 || (c->nlevels > 1 && x->min_fwi <= x[-1].min_fwi))
			return tb_err_set(
			    e, TB_EINPUT, "fire.json", "levels",
			    "level %zu: levels must be numbered from 1 with rising min_fwi", i + 1);
	}
	if (!c->nlevels) return tb_err_set(e, TB_EINPUT, "fire.json", "levels", "no danger levels");
	return 0;
}

int tb_fire_config_load(tb_db *db, tb_fire_config *c, tb_err *e)
{
	memset(c, 0, sizeof *c);
	json_t *doc = tb_monitor_config_doc("fire", e);
	if (!doc) return e ? e->code : TB_EINPUT;
	json_t *st = json_object_get(doc, "startup");
	c->startup.ffmc = tb_json_num(st, "ffmc", TB_FWI_FFMC0);
	c->startup.dmc = tb_json_num(st, "dmc", TB_FWI_DMC0);
	c->startup.dc = tb_json_num(st, "dc", TB_FWI_DC0);
	c->lat_adjust = !json_is_false(json_object_get(doc, "lat_adjust"));
	c->default_lat = tb_json_num(doc, "default_lat", 55);
	c->warn_level = (int)tb_json_num(doc, "warn_level", 3);
	c->warn_recent_days = (int)tb_json_num(doc, "warn_recent_days", 3);
	if (db) c->warn_level = (int)tb_setting_num(db, "fire_warn_level", c->warn_level);
	int rc = load_levels(db, doc, c, e);
	tb_stations_parse(doc, &c->stations);
	json_decref(doc);
	return rc;
}

int tb_fire_level_of(const tb_fire_config *c, double fwi)
{
	int level = c->nlevels ? c->levels[0].level : 1;
	for (int i = 0; i < c->nlevels; i++)
		if (fwi >= c->levels[i].min_fwi) level = c->levels[i].level;
	return level;
}

const tb_fire_level *tb_fire_level_info(const tb_fire_config *c, int level)
{
	for (int i = 0; i < c->nlevels; i++)
		if (c->levels[i].level == level) return &c->levels[i];
	return NULL;
}

const tb_fire_station *tb_fire_station_find(const tb_fire_config *c, const char *code)
{
	return tb_station_find(&c->stations, code);
}

/* ---- records -------------------------------------------------------------------- */

static const tb_field danger_fields[] = {
    {"station", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "气象站", "Station"},
    {"date", TB_F_DATE, TB_REQUIRED | TB_INDEXED, "日期", "Date"},
    {"ffmc", TB_F_REAL, TB_REQUIRED, "细小可燃物湿度码", "FFMC"},
    {"dmc", TB_F_REAL, TB_REQUIRED, "腐殖质湿度码", "DMC"},
    {"dc", TB_F_REAL, TB_REQUIRED, "干旱码", "DC"},
    {"isi", TB_F_REAL, TB_REQUIRED, "初始蔓延指数", "ISI"},
    {"bui", TB_F_REAL, TB_REQUIRED, "累积指数", "BUI"},
    {"fwi", TB_F_REAL, TB_REQUIRED, "火险天气指数", "FWI"},
    {"dsr", TB_F_REAL, TB_REQUIRED, "日严重度等级", "DSR"},
    {"level", TB_F_INT, TB_REQUIRED | TB_RANGE, "火险等级", "Danger level", .min = 1, .max = 9},
    {"startup", TB_F_BOOL, 0, "起算日", "Start-up day"},
};
const tb_resource tb_fire_danger = {
    .name = "fire_danger",
    .label_zh = "森林火险",
    .label_en = "Fire danger",
    .clause = "3.1.3",
    .fields = danger_fields,
    .nfields = N(danger_fields),
};

const tb_resource *const tb_fire_resources[] = {&tb_weather, &tb_fire_danger, &tb_pest_traps,
                                                &tb_pest_surveys, NULL};

int tb_monitor_fire_v1(tb_db *db, tb_err *e)
{
	for (int i = 0; tb_fire_resources[i]; i++) {
		int rc = tb_resource_create(db, tb_fire_resources[i], e);
		if (rc) return rc;
	}
	return tb_db_exec(
	    db,
	    "CREATE UNIQUE INDEX IF NOT EXISTS weather_station_day ON weather(station, date);"
	    "CREATE UNIQUE INDEX IF NOT EXISTS fire_danger_station_day ON fire_danger(station, "
	    "date);",
	    e);
}

/* ---- weather tables --------------------------------------------------------------- */

static bool parse_number(const char *s, double *v)
{
	char *end;
	if (!s || !*s) return false;
	*v = strtod(s, &end);
	while (*end == ' ')
		end++;
	return *end == '\0' && isfinite(*v);
}

static const char *const weather_cols[] = {"date", "temp", "rh", "wind", "rain", "tmax", "tmin"};

int tb_weather_csv_parse(const char *text, size_t len, const char *name, json_t **records,
                         tb_err *e)
{
	*records = NULL;
	tb_csv csv;
	tb_csv_init(&csv, text, len);
	int rc = tb_csv_read_header(&csv) == 1
	             ? 0
	             : tb_err_set(e, TB_EINPUT, name, NULL, "empty file or bad header");
	for (int k = 0; !rc && k < 5; k++)
		if (!tb_csv_get(&csv, weather_cols[k]))
			rc = tb_err_set(e, TB_EINPUT, name, weather_cols[k],
			                "column '%s' is missing (need date,temp,rh,wind,rain)",
			                weather_cols[k]);
	json_t *arr = json_array();
	int got;
	while (!rc && (got = tb_csv_next(&csv)) != 0) {
		char rec[160];
		snprintf(rec, sizeof rec, "%s line %d", name, csv.line);
		if (got < 0) {
			rc = tb_err_set(e, TB_EINPUT, rec, NULL, "malformed CSV row");
			break;
		}
		json_t *o = json_pack("{s:s}", "_record", rec);
		const char *date = tb_csv_get(&csv, "date");
		if (!tb_monitor_date(date, NULL, NULL))
			rc = tb_err_set(e, TB_EINPUT, rec, "date", "'%s' is not a date YYYY-MM-DD",
			                date ? date : "");
		else
			json_object_set_new(o, "date", json_string(date));
		for (int k = 1; !rc && k < N(weather_cols); k++) {
			const char *s = tb_csv_get(&csv, weather_cols[k]);
			double v;
			if ((!s || !*s) && k >= 5) continue; /* tmax, tmin optional */
			if (!parse_number(s, &v))
				rc = tb_err_set(e, TB_EINPUT, rec, weather_cols[k],
				                "'%s' is not a number", s ? s : "");
			else
				json_object_set_new(o, weather_cols[k], json_real(v));
		}
		json_array_append_new(arr, o);
	}
	tb_csv_free(&csv);
	if (rc)
		json_decref(arr);
	else
		*records = arr;
	return rc;
}

static int check_range(const json_t *o, const char *rec, const char *field, double lo, double hi,
                       tb_err *e)
{
	json_t *v = json_object_get(o, field);
	if (!v) return 0;
	double d = json_number_value(v);
	if (d < lo || d > hi)
		return tb_err_set(e, TB_EINPUT, rec, field, "value %g out of range [%g, %g]", d, lo,
		                  hi);
	return 0;
}

/* The ranges of the weather record, for tables computed without a database. */
static int check_weather(const json_t *o, const char *rec, tb_err *e)
{
	int rc = check_range(o, rec, "temp", -60, 60, e);
	if (!rc) rc = check_range(o, rec, "rh", 0, 100, e);
	if (!rc) rc = check_range(o, rec, "wind", 0, 200, e);
	if (!rc) rc = check_range(o, rec, "rain", 0, 1000, e);
	if (!rc) rc = check_range(o, rec, "tmax", -60, 60, e);
	if (!rc) rc = check_range(o, rec, "tmin", -60, 60, e);
	return rc;
}

static void set_indices(json_t *o, const tb_fwi_day *d, int level)
{
	json_object_set_new(o, "ffmc", json_real(tb_round4(d->ffmc)));
	json_object_set_new(o, "dmc", json_real(tb_round4(d->dmc)));
	json_object_set_new(o, "dc", json_real(tb_round4(d->dc)));
	json_object_set_new(o, "isi", json_real(tb_round4(d->isi)));
	json_object_set_new(o, "bui", json_real(tb_round4(d->bui)));
	json_object_set_new(o, "fwi", json_real(tb_round4(d->fwi)));
	json_object_set_new(o, "dsr", json_real(tb_round4(d->dsr)));
	json_object_set_new(o, "level", json_integer(level));
}

/* Yesterday's codes for `day`: those of the day before if it is `prev_day`,
 * else the start-up values (a gap restarts the codes). */
static void step(const tb_fire_config *c, tb_fwi_codes *yda, int64_t prev_day, int64_t day,
                 bool *startup)
{
	*startup = prev_day == INT64_MIN || day != prev_day + 1;
	if (*startup) *yda = c->startup;
}

int tb_fire_table(const tb_fire_config *cfg, const char *text, size_t len, const char *name,
                  double lat, json_t **rows, tb_err *e)
{
	tb_fire_config own;
	*rows = NULL;
	if (!cfg) {
		if (tb_fire_config_load(NULL, &own, e)) return e->code;
		cfg = &own;
	}
	if (!(lat >= -90 && lat <= 90))
		return tb_err_set(e, TB_EUSAGE, NULL, "lat", "latitude %g outside [-90, 90]", lat);
	json_t *arr;
	int rc = tb_weather_csv_parse(text, len, name, &arr, e);
	if (rc) return rc;
	tb_fwi_codes yda = cfg->startup;
	int64_t prev = INT64_MIN;
	size_t i;
	json_t *o;
	json_array_foreach(arr, i, o)
	{
		const char *rec = json_string_value(json_object_get(o, "_record"));
		int64_t day;
		int mon;
		tb_monitor_date(json_string_value(json_object_get(o, "date")), &day, &mon);
		if ((rc = check_weather(o, rec, e))) break;
		if (prev != INT64_MIN && day <= prev) {
			rc = tb_err_set(e, TB_EINPUT, rec, "date",
			                "%s is not after the previous row's date",
			                json_string_value(json_object_get(o, "date")));
			break;
		}
		bool startup;
		step(cfg, &yda, prev, day, &startup);
		tb_fwi_weather w = {tb_json_num(o, "temp", 0),
		                    tb_json_num(o, "rh", 0),
		                    tb_json_num(o, "wind", 0),
		                    tb_json_num(o, "rain", 0),
		                    mon,
		                    lat};
		tb_fwi_day d;
		tb_fwi_compute(&yda, &w, cfg->lat_adjust, &d);
		yda = (tb_fwi_codes){d.ffmc, d.dmc, d.dc};
		prev = day;
		json_object_del(o, "_record");
		set_indices(o, &d, tb_fire_level_of(cfg, d.fwi));
	}
	if (rc)
		json_decref(arr);
	else
		*rows = arr;
	return rc;
}

/* ---- import, danger, warnings ------------------------------------------------------ */

/* The fid of the row of `table` for station and date, 0 if none, <0 on error. */
static int64_t day_fid(tb_db *db, const char *table, const char *station, const char *date,
                       tb_err *e)
{
	/* tb_db_stmt caches by the text's address: one literal per table */
	tb_stmt *st = tb_db_stmt(
	    db,
	    !strcmp(table, "weather") ? "SELECT fid FROM weather WHERE station=?1 AND date=?2"
	                              : "SELECT fid FROM fire_danger WHERE station=?1 AND date=?2",
	    e);
	if (!st) return TB_EDB;
	tb_bind_text_copy(st, 1, station);
	tb_bind_text_copy(st, 2, date);
	int64_t fid = tb_stmt_step(st) == TB_ROW ? tb_col_int64(st, 0) : 0;
	tb_stmt_reset(st);
	return fid;
}

/* Insert the record, or replace the day's existing one (*replaced = true). */
static int upsert(tb_db *db, tb_writer *w, const tb_resource *r, tb_record *rec, void *ctx,
                  bool *replaced, tb_errlist *errs, tb_err *e)
{
	const json_t *p = rec->props;
	int64_t fid = day_fid(db, r->name, json_string_value(json_object_get(p, "station")),
	                      json_string_value(json_object_get(p, "date")), e);
	if (fid < 0) return (int)fid;
	*replaced = fid > 0;
	if (!fid) return tb_writer_insert(w, rec, errs, e);
	rec->fid = fid;
	int rc = tb_record_update(db, r, rec, 0, ctx, e);
	if (rc && errs) tb_errlist_add(errs, e);
	return rc;
}

/* The walk of recompute: yesterday's codes and day, where the days go. */
typedef struct danger_walk {
	tb_db *db;
	const tb_fire_config *c;
	const tb_fire_station *s;
	tb_writer *w;
	tb_fwi_codes yda;
	int64_t prev;
	json_t *out;
	tb_err *e;
} danger_walk;

/* One day's weather → its indices and level, stored and appended to out. */
static int danger_day(void *ctx, const tb_weather_day *wd)
{
	danger_walk *k = ctx;
	int64_t day;
	int mon;
	tb_monitor_date(wd->date, &day, &mon);
	bool startup;
	step(k->c, &k->yda, k->prev, day, &startup);
	tb_fwi_weather wx = {wd->temp, wd->rh, wd->wind, wd->rain, mon, k->s->lat};
	tb_fwi_day d;
	tb_fwi_compute(&k->yda, &wx, k->c->lat_adjust, &d);
	k->yda = (tb_fwi_codes){d.ffmc, d.dmc, d.dc};
	k->prev = day;
	json_t *props = json_pack("{s:s,s:s,s:b}", "station", k->s->code, "date", wd->date,
	                          "startup", startup);
	set_indices(props, &d, tb_fire_level_of(k->c, d.fwi));
	char name[96];
	snprintf(name, sizeof name, "fire danger %s %s", k->s->code, wd->date);
	tb_record rec = {.props = props, .name = name};
	bool replaced;
	int rc = upsert(k->db, k->w, &tb_fire_danger, &rec, NULL, &replaced, NULL, k->e);
	json_object_del(rec.props, "fid");
	json_object_del(rec.props, "version");
	json_object_del(rec.props, "created_at");
	json_object_del(rec.props, "updated_at");
	if (!rc) json_array_append(k->out, rec.props);
	json_decref(rec.props);
	return rc;
}

/* Recompute the danger of a station from `from` on, continuing from the
 * day before's codes when there is one.  Appends each day to `out`. */
static int recompute(tb_db *db, const tb_fire_config *c, const tb_fire_station *s, const char *from,
                     json_t *out, tb_err *e)
{
	int64_t first;
	tb_monitor_date(from, &first, NULL);
	char before[11];
	tb_monitor_date_format(first - 1, before);
	danger_walk k = {.db = db, .c = c, .s = s, .yda = c->startup, .prev = INT64_MIN, .out = out,
	                 .e = e};
	tb_stmt *st = NULL;
	int rc = tb_db_prepare(
	    db, "SELECT ffmc, dmc, dc FROM fire_danger WHERE station=?1 AND date=?2", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, s->code);
	tb_bind_text(st, 2, before);
	if (tb_stmt_step(st) == TB_ROW) {
		k.yda = (tb_fwi_codes){tb_col_double(st, 0), tb_col_double(st, 1),
		                       tb_col_double(st, 2)};
		k.prev = first - 1;
	}
	tb_stmt_finalize(st);
	k.w = tb_writer_new(db, &tb_fire_danger, NULL, e);
	if (!k.w) return e->code ? e->code : TB_EDB;
	rc = tb_station_weather(db, s->code, from, NULL, danger_day, &k, e);
	tb_writer_free(k.w);
	return rc;
}

/* Validate and store the records; the first and last day stored. */
static int store_records(tb_db *db, tb_write_ctx *cx, const char *station, const json_t *records,
                         const char *source, json_t *res, char from[11], char to[11],
                         tb_errlist *errs, tb_err *e)
{
	tb_writer *w = tb_writer_new(db, &tb_weather, cx, e);
	if (!w) return e->code ? e->code : TB_EDB;
	json_t *seen = json_object();
	int stored = 0, replaced = 0, bad = 0;
	size_t i;
	json_t *o;
	*from = *to = '\0';
	json_array_foreach(records, i, o)
	{
		char name[160];
		const char *given = json_string_value(json_object_get(o, "_record"));
		if (given)
			copy(name, sizeof name, given);
		else
			snprintf(name, sizeof name, "records[%zu]", i);
		tb_err fe = {0};
		if (!json_is_object(o)) {
			tb_errlist_addf(errs, TB_EINPUT, name, NULL, "expected a JSON object");
			bad++;
			continue;
		}
		json_t *props = json_deep_copy(o);
		json_object_del(props, "_record");
		json_object_set_new(props, "station", json_string(station));
		if (!json_object_get(props, "source") && source)
			json_object_set_new(props, "source", json_string(source));
		char date[16] = "";
		if (json_is_string(json_object_get(props, "date")))
			copy(date, sizeof date, json_string_value(json_object_get(props, "date")));
		tb_record rec = {.props = props, .name = name};
		bool rep = false;
		int rc;
		if (*date && json_object_get(seen, date))
			rc = tb_errlist_addf(errs, TB_EINPUT, name, "date",
			                     "%s appears twice (first at %s)", date,
			                     json_string_value(json_object_get(seen, date)));
		else
			rc = upsert(db, w, &tb_weather, &rec, cx, &rep, errs, &fe);
		if (rc)
			bad++;
		else {
			json_object_set_new(seen, date, json_string(name));
			rep ? replaced++ : stored++;
			if (!*from || strcmp(date, from) < 0) copy(from, 11, date);
			if (!*to || strcmp(date, to) > 0) copy(to, 11, date);
		}
		json_decref(rec.props);
	}
	json_decref(seen);
	tb_writer_free(w);
	json_object_set_new(res, "stored", json_integer(stored));
	json_object_set_new(res, "replaced", json_integer(replaced));
	if (!bad) return 0;
	*e = errs->items[0];
	return e->code ? e->code : TB_EINPUT;
}

typedef struct tally {
	int due, sent, suppressed, failed;
	char error[256];
} tally;

static void tally_json(json_t *res, const tally *t)
{
	json_object_set_new(res, "warnings",
	                    json_pack("{s:i,s:i,s:i,s:i,s:s?}", "due", t->due, "sent", t->sent,
	                              "suppressed", t->suppressed, "failed", t->failed, "error",
	                              *t->error ? t->error : NULL));
}

/* Warn for the danger days at the warning level within warn_recent_days of
 * the newest day computed (older days are history, not warnings). */
static void warn_danger(tb_db *db, const tb_actor *who, const tb_fire_config *c,
                        const tb_fire_station *s, const json_t *danger, tally *t)
{
	const char *newest = json_string_value(
	    json_object_get(json_array_get(danger, json_array_size(danger) - 1), "date"));
	int64_t last;
	if (!tb_monitor_date(newest, &last, NULL)) return;
	size_t i;
	json_t *d;
	json_array_foreach(danger, i, d)
	{
		int level = (int)json_integer_value(json_object_get(d, "level"));
		const char *date = json_string_value(json_object_get(d, "date"));
		int64_t day;
		tb_monitor_date(date, &day, NULL);
		if (level < c->warn_level || day <= last - c->warn_recent_days) continue;
		const tb_fire_level *l = tb_fire_level_info(c, level);
		char zh[512], en[512], ref[96];
		double fwi = json_number_value(json_object_get(d, "fwi"));
		snprintf(
		    zh, sizeof zh,
		    "森林火险预警：%s %s 火险等级%s（%s），FWI %.1f。请加强巡护和野外火源管理。",
		    s->name, date, l ? l->name_zh : "", l ? l->colour_zh : "", fwi);
		snprintf(en, sizeof en,
		         "Fire danger warning: %s on %s is %s, FWI %.1f. Step up patrols and "
		         "control fire sources.",
		         s->name_en[0] ? s->name_en : s->code, date, l ? l->name_en : "", fwi);
		snprintf(ref, sizeof ref, "fire/%s/%s", date, s->code);
		t->due++;
		tb_notify_towns(db, who, s->towns, "fire_danger", level, zh, en, ref, date, &t->sent,
		                &t->suppressed, &t->failed, t->error, sizeof t->error);
	}
}

int tb_weather_import(tb_db *db, const tb_actor *who, const char *station, const json_t *records,
                      const char *source, const char *cause, json_t **result, tb_errlist *errs,
                      tb_err *e)
{
	*result = NULL;
	tb_fire_config c;
	int rc = tb_fire_config_load(db, &c, e);
	if (rc) return rc;
	const tb_fire_station *s = tb_fire_station_find(&c, station);
	if (!s)
		return tb_err_set(e, TB_EINPUT, NULL, "station",
		                  "no weather station '%s' in fire.json", station ? station : "");
	if (!json_array_size(records))
		return tb_err_set(e, TB_EINPUT, NULL, "records", "no weather records");
	if (json_array_size(records) > MAX_RECORDS)
		return tb_err_set(e, TB_ETOOBIG, NULL, "records",
		                  "%zu records; at most %d per import", json_array_size(records),
		                  MAX_RECORDS);
	tb_errlist own;
	tb_errlist_init(&own, 200);
	if (!errs) errs = &own;
	tb_write_ctx cx = {.actor = who, .cause = cause, .user = &c.stations};
	json_t *res = json_pack("{s:s,s:s}", "station", s->code, "name", s->name),
	       *danger = json_array();
	char from[11], to[11];
	if ((rc = tb_db_begin(db, e))) goto out;
	rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc) rc = store_records(db, &cx, s->code, records, source, res, from, to, errs, e);
	if (!rc) rc = recompute(db, &c, s, from, danger, e);
	if (!rc) {
		size_t i;
		json_t *d;
		int maxlevel = 0;
		json_array_foreach(danger, i, d)
		{
			int l = (int)json_integer_value(json_object_get(d, "level"));
			if (l > maxlevel) maxlevel = l;
		}
		json_t *payload =
		    json_pack("{s:s,s:s,s:s,s:O,s:O,s:i,s:I,s:s?}", "station", s->code, "from",
		              from, "to", to, "stored", json_object_get(res, "stored"), "replaced",
		              json_object_get(res, "replaced"), "max_level", maxlevel,
		              "danger_days", (json_int_t)json_array_size(danger), "source", source);
		tb_event_in ev = {.actor = who->login,
		                  .role = who->role,
		                  .action = "weather.import",
		                  .entity = "weather",
		                  .entity_id = s->code,
		                  .payload = payload};
		if (cause) json_object_set_new(payload, "cause", json_string(cause));
		rc = tb_event_append(db, &ev, NULL, e);
		json_decref(payload);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) {
		tb_db_rollback(db);
		goto out;
	}
	json_object_set_new(res, "from", json_string(from));
	json_object_set_new(res, "to", json_string(to));
	tally t = {0};
	warn_danger(db, who, &c, s, danger, &t);
	tally_json(res, &t);
	json_t *pw = tb_pest_warn_station(db, who, s->code, to);
	if (pw) json_object_set_new(res, "pest_warnings", pw);
	json_object_set(res, "danger", danger);
	*result = res;
	res = NULL;
out:
	json_decref(res);
	json_decref(danger);
	tb_errlist_free(&own);
	return rc;
}

/* ---- reading ------------------------------------------------------------------------ */

json_t *tb_fire_danger_on(tb_db *db, const char *date, const char *towns, tb_err *e)
{
	char today[32];
	if (!(date = tb_monitor_date_or_today(date, today, e))) return NULL;
	tb_fire_config c;
	if (tb_fire_config_load(db, &c, e)) return NULL;
	tb_stmt *st;
	if (tb_db_prepare(db,
	                  "SELECT date, ffmc, dmc, dc, isi, bui, fwi, dsr, level FROM fire_danger"
	                  " WHERE station=?1 AND date<=?2 ORDER BY date DESC LIMIT 1",
	                  &st, e))
		return NULL;
	json_t *out = json_array();
	for (int i = 0; i < c.stations.n; i++) {
		const tb_fire_station *s = &c.stations.at[i];
		char mine[sizeof s->towns];
		if (!tb_monitor_towns_within(s->towns, towns, mine, sizeof mine)) continue;
		tb_bind_text(st, 1, s->code);
		tb_bind_text(st, 2, date);
		if (tb_stmt_step(st) == TB_ROW) {
			int level = tb_col_int(st, 8);
			const tb_fire_level *l = tb_fire_level_info(&c, level);
			json_t *o =
			    json_pack("{s:s,s:s,s:s,s:f,s:f,s:s}", "station", s->code, "name",
			              s->name, "date", tb_col_text(st, 0),
			              "lat", s->lat, "lon", s->lon, "towns", mine);
			tb_fwi_day d = {tb_col_double(st, 1), tb_col_double(st, 2),
			                tb_col_double(st, 3), tb_col_double(st, 4),
			                tb_col_double(st, 5), tb_col_double(st, 6),
			                tb_col_double(st, 7)};
			set_indices(o, &d, level);
			json_object_set_new(o, "colour", json_string(l ? l->colour : ""));
			json_object_set_new(o, "colour_zh", json_string(l ? l->colour_zh : ""));
			json_object_set_new(o, "name_zh", json_string(l ? l->name_zh : ""));
			json_object_set_new(o, "name_en", json_string(l ? l->name_en : ""));
			json_object_set_new(o, "warning", json_boolean(level >= c.warn_level));
			json_array_append_new(out, o);
		}
		tb_stmt_reset(st);
	}
	tb_stmt_finalize(st);
	return out;
}

/* ---- demo ------------------------------------------------------------------------------ */

/* A deterministic spring fire season (March–April of this year): warming,
 * dry spells with wind between a few rain days, so the danger climbs
 * through the levels.  The mountain station is cooler, damper, windier. */
static json_t *demo_series(int station)
{
	char today[32], date[11];
	tb_time_now_iso(today);
	char first[11];
	snprintf(first, sizeof first, "%.4s-03-01", today);
	int64_t d0;
	tb_monitor_date(first, &d0, NULL);
	json_t *arr = json_array();
	for (int i = 0; i < 61; i++) {
		tb_monitor_date_format(d0 + i, date);
		double temp = 4 + 16.0 * i / 60 + 4 * sin(i * 0.7) - 1.5 * station;
		double rh = 42 - 12 * sin(i * 0.45) + 6 * cos(i * 1.7) + 5 * station;
		double wind = 9 + 10 * fabs(sin(i * 1.3)) + 3 * station;
		double rain = i % 11 == 3 ? 7.5 : i % 17 == 8 ? 1.2 : 0;
		if (rain > 0) rh += 30;
		if (rh > 100) rh = 100;
		json_array_append_new(arr, json_pack("{s:s,s:f,s:f,s:f,s:f,s:f,s:f}", "date", date,
		                                     "temp", round(temp * 10) / 10, "rh", round(rh),
		                                     "wind", round(wind), "rain", rain, "tmax",
		                                     round((temp + 5) * 10) / 10, "tmin",
		                                     round((temp - 7) * 10) / 10));
	}
	return arr;
}

int tb_fire_demo(tb_db *db, const tb_actor *who, tb_err *e)
{
	tb_fire_config c;
	int rc = tb_fire_config_load(db, &c, e);
	for (int i = 0; !rc && i < c.stations.n; i++) {
		json_t *records = demo_series(i), *res = NULL;
		rc = tb_weather_import(db, who, c.stations.at[i].code, records, "demo",
		                       "demo weather series", &res, NULL, e);
		json_decref(records);
		json_decref(res);
	}
	return rc;
}
