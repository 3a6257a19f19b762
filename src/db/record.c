/* record.c — validation and writes of described records (see resource.h).
 * The SQL is generated once per resource from its description; business
 * rules live in the resource's hooks, not here. */
#include "db/resource.h"
#include "db/gpkg.h"

#include "base/buf.h"
#include "base/tbtime.h"
#include "base/utf8.h"
#include "db/codes.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- value normalisation ------------------------------------------------------ */

static bool blank(const json_t *v)
{
	if (!v || json_is_null(v)) return true;
	if (json_is_string(v)) {
		for (const char *s = json_string_value(v); *s; s++)
			if (!isspace((unsigned char)*s)) return false;
		return true;
	}
	return false;
}

static int parse_int(const char *s, long long *out)
{
	errno = 0;
	char *end;
	while (isspace((unsigned char)*s)) s++;
	long long v = strtoll(s, &end, 10);
	if (end == s || errno) return -1;
	if (*end == '.') { /* "12.0" from a DBF numeric column */
		char *e2;
		double d = strtod(s, &e2);
		if (d != (double)v) return -1;
		end = e2;
	}
	while (isspace((unsigned char)*end)) end++;
	if (*end) return -1;
	*out = v;
	return 0;
}

static int parse_real(const char *s, double *out)
{
	char *end;
	while (isspace((unsigned char)*s)) s++;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !isfinite(v)) return -1;
	while (isspace((unsigned char)*end)) end++;
	if (*end) return -1;
	*out = v;
	return 0;
}

/* Text form of a scalar (codes given as numbers by DBF files). */
static char *scalar_text(const json_t *v)
{
	char buf[64];
	if (json_is_string(v)) return strdup(json_string_value(v));
	if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
		return strdup(buf);
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d == floor(d) && fabs(d) < 1e15) snprintf(buf, sizeof buf, "%.0f", d);
		else snprintf(buf, sizeof buf, "%.15g", d);
		return strdup(buf);
	}
	return NULL;
}

/* A double that converts to json_int_t exactly (the cast is undefined
 * behaviour outside [-2^63, 2^63)). */
static bool real_is_int(double d)
{
	return d == floor(d) && d >= -0x1p63 && d < 0x1p63;
}

/* A code, its label, a code that lost its leading zeros in a numeric
 * DBF column ("11" for "011"), or a six-digit national code whose trailing
 * zeros the list leaves out (树种 410000 for 410 栎类; *national set). */
static const tb_code_entry *find_code(tb_db *db, const char *list, const char *s, bool *national)
{
	const tb_code_entry *c = tb_codes_find(db, list, s);
	size_t n = strlen(s);
	*national = false;
	if (c || !n || n > 10 || strspn(s, "0123456789") != n) return c;
	char padded[16];
	for (size_t w = n + 1; w <= 12 && !c; w++) {
		snprintf(padded, sizeof padded, "%0*lld", (int)w, atoll(s));
		c = tb_codes_find(db, list, padded);
	}
	for (size_t w = n; !c && n == 6 && w > 3 && s[w - 1] == '0'; w--) {
		snprintf(padded, sizeof padded, "%.*s", (int)(w - 1), s);
		c = tb_codes_find(db, list, padded);
		*national = c != NULL;
	}
	return c;
}

/* A digit code (林班, 小班): text of 1..digits_max digits, kept as written,
 * or a whole number, zero-padded to digits_pad (noted: a DBF or GeoJSON
 * number lost the code's leading zeros).  Anything else — true, 12.5,
 * "12a", "" — is refused. */
