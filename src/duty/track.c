/* track.c — reading patrol tracks (巡护轨迹, plan §3.1.3) into a tb_track:
 * GPX 1.0/1.1 through GDAL's GPX driver (namespaces and vendor extensions
 * such as Garmin's TrackPointExtension are GDAL's business), GeoJSON and
 * the phone page's JSON points through jansson.  Every reader fills the same
 * growable point array (capped at TB_TRACK_MAX_POINTS) and the same final
 * check: a patrol needs a time on every point.  The analysis lives in
 * track_patrol.c. */
#include "duty/track.h"

#include "base/file.h"
#include "base/tbtime.h"
#include "base/utf8.h"
#include "io/ogr_util.h"

#include <cpl_error.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NO_TIME INT64_MIN

/* The point array being filled, with its capacity and the current segment. */
typedef struct builder {
	tb_track *t;
	size_t cap;
	int segment;
	const char *record; /* the file, for messages */
} builder;

void tb_track_free(tb_track *t)
{
	if (!t) return;
	free(t->pts);
	memset(t, 0, sizeof *t);
}

static int push(builder *b, double lon, double lat, double ele, int64_t t_ms, tb_err *e)
{
	tb_track *t = b->t;
	if (!isfinite(lon) || !isfinite(lat) || fabs(lon) > 180 || fabs(lat) > 90)
		return tb_err_set(e, TB_EINPUT, b->record, "coordinates",
		                  "point %zu: (%g, %g) is not a longitude/latitude", t->n + 1, lon,
		                  lat);
	if (t->n == b->cap) {
		if (t->n >= TB_TRACK_MAX_POINTS)
			return tb_err_set(e, TB_ETOOBIG, b->record, NULL,
			                  "the track has more than %d points", TB_TRACK_MAX_POINTS);
		size_t cap = b->cap ? 2 * b->cap : 256;
		if (cap > TB_TRACK_MAX_POINTS) cap = TB_TRACK_MAX_POINTS;
		tb_track_point *p = realloc(t->pts, cap * sizeof *p);
		if (!p) return tb_err_set(e, TB_ENOMEM, b->record, NULL, "out of memory");
		t->pts = p;
		b->cap = cap;
	}
	t->pts[t->n++] = (tb_track_point){lon, lat, ele, t_ms, b->segment};
	return 0;
}

/* The final check of every reader: points, and a time on each of them. */
static int check_times(const tb_track *t, const char *record, tb_err *e)
{
	if (t->n == 0) return tb_err_set(e, TB_EINPUT, record, NULL, "the track has no points");
	size_t missing = 0, first = 0;
	for (size_t i = 0; i < t->n; i++)
		if (t->pts[i].t_ms == NO_TIME && missing++ == 0) first = i + 1;
	if (missing == t->n)
		return tb_err_set(e, TB_EINPUT, record, "time",
		                  "the track has no timestamps (point 1 of %zu has no time); "
		                  "patrols need the time of each point",
		                  t->n);
	if (missing)
		return tb_err_set(e, TB_EINPUT, record, "time",
		                  "point %zu has no timestamp (%zu of %zu points lack one); "
		                  "patrols need the time of each point",
		                  first, missing, t->n);
	return 0;
}

/* ---- GPX through GDAL -------------------------------------------------- */

/* An OGR date-time field as UTC milliseconds; a value without a zone is
 * taken as UTC, as GPX prescribes. */
static int64_t ogr_time_ms(OGRFeatureH f, int i)
{
	if (i < 0 || !OGR_F_IsFieldSetAndNotNull(f, i)) return NO_TIME;
	int y, mo, d, h, mi, tz;
	float sec;
	if (!OGR_F_GetFieldAsDateTimeEx(f, i, &y, &mo, &d, &h, &mi, &sec, &tz)) return NO_TIME;
	int64_t days = tb_days_from_civil(y, (unsigned)mo, (unsigned)d);
	int64_t ms = ((days * 24 + h) * 60 + mi) * 60000 + llround((double)sec * 1000.0);
	if (tz >= 2) ms -= (int64_t)(tz - 100) * 15 * 60000; /* 100 = UTC, ±15 min steps */
	return ms;
}

