/* crs.c — coordinate reference systems: PROJ transforms into CGCS2000 lon/lat
 * (EPSG:4490, DESIGN.md §4), a guess of the CRS from coordinate ranges for
 * files that declare none, and the WKT that gpkg_spatial_ref_sys stores.
 * Each tb_transform owns its own PJ_CONTEXT, so a transform is used by one
 * thread at a time but different threads never share PROJ state. */
#include "geo/geo.h"
#include "geo/geo_internal.h"

#include "base/log.h"

#include <math.h>
#include <proj.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROJ_LOG_SIZE 256

struct tb_transform {
	PJ_CONTEXT *ctx;
	PJ *pj;                  /* normalised: x = easting/longitude, y = northing/latitude */
	char log[PROJ_LOG_SIZE]; /* PROJ's last error-level log message on ctx */
};

/* PROJ reports why it refused a CRS only through its log; keep the message
 * in the PROJ_LOG_SIZE buffer given as user data. */
static void on_proj_log(void *ud, int level, const char *msg)
{
	char *dst = ud;
	if (level <= PJ_LOG_ERROR && dst) snprintf(dst, PROJ_LOG_SIZE, "%s", msg ? msg : "");
	tb_debug("PROJ: %s", msg ? msg : "");
}

tb_transform *tb_transform_new(const char *from, tb_err *e)
{
	return tb_transform_new2(from, "EPSG:4490", e);
}

tb_transform *tb_transform_new2(const char *from, const char *to, tb_err *e)
{
	if (!from || !to) {
		tb_err_set(e, TB_EUSAGE, NULL, "crs", "no CRS given");
		return NULL;
	}
	tb_transform *t = calloc(1, sizeof *t);
	if (!t || !(t->ctx = proj_context_create())) {
		free(t);
		tb_err_set(e, TB_ENOMEM, NULL, "crs", "out of memory creating a PROJ context");
		return NULL;
	}
	proj_log_func(t->ctx, t->log, on_proj_log);
	proj_context_set_enable_network(t->ctx, 0); /* never download at run time */
	PJ *raw = proj_create_crs_to_crs(t->ctx, from, to, NULL);
	if (raw) {
		t->pj = proj_normalize_for_visualization(t->ctx, raw);
		proj_destroy(raw);
	}
	if (!t->pj) {
		tb_err_set(e, TB_EINPUT, NULL, "crs",
		           "cannot transform from \"%.120s\" to \"%.120s\": %s", from, to,
		           t->log[0] ? t->log : "PROJ does not know this CRS");
		tb_transform_free(t);
		return NULL;
	}
	return t;
}

void tb_transform_free(tb_transform *t)
{
	if (!t) return;
	proj_destroy(t->pj);
	proj_context_destroy(t->ctx);
	free(t);
}

/* Transform one point in place; 0 when the result is finite. */
static int transform_xy(tb_transform *t, double *x, double *y)
{
	PJ_COORD c = proj_coord(*x, *y, 0, 0);
	c = proj_trans(t->pj, PJ_FWD, c);
	if (!isfinite(c.xy.x) || !isfinite(c.xy.y)) return TB_EINPUT;
	*x = c.xy.x;
	*y = c.xy.y;
	return 0;
}

/* Stops at the first point that fails; the points before it stay transformed. */
int tb_transform_points(tb_transform *t, double *x, double *y, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(x[i]) || !isfinite(y[i]) || transform_xy(t, &x[i], &y[i]))
			return TB_EINPUT;
	return 0;
}

/* GEOSGeom_transformXY callback: 1 = ok, 0 = failed (GEOS then gives up). */
struct xy_job {
	tb_transform *t;
	double bad_x, bad_y; /* the first coordinate that failed */
	int failed;
};

static int transform_cb(double *x, double *y, void *ud)
{
	struct xy_job *job = ud;
	double ox = *x, oy = *y;
	if (isfinite(ox) && isfinite(oy) && !transform_xy(job->t, x, y)) return 1;
	if (!job->failed) {
		job->bad_x = ox;
		job->bad_y = oy;
		job->failed = 1;
	}
	return 0;
}

GEOSGeometry *tb_transform_geom_copy(tb_transform *t, const GEOSGeometry *g, tb_err *e)
{
	if (!t || !g) {
		tb_err_set(e, TB_EUSAGE, NULL, "geometry", "no transform or no geometry");
		return NULL;
	}
	struct xy_job job = {.t = t};
	tb__geos_clear_error();
	GEOSGeometry *out = GEOSGeom_transformXY_r(tb_geos(), g, transform_cb, &job);
	if (out) return out;
	if (job.failed)
		tb_err_set(
		    e, TB_EINPUT, NULL, "geometry",
		    "coordinate (%.10g, %.10g) cannot be transformed: outside the CRS's domain",
		    job.bad_x, job.bad_y);
	else
		tb_err_set(e, TB_EINTERNAL, NULL, "geometry", "GEOS could not transform: %s",
		           tb__geos_reason("unknown error"));
	return NULL;
}

int tb_transform_geom(tb_transform *t, GEOSGeometry *g, tb_err *e)
{
	/* GEOS 3.11 caches each geometry's envelope and its C API offers no way to
	 * invalidate it, so rewriting coordinates in place would leave envelopes
	 * (hence every predicate and index) wrong.  Refuse loudly instead. */
	(void)t;
	(void)g;
	return tb_err_set(e, TB_EUSAGE, NULL, "geometry",
	                  "tb_transform_geom cannot work in place (GEOS caches envelopes); "
	                  "use tb_transform_geom_copy");
}

/* ---- guessing ------------------------------------------------------------ */

static int within(double lo, double hi, double min, double max)
{
	return min >= lo && max <= hi;
}

int tb_crs_guess(double minx, double miny, double maxx, double maxy)
{
	if (!(minx <= maxx && miny <= maxy)) return 0; /* also refuses NaN */
	if (within(-180, 180, minx, maxx) && within(-90, 90, miny, maxy)) return TB_SRS_CGCS2000;
	/* 3° Gauss-Krüger zone 39 with the zone number prefixed to the easting. */
	if (within(39e6, 40e6, minx, maxx) && within(0, 10e6, miny, maxy))
		return TB_SRS_GK39_PREFIX;
	/* The same projection without the prefix: false easting 500 000 m. */
	if (within(0, 1e6, minx, maxx) && within(1e6, 10e6, miny, maxy)) return TB_SRS_GK_CM117;
	return 0;
}

/* ---- WKT for gpkg_spatial_ref_sys ---------------------------------------- */

char *tb_crs_wkt(int epsg)
{
	char code[32], log[PROJ_LOG_SIZE] = "";
	snprintf(code, sizeof code, "EPSG:%d", epsg);
	PJ_CONTEXT *ctx = proj_context_create();
	if (!ctx) return NULL;
	proj_log_func(ctx, log, on_proj_log);
	char *wkt = NULL;
	PJ *crs = proj_create(ctx, code);
	if (crs) {
		const char *s = proj_as_wkt(ctx, crs, PJ_WKT1_GDAL, NULL);
		if (s) wkt = strdup(s);
		proj_destroy(crs);
	}
	proj_context_destroy(ctx);
	return wkt;
}
