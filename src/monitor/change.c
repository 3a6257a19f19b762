/* change.c — satellite change detection over natural forest (§3.1.3): the
 * configuration, the natural-forest parcels, and the streaming detector.
 * See change.h for the method; docs/change-detection.md for the user view.
 *
 * The detector reads AFTER's grid strip by strip (strip_rows rows, rounded
 * to the block height), BEFORE either directly (same grid) or through a GDAL
 * warped VRT onto AFTER's grid.  Per row:
 *   1. forest row: a scanline fill of the natural parcels (transformed once
 *      into pixel space, edges sorted by y, an active-edge list) marks the
 *      pixels whose centre lies inside a parcel with that parcel's index;
 *   2. ΔNDVI (and ΔNBR) on the forest pixels that are neither nodata nor
 *      cloud in either image; loss pixels;
 *   3. runs of loss pixels are joined to the previous row's runs
 *      (8-connectivity) with a union-find over labels; a label collects the
 *      pixel count, ΔNDVI sum/min, parcels and its runs;
 *   4. a component that got no run in this row is closed: MMU test on the
 *      ellipsoidal area of the union of its run rectangles (EPSG:4490), and
 *      emitted as a patch or dropped. */
#include "monitor/change.h"
#include "monitor/config.h"

#include "base/data.h"
#include "base/json.h"
#include "geo/geo.h"
#include "registry/registry.h"

#include <cpl_conv.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <math.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- configuration --------------------------------------------------------- */

int tb_change_defaults(tb_change_opts *o, tb_err *e)
{
	memset(o, 0, sizeof *o);
	o->red = 3, o->nir = 4, o->swir = 0;
	o->ndvi_threshold = -0.2, o->nbr_threshold = -0.2, o->mmu_ha = 0.0667;
	o->conf_scale = 0.3, o->conf_min = 0.5, o->conf_max = 1.0, o->strip_rows = 512;
	snprintf(o->resampling, sizeof o->resampling, "bilinear");
	/* the file district.json names under "change" (another county ships its own) */
	char rel[100], file[110];
	if (!tb_monitor_config_path("change", rel, sizeof rel)) return 0; /* built-in defaults above */
	snprintf(file, sizeof file, "data/%s", rel);
	size_t len;
	char *text = tb_data_read(rel, &len);
	if (!text) return tb_err_set(e, TB_EINPUT, "district.json", "change", "names %s, which does not exist", file);
	json_t *j = tb_json_parse(text, len, e);
	free(text);
	if (!j) {
		snprintf(e->record, sizeof e->record, "%.120s", file);
		return TB_EINPUT;
	}
	int rc = 0;
	json_t *b = json_object_get(j, "bands");
	o->red = (int)tb_json_num(b, "red", o->red);
	o->nir = (int)tb_json_num(b, "nir", o->nir);
	o->swir = (int)tb_json_num(b, "swir", o->swir);
	o->ndvi_threshold = tb_json_num(j, "ndvi_threshold", o->ndvi_threshold);
	o->nbr_threshold = tb_json_num(j, "nbr_threshold", o->nbr_threshold);
	o->mmu_ha = tb_json_num(j, "mmu_ha", o->mmu_ha);
	o->strip_rows = (int)tb_json_num(j, "strip_rows", o->strip_rows);
	json_t *c = json_object_get(j, "confidence");
	o->conf_scale = tb_json_num(c, "scale", o->conf_scale);
	o->conf_min = tb_json_num(c, "min", o->conf_min);
	o->conf_max = tb_json_num(c, "max", o->conf_max);
	const char *comb = tb_json_str(j, "combine");
	if (comb && strcmp(comb, "and") && strcmp(comb, "or"))
		rc = tb_err_set(e, TB_EINPUT, file, "combine", "'%s' is not 'and' or 'or'", comb);
	o->combine_or = comb && !strcmp(comb, "or");
	const char *rs = tb_json_str(j, "resampling");
	if (rs) snprintf(o->resampling, sizeof o->resampling, "%s", rs);
	if (!rc && (o->red < 1 || o->nir < 1 || o->swir < 0))
		rc = tb_err_set(e, TB_EINPUT, file, "bands", "red and nir must be ≥ 1, swir ≥ 0");
	if (!rc && !(o->conf_scale > 0))
		rc = tb_err_set(e, TB_EINPUT, file, "confidence.scale", "must be > 0");
	json_decref(j);
	return rc;
}

/* ---- natural-forest parcels ---------------------------------------------------- */

int tb_change_forest_add(tb_change_forest *f, const char *code, const GEOSGeometry *g4490)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		char **c = realloc(f->codes, cap * sizeof *c);
		if (!c) return TB_ENOMEM;
		f->codes = c;
		GEOSGeometry **g = realloc(f->geoms, cap * sizeof *g);
		if (!g) return TB_ENOMEM;
		f->geoms = g;
		f->cap = cap;
	}
	f->codes[f->n] = strdup(code ? code : "");
	f->geoms[f->n] = GEOSGeom_clone_r(tb_geos(), g4490);
	if (!f->codes[f->n] || !f->geoms[f->n]) return TB_ENOMEM;
	f->n++;
	return 0;
}

static int forest_cb(void *ctx, const char *code, const char *town, double area_ha, const GEOSGeometry *g)
{
	(void)town, (void)area_ha;
	return tb_change_forest_add(ctx, code, g);
}

int tb_change_forest_load(tb_db *db, tb_change_forest *f, tb_err *e)
{
	int rc = tb_registry_each_parcel(db, true, forest_cb, f, e);
	if (rc == TB_ENOMEM) return tb_err_set(e, rc, "parcels", NULL, "out of memory");
	return rc;
}

void tb_change_forest_free(tb_change_forest *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->codes[i]);
		GEOSGeom_destroy_r(tb_geos(), f->geoms[i]);
	}
	free(f->codes);
	free(f->geoms);
	memset(f, 0, sizeof *f);
}

void tb_change_result_free(tb_change_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		tb_change_patch *p = &r->patches[i];
		if (p->geom) GEOSGeom_destroy_r(tb_geos(), p->geom);
		for (size_t k = 0; k < p->nparcels; k++) free(p->parcels[k]);
		free(p->parcels);
	}
	free(r->patches);
	memset(r, 0, sizeof *r);
}

/* ---- the forest rows: scanline fill in pixel space ---------------------------- */

typedef struct edge {
	double ya, yb;  /* ya < yb, pixel rows (y grows downwards)  */
	double xa, dx;  /* x at ya, dx/dy                            */
	int32_t pid;    /* parcel index + 1                          */
} edge;

typedef struct cross {
	int32_t pid;
	float x;
} cross;

typedef struct span {
	int32_t x0, x1; /* [x0, x1) */
} span;

typedef struct filler {
	span *sp; /* this row's forest pixels, sorted, disjoint */
	size_t nsp, capsp;
	edge *e;
	size_t n, cap, next;
	size_t *act; /* active edge indexes */
	size_t nact, capact;
	cross *cr;
	size_t capcr;
} filler;

static int edge_cmp(const void *a, const void *b)
{
	double x = ((const edge *)a)->ya, y = ((const edge *)b)->ya;
	return x < y ? -1 : x > y;
}

static int cross_cmp(const void *a, const void *b)
{
	const cross *x = a, *y = b;
	if (x->pid != y->pid) return x->pid < y->pid ? -1 : 1;
	return x->x < y->x ? -1 : x->x > y->x;
}

static int span_cmp(const void *a, const void *b)
{
	int32_t x = ((const span *)a)->x0, y = ((const span *)b)->x0;
	return (x > y) - (x < y);
}

