/* demo_gen.c — the Jizhou demo district, generated (see demo_gen.h).
 *
 * Towns are the Voronoi cells of approximate town seats (town_seats.csv),
 * clipped to the real district outline; villages are the Voronoi cells of
 * evenly spread random points in their town.  Parcels (小班) are irregular
 * star-shaped polygons, at most one per grid cell of ~500 m, drawn in the
 * mountainous north of the seven forest towns with a density that rises
 * around 盘山, 八仙山 and the state forest farm.  Each parcel lies strictly
 * inside its own cell, so no two overlap, and inside its town.  The natural
 * parcels are then shrunk about their centres by one common factor, found by
 * bisection, until their areas (each rounded to 4 decimals, as the registry
 * stores them) add up to the natural-forest target of plan §2.
 *
 * Everything random comes from splitmix64 streams keyed by the seed and by
 * what is drawn (which cell, which town), so the same seed gives the same
 * district byte for byte, and a change of one tunable in demo.json moves only
 * what depends on it. */
#include "registry/demo_gen.h"

#include "base/csv.h"
#include "base/data.h"
#include "geo/geo.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_FILE "jizhou/demo.json"
#define DIVISIONS_FILE "jizhou/jizhou-divisions.csv"
#define OUTLINE_FILE "jizhou/jizhou-boundary.geojson"
#define UNITS_FILE "jizhou/units.csv"
#define CODES_FILE "codes/codes.csv"
#define SEATS_FILE "jizhou/town_seats.csv"

#define MAX_VERTICES 32      /* of one parcel; demo.json grid.vertices ≤ this */
#define AREA_TOLERANCE 0.005 /* ha: how close the natural sum must come */

/* Codes the generator reasons with; all are checked against codes.csv. */
#define DI_LEI_SHRUB_PREFIX "0303" /* 灌木林地: no age group, no trees */
#define LD_QS_STATE "10"           /* 国有 */
#define SEN_LIN_KEY "011"          /* 重点公益林: carries a national grade */
#define GJGYL_TOP "1"              /* grade of key-zone and state parcels */

/* ---- deterministic random numbers (splitmix64) -------------------------- */

enum stream { S_VILLAGE = 1, S_CELL, S_SELECT, S_PLANT, S_PROPS, S_ZONE, S_NOISE };

typedef struct rng {
	uint64_t state;
} rng;

static uint64_t mix64(uint64_t z)
{
	z += 0x9E3779B97F4A7C15u;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
	return z ^ (z >> 31);
}

/* An independent stream for (seed, what, which). */
static rng rng_stream(uint64_t seed, enum stream what, uint64_t which)
{
	rng r = {mix64(mix64(seed ^ mix64((uint64_t)what)) ^ which)};
	return r;
}

static uint64_t rng_next(rng *r)
{
	r->state += 0x9E3779B97F4A7C15u;
	return mix64(r->state);
}

/* Uniform in [0, 1). */
static double rng_unit(rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_range(rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_unit(r);
}

/* ---- the generator's state ---------------------------------------------- */

typedef struct division {
	char code[16], name[160], parent[16];
} division;

typedef struct town {
	division div;
	double lon, lat;                  /* seat */
	size_t v0, nv;                    /* its villages: out->villages[v0 .. v0+nv) */
	json_t *cfg;                      /* demo.json towns[code] (borrowed) or NULL */
	const GEOSPreparedGeometry *prep; /* of out->towns[i].geom */
	tb_index *villages;               /* village outlines, id = index in out->villages */
} town;

/* A parcel's shape: offsets from its centre, scaled by a shrink factor. */
typedef struct parcel {
	size_t cell;    /* grid cell id = row * ncols + col */
	int row, col;   /* grid position (row grows northwards) */
	int brow, bcol; /* its 林班 block of lin_ban_cells × lin_ban_cells cells */
	size_t town;    /* index into towns */
	double cx, cy;  /* centre of the star, lon/lat */
	int nv;
	double dx[MAX_VERTICES], dy[MAX_VERTICES];
	double weight, key; /* selection */
	bool natural, chosen;
	int lin_ban, xiao_ban;
	size_t village; /* index into out->villages: the one holding the centre */
} parcel;

typedef struct cluster {
	const char *unit, *unit_town; /* borrowed from cfg / units; unit may be NULL */
	double lon, lat, radius_m, weight, state_radius_m;
} cluster;

typedef struct demo {
	GEOSContextHandle_t h;
	uint64_t seed;
	tb_err *e;
	tb_demo_set *out;
	json_t *cfg, *codes, *units; /* demo.json; {list: {code: 1}}; {code: town_code} */
	GEOSGeometry *district;      /* owned */
	const GEOSPreparedGeometry *district_p;
	char district_code[16];
	double m_lon, m_lat; /* metres per degree at the district's centre */
	double kx;           /* m_lon / m_lat: lon degrees → lat-degree-sized units */
	town *towns;
	size_t ntowns;
	division *vdiv; /* villages, in out->villages order */
	size_t nvdiv;
	tb_index *town_ix;
	cluster *clusters;
	size_t nclusters;
	parcel *cells; /* candidate cells, then the chosen parcels in output order */
	size_t ncells;
} demo;

static int fail(demo *d, int code, const char *record, const char *field, const char *what)
{
	return tb_err_set(d->e, code, record, field, "%s", what);
}

/* ---- configuration ------------------------------------------------------- */

/* A member of demo.json by dotted path ("grid.cell_m"), or NULL. */
static json_t *cfg_at(json_t *root, const char *path)
{
	char key[64];
	json_t *v = root;
	while (v && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof key) return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		v = json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return v;
}

static double cfg_num(demo *d, const char *path, double dflt)
{
	json_t *v = cfg_at(d->cfg, path);
	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* A [lo, hi] pair of numbers, or the default. */
static void cfg_pair(json_t *obj, const char *path, double *lo, double *hi)
{
	json_t *v = cfg_at(obj, path);
	if (json_is_array(v) && json_array_size(v) == 2) {
		*lo = json_number_value(json_array_get(v, 0));
		*hi = json_number_value(json_array_get(v, 1));
	}
}

/* A code drawn from {"code": weight, …} (keys in file order). */
static const char *pick(rng *r, json_t *weights)
{
	const char *k, *last = NULL;
	json_t *v;
	double sum = 0;
	json_object_foreach(weights, k, v) sum += json_number_value(v);
	double u = rng_unit(r) * sum;
	json_object_foreach(weights, k, v)
	{
		last = k;
		u -= json_number_value(v);
		if (u < 0) return k;
	}
	return last;
}

static bool code_known(demo *d, const char *list, const char *code)
{
	return code && json_object_get(json_object_get(d->codes, list), code) != NULL;
}

/* A weight table {"code": weight > 0} whose codes are all in `list`. */
static int check_weights(demo *d, json_t *w, const char *list, const char *where)
{
	const char *k;
	json_t *v;
	if (!json_is_object(w) || !json_object_size(w))
		return fail(d, TB_EINPUT, CONFIG_FILE, where,
		            "a weight table {code: weight} is required");
	json_object_foreach(w, k, v)
	{
		if (!code_known(d, list, k))
			return tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, where,
			                  "code '%s' is not in code list %s", k, list);
		if (!json_is_number(v) || json_number_value(v) <= 0)
			return tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, where,
			                  "weight of '%s' must be a positive number", k);
	}
	return 0;
}

