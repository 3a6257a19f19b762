/* test_geo_mvt.c — the Mapbox Vector Tile encoder (src/geo/mvt.c): exact
 * protobuf bytes of a one-point tile worked out by hand, tiles read back by
 * GDAL's MVT driver (attributes, coordinates in EPSG:3857), and tiles read
 * back by a small decoder here (clipping, winding, holes, simplification,
 * shared keys and values), tile bounds, and the time to encode 500 polygons. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "geo/geo.h"
#include "geo/mvt.h"

#include <gdal.h>
#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <ogr_api.h>

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define R_EARTH 6378137.0

/* ---- helpers ------------------------------------------------------------- */



static json_t *props(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	assert_non_null(j);
	return j;
}

/* Add a WKT geometry with JSON properties; returns tb_mvt_add's result. */
static int add(tb_mvt *t, const char *geom, uint64_t id, const char *json)
{
	GEOSGeometry *g = wkt(geom);
	json_t *p = json ? props(json) : NULL;
	tb_err e = {0};
	int rc = tb_mvt_add(t, g, id, p, &e);
	if (rc < 0) print_error("tb_mvt_add: %s\n", e.message);
	json_decref(p);
	drop(g);
	return rc;
}

/* Tile units of (lon, lat) in tile z/x/y, unrounded. */
static void tile_units(int z, int x, int y, double lon, double lat, double *px, double *py)
{
	double n = ldexp(1.0, z), r = lat * M_PI / 180;
	*px = ((lon + 180) / 360 * n - x) * 4096;
	*py = ((1 - asinh(tan(r)) / M_PI) / 2 * n - y) * 4096;
}

/* The lon/lat of tile units (px, py) in tile z/x/y. */
static void tile_lonlat(int z, int x, int y, double px, double py, double *lon, double *lat)
{
	double n = ldexp(1.0, z);
	*lon = (x + px / 4096) / n * 360 - 180;
	*lat = atan(sinh(M_PI * (1 - 2 * (y + py / 4096) / n))) * 180 / M_PI;
}

/* ---- a small MVT decoder ------------------------------------------------- */

struct pb {
	const unsigned char *p, *end;
};

static uint64_t pb_varint(struct pb *b)
{
	uint64_t v = 0;
	for (int shift = 0; b->p < b->end && shift < 64; shift += 7) {
		unsigned char c = *b->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) return v;
	}
	fail_msg("truncated varint");
	return 0;
}

/* The next field: number, wire type, varint value or sub-message slice. */
static int pb_next(struct pb *b, unsigned *field, uint64_t *value, struct pb *sub)
{
	if (b->p >= b->end) return 0;
	uint64_t key = pb_varint(b);
	*field = (unsigned)(key >> 3);
	switch (key & 7) {
	case 0:
		*value = pb_varint(b);
		break;
	case 1:
		assert_true(b->end - b->p >= 8);
		memcpy(value, b->p, 8); /* little-endian host */
		b->p += 8;
		break;
	case 2: {
		uint64_t n = pb_varint(b);
		assert_true((uint64_t)(b->end - b->p) >= n);
		sub->p = b->p, sub->end = b->p + n;
		b->p += n;
		break;
	}
	default:
		fail_msg("unexpected wire type %u", (unsigned)(key & 7));
	}
	return 1;
}

struct dfeature {
	uint64_t id;
	int type;
	size_t ntags;
	uint32_t tags[64];
	size_t npts;
	int32_t *x, *y;    /* all points, in order (malloc'd) */
	size_t nparts;     /* MoveTo count: parts (rings, lines, points) */
	size_t part[4096]; /* first point of each part */
	size_t closed;     /* ClosePath count */
	int32_t minx, miny, maxx, maxy;
};

struct dlayer {
	char name[64];
	unsigned version, extent;
	size_t nkeys, nvalues, nf;
	struct dfeature *f; /* nf features (malloc'd) */
};

static int32_t unzigzag(uint64_t v)
{
	return (int32_t)((v >> 1) ^ (~(v & 1) + 1));
}

static void push_point(struct dfeature *f, int32_t x, int32_t y)
{
	f->x = realloc(f->x, (f->npts + 1) * sizeof *f->x);
	f->y = realloc(f->y, (f->npts + 1) * sizeof *f->y);
	assert_non_null(f->x);
	assert_non_null(f->y);
	f->x[f->npts] = x, f->y[f->npts] = y;
	f->npts++;
	f->minx = f->npts == 1 || x < f->minx ? x : f->minx;
	f->miny = f->npts == 1 || y < f->miny ? y : f->miny;
	f->maxx = f->npts == 1 || x > f->maxx ? x : f->maxx;
	f->maxy = f->npts == 1 || y > f->maxy ? y : f->maxy;
}

/* Run the geometry commands, as a reader would. */
static void decode_geometry(struct pb g, struct dfeature *f)
{
	int32_t cx = 0, cy = 0;
	while (g.p < g.end) {
		uint64_t c = pb_varint(&g);
		unsigned id = c & 7, count = (unsigned)(c >> 3);
		assert_true(id == 1 || id == 2 || id == 7);
		assert_true(count > 0);
		if (id == 7) {
			assert_int_equal(count, 1);
			f->closed++;
			continue;
		}
		for (unsigned i = 0; i < count; i++) {
			cx += unzigzag(pb_varint(&g));
			cy += unzigzag(pb_varint(&g));
			if (id == 1) {
				assert_true(f->nparts < 4096);
				f->part[f->nparts++] = f->npts;
			}
			push_point(f, cx, cy);
		}
	}
}