static int filler_ring(filler *f, const GEOSGeometry *ring, const double gt[6], int32_t pid, int height)
{
	GEOSContextHandle_t h = tb_geos();
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
	unsigned int n = 0;
	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 2) return 0;
	double px0 = 0, py0 = 0;
	for (unsigned int i = 0; i < n; i++) {
		double x, y;
		GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
		double px = (x - gt[0]) / gt[1], py = (y - gt[3]) / gt[5];
		if (i > 0 && py != py0) {
			edge ed;
			if (py0 < py) ed = (edge){py0, py, px0, (px - px0) / (py - py0), pid};
			else ed = (edge){py, py0, px, (px0 - px) / (py0 - py), pid};
			if (ed.yb > 0 && ed.ya < height) {
				if (f->n == f->cap) {
					size_t cap = f->cap ? 2 * f->cap : 1024;
					edge *ne = realloc(f->e, cap * sizeof *ne);
					if (!ne) return TB_ENOMEM;
					f->e = ne, f->cap = cap;
				}
				f->e[f->n++] = ed;
			}
		}
		px0 = px, py0 = py;
	}
	return 0;
}

static int filler_geom(filler *f, const GEOSGeometry *g, const double gt[6], int32_t pid, int height)
{
	GEOSContextHandle_t h = tb_geos();
	int type = GEOSGeomTypeId_r(h, g);
	if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
		int k = GEOSGetNumGeometries_r(h, g);
		for (int i = 0; i < k; i++) {
			int rc = filler_geom(f, GEOSGetGeometryN_r(h, g, i), gt, pid, height);
			if (rc) return rc;
		}
		return 0;
	}
	if (type != GEOS_POLYGON) return 0;
	int rc = filler_ring(f, GEOSGetExteriorRing_r(h, g), gt, pid, height);
	int holes = GEOSGetNumInteriorRings_r(h, g);
	for (int i = 0; !rc && i < holes; i++) rc = filler_ring(f, GEOSGetInteriorRingN_r(h, g, i), gt, pid, height);
	return rc;
}

/* Fill row y (0-based) of pid: pixels whose centre is inside a parcel get
 * its index + 1 (even-odd per parcel).  Rows must come in increasing order. */
static int filler_row(filler *f, int y, int width, int32_t *pid)
{
	double yc = y + 0.5;
	while (f->next < f->n && f->e[f->next].ya <= yc) {
		if (f->nact == f->capact) {
			size_t cap = f->capact ? 2 * f->capact : 256;
			size_t *na = realloc(f->act, cap * sizeof *na);
			if (!na) return TB_ENOMEM;
			f->act = na, f->capact = cap;
		}
		f->act[f->nact++] = f->next++;
	}
	size_t k = 0;
	for (size_t i = 0; i < f->nact; i++)
		if (f->e[f->act[i]].yb > yc) f->act[k++] = f->act[i];
	f->nact = k;
	if (f->nact > f->capcr) {
		cross *nc = realloc(f->cr, f->nact * sizeof *nc);
		if (!nc) return TB_ENOMEM;
		f->cr = nc, f->capcr = f->nact;
	}
	size_t nc = 0;
	for (size_t i = 0; i < f->nact; i++) {
		const edge *ed = &f->e[f->act[i]];
		if (ed->ya > yc) continue; /* added later in sort order but not yet active */
		f->cr[nc++] = (cross){ed->pid, (float)(ed->xa + (yc - ed->ya) * ed->dx)};
	}
	if (nc > 1) qsort(f->cr, nc, sizeof *f->cr, cross_cmp);
	f->nsp = 0;
	if (nc / 2 > f->capsp) {
		span *ns = realloc(f->sp, (nc / 2) * sizeof *ns);
		if (!ns) return TB_ENOMEM;
		f->sp = ns, f->capsp = nc / 2;
	}
	for (size_t i = 0; i + 1 < nc; i += 2) {
		if (f->cr[i].pid != f->cr[i + 1].pid) { /* odd count for a parcel: skip one */
			i--;
			continue;
		}
		/* centres i + 0.5 in [x0, x1) */
		double a = ceil(f->cr[i].x - 0.5), b = ceil(f->cr[i + 1].x - 0.5);
		if (a < 0) a = 0;
		if (b > width) b = width;
		if (a >= b) continue;
		for (int x = (int)a; x < (int)b; x++) pid[x] = f->cr[i].pid;
		f->sp[f->nsp++] = (span){(int32_t)a, (int32_t)b};
	}
	/* sorted and disjoint (parcels may touch or, in bad data, overlap) */
	if (f->nsp > 1) {
		qsort(f->sp, f->nsp, sizeof *f->sp, span_cmp);
		size_t j = 0;
		for (size_t i = 1; i < f->nsp; i++) {
			if (f->sp[i].x0 <= f->sp[j].x1) {
				if (f->sp[i].x1 > f->sp[j].x1) f->sp[j].x1 = f->sp[i].x1;
			} else f->sp[++j] = f->sp[i];
		}
		f->nsp = j + 1;
	}
	return 0;
}

static void filler_free(filler *f)
{
	free(f->sp);
	free(f->e);
	free(f->act);
	free(f->cr);
}

/* ---- the pixel kernels: branch-free over a span, so the compiler can
 * vectorise them.  nd[] are the nodata values of after-red, after-NIR,
 * before-red, before-NIR (NaN when a band has none: never equal); cr[x] is
 * the row's cloud flag.  Return the number of masked pixels.  Compiled
 * with vectorisation (GCC: -O2 alone does not vectorise these loops). */
#if defined(__GNUC__) && !defined(__clang__)
#define VECTORIZE __attribute__((optimize("tree-vectorize")))
#else
#define VECTORIZE
#endif

/* Instantiated for Float32 and UInt16 buffers (UInt16 images are read in
 * their own type: half the bytes, and GDAL's conversion is the costliest
 * part of reading; values become float here, for forest pixels only). */
#define KERNELS(SUF, T)                                                                                          \
	VECTORIZE static int kernel_ndvi_##SUF(int a, int b, const T *restrict ar, const T *restrict an,          \
					       const T *restrict br, const T *restrict bn,                        \
					       const unsigned char *restrict cr, const float nd[4], float thr,    \
					       float *restrict drow, unsigned char *restrict loss)                \
	{                                                                                                        \
		int masked = 0;                                                                                  \
		const float n0 = nd[0], n1 = nd[1], n2 = nd[2], n3 = nd[3];                                      \
		for (int x = a; x < b; x++) {                                                                    \
			float a_r = (float)ar[x], a_n = (float)an[x], b_r = (float)br[x], b_n = (float)bn[x];    \
			float sa = a_n + a_r, sb = b_n + b_r;                                                    \
			int m = (a_r == n0) | (a_n == n1) | (b_r == n2) | (b_n == n3) | (sa == 0) | (sb == 0) |  \
				(sa != sa) | (sb != sb) | (cr[x] != 0);                                          \
			/* (a_n − a_r)/sa − (b_n − b_r)/sb with one division */                                  \
			float dn = ((a_n - a_r) * sb - (b_n - b_r) * sa) / (sa * sb);                            \
			drow[x] = dn;                                                                            \
			loss[x] = (unsigned char)((m == 0) & (dn <= thr));                                       \
			masked += m;                                                                             \
		}                                                                                                \
		return masked;                                                                                   \
	}                                                                                                        \
	/* with SWIR: nd[4], nd[5] are after-SWIR and before-SWIR nodata */                                      \
	VECTORIZE static int kernel_nbr_##SUF(                                                                   \
		int a, int b, const T *restrict ar, const T *restrict an, const T *restrict as,                  \
		const T *restrict br, const T *restrict bn, const T *restrict bs, const unsigned char *restrict cr, \
		const float nd[6], float thr, float thr_n, bool use_or, float *restrict drow, float *restrict nrow, \
		unsigned char *restrict loss)                                                                    \
	{                                                                                                        \
		int masked = 0;                                                                                  \
		const float n0 = nd[0], n1 = nd[1], n2 = nd[2], n3 = nd[3], n4 = nd[4], n5 = nd[5];              \
		for (int x = a; x < b; x++) {                                                                    \
			float a_r = (float)ar[x], a_n = (float)an[x], b_r = (float)br[x], b_n = (float)bn[x];    \
			float a_s = (float)as[x], b_s = (float)bs[x];                                            \
			float sa = a_n + a_r, sb = b_n + b_r, ta = a_n + a_s, tb = b_n + b_s;                    \
			int m = (a_r == n0) | (a_n == n1) | (b_r == n2) | (b_n == n3) | (a_s == n4) |            \
				(b_s == n5) | (sa == 0) | (sb == 0) | (ta == 0) | (tb == 0) | (sa != sa) |       \
				(sb != sb) | (ta != ta) | (tb != tb) | (cr[x] != 0);                             \
			float dn = ((a_n - a_r) * sb - (b_n - b_r) * sa) / (sa * sb);                            \
			float db = ((a_n - a_s) * tb - (b_n - b_s) * ta) / (ta * tb);                            \
			drow[x] = dn, nrow[x] = db;                                                              \
			int ln = dn <= thr, lb = db <= thr_n;                                                    \
			loss[x] = (unsigned char)((m == 0) & (use_or ? (ln | lb) : (ln & lb)));                  \
			masked += m;                                                                             \
		}                                                                                                \
		return masked;                                                                                   \
	}

