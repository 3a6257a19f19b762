/* query.c — list queries over described records: filters on described
 * fields only (never SQL from outside), jurisdiction scope, bounding box
 * through the GeoPackage R-tree, sorting and paging with a total count. */
#include "db/resource.h"

#include "base/buf.h"
#include "db/codes.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define LIMIT_DEFAULT 100
#define LIMIT_MAX 10000

typedef struct binds {
	const char *text[256];
	int n;
	const double *bbox;
} binds;

static const char *op_sql(const char *op)
{
	static const char *ops[][2] = {{"eq", "="},  {"ne", "<>"}, {"lt", "<"},	     {"le", "<="},
				       {"gt", ">"},  {"ge", ">="}, {"like", " LIKE "}};
	if (!op || !*op) return "=";
	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(op, ops[i][0])) return ops[i][1];
	return NULL;
}

static bool system_column(const char *f)
{
	return !strcmp(f, "fid") || !strcmp(f, "version") || !strcmp(f, "created_at") ||
	       !strcmp(f, "updated_at");
}

/* A filter value for a code field may be a label: use the code.  Booleans
 * are stored as 0/1 and may be written true/false/是/否. */
static const char *filter_value(tb_db *db, const tb_field *fd, const char *v)
{
	if (fd && fd->type == TB_F_BOOL) {
		if (!strcasecmp(v, "true") || !strcmp(v, "是")) return "1";
		if (!strcasecmp(v, "false") || !strcmp(v, "否")) return "0";
	}
	if (fd && fd->type == TB_F_CODE) {
		const tb_code_entry *c = tb_codes_find(db, fd->codes, v);
		if (c) return c->code;
	}
	return v;
}

static int add_in(tb_db *db, tb_buf *w, binds *bd, const char *col, const tb_field *fd,
		  const char *list, char **scratch)
{
	*scratch = strdup(list);
	int rc = tb_buf_addf(w, " AND \"%s\" IN (", col);
	int first = 1;
	for (char *save = NULL, *t = strtok_r(*scratch, ",", &save); t && !rc;
	     t = strtok_r(NULL, ",", &save)) {
		if (bd->n >= 250) return TB_ETOOBIG;
		bd->text[bd->n++] = filter_value(db, fd, t);
		rc = tb_buf_adds(w, first ? "?" : ",?");
		first = 0;
	}
	if (first) rc = tb_buf_adds(w, "NULL");
	return rc ? rc : tb_buf_adds(w, ")");
}

static int build_where(tb_db *db, const tb_resource *r, const tb_query *q, tb_buf *w, binds *bd,
		       char **scratch, tb_err *e)
{
	int rc = tb_buf_adds(w, " WHERE 1");
	for (int i = 0; !rc && i < q->nfilters; i++) {
		const tb_filter *f = &q->filters[i];
		const tb_field *fd = tb_resource_field(r, f->field);
		if ((!fd && !system_column(f->field)) || (fd && fd->flags & TB_PRIVATE))
			return tb_err_set(e, TB_EINPUT, r->name, f->field, "no such field to filter on");
		if (f->op && !strcmp(f->op, "in")) {
			rc = add_in(db, w, bd, f->field, fd, f->value, &scratch[i]);
			continue;
		}
		const char *op = op_sql(f->op);
		if (!op) return tb_err_set(e, TB_EINPUT, r->name, f->field, "unknown filter operator '%s'", f->op);
		if (bd->n >= 250) return tb_err_set(e, TB_ETOOBIG, r->name, NULL, "too many filters");
		bd->text[bd->n++] = filter_value(db, fd, f->value);
		rc = tb_buf_addf(w, " AND \"%s\"%s?", f->field, op);
	}
	if (!rc && q->scope_in && r->scope)
		rc = add_in(db, w, bd, r->scope, NULL, q->scope_in, &scratch[q->nfilters]);
	if (!rc && q->bbox) {
		if (!r->geom) return tb_err_set(e, TB_EINPUT, r->name, "bbox", "not a spatial resource");
		bd->bbox = q->bbox;
		rc = tb_buf_addf(w, " AND fid IN (SELECT id FROM \"rtree_%s_geom\" WHERE maxx>=?"
				    " AND minx<=? AND maxy>=? AND miny<=?)", r->name);
	}
	return rc ? tb_err_set(e, rc, r->name, NULL, "query too large") : 0;
}

