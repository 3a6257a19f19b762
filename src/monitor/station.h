/* station.h — the weather stations and their daily weather, below fire
 * danger and pests (plan §3.1.3; §4.2 (14) the weather bureau's data): the
 * stations of fire.json (district.json "fire": code, name, position, the
 * towns each covers), station lookup, the weather record (气象观测) and
 * reading a station's weather day by day.  fire.c computes the FWI from
 * these rows and pest.c the degree days; neither needs the other for it.
 * The shared configuration and date helpers are in config.h. */
#ifndef TB_MONITOR_STATION_H
#define TB_MONITOR_STATION_H

#include "db/write.h"
#include "monitor/config.h"

#include <jansson.h>
#include <stdbool.h>

#define TB_STATION_MAX 32

typedef struct tb_station {
	char code[32];
	char name[96];
	char name_en[96];
	double lat, lon;
	char towns[512]; /* comma-separated town codes it covers */
} tb_station;

typedef struct tb_stations {
	tb_station at[TB_STATION_MAX]; /* in the order of the file */
	int n;
} tb_stations;

/* The stations of a parsed fire.json (its "stations" array; at most
 * TB_STATION_MAX, the rest ignored). */
void tb_stations_parse(const json_t *doc, tb_stations *s);
/* The stations of the file district.json names under "fire".  Errors as
 * tb_monitor_config_doc (the file missing or malformed). */
int tb_stations_load(tb_stations *s, tb_err *e);
/* The station with that code, or NULL (also for code NULL). */
const tb_station *tb_station_find(const tb_stations *s, const char *code);

/* One stored day of a station's weather; tmax and tmin NAN when absent.
 * date is borrowed for the callback. */
typedef struct tb_weather_day {
	const char *date;
	double temp, rh, wind, rain, tmax, tmin;
} tb_weather_day;
/* Each stored day of a station from `from` to `to` (inclusive; to NULL: no
 * end) in date order; a nonzero return of fn stops the walk and is
 * returned.  The callback may write other tables. */
int tb_station_weather(tb_db *db, const char *station, const char *from, const char *to,
                       int (*fn)(void *ctx, const tb_weather_day *d), void *ctx, tb_err *e);

/* 气象观测: one record per station and day.  Its before_write checks that
 * the station is configured (the write context's user data may hold the
 * caller's tb_stations, else fire.json is read), tmin ≤ tmax and one
 * record per station and day. */
extern const tb_resource tb_weather;

#endif
