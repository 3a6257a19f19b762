/* ogr_util.c — GDAL/OGR plumbing (see ogr_util.h).  Shapefiles from bureaus
 * often carry GBK text without a .cpg; when neither a .cpg, a DBF language
 * id nor --encoding says what the text is, the strings are read raw and
 * taken as UTF-8 if they all are, else as GB18030 (a superset of GBK). */
#include "io/ogr_util.h"

#include "base/num.h"
#include "base/utf8.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void quiet(CPLErr cls, CPLErrorNum no, const char *msg)
{
	(void)cls, (void)no, (void)msg;
}

static void do_init(void)
{
	GDALAllRegister();
	CPLSetErrorHandler(quiet);
}

void tb_ogr_init(void)
{
	pthread_once(&once, do_init);
}

const char *tb_ogr_shown(const char *s, char *out, size_t size)
{
	tb_utf8_escape(s ? s : "", s ? strlen(s) : 0, out, size);
	return out;
}

static void on_error(CPLErr cls, CPLErrorNum no, const char *msg)
{
	(void)no;
	tb_ogr_errors *c = CPLGetErrorHandlerUserData();
	if (!c || cls < CE_Failure) return;
	if (!c->failures++) tb_ogr_shown(msg, c->first, sizeof c->first);
	tb_ogr_shown(msg, c->last, sizeof c->last);
}

void tb_ogr_catch(tb_ogr_errors *c)
{
	tb_ogr_init();
	memset(c, 0, sizeof *c);
	CPLErrorReset();
	CPLPushErrorHandlerEx(on_error, c);
}

void tb_ogr_uncatch(void)
{
	CPLPopErrorHandler();
}

OGRFeatureH tb_ogr_next(OGRLayerH layer, tb_ogr_errors *c)
{
	CPLPushErrorHandlerEx(on_error, c);
	OGRFeatureH f = OGR_L_GetNextFeature(layer);
	CPLPopErrorHandler();
	return f;
}