static void bind_all(tb_stmt *st, const binds *bd)
{
	int k = 1;
	for (int i = 0; i < bd->n; i++) tb_bind_text(st, k++, bd->text[i]);
	if (bd->bbox) {
		tb_bind_double(st, k++, bd->bbox[0]);
		tb_bind_double(st, k++, bd->bbox[2]);
		tb_bind_double(st, k++, bd->bbox[1]);
		tb_bind_double(st, k++, bd->bbox[3]);
	}
}

static int order_by(const tb_resource *r, const char *sort, tb_buf *b, tb_err *e)
{
	if (!sort || !*sort) return tb_buf_adds(b, " ORDER BY fid");
	bool desc = sort[0] == '-';
	const char *f = desc ? sort + 1 : sort;
	const tb_field *fd = tb_resource_field(r, f);
	if ((!fd && !system_column(f)) || (fd && fd->flags & TB_PRIVATE))
		return tb_err_set(e, TB_EINPUT, r->name, "sort", "cannot sort by '%s': no such field", f);
	return tb_buf_addf(b, " ORDER BY \"%s\" %s, fid", f, desc ? "DESC" : "ASC");
}

static int count_rows(tb_db *db, const tb_resource *r, const char *where, const binds *bd,
		      int64_t *total, tb_err *e)
{
	tb_buf b;
	tb_buf_init(&b, 1 << 20);
	tb_buf_addf(&b, "SELECT count(*) FROM \"%s\"%s", r->name, where);
	tb_stmt *st;
	int rc = tb_db_prepare(db, b.data, &st, e);
	tb_buf_free(&b);
	if (rc) return rc;
	bind_all(st, bd);
	*total = tb_stmt_step(st) == TB_ROW ? tb_col_int64(st, 0) : 0;
	tb_stmt_finalize(st);
	return 0;
}

int tb_record_list(tb_db *db, const tb_resource *r, const tb_query *q, tb_rows *out, tb_err *e)
{
	memset(out, 0, sizeof *out);
	if (q->nfilters > 200) return tb_err_set(e, TB_ETOOBIG, r->name, NULL, "too many filters");
	int64_t limit = q->limit > 0 ? q->limit : LIMIT_DEFAULT;
	if (limit > LIMIT_MAX) limit = LIMIT_MAX;
	if (q->offset < 0) return tb_err_set(e, TB_EINPUT, r->name, "offset", "must not be negative");
	char *scratch[202] = {0};
	binds bd = {0};
	tb_buf where, sql;
	tb_buf_init(&where, 1 << 20);
	tb_buf_init(&sql, 1 << 20);
	int rc = build_where(db, r, q, &where, &bd, scratch, e);
	if (!rc) rc = count_rows(db, r, where.data, &bd, &out->total, e);
	if (!rc) {
		tb_record_select_sql(r, q->with_geom, &sql);
		tb_buf_adds(&sql, where.data);
		rc = order_by(r, q->sort, &sql, e);
	}
	if (!rc) tb_buf_addf(&sql, " LIMIT %lld OFFSET %lld", (long long)limit, (long long)q->offset);
	tb_stmt *st = NULL;
	if (!rc) rc = tb_db_prepare(db, sql.data, &st, e);
	if (!rc) {
		bind_all(st, &bd);
		out->items = json_array();
		size_t cap = 0;
		while ((rc = tb_stmt_step(st)) == TB_ROW) {
			GEOSGeometry *g = NULL;
			json_array_append_new(out->items, tb_record_row(st, r, q->with_geom ? &g : NULL));
			if (q->with_geom) {
				if (out->n == cap) {
					cap = cap ? 2 * cap : 64;
					out->geoms = realloc(out->geoms, cap * sizeof *out->geoms);
				}
				out->geoms[out->n] = g;
			}
			out->n++;
		}
		rc = rc == TB_DONE ? 0 : tb_db_error(db, e, r->name);
	}
	tb_stmt_finalize(st);
	for (int i = 0; i < 202; i++) free(scratch[i]);
	tb_buf_free(&where);
	tb_buf_free(&sql);
	if (rc) tb_rows_free(out);
	return rc;
}

void tb_rows_free(tb_rows *rows)
{
	for (size_t i = 0; rows->geoms && i < rows->n; i++)
		if (rows->geoms[i]) GEOSGeom_destroy_r(tb_geos(), rows->geoms[i]);
	free(rows->geoms);
	json_decref(rows->items);
	memset(rows, 0, sizeof *rows);
}
