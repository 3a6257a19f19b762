/* assign_points.c — benchmark (issue 5): assign N pseudo-random GPS points to
 * the parcels and grids of a tianbao GeoPackage, on T threads.
 *
 *   assign_points DB.gpkg NPOINTS [THREADS] [SEED] [--dump FILE] [--variant geos|flat]
 *
 * Loads every parcel (SELECT fid, geom FROM parcels) and every grid (if the
 * grids table has rows), decodes them with tb_gpkg_decode and, for the
 * default variant "geos", builds one tb_index per layer *per thread*: a
 * tb_index is documented as "used by one thread at a time" (it prepares
 * geometries lazily on first test, GEOS prepared polygons build their point
 * locators lazily too, and tb_geos() is a thread-local context), so the
 * threads share nothing but the read-only point array.  Each thread decodes
 * its own copy of the geometries from the blobs read once by the main thread.
 *
 * Points: NPOINTS points uniform in the envelope of all loaded polygons, from
 * a splitmix64 stream seeded with SEED (default 1) — point i depends only on
 * (SEED, i), so the same arguments give the same points on every run.
 * --dump FILE writes those points (and does no assignment) as PostgreSQL
 * COPY text: one hex EWKB point per line, SRID 4490, the exact doubles.
 *
 * Assignment: each point gets the id (fid) of the containing parcel and of
 * the containing grid, or -1 (tb_index_point: first added wins, a point on a
 * boundary is not contained — GEOS/PostGIS ST_Contains semantics).  Threads
 * take blocks of 65 536 points from a shared counter and store the ids in two
 * result arrays.  Printed: load/build times, assignment time and points/s,
 * and a checksum per layer: count of assigned points and sum of assigned ids
 * (PostGIS: SELECT count(*), sum(p.fid) FROM pts JOIN parcels p ON
 * ST_Contains(p.geom, pts.geom)).
 *
 * Variant "flat" (bench-only, NOT the product's code path): the polygons'
 * rings copied into flat coordinate arrays, a uniform bucket grid over the
 * extent instead of the GEOS STRtree, and a crossing-number point-in-polygon
 * test on the candidates' coordinates (no GEOS point per query).  A point
 * exactly on an edge or vertex is reported as not contained, as GEOS does;
 * the orientation test is plain double arithmetic, so a point within ~1e-16
 * relative of an edge could be classified differently from GEOS's robust
 * predicate — the checksums say whether that happened.  It is shared by the
 * threads read-only (built before they start).
 *
 * The last line of output is one JSON object with every number, for
 * bench/assign_vs_postgis.py. */
#include "geo/geo.h"

#include <errno.h>
#include <geos_c.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BLOCK 65536

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *msg)
{
	fprintf(stderr, "assign_points: %s\n", msg);
	exit(3);
}

/* ---- polygons as read from the GeoPackage -------------------------------- */

struct blob {
	int64_t id;
	unsigned char *data;
	size_t size;
};

struct layer {
	const char *name;
	struct blob *b;
	size_t n;
};

static void load_layer(sqlite3 *db, const char *name, struct layer *L)
{
	L->name = name;
	L->b = NULL;
	L->n = 0;
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT fid, geom FROM \"%s\" WHERE geom IS NOT NULL ORDER BY fid", name);
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return; /* no such table */
	size_t cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (L->n == cap) {
			cap = cap ? 2 * cap : 1024;
			if (!(L->b = realloc(L->b, cap * sizeof *L->b))) die("out of memory");
		}
		size_t sz = (size_t)sqlite3_column_bytes(st, 1);
		struct blob *b = &L->b[L->n++];
		b->id = sqlite3_column_int64(st, 0);
		b->size = sz;
		if (!(b->data = malloc(sz ? sz : 1))) die("out of memory");
		memcpy(b->data, sqlite3_column_blob(st, 1), sz);
	}
	sqlite3_finalize(st);
}

