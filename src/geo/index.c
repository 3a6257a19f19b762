/* index.c — an in-memory spatial index of polygons (parcels, grids) on a
 * GEOS STRtree: which polygon holds this GPS point, which polygons may touch
 * this one.  Items live in an array that owns their geometries; prepared
 * geometries are made on first use, and an id → item hash answers
 * tb_index_geom.  An index is used by one thread at a time. */
#include "geo/geo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct item {
	int64_t id;
	GEOSGeometry *g;                  /* owned */
	const GEOSPreparedGeometry *prep; /* owned, made on first point test */
};

/* Flat copy of the polygons for point lookups (made by tb_index_seal):
 * every ring's vertices in one array, a box per item, and a uniform grid
 * of cells listing the items whose box meets the cell, in insertion order.
 * Point tests then touch a few cache lines instead of GEOS objects. */
struct flat {
	double *xy;        /* x0 y0 x1 y1 … of all rings                      */
	size_t *ring_at;   /* ring r spans xy[2*ring_at[r] .. 2*ring_at[r+1])   */
	size_t *item_ring; /* item i has rings item_ring[i] .. item_ring[i+1]  */
	double *box;       /* minx miny maxx maxy per item                      */
	double x0, y0, cw, ch; /* grid origin and cell size                      */
	size_t nx, ny;
	size_t *cell_at;   /* CSR: cell c lists cell_items[cell_at[c]..cell_at[c+1]) */
	size_t *cell_items;
};

struct tb_index {
	struct item *items;
	size_t len, cap;
	GEOSSTRtree *tree; /* made at the first query; adding stops then */
	size_t *slots;     /* id hash: item index + 1, 0 = free; open addressing */
	size_t nslots;     /* a power of two, at least twice len */
	struct flat *flat; /* point-lookup structure, after tb_index_seal */
};

tb_index *tb_index_new(void)
{
	return calloc(1, sizeof(tb_index));
}

void tb_index_free(tb_index *ix)
{
	if (!ix) return;
	GEOSContextHandle_t h = tb_geos();
	if (ix->tree) GEOSSTRtree_destroy_r(h, ix->tree);
	for (size_t i = 0; i < ix->len; i++) {
		if (ix->items[i].prep) GEOSPreparedGeom_destroy_r(h, ix->items[i].prep);
		GEOSGeom_destroy_r(h, ix->items[i].g);
	}
	free(ix->items);
	free(ix->slots);
	if (ix->flat) {
		free(ix->flat->xy), free(ix->flat->ring_at), free(ix->flat->item_ring);
		free(ix->flat->box), free(ix->flat->cell_at), free(ix->flat->cell_items);
		free(ix->flat);
	}
	free(ix);
}

size_t tb_index_size(const tb_index *ix)
{
	return ix ? ix->len : 0;
}

/* ---- id hash ------------------------------------------------------------- */

static size_t id_hash(int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15u; /* Fibonacci hashing */
	return (size_t)(x ^ (x >> 29));
}

/* The slot holding id, or the free slot where it would go. */
static size_t *id_slot(const tb_index *ix, int64_t id)
{
	size_t mask = ix->nslots - 1;
	for (size_t s = id_hash(id) & mask;; s = (s + 1) & mask)
		if (!ix->slots[s] || ix->items[ix->slots[s] - 1].id == id) return &ix->slots[s];
}

static int id_rehash(tb_index *ix)
{
	size_t n = ix->nslots ? 2 * ix->nslots : 64;
	size_t *old = ix->slots, nold = ix->nslots;
	if (!(ix->slots = calloc(n, sizeof *ix->slots))) {
		ix->slots = old;
		return TB_ENOMEM;
	}
	ix->nslots = n;
	for (size_t s = 0; s < nold; s++)
		if (old[s]) *id_slot(ix, ix->items[old[s] - 1].id) = old[s];
	free(old);
	return 0;
}

/* Record item i under its id; the first item with an id keeps it. */
static int id_insert(tb_index *ix, size_t i)
{
	if (2 * (ix->len + 1) > ix->nslots && id_rehash(ix)) return TB_ENOMEM;
	size_t *slot = id_slot(ix, ix->items[i].id);
	if (!*slot) *slot = i + 1;
	return 0;
}

/* ---- adding -------------------------------------------------------------- */

static int grow(tb_index *ix)
{
	if (ix->len < ix->cap) return 0;
	size_t cap = ix->cap ? 2 * ix->cap : 64;
	struct item *items = realloc(ix->items, cap * sizeof *items);
	if (!items) return TB_ENOMEM;
	ix->items = items;
	ix->cap = cap;
	return 0;
}

int tb_index_add(tb_index *ix, int64_t id, GEOSGeometry *g)
{
	int rc = !ix || !g || ix->tree ? TB_EUSAGE : 0; /* no adding after a query */
	if (!rc) rc = grow(ix);
	if (!rc) {
		ix->items[ix->len] = (struct item){.id = id, .g = g};
		rc = id_insert(ix, ix->len);
	}
	if (rc) {
		if (g) GEOSGeom_destroy_r(tb_geos(), g); /* consumed even on failure */
		return rc;
	}
	ix->len++;
	return 0;
}