static void decode_feature(struct pb b, struct dfeature *f)
{
	unsigned field;
	uint64_t v = 0;
	struct pb sub = {0};
	while (pb_next(&b, &field, &v, &sub)) {
		if (field == 1) f->id = v;
		if (field == 3) f->type = (int)v;
		if (field == 4) decode_geometry(sub, f);
		while (field == 2 && sub.p < sub.end) {
			assert_true(f->ntags < 64);
			f->tags[f->ntags++] = (uint32_t)pb_varint(&sub);
		}
	}
}

static void decode_layer(struct pb b, struct dlayer *l)
{
	unsigned field;
	uint64_t v = 0;
	struct pb sub = {0};
	while (pb_next(&b, &field, &v, &sub)) {
		if (field == 1)
			snprintf(l->name, sizeof l->name, "%.*s", (int)(sub.end - sub.p), sub.p);
		if (field == 2) {
			l->f = realloc(l->f, (l->nf + 1) * sizeof *l->f);
			assert_non_null(l->f);
			memset(&l->f[l->nf], 0, sizeof *l->f);
			decode_feature(sub, &l->f[l->nf++]);
		}
		l->nkeys += field == 3;
		l->nvalues += field == 4;
		if (field == 5) l->extent = (unsigned)v;
		if (field == 15) l->version = (unsigned)v;
	}
}

/* Decode the tile's first layer (the tests build one-layer tiles). */
static struct dlayer *decode(const unsigned char *bytes, size_t size)
{
	struct pb b = {bytes, bytes + size}, sub = {0};
	struct dlayer *l = calloc(1, sizeof *l);
	unsigned field;
	uint64_t v = 0;
	assert_non_null(l);
	assert_true(pb_next(&b, &field, &v, &sub));
	assert_int_equal(field, 3);
	decode_layer(sub, l);
	assert_int_equal(l->version, 2);
	return l;
}

static void dlayer_free(struct dlayer *l)
{
	for (size_t i = 0; i < l->nf; i++) {
		free(l->f[i].x);
		free(l->f[i].y);
	}
	free(l->f);
	free(l);
}

/* Twice the signed area of part k (a ring), by the spec's formula. */
static int64_t part_area2(const struct dfeature *f, size_t k)
{
	size_t from = f->part[k], to = k + 1 < f->nparts ? f->part[k + 1] : f->npts;
	int64_t a = 0;
	for (size_t i = from; i < to; i++) {
		size_t j = i + 1 < to ? i + 1 : from;
		a += (int64_t)f->x[i] * f->y[j] - (int64_t)f->x[j] * f->y[i];
	}
	return a;
}

static struct dlayer *encode_and_decode(tb_mvt *t)
{
	size_t size = 0;
	unsigned char *bytes = tb_mvt_finish(t, &size);
	assert_non_null(bytes);
	assert_true(size > 0);
	struct dlayer *l = decode(bytes, size);
	free(bytes);
	return l;
}

/* ---- exact bytes ------------------------------------------------------- */

/* Tile 0/0/0, extent 4096: lon -90, lat 0 is at (1024, 2048) exactly.
 *
 *   Value "v"        0A 01 76                        string_value (1), len 1
 *   geometry         09                              MoveTo (1) | count 1 << 3
 *                    80 10                           zigzag(1024) = 2048 = 0x800
 *                    80 20                           zigzag(2048) = 4096 = 0x1000
 *   Feature (15 B)   08 01                           id = 1
 *                    12 02 00 00                     tags = [key 0, value 0]
 *                    18 01                           type = POINT
 *                    22 05 <geometry>                geometry, packed
 *   Layer (35 B)     0A 03 70 74 73                  name "pts"
 *                    12 0F <feature>                 features
 *                    1A 01 6B                        keys: "k"
 *                    22 03 <value>                   values
 *                    28 80 20                        extent 4096
 *                    78 02                           version 2
 *   Tile (37 B)      1A 23 <layer>                   layers */
static void one_point_exact_bytes(void **state)
{
	(void)state;
	static const unsigned char want[] = {
	    0x1A, 0x23, 0x0A, 0x03, 0x70, 0x74, 0x73, 0x12, 0x0F, 0x08, 0x01, 0x12, 0x02,
	    0x00, 0x00, 0x18, 0x01, 0x22, 0x05, 0x09, 0x80, 0x10, 0x80, 0x20, 0x1A, 0x01,
	    0x6B, 0x22, 0x03, 0x0A, 0x01, 0x76, 0x28, 0x80, 0x20, 0x78, 0x02};
	tb_mvt *t = tb_mvt_new(0, 0, 0, 4096, 64);
	assert_non_null(t);
	assert_int_equal(tb_mvt_layer(t, "pts"), 0);
	assert_int_equal(add(t, "POINT(-90 0)", 1, "{\"k\": \"v\"}"), 1);
	size_t size = 0;
	unsigned char *got = tb_mvt_finish(t, &size);
	assert_int_equal(size, sizeof want);
	assert_memory_equal(got, want, sizeof want);
	free(got);
	tb_mvt_free(t);
}