static json_t *norm_digits(const tb_field *f, const json_t *v, char *note, size_t nsize, tb_err *e)
{
	char buf[32];
	const char *s = NULL;
	bool number = false;
	if (json_is_string(v)) s = json_string_value(v);
	else if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(buf, sizeof buf, "%0*lld", f->digits_pad, (long long)json_integer_value(v));
		s = buf, number = true;
	} else if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 1e15 &&
		   real_is_int(json_real_value(v))) {
		snprintf(buf, sizeof buf, "%0*.0f", f->digits_pad, json_real_value(v));
		s = buf, number = true;
	}
	size_t n = s ? strlen(s) : 0;
	if (s && n >= 1 && n <= (size_t)f->digits_max && strspn(s, "0123456789") == n) {
		if (number && note && strlen(s) > (size_t)snprintf(NULL, 0, "%lld", (long long)json_number_value(v))) {
			char *shown = json_dumps(v, JSON_ENCODE_ANY);
			snprintf(note, nsize, "the number %s was read as '%s' (zero-padded to %d digits)",
				 shown ? shown : "?", s, f->digits_pad);
			free(shown);
		}
		return json_string(s);
	}
	char *shown = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	tb_err_set(e, TB_EINPUT, NULL, NULL, "%s is a code of 1–%d digits (like '%0*d'), not %.60s",
		   f->label_zh ? f->label_zh : f->name, f->digits_max, f->digits_pad, 12, shown ? shown : "?");
	free(shown);
	return NULL;
}


/* Normalise one value; on error fill *e (record/field set by caller).
 * note (may be NULL) receives what was converted, if worth saying. */
static json_t *norm_value(tb_db *db, const tb_field *f, const json_t *v, tb_err *e, char *note,
			  size_t nsize)
{
	char *s = NULL;
	json_t *out = NULL;
	switch (f->type) {
	case TB_F_TEXT: {
		if (f->digits_max > 0) {
			out = norm_digits(f, v, note, nsize, e);
			break;
		}
		s = scalar_text(v);
		if (!s) break;
		size_t max = f->max_len ? (size_t)f->max_len : 1000;
		if (tb_utf8_len(s) > max)
			tb_err_set(e, TB_EINPUT, NULL, NULL, "text longer than %zu characters", max);
		else out = json_string(s);
		break;
	}
	case TB_F_INT: {
		long long i;
		if (json_is_integer(v)) out = json_integer(json_integer_value(v));
		else if (json_is_real(v) && real_is_int(json_real_value(v)))
			out = json_integer((json_int_t)json_real_value(v));
		else if (json_is_string(v) && !parse_int(json_string_value(v), &i))
			out = json_integer(i);
		break;
	}
	case TB_F_REAL: {
		double d;
		if (json_is_number(v)) out = json_real(json_number_value(v));
		else if (json_is_string(v) && !parse_real(json_string_value(v), &d)) out = json_real(d);
		break;
	}
	case TB_F_BOOL:
		if (json_is_boolean(v)) out = json_boolean(json_is_true(v));
		else if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 1)
			out = json_boolean(json_integer_value(v));
		else if (json_is_string(v)) {
			const char *t = json_string_value(v);
			if (!strcasecmp(t, "true") || !strcmp(t, "1") || !strcmp(t, "是")) out = json_true();
			else if (!strcasecmp(t, "false") || !strcmp(t, "0") || !strcmp(t, "否")) out = json_false();
		}
		break;
	case TB_F_CODE: {
		s = scalar_text(v);
		if (!s) break;
		bool national;
		const tb_code_entry *c = find_code(db, f->codes, s, &national);
		if (c && national && note)
			snprintf(note, nsize, "the national code %s was read as %s %s", s, c->code,
				 c->label_zh ? c->label_zh : "");
		if (c) out = json_string(c->code);
		else
			tb_err_set(e, TB_EINPUT, NULL, NULL, "unknown code '%s' in code list %s (%s)", s,
				   f->label_zh ? f->label_zh : f->codes, f->codes);
		break;
	}
	case TB_F_DATE:
	case TB_F_TIME: {
		int64_t ms;
		if (json_is_string(v) && tb_time_parse_iso(json_string_value(v), &ms)) {
			char iso[32];
			tb_time_format_iso(ms, iso);
			if (f->type == TB_F_DATE) iso[10] = 0;
			out = json_string(iso);
		}
		break;
	}
	case TB_F_JSON: /* a JSON text (from a CSV or DBF cell) is parsed */
		if (json_is_string(v) && strchr("[{", json_string_value(v)[0] ? json_string_value(v)[0] : 'x'))
			out = json_loads(json_string_value(v), 0, NULL);
		if (!out) out = json_deep_copy(v);
		break;
	}
	if (!out && !e->code) {
		static const char *what[] = {"text", "an integer", "a number", "true or false",
					     "a code", "a date (YYYY-MM-DD)",
					     "a date-time (ISO 8601)", "JSON"};
		char *shown = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
		tb_err_set(e, TB_EINPUT, NULL, NULL, "expected %s, got %.60s", what[f->type],
			   shown ? shown : "nothing");
		free(shown);
	}
	if (out && f->flags & TB_RANGE && json_is_number(out)) {
		double d = json_number_value(out);
		if (d < f->min || d > f->max) {
			tb_err_set(e, TB_EINPUT, NULL, NULL, "value %g out of range [%g, %g]%s%s", d,
				   f->min, f->max, f->unit ? " " : "", f->unit ? f->unit : "");
			json_decref(out);
			out = NULL;
		}
	}
	free(s);
	return out;
}

