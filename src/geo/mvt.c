/* mvt.c — Mapbox Vector Tile 2.1 encoder (see mvt.h), with the few protobuf
 * primitives it needs written out here: varints, zigzag, length-delimited
 * and fixed64 fields.  Each layer keeps its encoded features and its key and
 * value tables (deduplicated through a small hash) as ready-to-copy protobuf
 * bytes, so that serialising the tile is only a concatenation.  Geometry goes
 * lon/lat → Web Mercator → tile units → clip → simplify → integer grid, then
 * into MoveTo/LineTo/ClosePath commands. */
#include "geo/mvt.h"

#include "base/buf.h"
#include "geo/geo.h"
#include "geo/geo_internal.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAT 85.0511287798066 /* the Web Mercator square's edge */
#define SIMPLIFY_UNITS 1.0       /* Douglas-Peucker tolerance, in tile units */

/* Protobuf wire types and the MVT 2.1 field numbers (vector_tile.proto). */
enum { WIRE_VARINT = 0, WIRE_FIXED64 = 1, WIRE_BYTES = 2 };
enum { TILE_LAYERS = 3 };
enum {
	LAYER_NAME = 1,
	LAYER_FEATURES = 2,
	LAYER_KEYS = 3,
	LAYER_VALUES = 4,
	LAYER_EXTENT = 5,
	LAYER_VERSION = 15
};
enum { FEATURE_ID = 1, FEATURE_TAGS = 2, FEATURE_TYPE = 3, FEATURE_GEOMETRY = 4 };
enum { VALUE_STRING = 1, VALUE_DOUBLE = 3, VALUE_UINT = 5, VALUE_SINT = 6, VALUE_BOOL = 7 };
enum { GEOM_POINT = 1, GEOM_LINESTRING = 2, GEOM_POLYGON = 3 };
enum { CMD_MOVETO = 1, CMD_LINETO = 2, CMD_CLOSEPATH = 7 };

/* ---- protobuf primitives ------------------------------------------------ */

static int put_varint(tb_buf *b, uint64_t v)
{
	unsigned char out[10];
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (unsigned char)v;
	return tb_buf_add(b, out, n);
}

static uint32_t zigzag32(int32_t v)
{
	return ((uint32_t)v << 1) ^ (v < 0 ? UINT32_MAX : 0); /* (v << 1) ^ (v >> 31) */
}

static uint64_t zigzag64(int64_t v)
{
	return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static int put_tag(tb_buf *b, unsigned field, unsigned wire)
{
	return put_varint(b, (uint64_t)field << 3 | wire);
}

static int put_uint_field(tb_buf *b, unsigned field, uint64_t v)
{
	int rc = put_tag(b, field, WIRE_VARINT);
	return rc ? rc : put_varint(b, v);
}

/* A length-delimited field: strings, sub-messages, packed repeated. */
static int put_bytes_field(tb_buf *b, unsigned field, const void *p, size_t n)
{
	int rc = put_tag(b, field, WIRE_BYTES);
	if (!rc) rc = put_varint(b, n);
	return rc ? rc : tb_buf_add(b, p, n);
}

static int put_double_field(tb_buf *b, unsigned field, double v)
{
	uint64_t bits;
	unsigned char out[8];
	memcpy(&bits, &v, sizeof bits);
	for (int i = 0; i < 8; i++)
		out[i] = (unsigned char)(bits >> (8 * i)); /* little-endian */
	int rc = put_tag(b, field, WIRE_FIXED64);
	return rc ? rc : tb_buf_add(b, out, sizeof out);
}

/* ---- key and value tables ------------------------------------------------ */

/* A layer's keys or values: each entry stored as the encoded Layer field
 * (tag, length, content) in `bytes`, in index order; an open-addressing hash
 * of the contents finds an entry's index. */
struct dict {
	tb_buf bytes;
	size_t *start;   /* where entry i's content begins in bytes */
	size_t *len;     /* its length */
	uint32_t *slots; /* entry index + 1, 0 = free */
	size_t n, cap, nslots;
};

static void dict_free(struct dict *d)
{
	tb_buf_free(&d->bytes);
	free(d->start);
	free(d->len);
	free(d->slots);
}

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 14695981039346656037u; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 1099511628211u;
	return h;
}