/* ---- querying ------------------------------------------------------------ */

/* Build the STRtree over all items on first use (empty ones stay out). */
static int build(tb_index *ix)
{
	if (ix->tree) return 0;
	GEOSContextHandle_t h = tb_geos();
	if (!(ix->tree = GEOSSTRtree_create_r(h, 10))) return TB_ENOMEM;
	for (size_t i = 0; i < ix->len; i++)
		if (GEOSisEmpty_r(h, ix->items[i].g) == 0)
			GEOSSTRtree_insert_r(h, ix->tree, ix->items[i].g, &ix->items[i]);
	return 0;
}

/* ---- flat point lookups ----------------------------------------------------- */

typedef struct vec {
	void *p;
	size_t n, cap, size;
} vec;

static int vec_push(vec *v, const void *x)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 256;
		void *p = realloc(v->p, cap * v->size);
		if (!p) return TB_ENOMEM;
		v->p = p;
		v->cap = cap;
	}
	memcpy((char *)v->p + v->n++ * v->size, x, v->size);
	return 0;
}

/* Append one ring's vertices (without the closing repeat). */
static int add_ring(GEOSContextHandle_t h, const GEOSGeometry *ring, vec *xy, vec *ring_at)
{
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
	unsigned n = 0;
	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 4) return 0;
	size_t at = xy->n / 2;
	int rc = vec_push(ring_at, &at);
	for (unsigned i = 0; !rc && i + 1 < n; i++) {
		double x, y;
		GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
		rc = vec_push(xy, &x);
		if (!rc) rc = vec_push(xy, &y);
	}
	return rc;
}

static int add_polygon(GEOSContextHandle_t h, const GEOSGeometry *g, vec *xy, vec *ring_at)
{
	int type = GEOSGeomTypeId_r(h, g), rc = 0;
	if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
		for (int k = 0; !rc && k < GEOSGetNumGeometries_r(h, g); k++)
			rc = add_polygon(h, GEOSGetGeometryN_r(h, g, k), xy, ring_at);
		return rc;
	}
	if (type != GEOS_POLYGON) return 0;
	rc = add_ring(h, GEOSGetExteriorRing_r(h, g), xy, ring_at);
	for (int k = 0; !rc && k < GEOSGetNumInteriorRings_r(h, g); k++)
		rc = add_ring(h, GEOSGetInteriorRingN_r(h, g, k), xy, ring_at);
	return rc;
}

static int flat_grid(struct flat *f, size_t n)
{
	double X0 = INFINITY, Y0 = INFINITY, X1 = -INFINITY, Y1 = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		const double *b = &f->box[4 * i];
		if (b[0] > b[2]) continue; /* empty */
		X0 = fmin(X0, b[0]), Y0 = fmin(Y0, b[1]), X1 = fmax(X1, b[2]), Y1 = fmax(Y1, b[3]);
	}
	size_t side = (size_t)ceil(sqrt((double)(n ? n : 1)));
	f->nx = f->ny = side;
	f->x0 = X0, f->y0 = Y0;
	f->cw = X1 > X0 ? (X1 - X0) / (double)side : 1;
	f->ch = Y1 > Y0 ? (Y1 - Y0) / (double)side : 1;
	size_t ncell = side * side;
	if (!(f->cell_at = calloc(ncell + 1, sizeof *f->cell_at))) return TB_ENOMEM;
	for (int pass = 0; pass < 2; pass++) { /* count, then fill (CSR) */
		size_t *fill = NULL;
		if (pass) {
			for (size_t c = 0; c < ncell; c++) f->cell_at[c + 1] += f->cell_at[c];
			if (!(f->cell_items = malloc((f->cell_at[ncell] + 1) * sizeof *f->cell_items)) ||
			    !(fill = calloc(ncell, sizeof *fill)))
				return free(fill), TB_ENOMEM;
		}
		for (size_t i = 0; i < n; i++) {
			const double *b = &f->box[4 * i];
			if (b[0] > b[2] || X0 > X1) continue;
			size_t cx0 = (size_t)fmin(side - 1, (b[0] - X0) / f->cw), cx1 = (size_t)fmin(side - 1, (b[2] - X0) / f->cw);
			size_t cy0 = (size_t)fmin(side - 1, (b[1] - Y0) / f->ch), cy1 = (size_t)fmin(side - 1, (b[3] - Y0) / f->ch);
			for (size_t cy = cy0; cy <= cy1; cy++)
				for (size_t cx = cx0; cx <= cx1; cx++) {
					size_t c = cy * side + cx;
					if (pass) f->cell_items[f->cell_at[c] + fill[c]++] = i;
					else f->cell_at[c + 1]++;
				}
		}
		free(fill);
	}
	return 0;
}