void tb_ogr_errors_text(const tb_ogr_errors *c, char *buf, size_t size)
{
	if (c->failures > 1 && strcmp(c->first, c->last))
		snprintf(buf, size, "%s; %s", c->first, c->last);
	else
		snprintf(buf, size, "%s", c->failures ? c->first : "");
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

/* Sibling file with another extension ("x.shp" → "x.cpg" or "x.CPG") into
 * p; false when neither exists. */
static bool sibling(const char *path, const char *ext, char *p, size_t size)
{
	snprintf(p, size, "%s", path);
	char *dot = strrchr(p, '.');
	if (!dot) return false;
	snprintf(dot, size - (size_t)(dot - p), "%s", ext);
	if (access(p, R_OK) == 0) return true;
	for (char *c = dot + 1; *c; c++) *c = (char)(*c - 32 * (*c >= 'a' && *c <= 'z'));
	return access(p, R_OK) == 0;
}

static bool sibling_exists(const char *path, const char *ext)
{
	char p[4096];
	return sibling(path, ext, p, sizeof p);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/* Records counted by a shapefile's index (.shx: 100-byte header, 8 bytes
 * a record; the file length in 16-bit words at byte 24, big-endian) and by
 * its attribute table (.dbf: the count at byte 4, header and record lengths
 * at bytes 8 and 10, little-endian) — the header's count and what the file
 * really holds.  -1 when a file cannot be read. */
static void shp_counts(const char *shx, const char *dbf, long *n_shx, long *n_dbf, long *n_dbf_held)
{
	unsigned char h[32];
	*n_shx = *n_dbf = *n_dbf_held = -1;
	VSILFILE *f = VSIFOpenL(shx, "rb"); /* VSI: plain files and members of a zip alike */
	if (f && VSIFReadL(h, 1, 28, f) == 28) {
		long words = (long)h[24] << 24 | (long)h[25] << 16 | (long)h[26] << 8 | (long)h[27];
		*n_shx = (words * 2 - 100) / 8;
	}
	if (f) VSIFCloseL(f);
	f = VSIFOpenL(dbf, "rb");
	if (f && VSIFReadL(h, 1, 32, f) == 32) {
		*n_dbf = (long)h[4] | (long)h[5] << 8 | (long)h[6] << 16 | (long)h[7] << 24;
		long header = h[8] | h[9] << 8, reclen = h[10] | h[11] << 8;
		if (VSIFSeekL(f, 0, SEEK_END) == 0 && reclen > 0) {
			long size = (long)VSIFTellL(f);
			*n_dbf_held = size >= header ? (size - header) / reclen : 0;
		}
	}
	if (f) VSIFCloseL(f);
}

/* The .dbf of a truncated copy holds fewer records than its header
 * counts; the .shx and the .dbf must count the same records. */
static int check_counts(const char *shx, const char *dbf, const char *shown, tb_err *e)
{
	long n_shx, n_dbf, held;
	char dbf_shown[512];
	shp_counts(shx, dbf, &n_shx, &n_dbf, &held);
	if (n_dbf >= 0 && held >= 0 && held < n_dbf)
		return tb_err_set(e, TB_EINPUT, shown, NULL,
				  "the attribute table %s is truncated: its header counts %ld records but the "
				  "file holds only %ld; nothing was imported (copy the file again)",
				  base_name(tb_ogr_shown(dbf, dbf_shown, sizeof dbf_shown)), n_dbf, held);
	if (n_shx >= 0 && n_dbf >= 0 && n_shx != n_dbf)
		return tb_err_set(e, TB_EINPUT, shown, NULL,
				  "the shapes (.shp/.shx: %ld records) and the attribute table (.dbf: %ld "
				  "records) do not agree; nothing was imported",
				  n_shx, n_dbf);
	return 0;
}

/* A zipped shapefile: the same checks on the members GDAL opened. */
static int check_zipped_shapefile(GDALDatasetH ds, const char *shown, tb_err *e)
{
	GDALDriverH drv = GDALGetDatasetDriver(ds);
	if (!drv || strcmp(GDALGetDriverShortName(drv), "ESRI Shapefile")) return 0;
	char **files = GDALGetFileList(ds);
	const char *shx = NULL, *dbf = NULL;
	int layers = GDALDatasetGetLayerCount(ds);
	for (char **p = files; p && *p; p++) {
		if (ends_with(*p, ".shx")) shx = *p;
		if (ends_with(*p, ".dbf")) dbf = *p;
	}
	int rc = 0;
	if (layers == 1 && (!shx || !dbf))
		rc = tb_err_set(e, TB_EINPUT, shown, NULL,
				"the zipped shapefile has no %s file: a shapefile is the .shp, .shx and .dbf files together",
				!dbf ? "attribute table (.dbf)" : "index (.shx)");
	else if (layers == 1)
		rc = check_counts(shx, dbf, shown, e);
	CSLDestroy(files);
	return rc;
}

/* A shapefile is three files that must agree: refuse a missing .dbf or
 * .shx, a truncated .dbf, and record counts that differ. */
static int check_shapefile(const char *path, tb_err *e)
{
	char dbf[4096], shx[4096], shown[512];
	tb_ogr_shown(path, shown, sizeof shown);
	bool have_dbf = sibling(path, ".dbf", dbf, sizeof dbf), have_shx = sibling(path, ".shx", shx, sizeof shx);
	if (!have_dbf || !have_shx) {
		char stem[512];
		snprintf(stem, sizeof stem, "%s", base_name(shown));
		char *dot = strrchr(stem, '.');
		if (dot) *dot = 0;
		return tb_err_set(e, TB_EINPUT, shown, NULL,
				  "the shapefile's %s %s%s is missing (a shapefile is the .shp, .shx and .dbf "
				  "files together; zip them into one .zip to be sure)",
				  have_dbf ? "index" : "attribute table", stem, have_dbf ? ".shx" : ".dbf");
	}
	return check_counts(shx, dbf, shown, e);
}

/* The DBF language driver id (byte 29), 0 when unset or unreadable. */
static int dbf_ldid(const char *shp)
{
	char p[4096];
	if (!sibling(shp, ".dbf", p, sizeof p)) return 0;
	FILE *f = fopen(p, "rb");
	if (!f) return 0;
	unsigned char h[32];
	int id = fread(h, 1, 32, f) == 32 ? h[29] : 0;
	fclose(f);
	return id;
}

static GDALDatasetH open_ds(const char *path, const char *encoding)
{
	char opt[64];
	const char *opts[4] = {NULL, NULL, NULL, NULL};
	int n = 0;
	if (encoding) {
		snprintf(opt, sizeof opt, "ENCODING=%s", encoding);
		opts[n++] = opt;
	}
	if (ends_with(path, ".csv")) { /* the WKT column is the geometry, not an attribute */
		opts[n++] = "GEOM_POSSIBLE_NAMES=WKT,GEOM,GEOMETRY,THE_GEOM,SHAPE";
		opts[n++] = "KEEP_GEOM_COLUMNS=NO";
	}
	return GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, opts, NULL);
}

/* True when every string of the layer is valid UTF-8 (read raw). */
static bool all_utf8(OGRLayerH layer)
{
	OGRFeatureDefnH d = OGR_L_GetLayerDefn(layer);
	int nf = OGR_FD_GetFieldCount(d);
	OGRFeatureH f;
	bool ok = true;
	OGR_L_ResetReading(layer);
	while (ok && (f = OGR_L_GetNextFeature(layer))) {
		for (int i = 0; ok && i < nf; i++) {
			if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(d, i)) != OFTString) continue;
			const char *s = OGR_F_GetFieldAsString(f, i);
			ok = tb_utf8_valid(s, strlen(s), NULL);
		}
		OGR_F_Destroy(f);
	}
	OGR_L_ResetReading(layer);
	return ok;
}

