/* import.c — reading GIS files into described records (see gis.h).
 *
 * The steps: open the file (sniffing the text encoding of shapefiles that do
 * not declare one), decide the CRS (declared, overridden, or guessed from
 * the coordinates), map columns to fields, then read every feature into a
 * record and hand it to the resource's writer inside one transaction.  All
 * problems are collected; any problem rolls the whole import back. */
#include "io/gis.h"

#include "base/csv.h"
#include "base/file.h"
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
	json_decref(rep->notes);
	json_decref(rep->derived);
	memset(rep, 0, sizeof *rep);
}

/* ---- column mapping ----------------------------------------------------------- */

typedef struct colmap {
	int nfields;
	const tb_field **field; /* per OGR field: the resource field, or NULL */
	bool *extra;            /* per OGR field: kept in the "extra" field   */
	const tb_field *extra_field; /* the resource's "extra" (JSON), or NULL */
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
	m->extra = calloc((size_t)m->nfields + 1, sizeof *m->extra);
	m->extra_field = tb_resource_field(r, "extra");
	if (m->extra_field && m->extra_field->type != TB_F_JSON) m->extra_field = NULL;
	rep->columns = json_object();
	for (int i = 0; i < m->nfields; i++) {
		char shown[256];
		const char *name = tb_ogr_shown(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)), shown, sizeof shown);
		const tb_field *f = system_column(name) ? NULL : tb_resource_match(r, name);
		if (f == m->extra_field) f = NULL; /* "extra" is filled from the columns, not read */
		if (f && f->flags & TB_COMPUTED) { /* e.g. MIAN_JI: recomputed, never read */
			char note[96];
			snprintf(note, sizeof note, "%s (recomputed)", f->name);
			json_object_set_new(rep->columns, name, json_string(note));
			m->field[i] = NULL;
			continue;
		}
		m->field[i] = f;
		m->extra[i] = !f && m->extra_field && !system_column(name);
		json_object_set_new(rep->columns, name,
				    f ? json_string(f->name) : m->extra[i] ? json_string("extra") : json_null());
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

/* One OGR value as JSON: booleans stay booleans (GeoJSON true is not the
 * code "1"), text is kept as read (checked for UTF-8 afterwards). */
static json_t *ogr_value(OGRFeatureH f, int i, OGRFieldDefnH fd)
{
	OGRFieldType t = OGR_Fld_GetType(fd);
	if (t == OFTInteger && OGR_Fld_GetSubType(fd) == OFSTBoolean)
		return json_boolean(OGR_F_GetFieldAsInteger(f, i));
	if (t == OFTInteger || t == OFTInteger64) return json_integer(OGR_F_GetFieldAsInteger64(f, i));
	if (t == OFTReal) return json_real(OGR_F_GetFieldAsDouble(f, i));
	const char *s = OGR_F_GetFieldAsString(f, i);
	json_t *v = json_string(s); /* NULL when not valid UTF-8 */
	return v ? v : json_stringn_nocheck(s, strlen(s));
}

static json_t *feature_props(OGRFeatureH f, const colmap *m, OGRFeatureDefnH defn)
{
	json_t *p = json_object(), *extra = NULL;
	for (int i = 0; i < m->nfields; i++) {
		if ((!m->field[i] && !m->extra[i]) || !OGR_F_IsFieldSetAndNotNull(f, i)) continue;
		OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
		json_t *v = ogr_value(f, i, fd);
		if (m->field[i]) {
			json_object_set_new(p, m->field[i]->name, v);
			continue;
		}
		if (json_is_string(v) && !json_string_length(v)) { /* an empty cell is no value */
			json_decref(v);
			continue;
		}
		char shown[256];
		if (!extra) extra = json_object();
		json_object_set_new(extra, tb_ogr_shown(OGR_Fld_GetNameRef(fd), shown, sizeof shown), v);
	}
	if (extra) json_object_set_new(p, m->extra_field->name, extra);
	return p;
}