KERNELS(f32, float)
KERNELS(u16, uint16_t)

/* ---- union-find over components ------------------------------------------------- */

typedef struct seg {
	int32_t row, x0, x1, next; /* x1 inclusive */
} seg;

typedef struct label {
	int32_t parent, last_row, head, tail;
	int32_t row0, col0, col1;
	int32_t *pids;
	int32_t npid, cappid;
	int64_t npix;
	double sum_d, sum_nbr;
	float min_d;
	bool done;
} label;

typedef struct run {
	int32_t x0, x1, lab;
} run;

typedef struct ccl {
	label *l;
	size_t n, cap;
	seg *s;
	size_t ns, caps;
	int32_t free_seg;
} ccl;

static int32_t find(ccl *c, int32_t x)
{
	while (c->l[x].parent != x) {
		c->l[x].parent = c->l[c->l[x].parent].parent;
		x = c->l[x].parent;
	}
	return x;
}

static int add_pid(label *l, int32_t pid)
{
	for (int32_t i = 0; i < l->npid; i++)
		if (l->pids[i] == pid) return 0;
	if (l->npid == l->cappid) {
		int32_t cap = l->cappid ? 2 * l->cappid : 4;
		int32_t *np = realloc(l->pids, (size_t)cap * sizeof *np);
		if (!np) return TB_ENOMEM;
		l->pids = np, l->cappid = cap;
	}
	l->pids[l->npid++] = pid;
	return 0;
}

static int32_t new_label(ccl *c, int row)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		label *nl = realloc(c->l, cap * sizeof *nl);
		if (!nl) return -1;
		c->l = nl, c->cap = cap;
	}
	int32_t id = (int32_t)c->n++;
	c->l[id] = (label){.parent = id, .last_row = row, .head = -1, .tail = -1, .row0 = row, .col0 = INT32_MAX,
			   .col1 = -1, .min_d = INFINITY};
	return id;
}

static int32_t union_labels(ccl *c, int32_t a, int32_t b)
{
	a = find(c, a), b = find(c, b);
	if (a == b) return a;
	if (b < a) {
		int32_t t = a;
		a = b, b = t;
	}
	label *A = &c->l[a], *B = &c->l[b];
	B->parent = a;
	A->npix += B->npix, A->sum_d += B->sum_d, A->sum_nbr += B->sum_nbr;
	if (B->min_d < A->min_d) A->min_d = B->min_d;
	if (B->last_row > A->last_row) A->last_row = B->last_row;
	if (B->row0 < A->row0) A->row0 = B->row0;
	if (B->col0 < A->col0) A->col0 = B->col0;
	if (B->col1 > A->col1) A->col1 = B->col1;
	if (B->head >= 0) {
		if (A->tail >= 0) c->s[A->tail].next = B->head;
		else A->head = B->head;
		A->tail = B->tail;
	}
	B->head = B->tail = -1;
	for (int32_t i = 0; i < B->npid; i++)
		if (add_pid(A, B->pids[i])) return -1;
	free(B->pids);
	B->pids = NULL, B->npid = B->cappid = 0;
	return a;
}

static int add_seg(ccl *c, int32_t lab, int32_t row, int32_t x0, int32_t x1)
{
	int32_t id;
	if (c->free_seg >= 0) {
		id = c->free_seg;
		c->free_seg = c->s[id].next;
	} else {
		if (c->ns == c->caps) {
			size_t cap = c->caps ? 2 * c->caps : 4096;
			seg *ns = realloc(c->s, cap * sizeof *ns);
			if (!ns) return TB_ENOMEM;
			c->s = ns, c->caps = cap;
		}
		id = (int32_t)c->ns++;
	}
	c->s[id] = (seg){row, x0, x1, -1};
	label *L = &c->l[lab];
	if (L->tail >= 0) c->s[L->tail].next = id;
	else L->head = id;
	L->tail = id;
	return 0;
}

/* Keep only the labels of the open components: the roots of the last row's
 * runs, renumbered.  Every other label is a closed component or a non-root
 * whose data went to its root, so memory stays O(width + open components). */
static int compact(ccl *c, run *runs, size_t nruns)
{
	int32_t *map = malloc(c->n * sizeof *map);
	label *nl = malloc((nruns + 1) * sizeof *nl);
	if (!map || !nl) {
		free(map), free(nl);
		return TB_ENOMEM;
	}
	for (size_t i = 0; i < c->n; i++) map[i] = -1;
	int32_t m = 0;
	for (size_t k = 0; k < nruns; k++) {
		int32_t r = find(c, runs[k].lab);
		if (map[r] < 0) {
			nl[m] = c->l[r];
			nl[m].parent = m;
			map[r] = m++;
			c->l[r].pids = NULL; /* moved */
		}
		runs[k].lab = map[r];
	}
	for (size_t i = 0; i < c->n; i++) free(c->l[i].pids);
	free(c->l);
	free(map);
	c->l = nl, c->n = (size_t)m, c->cap = nruns + 1;
	return 0;
}

/* ---- the detector ------------------------------------------------------------- */

typedef struct det {
	const tb_change_opts *o;
	const tb_change_forest *forest;
	tb_change_result *r;
	double gt[6];
	tb_transform *to4490; /* analysis CRS → EPSG:4490, NULL when it is 4490 */
	ccl c;
	size_t cap_patches;
	tb_err *e;
} det;

