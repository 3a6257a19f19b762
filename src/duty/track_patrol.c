/* track_patrol.c — the measures and the validity / anti-fake checks of a
 * patrol (巡护, plan §3.1.3) over a tb_track read by track.c.
 *
 * One pass over the points decides which are kept and where the line breaks:
 *   - a jump from the previous kept point longer than teleport_min_m and
 *     faster than teleport_kmh (or with no time passing) is a *teleport*: the
 *     point is kept, the line breaks there and the jump adds no distance.  It
 *     is judged before the speed filter and across segments too (a 5 km jump
 *     in a minute is impossible whether or not the logger paused), so a
 *     teleport is never also counted as a speed outlier;
 *   - within a segment, a point faster than max_speed_kmh from the previous
 *     kept point is a *speed outlier*: dropped and counted.  When REANCHOR
 *     dropped points in a row agree among themselves the position really
 *     moved (GPS regained after a valley): they are kept again, the line breaks
 *     before them, and they no longer count as dropped;
 *   - intervals with no time passing or time running backwards are not judged
 *     for speed; time running backwards anywhere is *time_order*.
 * Distance, moving time and maximum speed sum the kept intervals that do not
 * cross a break.  Grid share and coverage: see grid_measures(). */
#include "duty/track.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REANCHOR 3 /* consecutive consistent outliers that move the track */

const char *const tb_patrol_reason_codes[] = {"time_order",   "future_time", "speed_outlier",
                                              "teleport",     "too_short",   "too_brief",
                                              "outside_grid", "duplicate",   NULL};
enum { R_TIME_ORDER, R_FUTURE, R_SPEED, R_TELEPORT, R_SHORT, R_BRIEF, R_OUTSIDE, R_DUPLICATE };

void tb_patrol_rules_default(tb_patrol_rules *r)
{
	*r = (tb_patrol_rules){.min_km = 3,
	                       .min_hours = 1,
	                       .max_speed_kmh = 15,
	                       .teleport_kmh = 120,
	                       .teleport_min_m = 1000,
	                       .moving_min_kmh = 0.5,
	                       .min_inside_share = 0.6,
	                       .buffer_m = 50,
	                       .duplicate_m = 10,
	                       .future_slack_s = 300};
}

/* Per-point decisions of the filter pass. */
typedef struct pass {
	const tb_track *t;
	const tb_patrol_rules *r;
	bool *keep, *brk; /* kept; no distance from the previous kept point */
	int dropped, teleports;
} pass;

static double dist(const tb_track_point *a, const tb_track_point *b)
{
	return tb_distance_m(a->lon, a->lat, b->lon, b->lat);
}

static double secs(const tb_track_point *a, const tb_track_point *b)
{
	return (double)(b->t_ms - a->t_ms) / 1000.0;
}

static bool too_fast(double d, double dt, double kmh)
{
	return dt > 0 && d / dt * 3.6 > kmh;
}

static bool is_teleport(const pass *p, const tb_track_point *a, const tb_track_point *b)
{
	double d = dist(a, b), dt = secs(a, b);
	return d > p->r->teleport_min_m && (dt <= 0 || too_fast(d, dt, p->r->teleport_kmh));
}

/* Keep the run first..last of dropped points again, breaking before it. */
static void reanchor(pass *p, size_t first, size_t last)
{
	for (size_t j = first; j <= last; j++)
		p->keep[j] = true;
	p->brk[first] = true;
	p->dropped -= (int)(last - first + 1);
}

static void filter(pass *p)
{
	const tb_track_point *pt = p->t->pts;
	size_t prev = 0, run_first = 0, run_len = 0;
	for (size_t i = 0; i < p->t->n; i++) {
		bool first = i == 0, jump = !first && is_teleport(p, &pt[prev], &pt[i]);
		p->keep[i] = true;
		if (jump) p->teleports++;
		if (first || jump || pt[i].segment != pt[prev].segment) {
			p->brk[i] = true, prev = i, run_len = 0;
			continue;
		}
		if (!too_fast(dist(&pt[prev], &pt[i]), secs(&pt[prev], &pt[i]),
		              p->r->max_speed_kmh)) {
			prev = i, run_len = 0;
			continue;
		}
		p->keep[i] = false, p->dropped++;
		size_t last = i - 1; /* the run is contiguous: any kept point resets it */
		bool agrees =
		    run_len > 0 && !too_fast(dist(&pt[last], &pt[i]), secs(&pt[last], &pt[i]),
		                             p->r->max_speed_kmh);
		if (!agrees) run_first = i, run_len = 0;
		if (++run_len == REANCHOR) reanchor(p, run_first, i), prev = i, run_len = 0;
	}
}