/* ---- GDAL reads it --------------------------------------------------------- */

/* Jizhou (蓟州) at z = 10 lies in tile 845/387. */
enum { JZ_Z = 10, JZ_X = 845, JZ_Y = 387 };

static const struct {
	double lon, lat;
	const char *props;
} jz_points[] = {
    {117.30, 40.05,
     "{\"name\": \"蓟州区 001-003\", \"n\": 42, \"ha\": 12.3456, \"natural\": true}"},
    {117.10, 39.95, "{\"name\": \"oak\", \"n\": -7, \"ha\": 0.5, \"natural\": false}"},
    {117.25, 40.10, "{\"name\": \"松\", \"n\": 42, \"ha\": 12.3456, \"natural\": null}"},
    /* just west of the tile, inside the 64-unit buffer (one unit ≈ 0.0000858°) */
    {117.0703125 - 0.003, 40.0, "{\"name\": \"buffer\", \"n\": 1, \"ha\": 1.0, \"natural\": true}"},
};
enum { JZ_N = sizeof jz_points / sizeof jz_points[0] };

/* Open bytes with GDAL's MVT driver as tile z/x/y (georeferenced in EPSG:3857). */
static GDALDatasetH gdal_open(const unsigned char *bytes, size_t size, int z, int x, int y)
{
	char sx[32], sy[32], sz[32];
	snprintf(sx, sizeof sx, "X=%d", x);
	snprintf(sy, sizeof sy, "Y=%d", y);
	snprintf(sz, sizeof sz, "Z=%d", z);
	const char *const opts[] = {sx, sy, sz, "CLIP=NO", NULL};
	VSILFILE *f = VSIFileFromMemBuffer("/vsimem/tb_test.mvt", (GByte *)bytes, size, FALSE);
	assert_non_null(f);
	VSIFCloseL(f);
	GDALDatasetH ds = GDALOpenEx("MVT:/vsimem/tb_test.mvt", GDAL_OF_VECTOR | GDAL_OF_READONLY,
	                             NULL, opts, NULL);
	assert_non_null(ds);
	return ds;
}

static void gdal_close(GDALDatasetH ds)
{
	GDALClose(ds);
	VSIUnlink("/vsimem/tb_test.mvt");
}

static unsigned char *jizhou_points_tile(size_t *size)
{
	tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
	assert_non_null(t);
	assert_int_equal(tb_mvt_layer(t, "parcels"), 0);
	for (size_t i = 0; i < JZ_N; i++) {
		char text[96];
		snprintf(text, sizeof text, "POINT(%.10f %.10f)", jz_points[i].lon,
		         jz_points[i].lat);
		assert_int_equal(add(t, text, 100 + i, jz_points[i].props), 1);
	}
	/* far outside the tile and its buffer: not added */
	assert_int_equal(add(t, "POINT(117.5 40.05)", 999, NULL), 0);
	unsigned char *bytes = tb_mvt_finish(t, size);
	tb_mvt_free(t);
	assert_non_null(bytes);
	return bytes;
}

static void check_gdal_point(OGRFeatureH f, size_t i)
{
	OGRGeometryH g = OGR_F_GetGeometryRef(f);
	assert_non_null(g);
	double mx = OGR_G_GetX(g, 0), my = OGR_G_GetY(g, 0);
	double wx = R_EARTH * jz_points[i].lon * M_PI / 180;
	double wy = R_EARTH * asinh(tan(jz_points[i].lat * M_PI / 180));
	double unit = 2 * M_PI * R_EARTH / (1 << JZ_Z) / 4096;
	assert_true(fabs(mx - wx) <= unit && fabs(my - wy) <= unit);
	/* inside the tile grown by its buffer */
	double minlon, minlat, maxlon, maxlat;
	tb_mvt_bounds(JZ_Z, JZ_X, JZ_Y, 4096, 64, &minlon, &minlat, &maxlon, &maxlat);
	assert_true(mx >= R_EARTH * minlon * M_PI / 180 && mx <= R_EARTH * maxlon * M_PI / 180);
	assert_true(my >= R_EARTH * asinh(tan(minlat * M_PI / 180)) &&
	            my <= R_EARTH * asinh(tan(maxlat * M_PI / 180)));
}

static void check_gdal_attributes(OGRFeatureH f, size_t i)
{
	json_t *want = props(jz_points[i].props);
	int k = OGR_F_GetFieldIndex(f, "name");
	assert_true(k >= 0);
	assert_string_equal(OGR_F_GetFieldAsString(f, k),
	                    json_string_value(json_object_get(want, "name")));
	k = OGR_F_GetFieldIndex(f, "n");
	assert_true(k >= 0);
	assert_int_equal(OGR_F_GetFieldAsInteger64(f, k),
	                 json_integer_value(json_object_get(want, "n")));
	k = OGR_F_GetFieldIndex(f, "ha");
	assert_true(k >= 0);
	assert_true(OGR_F_GetFieldAsDouble(f, k) == json_real_value(json_object_get(want, "ha")));
	k = OGR_F_GetFieldIndex(f, "natural");
	assert_true(k >= 0);
	json_t *b = json_object_get(want, "natural");
	if (json_is_null(b))
		assert_false(OGR_F_IsFieldSetAndNotNull(f, k));
	else
		assert_int_equal(OGR_F_GetFieldAsInteger(f, k), json_is_true(b));
	json_decref(want);
}

