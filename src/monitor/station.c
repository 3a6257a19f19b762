/* station.c — the weather stations of fire.json and their daily weather
 * (§3.1.3, §4.2 (14)): the station list, the weather record and its checks,
 * and the walk over a station's stored days that the fire-danger
 * computation (fire.c) and the degree days (pest.c) both read. */
#include "monitor/station.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* ---- the stations ---------------------------------------------------------------- */

/* "towns": ["120119102", …] → "120119102,…" (as many as fit). */
static void join_towns(const json_t *towns, char *out, size_t size)
{
	size_t used = 0, k;
	json_t *t;
	json_array_foreach(towns, k, t)
	{
		const char *town = json_string_value(t);
		if (!town) continue;
		int n = snprintf(out + used, size - used, "%s%s", used ? "," : "", town);
		if (n < 0 || (size_t)n >= size - used) break;
		used += (size_t)n;
	}
}

void tb_stations_parse(const json_t *doc, tb_stations *s)
{
	memset(s, 0, sizeof *s);
	size_t i;
	json_t *j;
	json_array_foreach(json_object_get(doc, "stations"), i, j)
	{
		if (s->n == TB_STATION_MAX) break;
		tb_station *x = &s->at[s->n++];
		copy(x->code, sizeof x->code, json_string_value(json_object_get(j, "code")));
		copy(x->name, sizeof x->name, json_string_value(json_object_get(j, "name")));
		copy(x->name_en, sizeof x->name_en,
		     json_string_value(json_object_get(j, "name_en")));
		x->lat = json_number_value(json_object_get(j, "lat"));
		x->lon = json_number_value(json_object_get(j, "lon"));
		join_towns(json_object_get(j, "towns"), x->towns, sizeof x->towns);
	}
}

int tb_stations_load(tb_stations *s, tb_err *e)
{
	memset(s, 0, sizeof *s);
	json_t *doc = tb_monitor_config_doc("fire", e);
	if (!doc) return e ? e->code : TB_EINPUT;
	tb_stations_parse(doc, s);
	json_decref(doc);
	return 0;
}

const tb_station *tb_station_find(const tb_stations *s, const char *code)
{
	for (int i = 0; code && i < s->n; i++)
		if (!strcmp(s->at[i].code, code)) return &s->at[i];
	return NULL;
}

/* ---- the weather rows --------------------------------------------------------------- */

int tb_station_weather(tb_db *db, const char *station, const char *from, const char *to,
                       int (*fn)(void *ctx, const tb_weather_day *d), void *ctx, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db,
	                       "SELECT date, temp, rh, wind, rain, tmax, tmin FROM weather"
	                       " WHERE station=?1 AND date>=?2 AND (?3 IS NULL OR date<=?3)"
	                       " ORDER BY date",
	                       &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, station);
	tb_bind_text(st, 2, from);
	if (to) tb_bind_text(st, 3, to);
	while (!rc && tb_stmt_step(st) == TB_ROW) {
		tb_weather_day d = {
		    .date = tb_col_text(st, 0),
		    .temp = tb_col_double(st, 1),
		    .rh = tb_col_double(st, 2),
		    .wind = tb_col_double(st, 3),
		    .rain = tb_col_double(st, 4),
		    .tmax = tb_col_type(st, 5) == TB_COL_NULL ? NAN : tb_col_double(st, 5),
		    .tmin = tb_col_type(st, 6) == TB_COL_NULL ? NAN : tb_col_double(st, 6),
		};
		rc = fn(ctx, &d);
	}
	tb_stmt_finalize(st);
	return rc;
}

/* ---- the weather record ------------------------------------------------------------- */

/* A configured station, tmin ≤ tmax, one record per station and day. */
static int weather_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx,
                                tb_err *e)
{
	(void)r;
	const json_t *p = rec->props;
	const char *station = json_string_value(json_object_get(p, "station"));
	const tb_write_ctx *w = ctx;
	const tb_stations *s = w ? w->user : NULL; /* the import's, else read here */
	tb_stations own;
	if (!s) {
		if (tb_stations_load(&own, e)) return e->code;
		s = &own;
	}
	if (!tb_station_find(s, station))
		return tb_err_set(e, TB_EINPUT, rec->name, "station",
		                  "no weather station '%s' in fire.json", station ? station : "");
	json_t *hi = json_object_get(p, "tmax"), *lo = json_object_get(p, "tmin");
	if (json_is_number(hi) && json_is_number(lo) &&
	    json_number_value(lo) > json_number_value(hi))
		return tb_err_set(e, TB_EINPUT, rec->name, "tmin", "tmin %g is above tmax %g",
		                  json_number_value(lo), json_number_value(hi));
	tb_stmt *st =
	    tb_db_stmt(db, "SELECT fid FROM weather WHERE station=?1 AND date=?2 AND fid<>?3", e);
	if (!st) return TB_EDB;
	tb_bind_text_copy(st, 1, station);
	tb_bind_text_copy(st, 2, json_string_value(json_object_get(p, "date")));
	tb_bind_int64(st, 3, rec->fid);
	int rc = tb_stmt_step(st) == TB_ROW
	             ? tb_err_set(e, TB_ECONFLICT, rec->name, "date",
	                          "station %s already has weather for %s", station,
	                          json_string_value(json_object_get(p, "date")))
	             : 0;
	tb_stmt_reset(st);
	return rc;
}

static const tb_field weather_fields[] = {
    {"station", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "气象站", "Station", .max_len = 32},
    {"date", TB_F_DATE, TB_REQUIRED | TB_INDEXED, "日期", "Date"},
    {"temp", TB_F_REAL, TB_REQUIRED | TB_RANGE, "气温", "Temperature", .min = -60, .max = 60,
     .unit = "°C"},
    {"rh", TB_F_REAL, TB_REQUIRED | TB_RANGE, "相对湿度", "Relative humidity", .min = 0, .max = 100,
     .unit = "%"},
    {"wind", TB_F_REAL, TB_REQUIRED | TB_RANGE, "风速", "Wind speed", .min = 0, .max = 200,
     .unit = "km/h", .aliases = "ws"},
    {"rain", TB_F_REAL, TB_REQUIRED | TB_RANGE, "24小时降水量", "Rain (24 h)", .min = 0,
     .max = 1000, .unit = "mm", .aliases = "prec"},
    {"tmax", TB_F_REAL, TB_RANGE, "最高气温", "Maximum temperature", .min = -60, .max = 60,
     .unit = "°C"},
    {"tmin", TB_F_REAL, TB_RANGE, "最低气温", "Minimum temperature", .min = -60, .max = 60,
     .unit = "°C"},
    {"source", TB_F_CODE, 0, "来源", "Source", .codes = "weather_source"},
};
const tb_resource tb_weather = {
    .name = "weather",
    .label_zh = "气象观测",
    .label_en = "Daily weather",
    .clause = "3.1.3",
    .fields = weather_fields,
    .nfields = N(weather_fields),
    .before_write = weather_before_write,
};