/* Distance, moving time, maximum speed and time range of the kept points.
 * Time is read on a clock that never runs backwards (the latest time so
 * far), so with time_order the moving time still cannot exceed the
 * duration. */
static void measures(const pass *p, tb_patrol_result *r)
{
	const tb_track_point *pt = p->t->pts;
	size_t prev = 0;
	int64_t clock = pt[0].t_ms;
	r->start_ms = INT64_MAX, r->end_ms = INT64_MIN;
	for (size_t i = 0; i < p->t->n; i++) {
		if (!p->keep[i]) continue;
		r->kept++;
		if (pt[i].t_ms < r->start_ms) r->start_ms = pt[i].t_ms;
		if (pt[i].t_ms > r->end_ms) r->end_ms = pt[i].t_ms;
		double dt = pt[i].t_ms > clock ? (double)(pt[i].t_ms - clock) / 1000.0 : 0;
		if (pt[i].t_ms > clock) clock = pt[i].t_ms;
		if (!p->brk[i]) {
			double d = dist(&pt[prev], &pt[i]);
			r->distance_m += d;
			double kmh = dt > 0 ? d / dt * 3.6 : 0;
			if (dt > 0 && kmh >= p->r->moving_min_kmh) r->moving_s += dt;
			if (kmh > r->max_speed_kmh) r->max_speed_kmh = kmh;
		}
		prev = i;
	}
	r->duration_s = (double)(r->end_ms - r->start_ms) / 1000.0;
}

/* ---- the kept line ------------------------------------------------------ */

/* One part of the line: kept points from..to-1 without repeated positions;
 * NULL when fewer than two distinct positions remain. */
static GEOSGeometry *line_part(const pass *p, size_t from, size_t to)
{
	GEOSContextHandle_t h = tb_geos();
	const tb_track_point *pt = p->t->pts;
	size_t n = 0;
	for (size_t i = from; i < to; i++)
		n += p->keep[i];
	GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
	if (!cs) return NULL;
	unsigned k = 0;
	double lx = NAN, ly = NAN;
	for (size_t i = from; i < to; i++) {
		if (!p->keep[i] || (pt[i].lon == lx && pt[i].lat == ly)) continue;
		GEOSCoordSeq_setXY_r(h, cs, k++, pt[i].lon, pt[i].lat);
		lx = pt[i].lon, ly = pt[i].lat;
	}
	if (k < 2) {
		GEOSCoordSeq_destroy_r(h, cs);
		return NULL;
	}
	if (k < n) { /* shrink to the distinct positions */
		GEOSCoordSequence *c2 = GEOSCoordSeq_create_r(h, k, 2);
		for (unsigned j = 0; c2 && j < k; j++) {
			double x, y;
			GEOSCoordSeq_getXY_r(h, cs, j, &x, &y);
			GEOSCoordSeq_setXY_r(h, c2, j, x, y);
		}
		GEOSCoordSeq_destroy_r(h, cs);
		if (!(cs = c2)) return NULL;
	}
	return GEOSGeom_createLineString_r(h, cs);
}

/* The kept points as a MultiLineString, one part per unbroken run. */
static GEOSGeometry *kept_line(const pass *p)
{
	GEOSContextHandle_t h = tb_geos();
	size_t n = p->t->n, nparts = 0;
	GEOSGeometry **parts = calloc(n ? n : 1, sizeof *parts);
	if (!parts) return NULL;
	for (size_t from = 0; from < n;) {
		size_t to = from + 1;
		while (to < n && !(p->keep[to] && p->brk[to]))
			to++;
		GEOSGeometry *part = line_part(p, from, to);
		if (part) parts[nparts++] = part;
		from = to;
	}
	GEOSGeometry *ml =
	    GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, parts, (unsigned)nparts);
	if (!ml)
		for (size_t i = 0; i < nparts; i++)
			GEOSGeom_destroy_r(h, parts[i]);
	free(parts);
	return ml;
}

/* ---- grid share, coverage and duplicates --------------------------------
 * The share inside the grid is ellipsoidal: GEOS clips the lon/lat line with
 * the grid and tb_length_m measures both geodesically.  Coverage and the
 * duplicate test work in metres in a local azimuthal equidistant projection
 * on the GRS80 ellipsoid (CGCS2000's, to 0.1 mm) centred on the grid (or on
 * the track without one), so they work in any county: within 30 km of the
 * centre its scale errs by less than 4e-6, so the coverage — buffer the line
 * by buffer_m, clip with the grid, divide the planar areas — equals the
 * ellipsoidal ratio to better than 1e-5. */