/* A value as it goes into a record's name: text, or a number's digits. */
static const char *name_part(const json_t *p, const char *key, char *buf, size_t size)
{
	json_t *v = json_object_get(p, key);
	if (json_is_integer(v)) snprintf(buf, size, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v)) tb_utf8_escape(json_string_value(v), json_string_length(v), buf, size);
	else if (json_is_boolean(v)) snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
	else snprintf(buf, size, "?");
	return buf;
}

/* "feature 12 (小班 120119104-012-034)"; invalid bytes shown as \xff. */
static void record_name(const tb_resource *r, const json_t *p, int64_t n, char *buf, size_t size)
{
	char code[128] = "", a[40], b[40], c[40];
	if (r->key && json_is_string(json_object_get(p, r->key))) name_part(p, r->key, code, sizeof code);
	else if (json_object_get(p, "xiao_ban"))
		snprintf(code, sizeof code, "%s-%s-%s", name_part(p, "xiang", a, sizeof a),
			 name_part(p, "lin_ban", b, sizeof b), name_part(p, "xiao_ban", c, sizeof c));
	if (code[0]) snprintf(buf, size, "feature %lld (%s %s)", (long long)n, r->label_zh, code);
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
		if (json_is_object(v)) { /* the extra attributes */
			bad += check_text(v, rec, errs);
			continue;
		}
		if (!json_is_string(v)) continue;
		size_t off;
		if (!tb_utf8_valid(json_string_value(v), json_string_length(v), &off)) {
			char shown[96];
			tb_utf8_escape(json_string_value(v), json_string_length(v), shown, sizeof shown);
			tb_errlist_addf(errs, TB_EINPUT, rec, k,
					"text '%s' is not valid UTF-8 at byte %zu; give the file's encoding with --encoding (e.g. GBK)",
					shown, off);
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

/* Count a record's notes into rep->notes, one entry per field and kind
 * of note (the text up to its first digit or quote), with the first
 * feature that had it. */
static void add_notes(tb_import_report *rep, const json_t *notes, int64_t n)
{
	size_t i, k;
	json_t *v, *have;
	json_array_foreach(notes, i, v)
	{
		const char *field = json_string_value(json_object_get(v, "field")),
			   *note = json_string_value(json_object_get(v, "note"));
		size_t kind = strcspn(note, "0123456789'");
		bool found = false;
		json_array_foreach(rep->notes, k, have)
		{
			const char *hn = json_string_value(json_object_get(have, "note"));
			if (strcmp(field, json_string_value(json_object_get(have, "field"))) ||
			    strncmp(hn, note, kind) || strcspn(hn, "0123456789'") != kind)
				continue;
			json_object_set_new(have, "count", json_integer(json_integer_value(json_object_get(have, "count")) + 1));
			found = true;
			break;
		}
		if (!found)
			json_array_append_new(rep->notes, json_pack("{s:s,s:s,s:i,s:I}", "field", field, "note", note,
								    "count", 1, "feature", (json_int_t)n));
	}
}

static int read_features(tb_db *db, const tb_resource *r, OGRLayerH layer, const colmap *m,
			 OGRCoordinateTransformationH ct, tb_writer *w, const tb_import_opts *o,
			 tb_import_report *rep, tb_errlist *errs, tb_err *e)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
	int64_t total = OGR_L_GetFeatureCount(layer, 1), n = 0;
	OGRFeatureH f;
	int rc = 0;
	tb_ogr_errors gdal = {0};
	OGR_L_ResetReading(layer);
	while ((f = tb_ogr_next(layer, &gdal))) {
		n++;
		char rec[192];
		json_t *props = feature_props(f, m, defn);
		record_name(r, props, n, rec, sizeof rec);
		int bad = check_text(props, rec, errs);
		GEOSGeometry *g = r->geom ? feature_geom(f, ct, rec, errs) : NULL;
		if (g) g = maybe_repair(g, rec, props, n, o, rep);
		OGR_F_Destroy(f);
		if (!bad && (g || !r->geom)) {
			tb_record rr = {.props = props, .geom = g, .name = rec, .notes = json_array()};
			tb_err fe = {0};
			if (!tb_writer_insert(w, &rr, errs, &fe)) {
				rep->imported++;
				if (r->key) json_array_append(rep->codes, json_object_get(props, r->key));
			} else if (fe.code != TB_EINPUT) {
				*e = fe; /* database failure: stop */
				rc = fe.code;
			}
			add_notes(rep, rr.notes, n);
			json_decref(rr.notes);
			g = rr.geom;
		}
		if (g) GEOSGeom_destroy_r(tb_geos(), g);
		json_decref(props);
		progress(o, n, total, false);
		if (rc || tb_errlist_count(errs) >= 10000) break;
	}
	progress(o, n, total, true);
	rep->features = n;
	char why[520], file[256];
	tb_ogr_shown(o->path, file, sizeof file);
	if (!rc && gdal.failures) {
		tb_ogr_errors_text(&gdal, why, sizeof why);
		tb_errlist_addf(errs, TB_EINPUT, file, NULL,
				"the file cannot be read to the end: after feature %lld GDAL reports \"%s\"; the "
				"whole file is refused",
				(long long)n, why);
	} else if (!rc && total >= 0 && n < total && tb_errlist_count(errs) < 10000)
		tb_errlist_addf(errs, TB_EINPUT, file, NULL,
				"only %lld of the %lld features the file declares could be read; the whole file is refused",
				(long long)n, (long long)total);
	(void)db;
	return rc;
}

/* ---- whole-file checks ----------------------------------------------------------- */

/* GDAL reads a CSV row that lacks trailing fields as empty values: every
 * row must have the header's number of fields ("line N" is where the row
 * starts).  Empty lines are skipped, as GDAL does; only comma-separated
 * files are counted. */
static int check_csv_rows(const char *path, tb_errlist *errs)
{
	size_t n = strlen(path), len;
	if (n < 4 || strcasecmp(path + n - 4, ".csv")) return 0;
	char *text = tb_file_read(path, (size_t)1 << 31, &len, NULL);
	if (!text) return 0; /* GDAL will say why it cannot read it */
	tb_csv c;
	tb_csv_init(&c, text, len);
	int bad = 0;
	/* one header field: another separator (GDAL also reads ; and tab), not counted here */
	if (tb_csv_read_header(&c) == 1 && c.nheader > 1) {
		int rc;
		while ((rc = tb_csv_next(&c)) != 0) {
			char line[32];
			snprintf(line, sizeof line, "line %d", c.line);
			if (rc < 0) {
				tb_errlist_addf(errs, TB_EINPUT, line, NULL, "malformed row (an unclosed quote?)");
				bad++;
				break;
			}
			if (c.nfields == 1 && !c.fields[0][0]) continue;
			if (c.nfields == c.nheader) continue;
			char col[64];
			tb_ogr_shown(c.nfields < c.nheader ? c.header[c.nfields] : "", col, sizeof col);
			if (c.nfields < c.nheader)
				tb_errlist_addf(errs, TB_EINPUT, line, col,
						"the row has %zu of the header's %zu fields: %s%s is missing (an "
						"empty value is written as ,,)",
						c.nfields, c.nheader, col, c.nheader - c.nfields > 1 ? " and what follows" : "");
			else
				tb_errlist_addf(errs, TB_EINPUT, line, NULL,
						"the row has %zu fields, the header only %zu (a comma inside a value needs quotes)",
						c.nfields, c.nheader);
			bad++;
		}
	}
	tb_csv_free(&c);
	free(text);
	return bad;
}

/* A layer without any geometry column (a CSV without WKT) is named as such,
 * with the columns it has, rather than failing on empty coordinates. */
static int check_has_geometry(const tb_resource *r, OGRLayerH layer, const char *file, tb_err *e)
{
	OGRFeatureDefnH d = OGR_L_GetLayerDefn(layer);
	if (!r->geom || OGR_FD_GetGeomFieldCount(d) > 0) return 0;
	char cols[320] = "";
	size_t used = 0;
	for (int i = 0; i < OGR_FD_GetFieldCount(d) && used + 1 < sizeof cols; i++) {
		char shown[96];
		tb_ogr_shown(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, i)), shown, sizeof shown);
		int k = snprintf(cols + used, sizeof cols - used, "%s%s", i ? ", " : "", shown);
		used += k > 0 ? (size_t)k : 0;
	}
	if (used >= sizeof cols) snprintf(cols + sizeof cols - 5, 5, " …");
	return tb_err_set(e, TB_EINPUT, file, "geometry",
			  "the file has no geometry: no WKT/geometry column among its columns (%s); a CSV "
			  "needs a column WKT with each shape as text, e.g. POLYGON((…))",
			  cols[0] ? cols : "none");
}