static OGRLayerH pick_layer(GDALDatasetH ds, const char *name)
{
	return name ? GDALDatasetGetLayerByName(ds, name) : GDALDatasetGetLayer(ds, 0);
}

int tb_ogr_open(const char *path, const char *encoding, const char *layer, tb_ogr_file *f,
		tb_err *e)
{
	tb_ogr_init();
	memset(f, 0, sizeof *f);
	char shown[512];
	tb_ogr_shown(path, shown, sizeof shown);
	if (access(path, R_OK) != 0)
		return tb_err_set(e, TB_EUSAGE, shown, NULL, "cannot read the file");
	char vpath[4200];
	bool zip = ends_with(path, ".zip");
	snprintf(vpath, sizeof vpath, "%s%s", zip ? "/vsizip/" : "", path);
	bool shp = ends_with(path, ".shp");
	if (shp) {
		int rc = check_shapefile(path, e);
		if (rc) return rc;
	}
	const char *enc = encoding;
	bool sniff = shp && !encoding && !sibling_exists(path, ".cpg") && dbf_ldid(path) == 0;
	tb_ogr_errors c;
	tb_ogr_catch(&c);
	f->ds = open_ds(vpath, sniff ? "" : enc);
	tb_ogr_uncatch();
	if (!f->ds || c.failures) {
		char why[520];
		tb_ogr_errors_text(&c, why, sizeof why);
		tb_ogr_close(f);
		return tb_err_set(e, TB_EINPUT, shown, NULL, "%s: %s",
				  c.failures ? "the file cannot be read" : "not a GIS file GDAL can read",
				  c.failures ? why : "unknown format");
	}
	if (zip) {
		int rc = check_zipped_shapefile(f->ds, shown, e);
		if (rc) {
			tb_ogr_close(f);
			return rc;
		}
	}
	f->layer = pick_layer(f->ds, layer);
	if (!f->layer) {
		char ln[256];
		tb_ogr_close(f);
		return tb_err_set(e, TB_EINPUT, shown, "layer", layer ? "no layer named '%s' in the file" : "the file has no layers%s",
				  layer ? tb_ogr_shown(layer, ln, sizeof ln) : "");
	}
	if (sniff && !all_utf8(f->layer)) {
		GDALClose(f->ds);
		f->ds = open_ds(vpath, "GB18030");
		f->layer = f->ds ? pick_layer(f->ds, layer) : NULL;
		snprintf(f->encoding, sizeof f->encoding, "GB18030 (detected)");
		if (!f->layer) return tb_err_set(e, TB_EINPUT, shown, NULL, "cannot reopen as GB18030");
	} else if (sniff)
		snprintf(f->encoding, sizeof f->encoding, "UTF-8 (detected)");
	else if (enc)
		snprintf(f->encoding, sizeof f->encoding, "%s", enc);
	else {
		const char *src = shp ? GDALGetMetadataItem((GDALMajorObjectH)f->layer, "SOURCE_ENCODING", "SHAPEFILE") : NULL;
		snprintf(f->encoding, sizeof f->encoding, "%s", src && *src ? src : "UTF-8");
	}
	return 0;
}

void tb_ogr_close(tb_ogr_file *f)
{
	if (f->ds) GDALClose(f->ds);
	f->ds = NULL;
	f->layer = NULL;
}

OGRSpatialReferenceH tb_ogr_srs_4490(void)
{
	OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
	OSRImportFromEPSG(s, 4490);
	OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
	return s;
}

static int epsg_of(OGRSpatialReferenceH s)
{
	const char *auth = OSRGetAuthorityName(s, NULL), *code = OSRGetAuthorityCode(s, NULL);
	long num;
	if (auth && code && !strcasecmp(auth, "EPSG")) return tb_num_long(code, 1, INT32_MAX, &num) ? (int)num : 0;
	const char *const opts[] = {NULL};
	int *conf = NULL, n = 0;
	OGRSpatialReferenceH *m = OSRFindMatches(s, (char **)opts, &n, &conf);
	int epsg = 0;
	if (m && n > 0 && conf[0] >= 90) {
		auth = OSRGetAuthorityName(m[0], NULL);
		code = OSRGetAuthorityCode(m[0], NULL);
		if (auth && code && !strcasecmp(auth, "EPSG") && tb_num_long(code, 1, INT32_MAX, &num)) epsg = (int)num;
	}
	OSRFreeSRSArray(m);
	CPLFree(conf);
	return epsg;
}