static void gdal_reads_points_and_attributes(void **state)
{
	(void)state;
	size_t size = 0;
	unsigned char *bytes = jizhou_points_tile(&size);
	GDALDatasetH ds = gdal_open(bytes, size, JZ_Z, JZ_X, JZ_Y);
	OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "parcels");
	assert_non_null(lyr);
	assert_int_equal(OGR_L_GetFeatureCount(lyr, TRUE), JZ_N);
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
	int kb = OGR_FD_GetFieldIndex(defn, "natural");
	assert_int_equal(OGR_Fld_GetSubType(OGR_FD_GetFieldDefn(defn, kb)), OFSTBoolean);
	OGR_L_ResetReading(lyr);
	size_t seen = 0;
	for (OGRFeatureH f; (f = OGR_L_GetNextFeature(lyr)); OGR_F_Destroy(f), seen++) {
		/* GDAL numbers features itself; the MVT id is the field mvt_id */
		int k = OGR_F_GetFieldIndex(f, "mvt_id");
		assert_true(k >= 0);
		size_t i = (size_t)(OGR_F_GetFieldAsInteger64(f, k) - 100);
		assert_true(i < JZ_N);
		check_gdal_point(f, i);
		check_gdal_attributes(f, i);
	}
	assert_int_equal(seen, JZ_N);
	gdal_close(ds);
	free(bytes);
}

/* Lines and polygons (with a hole) of a Jizhou tile, as GDAL reads them. */
static void gdal_reads_lines_and_polygons(void **state)
{
	(void)state;
	tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
	assert_int_equal(tb_mvt_layer(t, "patrols"), 0);
	assert_int_equal(
	    add(t, "LINESTRING(117.1 40.0, 117.2 40.1, 117.3 40.0)", 1, "{\"ranger\": \"张三\"}"),
	    1);
	assert_int_equal(tb_mvt_layer(t, "parcels"), 0);
	assert_int_equal(
	    add(t,
	        "MULTIPOLYGON(((117.1 39.95, 117.2 39.95, 117.2 40.05, 117.1 40.05, "
	        "117.1 39.95), (117.12 39.97, 117.18 39.97, 117.18 40.03, 117.12 40.03, "
	        "117.12 39.97)), ((117.3 40.0, 117.35 40.0, 117.35 40.1, 117.3 40.0)))",
	        2, "{\"code\": \"001-003\"}"),
	    1);
	size_t size = 0;
	unsigned char *bytes = tb_mvt_finish(t, &size);
	tb_mvt_free(t);
	GDALDatasetH ds = gdal_open(bytes, size, JZ_Z, JZ_X, JZ_Y);
	assert_int_equal(GDALDatasetGetLayerCount(ds), 2);
	OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "parcels");
	assert_non_null(lyr);
	OGRFeatureH f = OGR_L_GetNextFeature(lyr);
	assert_non_null(f);
	OGRGeometryH g = OGR_F_GetGeometryRef(f);
	assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(g)), wkbMultiPolygon);
	assert_int_equal(OGR_G_GetGeometryCount(g), 2);
	assert_int_equal(OGR_G_GetGeometryCount(OGR_G_GetGeometryRef(g, 0)), 2); /* the hole */
	assert_true(OGR_G_IsValid(g));
	/* 0.1° × 0.1° less 0.06° × 0.06°, plus a triangle, in Web Mercator m²:
	 * x is R·lon, y is stretched by ≈ 1/cos 40° at 40°N */
	double k = M_PI / 180 * R_EARTH, scale = 1 / cos(40.0 * M_PI / 180); /* y only */
	double want = ((0.1 * 0.1 - 0.06 * 0.06) + 0.05 * 0.1 / 2) * k * k * scale;
	assert_true(fabs(OGR_G_Area(g) / want - 1) < 0.01);
	OGR_F_Destroy(f);
	lyr = GDALDatasetGetLayerByName(ds, "patrols");
	f = OGR_L_GetNextFeature(lyr);
	assert_non_null(f);
	assert_string_equal(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "ranger")), "张三");
	assert_int_equal(OGR_G_GetPointCount(OGR_F_GetGeometryRef(f)), 3);
	OGR_F_Destroy(f);
	gdal_close(ds);
	free(bytes);
}

/* ---- clipping, winding, holes, simplification ------------------------------ */