static const struct {
	const char *path, *list;
} weight_tables[] = {
    {"natural.di_lei", "di_lei"},
    {"natural.qi_yuan", "qi_yuan"},
    {"natural.ling_zu", "ling_zu"},
    {"natural.shrub_species", "you_shi_sz"},
    {"natural.sen_lin_lb", "sen_lin_lb"},
    {"natural.lin_zhong", "lin_zhong"},
    {"plantation.di_lei", "di_lei"},
    {"plantation.qi_yuan", "qi_yuan"},
    {"plantation.ling_zu", "ling_zu"},
    {"plantation.species", "you_shi_sz"},
    {"plantation.sen_lin_lb", "sen_lin_lb"},
    {"plantation.lin_zhong", "lin_zhong"},
    {"tenure.collective", "ld_qs"},
    {"tenure.bh_dj_outside", "bh_dj"},
    {"tenure.gjgyl_bhdj", "gjgyl_bhdj"},
};

static bool is_shrub(const char *di_lei)
{
	return !strncmp(di_lei, DI_LEI_SHRUB_PREFIX, strlen(DI_LEI_SHRUB_PREFIX));
}

/* The stand-table row of a 地类 and 龄组: stand.shrub for shrubland, else
 * stand[di_lei], by age group where the table has one.  NULL if none. */
static json_t *stand_row(demo *d, const char *di_lei, const char *ling_zu)
{
	json_t *stand = cfg_at(d->cfg, "stand");
	json_t *row = json_object_get(stand, is_shrub(di_lei) ? "shrub" : di_lei);
	if (row && !json_object_get(row, "closure"))
		row = json_object_get(row, ling_zu ? ling_zu : "");
	return json_object_get(row, "closure") ? row : NULL;
}

/* Every 地类 and 龄组 that can be drawn has a row in the stand table. */
static int check_stand(demo *d, const char *kind)
{
	json_t *ages = json_object_get(cfg_at(d->cfg, kind), "ling_zu"), *v, *w;
	const char *dl, *age;
	json_object_foreach(json_object_get(cfg_at(d->cfg, kind), "di_lei"), dl, v)
	{
		if (is_shrub(dl) && !stand_row(d, dl, NULL))
			return fail(d, TB_EINPUT, CONFIG_FILE, "stand", "no row for shrubland");
		json_object_foreach(is_shrub(dl) ? NULL : ages, age, w)
		{
			if (!stand_row(d, dl, age))
				return tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, "stand",
				                  "no row for 地类 %s, 龄组 %s (%s)", dl, age,
				                  kind);
		}
	}
	return 0;
}

/* Every code demo.json or this file uses must exist in codes.csv. */
static int check_config(demo *d)
{
	static const char *const fixed[][2] = {{"ld_qs", LD_QS_STATE},
	                                       {"sen_lin_lb", SEN_LIN_KEY},
	                                       {"gjgyl_bhdj", GJGYL_TOP},
	                                       {"unit_kind", "village_collective"}};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (!code_known(d, fixed[i][0], fixed[i][1]))
			return tb_err_set(d->e, TB_EINPUT, CODES_FILE, fixed[i][0],
			                  "code '%s' is missing", fixed[i][1]);
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof weight_tables / sizeof *weight_tables; i++)
		rc = check_weights(d, cfg_at(d->cfg, weight_tables[i].path), weight_tables[i].list,
		                   weight_tables[i].path);
	if (!rc) rc = check_stand(d, "natural");
	if (!rc) rc = check_stand(d, "plantation");
	const char *k;
	json_t *v;
	json_object_foreach(cfg_at(d->cfg, "tenure.bh_dj_in_zone"), k, v)
	{
		if (rc) break;
		if (!code_known(d, "zone_level", k) ||
		    !code_known(d, "bh_dj", json_string_value(v)))
			rc = tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, "tenure.bh_dj_in_zone",
			                "'%s' must map a zone_level code to a bh_dj code", k);
	}
	json_object_foreach(cfg_at(d->cfg, "towns"), k, v)
	{
		if (rc) break;
		char where[64];
		snprintf(where, sizeof where, "towns.%s.species", k);
		rc = check_weights(d, json_object_get(v, "species"), "you_shi_sz", where);
	}
	size_t i;
	json_array_foreach(cfg_at(d->cfg, "zones"), i, v)
	{
		if (rc) break;
		const char *lvl = json_string_value(json_object_get(v, "level"));
		const char *lz = json_string_value(json_object_get(v, "lin_zhong"));
		if (!code_known(d, "zone_level", lvl) || !code_known(d, "lin_zhong", lz) ||
		    !json_is_string(json_object_get(cfg_at(d->cfg, "tenure.bh_dj_in_zone"), lvl)))
			rc = tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, "zones",
			                "zone %zu: level and lin_zhong must be known codes", i + 1);
	}
	return rc;
}

/* ---- data files ----------------------------------------------------------- */

/* Rows of a CSV data file, one callback per row; stops at the first error. */
typedef int (*row_fn)(demo *d, const tb_csv *c);

static int read_csv(demo *d, const char *rel, row_fn fn)
{
	size_t n;
	char *text = tb_data_read(rel, &n);
	if (!text) return fail(d, TB_EINPUT, rel, NULL, "data file is missing");
	tb_csv c;
	tb_csv_init(&c, text, n);
	int rc = tb_csv_read_header(&c) < 0 ? fail(d, TB_EINPUT, rel, NULL, "bad header") : 0;
	int got = 0;
	while (!rc && (got = tb_csv_next(&c)) == 1)
		rc = fn(d, &c);
	if (!rc && got < 0)
		rc = tb_err_set(d->e, TB_EINPUT, rel, NULL, "malformed row near line %d", c.line);
	tb_csv_free(&c);
	free(text);
	return rc;
}

static const char *col(const tb_csv *c, const char *name)
{
	const char *v = tb_csv_get(c, name);
	return v ? v : "";
}

static int code_row(demo *d, const tb_csv *c)
{
	const char *list = col(c, "list");
	json_t *l = json_object_get(d->codes, list);
	if (!l) json_object_set_new(d->codes, list, l = json_object());
	json_object_set_new(l, col(c, "code"), json_true());
	return 0;
}

static int unit_row(demo *d, const tb_csv *c)
{
	json_object_set_new(d->units, col(c, "code"), json_string(col(c, "town_code")));
	return 0;
}

static void division_copy(division *dv, const tb_csv *c)
{
	snprintf(dv->code, sizeof dv->code, "%s", col(c, "code"));
	snprintf(dv->name, sizeof dv->name, "%s", col(c, "name"));
	snprintf(dv->parent, sizeof dv->parent, "%s", col(c, "parent_code"));
}

/* Towns first (into d->towns), villages counted per town. */
static int division_row(demo *d, const tb_csv *c)
{
	const char *level = col(c, "level");
	if (!strcmp(level, "district")) {
		snprintf(d->district_code, sizeof d->district_code, "%s", col(c, "code"));
	} else if (!strcmp(level, "town")) {
		town *t = realloc(d->towns, (d->ntowns + 1) * sizeof *t);
		if (!t) return fail(d, TB_ENOMEM, DIVISIONS_FILE, NULL, "out of memory");
		d->towns = t;
		t += d->ntowns++;
		memset(t, 0, sizeof *t);
		division_copy(&t->div, c);
		t->lon = NAN;
		t->cfg = json_object_get(cfg_at(d->cfg, "towns"), t->div.code);
	} else if (!strcmp(level, "village")) {
		division *v = realloc(d->vdiv, (d->nvdiv + 1) * sizeof *v);
		if (!v) return fail(d, TB_ENOMEM, DIVISIONS_FILE, NULL, "out of memory");
		d->vdiv = v;
		division_copy(&v[d->nvdiv++], c);
	}
	return 0;
}

