/* change.h — satellite change detection over natural forest (plan §3.1.3,
 * "卫星遥感…全方位监测网络"): two multi-band images of the same place, BEFORE
 * and AFTER, in any CRS.  The analysis grid is AFTER's; BEFORE (and any
 * cloud-mask raster) is warped onto it when its grid differs.  For every
 * pixel whose centre lies in a natural-forest parcel (小班, natural = 1) and
 * which is not nodata or cloud in either image:
 *     ΔNDVI = NDVI_after − NDVI_before, ΔNBR likewise where SWIR exists;
 * a loss pixel has ΔNDVI ≤ ndvi_threshold and (combine "and", the default)
 * ΔNBR ≤ nbr_threshold when SWIR exists.  Loss pixels are grouped into
 * patches (8-connected components, streamed strip by strip with a union-find
 * on labels: memory O(width + open patches), never O(pixels)).  Patches below
 * the minimum mapping unit (ellipsoidal area, default 0.0667 ha = 1 亩) are
 * dropped.  Each patch gets its polygon (EPSG:4490), ellipsoidal area, the
 * parcels it lies in, and a confidence from the magnitude of the loss.
 * Defaults: data/jizhou/change.json.  Recording as alerts: tb_change_record. */
#ifndef TB_MONITOR_CHANGE_H
#define TB_MONITOR_CHANGE_H

#include "db/db.h"
#include "db/write.h"

#include <geos_c.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define TB_CHANGE_MAX_MASKS 4

typedef struct tb_change_opts {
	int red, nir, swir;          /* 1-based band numbers (both images); swir 0 = absent    */
	int cloud_band;              /* AFTER's band that is a cloud mask (non-zero = cloud)    */
	int before_cloud_band;       /* BEFORE's band that is a cloud mask, 0 = none             */
	const char *cloud_masks[TB_CHANGE_MAX_MASKS]; /* mask rasters (non-zero = cloud), NULL */
	double ndvi_threshold;       /* ≤ 0; a loss pixel has ΔNDVI ≤ this                       */
	double nbr_threshold;        /* ≤ 0; used only with swir                                 */
	bool combine_or;             /* ΔNDVI or ΔNBR instead of and                             */
	double mmu_ha;               /* minimum mapping unit, ellipsoidal ha                     */
	double conf_scale, conf_min, conf_max;
	int strip_rows;              /* rows per read (rounded to the block height)              */
	char resampling[16];         /* BEFORE warp: near, bilinear, cubic …                      */
	bool no_forest_mask;         /* analyse every pixel (raw use; forest may be NULL)        */
	/* progress: called after each strip with rows done and total rows */
	void (*progress)(void *ctx, int64_t done, int64_t total);
	void *progress_ctx;
} tb_change_opts;

/* Defaults from data/jizhou/change.json.  TB_EINPUT naming the key when
 * the file is malformed. */
int tb_change_defaults(tb_change_opts *o, tb_err *e);

/* The natural-forest parcels: code + geometry in EPSG:4490 (copied). */
typedef struct tb_change_forest {
	char **codes;
	GEOSGeometry **geoms;
	size_t n, cap;
} tb_change_forest;

int tb_change_forest_add(tb_change_forest *f, const char *code, const GEOSGeometry *g4490);
/* Every active natural parcel of the registry. */
int tb_change_forest_load(tb_db *db, tb_change_forest *f, tb_err *e);
void tb_change_forest_free(tb_change_forest *f);

typedef struct tb_change_patch {
	int64_t pixels;
	double area_ha;          /* ellipsoidal, CGCS2000                         */
	double mean_dndvi, min_dndvi;
	double mean_dnbr;        /* NAN without SWIR                               */
	double confidence;       /* conf_min … conf_max                            */
	double lon, lat;         /* a point inside the patch (EPSG:4490)           */
	int row0, row1, col0, col1; /* pixel bounding box, inclusive, analysis grid */
	GEOSGeometry *geom;      /* MultiPolygon, EPSG:4490                        */
	char **parcels;          /* codes of the parcels it lies in, sorted        */
	size_t nparcels;
	/* filled by tb_change_record */
	int64_t alert_id;
	bool merged;
} tb_change_patch;

typedef struct tb_change_result {
	tb_change_patch *patches; /* largest first */
	size_t n;
	int width, height;
	double pixel_ha;          /* ellipsoidal area of the centre pixel          */
	bool warped;              /* BEFORE was warped onto AFTER's grid           */
	char crs[64];             /* analysis CRS, "EPSG:4527" or "custom"          */
	char acquired[32];        /* AFTER's acquisition time (ISO 8601) or ""      */
	int64_t forest_px;        /* pixels in natural forest                       */
	int64_t masked_px;        /* forest pixels masked (nodata, cloud, 0/0)      */
	int64_t loss_px;          /* loss pixels                                    */
	int64_t dropped_mmu;      /* patches dropped below the MMU                  */
	int64_t dropped_px;       /* their pixels                                   */
} tb_change_result;

/* AFTER's acquisition time (TIFF/IMAGERY metadata) as ISO 8601 UTC into
 * out, "" when the image has none; reads only the header, so the caller can
 * ask before an analysis that would be recorded.  TB_EIO when the file does
 * not open. */
int tb_change_acquired(const char *path, char *out, size_t n, tb_err *e);

/* Detect loss patches.  Pure: reads the two rasters (and mask rasters),
 * writes nothing.  forest may be NULL only with o->no_forest_mask.  Errors:
 * TB_EIO (file), TB_EINPUT naming the file and field ("band", "crs"). */
int tb_change_detect(const char *before, const char *after, const tb_change_opts *o,
		     const tb_change_forest *forest, tb_change_result *r, tb_err *e);
void tb_change_result_free(tb_change_result *r);

/* The result as JSON: {"patches": [{"area_ha", "parcels", "confidence",
 * "pixels", "mean_dndvi", "min_dndvi", "lon", "lat", "bbox", "geometry"
 * (GeoJSON), "alert_id"?}], "summary": {...}}.  New reference. */
json_t *tb_change_result_json(const tb_change_result *r, const tb_change_opts *o, bool geometry);

/* Record every patch as an alert (tb_alert_raise: source "satellite",
 * type "forest_loss", observed_at, polygon, confidence, external_id
 * "<scene>@<observed_at>#r<row0>c<col0>" so that running the same scene
 * again merges into the same alerts).  Stops at the first failure (earlier
 * alerts stay: each is its own transaction); *done = patches recorded. */
int tb_change_record(tb_db *db, const tb_actor *who, tb_change_result *r, const char *scene,
		     const char *observed_at, size_t *done, tb_err *e);

#endif