static void big_polygon_clipped_to_buffer(void **state)
{
	(void)state;
	tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
	tb_mvt_layer(t, "district");
	assert_int_equal(add(t, "POLYGON((116 39, 118.5 39, 118.5 41, 116 41, 116 39))", 7, NULL),
	                 1);
	struct dlayer *l = encode_and_decode(t);
	assert_int_equal(l->nf, 1);
	const struct dfeature *f = &l->f[0];
	assert_int_equal(f->type, 3);
	assert_int_equal(f->nparts, 1);
	assert_int_equal(f->closed, 1);
	assert_int_equal(f->npts, 4); /* the buffered tile square, closing point implied */
	assert_int_equal(f->minx, -64);
	assert_int_equal(f->miny, -64);
	assert_int_equal(f->maxx, 4096 + 64);
	assert_int_equal(f->maxy, 4096 + 64);
	assert_true(part_area2(f, 0) > 0);
	dlayer_free(l);
	tb_mvt_free(t);
}

/* A line across the tile is cut where the buffer ends. */
static void long_line_clipped_to_buffer(void **state)
{
	(void)state;
	tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
	tb_mvt_layer(t, "roads");
	assert_int_equal(add(t, "LINESTRING(116 40, 117.2 40, 118.5 40)", 3, NULL), 1);
	struct dlayer *l = encode_and_decode(t);
	const struct dfeature *f = &l->f[0];
	assert_int_equal(f->type, 2);
	assert_int_equal(f->nparts, 1);
	assert_int_equal(f->closed, 0);
	assert_int_equal(f->minx, -64);
	assert_int_equal(f->maxx, 4096 + 64);
	assert_int_equal(f->miny, f->maxy); /* a parallel stays one row of the grid */
	dlayer_free(l);
	tb_mvt_free(t);
}

static void outside_polygon_not_added(void **state)
{
	(void)state;
	tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
	tb_mvt_layer(t, "district");
	/* east of the tile, and a sliver that lies only just outside the buffer */
	assert_int_equal(add(t, "POLYGON((117.5 40, 117.6 40, 117.6 40.1, 117.5 40))", 1, NULL), 0);
	assert_int_equal(add(t, "POLYGON((117.428 40, 117.5 40, 117.5 40.1, 117.428 40))", 2, NULL),
	                 0);
	/* a polygon smaller than half a unit collapses on the grid */
	assert_int_equal(
	    add(t, "POLYGON((117.3 40, 117.30001 40, 117.3 40.00001, 117.3 40))", 3, NULL), 0);
	assert_int_equal(tb_mvt_count(t), 0);
	size_t size = 1;
	unsigned char *bytes = tb_mvt_finish(t, &size);
	assert_non_null(bytes);
	assert_int_equal(size, 0);
	free(bytes);
	tb_mvt_free(t);
}

/* Both windings of the input come out the same: exterior positive, hole
 * negative (spec formula, y down). */
static void winding_and_holes(void **state)
{
	(void)state;
	static const char *const polys[] = {
	    /* exterior counter-clockwise in lon/lat, hole clockwise (OGC order) */
	    "POLYGON((117.1 39.95, 117.3 39.95, 117.3 40.15, 117.1 40.15, 117.1 39.95),"
	    "(117.15 40.0, 117.15 40.1, 117.25 40.1, 117.25 40.0, 117.15 40.0))",
	    /* the opposite */
	    "POLYGON((117.1 39.95, 117.1 40.15, 117.3 40.15, 117.3 39.95, 117.1 39.95),"
	    "(117.15 40.0, 117.25 40.0, 117.25 40.1, 117.15 40.1, 117.15 40.0))",
	};
	for (size_t i = 0; i < 2; i++) {
		tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
		tb_mvt_layer(t, "parcels");
		assert_int_equal(add(t, polys[i], 1, NULL), 1);
		struct dlayer *l = encode_and_decode(t);
		const struct dfeature *f = &l->f[0];
		assert_int_equal(f->nparts, 2); /* the hole is kept */
		assert_int_equal(f->closed, 2);
		assert_int_equal(f->npts, 8);
		assert_true(part_area2(f, 0) > 0);
		assert_true(part_area2(f, 1) < 0);
		dlayer_free(l);
		tb_mvt_free(t);
	}
}

/* The decoded polygon feature f as a GEOS geometry: a ring of positive area
 * starts a polygon, rings of negative area are its holes (as readers do). */
static GEOSGeometry *decoded_polygons(const struct dfeature *f)
{
	size_t cap = 64 + 32 * f->npts, len = 0;
	char *text = malloc(cap);
	len += (size_t)snprintf(text, cap, "MULTIPOLYGON(");
	for (size_t k = 0; k < f->nparts; k++) {
		size_t from = f->part[k], to = k + 1 < f->nparts ? f->part[k + 1] : f->npts;
		bool outer = part_area2(f, k) > 0;
		/* a polygon: "(" ring ("," ring)* ")"; a ring: "(" points ")" */
		len +=
		    (size_t)snprintf(text + len, cap - len, "%s(", outer ? (k ? "),(" : "(") : ",");
		for (size_t i = from; i <= to; i++) {
			size_t j = i < to ? i : from; /* close the ring */
			len += (size_t)snprintf(text + len, cap - len, "%s%d %d",
			                        i > from ? "," : "", f->x[j], f->y[j]);
		}
		len += (size_t)snprintf(text + len, cap - len, ")");
	}
	snprintf(text + len, cap - len, "))");
	GEOSGeometry *g = wkt(text);
	free(text);
	return g;
}