static int seat_row(demo *d, const tb_csv *c)
{
	for (size_t i = 0; i < d->ntowns; i++) {
		if (strcmp(d->towns[i].div.code, col(c, "code"))) continue;
		char *end1, *end2;
		d->towns[i].lon = strtod(col(c, "lon"), &end1);
		d->towns[i].lat = strtod(col(c, "lat"), &end2);
		if (*end1 || *end2 || !isfinite(d->towns[i].lon) || !isfinite(d->towns[i].lat))
			return tb_err_set(d->e, TB_EINPUT, SEATS_FILE, "lon",
			                  "line %d: lon/lat are not numbers", c->line);
		return 0;
	}
	return tb_err_set(d->e, TB_EINPUT, SEATS_FILE, "code",
	                  "line %d: '%s' is not a town of the district", c->line, col(c, "code"));
}

/* Villages grouped by town, in town order, each group in file order. */
static int group_villages(demo *d)
{
	size_t n = d->nvdiv, k = 0;
	division *sorted = malloc((n ? n : 1) * sizeof *sorted);
	if (!sorted) return fail(d, TB_ENOMEM, DIVISIONS_FILE, NULL, "out of memory");
	for (size_t t = 0; t < d->ntowns; t++) {
		d->towns[t].v0 = k;
		for (size_t i = 0; i < n; i++)
			if (!strcmp(d->vdiv[i].parent, d->towns[t].div.code))
				sorted[k++] = d->vdiv[i];
		d->towns[t].nv = k - d->towns[t].v0;
	}
	free(d->vdiv);
	d->vdiv = sorted;
	if (k != n)
		return fail(d, TB_EINPUT, DIVISIONS_FILE, "parent_code", "a village has no town");
	return 0;
}

/* The district outline: the first geometry of the GeoJSON file. */
static int read_outline(demo *d)
{
	size_t n;
	char *text = tb_data_read(OUTLINE_FILE, &n);
	if (!text) return fail(d, TB_EINPUT, OUTLINE_FILE, NULL, "data file is missing");
	json_t *doc = json_loadb(text, n, 0, NULL);
	free(text);
	json_t *g =
	    json_object_get(json_array_get(json_object_get(doc, "features"), 0), "geometry");
	d->district = tb_geom_from_geojson(g ? g : doc, NULL, NULL);
	json_decref(doc);
	if (!d->district || tb_geom_check_polygonal(d->district, OUTLINE_FILE, d->e))
		return d->e->code ? d->e->code
		                  : fail(d, TB_EINPUT, OUTLINE_FILE, NULL, "no polygon");
	d->district_p = GEOSPrepare_r(d->h, d->district);
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(d->h, d->district, &x0);
	GEOSGeom_getXMax_r(d->h, d->district, &x1);
	GEOSGeom_getYMin_r(d->h, d->district, &y0);
	GEOSGeom_getYMax_r(d->h, d->district, &y1);
	double lon = (x0 + x1) / 2, lat = (y0 + y1) / 2;
	d->m_lon = tb_distance_m(lon - 0.005, lat, lon + 0.005, lat) / 0.01;
	d->m_lat = tb_distance_m(lon, lat - 0.005, lon, lat + 0.005) / 0.01;
	d->kx = d->m_lon / d->m_lat;
	return 0;
}

static int read_inputs(demo *d)
{
	size_t n;
	char *text = tb_data_read(CONFIG_FILE, &n);
	if (!text) return fail(d, TB_EINPUT, CONFIG_FILE, NULL, "data file is missing");
	json_error_t je;
	d->cfg = json_loadb(text, n, 0, &je);
	free(text);
	if (!d->cfg)
		return tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, NULL, "line %d: %s", je.line,
		                  je.text);
	d->codes = json_object();
	d->units = json_object();
	int rc = read_csv(d, CODES_FILE, code_row);
	if (!rc) rc = check_config(d);
	if (!rc) rc = read_csv(d, UNITS_FILE, unit_row);
	if (!rc) rc = read_csv(d, DIVISIONS_FILE, division_row);
	if (!rc && !d->ntowns) rc = fail(d, TB_EINPUT, DIVISIONS_FILE, "level", "no towns");
	if (!rc) rc = group_villages(d);
	if (!rc) rc = read_csv(d, SEATS_FILE, seat_row);
	for (size_t i = 0; !rc && i < d->ntowns; i++)
		if (isnan(d->towns[i].lon))
			rc = tb_err_set(d->e, TB_EINPUT, SEATS_FILE, "code",
			                "town %s %s has no seat", d->towns[i].div.code,
			                d->towns[i].div.name);
	if (!rc) rc = read_outline(d);
	return rc;
}

/* ---- geometry helpers ----------------------------------------------------- */

/* The polygonal parts of g as a MultiPolygon; consumes g.  NULL if none. */
static GEOSGeometry *polygonal(GEOSContextHandle_t h, GEOSGeometry *g)
{
	if (!g) return NULL;
	int type = GEOSGeomTypeId_r(h, g);
	int n = type == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(h, g);
	GEOSGeometry **parts = malloc((size_t)(n > 0 ? n : 1) * sizeof *parts);
	unsigned k = 0;
	for (int i = 0; parts && i < n; i++) {
		const GEOSGeometry *p = type == GEOS_POLYGON ? g : GEOSGetGeometryN_r(h, g, i);
		if (GEOSGeomTypeId_r(h, p) == GEOS_POLYGON && GEOSisEmpty_r(h, p) == 0)
			parts[k++] = GEOSGeom_clone_r(h, p);
	}
	GEOSGeom_destroy_r(h, g);
	GEOSGeometry *m = k ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, k) : NULL;
	free(parts);
	return m;
}

/* A polygon with the ring x[i], y[i] (closed here). */
static GEOSGeometry *ring_polygon(GEOSContextHandle_t h, const double *x, const double *y, size_t n)
{
	GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n + 1, 2);
	if (!cs) return NULL;
	for (size_t i = 0; i <= n; i++)
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)i, x[i % n], y[i % n]);
	GEOSGeometry *ring = GEOSGeom_createLinearRing_r(h, cs);
	return ring ? GEOSGeom_createPolygon_r(h, ring, NULL, 0) : NULL;
}

static GEOSGeometry *point(GEOSContextHandle_t h, double x, double y)
{
	return GEOSGeom_createPointFromXY_r(h, x, y);
}

/* A copy of a hole-free polygon with x multiplied by sx. */
static GEOSGeometry *scale_x(GEOSContextHandle_t h, const GEOSGeometry *poly, double sx)
{
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, poly));
	unsigned n = 0;
	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 4) return NULL;
	double *x = malloc(2 * n * sizeof *x), *y = x ? x + n : NULL;
	if (!x) return NULL;
	for (unsigned i = 0; i < n; i++) {
		GEOSCoordSeq_getXY_r(h, cs, i, &x[i], &y[i]);
		x[i] *= sx;
	}
	GEOSGeometry *g = ring_polygon(h, x, y, n - 1);
	free(x);
	return g;
}

/* Voronoi cells of n seeds, in a plane where a degree of longitude is as
 * long as one of latitude (so cells are fair in metres), returned in lon/lat
 * and unclipped: cells[i] holds seed i. */