/* A tb_index over a layer, on the calling thread's GEOS context. */
static tb_index *build_index(const struct layer *L)
{
	tb_index *ix = tb_index_new();
	if (!ix) die("out of memory");
	for (size_t i = 0; i < L->n; i++) {
		tb_err e = {0};
		GEOSGeometry *g = tb_gpkg_decode(L->b[i].data, L->b[i].size, &e);
		if (!g) {
			fprintf(stderr, "assign_points: %s fid %" PRId64 ": %s\n", L->name, L->b[i].id, e.message);
			exit(2);
		}
		if (tb_index_add(ix, L->b[i].id, g)) die("tb_index_add failed");
	}
	return ix;
}

/* ---- points ---------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9E3779B97F4A7C15u;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBu;
	return x ^ (x >> 31);
}

static double unit(uint64_t r)
{
	return (r >> 11) * 0x1.0p-53; /* [0, 1) */
}

/* ---- variant "flat": own bucket grid + crossing number ------------------- */

struct fpoly {
	int64_t id;
	double minx, miny, maxx, maxy;
	uint32_t ring0, nrings; /* rings [ring0, ring0 + nrings) of flat.ring_off */
};

/* A bucket entry carries what a test needs, so that a point costs few
 * cache misses: the bucket start, the entries, the polygon's coordinates. */
struct fentry {
	double minx, miny, maxx, maxy;
	int64_t id;
	uint32_t ring0, nrings; /* all rings */
	uint32_t xy0, n0;       /* first ring's coordinates: xy[2*xy0 ..], n0 points */
};

struct flat {
	struct fpoly *p;
	size_t np;
	uint32_t *ring_off; /* ring r's coordinates: xy[2*ring_off[r] .. 2*ring_off[r+1]) */
	size_t nrings;
	double *xy;
	size_t nxy;
	/* buckets */
	double bx0, by0, bw, bh;
	int nbx, nby;
	uint32_t *bstart;     /* nbx*nby + 1 */
	struct fentry *bitems; /* per bucket, in insertion (fid) order */
};

static void flat_add_ring(struct flat *F, const GEOSGeometry *ring, size_t *cap_r, size_t *cap_xy)
{
	GEOSContextHandle_t h = tb_geos();
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
	unsigned int n = 0;
	GEOSCoordSeq_getSize_r(h, cs, &n);
	if (F->nrings + 2 > *cap_r) {
		*cap_r = *cap_r ? 2 * *cap_r : 4096;
		if (!(F->ring_off = realloc(F->ring_off, *cap_r * sizeof *F->ring_off))) die("out of memory");
	}
	if (F->nxy + n > *cap_xy) {
		while (F->nxy + n > *cap_xy) *cap_xy = *cap_xy ? 2 * *cap_xy : 65536;
		if (!(F->xy = realloc(F->xy, 2 * *cap_xy * sizeof *F->xy))) die("out of memory");
	}
	for (unsigned int i = 0; i < n; i++)
		GEOSCoordSeq_getXY_r(h, cs, i, &F->xy[2 * (F->nxy + i)], &F->xy[2 * (F->nxy + i) + 1]);
	F->ring_off[F->nrings] = (uint32_t)F->nxy;
	F->nxy += n;
	F->nrings++;
	F->ring_off[F->nrings] = (uint32_t)F->nxy;
}