static double ogr_real(OGRFeatureH f, int i)
{
	return i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? OGR_F_GetFieldAsDouble(f, i) : NAN;
}

static long ogr_int(OGRFeatureH f, int i)
{
	return i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i) ? (long)OGR_F_GetFieldAsInteger64(f, i)
	                                                  : 0;
}

/* One GPX layer's points; a new segment starts whenever (track, segment)
 * changes.  Layers: track_points, route_points, waypoints. */
static int gpx_layer(OGRLayerH layer, builder *b, tb_err *e)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
	int f_time = OGR_FD_GetFieldIndex(defn, "time"), f_ele = OGR_FD_GetFieldIndex(defn, "ele");
	int f_trk = OGR_FD_GetFieldIndex(defn, "track_fid");
	if (f_trk < 0) f_trk = OGR_FD_GetFieldIndex(defn, "route_fid");
	int f_seg = OGR_FD_GetFieldIndex(defn, "track_seg_id");
	long last_trk = -1, last_seg = -1;
	int rc = 0;
	OGRFeatureH f;
	OGR_L_ResetReading(layer);
	while (rc == 0 && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		long trk = ogr_int(f, f_trk), seg = ogr_int(f, f_seg);
		if (b->t->n > 0 && (trk != last_trk || seg != last_seg)) b->segment++;
		last_trk = trk, last_seg = seg;
		OGRGeometryH g = OGR_F_GetGeometryRef(f);
		if (g)
			rc = push(b, OGR_G_GetX(g, 0), OGR_G_GetY(g, 0), ogr_real(f, f_ele),
			          ogr_time_ms(f, f_time), e);
		OGR_F_Destroy(f);
	}
	return rc;
}

/* The first failure GDAL reports while a GPX file is open (a later warning
 * would overwrite CPLGetLastErrorMsg). */
typedef struct gdal_failure {
	bool failed;
	char msg[256];
} gdal_failure;

static void on_gdal_error(CPLErr cls, CPLErrorNum no, const char *msg)
{
	(void)no;
	gdal_failure *g = CPLGetErrorHandlerUserData();
	if (g && cls >= CE_Failure && !g->failed) {
		g->failed = true;
		snprintf(g->msg, sizeof g->msg, "%s", msg);
	}
}

static int gpx_layers(GDALDatasetH ds, builder *b, const gdal_failure *g, tb_err *e)
{
	static const char *const layers[] = {"track_points", "route_points", "waypoints"};
	int rc = 0;
	for (size_t i = 0; rc == 0 && b->t->n == 0 && i < sizeof layers / sizeof *layers; i++) {
		OGRLayerH layer = GDALDatasetGetLayerByName(ds, layers[i]);
		if (layer) rc = gpx_layer(layer, b, e);
		if (rc == 0 && g->failed)
			rc = tb_err_set(e, TB_EINPUT, b->record, NULL,
			                "not a readable GPX file: %s", g->msg);
	}
	return rc;
}

/* The value of attribute `name` inside the start tag [tag, end), or NULL;
 * *len gets its length. */
static const char *xml_attr(const char *tag, const char *end, const char *name, size_t *len)
{
	size_t n = strlen(name);
	for (const char *p = tag; p + n + 2 < end; p++) {
		if (strncmp(p, name, n) || (p[-1] != ' ' && p[-1] != '\t' && p[-1] != '\n' && p[-1] != '\r'))
			continue;
		const char *q = p + n;
		while (q < end && (*q == ' ' || *q == '\t')) q++;
		if (q >= end || *q != '=') continue;
		q++;
		while (q < end && (*q == ' ' || *q == '\t')) q++;
		if (q >= end || (*q != '"' && *q != '\'')) continue;
		const char *v = q + 1, *close = memchr(v, *q, (size_t)(end - v));
		if (!close) return NULL;
		*len = (size_t)(close - v);
		return v;
	}
	return NULL;
}

/* GDAL's GPX driver reads lat="abc" as 0 and keeps the point: check the
 * lat/lon of every trkpt, rtept and wpt of the text first and refuse the
 * file at the first one that is not a number (point n of its kind, line). */