static int seg_cmp(const void *a, const void *b)
{
	const seg *x = a, *y = b;
	if (x->x0 != y->x0) return x->x0 < y->x0 ? -1 : 1;
	if (x->x1 != y->x1) return x->x1 < y->x1 ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

static GEOSGeometry *rect(det *d, int32_t row0, int32_t row1, int32_t x0, int32_t x1)
{
	GEOSContextHandle_t h = tb_geos();
	const double *gt = d->gt;
	double ax = gt[0] + x0 * gt[1], bx = gt[0] + (x1 + 1) * gt[1];
	double ay = gt[3] + row0 * gt[5], by = gt[3] + (row1 + 1) * gt[5];
	double xs[5] = {ax, bx, bx, ax, ax}, ys[5] = {ay, ay, by, by, ay};
	GEOSCoordSequence *cs = GEOSCoordSeq_copyFromArrays_r(h, xs, ys, NULL, NULL, 5);
	GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
	return ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
}

/* The union of a component's runs, in EPSG:4490 (MultiPolygon). */
static GEOSGeometry *component_geom(det *d, label *L)
{
	GEOSContextHandle_t h = tb_geos();
	size_t n = 0;
	for (int32_t s = L->head; s >= 0; s = d->c.s[s].next) n++;
	seg *v = malloc((n ? n : 1) * sizeof *v);
	if (!v) return NULL;
	n = 0;
	for (int32_t s = L->head; s >= 0; s = d->c.s[s].next) v[n++] = d->c.s[s];
	qsort(v, n, sizeof *v, seg_cmp);
	GEOSGeometry **parts = malloc((n ? n : 1) * sizeof *parts);
	size_t np = 0;
	for (size_t i = 0; parts && i < n;) {
		size_t j = i + 1; /* same x0..x1 on consecutive rows → one rectangle */
		while (j < n && v[j].x0 == v[i].x0 && v[j].x1 == v[i].x1 && v[j].row == v[j - 1].row + 1) j++;
		GEOSGeometry *g = rect(d, v[i].row, v[j - 1].row, v[i].x0, v[i].x1);
		if (g) parts[np++] = g;
		i = j;
	}
	free(v);
	if (!parts) return NULL;
	GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)np);
	free(parts);
	if (!coll) return NULL;
	GEOSGeometry *u = GEOSUnaryUnion_r(h, coll);
	GEOSGeom_destroy_r(h, coll);
	if (!u) return NULL;
	GEOSGeometry *m = tb_geom_to_multi(u);
	GEOSGeom_destroy_r(h, u);
	if (!m || !d->to4490) return m;
	GEOSGeometry *t = tb_transform_geom_copy(d->to4490, m, NULL);
	GEOSGeom_destroy_r(h, m);
	if (t) GEOSSetSRID_r(h, t, TB_SRS_CGCS2000);
	return t;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_segs(ccl *c, label *L)
{
	if (L->head >= 0) {
		c->s[L->tail].next = c->free_seg;
		c->free_seg = L->head;
	}
	L->head = L->tail = -1;
}

static int finalize(det *d, int32_t id)
{
	label *L = &d->c.l[id];
	L->done = true;
	const tb_change_opts *o = d->o;
	tb_change_result *r = d->r;
	int rc = 0;
	/* cheap pre-filter: well below the MMU by pixel count */
	if (L->npix * r->pixel_ha < 0.5 * o->mmu_ha) {
		r->dropped_mmu++, r->dropped_px += L->npix;
		goto done;
	}
	GEOSGeometry *g = component_geom(d, L);
	if (!g) {
		rc = tb_err_set(d->e, TB_EINTERNAL, "patch", "geometry", "could not build the patch polygon: %s",
				tb_geos_last_error());
		goto done;
	}
	double area = tb_area_ha(g);
	if (area < o->mmu_ha) {
		GEOSGeom_destroy_r(tb_geos(), g);
		r->dropped_mmu++, r->dropped_px += L->npix;
		goto done;
	}
	if (r->n == d->cap_patches) {
		size_t cap = d->cap_patches ? 2 * d->cap_patches : 16;
		tb_change_patch *np = realloc(r->patches, cap * sizeof *np);
		if (!np) {
			GEOSGeom_destroy_r(tb_geos(), g);
			rc = tb_err_set(d->e, TB_ENOMEM, "patch", NULL, "out of memory");
			goto done;
		}
		r->patches = np, d->cap_patches = cap;
	}
	tb_change_patch *p = &r->patches[r->n++];
	memset(p, 0, sizeof *p);
	p->pixels = L->npix;
	p->area_ha = area;
	p->mean_dndvi = L->sum_d / (double)L->npix;
	p->min_dndvi = L->min_d;
	p->mean_dnbr = o->swir ? L->sum_nbr / (double)L->npix : NAN;
	double k = (-p->mean_dndvi - fabs(o->ndvi_threshold)) / o->conf_scale;
	k = k < 0 ? 0 : k > 1 ? 1 : k;
	p->confidence = o->conf_min + (o->conf_max - o->conf_min) * k;
	p->row0 = L->row0, p->row1 = L->last_row, p->col0 = L->col0, p->col1 = L->col1;
	p->geom = g;
	GEOSGeometry *pt = GEOSPointOnSurface_r(tb_geos(), g);
	if (pt) {
		GEOSGeomGetX_r(tb_geos(), pt, &p->lon);
		GEOSGeomGetY_r(tb_geos(), pt, &p->lat);
		GEOSGeom_destroy_r(tb_geos(), pt);
	}
	p->alert_id = 0;
	if (L->npid) {
		p->parcels = calloc((size_t)L->npid, sizeof *p->parcels);
		for (int32_t i = 0; p->parcels && i < L->npid; i++)
			if (L->pids[i] > 0 && d->forest && (size_t)L->pids[i] <= d->forest->n)
				p->parcels[p->nparcels++] = strdup(d->forest->codes[L->pids[i] - 1]);
		if (p->parcels) qsort(p->parcels, p->nparcels, sizeof *p->parcels, str_cmp);
	}
done:
	free_segs(&d->c, L);
	free(L->pids);
	L->pids = NULL, L->npid = L->cappid = 0;
	return rc;
}

/* ---- opening and aligning the rasters ------------------------------------------ */

static void gdal_init(void)
{
	static bool done;
	if (!done) GDALAllRegister(), done = true;
}

static int open_raster(const char *path, GDALDatasetH *ds, tb_err *e)
{
	CPLErrorReset();
	*ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
	if (!*ds) {
		const char *m = CPLGetLastErrorMsg();
		return tb_err_set(e, TB_EIO, path, NULL, "cannot open the raster: %s", m && *m ? m : "unknown format");
	}
	return 0;
}

static bool same_grid(GDALDatasetH a, GDALDatasetH b)
{
	if (GDALGetRasterXSize(a) != GDALGetRasterXSize(b) || GDALGetRasterYSize(a) != GDALGetRasterYSize(b))
		return false;
	double ga[6], gb[6];
	if (GDALGetGeoTransform(a, ga) != CE_None || GDALGetGeoTransform(b, gb) != CE_None) return false;
	for (int i = 0; i < 6; i++)
		if (fabs(ga[i] - gb[i]) > 1e-6 * fabs(ga[1])) return false;
	OGRSpatialReferenceH sa = GDALGetSpatialRef(a), sb = GDALGetSpatialRef(b);
	if (!sa || !sb) return !sa && !sb;
	return OSRIsSame(sa, sb);
}

/* A warped VRT of src on ref's grid (nearest for masks, o->resampling for
 * the image).  Source nodata is honoured; outside src is nodata (or 0). */
static int warp_onto(GDALDatasetH src, GDALDatasetH ref, const char *resampling, const char *path,
		     GDALDatasetH *out, tb_err *e)
{
	double gt[6];
	GDALGetGeoTransform(ref, gt);
	int w = GDALGetRasterXSize(ref), h = GDALGetRasterYSize(ref);
	char *wkt = NULL;
	OSRExportToWkt(GDALGetSpatialRef(ref), &wkt);
	if (!GDALGetSpatialRef(src))
		return tb_err_set(e, TB_EINPUT, path, "crs",
				  "has another grid than the AFTER image but no CRS, so it cannot be aligned");
	char te[4][32], ts[2][16];
	snprintf(te[0], 32, "%.12g", gt[0]);
	snprintf(te[1], 32, "%.12g", gt[3] + h * gt[5]);
	snprintf(te[2], 32, "%.12g", gt[0] + w * gt[1]);
	snprintf(te[3], 32, "%.12g", gt[3]);
	snprintf(ts[0], 16, "%d", w);
	snprintf(ts[1], 16, "%d", h);
	char *argv[] = {"-of", "VRT", "-t_srs", wkt, "-te", te[0], te[1], te[2], te[3], "-ts", ts[0], ts[1],
			"-r", (char *)resampling, NULL};
	GDALWarpAppOptions *wo = GDALWarpAppOptionsNew(argv, NULL);
	int usage = 0;
	CPLErrorReset();
	*out = wo ? GDALWarp("", NULL, 1, &src, wo, &usage) : NULL;
	if (wo) GDALWarpAppOptionsFree(wo);
	CPLFree(wkt);
	if (!*out)
		return tb_err_set(e, TB_EINPUT, path, "crs", "cannot be warped onto the AFTER image's grid: %s",
				  CPLGetLastErrorMsg());
	return 0;
}