static void flat_build(struct flat *F, const struct layer *L)
{
	GEOSContextHandle_t h = tb_geos();
	memset(F, 0, sizeof *F);
	if (!(F->p = calloc(L->n ? L->n : 1, sizeof *F->p))) die("out of memory");
	size_t cap_r = 0, cap_xy = 0;
	double gx0 = INFINITY, gy0 = INFINITY, gx1 = -INFINITY, gy1 = -INFINITY, sw = 0, sh = 0;
	for (size_t i = 0; i < L->n; i++) {
		tb_err e = {0};
		GEOSGeometry *g = tb_gpkg_decode(L->b[i].data, L->b[i].size, &e);
		if (!g) die(e.message);
		struct fpoly *P = &F->p[F->np];
		P->id = L->b[i].id;
		P->ring0 = (uint32_t)F->nrings;
		int nparts = GEOSGetNumGeometries_r(h, g);
		for (int k = 0; k < nparts; k++) {
			const GEOSGeometry *part = GEOSGetGeometryN_r(h, g, k);
			if (GEOSGeomTypeId_r(h, part) != GEOS_POLYGON) continue;
			flat_add_ring(F, GEOSGetExteriorRing_r(h, part), &cap_r, &cap_xy);
			int nh = GEOSGetNumInteriorRings_r(h, part);
			for (int j = 0; j < nh; j++) flat_add_ring(F, GEOSGetInteriorRingN_r(h, part, j), &cap_r, &cap_xy);
		}
		P->nrings = (uint32_t)F->nrings - P->ring0;
		GEOSGeom_destroy_r(h, g);
		if (!P->nrings) continue;
		P->minx = P->miny = INFINITY;
		P->maxx = P->maxy = -INFINITY;
		for (uint32_t k = F->ring_off[P->ring0]; k < F->ring_off[P->ring0 + P->nrings]; k++) {
			double x = F->xy[2 * k], y = F->xy[2 * k + 1];
			P->minx = fmin(P->minx, x), P->maxx = fmax(P->maxx, x);
			P->miny = fmin(P->miny, y), P->maxy = fmax(P->maxy, y);
		}
		gx0 = fmin(gx0, P->minx), gx1 = fmax(gx1, P->maxx);
		gy0 = fmin(gy0, P->miny), gy1 = fmax(gy1, P->maxy);
		sw += P->maxx - P->minx, sh += P->maxy - P->miny;
		F->np++;
	}
	if (!F->np) return;
	/* buckets about the size of an average polygon envelope, at most ~4M */
	double aw = fmax(sw / F->np, 1e-9), ah = fmax(sh / F->np, 1e-9);
	double fx = fmax((gx1 - gx0) / aw, 1), fy = fmax((gy1 - gy0) / ah, 1);
	double s = fx * fy > 4e6 ? sqrt(4e6 / (fx * fy)) : 1;
	F->nbx = (int)fmax(1, fx * s), F->nby = (int)fmax(1, fy * s);
	F->bx0 = gx0, F->by0 = gy0;
	F->bw = (gx1 - gx0) / F->nbx, F->bh = (gy1 - gy0) / F->nby;
	if (F->bw <= 0) F->bw = 1;
	if (F->bh <= 0) F->bh = 1;
	size_t nb = (size_t)F->nbx * F->nby;
	uint32_t *cnt = calloc(nb + 1, sizeof *cnt);
	if (!cnt) die("out of memory");
#define BRANGE(P, bxa, bxb, bya, byb)                                                       \
	int bxa = (int)floor(((P)->minx - F->bx0) / F->bw), bxb = (int)floor(((P)->maxx - F->bx0) / F->bw); \
	int bya = (int)floor(((P)->miny - F->by0) / F->bh), byb = (int)floor(((P)->maxy - F->by0) / F->bh); \
	bxa = bxa < 0 ? 0 : bxa, bya = bya < 0 ? 0 : bya;                                    \
	bxb = bxb >= F->nbx ? F->nbx - 1 : bxb, byb = byb >= F->nby ? F->nby - 1 : byb
	size_t total = 0;
	for (size_t i = 0; i < F->np; i++) {
		BRANGE(&F->p[i], x0, x1, y0, y1);
		for (int y = y0; y <= y1; y++)
			for (int x = x0; x <= x1; x++) cnt[(size_t)y * F->nbx + x]++, total++;
	}
	if (!(F->bstart = malloc((nb + 1) * sizeof *F->bstart)) ||
	    !(F->bitems = malloc((total ? total : 1) * sizeof *F->bitems)))
		die("out of memory");
	uint32_t acc = 0;
	for (size_t b = 0; b < nb; b++) F->bstart[b] = acc, acc += cnt[b], cnt[b] = 0;
	F->bstart[nb] = acc;
	for (size_t i = 0; i < F->np; i++) {
		BRANGE(&F->p[i], x0, x1, y0, y1);
		for (int y = y0; y <= y1; y++)
			for (int x = x0; x <= x1; x++) {
				size_t b = (size_t)y * F->nbx + x;
				const struct fpoly *P = &F->p[i];
				F->bitems[F->bstart[b] + cnt[b]++] = (struct fentry){
					.minx = P->minx, .miny = P->miny, .maxx = P->maxx, .maxy = P->maxy,
					.id = P->id, .ring0 = P->ring0, .nrings = P->nrings,
					.xy0 = F->ring_off[P->ring0],
					.n0 = F->ring_off[P->ring0 + 1] - F->ring_off[P->ring0]};
			}
	}
#undef BRANGE
	free(cnt);
}

