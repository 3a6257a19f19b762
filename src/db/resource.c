/* resource.c — what a resource description says about itself: field
 * lookup, import-name matching, its table (CREATE TABLE + GeoPackage
 * registration) and its JSON schema for clients. */
#include "db/resource.h"

#include "base/buf.h"
#include "db/codes.h"
#include "db/gpkg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const tb_field *tb_resource_field(const tb_resource *r, const char *name)
{
	for (int i = 0; i < r->nfields; i++)
		if (!strcmp(r->fields[i].name, name)) return &r->fields[i];
	return NULL;
}

static bool alias_match(const char *aliases, const char *col)
{
	if (!aliases) return false;
	size_t n = strlen(col);
	for (const char *p = aliases; *p;) {
		const char *q = strchr(p, '|');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (len == n && !strncasecmp(p, col, n)) return true;
		if (!q) break;
		p = q + 1;
	}
	return false;
}

const tb_field *tb_resource_match(const tb_resource *r, const char *col)
{
	for (int i = 0; i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		if (!strcasecmp(f->name, col) || (f->std_name && !strcasecmp(f->std_name, col)) ||
		    (f->label_zh && !strcmp(f->label_zh, col)) || alias_match(f->aliases, col))
			return f;
	}
	return NULL;
}

const char *tb_geomtype_name(tb_geomtype t)
{
	static const char *names[] = {"",	    "POINT",	       "LINESTRING",	 "POLYGON",
				      "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON"};
	return t <= TB_GEOM_MULTIPOLYGON ? names[t] : "GEOMETRY";
}

static const char *sql_type(tb_ftype t)
{
	switch (t) {
	case TB_F_INT: return "INTEGER";
	case TB_F_REAL: return "REAL";
	case TB_F_BOOL: return "BOOLEAN";
	case TB_F_DATE: return "DATE";
	case TB_F_TIME: return "DATETIME";
	default: return "TEXT";
	}
}

static int create_sql(const tb_resource *r, tb_buf *b)
{
	int rc = tb_buf_addf(b, "CREATE TABLE \"%s\" (fid INTEGER PRIMARY KEY AUTOINCREMENT", r->name);
	if (!rc && r->geom) rc = tb_buf_addf(b, ", geom %s", tb_geomtype_name(r->geom));
	for (int i = 0; !rc && i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		rc = tb_buf_addf(b, ", \"%s\" %s%s%s", f->name, sql_type(f->type),
				 f->flags & TB_REQUIRED ? " NOT NULL" : "",
				 f->flags & TB_UNIQUE ? " UNIQUE" : "");
	}
	if (!rc)
		rc = tb_buf_adds(b, ", version INTEGER NOT NULL DEFAULT 1, created_at DATETIME NOT NULL,"
				    " updated_at DATETIME NOT NULL);");
	for (int i = 0; !rc && i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		if (f->flags & TB_INDEXED || (r->scope && !strcmp(r->scope, f->name)))
			rc = tb_buf_addf(b, "CREATE INDEX \"%s_%s\" ON \"%s\"(\"%s\");", r->name,
					 f->name, r->name, f->name);
	}
	return rc;
}

static int describe_columns(tb_db *db, const tb_resource *r, tb_err *e)
{
	int rc = 0;
	for (int i = 0; !rc && i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		const char *constraint = NULL;
		if (f->type == TB_F_CODE && f->codes) constraint = f->codes;
		rc = tb_gpkg_describe_column(db, r->name, f->name, f->label_zh, f->label_en,
					     constraint, e);
	}
	return rc;
}

/* Code lists used by the table become GeoPackage enum constraints, so GDAL
 * reports them as field domains and QGIS shows labels. */
static int enum_constraints(tb_db *db, const tb_resource *r, tb_err *e)
{
	int rc = 0;
	for (int i = 0; !rc && i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		if (f->type != TB_F_CODE || !f->codes) continue;
		tb_stmt *st;
		rc = tb_db_prepare(db, "SELECT code, label_zh FROM tb_code WHERE list=? ORDER BY sort", &st, e);
		if (rc) break;
		tb_bind_text(st, 1, f->codes);
		while (!rc && tb_stmt_step(st) == TB_ROW)
			rc = tb_gpkg_enum_value(db, f->codes, tb_col_text(st, 0),
						tb_col_text(st, 1), e);
		tb_stmt_finalize(st);
	}
	return rc;
}

int tb_resource_create(tb_db *db, const tb_resource *r, tb_err *e)
{
	tb_buf b;
	tb_buf_init(&b, 1 << 20);
	int rc = create_sql(r, &b);
	if (rc) rc = tb_err_set(e, rc, r->name, NULL, "table description too large");
	if (!rc) rc = tb_db_exec(db, b.data, e);
	tb_buf_free(&b);
	char ident[256];
	snprintf(ident, sizeof ident, "%s %s", r->label_zh ? r->label_zh : r->name,
		 r->label_en ? r->label_en : "");
	if (!rc && r->geom)
		rc = tb_gpkg_add_features(db, r->name, "geom", tb_geomtype_name(r->geom),
					  TB_SRS_CGCS2000, ident, r->clause, e);
	else if (!rc)
		rc = tb_gpkg_add_attributes(db, r->name, ident, r->clause, e);
	if (!rc) rc = describe_columns(db, r, e);
	if (!rc) rc = enum_constraints(db, r, e);
	return rc;
}

static const char *type_name(tb_ftype t)
{
	static const char *n[] = {"text", "integer", "real", "boolean", "code", "date", "datetime", "json"};
	return n[t];
}

json_t *tb_resource_schema(tb_db *db, const tb_resource *r)
{
	(void)db;
	json_t *fields = json_array();
	for (int i = 0; i < r->nfields; i++) {
		const tb_field *f = &r->fields[i];
		if (f->flags & TB_PRIVATE) continue;
		json_t *o = json_pack("{s:s,s:s,s:s?,s:s?,s:b,s:b,s:b}", "name", f->name, "type",
				      type_name(f->type), "label_zh", f->label_zh, "label_en",
				      f->label_en, "required", (f->flags & TB_REQUIRED) != 0,
				      "unique", (f->flags & TB_UNIQUE) != 0, "computed",
				      (f->flags & TB_COMPUTED) != 0);
		if (f->codes) json_object_set_new(o, "codes", json_string(f->codes));
		if (f->std_name) json_object_set_new(o, "std_name", json_string(f->std_name));
		if (f->unit) json_object_set_new(o, "unit", json_string(f->unit));
		if (f->flags & TB_RANGE) {
			json_object_set_new(o, "min", json_real(f->min));
			json_object_set_new(o, "max", json_real(f->max));
		}
		json_array_append_new(fields, o);
	}
	return json_pack("{s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:s?,s:o}", "name", r->name, "label_zh",
			 r->label_zh, "label_en", r->label_en, "clause", r->clause, "geometry",
			 r->geom ? tb_geomtype_name(r->geom) : NULL, "key", r->key, "scope",
			 r->scope, "fields", fields);
}