static void add_field_err(tb_errlist *errs, const tb_record *rec, const tb_field *f, tb_err *fe)
{
	snprintf(fe->record, sizeof fe->record, "%s", rec->name ? rec->name : "record");
	snprintf(fe->field, sizeof fe->field, "%s", f ? f->name : "");
	tb_errlist_add(errs, fe);
}

int tb_record_validate(tb_db *db, const tb_resource *r, tb_record *rec, bool allow_computed,
		       tb_errlist *errs)
{
	size_t before = tb_errlist_count(errs);
	if (!json_is_object(rec->props)) {
		tb_errlist_addf(errs, TB_EINPUT, rec->name, NULL, "expected a JSON object");
		return 1;
	}
	const char *key;
	json_t *v;
	json_object_foreach(rec->props, key, v)
	{
		if (!tb_resource_field(r, key)) {
			tb_errlist_addf(errs, TB_EINPUT, rec->name, key, "unknown field of %s", r->name);
		}
	}
	for (int i = 0; i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		v = json_object_get(rec->props, f->name);
		tb_err fe = {0};
		if (f->flags & TB_COMPUTED) {
			if (v && !allow_computed && !json_is_null(v)) {
				tb_err_set(&fe, TB_EINPUT, NULL, NULL,
					   "computed by the system; it cannot be set");
				add_field_err(errs, rec, f, &fe);
			}
			continue;
		}
		if (blank(v)) {
			if (f->flags & TB_REQUIRED) {
				tb_err_set(&fe, TB_EINPUT, NULL, NULL, "required value is missing");
				add_field_err(errs, rec, f, &fe);
			} else if (v)
				json_object_set_new(rec->props, f->name, json_null());
			continue;
		}
		char note[256] = "";
		json_t *n = norm_value(db, f, v, &fe, note, sizeof note);
		if (n && note[0] && json_is_array(rec->notes))
			json_array_append_new(rec->notes, json_pack("{s:s,s:s}", "field", f->name, "note", note));
		if (!n) add_field_err(errs, rec, f, &fe);
		else json_object_set_new(rec->props, f->name, n);
	}
	if (r->geom && r->geom_required && !rec->geom && !rec->old)
		tb_errlist_addf(errs, TB_EINPUT, rec->name, "geometry", "geometry is missing");
	return (int)(tb_errlist_count(errs) - before);
}

/* ---- binding ------------------------------------------------------------------ */

static void bind_value(tb_stmt *st, int i, const tb_field *f, const json_t *v)
{
	if (!v || json_is_null(v)) {
		tb_bind_null(st, i);
		return;
	}
	switch (f->type) {
	case TB_F_INT: tb_bind_int64(st, i, json_integer_value(v)); break;
	case TB_F_REAL: tb_bind_double(st, i, json_number_value(v)); break;
	case TB_F_BOOL: tb_bind_int(st, i, json_is_true(v)); break;
	case TB_F_JSON: {
		char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
		tb_bind_text_owned(st, i, t);
		break;
	}
	default: tb_bind_text_copy(st, i, json_string_value(v));
	}
}