static int voronoi(demo *d, const double *lon, const double *lat, size_t n, GEOSGeometry **cells)
{
	GEOSContextHandle_t h = d->h;
	double x0, y0, x1, y1, pad = 1.0;
	GEOSGeom_getXMin_r(h, d->district, &x0);
	GEOSGeom_getXMax_r(h, d->district, &x1);
	GEOSGeom_getYMin_r(h, d->district, &y0);
	GEOSGeom_getYMax_r(h, d->district, &y1);
	double ex[4] = {(x0 - pad) * d->kx, (x1 + pad) * d->kx, (x1 + pad) * d->kx,
	                (x0 - pad) * d->kx};
	double ey[4] = {y0 - pad, y0 - pad, y1 + pad, y1 + pad};
	GEOSGeometry *env = ring_polygon(h, ex, ey, 4);
	for (size_t i = 0; i < n; i++)
		cells[i] = NULL;
	if (n == 1) {
		cells[0] = env ? scale_x(h, env, 1 / d->kx) : NULL;
		if (env) GEOSGeom_destroy_r(h, env);
		return cells[0] ? 0 : fail(d, TB_EINTERNAL, "voronoi", NULL, tb_geos_last_error());
	}
	GEOSGeometry **pts = malloc(n * sizeof *pts);
	if (!pts || !env) {
		free(pts);
		if (env) GEOSGeom_destroy_r(h, env);
		return fail(d, TB_ENOMEM, "voronoi", NULL, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		pts[i] = point(h, lon[i] * d->kx, lat[i]);
	GEOSGeometry *mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOINT, pts, (unsigned)n);
	free(pts);
	GEOSGeometry *v = mp ? GEOSVoronoiDiagram_r(h, mp, env, 0, 0) : NULL;
	int nc = v ? GEOSGetNumGeometries_r(h, v) : 0;
	/* GEOS 3.11 does not keep the seeds' order: match each cell to its seed. */
	for (int k = 0; k < nc; k++) {
		const GEOSGeometry *c = GEOSGetGeometryN_r(h, v, k);
		const GEOSPreparedGeometry *pc = GEOSPrepare_r(h, c);
		for (size_t i = 0; pc && i < n; i++) {
			if (cells[i]) continue;
			GEOSGeometry *p = point(h, lon[i] * d->kx, lat[i]);
			bool in = GEOSPreparedContains_r(h, pc, p) == 1;
			GEOSGeom_destroy_r(h, p);
			if (in) {
				cells[i] = scale_x(h, c, 1 / d->kx);
				break;
			}
		}
		if (pc) GEOSPreparedGeom_destroy_r(h, pc);
	}
	if (v) GEOSGeom_destroy_r(h, v);
	if (mp) GEOSGeom_destroy_r(h, mp);
	GEOSGeom_destroy_r(h, env);
	for (size_t i = 0; i < n; i++)
		if (!cells[i])
			return fail(d, TB_EINTERNAL, "voronoi", NULL,
			            "a seed got no cell (duplicate seeds?)");
	return 0;
}

/* ---- towns and villages ----------------------------------------------- */

static int build_towns(demo *d)
{
	GEOSContextHandle_t h = d->h;
	size_t n = d->ntowns;
	double *lon = calloc(2 * n + 1, sizeof *lon), *lat = lon ? lon + n : NULL;
	GEOSGeometry **cells = calloc(n, sizeof *cells);
	d->out->towns = calloc(n, sizeof *d->out->towns);
	d->town_ix = tb_index_new();
	if (!lon || !cells || !d->out->towns || !d->town_ix) {
		free(lon), free(cells);
		return fail(d, TB_ENOMEM, "towns", NULL, "out of memory");
	}
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		lon[i] = d->towns[i].lon, lat[i] = d->towns[i].lat;
		GEOSGeometry *p = point(h, lon[i], lat[i]);
		if (GEOSPreparedContains_r(h, d->district_p, p) != 1)
			rc = tb_err_set(d->e, TB_EINPUT, SEATS_FILE, "lon",
			                "seat of %s %s (%.3f, %.3f) is outside the district",
			                d->towns[i].div.code, d->towns[i].div.name, lon[i], lat[i]);
		GEOSGeom_destroy_r(h, p);
	}
	if (!rc) rc = voronoi(d, lon, lat, n, cells);
	for (size_t i = 0; !rc && i < n; i++) {
		town *t = &d->towns[i];
		GEOSGeometry *g = polygonal(h, GEOSIntersection_r(h, cells[i], d->district));
		tb_demo_feature *f = &d->out->towns[d->out->ntowns++];
		f->geom = g;
		f->props = json_pack("{s:s,s:s}", "code", t->div.code, "name", t->div.name);
		if (!g || !f->props) {
			rc = tb_err_set(d->e, TB_EINTERNAL, t->div.code, "geometry",
			                "no town outline: %s", tb_geos_last_error());
			break;
		}
		t->prep = GEOSPrepare_r(h, g);
		tb_index_add(d->town_ix, (int64_t)i, GEOSGeom_clone_r(h, g));
	}
	for (size_t i = 0; i < n; i++)
		if (cells[i]) GEOSGeom_destroy_r(h, cells[i]);
	free(cells);
	free(lon);
	return rc;
}

/* A uniform random point inside the town (rejection in its envelope). */
static bool point_in_town(demo *d, const town *t, const GEOSGeometry *g, rng *r, double *x,
                          double *y)
{
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(d->h, g, &x0);
	GEOSGeom_getXMax_r(d->h, g, &x1);
	GEOSGeom_getYMin_r(d->h, g, &y0);
	GEOSGeom_getYMax_r(d->h, g, &y1);
	for (int tries = 0; tries < 10000; tries++) {
		*x = rng_range(r, x0, x1), *y = rng_range(r, y0, y1);
		GEOSGeometry *p = point(d->h, *x, *y);
		bool in = GEOSPreparedContains_r(d->h, t->prep, p) == 1;
		GEOSGeom_destroy_r(d->h, p);
		if (in) return true;
	}
	return false;
}

/* Village seeds spread evenly by best-candidate sampling: of k random
 * points, keep the one farthest from the seeds so far. */
static int village_seeds(demo *d, size_t ti, double *lon, double *lat)
{
	town *t = &d->towns[ti];
	const GEOSGeometry *g = d->out->towns[ti].geom;
	rng r = rng_stream(d->seed, S_VILLAGE, ti);
	int k = (int)cfg_num(d, "village_candidates", 12);
	for (size_t v = 0; v < t->nv; v++) {
		double best = -1;
		for (int c = 0; c < (v ? k : 1); c++) {
			double x, y, near = HUGE_VAL;
			if (!point_in_town(d, t, g, &r, &x, &y))
				return fail(d, TB_EINTERNAL, t->div.code, NULL,
				            "cannot place villages");
			for (size_t u = 0; u < v; u++) {
				double dx = (x - lon[u]) * d->kx, dy = y - lat[u];
				near = fmin(near, dx * dx + dy * dy);
			}
			if (near > best) best = near, lon[v] = x, lat[v] = y;
		}
	}
	return 0;
}

static int build_villages(demo *d)
{
	GEOSContextHandle_t h = d->h;
	size_t n = d->nvdiv;
	d->out->villages = calloc(n ? n : 1, sizeof *d->out->villages);
	double *lon = malloc(2 * (n ? n : 1) * sizeof *lon), *lat = lon ? lon + n : NULL;
	GEOSGeometry **cells = calloc(n ? n : 1, sizeof *cells);
	int rc = d->out->villages && lon && cells
	             ? 0
	             : fail(d, TB_ENOMEM, "villages", NULL, "out of memory");
	for (size_t ti = 0; !rc && ti < d->ntowns; ti++) {
		town *t = &d->towns[ti];
		if (!t->nv) continue;
		const GEOSGeometry *tg = d->out->towns[ti].geom;
		rc = village_seeds(d, ti, lon, lat);
		if (!rc) rc = voronoi(d, lon, lat, t->nv, cells);
		if (!rc) t->villages = tb_index_new();
		for (size_t v = 0; !rc && v < t->nv; v++) {
			const division *dv = &d->vdiv[t->v0 + v];
			GEOSGeometry *g = polygonal(h, GEOSIntersection_r(h, cells[v], tg));
			tb_demo_feature *f = &d->out->villages[d->out->nvillages++];
			f->geom = g;
			f->props = json_pack("{s:s,s:s,s:s}", "code", dv->code, "name", dv->name,
			                     "parent_code", dv->parent);
			if (!g || !f->props)
				rc = tb_err_set(d->e, TB_EINTERNAL, dv->code, "geometry",
				                "no village outline: %s", tb_geos_last_error());
			else if (t->cfg)
				tb_index_add(t->villages, (int64_t)(t->v0 + v),
				             GEOSGeom_clone_r(h, g));
		}
		for (size_t v = 0; v < t->nv; v++) {
			if (cells[v]) GEOSGeom_destroy_r(h, cells[v]);
			cells[v] = NULL;
		}
	}
	free(cells);
	free(lon);
	return rc;
}