/* Rounding a hole 0.25 units inside its polygon's edge would put the two on
 * one line: the polygon is snap-rounded instead and comes out valid. */
static void rounding_keeps_polygons_valid(void **state)
{
	(void)state;
	static const double ring[][2] = {{1000.2, 1000.2},
	                                 {2000.2, 1000.2},
	                                 {2000.2, 2000.2},
	                                 {1000.2, 2000.2},
	                                 {1000.2, 1000.2}};
	static const double hole[][2] = {{1000.45, 1200.2},
	                                 {1000.45, 1800.2},
	                                 {1500.2, 1800.2},
	                                 {1500.2, 1200.2},
	                                 {1000.45, 1200.2}};
	char text[1024];
	size_t len = (size_t)snprintf(text, sizeof text, "POLYGON((");
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 5; i++) {
			double lon, lat, px = r ? hole[i][0] : ring[i][0],
			                 py = r ? hole[i][1] : ring[i][1];
			tile_lonlat(JZ_Z, JZ_X, JZ_Y, px, py, &lon, &lat);
			len += (size_t)snprintf(text + len, sizeof text - len, "%s%.13f %.13f%s",
			                        i   ? ","
			                        : r ? ",("
			                            : "",
			                        lon, lat, i == 4 ? ")" : "");
		}
	snprintf(text + len, sizeof text - len, ")");
	tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
	tb_mvt_layer(t, "parcels");
	assert_int_equal(add(t, text, 1, NULL), 1);
	struct dlayer *l = encode_and_decode(t);
	GEOSGeometry *g = decoded_polygons(&l->f[0]);
	assert_int_equal(GEOSisValid_r(tb_geos(), g), 1);
	double area = 0;
	GEOSArea_r(tb_geos(), g, &area);
	assert_true(fabs(area - (1000.0 * 1000 - 500.0 * 600)) <= 1000); /* the hole is kept */
	drop(g);
	dlayer_free(l);
	tb_mvt_free(t);
}

/* Encode a ring of n vertices around a circle of 100 units in the middle
 * of tile 8/211/96, each moved off the circle by up to ±jitter units
 * (deterministic noise); returns the decoded layer. */
static struct dlayer *encode_ring(int n, double jitter)
{
	enum { Z = 8, X = 211, Y = 96 };
	char *text = malloc(64 * ((size_t)n + 2));
	size_t len = (size_t)sprintf(text, "POLYGON((");
	uint32_t seed = 12345;
	double first = 0;
	for (int i = 0; i <= n; i++) {
		seed = seed * 1103515245u + 12345u; /* an LCG: the same rings every run */
		double w = i == n ? first : jitter * ((seed >> 8) / 8388608.0 - 1);
		if (i == 0) first = w;
		double a = 2 * M_PI * i / n, lon, lat;
		tile_lonlat(Z, X, Y, 2048 + (100 + w) * cos(a), 2048 + (100 + w) * sin(a), &lon,
		            &lat);
		len += (size_t)sprintf(text + len, "%s%.12f %.12f", i ? "," : "", lon, lat);
	}
	strcpy(text + len, "))");
	tb_mvt *t = tb_mvt_new(Z, X, Y, 4096, 64);
	tb_mvt_layer(t, "parcels");
	assert_int_equal(add(t, text, 1, NULL), 1);
	struct dlayer *l = encode_and_decode(t);
	tb_mvt_free(t);
	free(text);
	return l;
}

/* At z = 8 a ring of 1000 vertices (about 0.6 units apart) keeps only what
 * the tile can show: few points for a smooth circle, and far fewer than
 * 1000 for one whose vertices wiggle within a band 2 units wide. */
static void simplified_to_tile_resolution(void **state)
{
	(void)state;
	static const double jitters[] = {0, 1};
	static const size_t most[] = {50, 1000 / 3};
	for (size_t k = 0; k < 2; k++) {
		struct dlayer *l = encode_ring(1000, jitters[k]);
		const struct dfeature *f = &l->f[0];
		print_message("simplified: 1000 vertices within ±%g units -> %zu\n", jitters[k],
		              f->npts);
		assert_true(f->npts <= most[k]);
		assert_true(f->npts >= 12);
		for (size_t i = 0; i < f->npts; i++) /* still the circle */
			assert_true(fabs(hypot(f->x[i] - 2048, f->y[i] - 2048) - 100) <= 2.5);
		assert_true(part_area2(f, 0) > 0);
		dlayer_free(l);
	}
}

