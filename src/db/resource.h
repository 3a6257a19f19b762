/* resource.h — one mechanism for records (DESIGN.md §9).
 *
 * Every kind of record (parcel, zone, agreement, patrol …) is *described* by
 * a tb_resource in its feature folder.  The description drives what is the
 * same for all kinds: the table and its GeoPackage registration, validation
 * with field-level errors, JSON in and out, list queries with filters,
 * sorting and paging, import field mapping and export, and (later) the API
 * routes and UI forms.  Hand-written C is kept for behaviour, in the hooks.
 *
 * Every table gets these columns besides the described fields:
 *   fid INTEGER PRIMARY KEY   (GeoPackage feature id)
 *   geom <TYPE>               (spatial kinds only; EPSG:4490)
 *   version INTEGER           (optimistic concurrency, starts at 1)
 *   created_at, updated_at    (UTC ISO 8601) */
#ifndef TB_DB_RESOURCE_H
#define TB_DB_RESOURCE_H

#include "db/db.h"
#include "geo/geo.h"

#include <jansson.h>
#include <stdbool.h>

typedef enum tb_ftype {
	TB_F_TEXT,
	TB_F_INT,
	TB_F_REAL,
	TB_F_BOOL,
	TB_F_CODE, /* a code of the code list `codes`, stored as text */
	TB_F_DATE, /* YYYY-MM-DD */
	TB_F_TIME, /* ISO 8601 UTC date-time */
	TB_F_JSON  /* any JSON, stored as text */
} tb_ftype;

enum {
	TB_REQUIRED = 1 << 0, /* must be present and not empty                 */
	TB_UNIQUE = 1 << 1,   /* unique across the table                       */
	TB_COMPUTED = 1 << 2, /* set by the system (hooks), never by input     */
	TB_INDEXED = 1 << 3,  /* create an index                               */
	TB_RANGE = 1 << 4,    /* min/max apply                                  */
	TB_PRIVATE = 1 << 5   /* never shown outside the server (hashes)        */
};

typedef struct tb_field {
	const char *name;     /* column and JSON key                          */
	tb_ftype type;
	unsigned flags;
	const char *label_zh; /* 小班号 …                                       */
	const char *label_en;
	const char *codes;    /* TB_F_CODE: code list name                      */
	const char *std_name; /* 一张图 standard field name, e.g. "XIAO_BAN"     */
	const char *aliases;  /* more import names, '|'-separated               */
	double min, max;      /* with TB_RANGE                                  */
	int max_len;          /* TB_F_TEXT: max characters (0 = 1000)           */
	const char *unit;     /* "ha", "m³/ha" …                                */
} tb_field;

typedef enum tb_geomtype {
	TB_GEOM_NONE,
	TB_GEOM_POINT,
	TB_GEOM_LINESTRING,
	TB_GEOM_POLYGON,
	TB_GEOM_MULTIPOINT,
	TB_GEOM_MULTILINESTRING,
	TB_GEOM_MULTIPOLYGON,
	TB_GEOM_GEOMETRY /* any type (GeoPackage GEOMETRY): alerts are points or polygons */
} tb_geomtype;

struct tb_resource;

/* The record being written: props (owned by the caller, may be modified by
 * hooks), geometry (owned by the record; hooks may replace it), and the old
 * row for updates. */
typedef struct tb_record {
	json_t *props;
	GEOSGeometry *geom;
	const json_t *old; /* previous props on update, NULL on insert */
	int64_t fid;
	const char *name;  /* how errors name it: "feature 12 (小班 …)" */
} tb_record;

/* A hook returns 0 or an error with field set. */
typedef int (*tb_record_hook)(tb_db *db, const struct tb_resource *r, tb_record *rec, void *ctx,
			      tb_err *e);

typedef struct tb_resource {
	const char *name;     /* table and API name: "parcels"          */
	const char *label_zh;
	const char *label_en;
	const char *clause;   /* the plan clause it serves: "3.3.3"     */
	const tb_field *fields;
	int nfields;
	tb_geomtype geom;     /* TB_GEOM_NONE: attribute table          */
	bool geom_required;
	const char *key;      /* natural key field ("code")             */
	const char *scope;    /* jurisdiction field (town code)         */
	const char *parcel_key; /* field holding the parcel code this
				   record concerns, for archives          */
	tb_record_hook before_write; /* derive computed fields, checks */
	tb_record_hook after_write;  /* side effects (area ledger)     */
} tb_resource;

/* ---- description queries -------------------------------------------------- */
const tb_field *tb_resource_field(const tb_resource *r, const char *name);
/* The field an import column name maps to: name, std_name, label_zh or an
 * alias, compared case-insensitively; NULL if none. */