static int bind_geom(tb_stmt *st, int i, const GEOSGeometry *g)
{
	if (!g) return tb_bind_null(st, i);
	size_t n;
	unsigned char *blob = tb_gpkg_encode(g, TB_SRS_CGCS2000, &n);
	if (!blob) return TB_ENOMEM;
	return tb_bind_blob_owned(st, i, blob, (int)n);
}

/* SQLite reports "UNIQUE constraint failed: parcels.code": name the field. */
static int constraint_error(tb_db *db, const tb_resource *r, const tb_record *rec, tb_err *e)
{
	const char *msg = tb_db_errmsg(db);
	int kind = tb_db_constraint(db);
	if (kind == TB_DBC_UNIQUE) {
		const char *dot = strrchr(msg, '.');
		const char *field = dot ? dot + 1 : "";
		const json_t *v = json_object_get(rec->props, field);
		return tb_err_set(e, TB_EINPUT, rec->name, field, "duplicate %s '%s': another %s has it",
				  field, json_is_string(v) ? json_string_value(v) : "?", r->name);
	}
	if (kind == TB_DBC_OTHER)
		return tb_err_set(e, TB_EINPUT, rec->name, NULL, "%s", msg);
	return tb_db_error(db, e, r->name);
}

/* ---- insert ---------------------------------------------------------------------- */

struct tb_writer {
	tb_db *db;
	const tb_resource *r;
	void *ctx;
	tb_stmt *insert;
};

/* A statement built from a description did not fit its buffer. */
static int sql_too_long(const tb_resource *r, int rc, tb_err *e)
{
	return tb_err_set(e, rc == TB_ENOMEM ? TB_ENOMEM : TB_ETOOBIG, r->name, NULL,
			  "the SQL statement for %s does not fit (%d fields)", r->name, r->nfields);
}

tb_writer *tb_writer_new(tb_db *db, const tb_resource *r, void *ctx, tb_err *e)
{
	tb_buf b;
	tb_buf_init(&b, 1 << 16);
	int rc = tb_buf_addf(&b, "INSERT INTO \"%s\" (%s", r->name, r->geom ? "geom" : "version");
	for (int i = 0; !rc && i < r->nfields; i++) rc = tb_buf_addf(&b, ", \"%s\"", r->fields[i].name);
	if (!rc) rc = tb_buf_adds(&b, ", created_at, updated_at) VALUES (?");
	for (int i = 0; !rc && i < r->nfields + 2; i++) rc = tb_buf_adds(&b, ", ?");
	if (!rc) rc = tb_buf_adds(&b, ")");
	if (rc) sql_too_long(r, rc, e);
	tb_writer *w = rc ? NULL : calloc(1, sizeof *w);
	if (!w || tb_db_prepare(db, b.data, &w->insert, e)) {
		free(w);
		w = NULL;
	} else {
		w->db = db;
		w->r = r;
		w->ctx = ctx;
	}
	tb_buf_free(&b);
	return w;
}

void tb_writer_free(tb_writer *w)
{
	if (!w) return;
	tb_stmt_finalize(w->insert);
	free(w);
}

static int first_error(tb_errlist *errs, size_t from, tb_err *e)
{
	if (errs->len > from) *e = errs->items[from];
	else tb_err_set(e, TB_EINPUT, NULL, NULL, "invalid record");
	return TB_EINPUT;
}