/* Keys and values are shared within a layer; the tags point at them. */
static void keys_and_values_shared(void **state)
{
	(void)state;
	tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
	tb_mvt_layer(t, "parcels");
	assert_int_equal(add(t, "POINT(117.2 40)", 1, "{\"a\": 1, \"b\": \"x\"}"), 1);
	assert_int_equal(add(t, "POINT(117.3 40)", 2, "{\"b\": \"x\", \"a\": 1}"), 1);
	assert_int_equal(add(t, "POINT(117.3 40.1)", 3, "{\"a\": 1.0, \"c\": [1, 2]}"), 1);
	assert_int_equal(add(t, "POINT(117.3 40.1)", 4, "{}"), 1);
	struct dlayer *l = encode_and_decode(t);
	assert_int_equal(l->nf, 4);
	assert_int_equal(l->nkeys, 3);   /* a b c */
	assert_int_equal(l->nvalues, 4); /* 1, "x", 1.0 (a double), "[1,2]" */
	assert_int_equal(l->f[0].ntags, 4);
	assert_int_equal(l->f[1].tags[0], l->f[0].tags[2]); /* key b */
	assert_int_equal(l->f[1].tags[1], l->f[0].tags[3]); /* value "x" */
	assert_int_equal(l->f[2].tags[0], l->f[0].tags[0]); /* key a */
	assert_int_not_equal(l->f[2].tags[1], l->f[0].tags[1]);
	assert_int_equal(l->f[3].ntags, 0);
	assert_int_equal(l->extent, 4096);
	dlayer_free(l);
	tb_mvt_free(t);
}

/* A multipoint is one MoveTo with a count; the cursor runs on. */
static void multipoint_one_moveto(void **state)
{
	(void)state;
	tb_mvt *t = tb_mvt_new(0, 0, 0, 4096, 0);
	tb_mvt_layer(t, "p");
	assert_int_equal(add(t, "MULTIPOINT((-90 0), (0 0), (200 0))", 5, NULL), 1);
	struct dlayer *l = encode_and_decode(t);
	const struct dfeature *f = &l->f[0];
	assert_int_equal(f->type, 1);
	assert_int_equal(f->npts, 2); /* 200°E is off the map */
	assert_int_equal(f->x[0], 1024);
	assert_int_equal(f->x[1], 2048);
	assert_int_equal(f->y[1], 2048);
	dlayer_free(l);
	tb_mvt_free(t);
}

/* A collection gives the parts of its highest dimension; latitudes past the
 * Mercator square's edge sit on it. */
static void collections_and_poles(void **state)
{
	(void)state;
	tb_mvt *t = tb_mvt_new(0, 0, 0, 4096, 64);
	tb_mvt_layer(t, "p");
	assert_int_equal(add(t,
	                     "GEOMETRYCOLLECTION(POINT(0 0), LINESTRING(0 0, 10 10),"
	                     "POLYGON((-90 -45, 90 -45, 90 45, -90 45, -90 -45)))",
	                     1, NULL),
	                 1);
	assert_int_equal(add(t, "POINT(0 89.5)", 2, NULL), 1);
	struct dlayer *l = encode_and_decode(t);
	assert_int_equal(l->nf, 2);
	assert_int_equal(l->f[0].type, 3);
	assert_int_equal(l->f[0].nparts, 1);
	assert_int_equal(l->f[0].npts, 4);
	assert_int_equal(l->f[0].minx, 1024);
	assert_int_equal(l->f[0].maxx, 3072);
	assert_int_equal(l->f[1].type, 1);
	assert_int_equal(l->f[1].x[0], 2048);
	assert_int_equal(l->f[1].y[0], 0);
	dlayer_free(l);
	tb_mvt_free(t);
}

static void empty_tile_and_misuse(void **state)
{
	(void)state;
	assert_null(tb_mvt_new(3, 8, 0, 4096, 64));
	assert_null(tb_mvt_new(3, 0, 0, 0, 64));
	tb_mvt *t = tb_mvt_new(3, 6, 3, 4096, 64);
	GEOSGeometry *g = wkt("POINT(117 40)");
	tb_err e = {0};
	assert_int_equal(tb_mvt_add(t, g, 1, NULL, &e), TB_EUSAGE);
	assert_int_equal(tb_mvt_layer(t, ""), TB_EUSAGE);
	assert_int_equal(tb_mvt_layer(t, "a"), 0);
	assert_int_equal(tb_mvt_layer(t, "b"), 0);
	drop(g);
	assert_int_equal(add(t, "POINT EMPTY", 1, NULL), 0);
	assert_int_equal(add(t, "POLYGON EMPTY", 1, NULL), 0);
	size_t size = 1;
	unsigned char *bytes = tb_mvt_finish(t, &size);
	assert_non_null(bytes);
	assert_int_equal(size, 0);
	free(bytes);
	/* back to layer a: one layer with one feature, b left out */
	assert_int_equal(tb_mvt_layer(t, "a"), 0);
	assert_int_equal(add(t, "POINT(117 40)", 1, NULL), 1);
	struct dlayer *l = encode_and_decode(t);
	assert_string_equal(l->name, "a");
	assert_int_equal(l->nf, 1);
	dlayer_free(l);
	tb_mvt_free(t);
}

/* ---- bounds ------------------------------------------------------------------ */