static int log_import(tb_db *db, const tb_resource *r, const tb_import_opts *o,
		      tb_import_report *rep, tb_err *e)
{
	char sha[TB_SHA256_HEX] = "";
	file_sha256(o->path, sha);
	const char *base = strrchr(o->path, '/');
	char file[256];
	tb_ogr_shown(base ? base + 1 : o->path, file, sizeof file);
	json_t *p = json_pack("{s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:O,s:O,s:O}", "file", file,
			      "sha256", sha, "layer", r->name, "features", (json_int_t)rep->features,
			      "imported", (json_int_t)rep->imported, "srs", rep->srs, "encoding",
			      rep->encoding, "columns", rep->columns, "repairs", rep->repairs, "notes", rep->notes);
	if (p && json_object_size(rep->derived)) json_object_update(p, rep->derived);
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
	rep->notes = json_array();
	rep->derived = json_object();
	if (check_csv_rows(o->path, errs)) {
		*e = errs->items[0];
		return TB_EINPUT;
	}
	tb_ogr_file file;
	int rc = tb_ogr_open(o->path, o->encoding, o->src_layer, &file, e);
	if (rc) return rc;
	snprintf(rep->encoding, sizeof rep->encoding, "%s", file.encoding);
	char shown[256];
	rc = check_has_geometry(r, file.layer, tb_ogr_shown(o->path, shown, sizeof shown), e);
	OGRCoordinateTransformationH ct = NULL;
	if (!rc && r->geom) rc = tb_ogr_transform_to_4490(file.layer, o->srs, &ct, rep->srs, sizeof rep->srs, e);
	colmap m = {0};
	tb_writer *w = NULL;
	tb_write_ctx cx = {.actor = o->actor, .cause = o->path, .user = o->user};
	if (!rc && map_columns(r, OGR_L_GetLayerDefn(file.layer), &m, rep, errs, shown))
		rc = TB_EINPUT;
	if (!rc) rc = tb_db_begin(db, e);
	if (rc) goto out;
	rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc && !(w = tb_writer_new(db, r, &cx, e))) rc = TB_EDB;
	if (!rc) rc = read_features(db, r, file.layer, &m, ct, w, o, rep, errs, e);
	if (!rc && errs->len) rc = TB_EINPUT;
	if (!rc && r->geom) rc = tb_gpkg_touch(db, r->name, "geom", e);
	if (!rc && o->before_commit) rc = o->before_commit(db, o->user, rep->derived, e);
	if (!rc && !o->dry_run) rc = log_import(db, r, o, rep, e);
	if (!rc && !o->dry_run) rc = tb_db_commit(db, e);
	else tb_db_rollback(db);
out:
	if (rc == TB_EINPUT && errs->len) *e = errs->items[0];
	if (rc || o->dry_run) rep->imported = o->dry_run && !rc ? rep->imported : 0;
	tb_writer_free(w);
	free(m.field);
	free(m.extra);
	if (ct) OCTDestroyCoordinateTransformation(ct);
	tb_ogr_close(&file);
	return rc;
}
