/* mvt.h — Mapbox Vector Tile 2.1 encoding for the "one map" (一张图) tiles
 * served at /tiles/{layer}/{z}/{x}/{y}.mvt (DESIGN.md §7).
 *
 * A tile is built feature by feature from stored geometry (EPSG:4490 lon/lat)
 * and serialised to uncompressed protobuf; the HTTP layer compresses it.
 * Tiles follow the XYZ scheme (origin top left) in Web Mercator (EPSG:3857);
 * CGCS2000 lon/lat go in as Web Mercator's WGS 84 lon/lat, the two differing
 * by centimetres, far below a tile unit.  A tb_mvt is used by one thread at
 * a time. */
#ifndef TB_GEO_MVT_H
#define TB_GEO_MVT_H

#include "base/err.h"

#include <geos_c.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TB_MVT_EXTENT 4096 /* the usual number of units across a tile */
#define TB_MVT_BUFFER 64   /* the usual margin outside it, in units    */
/* The largest tile this encoder builds; adding past it fails (TB_ETOOBIG). */
#define TB_MVT_MAX_BYTES ((size_t)64 << 20)

typedef struct tb_mvt tb_mvt; /* one tile being built */

/* A new, empty tile z/x/y (0 <= z <= 30, 0 <= x, y < 2^z) with `extent`
 * units across (> 0, at most 1 << 20) and `buffer` units kept around it
 * (0 <= buffer <= extent).  NULL when the arguments are out of range or
 * memory runs out.  The caller owns the tile: tb_mvt_free. */
tb_mvt *tb_mvt_new(int z, int x, int y, int extent, int buffer);
void tb_mvt_free(tb_mvt *t);

/* Start the layer `name` (copied); the features added next go into it.
 * Naming a layer the tile already has continues that layer (layer names are
 * unique within a tile).  Returns 0, TB_EUSAGE for an empty name or
 * TB_ENOMEM. */
int tb_mvt_layer(tb_mvt *t, const char *name);

/* Add a feature to the current layer.  `g` (borrowed) is a point, line or
 * polygon, or a multi- of one of them, in EPSG:4490 lon/lat; a geometry
 * collection contributes the parts of its highest dimension.  The geometry
 * is projected to Web Mercator (latitude clamped to ±85.0511°), scaled to
 * tile units, clipped to the extent plus buffer, simplified to the tile's
 * resolution (Douglas-Peucker, 1 unit), rounded to the integer grid (snap-
 * rounded where plain rounding would leave a polygon invalid), and its rings
 * are wound as MVT 2.1 asks (exterior rings of positive area in tile
 * coordinates, y down; holes negative).  `id` becomes the feature id.
 * `props` (borrowed, may be NULL) is a JSON object: strings, integers (uint
 * when >= 0, else sint), reals (double) and booleans become MVT values,
 * arrays and objects their compact JSON text, nulls are skipped; keys and
 * values are shared within the layer.
 * Returns 1 when the feature was added, 0 when nothing of it falls in the
 * tile (or it collapses at this zoom), or a negative tb_code with *e set:
 * TB_EUSAGE (no layer yet), TB_EINPUT (GEOS cannot process the geometry),
 * TB_ETOOBIG (the tile would pass TB_MVT_MAX_BYTES), TB_ENOMEM. */
int tb_mvt_add(tb_mvt *t, const GEOSGeometry *g, uint64_t id, const json_t *props, tb_err *e);

/* Number of features added so far, all layers together. */
size_t tb_mvt_count(const tb_mvt *t);

/* Serialise the tile (uncompressed protobuf).  Returns malloc'd bytes that
 * the caller frees, and their number in *size.  A tile without features has
 * *size = 0 (answer 204) and still returns an allocation to free, so NULL
 * means only that memory ran out.  The tile is left as it was: more features
 * may be added and the tile serialised again. */
unsigned char *tb_mvt_finish(const tb_mvt *t, size_t *size);

/* The lon/lat box of tile z/x/y grown by buffer/extent of a tile on every
 * side, for the bounding-box query that selects its features; clamped to
 * ±180° and, at the edges of the Mercator world, to ±90°. */
void tb_mvt_bounds(int z, int x, int y, int extent, int buffer, double *minlon, double *minlat,
                   double *maxlon, double *maxlat);

#endif