static void crs_name(GDALDatasetH ds, char *out, size_t n)
{
	OGRSpatialReferenceH s = GDALGetSpatialRef(ds);
	if (!s) {
		snprintf(out, n, "none");
		return;
	}
	OGRSpatialReferenceH c = OSRClone(s);
	OSRAutoIdentifyEPSG(c);
	const char *an = OSRGetAuthorityName(c, NULL), *code = OSRGetAuthorityCode(c, NULL);
	if (an && code) snprintf(out, n, "%s:%s", an, code);
	else snprintf(out, n, "custom");
	OSRDestroySpatialReference(c);
}

/* AFTER's acquisition time from TIFF/IMAGERY metadata, as ISO 8601 UTC. */
static void acquired(GDALDatasetH ds, char *out, size_t n)
{
	out[0] = 0;
	const char *v = GDALGetMetadataItem(ds, "ACQUISITIONDATETIME", "IMAGERY");
	if (v && strlen(v) >= 10) {
		snprintf(out, n, "%s", v);
		return;
	}
	v = GDALGetMetadataItem(ds, "TIFFTAG_DATETIME", NULL);
	int Y, M, D, h = 0, m = 0, s = 0;
	if (v && sscanf(v, "%d:%d:%d %d:%d:%d", &Y, &M, &D, &h, &m, &s) >= 3 && Y > 1900 && M >= 1 && M <= 12 &&
	    D >= 1 && D <= 31)
		snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02dZ", Y, M, D, h, m, s);
}

int tb_change_acquired(const char *path, char *out, size_t n, tb_err *e)
{
	CPLPushErrorHandler(CPLQuietErrorHandler);
	GDALDatasetH ds;
	int rc = open_raster(path, &ds, e);
	CPLPopErrorHandler();
	if (rc) return rc;
	acquired(ds, out, n);
	GDALClose(ds);
	return 0;
}

typedef struct bandinfo {
	bool has_nd;
	float nd;
} bandinfo;

static int check_band(GDALDatasetH ds, const char *path, int b, const char *role, bandinfo *bi, tb_err *e)
{
	if (b < 1 || b > GDALGetRasterCount(ds))
		return tb_err_set(e, TB_EINPUT, path, role, "band %d does not exist (the image has %d bands)", b,
				  GDALGetRasterCount(ds));
	int has = 0;
	double nd = GDALGetRasterNoDataValue(GDALGetRasterBand(ds, b), &has);
	if (bi) bi->has_nd = has, bi->nd = (float)nd;
	return 0;
}

/* pixel-space geotransform sanity and the centre pixel's area */
static double centre_pixel_ha(det *d, int w, int h)
{
	GEOSGeometry *g = rect(d, h / 2, h / 2, w / 2, w / 2);
	if (!g) return 0;
	GEOSGeometry *t = d->to4490 ? tb_transform_geom_copy(d->to4490, g, NULL) : NULL;
	double a = tb_area_ha(t ? t : g);
	GEOSGeom_destroy_r(tb_geos(), g);
	if (t) GEOSGeom_destroy_r(tb_geos(), t);
	return a;
}

/* The reader thread: strip after strip into two slots, ahead of the
 * computation by at most one strip. */
typedef struct slot {
	void *a, *b;           /* AFTER's and BEFORE's bands, band after band (type) */
	unsigned char *cloud;  /* union of the mask rasters, or NULL            */
	int y0, nr;
	bool full;
} slot;

typedef struct reader {
	GDALDatasetH A, B, M[TB_CHANGE_MAX_MASKS];
	int nm, w, h, rows, na, nb;
	GDALDataType type; /* of the buffers: UInt16 or Float32 */
	const char *after, *before;
	const char *const *masks;
	int *amap, *bmap;
	slot slot[2];
	float *mbuf;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool sync, running, stop;
	int rc;
	tb_err e;
} reader;

static int read_strip(reader *rd, slot *s, int y0, int nr, tb_err *e)
{
	int w = rd->w;
	size_t pl = (size_t)w * (size_t)nr;
	CPLErrorReset();
	if (GDALDatasetRasterIO(rd->A, GF_Read, 0, y0, w, nr, s->a, w, nr, rd->type, rd->na, rd->amap, 0, 0, 0) !=
	    CE_None)
		return tb_err_set(e, TB_EIO, rd->after, NULL, "read failed at row %d: %s", y0, CPLGetLastErrorMsg());
	if (GDALDatasetRasterIO(rd->B, GF_Read, 0, y0, w, nr, s->b, w, nr, rd->type, rd->nb, rd->bmap, 0, 0, 0) !=
	    CE_None)
		return tb_err_set(e, TB_EIO, rd->before, NULL, "read failed at row %d: %s", y0, CPLGetLastErrorMsg());
	if (rd->nm) memset(s->cloud, 0, pl);
	for (int m = 0; m < rd->nm; m++) {
		if (GDALRasterIO(GDALGetRasterBand(rd->M[m], 1), GF_Read, 0, y0, w, nr, rd->mbuf, w, nr, GDT_Float32, 0,
				 0) != CE_None)
			return tb_err_set(e, TB_EIO, rd->masks[m], NULL, "read failed at row %d: %s", y0,
					  CPLGetLastErrorMsg());
		for (size_t k = 0; k < pl; k++) s->cloud[k] |= rd->mbuf[k] != 0 && !isnan(rd->mbuf[k]);
	}
	return 0;
}

static void *reader_main(void *arg)
{
	reader *rd = arg;
	CPLPushErrorHandler(CPLQuietErrorHandler); /* per thread; messages go into rd->e */
	for (int y0 = 0, k = 0; y0 < rd->h; y0 += rd->rows, k ^= 1) {
		int nr = y0 + rd->rows <= rd->h ? rd->rows : rd->h - y0;
		pthread_mutex_lock(&rd->mu);
		while (rd->slot[k].full && !rd->stop) pthread_cond_wait(&rd->cv, &rd->mu);
		bool stop = rd->stop;
		pthread_mutex_unlock(&rd->mu);
		if (stop) break;
		tb_err e = {0};
		int rc = read_strip(rd, &rd->slot[k], y0, nr, &e);
		pthread_mutex_lock(&rd->mu);
		if (rc) rd->rc = rc, rd->e = e;
		else rd->slot[k].y0 = y0, rd->slot[k].nr = nr, rd->slot[k].full = true;
		pthread_cond_broadcast(&rd->cv);
		pthread_mutex_unlock(&rd->mu);
		if (rc) break;
	}
	CPLPopErrorHandler();
	return NULL;
}

static int patch_cmp(const void *a, const void *b)
{
	const tb_change_patch *x = a, *y = b;
	if (x->area_ha != y->area_ha) return x->area_ha > y->area_ha ? -1 : 1;
	if (x->row0 != y->row0) return x->row0 < y->row0 ? -1 : 1;
	return (x->col0 > y->col0) - (x->col0 < y->col0);
}

#define CHANGE_CACHE ((GIntBig)64 << 20)

/* One run of the detector: its inputs, the aligned grids, the buffers, the
 * reader thread and the per-row state.  tb_change_detect is the steps below,
 * in order; job_free releases whatever the steps got to. */