int tb_writer_insert(tb_writer *w, tb_record *rec, tb_errlist *errs, tb_err *e)
{
	const tb_resource *r = w->r;
	tb_errlist local;
	tb_errlist_init(&local, 100);
	tb_errlist *el = errs ? errs : &local;
	size_t from = el->len;
	int rc = 0;
	if (tb_record_validate(w->db, r, rec, false, el)) rc = first_error(el, from, e);
	if (!rc && r->before_write) rc = r->before_write(w->db, r, rec, w->ctx, e);
	if (rc) goto out;
	tb_stmt *st = w->insert;
	char now[32];
	tb_time_now_iso(now);
	if (r->geom) bind_geom(st, 1, rec->geom);
	else tb_bind_int(st, 1, 1);
	for (int i = 0; i < r->nfields; i++)
		bind_value(st, i + 2, &r->fields[i], json_object_get(rec->props, r->fields[i].name));
	tb_bind_text_copy(st, r->nfields + 2, now);
	tb_bind_text_copy(st, r->nfields + 3, now);
	if (tb_stmt_step(st) != TB_DONE) rc = constraint_error(w->db, r, rec, e);
	tb_stmt_reset(st);
	tb_stmt_clear(st);
	if (rc) goto out;
	rec->fid = tb_db_last_id(w->db);
	if (r->after_write) rc = r->after_write(w->db, r, rec, w->ctx, e);
out:
	if (rc && errs && el->len == from && e->code) tb_errlist_add(errs, e);
	tb_errlist_free(&local);
	return rc;
}

/* ---- read ------------------------------------------------------------------------- */

static json_t *column_json(tb_stmt *st, int i, const tb_field *f)
{
	if (tb_col_type(st, i) == TB_COL_NULL) return json_null();
	switch (f->type) {
	case TB_F_INT: return json_integer(tb_col_int64(st, i));
	case TB_F_REAL: return json_real(tb_col_double(st, i));
	case TB_F_BOOL: return json_boolean(tb_col_int(st, i));
	case TB_F_JSON: {
		json_t *v = json_loads(tb_col_text(st, i), JSON_DECODE_ANY, NULL);
		return v ? v : json_null();
	}
	default: return json_string(tb_col_text(st, i));
	}
}

/* SELECT list: fid, geom-or-NULL, fields…, version, created_at, updated_at */
int tb_record_select_sql(const tb_resource *r, bool with_geom, tb_buf *b)
{
	int rc = tb_buf_addf(b, "SELECT fid, %s", with_geom && r->geom ? "geom" : "NULL");
	for (int i = 0; !rc && i < r->nfields; i++)
		rc = tb_buf_addf(b, ", \"%s\"", r->fields[i].name);
	if (!rc) rc = tb_buf_addf(b, ", version, created_at, updated_at FROM \"%s\"", r->name);
	return rc;
}

json_t *tb_record_row(tb_stmt *st, const tb_resource *r, GEOSGeometry **geom)
{
	json_t *o = json_object();
	json_object_set_new(o, "fid", json_integer(tb_col_int64(st, 0)));
	for (int i = 0; i < r->nfields; i++) {
		if (r->fields[i].flags & TB_PRIVATE) continue;
		json_object_set_new(o, r->fields[i].name, column_json(st, i + 2, &r->fields[i]));
	}
	int k = r->nfields + 2;
	json_object_set_new(o, "version", json_integer(tb_col_int64(st, k)));
	json_object_set_new(o, "created_at", json_string(tb_col_text(st, k + 1)));
	json_object_set_new(o, "updated_at", json_string(tb_col_text(st, k + 2)));
	if (geom) {
		*geom = NULL;
		if (tb_col_type(st, 1) == TB_COL_BLOB)
			*geom = tb_col_geom(st, 1);
	}
	return o;
}