/* The slot holding content (p, n), or the free slot where it would go. */
static uint32_t *dict_slot(const struct dict *d, const void *p, size_t n)
{
	size_t mask = d->nslots - 1;
	for (size_t s = hash_bytes(p, n) & mask;; s = (s + 1) & mask) {
		uint32_t i = d->slots[s];
		if (!i) return &d->slots[s];
		if (d->len[i - 1] == n && !memcmp(d->bytes.data + d->start[i - 1], p, n))
			return &d->slots[s];
	}
}

static int dict_rehash(struct dict *d)
{
	size_t n = d->nslots ? 2 * d->nslots : 64;
	uint32_t *slots = calloc(n, sizeof *slots);
	if (!slots) return TB_ENOMEM;
	free(d->slots);
	d->slots = slots;
	d->nslots = n;
	for (size_t i = 0; i < d->n; i++)
		*dict_slot(d, d->bytes.data + d->start[i], d->len[i]) = (uint32_t)(i + 1);
	return 0;
}

static int dict_grow(struct dict *d)
{
	size_t cap = d->cap ? 2 * d->cap : 32;
	size_t *start = realloc(d->start, cap * sizeof *start);
	if (!start) return TB_ENOMEM;
	d->start = start;
	size_t *len = realloc(d->len, cap * sizeof *len);
	if (!len) return TB_ENOMEM;
	d->len = len;
	d->cap = cap;
	return 0;
}

/* The index of content (p, n) in d, appending it as Layer field `field`
 * when it is new. */
static int dict_index(struct dict *d, unsigned field, const void *p, size_t n, uint32_t *index)
{
	int rc = 0;
	if (2 * (d->n + 1) > d->nslots && (rc = dict_rehash(d))) return rc;
	uint32_t *slot = dict_slot(d, p, n);
	if (*slot) {
		*index = *slot - 1;
		return 0;
	}
	if (d->n == UINT32_MAX - 1) return TB_ETOOBIG;
	if (d->n == d->cap && (rc = dict_grow(d))) return rc;
	size_t mark = d->bytes.len;
	if ((rc = put_bytes_field(&d->bytes, field, p, n))) {
		d->bytes.len = mark; /* no half-written entry */
		return rc;
	}
	d->start[d->n] = d->bytes.len - n;
	d->len[d->n] = n;
	*index = (uint32_t)d->n;
	*slot = (uint32_t)++d->n;
	return 0;
}

/* ---- tiles and layers ---------------------------------------------------- */

struct layer {
	char *name;
	tb_buf features; /* encoded Layer.features fields */
	size_t nfeatures;
	struct dict keys, values;
};

struct point {
	int32_t x, y;
};

struct tb_mvt {
	int z, x, y, extent, buffer;
	struct layer *layers;
	size_t nlayers, caplayers;
	size_t cur; /* current layer + 1; 0 = none yet */
	size_t nfeatures;
	/* scratch space of tb_mvt_add, reused from feature to feature */
	tb_buf tags, geom, value, body;
	struct point *pts;
	size_t npts, cappts;
	int32_t cx, cy; /* the geometry commands' cursor */
};

static void layer_init(struct layer *l)
{
	memset(l, 0, sizeof *l);
	tb_buf_init(&l->features, TB_MVT_MAX_BYTES);
	tb_buf_init(&l->keys.bytes, TB_MVT_MAX_BYTES);
	tb_buf_init(&l->values.bytes, TB_MVT_MAX_BYTES);
}

static void layer_free(struct layer *l)
{
	free(l->name);
	tb_buf_free(&l->features);
	dict_free(&l->keys);
	dict_free(&l->values);
}