/* ---- key protection zones (重点区域, §3.1.1) ----------------------------- */

/* A smooth outline: an ellipse (semi-axes a, b in metres, rotated), its
 * radius wobbled by two low harmonics. */
static GEOSGeometry *zone_shape(demo *d, json_t *z, size_t index)
{
	enum { NV = 96 };
	double x[NV], y[NV], a = 1000, b = 1000;
	cfg_pair(z, "axes_m", &a, &b);
	double lon0 = json_number_value(json_object_get(z, "lon"));
	double lat0 = json_number_value(json_object_get(z, "lat"));
	double rot = json_number_value(json_object_get(z, "rotate_deg")) * M_PI / 180;
	double wob = json_number_value(json_object_get(z, "wobble"));
	rng r = rng_stream(d->seed, S_ZONE, index);
	double p1 = rng_range(&r, 0, 2 * M_PI), p2 = rng_range(&r, 0, 2 * M_PI);
	double m_lon = tb_distance_m(lon0 - 0.005, lat0, lon0 + 0.005, lat0) / 0.01;
	for (int k = 0; k < NV; k++) {
		double t = 2 * M_PI * k / NV;
		double f = 1 + wob * (0.6 * sin(2 * t + p1) + 0.4 * sin(3 * t + p2));
		double ex = a * cos(t) * f, ey = b * sin(t) * f;
		x[k] = lon0 + (ex * cos(rot) - ey * sin(rot)) / m_lon;
		y[k] = lat0 + (ex * sin(rot) + ey * cos(rot)) / d->m_lat;
	}
	return ring_polygon(d->h, x, y, NV);
}

static int build_zones(demo *d)
{
	GEOSContextHandle_t h = d->h;
	json_t *zones = cfg_at(d->cfg, "zones");
	size_t n = json_array_size(zones);
	d->out->zones = calloc(n ? n : 1, sizeof *d->out->zones);
	if (!d->out->zones) return fail(d, TB_ENOMEM, "zones", NULL, "out of memory");
	/* keep zones a little inside the outline, so they are inside it robustly */
	double inset = cfg_num(d, "zone_inset_m", 100) / d->m_lat;
	GEOSGeometry *inner = GEOSBuffer_r(h, d->district, -inset, 8);
	int rc = inner ? 0 : fail(d, TB_EINTERNAL, "zones", NULL, tb_geos_last_error());
	for (size_t i = 0; !rc && i < n; i++) {
		json_t *z = json_array_get(zones, i);
		GEOSGeometry *shape = zone_shape(d, z, i);
		GEOSGeometry *g = shape ? polygonal(h, GEOSIntersection_r(h, shape, inner)) : NULL;
		if (shape) GEOSGeom_destroy_r(h, shape);
		tb_demo_feature *f = &d->out->zones[d->out->nzones++];
		f->geom = g;
		f->props = json_pack("{s:O?,s:O?,s:O?,s:s,s:O?}", "code",
		                     json_object_get(z, "code"), "name", json_object_get(z, "name"),
		                     "level", json_object_get(z, "level"), "clause", "3.1.1",
		                     "note", json_object_get(z, "note"));
		if (!g || !f->props)
			rc = tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, "zones",
			                "zone %zu lies outside the district", i + 1);
	}
	if (inner) GEOSGeom_destroy_r(h, inner);
	return rc;
}

/* ---- parcels: candidate cells ------------------------------------------- */

/* Smooth value noise in [0, 1] on a lattice of `scale` degrees. */
static double noise(demo *d, double x, double y, double scale)
{
	double gx = x / scale, gy = y / scale;
	double fx = floor(gx), fy = floor(gy), tx = gx - fx, ty = gy - fy;
	tx = tx * tx * (3 - 2 * tx), ty = ty * ty * (3 - 2 * ty);
	double v[4];
	for (int k = 0; k < 4; k++) {
		uint64_t ix = (uint64_t)(int64_t)fx + (uint64_t)(k & 1);
		uint64_t iy = (uint64_t)(int64_t)fy + (uint64_t)(k >> 1);
		rng r = rng_stream(d->seed, S_NOISE, ix * 0x100000001B3u ^ iy);
		v[k] = rng_unit(&r);
	}
	return (v[0] * (1 - tx) + v[1] * tx) * (1 - ty) + (v[2] * (1 - tx) + v[3] * tx) * ty;
}

/* How much forest a cell centre attracts: patchy noise plus the clusters. */
static double density(demo *d, double lon, double lat)
{
	double scale = cfg_num(d, "density.noise_m", 3000) / d->m_lat;
	double n = noise(d, lon * d->kx, lat, scale);
	double w = cfg_num(d, "density.floor", 0.05) + n * n;
	for (size_t c = 0; c < d->nclusters; c++) {
		const cluster *k = &d->clusters[c];
		double dist = tb_distance_m(lon, lat, k->lon, k->lat) / k->radius_m;
		w += k->weight * exp(-dist * dist);
	}
	return w;
}

/* Distance along direction (c, s) from (ox, oy) to the edge of [-1, 1]². */
static double to_box_edge(double ox, double oy, double c, double s)
{
	double t = HUGE_VAL;
	if (c > 1e-12) t = fmin(t, (1 - ox) / c);
	if (c < -1e-12) t = fmin(t, (-1 - ox) / c);
	if (s > 1e-12) t = fmin(t, (1 - oy) / s);
	if (s < -1e-12) t = fmin(t, (-1 - oy) / s);
	return t;
}

/* The star-shaped parcel of a cell: vertices at increasing angles around a
 * centre near the middle, each short of the cell's edge.  Roundness blends
 * the distance to the edge (a squarish parcel) with the radius of the
 * largest circle about the centre (a round one). */
static void cell_shape(demo *d, parcel *p, double clon, double clat, double hx, double hy)
{
	json_t *g = cfg_at(d->cfg, "grid");
	double v0 = 8, v1 = 14, s0 = 0.55, s1 = 0.95, r0 = 0, r1 = 0;
	cfg_pair(g, "vertices", &v0, &v1);
	cfg_pair(g, "size", &s0, &s1);
	cfg_pair(g, "roundness", &r0, &r1);
	double vj = cfg_num(d, "grid.vertex_jitter", 0.08),
	       aj = cfg_num(d, "grid.angle_jitter", 0.35);
	double off = cfg_num(d, "grid.centre_offset", 0.12);
	rng r = rng_stream(d->seed, S_CELL, p->cell);
	p->nv = (int)fmin(MAX_VERTICES, floor(rng_range(&r, v0, v1 + 1)));
	double ox = rng_range(&r, -off, off), oy = rng_range(&r, -off, off);
	double size = rng_range(&r, s0, s1), phase = rng_range(&r, 0, 2 * M_PI);
	double round = rng_range(&r, r0, r1);
	double circle = fmin(fmin(1 - ox, 1 + ox), fmin(1 - oy, 1 + oy));
	double step = 2 * M_PI / p->nv;
	p->cx = clon + ox * hx, p->cy = clat + oy * hy;
	for (int k = 0; k < p->nv; k++) {
		double th = phase + step * (k + aj * rng_range(&r, -1, 1));
		double c = cos(th), s = sin(th), edge = to_box_edge(ox, oy, c, s);
		double reach = (1 - round) * edge + round * circle;
		double rad = fmin(reach * size * (1 + vj * rng_range(&r, -1, 1)), 0.97 * edge);
		p->dx[k] = rad * c * hx, p->dy[k] = rad * s * hy;
	}
}