typedef struct job {
	det d;
	const char *before, *after;
	GDALDatasetH A, B, Bw, Bsrc;  /* AFTER, BEFORE, BEFORE warped, the one read */
	GDALDatasetH M[TB_CHANGE_MAX_MASKS], Mw[TB_CHANGE_MAX_MASKS], Msrc[TB_CHANGE_MAX_MASKS];
	int nm, w, h, rows;
	GIntBig cache_before;
	bool cache_set;
	/* bands: red, nir, [swir] of each image, then its cloud band */
	bandinfo ab[4], bb[4];
	int amap[4], bmap[4], na, nb;
	int bands[3];
	filler f;  /* the parcels in pixel space */
	reader rd; /* the strips */
	/* the row being classified and labelled */
	float *drow, *nrow;
	unsigned char *zero, *crow, *lossf;
	int32_t *pid;
	run *prev, *cur;
	size_t nprev;
	/* the classification's constants */
	bool u16, swir, use_or;
	size_t tsize;
	int cb_a, cb_b;
	float thr, thr_n, nd[6];
} job;

static int check_options(const tb_change_opts *o, const tb_change_forest *forest, tb_err *e)
{
	if (!forest && !o->no_forest_mask)
		return tb_err_set(e, TB_EUSAGE, "forest", NULL, "the natural-forest parcels are required");
	if (o->ndvi_threshold > 0 || o->nbr_threshold > 0)
		return tb_err_set(e, TB_EINPUT, "options", o->ndvi_threshold > 0 ? "ndvi_threshold" : "nbr_threshold",
				  "must be ≤ 0 (a loss is a negative difference)");
	if (!(o->mmu_ha >= 0)) return tb_err_set(e, TB_EINPUT, "options", "mmu_ha", "must be ≥ 0");
	return 0;
}

/* GDAL's messages go into *e, not stderr.  Every block is read exactly once:
 * a large block cache only costs page faults (GDAL's default is 5 % of RAM);
 * unless GDAL_CACHEMAX is set, use 64 MB while detecting (GDAL processes a
 * multi-band strip block by block, so this is not less than it needs). */
static void gdal_enter(job *j)
{
	CPLPushErrorHandler(CPLQuietErrorHandler);
	j->cache_before = GDALGetCacheMax64();
	j->cache_set = !CPLGetConfigOption("GDAL_CACHEMAX", NULL) && j->cache_before > CHANGE_CACHE;
	if (j->cache_set) GDALSetCacheMax64(CHANGE_CACHE);
}

static void gdal_leave(job *j)
{
	if (j->cache_set) GDALSetCacheMax64(j->cache_before);
	CPLPopErrorHandler();
}

/* Step 1: both images open; AFTER is north-up, georeferenced, and its CRS,
 * acquisition date and size go into the result. */
static int open_inputs(job *j)
{
	tb_err *e = j->d.e;
	tb_change_result *r = j->d.r;
	int rc = open_raster(j->after, &j->A, e);
	if (!rc) rc = open_raster(j->before, &j->B, e);
	if (rc) return rc;
	j->w = GDALGetRasterXSize(j->A), j->h = GDALGetRasterYSize(j->A);
	r->width = j->w, r->height = j->h;
	const double *gt = j->d.gt;
	if (GDALGetGeoTransform(j->A, j->d.gt) != CE_None || gt[2] != 0 || gt[4] != 0 || gt[1] <= 0 || gt[5] >= 0)
		return tb_err_set(e, TB_EINPUT, j->after, "geotransform",
				  "needs a north-up georeferenced grid (no rotation); warp it first");
	if (!GDALGetSpatialRef(j->A)) return tb_err_set(e, TB_EINPUT, j->after, "crs", "has no coordinate reference system");
	crs_name(j->A, r->crs, sizeof r->crs);
	acquired(j->A, r->acquired, sizeof r->acquired);
	return 0;
}

/* Step 2: the bands named in the options exist in both images; their nodata. */
static int check_bands(job *j)
{
	const tb_change_opts *o = j->d.o;
	tb_err *e = j->d.e;
	static const char *const roles[3] = {"red", "nir", "swir"};
	j->bands[0] = o->red, j->bands[1] = o->nir, j->bands[2] = o->swir;
	int rc = 0;
	for (int i = 0; i < 3 && !rc; i++) {
		if (!j->bands[i]) continue;
		rc = check_band(j->A, j->after, j->bands[i], roles[i], &j->ab[j->na], e);
		if (!rc) rc = check_band(j->B, j->before, j->bands[i], roles[i], &j->bb[j->nb], e);
		j->amap[j->na++] = j->bands[i], j->bmap[j->nb++] = j->bands[i];
	}
	if (!rc && o->cloud_band) {
		rc = check_band(j->A, j->after, o->cloud_band, "cloud_band", NULL, e);
		j->amap[j->na++] = o->cloud_band;
	}
	if (!rc && o->before_cloud_band) {
		rc = check_band(j->B, j->before, o->before_cloud_band, "before_cloud_band", NULL, e);
		j->bmap[j->nb++] = o->before_cloud_band;
	}
	return rc;
}

/* Step 3: BEFORE and the cloud masks onto AFTER's grid (a warped VRT where
 * the grids differ). */
static int align_grids(job *j)
{
	const tb_change_opts *o = j->d.o;
	tb_err *e = j->d.e;
	int rc = 0;
	j->Bsrc = j->B;
	if (!same_grid(j->A, j->B)) {
		if ((rc = warp_onto(j->B, j->A, o->resampling, j->before, &j->Bw, e))) return rc;
		j->Bsrc = j->Bw;
		j->d.r->warped = true;
		for (int i = 0; i < 3 && j->bands[i]; i++) { /* the warped VRT's nodata for outside */
			int has = 0;
			double nd = GDALGetRasterNoDataValue(GDALGetRasterBand(j->Bw, j->bmap[i]), &has);
			if (has) j->bb[i].has_nd = true, j->bb[i].nd = (float)nd;
		}
	}
	for (int i = 0; i < TB_CHANGE_MAX_MASKS && o->cloud_masks[i]; i++, j->nm++) {
		if ((rc = open_raster(o->cloud_masks[i], &j->M[i], e))) return rc;
		j->Msrc[i] = j->M[i];
		if (!same_grid(j->A, j->M[i])) {
			if ((rc = warp_onto(j->M[i], j->A, "near", o->cloud_masks[i], &j->Mw[i], e))) return rc;
			j->Msrc[i] = j->Mw[i];
		}
	}
	return 0;
}

/* Step 4: the analysis CRS → EPSG:4490 (for patch areas and geometries),
 * and the parcels into pixel space for the scanline fill. */
static int project_parcels(job *j)
{
	const tb_change_opts *o = j->d.o;
	const tb_change_forest *forest = j->d.forest;
	tb_err *e = j->d.e;
	int rc = 0;
	char *wkt = NULL;
	OSRExportToWkt(GDALGetSpatialRef(j->A), &wkt);
	bool is4490 = !strcmp(j->d.r->crs, "EPSG:4490");
	tb_transform *from4490 = NULL;
	if (!is4490 && !(j->d.to4490 = tb_transform_new(wkt, e))) {
		rc = e->code ? e->code : TB_EINPUT;
		snprintf(e->record, sizeof e->record, "%s", j->after);
		snprintf(e->field, sizeof e->field, "crs");
	} else if (forest && !o->no_forest_mask && !is4490 && !(from4490 = tb_transform_new2("EPSG:4490", wkt, e))) {
		rc = e->code ? e->code : TB_EINPUT;
	}
	CPLFree(wkt);
	if (rc) return rc;
	for (size_t i = 0; forest && !o->no_forest_mask && i < forest->n && !rc; i++) {
		GEOSGeometry *g = from4490 ? tb_transform_geom_copy(from4490, forest->geoms[i], NULL) : NULL;
		if (from4490 && !g) continue; /* outside the CRS's domain: not on this image */
		rc = filler_geom(&j->f, g ? g : forest->geoms[i], j->d.gt, (int32_t)(i + 1), j->h);
		if (g) GEOSGeom_destroy_r(tb_geos(), g);
	}
	if (from4490) tb_transform_free(from4490);
	if (rc) return tb_err_set(e, TB_ENOMEM, "parcels", NULL, "out of memory");
	if (j->f.n) qsort(j->f.e, j->f.n, sizeof *j->f.e, edge_cmp);
	j->d.r->pixel_ha = centre_pixel_ha(&j->d, j->w, j->h);
	return 0;
}