tb_mvt *tb_mvt_new(int z, int x, int y, int extent, int buffer)
{
	if (z < 0 || z > 30 || x < 0 || y < 0 || x >= (1 << z) || y >= (1 << z)) return NULL;
	if (extent <= 0 || extent > (1 << 20) || buffer < 0 || buffer > extent) return NULL;
	tb_mvt *t = calloc(1, sizeof *t);
	if (!t) return NULL;
	t->z = z, t->x = x, t->y = y, t->extent = extent, t->buffer = buffer;
	tb_buf_init(&t->tags, TB_MVT_MAX_BYTES);
	tb_buf_init(&t->geom, TB_MVT_MAX_BYTES);
	tb_buf_init(&t->value, TB_MVT_MAX_BYTES);
	tb_buf_init(&t->body, TB_MVT_MAX_BYTES);
	return t;
}

void tb_mvt_free(tb_mvt *t)
{
	if (!t) return;
	for (size_t i = 0; i < t->nlayers; i++)
		layer_free(&t->layers[i]);
	free(t->layers);
	tb_buf_free(&t->tags);
	tb_buf_free(&t->geom);
	tb_buf_free(&t->value);
	tb_buf_free(&t->body);
	free(t->pts);
	free(t);
}

size_t tb_mvt_count(const tb_mvt *t)
{
	return t ? t->nfeatures : 0;
}

int tb_mvt_layer(tb_mvt *t, const char *name)
{
	if (!name || !*name) return TB_EUSAGE;
	for (size_t i = 0; i < t->nlayers; i++)
		if (!strcmp(t->layers[i].name, name)) {
			t->cur = i + 1;
			return 0;
		}
	if (t->nlayers == t->caplayers) {
		size_t cap = t->caplayers ? 2 * t->caplayers : 4;
		struct layer *n = realloc(t->layers, cap * sizeof *n);
		if (!n) return TB_ENOMEM;
		t->layers = n;
		t->caplayers = cap;
	}
	struct layer *l = &t->layers[t->nlayers];
	layer_init(l);
	if (!(l->name = strdup(name))) return TB_ENOMEM;
	t->cur = ++t->nlayers;
	return 0;
}

/* ---- geometry: lon/lat → tile units, clip, simplify, grid ---------------- */

/* Lon/lat in degrees to units of tile t: Web Mercator, scaled so that the
 * tile spans 0..extent, y pointing down (GEOSGeom_transformXY callback). */
static int to_tile(double *x, double *y, void *ud)
{
	const tb_mvt *t = ud;
	if (!isfinite(*x) || !isfinite(*y)) return 0;
	double lat = fmax(-MAX_LAT, fmin(MAX_LAT, *y)) * M_PI / 180;
	double n = ldexp(1.0, t->z);
	double u = (*x + 180) / 360;                 /* 0..1 west to east   */
	double v = (1 - asinh(tan(lat)) / M_PI) / 2; /* 0..1 north to south */
	*x = (u * n - t->x) * t->extent;
	*y = (v * n - t->y) * t->extent;
	return 1;
}

static void destroy(GEOSGeometry *g)
{
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
}

/* Replace *g by next (which may be NULL: a GEOS failure). */
static GEOSGeometry *step(GEOSGeometry *g, GEOSGeometry *next)
{
	destroy(g);
	return next;
}

/* Append clones of the parts of g of dimension dim (collections recursed)
 * to the growing array *parts of *n (room for *cap). */
static int collect(const GEOSGeometry *g, int dim, GEOSGeometry ***parts, size_t *n, size_t *cap)
{
	GEOSContextHandle_t h = tb_geos();
	int k = GEOSGetNumGeometries_r(h, g);
	if (GEOSGeomTypeId_r(h, g) >= GEOS_MULTIPOINT) {
		for (int i = 0; i < k; i++)
			if (collect(GEOSGetGeometryN_r(h, g, i), dim, parts, n, cap))
				return TB_ENOMEM;
		return 0;
	}
	if (GEOSGeom_getDimensions_r(h, g) != dim || GEOSisEmpty_r(h, g)) return 0;
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 8;
		GEOSGeometry **p = realloc(*parts, ncap * sizeof *p);
		if (!p) return TB_ENOMEM;
		*parts = p;
		*cap = ncap;
	}
	GEOSGeometry *c = GEOSGeom_clone_r(h, g);
	if (!c) return TB_ENOMEM;
	(*parts)[(*n)++] = c;
	return 0;
}

