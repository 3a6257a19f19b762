/* index.c — an in-memory spatial index of polygons (parcels, grids) on a
 * GEOS STRtree: which polygon holds this GPS point, which polygons may touch
 * this one.  Items live in an array that owns their geometries; prepared
 * geometries are made on first use, and an id → item hash answers
 * tb_index_geom.  An index is used by one thread at a time. */
#include "geo/geo.h"

#include <stdlib.h>

struct item {
	int64_t id;
	GEOSGeometry *g;                  /* owned */
	const GEOSPreparedGeometry *prep; /* owned, made on first point test */
};

struct tb_index {
	struct item *items;
	size_t len, cap;
	GEOSSTRtree *tree; /* made at the first query; adding stops then */
	size_t *slots;     /* id hash: item index + 1, 0 = free; open addressing */
	size_t nslots;     /* a power of two, at least twice len */
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

struct point_query {
	GEOSContextHandle_t h;
	const GEOSGeometry *pt;
	struct item *best; /* the earliest-added item that contains pt */
};

static void point_cb(void *item, void *ud)
{
	struct point_query *q = ud;
	struct item *it = item;
	if (q->best && q->best < it) return; /* only an earlier item can win now */
	if (!it->prep) it->prep = GEOSPrepare_r(q->h, it->g);
	if (it->prep && GEOSPreparedContains_r(q->h, it->prep, q->pt) == 1) q->best = it;
}

int64_t tb_index_point(tb_index *ix, double lon, double lat)
{
	if (!ix || build(ix)) return -1;
	GEOSContextHandle_t h = tb_geos();
	/* GEOSPreparedContainsXY arrived in GEOS 3.12; 3.11 needs a point. */
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, lon, lat);
	if (!pt) return -1;
	struct point_query q = {.h = h, .pt = pt};
	GEOSSTRtree_query_r(h, ix->tree, pt, point_cb, &q);
	GEOSGeom_destroy_r(h, pt);
	return q.best ? q.best->id : -1;
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