/* Crossing number of one ring for (px, py): toggles *inside; returns -1 when
 * the point is on the ring (edge or vertex), else 0. */
static inline int ring_cross(const double *c, uint32_t n, double px, double py, int *inside)
{
	for (uint32_t k = 0; k + 1 < n; k++) {
		double x1 = c[2 * k], y1 = c[2 * k + 1], x2 = c[2 * k + 2], y2 = c[2 * k + 3];
		if (x1 == px && y1 == py) return -1;
		if ((y1 > py) != (y2 > py)) {
			double d = (x2 - x1) * (py - y1) - (px - x1) * (y2 - y1);
			if (d == 0) return -1;
			/* edge upward: the crossing lies right of p when d > 0 */
			if ((d > 0) == (y2 > y1)) *inside ^= 1;
		} else if (y1 == py && y2 == py && px >= fmin(x1, x2) && px <= fmax(x1, x2)) {
			return -1;
		}
	}
	return 0;
}

/* 1 inside, 0 outside, -1 on the boundary (edge or vertex). */
static int flat_pip(const struct flat *F, const struct fentry *E, double px, double py)
{
	int inside = 0;
	if (ring_cross(F->xy + 2 * (size_t)E->xy0, E->n0, px, py, &inside)) return -1;
	for (uint32_t r = E->ring0 + 1; r < E->ring0 + E->nrings; r++)
		if (ring_cross(F->xy + 2 * (size_t)F->ring_off[r], F->ring_off[r + 1] - F->ring_off[r], px, py, &inside))
			return -1;
	return inside;
}

static int64_t flat_point(const struct flat *F, double px, double py)
{
	if (!F->np) return -1;
	int bx = (int)floor((px - F->bx0) / F->bw), by = (int)floor((py - F->by0) / F->bh);
	if (bx < 0 || by < 0 || bx >= F->nbx || by >= F->nby) {
		/* outside the bucket grid: only possible on its max edge, clamp */
		if (px < F->bx0 || py < F->by0 || px > F->bx0 + F->bw * F->nbx || py > F->by0 + F->bh * F->nby) return -1;
		bx = bx >= F->nbx ? F->nbx - 1 : bx, by = by >= F->nby ? F->nby - 1 : by;
	}
	size_t b = (size_t)by * F->nbx + bx;
	for (uint32_t k = F->bstart[b]; k < F->bstart[b + 1]; k++) { /* ascending index: first added wins */
		const struct fentry *E = &F->bitems[k];
		if (px < E->minx || px > E->maxx || py < E->miny || py > E->maxy) continue;
		if (flat_pip(F, E, px, py) == 1) return E->id;
	}
	return -1;
}

/* The same for a group of up to GROUP points, in stages that prefetch the
 * next stage's memory for every point of the group before using it: the
 * random points make each lookup a chain of cache misses (bucket start,
 * entries, coordinates), and this overlaps the misses of different points. */