/* A new multi-geometry of the parts of g of dimension dim (g untouched). */
static GEOSGeometry *keep_dimension(const GEOSGeometry *g, int dim)
{
	static const int multi[] = {GEOS_MULTIPOINT, GEOS_MULTILINESTRING, GEOS_MULTIPOLYGON};
	GEOSGeometry **parts = NULL, *out = NULL;
	size_t n = 0, cap = 0;
	if (!collect(g, dim, &parts, &n, &cap)) /* takes the parts, even when it fails */
		out = GEOSGeom_createCollection_r(tb_geos(), multi[dim], parts, (unsigned)n);
	else
		for (size_t i = 0; i < n; i++)
			destroy(parts[i]);
	free(parts);
	return out;
}

/* Does g's envelope meet the rectangle [lo, hi]²; does it lie inside it? */
static void envelope_vs(const GEOSGeometry *g, double lo, double hi, bool *meets, bool *inside)
{
	GEOSContextHandle_t h = tb_geos();
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(h, g, &x0), GEOSGeom_getYMin_r(h, g, &y0);
	GEOSGeom_getXMax_r(h, g, &x1), GEOSGeom_getYMax_r(h, g, &y1);
	*meets = x1 >= lo && y1 >= lo && x0 <= hi && y0 <= hi;
	*inside = x0 > lo && y0 > lo && x1 < hi && y1 < hi;
}

/* Clip to the extent plus buffer; g consumed.  Returns the clipped geometry
 * (g itself when it lies inside), or NULL with *out when nothing is left. */
static GEOSGeometry *clip(const tb_mvt *t, GEOSGeometry *g, bool *out)
{
	double lo = -t->buffer, hi = t->extent + t->buffer;
	bool meets, inside;
	envelope_vs(g, lo, hi, &meets, &inside);
	if (inside) return g;
	if (!meets) {
		*out = true;
		return step(g, NULL);
	}
	return step(g, GEOSClipByRect_r(tb_geos(), g, lo, lo, hi, hi));
}

/* Round to the integer grid.  Rounding each point alone is enough for
 * points and lines, and for most polygons; a polygon it leaves invalid
 * (collapsed or crossing rings) is snap-rounded instead, which keeps it
 * valid, at three times the cost.  NULL on a GEOS error. */
static GEOSGeometry *to_grid(const GEOSGeometry *g, int dim)
{
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *r = GEOSGeom_setPrecision_r(h, g, 1.0, GEOS_PREC_NO_TOPO);
	if (r && dim == 2 && GEOSisValid_r(h, r) != 1)
		r = step(r, GEOSGeom_setPrecision_r(h, g, 1.0, GEOS_PREC_VALID_OUTPUT));
	return r;
}

/* Simplify to the tile's resolution and round to the integer grid; g
 * consumed.  Should GEOS fail to round, the simplified geometry goes on
 * and the encoder rounds it point by point. */
static GEOSGeometry *generalise(GEOSGeometry *g, int dim)
{
	if (dim > 0) g = step(g, GEOSSimplify_r(tb_geos(), g, SIMPLIFY_UNITS));
	if (!g) return NULL;
	GEOSGeometry *r = to_grid(g, dim);
	if (!r) {
		tb__geos_clear_error();
		return g;
	}
	return step(g, r);
}

/* *out = g in tile units, clipped and generalised: a new geometry of
 * dimension dim, or NULL when nothing is left.  Returns 0 or TB_EINPUT
 * (GEOS failed) with *e set. */