static int srs_from_input(const char *def, OGRSpatialReferenceH *out, tb_err *e)
{
	*out = OSRNewSpatialReference(NULL);
	if (OSRSetFromUserInput(*out, def) != OGRERR_NONE) {
		OSRRelease(*out);
		*out = NULL;
		return tb_err_set(e, TB_EUSAGE, NULL, "srs", "unknown coordinate system '%s'", def);
	}
	return 0;
}

/* A declared GK CM 117°E (4548) CRS whose eastings carry the zone prefix
 * 39 is really zone 39 with prefix (4527): a common labelling slip. */
static int fix_zone_prefix(int epsg, const OGREnvelope *env)
{
	if (epsg == 4548 && env->MinX > 39e6 && env->MaxX < 40e6) return 4527;
	if (epsg == 4527 && env->MaxX < 1e6 && env->MinX > 1e5) return 4548;
	return epsg;
}

int tb_ogr_transform_to_4490(OGRLayerH layer, const char *override,
			     OGRCoordinateTransformationH *ct, char *name, size_t size, tb_err *e)
{
	*ct = NULL;
	OGREnvelope env = {0};
	bool have_env = OGR_L_GetExtent(layer, &env, 1) == OGRERR_NONE;
	OGRSpatialReferenceH src = NULL;
	int rc = 0;
	if (override) rc = srs_from_input(override, &src, e);
	else if (OGR_L_GetSpatialRef(layer)) src = OSRClone(OGR_L_GetSpatialRef(layer));
	if (rc) return rc;
	int epsg = src ? epsg_of(src) : 0;
	int fixed = have_env && !override ? fix_zone_prefix(epsg, &env) : epsg;
	if (!src || fixed != epsg) {
		bool declared = src != NULL;
		int guess = declared ? fixed : have_env ? tb_crs_guess(env.MinX, env.MinY, env.MaxX, env.MaxY) : 0;
		if (src) OSRRelease(src);
		if (!guess)
			return tb_err_set(e, TB_EINPUT, NULL, "geometry",
					  "the file declares no coordinate system and its coordinates "
					  "(x %.0f–%.0f, y %.0f–%.0f) fit none of EPSG:4490, 4527, 4548; give --srs",
					  env.MinX, env.MaxX, env.MinY, env.MaxY);
		src = OSRNewSpatialReference(NULL);
		OSRImportFromEPSG(src, guess);
		if (declared)
			snprintf(name, size, "EPSG:%d (declared EPSG:%d; zone prefix corrected)", guess, epsg);
		else
			snprintf(name, size, "EPSG:%d (guessed from coordinates)", guess);
		epsg = guess;
	} else if (epsg)
		snprintf(name, size, "EPSG:%d", epsg);
	else
		snprintf(name, size, "%s", OSRGetName(src) ? OSRGetName(src) : "declared CRS");
	OSRSetAxisMappingStrategy(src, OAMS_TRADITIONAL_GIS_ORDER);
	if (epsg == 4490) {
		OSRRelease(src);
		return 0;
	}
	OGRSpatialReferenceH dst = tb_ogr_srs_4490();
	*ct = OCTNewCoordinateTransformation(src, dst);
	OSRRelease(src);
	OSRRelease(dst);
	if (!*ct)
		return tb_err_set(e, TB_EINPUT, NULL, "geometry", "no transformation from %s to EPSG:4490: %s",
				  name, CPLGetLastErrorMsg());
	return 0;
}

GEOSGeometry *tb_ogr_to_geos(OGRGeometryH g)
{
	size_t n = (size_t)OGR_G_WkbSize(g);
	unsigned char *wkb = malloc(n);
	if (!wkb) return NULL;
	GEOSGeometry *out = NULL;
	if (OGR_G_ExportToIsoWkb(g, wkbNDR, wkb) == OGRERR_NONE) {
		GEOSWKBReader *rd = GEOSWKBReader_create_r(tb_geos());
		out = GEOSWKBReader_read_r(tb_geos(), rd, wkb, n);
		GEOSWKBReader_destroy_r(tb_geos(), rd);
	}
	free(wkb);
	return out;
}

OGRGeometryH tb_geos_to_ogr(const GEOSGeometry *g)
{
	GEOSWKBWriter *w = GEOSWKBWriter_create_r(tb_geos());
	GEOSWKBWriter_setByteOrder_r(tb_geos(), w, GEOS_WKB_NDR);
	size_t n;
	unsigned char *wkb = GEOSWKBWriter_write_r(tb_geos(), w, g, &n);
	GEOSWKBWriter_destroy_r(tb_geos(), w);
	OGRGeometryH out = NULL;
	if (wkb) OGR_G_CreateFromWkb(wkb, NULL, &out, (int)n);
	GEOSFree_r(tb_geos(), wkb);
	return out;
}