#define GROUP 16
static void flat_points(const struct flat *F, const double *xy, size_t n, int64_t *out)
{
	size_t b[GROUP];
	uint32_t k0[GROUP], k1[GROUP];
	for (size_t j = 0; j < n; j++) {
		double px = xy[2 * j], py = xy[2 * j + 1];
		int bx = (int)floor((px - F->bx0) / F->bw), by = (int)floor((py - F->by0) / F->bh);
		if (!F->np || bx < 0 || by < 0 || bx >= F->nbx || by >= F->nby) {
			b[j] = SIZE_MAX; /* rare (max edge) or outside: the plain path */
			continue;
		}
		b[j] = (size_t)by * F->nbx + bx;
		__builtin_prefetch(&F->bstart[b[j]]);
	}
	for (size_t j = 0; j < n; j++) {
		if (b[j] == SIZE_MAX) continue;
		k0[j] = F->bstart[b[j]], k1[j] = F->bstart[b[j] + 1];
		__builtin_prefetch(&F->bitems[k0[j]]);
	}
	for (size_t j = 0; j < n; j++) {
		if (b[j] == SIZE_MAX) continue;
		double px = xy[2 * j], py = xy[2 * j + 1];
		for (uint32_t k = k0[j]; k < k1[j]; k++) {
			const struct fentry *E = &F->bitems[k];
			if (px < E->minx || px > E->maxx || py < E->miny || py > E->maxy) continue;
			__builtin_prefetch(F->xy + 2 * (size_t)E->xy0);
			k0[j] = k; /* the first candidate whose box holds the point */
			break;
		}
	}
	for (size_t j = 0; j < n; j++) {
		double px = xy[2 * j], py = xy[2 * j + 1];
		if (b[j] == SIZE_MAX) {
			out[j] = flat_point(F, px, py);
			continue;
		}
		out[j] = -1;
		for (uint32_t k = k0[j]; k < k1[j]; k++) {
			const struct fentry *E = &F->bitems[k];
			if (px < E->minx || px > E->maxx || py < E->miny || py > E->maxy) continue;
			if (flat_pip(F, E, px, py) == 1) {
				out[j] = E->id;
				break;
			}
		}
	}
}

/* ---- threads --------------------------------------------------------------- */

struct shared {
	const double *xy;
	size_t n;
	const struct layer *layers[2];
	int nlayers;
	int flat;
	const struct flat *flats[2];
	int64_t *out[2];
	atomic_size_t next;
	pthread_barrier_t ready;
	double t_build_max;
};

struct worker {
	struct shared *S;
	double t_build, t_end, cpu; /* cpu: this thread's CPU seconds while assigning */
	uint64_t count[2];
	int64_t sum[2];
	size_t points;
};

static void *work(void *arg)
{
	struct worker *W = arg;
	struct shared *S = W->S;
	tb_index *ix[2] = {NULL, NULL};
	double t0 = now();
	if (!S->flat) {
		for (int l = 0; l < S->nlayers; l++) {
			ix[l] = build_index(S->layers[l]);
			tb_index_point(ix[l], 0, 0); /* builds the STRtree now (not timed as assignment) */
		}
	}
	W->t_build = now() - t0;
	pthread_barrier_wait(&S->ready); /* everyone starts assigning together */
	struct timespec c0, c1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
	for (;;) {
		size_t i0 = atomic_fetch_add(&S->next, BLOCK);
		if (i0 >= S->n) break;
		size_t i1 = i0 + BLOCK < S->n ? i0 + BLOCK : S->n;
		for (int l = 0; l < S->nlayers; l++) {
			int64_t *out = S->out[l];
			uint64_t c = 0;
			int64_t s = 0;
			if (S->flat)
				for (size_t i = i0; i < i1; i += GROUP)
					flat_points(S->flats[l], S->xy + 2 * i, i1 - i < GROUP ? i1 - i : GROUP, out + i);
			else
				for (size_t i = i0; i < i1; i++) out[i] = tb_index_point(ix[l], S->xy[2 * i], S->xy[2 * i + 1]);
			for (size_t i = i0; i < i1; i++)
				if (out[i] >= 0) c++, s += out[i];
			W->count[l] += c;
			W->sum[l] += s;
		}
		W->points += i1 - i0;
	}
	W->t_end = now(); /* freeing the indexes below is not assignment */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
	W->cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
	for (int l = 0; l < 2; l++) tb_index_free(ix[l]);
	tb_geos_finish();
	return NULL;
}