static int tile_geometry(tb_mvt *t, const GEOSGeometry *g, int dim, uint64_t id, GEOSGeometry **out,
                         tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	bool outside = false;
	tb__geos_clear_error();
	GEOSGeometry *p = GEOSGeom_transformXY_r(h, g, to_tile, t);
	if (p) p = clip(t, p, &outside);
	if (p && GEOSGeomTypeId_r(h, p) == GEOS_GEOMETRYCOLLECTION)
		p = step(p, keep_dimension(p, dim));
	if (p && !GEOSisEmpty_r(h, p)) p = generalise(p, dim);
	if (p && GEOSisEmpty_r(h, p)) {
		p = step(p, NULL);
		outside = true; /* nothing left, which is no error */
	}
	*out = p;
	if (p || outside) return 0;
	return tb_err_set(e, TB_EINPUT, NULL, "geometry",
	                  "feature %llu: cannot make a tile geometry: %s", (unsigned long long)id,
	                  tb__geos_reason("GEOS failed"));
}

/* ---- geometry: commands -------------------------------------------------- */

static int put_command(tb_mvt *t, unsigned id, uint32_t count)
{
	return put_varint(&t->geom, (id & 0x7) | (uint64_t)count << 3);
}

/* MoveTo/LineTo parameters for pts[from..to), as deltas from the cursor. */
static int put_points(tb_mvt *t, size_t from, size_t to)
{
	int rc = 0;
	for (size_t i = from; i < to && !rc; i++) {
		rc = put_varint(&t->geom, zigzag32(t->pts[i].x - t->cx));
		if (!rc) rc = put_varint(&t->geom, zigzag32(t->pts[i].y - t->cy));
		t->cx = t->pts[i].x, t->cy = t->pts[i].y;
	}
	return rc;
}

static int32_t grid(double v)
{
	return (int32_t)lround(v);
}

/* Append the coordinates of seq to t->pts, rounded, without consecutive
 * duplicates (when dedup).  Coordinates are inside the clip rectangle. */
static int gather(tb_mvt *t, const GEOSCoordSequence *seq, bool dedup)
{
	GEOSContextHandle_t h = tb_geos();
	unsigned n = 0;
	if (!seq) return 0; /* an empty part */
	if (!GEOSCoordSeq_getSize_r(h, seq, &n)) return TB_EINTERNAL;
	if (t->npts + n > t->cappts) {
		size_t cap = 2 * (t->npts + n);
		struct point *p = realloc(t->pts, cap * sizeof *p);
		if (!p) return TB_ENOMEM;
		t->pts = p;
		t->cappts = cap;
	}
	for (unsigned i = 0; i < n; i++) {
		double x, y;
		GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
		struct point q = {grid(x), grid(y)};
		struct point *last = t->npts ? &t->pts[t->npts - 1] : NULL;
		if (dedup && last && last->x == q.x && last->y == q.y) continue;
		t->pts[t->npts++] = q;
	}
	return 0;
}

/* Twice the signed area of the ring in t->pts (closing point dropped), by
 * the spec's surveyor's formula; positive = clockwise on screen (y down). */
static int64_t ring_area2(const tb_mvt *t)
{
	int64_t a = 0;
	for (size_t i = 0; i < t->npts; i++) {
		const struct point *p = &t->pts[i], *q = &t->pts[(i + 1) % t->npts];
		a += (int64_t)p->x * q->y - (int64_t)q->x * p->y;
	}
	return a;
}

static void reverse_points(tb_mvt *t)
{
	for (size_t i = 0, j = t->npts - 1; i < j; i++, j--) {
		struct point p = t->pts[i];
		t->pts[i] = t->pts[j];
		t->pts[j] = p;
	}
}

/* Encode one ring; exterior rings get positive area, holes negative.
 * *kept = false when the ring collapsed on the grid. */