/* The parcel's polygon, shrunk by s about its centre, as a MultiPolygon. */
static GEOSGeometry *parcel_geom(demo *d, const parcel *p, double s)
{
	double x[MAX_VERTICES], y[MAX_VERTICES];
	for (int k = 0; k < p->nv; k++)
		x[k] = p->cx + s * p->dx[k], y[k] = p->cy + s * p->dy[k];
	GEOSGeometry *poly = ring_polygon(d->h, x, y, (size_t)p->nv);
	return poly ? GEOSGeom_createCollection_r(d->h, GEOS_MULTIPOLYGON, &poly, 1) : NULL;
}

static int load_clusters(demo *d)
{
	json_t *a = cfg_at(d->cfg, "density.clusters"), *c;
	size_t i;
	d->clusters = calloc(json_array_size(a) + 1, sizeof *d->clusters);
	if (!d->clusters) return fail(d, TB_ENOMEM, "clusters", NULL, "out of memory");
	json_array_foreach(a, i, c)
	{
		cluster *k = &d->clusters[d->nclusters++];
		k->unit = json_string_value(json_object_get(c, "unit"));
		k->lon = json_number_value(json_object_get(c, "lon"));
		k->lat = json_number_value(json_object_get(c, "lat"));
		k->radius_m = fmax(1, json_number_value(json_object_get(c, "radius_m")));
		k->weight = json_number_value(json_object_get(c, "weight"));
		k->state_radius_m = json_number_value(json_object_get(c, "state_radius_m"));
		if (k->unit &&
		    !(k->unit_town = json_string_value(json_object_get(d->units, k->unit))))
			return tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, "density.clusters",
			                  "unit '%s' is not in %s", k->unit, UNITS_FILE);
	}
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

/* The parcel's village (村) is the one whose outline holds its centre, an
 * interior point of the star at any shrink factor.  Only rural villages
 * (村委会) hold forest, not urban communities (居委会, 社区). */
static bool rural_village(demo *d, parcel *p)
{
	int64_t v = tb_index_point(d->towns[p->town].villages, p->cx, p->cy);
	const char *suffix = json_string_value(json_object_get(d->cfg, "rural_village_suffix"));
	if (v < 0 || !ends_with(d->vdiv[v].name, suffix ? suffix : "村委会")) return false;
	p->village = (size_t)v;
	return true;
}

/* Every grid cell north of the limit whose parcel fits in a forest town and
 * whose centre lies in a rural village. */
static int find_cells(demo *d)
{
	GEOSContextHandle_t h = d->h;
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(h, d->district, &x0);
	GEOSGeom_getXMax_r(h, d->district, &x1);
	GEOSGeom_getYMin_r(h, d->district, &y0);
	GEOSGeom_getYMax_r(h, d->district, &y1);
	double cell = cfg_num(d, "grid.cell_m", 500);
	double dlon = cell / d->m_lon, dlat = cell / d->m_lat;
	double north = cfg_num(d, "grid.north_limit_lat", 40.03);
	int ncols = (int)ceil((x1 - x0) / dlon), nrows = (int)ceil((y1 - y0) / dlat);
	int lb = (int)fmax(1, cfg_num(d, "grid.lin_ban_cells", 4));
	if (cell < 50 || ncols * (double)nrows > 4e6)
		return fail(d, TB_EINPUT, CONFIG_FILE, "grid.cell_m", "cell size out of range");
	size_t cap = 0;
	for (int row = 0; row < nrows; row++) {
		double clat = y0 + (row + 0.5) * dlat;
		if (clat < north) continue;
		for (int c = 0; c < ncols; c++) {
			double clon = x0 + (c + 0.5) * dlon;
			int64_t ti = tb_index_point(d->town_ix, clon, clat);
			if (ti < 0 || !d->towns[ti].cfg) continue;
			if (d->ncells == cap) {
				cap = cap ? 2 * cap : 1024;
				parcel *m = realloc(d->cells, cap * sizeof *m);
				if (!m) return fail(d, TB_ENOMEM, "parcels", NULL, "out of memory");
				d->cells = m;
			}
			parcel *p = &d->cells[d->ncells];
			memset(p, 0, sizeof *p);
			p->cell = (size_t)row * (size_t)ncols + (size_t)c;
			p->row = row, p->col = c, p->town = (size_t)ti;
			p->brow = row / lb, p->bcol = c / lb;
			cell_shape(d, p, clon, clat, dlon / 2, dlat / 2);
			GEOSGeometry *g = parcel_geom(d, p, 1);
			bool fits = g && GEOSPreparedContains_r(h, d->towns[ti].prep, g) == 1 &&
			            GEOSPreparedContains_r(h, d->district_p, g) == 1;
			if (g) GEOSGeom_destroy_r(h, g);
			if (!fits || !rural_village(d, p)) continue;
			p->weight = density(d, p->cx, p->cy);
			d->ncells++;
		}
	}
	return 0;
}

/* ---- parcels: choice and numbering ------------------------------------- */

static int by_key(const void *a, const void *b)
{
	const parcel *p = a, *q = b;
	if (p->key != q->key) return p->key < q->key ? -1 : 1;
	return p->cell < q->cell ? -1 : p->cell > q->cell;
}

/* Weighted sampling without replacement (Efraimidis–Spirakis): the n cells
 * with the smallest -ln(u)/w among cells[0 .. len) that are not yet chosen. */
static size_t choose(demo *d, parcel *cells, size_t len, size_t n, enum stream s, bool natural)
{
	double north = cfg_num(d, "grid.north_limit_lat", 40.03);
	double lat_scale = cfg_num(d, "plantation.lat_scale", 0.04);
	for (size_t i = 0; i < len; i++) {
		parcel *p = &cells[i];
		rng r = rng_stream(d->seed, s, p->cell);
		/* plantations keep to the foothills, near the villages */
		double w = natural ? p->weight : exp(-(p->cy - north) / lat_scale);
		p->key = p->chosen ? HUGE_VAL : -log(1 - rng_unit(&r)) / w;
	}
	qsort(cells, len, sizeof *cells, by_key);
	size_t k = 0;
	for (size_t i = 0; i < len && k < n; i++) {
		if (cells[i].chosen) continue;
		cells[i].chosen = true, cells[i].natural = natural;
		k++;
	}
	return k;
}

static int by_town(const void *a, const void *b)
{
	const parcel *p = a, *q = b;
	return p->town < q->town ? -1 : p->town > q->town;
}

/* Order of numbering in a town: 林班 blocks north to south, west to east;
 * within a block, cells the same way. */
static int by_place(const void *a, const void *b)
{
	const parcel *p = a, *q = b;
	if (p->brow != q->brow) return q->brow - p->brow;
	if (p->bcol != q->bcol) return p->bcol - q->bcol;
	if (p->row != q->row) return q->row - p->row;
	return p->col - q->col;
}

/* Choose each forest town's natural and plantation parcels, drop the rest,
 * and number them: 林班 by blocks of cells, 小班 within each 林班. */