static int gpx_check_coordinates(const char *path, tb_err *e)
{
	size_t size;
	char *text = tb_file_read(path, (size_t)1 << 30, &size, NULL);
	if (!text) return 0; /* GDAL says why it cannot be read */
	static const char *const kinds[][2] = {{"trkpt", "track point"}, {"rtept", "route point"}, {"wpt", "waypoint"}};
	size_t count[3] = {0, 0, 0};
	int line = 1, rc = 0;
	for (const char *p = text; !rc && *p; p++) {
		if (*p == '\n') line++;
		if (*p != '<') continue;
		const char *name = p + 1, *colon = name;
		while (*colon && (isalnum((unsigned char)*colon) || *colon == '_' || *colon == '-')) colon++;
		if (*colon == ':') name = colon + 1; /* a namespace prefix */
		for (int k = 0; !rc && k < 3; k++) {
			size_t n = strlen(kinds[k][0]);
			if (strncmp(name, kinds[k][0], n) || !strchr(" \t\r\n/>", name[n])) continue;
			count[k]++;
			const char *end = strchr(name, '>');
			if (!end) end = name + strlen(name);
			for (int a = 0; !rc && a < 2; a++) {
				const char *attr = a ? "lon" : "lat";
				size_t len = 0;
				const char *v = xml_attr(name, end, attr, &len);
				char buf[64], shown[96];
				snprintf(buf, sizeof buf, "%.*s", (int)(len < 63 ? len : 63), v ? v : "");
				char *stop;
				double d = v ? strtod(buf, &stop) : 0;
				while (v && (*stop == ' ' || *stop == '\t')) stop++;
				if (v && stop != buf && !*stop && isfinite(d)) continue;
				tb_utf8_escape(buf, strlen(buf), shown, sizeof shown);
				rc = v ? tb_err_set(e, TB_EINPUT, path, attr,
						    "%s %zu (line %d): %s=\"%s\" is not a number; the track is refused",
						    kinds[k][1], count[k], line, attr, shown)
				       : tb_err_set(e, TB_EINPUT, path, attr,
						    "%s %zu (line %d) has no %s; the track is refused", kinds[k][1],
						    count[k], line, attr);
			}
		}
	}
	free(text);
	return rc;
}

static int gpx_read(const char *path, builder *b, tb_err *e)
{
	int bad = gpx_check_coordinates(path, e);
	if (bad) return bad;
	static const char *const drivers[] = {"GPX", NULL};
	gdal_failure g = {0};
	tb_ogr_init();
	CPLPushErrorHandlerEx(on_gdal_error, &g);
	GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers, NULL, NULL);
	int rc = ds ? gpx_layers(ds, b, &g, e)
	            : tb_err_set(e, TB_EINPUT, path, NULL, "not a readable GPX file: %s",
	                         g.failed ? g.msg : "GDAL does not recognise it as GPX");
	if (ds) GDALClose(ds);
	CPLPopErrorHandler();
	return rc;
}

/* ---- GeoJSON and JSON points ------------------------------------------- */

/* A time as ISO 8601 text or as milliseconds since the epoch. */
static int json_time(const json_t *v, int64_t *ms, const builder *b, tb_err *e)
{
	*ms = NO_TIME;
	if (!v || json_is_null(v)) return 0;
	if (json_is_number(v)) {
		double x = json_number_value(v);
		if (!isfinite(x) || fabs(x) > 1e15) goto bad;
		*ms = (int64_t)llround(x);
		return 0;
	}
	if (json_is_string(v) && tb_time_parse_iso(json_string_value(v), ms)) return 0;
bad:
	return tb_err_set(e, TB_EINPUT, b->record, "time",
	                  "point %zu: the time is neither ISO 8601 nor milliseconds", b->t->n + 1);
}