/* Step 5: the strip height (whole blocks), the sample type (UInt16 images,
 * the usual reflectance products, are read as UInt16), the two strip slots
 * and the row buffers; the classification's constants. */
static int alloc_buffers(job *j)
{
	const tb_change_opts *o = j->d.o;
	const int w = j->w, h = j->h;
	int bw = 0, bh = 0;
	GDALGetBlockSize(GDALGetRasterBand(j->A, j->amap[0]), &bw, &bh);
	int rows = o->strip_rows > 0 ? o->strip_rows : 512;
	if (bh > 1 && bh < h) rows = ((rows + bh - 1) / bh) * bh;
	if (rows > h) rows = h;
	j->rows = rows;
	size_t plane = (size_t)w * (size_t)rows;
	reader *rd = &j->rd;
	*rd = (reader){.A = j->A, .B = j->Bsrc, .nm = j->nm, .after = j->after, .before = j->before,
		       .masks = o->cloud_masks, .w = w, .h = h, .rows = rows, .na = j->na, .nb = j->nb,
		       .amap = j->amap, .bmap = j->bmap, .type = GDT_UInt16};
	memcpy(rd->M, j->Msrc, sizeof j->Msrc);
	for (int i = 0; i < j->na; i++)
		if (GDALGetRasterDataType(GDALGetRasterBand(j->A, j->amap[i])) != GDT_UInt16) rd->type = GDT_Float32;
	for (int i = 0; i < j->nb; i++)
		if (GDALGetRasterDataType(GDALGetRasterBand(j->Bsrc, j->bmap[i])) != GDT_UInt16) rd->type = GDT_Float32;
	j->u16 = rd->type == GDT_UInt16;
	j->tsize = j->u16 ? sizeof(uint16_t) : sizeof(float);
	bool ok = true;
	for (int k = 0; k < 2; k++) {
		rd->slot[k].a = malloc(plane * (size_t)j->na * j->tsize);
		rd->slot[k].b = malloc(plane * (size_t)j->nb * j->tsize);
		rd->slot[k].cloud = j->nm ? malloc(plane) : NULL;
		ok &= rd->slot[k].a && rd->slot[k].b && (!j->nm || rd->slot[k].cloud);
	}
	rd->mbuf = j->nm ? malloc(plane * sizeof(float)) : NULL;
	j->drow = malloc((size_t)w * sizeof *j->drow);
	j->nrow = calloc((size_t)w, sizeof *j->nrow);
	j->zero = calloc((size_t)w, 1);
	j->crow = malloc((size_t)w);
	j->lossf = malloc((size_t)w);
	j->pid = malloc((size_t)w * sizeof *j->pid);
	j->prev = malloc(((size_t)w / 2 + 2) * sizeof *j->prev);
	j->cur = malloc(((size_t)w / 2 + 2) * sizeof *j->cur);
	if (!ok || (j->nm && !rd->mbuf) || !j->drow || !j->nrow || !j->zero || !j->crow || !j->lossf || !j->pid ||
	    !j->prev || !j->cur)
		return tb_err_set(j->d.e, TB_ENOMEM, j->after, NULL, "out of memory for %d-row strips of %d pixels",
				  rows, w);
	if (o->no_forest_mask)
		for (int x = 0; x < w; x++) j->pid[x] = INT32_MAX;
	j->swir = o->swir > 0, j->use_or = o->combine_or;
	j->cb_a = o->cloud_band ? j->na - 1 : -1, j->cb_b = o->before_cloud_band ? j->nb - 1 : -1;
	j->thr = (float)o->ndvi_threshold, j->thr_n = (float)o->nbr_threshold;
	const bandinfo *bi[6] = {&j->ab[0], &j->ab[1], &j->bb[0], &j->bb[1], &j->ab[2], &j->bb[2]};
	for (int i = 0; i < 6; i++) j->nd[i] = bi[i]->has_nd ? bi[i]->nd : NAN;
	return 0;
}

/* Step 6: the reader thread, one strip ahead of the computation. */
static int start_reader(job *j)
{
	reader *rd = &j->rd;
	pthread_mutex_init(&rd->mu, NULL);
	pthread_cond_init(&rd->cv, NULL);
	rd->sync = true;
	if (pthread_create(&rd->thread, NULL, reader_main, rd))
		return tb_err_set(j->d.e, TB_EINTERNAL, j->after, NULL, "cannot start the reader thread");
	rd->running = true;
	return 0;
}

/* Step 7a, per row: the forest pixels (spans of parcels), this row's clouds,
 * ΔNDVI/ΔNBR and the loss flags.  off is the row's pixel offset in the
 * strip, pl the strip's pixels per band. */
static int classify_row(job *j, const slot *s, int y, size_t off, size_t pl, const span **sp, size_t *nsp)
{
	const int w = j->w;
	tb_change_result *r = j->d.r;
	if (!j->d.o->no_forest_mask) {
		memset(j->pid, 0, (size_t)w * sizeof *j->pid);
		if (filler_row(&j->f, y, w, j->pid)) return tb_err_set(j->d.e, TB_ENOMEM, "parcels", NULL, "out of memory");
		*sp = j->f.sp, *nsp = j->f.nsp;
	}
	const char *abuf = s->a, *bbuf = s->b;
	const size_t tsize = j->tsize;
	/* byte offsets of this row in each band plane */
#define ROW(buf, band) ((buf) + ((size_t)(band) * pl + off) * tsize)
	const void *ar = ROW(abuf, 0), *an = ROW(abuf, 1), *as = j->swir ? ROW(abuf, 2) : NULL;
	const void *br = ROW(bbuf, 0), *bn = ROW(bbuf, 1), *bs = j->swir ? ROW(bbuf, 2) : NULL;
	const void *ac = j->cb_a >= 0 ? ROW(abuf, j->cb_a) : NULL, *bc = j->cb_b >= 0 ? ROW(bbuf, j->cb_b) : NULL;
#undef ROW
	const unsigned char *cr = j->zero;
	if (j->nm || ac || bc) {
		const bool u16 = j->u16;
		for (int x = 0; x < w; x++) {
			bool c = j->nm && s->cloud[off + (size_t)x];
			if (ac) c |= u16 ? ((const uint16_t *)ac)[x] != 0 : ((const float *)ac)[x] != 0;
			if (bc) c |= u16 ? ((const uint16_t *)bc)[x] != 0 : ((const float *)bc)[x] != 0;
			j->crow[x] = c;
		}
		cr = j->crow;
	}
	memset(j->lossf, 0, (size_t)w);
	for (size_t i = 0; i < *nsp; i++) {
		int a = (*sp)[i].x0, b = (*sp)[i].x1;
		r->forest_px += b - a;
		if (j->u16)
			r->masked_px += j->swir ? kernel_nbr_u16(a, b, ar, an, as, br, bn, bs, cr, j->nd, j->thr, j->thr_n,
								 j->use_or, j->drow, j->nrow, j->lossf)
						: kernel_ndvi_u16(a, b, ar, an, br, bn, cr, j->nd, j->thr, j->drow, j->lossf);
		else
			r->masked_px += j->swir ? kernel_nbr_f32(a, b, ar, an, as, br, bn, bs, cr, j->nd, j->thr, j->thr_n,
								 j->use_or, j->drow, j->nrow, j->lossf)
						: kernel_ndvi_f32(a, b, ar, an, br, bn, cr, j->nd, j->thr, j->drow, j->lossf);
	}
	return 0;
}

/* Step 7b, per row: the runs of loss pixels, joined to the previous row's
 * runs (8-connectivity); components that did not continue are closed. */