/* ---- dump: PostgreSQL COPY text, hex EWKB (SRID 4490) ----------------------- */

static void hex8(char *o, double v)
{
	static const char hx[] = "0123456789ABCDEF";
	unsigned char b[8];
	memcpy(b, &v, 8); /* x86-64: little endian, matching the 01 byte-order flag */
	for (int i = 0; i < 8; i++) o[2 * i] = hx[b[i] >> 4], o[2 * i + 1] = hx[b[i] & 15];
}

static void dump(const char *path, const double *xy, size_t n)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	if (!f) die(strerror(errno));
	static char buf[1 << 20];
	size_t len = 0;
	const char head[] = "01010000208A110000"; /* LE, Point|SRID flag, SRID 4490 */
	for (size_t i = 0; i < n; i++) {
		if (len + 64 > sizeof buf) fwrite(buf, 1, len, f), len = 0;
		memcpy(buf + len, head, 18);
		hex8(buf + len + 18, xy[2 * i]);
		hex8(buf + len + 34, xy[2 * i + 1]);
		buf[len + 50] = '\n';
		len += 51;
	}
	fwrite(buf, 1, len, f);
	if (f != stdout && fclose(f)) die(strerror(errno));
}

int main(int argc, char **argv)
{
	const char *pos[4] = {0}, *dump_path = NULL, *variant = "geos";
	int npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dump") && i + 1 < argc) dump_path = argv[++i];
		else if (!strcmp(argv[i], "--variant") && i + 1 < argc) variant = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1] == '-') npos = 99;
		else if (npos < 4) pos[npos++] = argv[i];
		else npos = 99;
	}
	if (npos < 2 || npos > 4 || (strcmp(variant, "geos") && strcmp(variant, "flat"))) {
		fprintf(stderr, "usage: assign_points DB.gpkg NPOINTS [THREADS] [SEED] [--dump FILE] [--variant geos|flat]\n");
		return 1;
	}
	size_t n = strtoull(pos[1], NULL, 10);
	int threads = npos > 2 ? atoi(pos[2]) : 2;
	uint64_t seed = npos > 3 ? strtoull(pos[3], NULL, 10) : 1;
	if (threads < 1 || threads > 64 || !n) die("NPOINTS ≥ 1 and 1 ≤ THREADS ≤ 64");

	double t0 = now();
	sqlite3 *db;
	if (sqlite3_open_v2(pos[0], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) die(sqlite3_errmsg(db));
	struct layer L[2];
	load_layer(db, "parcels", &L[0]);
	load_layer(db, "grids", &L[1]);
	sqlite3_close(db);
	if (!L[0].n) die("no parcels");
	int nlayers = L[1].n ? 2 : 1;

	/* extent of all polygons, from the blob headers */
	double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
	for (int l = 0; l < nlayers; l++)
		for (size_t i = 0; i < L[l].n; i++) {
			double a, b, c, d;
			if (tb_gpkg_envelope(L[l].b[i].data, L[l].b[i].size, &a, &b, &c, &d) == 0) {
				minx = fmin(minx, a), maxx = fmax(maxx, b);
				miny = fmin(miny, c), maxy = fmax(maxy, d);
			}
		}
	double t_load = now() - t0;

	t0 = now();
	double *xy = malloc(2 * n * sizeof *xy);
	if (!xy) die("out of memory");
	for (size_t i = 0; i < n; i++) {
		uint64_t r = seed * 0x100000001B3u ^ (uint64_t)i * 2;
		xy[2 * i] = minx + (maxx - minx) * unit(splitmix64(r));
		xy[2 * i + 1] = miny + (maxy - miny) * unit(splitmix64(r + 1));
	}
	double t_gen = now() - t0;
	if (dump_path) {
		t0 = now();
		dump(dump_path, xy, n);
		fprintf(stderr, "dumped %zu points (extent %.9f %.9f %.9f %.9f) in %.2f s\n", n, minx, miny, maxx, maxy,
			now() - t0);
		return 0;
	}

	struct shared S = {.xy = xy, .n = n, .nlayers = nlayers, .flat = !strcmp(variant, "flat")};
	struct flat F[2];
	double t_flat = 0;
	for (int l = 0; l < nlayers; l++) {
		S.layers[l] = &L[l];
		if (!(S.out[l] = malloc(n * sizeof *S.out[l]))) die("out of memory");
		if (S.flat) {
			double t = now();
			flat_build(&F[l], &L[l]);
			t_flat += now() - t;
			S.flats[l] = &F[l];
		}
	}
	atomic_init(&S.next, 0);
	pthread_barrier_init(&S.ready, NULL, (unsigned)threads + 1);
	struct worker *W = calloc((size_t)threads, sizeof *W);
	pthread_t *tid = calloc((size_t)threads, sizeof *tid);
	for (int t = 0; t < threads; t++) {
		W[t].S = &S;
		if (pthread_create(&tid[t], NULL, work, &W[t])) die("pthread_create failed");
	}
	pthread_barrier_wait(&S.ready);
	double ta = now();
	for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
	double t_assign = 0, cpu = 0;
	for (int t = 0; t < threads; t++) {
		if (W[t].t_end - ta > t_assign) t_assign = W[t].t_end - ta;
		cpu += W[t].cpu;
	}

	uint64_t count[2] = {0, 0};
	int64_t sum[2] = {0, 0};
	double t_build = t_flat;
	for (int t = 0; t < threads; t++) {
		for (int l = 0; l < 2; l++) count[l] += W[t].count[l], sum[l] += W[t].sum[l];
		if (W[t].t_build > t_build) t_build = W[t].t_build;
	}
	double rate = n / t_assign;
	printf("variant %s, %d thread(s), %zu points, seed %" PRIu64 "\n", variant, threads, n, seed);
	printf("loaded %zu parcels, %zu grids in %.2f s; points generated in %.2f s; index built in %.2f s%s\n",
	       L[0].n, L[1].n, t_load, t_gen, t_build, S.flat ? " (shared)" : " (one per thread, in parallel)");
	printf("assigned in %.3f s (%.2f CPU s): %.2f million points/s (%s)\n", t_assign, cpu, rate / 1e6,
	       nlayers == 2 ? "each point to a parcel and a grid" : "each point to a parcel");
	for (int l = 0; l < nlayers; l++)
		printf("  %-7s assigned %" PRIu64 " (%.1f %%), sum of ids %" PRId64 "\n", L[l].name, count[l],
		       100.0 * count[l] / n, sum[l]);
	printf("{\"variant\":\"%s\",\"threads\":%d,\"points\":%zu,\"seed\":%" PRIu64 ",\"parcels\":%zu,\"grids\":%zu,"
	       "\"load_s\":%.3f,\"build_s\":%.3f,\"assign_s\":%.4f,\"cpu_s\":%.3f,\"points_per_s\":%.0f,"
	       "\"parcel_count\":%" PRIu64 ",\"parcel_sum\":%" PRId64 ",\"grid_count\":%" PRIu64 ",\"grid_sum\":%" PRId64
	       ",\"extent\":[%.9f,%.9f,%.9f,%.9f]}\n",
	       variant, threads, n, seed, L[0].n, L[1].n, t_load, t_build, t_assign, cpu, rate, count[0], sum[0], count[1],
	       sum[1], minx, miny, maxx, maxy);
	return 0;
}