static int choose_parcels(demo *d)
{
	qsort(d->cells, d->ncells, sizeof *d->cells, by_town);
	size_t kept = 0, start = 0;
	while (start < d->ncells) {
		size_t end = start, ti = d->cells[start].town;
		while (end < d->ncells && d->cells[end].town == ti)
			end++;
		parcel *c = d->cells + start;
		size_t len = end - start;
		json_t *cfg = d->towns[ti].cfg;
		size_t nn = (size_t)fmax(0, json_number_value(json_object_get(cfg, "natural")));
		size_t np = (size_t)fmax(0, json_number_value(json_object_get(cfg, "plantation")));
		if (choose(d, c, len, nn, S_SELECT, true) < nn ||
		    choose(d, c, len, np, S_PLANT, false) < np)
			return tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, "towns",
			                  "town %s %s has room for %zu parcels, not %zu",
			                  d->towns[ti].div.code, d->towns[ti].div.name, len,
			                  nn + np);
		size_t first = kept;
		for (size_t i = 0; i < len; i++)
			if (c[i].chosen) d->cells[kept++] = c[i];
		qsort(d->cells + first, kept - first, sizeof *d->cells, by_place);
		int lin_ban = 0, xiao_ban = 0, last_r = -1, last_c = -1;
		for (size_t i = first; i < kept; i++) {
			parcel *p = &d->cells[i];
			if (p->brow != last_r || p->bcol != last_c)
				lin_ban++, xiao_ban = 0, last_r = p->brow, last_c = p->bcol;
			p->lin_ban = lin_ban, p->xiao_ban = ++xiao_ban;
			if (lin_ban > 999 || xiao_ban > 999)
				return fail(d, TB_EINPUT, CONFIG_FILE, "grid",
				            "more than 999 林班 or 小班");
		}
		start = end;
	}
	d->ncells = kept;
	return 0;
}

/* ---- parcels: the area target ---------------------------------------- */

/* Sum of the natural parcels' rounded areas at shrink factor s. */
static double natural_sum(demo *d, double s)
{
	double sum = 0;
	for (size_t i = 0; i < d->ncells; i++) {
		if (!d->cells[i].natural) continue;
		GEOSGeometry *g = parcel_geom(d, &d->cells[i], s);
		sum += g ? tb_round4(tb_area_ha(g)) : 0;
		if (g) GEOSGeom_destroy_r(d->h, g);
	}
	return sum;
}

/* The shrink factor whose natural sum comes closest to the target.  Each
 * star's area grows with s (a shrunk star lies inside the bigger one), so
 * the sum is monotonic and bisection finds it.  Area goes almost exactly as
 * s², which gives a narrow first bracket; the search stops once the rounded
 * sum equals the target to the registry's 4 decimals. */
static int fit_area(demo *d, double target, double *s_out)
{
	double lo = 0.05, hi = 1.0, flo = natural_sum(d, lo), fhi = natural_sum(d, hi);
	if (!(target > flo && target <= fhi))
		return tb_err_set(d->e, TB_EINPUT, CONFIG_FILE, "towns",
		                  "natural target %.4f ha is outside what the parcels can cover "
		                  "(%.4f–%.4f ha)",
		                  target, flo, fhi);
	double guess = sqrt(target / fhi);
	double a = fmax(lo, guess * (1 - 1e-3)), b = fmin(hi, guess * (1 + 1e-3));
	double fa = natural_sum(d, a), fb = natural_sum(d, b);
	if (fa < target) lo = a, flo = fa;
	if (fb >= target) hi = b, fhi = fb;
	for (int it = 0; it < 64 && hi - lo > 1e-15 && fhi - target >= 0.5e-4; it++) {
		double mid = (lo + hi) / 2, f = natural_sum(d, mid);
		if (f >= target)
			hi = mid, fhi = f;
		else
			lo = mid, flo = f;
	}
	bool use_hi = fhi - target <= target - flo;
	double miss = use_hi ? fhi - target : target - flo;
	if (miss > AREA_TOLERANCE)
		return tb_err_set(d->e, TB_EINTERNAL, "parcels", "area_ha",
		                  "cannot come within %.3f ha of %.4f ha (closest %.4f ha)",
		                  AREA_TOLERANCE, target, use_hi ? fhi : flo);
	*s_out = use_hi ? hi : lo;
	return 0;
}

/* ---- parcels: attributes --------------------------------------------- */

/* Share of the parcel in its most-covering key zone; *zone gets its index. */
static double zone_share(demo *d, const GEOSGeometry *g, double area, size_t *zone)
{
	double best = 0;
	for (size_t z = 0; z < d->out->nzones; z++) {
		const GEOSGeometry *zg = d->out->zones[z].geom;
		if (GEOSIntersects_r(d->h, zg, g) != 1) continue;
		GEOSGeometry *x = GEOSIntersection_r(d->h, zg, g);
		double share = x ? tb_area_ha(x) / area : 0;
		if (x) GEOSGeom_destroy_r(d->h, x);
		if (share > best) best = share, *zone = z;
	}
	return best;
}

/* The state forest unit whose cluster holds the parcel, if in its town. */
static const cluster *state_unit(demo *d, const parcel *p)
{
	for (size_t c = 0; c < d->nclusters; c++) {
		const cluster *k = &d->clusters[c];
		if (!k->unit || strcmp(k->unit_town, d->towns[p->town].div.code)) continue;
		if (tb_distance_m(p->cx, p->cy, k->lon, k->lat) <= k->state_radius_m) return k;
	}
	return NULL;
}

static double round_to(double v, double unit)
{
	return round(v / unit) * unit;
}

/* 郁闭度/覆盖度, 每公顷株数 and 公顷蓄积, from the stand table of demo.json
 * (check_stand made sure there is a row). */
static void stand_values(demo *d, rng *r, json_t *props, const char *di_lei, const char *ling_zu,
                         const char *species)
{
	json_t *row = stand_row(d, di_lei, ling_zu);
	json_t *factors = cfg_at(d->cfg, "stand.volume_factor");
	double c0 = 0.3, c1 = 0.8, n0 = 0, n1 = 0, v0 = 0, v1 = 0;
	cfg_pair(row, "closure", &c0, &c1);
	cfg_pair(row, "stems", &n0, &n1);
	cfg_pair(row, "volume", &v0, &v1);
	double u = rng_unit(r); /* one draw: denser stands hold more stems and wood */
	double closure = round_to(c0 + (c1 - c0) * u, 0.01);
	double vf = json_number_value(json_object_get(factors, species));
	double stems = n0 + (n1 - n0) * (0.6 * u + 0.4 * rng_unit(r));
	double volume = (v0 + (v1 - v0) * (0.6 * u + 0.4 * rng_unit(r))) * (vf > 0 ? vf : 1);
	json_object_set_new(props, "yu_bi_du", json_real(closure));
	json_object_set_new(props, "mei_gq_zs", json_integer((json_int_t)round_to(stems, 5)));
	json_object_set_new(props, "huo_lmgqxj", json_real(round_to(volume, 0.1)));
}

static void set_str(json_t *o, const char *key, const char *value)
{
	if (value) json_object_set_new(o, key, json_string(value));
}

/* Where a parcel stands: in which key zone (and how much of it), in which
 * state forest, in which village. */
typedef struct setting {
	json_t *zone; /* demo.json zones[i], or NULL */
	double share; /* of the parcel in that zone */
	const cluster *state;
	const division *village;
} setting;

/* 森林类别, 林种, 保护等级, 权属, 国家级公益林等级 and the managing unit: key
 * zones and state forest get the strictest protection (§3.1.1). */
static void protection(demo *d, rng *r, json_t *o, const parcel *p, const setting *at)
{
	json_t *kind = cfg_at(d->cfg, p->natural ? "natural" : "plantation");
	json_t *tenure = cfg_at(d->cfg, "tenure");
	bool top = at->zone || at->state;
	const char *sen_lin =
	    top && p->natural ? SEN_LIN_KEY : pick(r, json_object_get(kind, "sen_lin_lb"));
	const char *lin_zhong = pick(r, json_object_get(kind, "lin_zhong"));
	const char *bh_dj = pick(r, json_object_get(tenure, "bh_dj_outside"));
	if (at->zone && at->share >= 0.5)
		lin_zhong = json_string_value(json_object_get(at->zone, "lin_zhong"));
	if (at->zone) {
		const char *level = json_string_value(json_object_get(at->zone, "level"));
		bh_dj = json_string_value(
		    json_object_get(json_object_get(tenure, "bh_dj_in_zone"), level));
	}
	const char *ld_qs =
	    at->state ? LD_QS_STATE : pick(r, json_object_get(tenure, "collective"));
	const char *grade = NULL;
	if (!strcmp(sen_lin, SEN_LIN_KEY))
		grade = top ? GJGYL_TOP : pick(r, json_object_get(tenure, "gjgyl_bhdj"));
	char unit[32];
	snprintf(unit, sizeof unit, "V-%s", at->village->code);
	set_str(o, "sen_lin_lb", sen_lin);
	set_str(o, "lin_zhong", lin_zhong);
	set_str(o, "bh_dj", bh_dj);
	set_str(o, "ld_qs", ld_qs);
	set_str(o, "gjgyl_bhdj", grade);
	set_str(o, "unit_code", at->state ? at->state->unit : unit);
}