static int put_ring(tb_mvt *t, const GEOSGeometry *ring, bool exterior, bool *kept)
{
	*kept = false;
	t->npts = 0;
	int rc = gather(t, GEOSGeom_getCoordSeq_r(tb_geos(), ring), true);
	if (rc) return rc;
	if (t->npts > 1 && t->pts[0].x == t->pts[t->npts - 1].x &&
	    t->pts[0].y == t->pts[t->npts - 1].y)
		t->npts--; /* ClosePath returns to the start */
	int64_t a = t->npts >= 3 ? ring_area2(t) : 0;
	*kept = a != 0;
	if (!*kept) return 0;
	if ((a > 0) != exterior) reverse_points(t);
	if (!(rc = put_command(t, CMD_MOVETO, 1)) && !(rc = put_points(t, 0, 1)) &&
	    !(rc = put_command(t, CMD_LINETO, (uint32_t)(t->npts - 1))) &&
	    !(rc = put_points(t, 1, t->npts)))
		rc = put_command(t, CMD_CLOSEPATH, 1);
	return rc;
}

/* A polygon: its exterior ring, then its holes; nothing if the exterior
 * collapsed. */
static int put_polygon(tb_mvt *t, const GEOSGeometry *g)
{
	GEOSContextHandle_t h = tb_geos();
	bool kept;
	int rc = put_ring(t, GEOSGetExteriorRing_r(h, g), true, &kept);
	int n = GEOSGetNumInteriorRings_r(h, g);
	for (int i = 0; i < n && kept && !rc; i++) {
		bool hole_kept;
		rc = put_ring(t, GEOSGetInteriorRingN_r(h, g, i), false, &hole_kept);
	}
	return rc;
}

static int put_line(tb_mvt *t, const GEOSGeometry *g)
{
	t->npts = 0;
	int rc = gather(t, GEOSGeom_getCoordSeq_r(tb_geos(), g), true);
	if (rc || t->npts < 2) return rc;
	if (!(rc = put_command(t, CMD_MOVETO, 1)) && !(rc = put_points(t, 0, 1)) &&
	    !(rc = put_command(t, CMD_LINETO, (uint32_t)(t->npts - 1))))
		rc = put_points(t, 1, t->npts);
	return rc;
}

/* Points are gathered across all parts first: one MoveTo for them all. */
static int gather_points(tb_mvt *t, const GEOSGeometry *g)
{
	GEOSContextHandle_t h = tb_geos();
	if (GEOSGeomTypeId_r(h, g) == GEOS_POINT)
		return GEOSisEmpty_r(h, g) ? 0 : gather(t, GEOSGeom_getCoordSeq_r(h, g), false);
	int rc = 0, n = GEOSGetNumGeometries_r(h, g);
	for (int i = 0; i < n && !rc; i++)
		rc = gather_points(t, GEOSGetGeometryN_r(h, g, i));
	return rc;
}

/* Lines and polygons, part by part; the cursor runs on across parts. */
static int put_parts(tb_mvt *t, const GEOSGeometry *g)
{
	GEOSContextHandle_t h = tb_geos();
	switch (GEOSGeomTypeId_r(h, g)) {
	case GEOS_LINESTRING:
	case GEOS_LINEARRING:
		return put_line(t, g);
	case GEOS_POLYGON:
		return put_polygon(t, g);
	case GEOS_POINT:
		return 0;
	default:
		break;
	}
	int rc = 0, n = GEOSGetNumGeometries_r(h, g);
	for (int i = 0; i < n && !rc; i++)
		rc = put_parts(t, GEOSGetGeometryN_r(h, g, i));
	return rc;
}

/* Encode g (tile units) into t->geom; dim 0 points, 1 lines, 2 polygons. */
static int put_geometry(tb_mvt *t, const GEOSGeometry *g, int dim)
{
	tb_buf_reset(&t->geom);
	t->cx = t->cy = 0;
	t->npts = 0;
	if (dim > 0) return put_parts(t, g);
	int rc = gather_points(t, g);
	if (rc || !t->npts) return rc;
	rc = put_command(t, CMD_MOVETO, (uint32_t)t->npts);
	return rc ? rc : put_points(t, 0, t->npts);
}