int tb_index_seal(tb_index *ix)
{
	if (!ix) return TB_EUSAGE;
	if (ix->flat) return 0;
	int rc = build(ix);
	GEOSContextHandle_t h = tb_geos();
	struct flat *f = calloc(1, sizeof *f);
	vec xy = {.size = sizeof(double)}, ring_at = {.size = sizeof(size_t)};
	if (!f || rc) return free(f), TB_ENOMEM;
	f->item_ring = malloc((ix->len + 1) * sizeof *f->item_ring);
	f->box = malloc((ix->len ? ix->len : 1) * 4 * sizeof *f->box);
	rc = f->item_ring && f->box ? 0 : TB_ENOMEM;
	for (size_t i = 0; !rc && i < ix->len; i++) {
		f->item_ring[i] = ring_at.n;
		double *b = &f->box[4 * i];
		b[0] = b[1] = INFINITY, b[2] = b[3] = -INFINITY;
		if (GEOSisEmpty_r(h, ix->items[i].g) == 0) {
			GEOSGeom_getXMin_r(h, ix->items[i].g, &b[0]);
			GEOSGeom_getYMin_r(h, ix->items[i].g, &b[1]);
			GEOSGeom_getXMax_r(h, ix->items[i].g, &b[2]);
			GEOSGeom_getYMax_r(h, ix->items[i].g, &b[3]);
			rc = add_polygon(h, ix->items[i].g, &xy, &ring_at);
		}
	}
	f->item_ring[ix->len] = ring_at.n;
	size_t end = xy.n / 2;
	if (!rc) rc = vec_push(&ring_at, &end);
	f->xy = xy.p, f->ring_at = ring_at.p;
	if (!rc) rc = flat_grid(f, ix->len);
	ix->flat = f;
	return rc;
}

/* Even-odd crossing test over all rings of item i; a point on an edge is
 * outside, as with GEOS's contains. */
static bool flat_contains(const struct flat *f, size_t i, double x, double y)
{
	bool in = false;
	for (size_t r = f->item_ring[i]; r < f->item_ring[i + 1]; r++) {
		const double *v = f->xy + 2 * f->ring_at[r];
		size_t n = f->ring_at[r + 1] - f->ring_at[r];
		for (size_t a = 0, b = n - 1; a < n; b = a++) {
			double xa = v[2 * a], ya = v[2 * a + 1], xb = v[2 * b], yb = v[2 * b + 1];
			double cross = (xb - xa) * (y - ya) - (yb - ya) * (x - xa);
			if (cross == 0 && fmin(xa, xb) <= x && x <= fmax(xa, xb) && fmin(ya, yb) <= y && y <= fmax(ya, yb))
				return false; /* on the boundary */
			if ((ya > y) != (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) in = !in;
		}
	}
	return in;
}

int64_t tb_index_point(tb_index *ix, double lon, double lat)
{
	if (!ix || (!ix->flat && tb_index_seal(ix))) return -1;
	const struct flat *f = ix->flat;
	if (!ix->len || !(lon >= f->x0 && lat >= f->y0)) return -1;
	size_t cx = (size_t)((lon - f->x0) / f->cw), cy = (size_t)((lat - f->y0) / f->ch);
	if (cx > f->nx || cy > f->ny) return -1;
	cx = cx == f->nx ? cx - 1 : cx; /* the far edge belongs to the last cell */
	cy = cy == f->ny ? cy - 1 : cy;
	size_t c = cy * f->nx + cx;
	for (size_t k = f->cell_at[c]; k < f->cell_at[c + 1]; k++) { /* insertion order: earliest wins */
		size_t i = f->cell_items[k];
		const double *b = &f->box[4 * i];
		if (lon < b[0] || lon > b[2] || lat < b[1] || lat > b[3]) continue;
		if (flat_contains(f, i, lon, lat)) return ix->items[i].id;
	}
	return -1;
}

struct env_query {
	tb_index_fn fn;
	void *ctx;
	int rc; /* fn's first nonzero return: stop */
};

static void env_cb(void *item, void *ud)
{
	struct env_query *q = ud;
	struct item *it = item;
	if (!q->rc) q->rc = q->fn(q->ctx, it->id, it->g);
}

/* Returns 0, or the nonzero value fn returned to stop (e.g. its error code). */
int tb_index_query(tb_index *ix, const GEOSGeometry *g, tb_index_fn fn, void *ctx)
{
	if (!ix || !g || !fn) return TB_EUSAGE;
	if (build(ix)) return TB_ENOMEM;
	GEOSContextHandle_t h = tb_geos();
	if (GEOSisEmpty_r(h, g) != 0) return 0;
	struct env_query q = {.fn = fn, .ctx = ctx};
	GEOSSTRtree_query_r(h, ix->tree, g, env_cb, &q);
	return q.rc;
}

const GEOSGeometry *tb_index_geom(const tb_index *ix, int64_t id)
{
	if (!ix || !ix->nslots) return NULL;
	size_t s = *id_slot(ix, id);
	return s ? ix->items[s - 1].g : NULL;
}
