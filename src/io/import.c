/* import.c — reading GIS files into described records (see gis.h).
 *
 * The steps: open the file (sniffing the text encoding of shapefiles that do
 * not declare one), decide the CRS (declared, overridden, or guessed from
 * the coordinates), map columns to fields, then read every feature into a
 * record and hand it to the resource's writer inside one transaction.  All
 * problems are collected; any problem rolls the whole import back. */
#include "io/gis.h"

#include "base/hash.h"
#include "base/utf8.h"
#include "db/event.h"
#include "db/gpkg.h"
#include "io/ogr_util.h"

#include <gdal.h>
#include <sodium.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <cpl_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tb_import_report_free(tb_import_report *rep)
{
	json_decref(rep->repairs);
	json_decref(rep->columns);
	json_decref(rep->codes);
	memset(rep, 0, sizeof *rep);
}

/* ---- column mapping ----------------------------------------------------------- */

typedef struct colmap {
	int nfields;
	const tb_field **field; /* per OGR field: the resource field, or NULL */
} colmap;

static bool system_column(const char *n)
{
	return !strcasecmp(n, "fid") || !strcasecmp(n, "version") || !strcasecmp(n, "created_at") ||
	       !strcasecmp(n, "updated_at") || !strcasecmp(n, "ogc_fid");
}

static int map_columns(const tb_resource *r, OGRFeatureDefnH defn, colmap *m,
		       tb_import_report *rep, tb_errlist *errs, const char *file)
{
	m->nfields = OGR_FD_GetFieldCount(defn);
	m->field = calloc((size_t)m->nfields + 1, sizeof *m->field);
	rep->columns = json_object();
	for (int i = 0; i < m->nfields; i++) {
		const char *name = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
		const tb_field *f = system_column(name) ? NULL : tb_resource_match(r, name);
		if (f && f->flags & TB_COMPUTED) { /* e.g. MIAN_JI: recomputed, never read */
			char note[96];
			snprintf(note, sizeof note, "%s (recomputed)", f->name);
			json_object_set_new(rep->columns, name, json_string(note));
			m->field[i] = NULL;
			continue;
		}
		m->field[i] = f;
		json_object_set_new(rep->columns, name, f ? json_string(f->name) : json_null());
	}
	int missing = 0;
	for (int k = 0; k < r->nfields; k++) {
		const tb_field *f = &r->fields[k];
		if (!(f->flags & TB_REQUIRED)) continue;
		bool have = false;
		for (int i = 0; i < m->nfields; i++) have |= m->field[i] == f;
		if (!have) {
			tb_errlist_addf(errs, TB_EINPUT, file, f->name,
					"the file has no column for %s (%s%s%s)", f->label_zh, f->name,
					f->std_name ? ", " : "", f->std_name ? f->std_name : "");
			missing++;
		}
	}
	return missing;
}

static json_t *feature_props(OGRFeatureH f, const colmap *m, OGRFeatureDefnH defn)
{
	json_t *p = json_object();
	for (int i = 0; i < m->nfields; i++) {
		if (!m->field[i] || !OGR_F_IsFieldSetAndNotNull(f, i)) continue;
		OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i));
		json_t *v;
		if (t == OFTInteger || t == OFTInteger64) v = json_integer(OGR_F_GetFieldAsInteger64(f, i));
		else if (t == OFTReal) v = json_real(OGR_F_GetFieldAsDouble(f, i));
		else {
			const char *s = OGR_F_GetFieldAsString(f, i);
			v = json_string(s); /* NULL when not valid UTF-8 */
			if (!v) v = json_stringn_nocheck(s, strlen(s));
		}
		json_object_set_new(p, m->field[i]->name, v);
	}
	return p;
}

/* "feature 12 (小班 120119104-012-034)" */
static void record_name(const tb_resource *r, const json_t *p, int64_t n, char *buf, size_t size)
{
	const char *code = r->key ? json_string_value(json_object_get(p, r->key)) : NULL;
	char composed[96] = "";
	if (!code && json_object_get(p, "xiao_ban")) {
		snprintf(composed, sizeof composed, "%s-%s-%s",
			 json_string_value(json_object_get(p, "xiang")) ?: "?",
			 json_string_value(json_object_get(p, "lin_ban")) ?: "?",
			 json_string_value(json_object_get(p, "xiao_ban")) ?: "?");
		code = composed;
	}
	if (code) snprintf(buf, size, "feature %lld (%s %s)", (long long)n, r->label_zh, code);
	else snprintf(buf, size, "feature %lld", (long long)n);
}

