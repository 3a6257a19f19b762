/* geo.h — geometry for tianbao: GEOS and PROJ wrapped for the forest registry.
 *
 * All stored geometry is CGCS2000 geographic (EPSG:4490) with x = longitude,
 * y = latitude in degrees (DESIGN.md §4).  Geometries are GEOS geometries on
 * the calling thread's GEOS context (tb_geos()); functions here never take
 * ownership of a geometry argument unless they say "consumes". */
#ifndef TB_GEO_GEO_H
#define TB_GEO_GEO_H

#include "base/err.h"

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TB_SRS_CGCS2000 4490      /* CGCS2000 geographic, lon/lat       */
#define TB_SRS_GK39_PREFIX 4527   /* CGCS2000 3° GK zone 39, E = 39xxxxxx */
#define TB_SRS_GK_CM117 4548      /* CGCS2000 3° GK CM 117°E, E = 500000  */

/* ---- GEOS context ------------------------------------------------------ */
/* The calling thread's GEOS context, created on first use.  GEOS notices
 * and errors are captured; tb_geos_last_error() returns the last message. */
GEOSContextHandle_t tb_geos(void);
const char *tb_geos_last_error(void);
/* Free the calling thread's context (at thread exit / program end). */
void tb_geos_finish(void);

/* ---- CRS transforms (crs.c) -------------------------------------------- */
typedef struct tb_transform tb_transform;

/* A transform from `from` (anything PROJ accepts: "EPSG:4527", WKT, PROJ
 * string) to CGCS2000 lon/lat, with axis order normalised to x=east.
 * Returns NULL and sets *e when PROJ does not know the CRS. */
tb_transform *tb_transform_new(const char *from, tb_err *e);
/* The same, between any two CRSs. */
tb_transform *tb_transform_new2(const char *from, const char *to, tb_err *e);
void tb_transform_free(tb_transform *t);
/* Transform n points in place (x[i], y[i]).  Returns 0 or TB_EINPUT when a
 * point cannot be transformed (inf/NaN result). */
int tb_transform_points(tb_transform *t, double *x, double *y, size_t n);
/* A new geometry: g with the coordinates of every part transformed (Z kept
 * as is); g untouched.  NULL and *e (TB_EINPUT naming the coordinate) when a
 * point falls outside the CRS's domain. */
GEOSGeometry *tb_transform_geom_copy(tb_transform *t, const GEOSGeometry *g, tb_err *e);
/* Not implementable: GEOS 3.11 caches every geometry's envelope and its C API
 * cannot invalidate it, so coordinates rewritten in place would leave
 * envelopes, predicates and indexes wrong.  Always fails with TB_EUSAGE. */
int tb_transform_geom(tb_transform *t, GEOSGeometry *g, tb_err *e)
	__attribute__((deprecated("GEOS geometries cannot be changed in place; "
				  "use tb_transform_geom_copy")));
/* Guess the CRS of planar coordinates when a file declares none, from the
 * coordinate ranges of a sample envelope: lon/lat (4490), zone-prefixed GK
 * zone 39 (4527), GK CM 117°E (4548).  Returns the EPSG code or 0. */
int tb_crs_guess(double minx, double miny, double maxx, double maxy);
/* WKT (OGC 1) of an EPSG CRS for gpkg_spatial_ref_sys; caller frees. */
char *tb_crs_wkt(int epsg);

/* ---- Area (area.c) ---------------------------------------------------- */
/* Ellipsoidal area in hectares of a (Multi)Polygon in lon/lat degrees on the
 * CGCS2000 ellipsoid (a = 6378137, 1/f = 298.257222101), holes subtracted,
 * computed with PROJ's geodesic routines (Karney).  Other types: 0. */
double tb_area_ha(const GEOSGeometry *g);
/* Geodesic length in metres of a (Multi)LineString, or a polygon's rings. */
double tb_length_m(const GEOSGeometry *g);
/* Geodesic distance in metres between two lon/lat points. */
double tb_distance_m(double lon1, double lat1, double lon2, double lat2);
/* Round to 4 decimals (the registry's precision for hectares). */
double tb_round4(double v);

/* ---- Validity (valid.c) ------------------------------------------------ */
/* 0 when g is a valid, non-empty polygonal geometry; TB_EINPUT otherwise
 * with GEOS's reason ("Self-intersection at or near point 117.4 40.1") in
 * *e->message.  `record` goes into e->record. */