/* ---- properties ---------------------------------------------------------- */

/* Encode a JSON value as an MVT Value message into t->value.  Returns 1 when
 * v is null (skipped), else 0 or an error. */
static int put_value(tb_mvt *t, const json_t *v)
{
	tb_buf *b = &t->value;
	tb_buf_reset(b);
	switch (json_typeof(v)) {
	case JSON_NULL:
		return 1;
	case JSON_TRUE:
		return put_uint_field(b, VALUE_BOOL, 1);
	case JSON_FALSE:
		return put_uint_field(b, VALUE_BOOL, 0);
	case JSON_REAL:
		return put_double_field(b, VALUE_DOUBLE, json_real_value(v));
	case JSON_STRING:
		return put_bytes_field(b, VALUE_STRING, json_string_value(v),
		                       json_string_length(v));
	case JSON_INTEGER: {
		json_int_t i = json_integer_value(v);
		return i >= 0 ? put_uint_field(b, VALUE_UINT, (uint64_t)i)
		              : put_uint_field(b, VALUE_SINT, zigzag64(i));
	}
	default:
		break; /* arrays and objects: their JSON text */
	}
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text) return TB_ENOMEM;
	int rc = put_bytes_field(b, VALUE_STRING, text, strlen(text));
	free(text);
	return rc;
}

/* The feature's tags (key index, value index, …) into t->tags. */
static int put_tags(tb_mvt *t, struct layer *l, const json_t *props)
{
	const char *key;
	json_t *v;
	tb_buf_reset(&t->tags);
	if (!props || !json_is_object(props)) return 0;
	json_object_foreach((json_t *)props, key, v)
	{
		uint32_t ki, vi;
		int rc = put_value(t, v);
		if (rc == 1) continue;
		if (!rc) rc = dict_index(&l->keys, LAYER_KEYS, key, strlen(key), &ki);
		if (!rc)
			rc = dict_index(&l->values, LAYER_VALUES, t->value.data, t->value.len, &vi);
		if (!rc) rc = put_varint(&t->tags, ki);
		if (!rc) rc = put_varint(&t->tags, vi);
		if (rc) return rc;
	}
	return 0;
}

/* ---- features ------------------------------------------------------------ */

static size_t tile_bytes(const tb_mvt *t)
{
	size_t n = 0;
	for (size_t i = 0; i < t->nlayers; i++)
		n += t->layers[i].features.len + t->layers[i].keys.bytes.len +
		     t->layers[i].values.bytes.len;
	return n;
}

/* Append the Feature built from t->tags and t->geom to layer l. */
static int put_feature(tb_mvt *t, struct layer *l, uint64_t id, int type)
{
	tb_buf *b = &t->body;
	tb_buf_reset(b);
	int rc = put_uint_field(b, FEATURE_ID, id);
	if (!rc && t->tags.len) rc = put_bytes_field(b, FEATURE_TAGS, t->tags.data, t->tags.len);
	if (!rc) rc = put_uint_field(b, FEATURE_TYPE, (uint64_t)type);
	if (!rc) rc = put_bytes_field(b, FEATURE_GEOMETRY, t->geom.data, t->geom.len);
	if (!rc && tile_bytes(t) + b->len + 16 > TB_MVT_MAX_BYTES) rc = TB_ETOOBIG;
	size_t mark = l->features.len;
	if (!rc && (rc = put_bytes_field(&l->features, LAYER_FEATURES, b->data, b->len)))
		l->features.len = mark; /* no half-written feature */
	return rc;
}

static int add_failed(int rc, uint64_t id, tb_err *e)
{
	const char *why = rc == TB_ETOOBIG  ? "the tile would pass its size limit"
	                  : rc == TB_ENOMEM ? "out of memory"
	                                    : "GEOS cannot read the tile geometry";
	return tb_err_set(e, rc, NULL, NULL, "feature %llu: %s", (unsigned long long)id, why);
}