/* Strings that are not valid UTF-8 mean a wrong --encoding. */
static int check_text(const json_t *p, const char *rec, tb_errlist *errs)
{
	const char *k;
	json_t *v;
	int bad = 0;
	json_object_foreach((json_t *)p, k, v)
	{
		if (!json_is_string(v)) continue;
		size_t off;
		if (!tb_utf8_valid(json_string_value(v), json_string_length(v), &off)) {
			tb_errlist_addf(errs, TB_EINPUT, rec, k,
					"text is not valid UTF-8 at byte %zu; give the file's encoding with --encoding (e.g. GBK)", off);
			bad++;
		}
	}
	return bad;
}

/* ---- geometry ---------------------------------------------------------------- */

static GEOSGeometry *feature_geom(OGRFeatureH f, OGRCoordinateTransformationH ct, const char *rec,
				  tb_errlist *errs)
{
	OGRGeometryH g = OGR_F_GetGeometryRef(f);
	if (!g || OGR_G_IsEmpty(g)) {
		tb_errlist_addf(errs, TB_EINPUT, rec, "geometry", "geometry is missing or empty");
		return NULL;
	}
	OGRGeometryH c = OGR_G_Clone(g);
	if (OGR_G_GetCoordinateDimension(c) > 2) OGR_G_FlattenTo2D(c);
	if (ct && OGR_G_Transform(c, ct) != OGRERR_NONE) {
		tb_errlist_addf(errs, TB_EINPUT, rec, "geometry",
				"coordinates cannot be transformed to CGCS2000 (EPSG:4490): %s",
				CPLGetLastErrorMsg());
		OGR_G_DestroyGeometry(c);
		return NULL;
	}
	GEOSGeometry *out = tb_ogr_to_geos(c);
	OGR_G_DestroyGeometry(c);
	if (!out) tb_errlist_addf(errs, TB_EINPUT, rec, "geometry", "unreadable geometry");
	return out;
}

static GEOSGeometry *maybe_repair(GEOSGeometry *g, const char *rec, const json_t *props,
				  int64_t n, const tb_import_opts *o, tb_import_report *rep)
{
	tb_err ve = {0};
	if (!o->repair || !tb_geom_check_polygonal(g, rec, &ve) || GEOSisEmpty_r(tb_geos(), g))
		return g;
	char what[512];
	GEOSGeometry *fixed = tb_geom_repair(g, what, sizeof what);
	if (!fixed) return g;
	GEOSGeom_destroy_r(tb_geos(), g);
	rep->repaired++;
	json_array_append_new(rep->repairs,
			      json_pack("{s:I,s:s?,s:s,s:s}", "feature", (json_int_t)n, "code",
					json_string_value(json_object_get(props, "code")), "was",
					ve.message, "what", what));
	return fixed;
}

/* ---- the import ---------------------------------------------------------------- */

static void progress(const tb_import_opts *o, int64_t i, int64_t n, bool done)
{
	if (!o->progress || !isatty(2) || n <= 0) return;
	if (!done && i % 256) return;
	int pct = (int)(i * 100 / n), bars = pct / 4;
	fprintf(stderr, "\r导入 importing %8lld/%lld [", (long long)i, (long long)n);
	for (int k = 0; k < 25; k++) fputc(k < bars ? '=' : k == bars ? '>' : ' ', stderr);
	fprintf(stderr, "] %3d%%%s", pct, done ? "\n" : "");
}

static int file_sha256(const char *path, char out[TB_SHA256_HEX])
{
	FILE *f = fopen(path, "rb");
	if (!f) return -1;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	unsigned char buf[65536], h[32];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_hash_sha256_update(&st, buf, n);
	fclose(f);
	crypto_hash_sha256_final(&st, h);
	tb_hex(h, 32, out);
	return 0;
}