/* kind of a cached statement: by fid or by key, with or without geometry */
static int get_where(tb_db *db, const tb_resource *r, const char *where, int64_t fid,
		     const char *key, json_t **props, GEOSGeometry **geom, tb_err *e)
{
	int kind = (key ? 1 : 0) | (geom ? 2 : 0);
	tb_stmt *st = tb_db_stmt_find(db, r, kind);
	if (!st) {
		tb_buf b;
		tb_buf_init(&b, 1 << 16);
		int brc = tb_record_select_sql(r, geom != NULL, &b);
		if (!brc) brc = tb_buf_adds(&b, where);
		st = brc ? NULL : tb_db_stmt_keep(db, r, kind, b.data, e);
		if (brc) sql_too_long(r, brc, e);
		tb_buf_free(&b);
		if (!st) return brc ? e->code : TB_EDB;
	}
	int rc;
	if (key) tb_bind_text(st, 1, key);
	else tb_bind_int64(st, 1, fid);
	rc = tb_stmt_step(st);
	if (rc == TB_ROW) {
		*props = tb_record_row(st, r, geom);
		rc = 0;
	} else if (rc == TB_DONE) {
		char rec[128];
		if (key) snprintf(rec, sizeof rec, "%s %s", r->name, key);
		else snprintf(rec, sizeof rec, "%s %lld", r->name, (long long)fid);
		rc = tb_err_set(e, TB_ENOTFOUND, rec, NULL, "no such record");
	} else
		rc = tb_db_error(db, e, r->name);
	tb_stmt_reset(st);
	return rc;
}

int tb_record_get(tb_db *db, const tb_resource *r, int64_t fid, json_t **props,
		  GEOSGeometry **geom, tb_err *e)
{
	return get_where(db, r, " WHERE fid=?", fid, NULL, props, geom, e);
}

int tb_record_get_by_key(tb_db *db, const tb_resource *r, const char *key, json_t **props,
			 GEOSGeometry **geom, tb_err *e)
{
	if (!r->key) return tb_err_set(e, TB_EINTERNAL, r->name, NULL, "resource has no key");
	char where[128];
	snprintf(where, sizeof where, " WHERE \"%s\"=?", r->key);
	return get_where(db, r, where, 0, key, props, geom, e);
}

/* ---- update ---------------------------------------------------------------------- */

/* Private fields are left out of a record's JSON (tb_record_row), so a row
 * merged from it would write NULL over them: read them from the table. */
static int load_private(tb_db *db, const tb_resource *r, int64_t fid, json_t *into, tb_err *e)
{
	tb_buf b;
	tb_buf_init(&b, 1 << 16);
	int n = 0;
	int rc = tb_buf_adds(&b, "SELECT fid");
	for (int i = 0; !rc && i < r->nfields; i++) {
		if (!(r->fields[i].flags & TB_PRIVATE)) continue;
		rc = tb_buf_addf(&b, ", \"%s\"", r->fields[i].name);
		n++;
	}
	if (!rc) rc = tb_buf_addf(&b, " FROM \"%s\" WHERE fid=?", r->name);
	if (rc) rc = sql_too_long(r, rc, e);
	tb_stmt *st = NULL;
	if (!rc && n) rc = tb_db_prepare(db, b.data, &st, e);
	tb_buf_free(&b);
	if (rc || !n) return rc;
	tb_bind_int64(st, 1, fid);
	if (tb_stmt_step(st) == TB_ROW) {
		for (int i = 0, k = 1; i < r->nfields; i++)
			if (r->fields[i].flags & TB_PRIVATE)
				json_object_set_new(into, r->fields[i].name,
						    column_json(st, k++, &r->fields[i]));
	} else
		rc = tb_db_error(db, e, r->name);
	tb_stmt_finalize(st);
	return rc;
}

static int update_row(tb_db *db, const tb_resource *r, tb_record *rec, bool set_geom,
		      int64_t version, tb_err *e)
{
	tb_buf b;
	tb_buf_init(&b, 1 << 16);
	int rc = tb_buf_addf(&b, "UPDATE \"%s\" SET version=version+1, updated_at=?", r->name);
	if (!rc && set_geom) rc = tb_buf_adds(&b, ", geom=?");
	for (int i = 0; !rc && i < r->nfields; i++) rc = tb_buf_addf(&b, ", \"%s\"=?", r->fields[i].name);
	if (!rc) rc = tb_buf_adds(&b, " WHERE fid=? AND version=?");
	tb_stmt *st = NULL;
	rc = rc ? sql_too_long(r, rc, e) : tb_db_prepare(db, b.data, &st, e);
	tb_buf_free(&b);
	if (rc) return rc;
	char now[32];
	tb_time_now_iso(now);
	int k = 1;
	tb_bind_text_copy(st, k++, now);
	if (set_geom) bind_geom(st, k++, rec->geom);
	for (int i = 0; i < r->nfields; i++)
		bind_value(st, k++, &r->fields[i], json_object_get(rec->props, r->fields[i].name));
	tb_bind_int64(st, k++, rec->fid);
	tb_bind_int64(st, k++, version);
	if (tb_stmt_step(st) != TB_DONE) rc = constraint_error(db, r, rec, e);
	else if (tb_db_changes(db) != 1)
		rc = tb_err_set(e, TB_ECONFLICT, rec->name, "version",
				"the record was changed by someone else; reload and try again");
	tb_stmt_finalize(st);
	return rc;
}