int tb_geom_check_polygonal(const GEOSGeometry *g, const char *record, tb_err *e);
/* Repair an invalid polygonal geometry explicitly: GEOSMakeValid, keep the
 * polygonal parts, return a new MultiPolygon.  *what (if not NULL) receives a
 * sentence saying what changed (area before/after, parts dropped). */
GEOSGeometry *tb_geom_repair(const GEOSGeometry *g, char *what, size_t size);
/* Promote Polygon to MultiPolygon (new geometry; g untouched). */
GEOSGeometry *tb_geom_to_multi(const GEOSGeometry *g);

/* ---- GeoJSON (geojson.c) ---------------------------------------------- */
/* A geometry as GeoJSON geometry JSON (new reference); json null for NULL
 * (or if GEOS cannot write it). */
json_t *tb_geojson_from_geom(const GEOSGeometry *g);
/* The same as compact text (malloc'd, free()), NULL for NULL: for answers
 * streamed into a buffer without a JSON tree. */
char *tb_geojson_text(const GEOSGeometry *g);
/* A new geometry from GeoJSON geometry JSON (a bare geometry object, not a
 * Feature).  NULL when v is NULL, not an object/array or not readable; then,
 * if e is given, *e = TB_EINPUT, record, field "geometry", "not a GeoJSON
 * geometry: <GEOS's reason>".  Callers wanting their own wording pass NULL. */
GEOSGeometry *tb_geom_from_geojson(const json_t *v, const char *record, tb_err *e);

/* ---- GeoPackage geometry blobs (gpkgblob.c) ---------------------------- */
/* Encode g as a GeoPackage binary (magic "GP", version 0, XY envelope,
 * little-endian header and WKB, srs_id).  Empty geometries set the empty
 * flag and carry no envelope.  Returns a malloc'd blob and its size. */
unsigned char *tb_gpkg_encode(const GEOSGeometry *g, int32_t srs_id, size_t *size);
/* Decode a GeoPackage binary of either byte order, with or without an
 * envelope (XY, XYZ, XYM, XYZM).  Returns a new geometry, whose SRID
 * (GEOSGetSRID_r) is the blob's srs_id, or NULL and *e. */
GEOSGeometry *tb_gpkg_decode(const void *blob, size_t size, tb_err *e);
/* Read only the envelope (from the header, else from the WKB).  Returns 0,
 * 1 when the geometry is empty, or TB_EINPUT for a malformed blob. */
int tb_gpkg_envelope(const void *blob, size_t size, double *minx, double *maxx,
		     double *miny, double *maxy);

/* ---- Spatial index (index.c) ------------------------------------------- */
/* An STRtree over polygons, for point → parcel (or grid) lookups and for
 * candidate pairs in overlap checks.  Items are (id, geometry); the index
 * takes ownership of the geometries (consumes) and prepares them lazily. */
typedef struct tb_index tb_index;

tb_index *tb_index_new(void);
void tb_index_free(tb_index *ix);
/* Add an item; consumes g.  Must not be called after the first query. */
int tb_index_add(tb_index *ix, int64_t id, GEOSGeometry *g);
size_t tb_index_size(const tb_index *ix);
/* Build the point-lookup structure (flat rings on a uniform grid).  After
 * it, tb_index_point only reads, so several threads may share the index;
 * without it the first tb_index_point seals the index itself. */
int tb_index_seal(tb_index *ix);
/* The id of the first polygon (in the order added) that contains (lon, lat),
 * or -1.  A point on a boundary is not contained (GEOS contains). */
int64_t tb_index_point(tb_index *ix, double lon, double lat);
/* Call fn for each item whose envelope intersects g's envelope, in no set
 * order; fn returns nonzero to stop.  The geometry passed to fn is borrowed
 * from the index.  Returns 0, or the nonzero value with which fn stopped. */
typedef int (*tb_index_fn)(void *ctx, int64_t id, const GEOSGeometry *g);
int tb_index_query(tb_index *ix, const GEOSGeometry *g, tb_index_fn fn, void *ctx);
/* The geometry (borrowed) of the item with this id, or NULL. */
const GEOSGeometry *tb_index_geom(const tb_index *ix, int64_t id);

#endif