static void bounds_of_jizhou_tile(void **state)
{
	(void)state;
	double x0, y0, x1, y1;
	tb_mvt_bounds(JZ_Z, JZ_X, JZ_Y, 4096, 0, &x0, &y0, &x1, &y1);
	assert_float_equal(x0, 117.0703125, 1e-12);
	assert_float_equal(x1, 117.421875, 1e-12);
	assert_float_equal(y0, 39.90973623453718, 1e-10);
	assert_float_equal(y1, 40.17887331434696, 1e-10);
	/* 117.4E 40.05N is in it: x = floor(845.94), y = floor(387.48) */
	assert_true(x0 <= 117.4 && 117.4 < x1 && y0 <= 40.05 && 40.05 < y1);
	tb_mvt_bounds(JZ_Z, JZ_X, JZ_Y, 4096, 64, &x0, &y0, &x1, &y1);
	assert_float_equal(x0, 117.0648193359375, 1e-12);
	assert_float_equal(x1, 117.4273681640625, 1e-12);
	assert_float_equal(y0, 39.905522539728544, 1e-10);
	assert_float_equal(y1, 40.18307014852533, 1e-10);
	/* the whole world, and past its edges with a buffer */
	tb_mvt_bounds(0, 0, 0, 4096, 0, &x0, &y0, &x1, &y1);
	assert_float_equal(x0, -180, 1e-12);
	assert_float_equal(y1, 85.0511287798066, 1e-9);
	tb_mvt_bounds(0, 0, 0, 4096, 64, &x0, &y0, &x1, &y1);
	assert_float_equal(x0, -180, 0);
	assert_float_equal(x1, 180, 0);
	assert_float_equal(y0, -90, 0);
	assert_float_equal(y1, 90, 0);
}

/* Encoding a tile's bounds as a polygon fills the tile exactly. */
static void bounds_match_encoder(void **state)
{
	(void)state;
	double x0, y0, x1, y1, px, py;
	tb_mvt_bounds(JZ_Z, JZ_X, JZ_Y, 4096, 0, &x0, &y0, &x1, &y1);
	tile_units(JZ_Z, JZ_X, JZ_Y, x0, y1, &px, &py);
	assert_float_equal(px, 0, 1e-6);
	assert_float_equal(py, 0, 1e-6);
	tile_units(JZ_Z, JZ_X, JZ_Y, x1, y0, &px, &py);
	assert_float_equal(px, 4096, 1e-6);
	assert_float_equal(py, 4096, 1e-6);
}

/* ---- time -------------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 500 parcels of 64 vertices in a 25 × 20 grid over the Jizhou tile. */
static void time_500_polygons(void **state)
{
	(void)state;
	GEOSGeometry *g[500];
	json_t *p[500];
	for (int i = 0; i < 500; i++) {
		char text[64 * 70] = "POLYGON((";
		size_t len = strlen(text);
		double cx = 117.08 + 0.0135 * (i % 25), cy = 39.915 + 0.0132 * (i / 25);
		for (int k = 0; k <= 64; k++) {
			double a = 2 * M_PI * (k % 64) / 64;
			len += (size_t)snprintf(text + len, sizeof text - len, "%s%.7f %.7f",
			                        k ? "," : "", cx + 0.006 * cos(a),
			                        cy + 0.005 * sin(a));
		}
		snprintf(text + len, sizeof text - len, "))");
		g[i] = wkt(text);
		p[i] = json_pack("{s:s, s:i, s:f, s:b}", "code", i % 2 ? "乔木林地" : "灌木林地",
		                 "ling_zu", i % 5 + 1, "ha", 10.0 + i, "natural", i % 3 != 0);
	}
	double t0 = now_ms();
	tb_mvt *t = tb_mvt_new(JZ_Z, JZ_X, JZ_Y, 4096, 64);
	tb_mvt_layer(t, "parcels");
	tb_err e = {0};
	for (int i = 0; i < 500; i++)
		assert_int_equal(tb_mvt_add(t, g[i], (uint64_t)i, p[i], &e), 1);
	size_t size = 0;
	unsigned char *bytes = tb_mvt_finish(t, &size);
	double ms = now_ms() - t0;
	print_message("500 polygons (64 vertices each) -> %zu bytes in %.1f ms\n", size, ms);
	struct dlayer *l = decode(bytes, size);
	assert_int_equal(l->nf, 500);
	for (size_t i = 0; i < l->nf; i++)
		assert_true(part_area2(&l->f[i], 0) > 0);
	dlayer_free(l);
	free(bytes);
	tb_mvt_free(t);
	for (int i = 0; i < 500; i++) {
		drop(g[i]);
		json_decref(p[i]);
	}
}

static int setup(void **state)
{
	(void)state;
	GDALAllRegister();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	GDALDestroyDriverManager();
	tb_geos_finish();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_point_exact_bytes),
	    cmocka_unit_test(gdal_reads_points_and_attributes),
	    cmocka_unit_test(gdal_reads_lines_and_polygons),
	    cmocka_unit_test(big_polygon_clipped_to_buffer),
	    cmocka_unit_test(long_line_clipped_to_buffer),
	    cmocka_unit_test(outside_polygon_not_added),
	    cmocka_unit_test(winding_and_holes),
	    cmocka_unit_test(rounding_keeps_polygons_valid),
	    cmocka_unit_test(simplified_to_tile_resolution),
	    cmocka_unit_test(keys_and_values_shared),
	    cmocka_unit_test(multipoint_one_moveto),
	    cmocka_unit_test(collections_and_poles),
	    cmocka_unit_test(empty_tile_and_misuse),
	    cmocka_unit_test(bounds_of_jizhou_tile),
	    cmocka_unit_test(bounds_match_encoder),
	    cmocka_unit_test(time_500_polygons),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
