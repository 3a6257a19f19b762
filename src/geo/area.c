/* area.c — ellipsoidal measures on the CGCS2000 ellipsoid with Karney's
 * geodesic algorithms (PROJ's geodesic.h).  The registry's hectares are
 * computed here and nowhere else (DESIGN.md §4): each ring's geodesic area,
 * outer ring minus holes, summed over the parts of a MultiPolygon. */
#include "geo/geo.h"

#include <float.h>
#include <geodesic.h>
#include <math.h>

#define CGCS2000_A 6378137.0
#define CGCS2000_F (1.0 / 298.257222101)

static void cgcs2000(struct geod_geodesic *gd)
{
	geod_init(gd, CGCS2000_A, CGCS2000_F);
}

/* Unsigned area (m²) of one ring, x = lon, y = lat.  The closing point
 * repeats the first and adds a zero-length edge, so it is skipped. */
static double ring_area_m2(GEOSContextHandle_t h, const struct geod_geodesic *gd,
                           const GEOSGeometry *ring)
{
	const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
	unsigned int n = 0;
	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 4) return 0;
	struct geod_polygon p;
	geod_polygon_init(&p, 0);
	for (unsigned int i = 0; i + 1 < n; i++) {
		double x, y;
		GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
		geod_polygon_addpoint(gd, &p, y, x);
	}
	double area = 0;
	/* sign = 1: a clockwise ring gives a negative area, not the rest of the Earth. */
	geod_polygon_compute(gd, &p, 0, 1, &area, NULL);
	return fabs(area);
}

static double polygon_area_m2(GEOSContextHandle_t h, const struct geod_geodesic *gd,
                              const GEOSGeometry *poly)
{
	if (GEOSisEmpty_r(h, poly) != 0) return 0;
	double a = ring_area_m2(h, gd, GEOSGetExteriorRing_r(h, poly));
	int holes = GEOSGetNumInteriorRings_r(h, poly);
	for (int i = 0; i < holes; i++)
		a -= ring_area_m2(h, gd, GEOSGetInteriorRingN_r(h, poly, i));
	return a;
}

static double area_m2(GEOSContextHandle_t h, const struct geod_geodesic *gd, const GEOSGeometry *g)
{
	switch (GEOSGeomTypeId_r(h, g)) {
	case GEOS_POLYGON:
		return polygon_area_m2(h, gd, g);
	case GEOS_MULTIPOLYGON:
	case GEOS_GEOMETRYCOLLECTION: {
		double sum = 0;
		int n = GEOSGetNumGeometries_r(h, g);
		for (int i = 0; i < n; i++)
			sum += area_m2(h, gd, GEOSGetGeometryN_r(h, g, i));
		return sum;
	}
	default:
		return 0;
	}
}

double tb_area_ha(const GEOSGeometry *g)
{
	if (!g) return 0;
	struct geod_geodesic gd;
	cgcs2000(&gd);
	return area_m2(tb_geos(), &gd, g) / 10000.0;
}

/* Length (m) of the path through a coordinate sequence's points. */
static double path_length_m(GEOSContextHandle_t h, const struct geod_geodesic *gd,
                            const GEOSGeometry *line)
{
	const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, line);
	unsigned int n = 0;
	if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 2) return 0;
	struct geod_polygon p;
	geod_polygon_init(&p, 1); /* polyline: perimeter only, not closed */
	for (unsigned int i = 0; i < n; i++) {
		double x, y;
		GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
		geod_polygon_addpoint(gd, &p, y, x);
	}
	double len = 0;
	geod_polygon_compute(gd, &p, 0, 1, NULL, &len);
	return len;
}

static double length_m(GEOSContextHandle_t h, const struct geod_geodesic *gd, const GEOSGeometry *g)
{
	double sum = 0;
	switch (GEOSGeomTypeId_r(h, g)) {
	case GEOS_LINESTRING:
	case GEOS_LINEARRING:
		return path_length_m(h, gd, g);
	case GEOS_POLYGON: {
		if (GEOSisEmpty_r(h, g) != 0) return 0;
		sum = path_length_m(h, gd, GEOSGetExteriorRing_r(h, g));
		int holes = GEOSGetNumInteriorRings_r(h, g);
		for (int i = 0; i < holes; i++)
			sum += path_length_m(h, gd, GEOSGetInteriorRingN_r(h, g, i));
		return sum;
	}
	case GEOS_MULTILINESTRING:
	case GEOS_MULTIPOLYGON:
	case GEOS_GEOMETRYCOLLECTION: {
		int n = GEOSGetNumGeometries_r(h, g);
		for (int i = 0; i < n; i++)
			sum += length_m(h, gd, GEOSGetGeometryN_r(h, g, i));
		return sum;
	}
	default:
		return 0;
	}
}

double tb_length_m(const GEOSGeometry *g)
{
	if (!g) return 0;
	struct geod_geodesic gd;
	cgcs2000(&gd);
	return length_m(tb_geos(), &gd, g);
}

double tb_distance_m(double lon1, double lat1, double lon2, double lat2)
{
	struct geod_geodesic gd;
	cgcs2000(&gd);
	double s12 = 0;
	geod_inverse(&gd, lat1, lon1, lat2, lon2, &s12, NULL, NULL);
	return s12;
}

/* Half away from zero, judged on the decimal value the caller wrote: 1.00005
 * is stored as 1.0000499999…, so a fraction within the rounding error of
 * v × 10⁴ from one half counts as one half. */
double tb_round4(double v)
{
	if (!isfinite(v)) return v;
	double r = fabs(v) * 1e4;
	double whole = floor(r);
	double frac = r - whole;
	if (frac >= 0.5 - 4 * DBL_EPSILON * r) whole += 1;
	if (whole == 0) return 0; /* no "-0.0000" */
	return copysign(whole / 1e4, v);
}