/* A GeoJSON position [lon, lat, ele?] with its time value. */
static int push_position(builder *b, const json_t *pos, const json_t *time, tb_err *e)
{
	if (!json_is_array(pos) || json_array_size(pos) < 2 ||
	    !json_is_number(json_array_get(pos, 0)) || !json_is_number(json_array_get(pos, 1)))
		return tb_err_set(e, TB_EINPUT, b->record, "coordinates",
		                  "point %zu: a position is [lon, lat, ele?]", b->t->n + 1);
	const json_t *z = json_array_get(pos, 2);
	int64_t ms;
	int rc = json_time(time, &ms, b, e);
	if (rc) return rc;
	return push(b, json_number_value(json_array_get(pos, 0)),
	            json_number_value(json_array_get(pos, 1)),
	            json_is_number(z) ? json_number_value(z) : NAN, ms, e);
}

/* One line's positions; times is the line's array of times (or NULL). */
static int push_line(builder *b, const json_t *coords, const json_t *times, tb_err *e)
{
	if (!json_is_array(coords))
		return tb_err_set(e, TB_EINPUT, b->record, "coordinates",
		                  "a line's coordinates are not an array");
	if (times && json_array_size(times) != json_array_size(coords))
		return tb_err_set(e, TB_EINPUT, b->record, "coordTimes", "%zu times for %zu points",
		                  json_array_size(times), json_array_size(coords));
	if (b->t->n > 0) b->segment++;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(coords); i++)
		rc = push_position(b, json_array_get(coords, i), json_array_get(times, i), e);
	return rc;
}

/* The per-point times of a line feature: "coordTimes" (the convention of
 * GPX-to-GeoJSON converters) or "times". */
static const json_t *feature_times(const json_t *props)
{
	const json_t *t = json_object_get(props, "coordTimes");
	if (!json_is_array(t)) t = json_object_get(props, "times");
	return json_is_array(t) ? t : NULL;
}

/* A MultiLineString's times: an array per line, or one flat array. */
static int push_multiline(builder *b, const json_t *lines, const json_t *times, tb_err *e)
{
	bool nested = times && json_is_array(json_array_get(times, 0));
	size_t offset = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(lines); i++) {
		const json_t *coords = json_array_get(lines, i);
		json_t *slice = NULL;
		if (times && nested)
			slice = json_incref(json_array_get(times, i));
		else if (times) {
			slice = json_array();
			for (size_t k = 0; k < json_array_size(coords); k++)
				json_array_append(slice, json_array_get(times, offset + k));
			offset += json_array_size(coords);
		}
		rc = push_line(b, coords, slice, e);
		json_decref(slice);
	}
	return rc;
}

static int push_feature(builder *b, const json_t *feature, tb_err *e)
{
	const json_t *geom = json_object_get(feature, "geometry");
	const json_t *props = json_object_get(feature, "properties");
	const char *type = json_string_value(json_object_get(geom, "type"));
	const json_t *coords = json_object_get(geom, "coordinates");
	if (!type) return 0; /* a feature without geometry carries no position */
	if (!strcmp(type, "Point")) {
		const json_t *t = json_object_get(props, "time");
		if (!t) t = json_object_get(props, "t");
		return push_position(b, coords, t, e);
	}
	if (!strcmp(type, "LineString")) return push_line(b, coords, feature_times(props), e);
	if (!strcmp(type, "MultiLineString"))
		return push_multiline(b, coords, feature_times(props), e);
	return tb_err_set(e, TB_EINPUT, b->record, "geometry",
	                  "a %s is not a track (LineString, MultiLineString or Points)", type);
}

static int geojson_read(const json_t *root, builder *b, tb_err *e)
{
	const char *type = json_string_value(json_object_get(root, "type"));
	if (type && !strcmp(type, "FeatureCollection")) {
		const json_t *features = json_object_get(root, "features");
		int rc = 0;
		for (size_t i = 0; rc == 0 && i < json_array_size(features); i++)
			rc = push_feature(b, json_array_get(features, i), e);
		return rc;
	}
	if (type && !strcmp(type, "Feature")) return push_feature(b, root, e);
	json_t *wrap = json_pack("{s:s, s:O}", "type", "Feature", "geometry", root);
	int rc = wrap ? push_feature(b, wrap, e)
	              : tb_err_set(e, TB_ENOMEM, b->record, NULL, "out of memory");
	json_decref(wrap);
	return rc;
}

