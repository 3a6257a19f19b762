/* fire.h — fire danger (森林火险, plan §3.1.3 "fire monitoring and early
 * warning"; §4.2 (14) the weather bureau's fire-danger forecasts): daily
 * weather per station (imported from CSV or pushed by the weather bureau),
 * the FWI System computed per station and day (fwi.h), the danger level
 * 1–5 from configurable FWI thresholds, and warnings to the towns the
 * station covers and their active rangers at the warning level and above.
 * Configuration: data/jizhou/fire.json (district.json "fire"); settings
 * fire_warn_level and fire_level_<n>_min override it in a database.  The
 * stations and their weather records are station.h's. */
#ifndef TB_MONITOR_FIRE_H
#define TB_MONITOR_FIRE_H

#include "db/write.h"
#include "monitor/fwi.h"
#include "monitor/station.h"

#include <jansson.h>
#include <stdbool.h>

#define TB_FIRE_MAX_LEVELS 8
#define TB_FIRE_MAX_STATIONS TB_STATION_MAX

typedef struct tb_fire_level {
	int level;          /* 1 … 5                                */
	double min_fwi;     /* the level holds from this FWI upwards */
	char colour[16];    /* "#f2c200"                            */
	char colour_zh[16]; /* 绿 蓝 黄 橙 红                        */
	char name_zh[64];
	char name_en[64];
} tb_fire_level;

typedef tb_station tb_fire_station; /* station.h */

typedef struct tb_fire_config {
	tb_fire_level levels[TB_FIRE_MAX_LEVELS]; /* ascending min_fwi */
	int nlevels;
	int warn_level;       /* warn at this level and above (3)              */
	int warn_recent_days; /* only days this close to the newest day warn   */
	bool lat_adjust;      /* cffdrs lat.adjust                             */
	double default_lat;
	tb_fwi_codes startup; /* start-up codes (85, 6, 15)                    */
	tb_stations stations; /* fire.json's "stations" (station.h)             */
} tb_fire_config;

/* Load fire.json (the file district.json names); db may be NULL, else its
 * settings override the thresholds.  Errors name the field ("levels" when
 * the thresholds are not numbered from 1 with rising min_fwi). */
int tb_fire_config_load(tb_db *db, tb_fire_config *c, tb_err *e);
int tb_fire_level_of(const tb_fire_config *c, double fwi);
const tb_fire_level *tb_fire_level_info(const tb_fire_config *c, int level);
/* tb_station_find over c->stations. */
const tb_fire_station *tb_fire_station_find(const tb_fire_config *c, const char *code);

/* Parse weather CSV text with the columns date,temp,rh,wind,rain (°C, %,
 * km/h, mm over 24 h; optional tmax, tmin) into an array of record objects
 * (each with "_record": "<name> line N").  Types and dates are checked
 * here; ranges by the caller.  *records is new. */
int tb_weather_csv_parse(const char *text, size_t len, const char *name, json_t **records,
                         tb_err *e);

/* `tianbao fire`: the indices for a weather table without a database.
 * Rows must be in date order without repeats; a gap of days restarts from
 * the start-up codes.  c may be NULL (fire.json is read).  *rows is a new
 * array of the input objects with ffmc, dmc, dc, isi, bui, fwi, dsr, level
 * added.  Bad rows: TB_EINPUT naming "<name> line N", the field and why. */
int tb_fire_table(const tb_fire_config *c, const char *text, size_t len, const char *name,
                  double lat, json_t **rows, tb_err *e);

/* Store a station's weather records (objects with date, temp, rh, wind,
 * rain, optional tmax, tmin; an existing day is replaced), recompute the
 * fire danger of that station from the first stored day on, and send the
 * warnings.  One transaction and one event ("weather.import"); all or
 * nothing: every bad record goes into errs (if not NULL), the first into
 * *e.  *result (new) holds {station, stored, replaced, from, to, danger:
 * [...], warnings: {due, sent, suppressed, failed, error}}.  A failure to
 * notify does not undo the import: it is counted in warnings.failed. */
int tb_weather_import(tb_db *db, const tb_actor *who, const char *station, const json_t *records,
                      const char *source, const char *cause, json_t **result, tb_errlist *errs,
                      tb_err *e);

/* The latest fire danger of every station on or before date (NULL =
 * today): [{station, name, date, towns, ffmc … dsr, level, colour,
 * colour_zh, name_zh, name_en}].  towns: a jurisdiction (comma-separated
 * town codes; NULL = the district): only the stations covering one of
 * them, each listing only those of its towns.  New reference or NULL
 * with *e. */
json_t *tb_fire_danger_on(tb_db *db, const char *date, const char *towns, tb_err *e);

/* Demo: a spring fire-season weather series for the demo stations (one
 * import per station, warnings sent as for real data). */
int tb_fire_demo(tb_db *db, const tb_actor *who, tb_err *e);

extern const tb_resource tb_fire_danger;

#endif
