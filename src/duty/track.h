/* track.h — ranger patrol tracks (巡护轨迹, plan §3.1.3): reading GPS
 * tracks (GPX 1.0/1.1 with several segments and vendor extensions, GeoJSON,
 * or JSON points from the phone page), the measures of a patrol (geodesic
 * distance, duration, moving time, maximum speed, coverage of a grid) and
 * the validity / anti-fake checks, each with a reason code.  Pure
 * computation over geometry: no database here; the duty module stores the
 * results. */
#ifndef TB_DUTY_TRACK_H
#define TB_DUTY_TRACK_H

#include "base/err.h"
#include "geo/geo.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct tb_track_point {
	double lon, lat;  /* EPSG:4490 (GPS WGS84 is taken as equal, cm level) */
	double ele;       /* metres, NAN when absent                         */
	int64_t t_ms;     /* UTC milliseconds since the epoch                 */
	int segment;      /* 0-based segment (trkseg) number                  */
} tb_track_point;

/* Hard cap on the points of one track (a day at one fix a second is 86 400). */
#define TB_TRACK_MAX_POINTS 2000000

typedef struct tb_track {
	tb_track_point *pts;
	size_t n;
	char source[32];  /* "gpx", "geojson", "json" */
} tb_track;

/* Free the points (t itself is the caller's); t is left empty. */
void tb_track_free(tb_track *t);
/* Read a file (GPX by content or extension; GeoJSON LineString/MultiLineString
 * with per-point times in properties "times"/"coordTimes", or Point features
 * with a "time" property).  A track without timestamps, an empty track,
 * malformed XML/JSON → TB_EINPUT with a clear message (record = the file,
 * field = the element or point number).  GPX: track points, else route
 * points, else waypoints, each refused without times; a new segment starts
 * at every trkseg and trk.  Times without a zone are UTC.  On success *t
 * owns its points (tb_track_free); on failure *t is empty. */
int tb_track_read_file(const char *path, tb_track *t, tb_err *e);
/* JSON points from the phone page: [{"lon","lat","t" (ISO 8601 or ms), "ele"?, "acc"?}…];
 * "time" is accepted for "t"; an optional integer "seg" starts a new segment
 * (recording paused and resumed); "acc" is ignored.  points is borrowed. */
int tb_track_from_json(const json_t *points, tb_track *t, tb_err *e);

/* Thresholds of the checks (configurable per district; defaults in comments). */
typedef struct tb_patrol_rules {
	double min_km;            /* too_short below (3 km)                        */
	double min_hours;         /* too_brief below (1 h)                         */
	double max_speed_kmh;     /* speed_outlier: points faster are dropped (15) */
	double teleport_kmh;      /* teleport: a jump faster than this (120)       */
	double teleport_min_m;    /* … and longer than this (1000 m)               */
	double moving_min_kmh;    /* below this a point is "not moving" (0.5)      */
	double min_inside_share;  /* outside_grid below this share inside (0.6)    */
	double buffer_m;          /* grids/parcels "visited" within (50 m)         */
	double duplicate_m;       /* duplicate: same shape within (10 m) …         */
	double future_slack_s;    /* future_time: later than now + (300 s)         */
} tb_patrol_rules;

void tb_patrol_rules_default(tb_patrol_rules *r);

/* Reason codes in the order tb_patrol_analyse lists them (NULL-terminated). */
extern const char *const tb_patrol_reason_codes[];

typedef struct tb_patrol_result {
	double distance_m;        /* geodesic, over kept points, within segments   */
	double duration_s;        /* last − first time                              */
	double moving_s;          /* time spent above moving_min_kmh                */
	double max_speed_kmh;     /* over kept points                               */
	int dropped;              /* speed outliers dropped                         */
	double inside_share;      /* share of the kept track length inside the grid (NAN: no grid) */
	double grid_coverage;     /* share of the grid's area within buffer_m of the track (NAN: no grid) */
	json_t *reasons;          /* array of reason codes; empty = valid           */
	GEOSGeometry *line;       /* kept track as MultiLineString (owned)          */
	int64_t start_ms, end_ms; /* first and last time of the kept points         */
	size_t points, kept;      /* points read, points kept                       */
	int teleports;            /* jumps judged impossible (not bridged)          */
	long duplicate_of;        /* index in earlier[] of the first duplicate, -1  */
} tb_patrol_result;

/* Analyse a track against the ranger's grid (may be NULL: no grid checks,
 * inside_share and grid_coverage NAN) and earlier patrols' lines (for
 * `duplicate`, may be NULL/0; lines as in r->line).  now_ms for
 * `future_time`.  rules NULL: the defaults.  Reason codes, listed in the
 * order of tb_patrol_reason_codes: time_order, future_time, speed_outlier,
 * teleport, too_short, too_brief, outside_grid, duplicate.
 * Precedence: a jump from the previous kept point longer than teleport_min_m
 * and faster than teleport_kmh is a teleport (judged first, also across
 * segments): the point is kept, the line breaks and the jump adds no
 * distance — it is never also a speed outlier.  Slower jumps over
 * max_speed_kmh within a segment drop the point (speed_outlier); three
 * agreeing dropped points in a row are taken back and start a new part.
 * Coverage: planar ratio in a local azimuthal equidistant projection
 * (GRS80) centred on the grid; inside_share: geodesic lengths.  Duplicate:
 * discrete Hausdorff distance ≤ duplicate_m in that projection.
 * On success *r owns reasons and line (tb_patrol_result_free); on failure
 * *r is empty.  Inputs are borrowed. */
int tb_patrol_analyse(const tb_track *t, const GEOSGeometry *grid, const GEOSGeometry *const *earlier,
		      size_t nearlier, const tb_patrol_rules *rules, int64_t now_ms, tb_patrol_result *r,
		      tb_err *e);
void tb_patrol_result_free(tb_patrol_result *r);

#endif