/* The national inventory attributes of one parcel; *owner receives the
 * village collective that owns it, or NULL for state forest. */
static json_t *parcel_props(demo *d, const parcel *p, const GEOSGeometry *g, const char **owner)
{
	const town *t = &d->towns[p->town];
	json_t *kind = cfg_at(d->cfg, p->natural ? "natural" : "plantation");
	rng r = rng_stream(d->seed, S_PROPS, p->cell);
	setting at = {.state = state_unit(d, p), .village = &d->vdiv[p->village]};
	size_t zi = 0;
	at.share = zone_share(d, g, tb_area_ha(g), &zi);
	at.zone = at.share > 0 ? json_array_get(cfg_at(d->cfg, "zones"), zi) : NULL;
	*owner = at.state ? NULL : at.village->code;

	char code[64], lb[8], xb[8];
	snprintf(lb, sizeof lb, "%03d", p->lin_ban);
	snprintf(xb, sizeof xb, "%03d", p->xiao_ban);
	snprintf(code, sizeof code, "%s-%s-%s", t->div.code, lb, xb);
	const char *di_lei = pick(&r, json_object_get(kind, "di_lei"));
	const char *qi_yuan = pick(&r, json_object_get(kind, "qi_yuan"));
	json_t *mix = !p->natural        ? json_object_get(kind, "species")
	              : is_shrub(di_lei) ? json_object_get(kind, "shrub_species")
	                                 : json_object_get(t->cfg, "species");
	const char *species = pick(&r, mix);
	const char *ling_zu = is_shrub(di_lei) ? NULL : pick(&r, json_object_get(kind, "ling_zu"));

	json_t *o = json_object();
	set_str(o, "code", code);
	set_str(o, "xian", d->district_code);
	set_str(o, "xiang", t->div.code);
	set_str(o, "cun", at.village->code);
	set_str(o, "lin_ban", lb);
	set_str(o, "xiao_ban", xb);
	set_str(o, "di_lei", di_lei);
	set_str(o, "qi_yuan", qi_yuan);
	set_str(o, "you_shi_sz", species);
	set_str(o, "ling_zu", ling_zu);
	stand_values(d, &r, o, di_lei, ling_zu, species);
	protection(d, &r, o, p, &at);
	return o;
}

static int by_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The village collectives that own parcels, as unit records. */
static int build_units(demo *d, const char **owners, size_t n)
{
	qsort(owners, n, sizeof *owners, by_str);
	d->out->units = json_array();
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(owners[i], owners[i - 1])) continue;
		const division *v = NULL;
		for (size_t k = 0; k < d->out->nvillages && !v; k++)
			if (!strcmp(d->vdiv[k].code, owners[i])) v = &d->vdiv[k];
		if (!v) continue;
		/* "黄崖关村委会" → "黄崖关村集体经济组织", "联合村村委会" → "联合村…" */
		char base[160], name[200], code[32], parent[32];
		snprintf(base, sizeof base, "%s", v->name);
		if (ends_with(base, "村委会")) base[strlen(base) - strlen("村委会")] = '\0';
		snprintf(name, sizeof name, "%s%s集体经济组织", base,
		         ends_with(base, "村") ? "" : "村");
		snprintf(code, sizeof code, "V-%s", v->code);
		snprintf(parent, sizeof parent, "T-%s", v->parent);
		json_t *u =
		    json_pack("{s:s,s:s,s:s,s:s,s:s}", "code", code, "name", name, "kind",
		              "village_collective", "town_code", v->parent, "parent_code", parent);
		if (!u || json_array_append_new(d->out->units, u))
			return fail(d, TB_ENOMEM, "units", NULL, "out of memory");
	}
	return 0;
}

static int build_parcels(demo *d, double target)
{
	int rc = load_clusters(d);
	if (!rc) rc = find_cells(d);
	if (!rc) rc = choose_parcels(d);
	double s = 1, ps = cfg_num(d, "plantation.scale", 0.85);
	if (!rc) rc = fit_area(d, target, &s);
	if (rc) return rc;
	d->out->parcels = calloc(d->ncells ? d->ncells : 1, sizeof *d->out->parcels);
	const char **owners = calloc(d->ncells ? d->ncells : 1, sizeof *owners);
	size_t nowners = 0;
	if (!d->out->parcels || !owners) rc = fail(d, TB_ENOMEM, "parcels", NULL, "out of memory");
	for (size_t i = 0; !rc && i < d->ncells; i++) {
		const parcel *p = &d->cells[i];
		tb_demo_feature *f = &d->out->parcels[d->out->nparcels++];
		f->geom = parcel_geom(d, p, p->natural ? s : ps);
		const char *owner = NULL;
		f->props = f->geom ? parcel_props(d, p, f->geom, &owner) : NULL;
		if (!f->props)
			rc = fail(d, TB_EINTERNAL, "parcels", "geometry", tb_geos_last_error());
		if (owner) owners[nowners++] = owner;
	}
	if (!rc) rc = build_units(d, owners, nowners);
	free(owners);
	return rc;
}

/* ---- entry points ----------------------------------------------------- */

static void demo_free(demo *d)
{
	for (size_t i = 0; i < d->ntowns; i++) {
		if (d->towns[i].prep) GEOSPreparedGeom_destroy_r(d->h, d->towns[i].prep);
		tb_index_free(d->towns[i].villages);
	}
	free(d->towns);
	free(d->vdiv);
	tb_index_free(d->town_ix);
	free(d->clusters);
	free(d->cells);
	if (d->district_p) GEOSPreparedGeom_destroy_r(d->h, d->district_p);
	if (d->district) GEOSGeom_destroy_r(d->h, d->district);
	json_decref(d->cfg);
	json_decref(d->codes);
	json_decref(d->units);
}

int tb_demo_generate(uint64_t seed, double natural_target_ha, tb_demo_set *out, tb_err *e)
{
	tb_err ignored;
	if (!e) e = &ignored;
	memset(out, 0, sizeof *out);
	demo d = {.h = tb_geos(), .seed = seed, .e = e, .out = out};
	tb_err_clear(e);
	int rc = read_inputs(&d);
	if (!rc) rc = build_towns(&d);
	if (!rc) rc = build_villages(&d);
	if (!rc) rc = build_zones(&d);
	if (!rc) rc = build_parcels(&d, natural_target_ha);
	demo_free(&d);
	if (rc) tb_demo_free(out);
	return rc;
}

static void features_free(tb_demo_feature *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		json_decref(f[i].props);
		if (f[i].geom) GEOSGeom_destroy_r(tb_geos(), f[i].geom);
	}
	free(f);
}

void tb_demo_free(tb_demo_set *s)
{
	if (!s) return;
	features_free(s->towns, s->ntowns);
	features_free(s->villages, s->nvillages);
	features_free(s->parcels, s->nparcels);
	features_free(s->zones, s->nzones);
	json_decref(s->units);
	memset(s, 0, sizeof *s);
}