int tb_record_update(tb_db *db, const tb_resource *r, tb_record *rec, int64_t expected,
		     void *ctx, tb_err *e)
{
	json_t *old = NULL;
	GEOSGeometry *oldg = NULL;
	int rc = tb_record_get(db, r, rec->fid, &old, &oldg, e);
	if (rc) return rc;
	int64_t version = json_integer_value(json_object_get(old, "version"));
	json_t *patch = rec->props, *merged = json_deep_copy(old);
	static const char *sys[] = {"fid", "version", "created_at", "updated_at"};
	for (size_t i = 0; i < 4; i++) json_object_del(merged, sys[i]);
	tb_errlist errs;
	tb_errlist_init(&errs, 50);
	rc = load_private(db, r, rec->fid, merged, e);
	if (rc) goto out;
	if (expected > 0 && expected != version) {
		rc = tb_err_set(e, TB_ECONFLICT, rec->name, "version",
				"version %lld expected but the record is at version %lld; reload and try again",
				(long long)expected, (long long)version);
		goto out;
	}
	/* computed fields may not be patched; everything else is merged */
	tb_record probe = {.props = patch, .name = rec->name};
	const char *key;
	json_t *v;
	json_object_foreach(patch, key, v)
	{
		const tb_field *f = tb_resource_field(r, key);
		if (!f) tb_errlist_addf(&errs, TB_EINPUT, rec->name, key, "unknown field of %s", r->name);
		else if (f->flags & TB_COMPUTED)
			tb_errlist_addf(&errs, TB_EINPUT, rec->name, key,
					"computed by the system; it cannot be set");
		else json_object_set(merged, key, v);
	}
	(void)probe;
	/* computed values are recomputed by the hook; drop them before validation */
	for (int i = 0; i < r->nfields; i++)
		if (r->fields[i].flags & TB_COMPUTED) json_object_del(merged, r->fields[i].name);
	rec->props = merged;
	rec->old = old;
	bool set_geom = rec->geom != NULL;
	if (!set_geom) {
		rec->geom = oldg;
		oldg = NULL;
	}
	if (!errs.len) tb_record_validate(db, r, rec, false, &errs);
	if (errs.len) {
		rc = first_error(&errs, 0, e);
		goto out;
	}
	if (r->before_write) rc = r->before_write(db, r, rec, ctx, e);
	if (!rc) rc = update_row(db, r, rec, r->geom != TB_GEOM_NONE, version, e); /* hooks may replace it */
	if (!rc && r->after_write) rc = r->after_write(db, r, rec, ctx, e);
out:
	rec->old = NULL;
	tb_errlist_free(&errs);
	if (oldg) GEOSGeom_destroy_r(tb_geos(), oldg);
	json_decref(old);
	if (rec->props != patch) {
		/* hand back the full row (private fields stay inside); the
		 * caller's patch stays theirs */
		for (int i = 0; i < r->nfields; i++)
			if (r->fields[i].flags & TB_PRIVATE) json_object_del(rec->props, r->fields[i].name);
		json_object_update(patch, rec->props);
		json_decref(rec->props);
		rec->props = patch;
	} else
		json_decref(merged); /* refused before the merge was used */
	return rc;
}