static int read_features(tb_db *db, const tb_resource *r, OGRLayerH layer, const colmap *m,
			 OGRCoordinateTransformationH ct, tb_writer *w, const tb_import_opts *o,
			 tb_import_report *rep, tb_errlist *errs, tb_err *e)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
	int64_t total = OGR_L_GetFeatureCount(layer, 1), n = 0;
	OGRFeatureH f;
	int rc = 0;
	OGR_L_ResetReading(layer);
	while ((f = OGR_L_GetNextFeature(layer))) {
		n++;
		char rec[192];
		json_t *props = feature_props(f, m, defn);
		record_name(r, props, n, rec, sizeof rec);
		int bad = check_text(props, rec, errs);
		GEOSGeometry *g = r->geom ? feature_geom(f, ct, rec, errs) : NULL;
		if (g) g = maybe_repair(g, rec, props, n, o, rep);
		OGR_F_Destroy(f);
		if (!bad && (g || !r->geom)) {
			tb_record rr = {.props = props, .geom = g, .name = rec};
			tb_err fe = {0};
			if (!tb_writer_insert(w, &rr, errs, &fe)) {
				rep->imported++;
				if (r->key) json_array_append(rep->codes, json_object_get(props, r->key));
			} else if (fe.code != TB_EINPUT) {
				*e = fe; /* database failure: stop */
				rc = fe.code;
			}
			g = rr.geom;
		}
		if (g) GEOSGeom_destroy_r(tb_geos(), g);
		json_decref(props);
		progress(o, n, total, false);
		if (rc || tb_errlist_count(errs) >= 10000) break;
	}
	progress(o, n, total, true);
	rep->features = n;
	(void)db;
	return rc;
}

static int log_import(tb_db *db, const tb_resource *r, const tb_import_opts *o,
		      tb_import_report *rep, tb_err *e)
{
	char sha[TB_SHA256_HEX] = "";
	file_sha256(o->path, sha);
	const char *base = strrchr(o->path, '/');
	json_t *p = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:O,s:O}", "file", base ? base + 1 : o->path,
			      "sha256", sha, "layer", r->name, "features", (json_int_t)rep->features,
			      "imported", (json_int_t)rep->imported, "srs", rep->srs, "encoding",
			      rep->encoding, "columns", rep->columns, "repairs", rep->repairs);
	char action[64];
	snprintf(action, sizeof action, "%s.import", r->name);
	tb_event_in ev = {.actor = o->actor->login, .role = o->actor->role, .action = action,
			  .entity = r->name, .parcels = r->parcel_key ? rep->codes : NULL, .payload = p};
	int rc = tb_event_append(db, &ev, &rep->event_seq, e);
	json_decref(p);
	return rc;
}

int tb_import(tb_db *db, const tb_resource *r, const tb_import_opts *o, tb_import_report *rep,
	      tb_errlist *errs, tb_err *e)
{
	memset(rep, 0, sizeof *rep);
	rep->repairs = json_array();
	rep->codes = json_array();
	tb_ogr_file file;
	int rc = tb_ogr_open(o->path, o->encoding, o->src_layer, &file, e);
	if (rc) return rc;
	snprintf(rep->encoding, sizeof rep->encoding, "%s", file.encoding);
	OGRCoordinateTransformationH ct = NULL;
	if (r->geom) rc = tb_ogr_transform_to_4490(file.layer, o->srs, &ct, rep->srs, sizeof rep->srs, e);
	colmap m = {0};
	tb_writer *w = NULL;
	tb_write_ctx cx = {.actor = o->actor, .cause = o->path, .user = o->user};
	if (!rc && map_columns(r, OGR_L_GetLayerDefn(file.layer), &m, rep, errs, o->path))
		rc = TB_EINPUT;
	if (!rc) rc = tb_db_begin(db, e);
	if (rc) goto out;
	rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc && !(w = tb_writer_new(db, r, &cx, e))) rc = TB_EDB;
	if (!rc) rc = read_features(db, r, file.layer, &m, ct, w, o, rep, errs, e);
	if (!rc && errs->len) rc = TB_EINPUT;
	if (!rc && r->geom) rc = tb_gpkg_touch(db, r->name, "geom", e);
	if (!rc && !o->dry_run) rc = log_import(db, r, o, rep, e);
	if (!rc && !o->dry_run) rc = tb_db_commit(db, e);
	else tb_db_rollback(db);
out:
	if (rc == TB_EINPUT && errs->len) *e = errs->items[0];
	if (rc || o->dry_run) rep->imported = o->dry_run && !rc ? rep->imported : 0;
	tb_writer_free(w);
	free(m.field);
	if (ct) OCTDestroyCoordinateTransformation(ct);
	tb_ogr_close(&file);
	return rc;
}