const tb_field *tb_resource_match(const tb_resource *r, const char *column);
const char *tb_geomtype_name(tb_geomtype t); /* "MULTIPOLYGON" … */
/* The description as JSON (for /api/schema and the UI). New reference. */
json_t *tb_resource_schema(tb_db *db, const tb_resource *r);

/* ---- tables --------------------------------------------------------------- */
/* CREATE TABLE from the description, indices, GeoPackage registration and
 * gpkg_data_columns labels (code lists become enum constraints). */
int tb_resource_create(tb_db *db, const tb_resource *r, tb_err *e);

/* ---- validation ------------------------------------------------------------ */
/* Normalise and check rec->props against the description: types (numbers
 * given as text are converted; code labels become codes), required, ranges,
 * lengths, code lists, unknown keys refused.  Computed fields in the input
 * are refused unless `allow_computed`.  Every problem goes into `errs`
 * (record = rec->name); returns the number of problems. */
int tb_record_validate(tb_db *db, const tb_resource *r, tb_record *rec, bool allow_computed,
		       tb_errlist *errs);

/* ---- writes (caller holds the transaction and appends the event) ---------- */
/* Insert: validate, before_write, uniqueness, INSERT, after_write.  On a
 * validation failure returns TB_EINPUT with the first problem in *e (all of
 * them in errs if not NULL). */
typedef struct tb_writer tb_writer; /* prepared statements, reused for bulk */
tb_writer *tb_writer_new(tb_db *db, const tb_resource *r, void *hook_ctx, tb_err *e);
void tb_writer_free(tb_writer *w);
int tb_writer_insert(tb_writer *w, tb_record *rec, tb_errlist *errs, tb_err *e);
/* Update the record with this fid: rec->props is a patch (fields to set, JSON
 * null clears), rec->geom a new geometry or NULL to keep it.
 * expected_version > 0 must equal the stored version (TB_ECONFLICT if not).
 * On return rec->props holds the full new row, and rec->geom the record's
 * geometry (the old one when none was given): the caller destroys it. */
int tb_record_update(tb_db *db, const tb_resource *r, tb_record *rec, int64_t expected_version,
		     void *hook_ctx, tb_err *e);

/* Insert every row of a CSV configuration file of data/ (tb_data_read:
 * relpath) into r, inside the caller's transaction (hooks get ctx).
 * Columns naming no field are ignored; empty cells are absent values; an
 * error names "<file> line N" and the field.  *count gets the rows. */
int tb_load_csv(tb_db *db, void *ctx, const tb_resource *r, const char *relpath, int64_t *count,
		tb_err *e);

/* ---- reads ----------------------------------------------------------------- */
/* Row → JSON object of props (+ fid, version, created_at, updated_at).
 * With want_geom, *geom receives the geometry (caller destroys). */
int tb_record_get(tb_db *db, const tb_resource *r, int64_t fid, json_t **props,
		  GEOSGeometry **geom, tb_err *e);
int tb_record_get_by_key(tb_db *db, const tb_resource *r, const char *key, json_t **props,
			 GEOSGeometry **geom, tb_err *e);

typedef struct tb_filter {
	const char *field; /* a described field, fid, or version          */
	const char *op;    /* "eq" (default), "ne", "lt", "le", "gt", "ge", "like", "in" */
	const char *value; /* for "in": comma-separated                   */
} tb_filter;

typedef struct tb_query {
	const tb_filter *filters;
	int nfilters;
	const char *sort;  /* field; prefix '-' for descending; default fid */
	int64_t limit;     /* default 100, max 10000 (0 = default)            */
	int64_t offset;
	const char *scope_in; /* jurisdiction: comma-separated allowed values of
				 r->scope, NULL = no restriction          */
	const double *bbox;   /* minx,miny,maxx,maxy (lon/lat) or NULL     */
	bool with_geom;       /* fill geoms                                 */
} tb_query;

typedef struct tb_rows {
	json_t *items;     /* array of props objects                       */
	GEOSGeometry **geoms; /* with_geom: one per item (may be NULL)   */
	size_t n;
	int64_t total;     /* rows matching, ignoring limit/offset         */
} tb_rows;

/* Run a list query.  Unknown fields or ops → TB_EINPUT naming the field. */
int tb_record_list(tb_db *db, const tb_resource *r, const tb_query *q, tb_rows *out, tb_err *e);
void tb_rows_free(tb_rows *rows);

/* Internal to db/: the SELECT list of a resource and a row's JSON. */
struct tb_buf;
int tb_record_select_sql(const tb_resource *r, bool with_geom, struct tb_buf *b);
json_t *tb_record_row(tb_stmt *st, const tb_resource *r, GEOSGeometry **geom);

#endif
