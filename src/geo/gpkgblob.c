/* gpkgblob.c — GeoPackage binary geometry (OGC GeoPackage 1.3 §2.1.3): an
 * 8-byte header ("GP", version, flags, srs_id), an optional envelope, then
 * standard WKB.  We write little-endian with an XY envelope; we read every
 * variant the standard allows and refuse malformed blobs without ever
 * reading past their end, since blobs come from files other programs wrote. */
#include "geo/geo.h"
#include "geo/geo_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
	GP_FIXED = 8,          /* magic, version, flags, srs_id */
	GP_FLAG_LITTLE = 0x01, /* header byte order: 1 = little endian */
	GP_FLAG_ENV_SHIFT = 1, /* bits 1-3: envelope contents indicator */
	GP_FLAG_ENV_MASK = 0x07,
	GP_FLAG_EMPTY = 0x10,
	GP_FLAG_EXTENDED = 0x20 /* GeoPackage extension geometry types */
};

/* Doubles in the envelope for each indicator: none, xy, xyz, xym, xyzm. */
static const int env_doubles[] = {0, 4, 6, 6, 8};

struct gp_header {
	int little;   /* header byte order */
	int env_kind; /* envelope contents indicator, 0..4 */
	int empty;    /* empty-geometry flag */
	int32_t srs_id;
	double env[8]; /* minx, maxx, miny, maxy [, minz, maxz] [, minm, maxm] */
	size_t size;   /* header length: where the WKB starts */
};

/* ---- byte order ---------------------------------------------------------- */

static uint64_t get_uint(const unsigned char *p, int n, int little)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[little ? n - 1 - i : i];
	return v;
}

static double get_f64(const unsigned char *p, int little)
{
	uint64_t bits = get_uint(p, 8, little);
	double d;
	memcpy(&d, &bits, sizeof d);
	return d;
}

static void put_u32le(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put_f64le(unsigned char *p, double d)
{
	uint64_t bits;
	memcpy(&bits, &d, sizeof bits);
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(bits >> (8 * i));
}

/* ---- header -------------------------------------------------------------- */

static int parse_header(const unsigned char *p, size_t n, struct gp_header *hd, tb_err *e)
{
	if (!p || n < GP_FIXED)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
		                  "GeoPackage geometry too short: %zu bytes, the header alone is 8",
		                  n);
	if (p[0] != 'G' || p[1] != 'P')
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
		                  "not a GeoPackage geometry: magic is 0x%02x 0x%02x, not \"GP\"",
		                  p[0], p[1]);
	if (p[2] != 0)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
		                  "unsupported GeoPackage geometry version %u (only 0)", p[2]);
	unsigned flags = p[3];
	if (flags & GP_FLAG_EXTENDED)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
		                  "GeoPackage extended geometry types are not supported");
	hd->little = flags & GP_FLAG_LITTLE;
	hd->env_kind = (int)((flags >> GP_FLAG_ENV_SHIFT) & GP_FLAG_ENV_MASK);
	hd->empty = (flags & GP_FLAG_EMPTY) != 0;
	if (hd->env_kind > 4)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
		                  "invalid GeoPackage envelope contents indicator %d",
		                  hd->env_kind);
	hd->srs_id = (int32_t)(uint32_t)get_uint(p + 4, 4, hd->little);
	int nd = env_doubles[hd->env_kind];
	hd->size = GP_FIXED + 8 * (size_t)nd;
	if (n < hd->size)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry",
		                  "GeoPackage geometry truncated: %zu bytes, its header needs %zu",
		                  n, hd->size);
	for (int i = 0; i < nd; i++)
		hd->env[i] = get_f64(p + GP_FIXED + 8 * i, hd->little);
	return 0;
}

/* ---- WKB ---------------------------------------------------------------- */

/* A new geometry from WKB of either byte order (GEOS checks every length
 * against the buffer), with the blob's srs_id as its SRID. */
static GEOSGeometry *read_wkb(const unsigned char *wkb, size_t n, int32_t srs_id, tb_err *e)
{
	if (n == 0) {
		tb_err_set(e, TB_EINPUT, NULL, "geometry",
		           "GeoPackage geometry has no WKB after its header");
		return NULL;
	}
	GEOSContextHandle_t h = tb_geos();
	GEOSWKBReader *r = GEOSWKBReader_create_r(h);
	if (!r) {
		tb_err_set(e, TB_ENOMEM, NULL, "geometry", "out of memory creating a WKB reader");
		return NULL;
	}
	tb__geos_clear_error();
	GEOSGeometry *g = GEOSWKBReader_read_r(h, r, wkb, n);
	GEOSWKBReader_destroy_r(h, r);
	if (!g) {
		tb_err_set(e, TB_EINPUT, NULL, "geometry", "bad WKB in GeoPackage geometry: %s",
		           tb__geos_reason("unreadable"));
		return NULL;
	}
	GEOSSetSRID_r(h, g, srs_id);
	return g;
}