static int bbox(const GEOSGeometry *g, double b[4])
{
	GEOSContextHandle_t h = tb_geos();
	return GEOSisEmpty_r(h, g) == 0 && GEOSGeom_getXMin_r(h, g, &b[0]) &&
	       GEOSGeom_getYMin_r(h, g, &b[1]) && GEOSGeom_getXMax_r(h, g, &b[2]) &&
	       GEOSGeom_getYMax_r(h, g, &b[3]);
}

static tb_transform *local_projection(const GEOSGeometry *centre_of, tb_err *e)
{
	double b[4];
	if (!bbox(centre_of, b)) {
		tb_err_set(e, TB_EINPUT, NULL, "grid", "the grid is empty");
		return NULL;
	}
	char def[200];
	snprintf(def, sizeof def,
	         "+proj=aeqd +lat_0=%.7f +lon_0=%.7f +ellps=GRS80 +units=m +no_defs +type=crs",
	         (b[1] + b[3]) / 2, (b[0] + b[2]) / 2);
	return tb_transform_new2("EPSG:4490", def, e);
}

static double area(const GEOSGeometry *g)
{
	double a = 0;
	return g && GEOSArea_r(tb_geos(), g, &a) ? a : 0;
}

/* inside_share and grid_coverage; line_local is the line in the projection. */
static int grid_measures(const GEOSGeometry *grid, tb_transform *tr, const GEOSGeometry *line_local,
                         const tb_patrol_rules *rules, tb_patrol_result *r, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	GEOSGeometry *inside = NULL, *grid_local = NULL, *buffer = NULL, *covered = NULL;
	int rc = TB_EINTERNAL;
	double total = tb_length_m(r->line);
	if (!(inside = GEOSIntersection_r(h, r->line, grid))) goto out;
	r->inside_share = total > 0 ? tb_length_m(inside) / total : 0;
	r->grid_coverage = 0;
	rc = 0;
	if (!line_local) goto out; /* no line: nothing covered */
	rc = TB_EINTERNAL;
	if (!(grid_local = tb_transform_geom_copy(tr, grid, e))) goto out;
	if (!(buffer = GEOSBuffer_r(h, line_local, rules->buffer_m, 8))) goto out;
	if (!(covered = GEOSIntersection_r(h, buffer, grid_local))) goto out;
	double ga = area(grid_local);
	r->grid_coverage = ga > 0 ? area(covered) / ga : 0;
	rc = 0;
out:
	if (rc && (!e || !e->code))
		tb_err_set(e, rc, NULL, "grid", "GEOS failed on the grid: %s",
		           tb_geos_last_error());
	GEOSGeom_destroy_r(h, inside);
	GEOSGeom_destroy_r(h, grid_local);
	GEOSGeom_destroy_r(h, buffer);
	GEOSGeom_destroy_r(h, covered);
	return rc;
}

/* Discrete Hausdorff distance ≤ tol metres.  Each envelope side bounds the
 * distance from below, so most earlier patrols are ruled out without GEOS;
 * the rest are compared after simplifying both by tol/10 (the result moves
 * by at most 2·tol/10). */
static bool same_shape(const GEOSGeometry *a, const GEOSGeometry *b, double tol)
{
	GEOSContextHandle_t h = tb_geos();
	double ea[4], eb[4], d = INFINITY;
	if (!bbox(a, ea) || !bbox(b, eb)) return false;
	for (int i = 0; i < 4; i++)
		if (fabs(ea[i] - eb[i]) > tol) return false;
	GEOSGeometry *sa = GEOSSimplify_r(h, a, tol / 10), *sb = GEOSSimplify_r(h, b, tol / 10);
	if (sa && sb && !GEOSHausdorffDistance_r(h, sa, sb, &d)) d = INFINITY;
	GEOSGeom_destroy_r(h, sa);
	GEOSGeom_destroy_r(h, sb);
	return d <= tol;
}

static int find_duplicate(tb_transform *tr, const GEOSGeometry *line_local,
                          const GEOSGeometry *const *earlier, size_t nearlier, double tol,
                          tb_patrol_result *r, tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	for (size_t i = 0; i < nearlier && r->duplicate_of < 0; i++) {
		if (!earlier[i] || GEOSisEmpty_r(h, earlier[i]) != 0) continue;
		GEOSGeometry *other = tb_transform_geom_copy(tr, earlier[i], e);
		if (!other) return e && e->code ? e->code : TB_EINPUT;
		if (same_shape(line_local, other, tol)) r->duplicate_of = (long)i;
		GEOSGeom_destroy_r(h, other);
	}
	return 0;
}