/* One phone point {"lon","lat","t" | "time","ele"?,"acc"?,"seg"?}. */
static int push_phone_point(builder *b, const json_t *p, tb_err *e)
{
	const json_t *lon = json_object_get(p, "lon"), *lat = json_object_get(p, "lat");
	if (!json_is_number(lon) || !json_is_number(lat))
		return tb_err_set(e, TB_EINPUT, b->record, "lon",
		                  "point %zu: lon and lat must be numbers", b->t->n + 1);
	const json_t *t = json_object_get(p, "t");
	if (!t) t = json_object_get(p, "time");
	int64_t ms;
	int rc = json_time(t, &ms, b, e);
	if (rc) return rc;
	const json_t *seg = json_object_get(p, "seg"), *ele = json_object_get(p, "ele");
	if (json_is_integer(seg) && json_integer_value(seg) >= 0 &&
	    json_integer_value(seg) < INT32_MAX)
		b->segment = (int)json_integer_value(seg);
	return push(b, json_number_value(lon), json_number_value(lat),
	            json_is_number(ele) ? json_number_value(ele) : NAN, ms, e);
}

static int phone_read(const json_t *points, builder *b, tb_err *e)
{
	if (!json_is_array(points))
		return tb_err_set(e, TB_EINPUT, b->record, NULL, "the points must be a JSON array");
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < json_array_size(points); i++)
		rc = push_phone_point(b, json_array_get(points, i), e);
	return rc;
}

/* ---- entry points ------------------------------------------------------ */

static void track_begin(tb_track *t, builder *b, const char *record, const char *source)
{
	memset(t, 0, sizeof *t);
	*b = (builder){.t = t, .record = record};
	snprintf(t->source, sizeof t->source, "%s", source);
}

static int track_end(tb_track *t, int rc, const char *record, tb_err *e)
{
	if (rc == 0) rc = check_times(t, record, e);
	if (rc) tb_track_free(t);
	return rc;
}

int tb_track_from_json(const json_t *points, tb_track *t, tb_err *e)
{
	builder b;
	track_begin(t, &b, "points", "json");
	return track_end(t, phone_read(points, &b, e), "points", e);
}

/* GPX when the file says "<" first or is named .gpx; JSON when it says "{"
 * or "[" (an array is the phone page's points, an object GeoJSON). */
static int sniff(const char *path, char *first, tb_err *e)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return tb_err_set(e, TB_EIO, path, NULL, "cannot read the file: %s",
		                  strerror(errno));
	int c;
	while ((c = fgetc(fp)) != EOF &&
	       (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c >= 0x80))
		; /* whitespace and a UTF-8 byte-order mark */
	fclose(fp);
	size_t n = strlen(path);
	*first = (char)(c == EOF ? 0 : c);
	if (*first != '{' && *first != '[' && n >= 4 && !strcasecmp(path + n - 4, ".gpx"))
		*first = '<';
	return 0;
}

static int json_file_read(const char *path, builder *b, tb_err *e)
{
	json_error_t je;
	json_t *root = json_load_file(path, 0, &je);
	if (!root)
		return tb_err_set(e, TB_EINPUT, path, NULL, "not readable JSON: %s (line %d)",
		                  je.text, je.line);
	int rc;
	if (json_is_array(root)) {
		snprintf(b->t->source, sizeof b->t->source, "json");
		rc = phone_read(root, b, e);
	} else
		rc = geojson_read(root, b, e);
	json_decref(root);
	return rc;
}

int tb_track_read_file(const char *path, tb_track *t, tb_err *e)
{
	builder b;
	track_begin(t, &b, path, "gpx");
	char first = 0;
	int rc = sniff(path, &first, e);
	if (rc) return rc;
	if (first == '<') return track_end(t, gpx_read(path, &b, e), path, e);
	if (first == '{' || first == '[') {
		snprintf(t->source, sizeof t->source, "geojson");
		return track_end(t, json_file_read(path, &b, e), path, e);
	}
	return tb_err_set(e, TB_EINPUT, path, NULL,
	                  "not a track: expected GPX, GeoJSON or JSON points");
}