/* g as ISO WKB, little-endian, 2D; GEOS-allocated (free with GEOSFree_r). */
static unsigned char *write_wkb(GEOSContextHandle_t h, const GEOSGeometry *g, size_t *n)
{
	GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
	if (!w) return NULL;
	GEOSWKBWriter_setByteOrder_r(h, w, GEOS_WKB_NDR);
	GEOSWKBWriter_setOutputDimension_r(h, w, 2);
	GEOSWKBWriter_setFlavor_r(h, w, GEOS_WKB_ISO);
	unsigned char *wkb = GEOSWKBWriter_write_r(h, w, g, n);
	GEOSWKBWriter_destroy_r(h, w);
	return wkb;
}

/* ---- public --------------------------------------------------------------- */

unsigned char *tb_gpkg_encode(const GEOSGeometry *g, int32_t srs_id, size_t *size)
{
	if (size) *size = 0;
	if (!g || !size) return NULL;
	GEOSContextHandle_t h = tb_geos();
	char empty = GEOSisEmpty_r(h, g);
	double minx = 0, miny = 0, maxx = 0, maxy = 0;
	if (empty == 2 || (!empty && !GEOSGeom_getExtent_r(h, g, &minx, &miny, &maxx, &maxy)))
		return NULL;
	size_t wlen = 0;
	unsigned char *wkb = write_wkb(h, g, &wlen);
	if (!wkb) return NULL;
	size_t hlen = GP_FIXED + (empty ? 0 : 32);
	unsigned char *blob = malloc(hlen + wlen);
	if (blob) {
		blob[0] = 'G';
		blob[1] = 'P';
		blob[2] = 0;
		blob[3] = (unsigned char)(GP_FLAG_LITTLE |
		                          (empty ? GP_FLAG_EMPTY : 1 << GP_FLAG_ENV_SHIFT));
		put_u32le(blob + 4, (uint32_t)srs_id);
		if (!empty) {
			const double env[4] = {minx, maxx, miny, maxy}; /* the standard's order */
			for (int i = 0; i < 4; i++)
				put_f64le(blob + GP_FIXED + 8 * i, env[i]);
		}
		memcpy(blob + hlen, wkb, wlen);
		*size = hlen + wlen;
	}
	GEOSFree_r(h, wkb);
	return blob;
}

GEOSGeometry *tb_gpkg_decode(const void *blob, size_t size, tb_err *e)
{
	struct gp_header hd = {0};
	if (parse_header(blob, size, &hd, e)) return NULL;
	return read_wkb((const unsigned char *)blob + hd.size, size - hd.size, hd.srs_id, e);
}

static void put_env(double *minx, double *maxx, double *miny, double *maxy, const double env[4])
{
	if (minx) *minx = env[0];
	if (maxx) *maxx = env[1];
	if (miny) *miny = env[2];
	if (maxy) *maxy = env[3];
}

int tb_gpkg_envelope(const void *blob, size_t size, double *minx, double *maxx, double *miny,
                     double *maxy)
{
	struct gp_header hd = {0};
	if (parse_header(blob, size, &hd, NULL)) return TB_EINPUT;
	if (hd.empty) return 1;
	/* Some writers put NaN in the envelope; then the WKB decides. */
	if (hd.env_kind && isfinite(hd.env[0]) && isfinite(hd.env[1]) && isfinite(hd.env[2]) &&
	    isfinite(hd.env[3])) {
		put_env(minx, maxx, miny, maxy, hd.env);
		return 0;
	}
	GEOSGeometry *g = read_wkb((const unsigned char *)blob + hd.size, size - hd.size, 0, NULL);
	if (!g) return TB_EINPUT;
	GEOSContextHandle_t h = tb_geos();
	double env[4];
	char empty = GEOSisEmpty_r(h, g);
	int rc = empty == 1 ? 1 : TB_EINPUT;
	if (empty == 0 && GEOSGeom_getExtent_r(h, g, &env[0], &env[2], &env[1], &env[3])) {
		put_env(minx, maxx, miny, maxy, env);
		rc = 0;
	}
	GEOSGeom_destroy_r(h, g);
	return rc;
}