static int geometry_checks(const GEOSGeometry *grid, const GEOSGeometry *const *earlier,
                           size_t nearlier, const tb_patrol_rules *rules, tb_patrol_result *r,
                           tb_err *e)
{
	GEOSContextHandle_t h = tb_geos();
	bool has_line = GEOSisEmpty_r(h, r->line) == 0;
	if (!grid && !has_line) return 0;
	tb_transform *tr = local_projection(grid ? grid : r->line, e);
	GEOSGeometry *line_local = NULL;
	int rc = tr ? 0 : (e && e->code ? e->code : TB_EINPUT);
	if (rc == 0 && has_line && !(line_local = tb_transform_geom_copy(tr, r->line, e)))
		rc = e && e->code ? e->code : TB_EINPUT;
	if (rc == 0 && grid) rc = grid_measures(grid, tr, line_local, rules, r, e);
	if (rc == 0 && line_local)
		rc = find_duplicate(tr, line_local, earlier, nearlier, rules->duplicate_m, r, e);
	GEOSGeom_destroy_r(h, line_local);
	tb_transform_free(tr);
	return rc;
}

/* ---- the verdict -------------------------------------------------------- */

static unsigned time_checks(const tb_track *t, const tb_patrol_rules *rules, int64_t now_ms)
{
	unsigned bits = 0;
	double limit = (double)now_ms + rules->future_slack_s * 1000.0;
	for (size_t i = 0; i < t->n; i++) {
		if (i > 0 && t->pts[i].t_ms < t->pts[i - 1].t_ms) bits |= 1u << R_TIME_ORDER;
		if ((double)t->pts[i].t_ms > limit) bits |= 1u << R_FUTURE;
	}
	return bits;
}

static unsigned measure_checks(const pass *p, const tb_patrol_result *r,
                               const tb_patrol_rules *rules)
{
	unsigned bits = 0;
	if (p->dropped > 0) bits |= 1u << R_SPEED;
	if (p->teleports > 0) bits |= 1u << R_TELEPORT;
	if (r->distance_m < rules->min_km * 1000.0) bits |= 1u << R_SHORT;
	if (r->duration_s < rules->min_hours * 3600.0) bits |= 1u << R_BRIEF;
	if (!isnan(r->inside_share) && r->inside_share < rules->min_inside_share)
		bits |= 1u << R_OUTSIDE;
	if (r->duplicate_of >= 0) bits |= 1u << R_DUPLICATE;
	return bits;
}

static int list_reasons(unsigned bits, tb_patrol_result *r, tb_err *e)
{
	r->reasons = json_array();
	for (int i = 0; r->reasons && tb_patrol_reason_codes[i]; i++)
		if ((bits & (1u << i)) &&
		    json_array_append_new(r->reasons, json_string(tb_patrol_reason_codes[i])))
			break;
	if (!r->reasons || json_array_size(r->reasons) != (size_t)__builtin_popcount(bits))
		return tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory listing the reasons");
	return 0;
}

int tb_patrol_analyse(const tb_track *t, const GEOSGeometry *grid,
                      const GEOSGeometry *const *earlier, size_t nearlier,
                      const tb_patrol_rules *rules, int64_t now_ms, tb_patrol_result *r, tb_err *e)
{
	tb_patrol_rules defaults;
	if (!rules) tb_patrol_rules_default(&defaults), rules = &defaults;
	memset(r, 0, sizeof *r);
	r->inside_share = r->grid_coverage = NAN;
	r->duplicate_of = -1;
	if (!t || t->n == 0) return tb_err_set(e, TB_EINPUT, NULL, NULL, "the track has no points");
	int rc = TB_ENOMEM;
	pass p = {.t = t,
	          .r = rules,
	          .keep = calloc(t->n, sizeof(bool)),
	          .brk = calloc(t->n, sizeof(bool))};
	if (!p.keep || !p.brk) goto out;
	filter(&p);
	measures(&p, r);
	r->points = t->n, r->dropped = p.dropped, r->teleports = p.teleports;
	if (!(r->line = kept_line(&p))) goto out;
	rc = geometry_checks(grid, earlier, nearlier, rules, r, e);
	if (rc) goto out;
	rc = list_reasons(time_checks(t, rules, now_ms) | measure_checks(&p, r, rules), r, e);
out:
	if (rc == TB_ENOMEM && (!e || !e->code)) tb_err_set(e, rc, NULL, NULL, "out of memory");
	if (rc) tb_patrol_result_free(r);
	free(p.keep);
	free(p.brk);
	return rc;
}

void tb_patrol_result_free(tb_patrol_result *r)
{
	if (!r) return;
	json_decref(r->reasons);
	if (r->line) GEOSGeom_destroy_r(tb_geos(), r->line);
	memset(r, 0, sizeof *r);
}