int tb_mvt_add(tb_mvt *t, const GEOSGeometry *g, uint64_t id, const json_t *props, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	if (!t->cur) return tb_err_set(e, TB_EUSAGE, NULL, NULL, "tb_mvt_add before tb_mvt_layer");
	if (!g || GEOSisEmpty_r(h, g)) return 0;
	int dim = GEOSGeom_getDimensions_r(h, g);
	if (dim < 0 || dim > 2)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry", "feature %llu: no dimension",
		                  (unsigned long long)id);
	GEOSGeometry *p = NULL;
	int rc = tile_geometry(t, g, dim, id, &p, e);
	if (rc || !p) return rc;
	rc = put_geometry(t, p, dim);
	destroy(p);
	if (!rc && !t->geom.len) return 0; /* every part collapsed on the grid */
	struct layer *l = &t->layers[t->cur - 1];
	if (!rc) rc = put_tags(t, l, props);
	if (!rc) rc = put_feature(t, l, id, dim + 1);
	if (rc) return add_failed(rc, id, e);
	l->nfeatures++;
	t->nfeatures++;
	return 1;
}

/* ---- the tile ------------------------------------------------------------ */

static int put_layer(tb_buf *out, const struct layer *l, int extent, tb_buf *body)
{
	tb_buf_reset(body);
	int rc = put_bytes_field(body, LAYER_NAME, l->name, strlen(l->name));
	if (!rc) rc = tb_buf_add(body, l->features.data, l->features.len);
	if (!rc) rc = tb_buf_add(body, l->keys.bytes.data, l->keys.bytes.len);
	if (!rc) rc = tb_buf_add(body, l->values.bytes.data, l->values.bytes.len);
	if (!rc) rc = put_uint_field(body, LAYER_EXTENT, (uint64_t)extent);
	if (!rc) rc = put_uint_field(body, LAYER_VERSION, 2);
	return rc ? rc : put_bytes_field(out, TILE_LAYERS, body->data, body->len);
}

unsigned char *tb_mvt_finish(const tb_mvt *t, size_t *size)
{
	tb_buf out, body;
	int rc = 0;
	tb_buf_init(&out, 2 * TB_MVT_MAX_BYTES);
	tb_buf_init(&body, 2 * TB_MVT_MAX_BYTES);
	for (size_t i = 0; i < t->nlayers && !rc; i++)
		if (t->layers[i].nfeatures) rc = put_layer(&out, &t->layers[i], t->extent, &body);
	tb_buf_free(&body);
	*size = rc ? 0 : out.len;
	if (rc) {
		tb_buf_free(&out);
		return NULL;
	}
	unsigned char *bytes = (unsigned char *)tb_buf_take(&out);
	return bytes ? bytes : calloc(1, 1); /* empty tile: still something to free */
}

/* ---- tile bounds ---------------------------------------------------------- */

/* Longitude of the west edge of tile column u (fractional) at zoom z. */
static double tile_lon(double u, int z)
{
	return fmax(-180, fmin(180, u / ldexp(1.0, z) * 360 - 180));
}

/* Latitude of the north edge of tile row v (fractional); beyond the
 * Mercator square's edge, the pole. */
static double tile_lat(double v, int z)
{
	double n = ldexp(1.0, z);
	if (v < 0) return 90;
	if (v > n) return -90;
	return atan(sinh(M_PI * (1 - 2 * v / n))) * 180 / M_PI;
}

void tb_mvt_bounds(int z, int x, int y, int extent, int buffer, double *minlon, double *minlat,
                   double *maxlon, double *maxlat)
{
	double b = extent > 0 ? (double)buffer / extent : 0;
	*minlon = tile_lon(x - b, z);
	*maxlon = tile_lon(x + 1 + b, z);
	*maxlat = tile_lat(y - b, z);
	*minlat = tile_lat(y + 1 + b, z);
}