static int label_row(job *j, int y, const span *sp, size_t nsp)
{
	det *d = &j->d;
	tb_err *e = d->e;
	run *cur = j->cur, *prev = j->prev;
	const unsigned char *lossf = j->lossf;
	int rc = 0;
	/* touching spans were merged, so a run never crosses into the next span */
	size_t ncur = 0;
	for (size_t i = 0; i < nsp; i++) {
		const int x1 = sp[i].x1;
		for (int x = sp[i].x0; x < x1; x++) {
			uint64_t eight; /* skip 8 pixels without loss at a time */
			while (x + 8 <= x1 && (memcpy(&eight, lossf + x, 8), !eight)) x += 8;
			if (x >= x1) break;
			if (!lossf[x]) continue;
			int x0 = x;
			while (x < x1 && lossf[x]) x++;
			cur[ncur++] = (run){x0, x - 1, -1};
		}
	}
	size_t k0 = 0;
	for (size_t i = 0; i < ncur && !rc; i++) {
		run *c = &cur[i];
		int32_t lab = -1;
		for (size_t k = k0; k < j->nprev && prev[k].x0 <= c->x1 + 1; k++) {
			if (prev[k].x1 < c->x0 - 1) continue;
			lab = lab < 0 ? find(&d->c, prev[k].lab) : union_labels(&d->c, lab, prev[k].lab);
			if (lab < 0) break;
		}
		while (k0 < j->nprev && prev[k0].x1 < c->x1 + 1) k0++;
		if (lab < 0) lab = new_label(&d->c, y);
		if (lab < 0) return tb_err_set(e, TB_ENOMEM, "patch", NULL, "out of memory");
		c->lab = lab;
		label *L = &d->c.l[lab];
		L->last_row = y;
		L->npix += c->x1 - c->x0 + 1;
		if (c->x0 < L->col0) L->col0 = c->x0;
		if (c->x1 > L->col1) L->col1 = c->x1;
		int32_t lastpid = 0;
		for (int32_t x = c->x0; x <= c->x1; x++) {
			L->sum_d += j->drow[x], L->sum_nbr += j->nrow[x];
			if (j->drow[x] < L->min_d) L->min_d = j->drow[x];
			if (j->pid[x] != lastpid && j->pid[x] != INT32_MAX) {
				lastpid = j->pid[x];
				if (add_pid(L, j->pid[x])) rc = TB_ENOMEM;
			}
		}
		if (!rc) rc = add_seg(&d->c, lab, y, c->x0, c->x1);
		if (rc) return tb_err_set(e, TB_ENOMEM, "patch", NULL, "out of memory");
		d->r->loss_px += c->x1 - c->x0 + 1;
	}
	for (size_t k = 0; k < j->nprev && !rc; k++) {
		int32_t root = find(&d->c, prev[k].lab);
		if (!d->c.l[root].done && d->c.l[root].last_row < y) rc = finalize(d, root);
	}
	j->prev = cur, j->cur = prev, j->nprev = ncur;
	if (!rc && d->c.n > 4 * (size_t)j->w + 4096 && compact(&d->c, j->prev, j->nprev))
		rc = tb_err_set(e, TB_ENOMEM, "patch", NULL, "out of memory");
	return rc;
}

/* Step 7: strip after strip from the reader, row after row through 7a, 7b. */
static int scan_strips(job *j)
{
	reader *rd = &j->rd;
	const tb_change_opts *o = j->d.o;
	const span whole = {0, j->w};
	int rc = 0;
	for (int y0 = 0, sk = 0; y0 < j->h && !rc; y0 += j->rows, sk ^= 1) {
		int nr = y0 + j->rows <= j->h ? j->rows : j->h - y0;
		size_t pl = (size_t)j->w * (size_t)nr;
		pthread_mutex_lock(&rd->mu);
		while (!rd->slot[sk].full && !rd->rc) pthread_cond_wait(&rd->cv, &rd->mu);
		bool ok = rd->slot[sk].full && rd->slot[sk].y0 == y0;
		pthread_mutex_unlock(&rd->mu);
		if (!ok) {
			*j->d.e = rd->e;
			return rd->rc ? rd->rc : TB_EINTERNAL;
		}
		for (int yy = 0; yy < nr && !rc; yy++) {
			const span *sp = &whole;
			size_t nsp = 1;
			rc = classify_row(j, &rd->slot[sk], y0 + yy, (size_t)yy * (size_t)j->w, pl, &sp, &nsp);
			if (!rc) rc = label_row(j, y0 + yy, sp, nsp);
		}
		pthread_mutex_lock(&rd->mu);
		rd->slot[sk].full = false;
		pthread_cond_broadcast(&rd->cv);
		pthread_mutex_unlock(&rd->mu);
		if (o->progress) o->progress(o->progress_ctx, y0 + nr, j->h);
	}
	return rc;
}

/* Step 8: the components still open at the last row are closed; the patches
 * largest first. */
static int finish_patches(job *j)
{
	int rc = 0;
	for (size_t k = 0; k < j->nprev && !rc; k++) {
		int32_t root = find(&j->d.c, j->prev[k].lab);
		if (!j->d.c.l[root].done) rc = finalize(&j->d, root);
	}
	tb_change_result *r = j->d.r;
	if (!rc && r->n > 1) qsort(r->patches, r->n, sizeof *r->patches, patch_cmp);
	return rc;
}

static void job_free(job *j)
{
	reader *rd = &j->rd;
	if (rd->running) {
		pthread_mutex_lock(&rd->mu);
		rd->stop = true;
		pthread_cond_broadcast(&rd->cv);
		pthread_mutex_unlock(&rd->mu);
		pthread_join(rd->thread, NULL);
	}
	if (rd->sync) {
		pthread_mutex_destroy(&rd->mu);
		pthread_cond_destroy(&rd->cv);
	}
	for (int k = 0; k < 2; k++) free(rd->slot[k].a), free(rd->slot[k].b), free(rd->slot[k].cloud);
	free(rd->mbuf);
	for (size_t i = 0; i < j->d.c.n; i++) free(j->d.c.l[i].pids);
	free(j->d.c.l);
	free(j->d.c.s);
	free(j->drow), free(j->nrow), free(j->zero), free(j->crow), free(j->lossf), free(j->pid);
	free(j->prev), free(j->cur);
	filler_free(&j->f);
	if (j->d.to4490) tb_transform_free(j->d.to4490);
	for (int i = 0; i < TB_CHANGE_MAX_MASKS; i++) {
		if (j->Mw[i]) GDALClose(j->Mw[i]);
		if (j->M[i]) GDALClose(j->M[i]);
	}
	if (j->Bw) GDALClose(j->Bw);
	if (j->B) GDALClose(j->B);
	if (j->A) GDALClose(j->A);
}

int tb_change_detect(const char *before, const char *after, const tb_change_opts *o,
		     const tb_change_forest *forest, tb_change_result *r, tb_err *e)
{
	memset(r, 0, sizeof *r);
	gdal_init();
	int rc = check_options(o, forest, e);
	if (rc) return rc;
	job *j = calloc(1, sizeof *j);
	if (!j) return tb_err_set(e, TB_ENOMEM, after, NULL, "out of memory");
	j->d = (det){.o = o, .forest = forest, .r = r, .e = e, .c = {.free_seg = -1}};
	j->before = before, j->after = after;
	gdal_enter(j);
	if (!(rc = open_inputs(j)) && !(rc = check_bands(j)) && !(rc = align_grids(j)) && !(rc = project_parcels(j)) &&
	    !(rc = alloc_buffers(j)) && !(rc = start_reader(j)) && !(rc = scan_strips(j)))
		rc = finish_patches(j);
	job_free(j);
	gdal_leave(j);
	free(j);
	if (rc) tb_change_result_free(r);
	return rc;
}
