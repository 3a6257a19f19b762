/* test_db_record.c — described records (db/resource.h): a small test
 * resource's table and GeoPackage registration, validation with field-level
 * errors, normalisation (labels → codes, numeric strings, lost leading
 * zeros), inserts through tb_writer, get, versioned updates, and list
 * queries with filters, sorting, paging, scope and a bbox through the R-tree. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "base/json.h"
#include "db/event.h"
#include "db/sqlite/sqlite_int.h"
#include "db/resource.h"
#include "db/schema.h"
#include "geo/geo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the test resource --------------------------------------------------------- */

static const tb_field plot_fields[] = {
    {.name = "code",
     .type = TB_F_TEXT,
     .flags = TB_REQUIRED | TB_UNIQUE,
     .label_zh = "小班号",
     .label_en = "Parcel code",
     .std_name = "XIAO_BAN",
     .max_len = 20},
    {.name = "di_lei",
     .type = TB_F_CODE,
     .label_zh = "地类",
     .label_en = "Land class",
     .codes = "di_lei",
     .std_name = "DI_LEI",
     .aliases = "dl|地类代码"},
    {.name = "sen_lin_lb",
     .type = TB_F_CODE,
     .label_zh = "森林类别",
     .label_en = "Forest category",
     .codes = "sen_lin_lb",
     .std_name = "SEN_LIN_LB"},
    {.name = "yu_bi_du",
     .type = TB_F_REAL,
     .flags = TB_RANGE,
     .label_zh = "郁闭度",
     .label_en = "Canopy closure",
     .std_name = "YU_BI_DU",
     .min = 0,
     .max = 1},
    {.name = "zhu_shu", .type = TB_F_INT, .label_zh = "株数", .label_en = "Stems", .unit = "株"},
    {.name = "survey_date", .type = TB_F_DATE, .label_zh = "调查日期", .label_en = "Survey date"},
    {.name = "natural", .type = TB_F_BOOL, .label_zh = "天然", .label_en = "Natural"},
    {.name = "town", .type = TB_F_TEXT, .label_zh = "乡镇", .label_en = "Town"},
    {.name = "extra", .type = TB_F_JSON, .label_zh = "附加", .label_en = "Extra"},
    {.name = "canopy_class",
     .type = TB_F_TEXT,
     .flags = TB_COMPUTED,
     .label_zh = "郁闭度等级",
     .label_en = "Canopy class"},
    {.name = "secret", .type = TB_F_TEXT, .flags = TB_PRIVATE},
};

typedef struct hook_ctx {
	int before, after;
} hook_ctx;

/* behaviour: the canopy class follows the canopy closure (郁闭度) */
static int plot_before(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db;
	(void)r;
	if (ctx) ((hook_ctx *)ctx)->before++;
	const char *code = tb_json_str(rec->props, "code");
	if (code && !strcmp(code, "REFUSE"))
		return tb_err_set(e, TB_EINPUT, rec->name, "code", "refused by the hook");
	json_t *v = json_object_get(rec->props, "yu_bi_du");
	const char *cls = NULL;
	if (json_is_number(v)) {
		double d = json_number_value(v);
		cls = d >= 0.7 ? "dense" : d >= 0.2 ? "medium" : "sparse";
	}
	json_object_set_new(rec->props, "canopy_class", cls ? json_string(cls) : json_null());
	return 0;
}

static int plot_after(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db;
	(void)r;
	(void)e;
	(void)rec;
	if (ctx) ((hook_ctx *)ctx)->after++;
	return 0;
}

static const tb_resource plots = {
    .name = "test_plots",
    .label_zh = "测试小班",
    .label_en = "Test plots",
    .clause = "3.3.3",
    .fields = plot_fields,
    .nfields = sizeof plot_fields / sizeof plot_fields[0],
    .geom = TB_GEOM_MULTIPOLYGON,
    .key = "code",
    .scope = "town",
    .parcel_key = "code",
    .before_write = plot_before,
    .after_write = plot_after,
};

static const tb_field note_fields[] = {
    {.name = "title", .type = TB_F_TEXT, .flags = TB_REQUIRED, .label_zh = "标题"},
    {.name = "n", .type = TB_F_INT, .flags = TB_INDEXED},
};

static const tb_resource notes = {
    .name = "test_notes",
    .fields = note_fields,
    .nfields = 2,
    .geom = TB_GEOM_NONE,
};

/* ---- fixture ----------------------------------------------------------------------- */

typedef struct fx {
	char dir[64];
	char path[128];
	tb_db *db;
	hook_ctx hooks;
} fx;

static int64_t q64(tb_db *db, const char *sql)
{
	int64_t v = -1;
	tb_err e = {0};
	if (tb_db_int64(db, sql, &v, &e)) fail_msg("%s: %s", sql, e.message);
	return v;
}

static const char *qtext(tb_db *db, const char *sql)
{
	static char out[1024];
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, NULL))
		fail_msg("%s: %s", sql, tb_db_errmsg(db));
	snprintf(out, sizeof out, "(null)");
	if (tb_stmt_step(st) == TB_ROW && tb_col_text(st, 0))
		snprintf(out, sizeof out, "%s", tb_col_text(st, 0));
	tb_stmt_finalize(st);
	return out;
}

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);
	if (!v) fail_msg("bad test JSON %s: %s", text, je.text);
	return v;
}

/* A square of side `s` degrees at (lon, lat), as a MultiPolygon. */
static GEOSGeometry *square(double lon, double lat, double s)
{
	char wkt[256];
	snprintf(wkt, sizeof wkt,
	         "MULTIPOLYGON(((%.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f, %.6f %.6f)))", lon,
	         lat, lon + s, lat, lon + s, lat + s, lon, lat + s, lon, lat);
	GEOSGeometry *g = GEOSGeomFromWKT_r(tb_geos(), wkt);
	assert_non_null(g);
	return g;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tb_record_", "t.gpkg"))
		return -1;
	setenv("TIANBAO_NOW", "2026-05-04T08:00:00+08:00", 1);
	tb_err e = {0};
	if (tb_db_open(f->path, TB_DB_CREATE, &f->db, &e) ||
	    tb_schema_migrate(f->db, &tb_core_module, "test", &e) ||
	    tb_resource_create(f->db, &plots, &e) || tb_resource_create(f->db, &notes, &e)) {
		fprintf(stderr, "setup: %s\n", e.message);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tb_db_close(f->db);
	tb_test_remove_db(f->dir, f->path);
	free(f);
	unsetenv("TIANBAO_NOW");
	return 0;
}

/* Insert one record in a transaction with its event.  Takes props and geom. */
static int insert(fx *f, const char *props_json, GEOSGeometry *g, int64_t *fid, tb_err *e)
{
	tb_record rec = {.props = J(props_json), .geom = g, .name = "feature 1"};
	int rc = tb_db_begin(f->db, e);
	tb_writer *w = rc ? NULL : tb_writer_new(f->db, &plots, &f->hooks, e);
	if (!rc && !w) rc = e->code;
	if (!rc) rc = tb_writer_insert(w, &rec, NULL, e);
	if (!rc) {
		tb_event_in ev = {.actor = "t",
		                  .role = "admin",
		                  .action = "test_plots.create",
		                  .entity = "test_plots",
		                  .entity_id = tb_json_str(rec.props, "code"),
		                  .payload = rec.props};
		rc = tb_event_append(f->db, &ev, NULL, e);
	}
	if (!rc) rc = tb_db_commit(f->db, e);
	if (rc) tb_db_rollback(f->db);
	if (!rc && fid) *fid = rec.fid;
	tb_writer_free(w);
	json_decref(rec.props);
	if (g) GEOSGeom_destroy_r(tb_geos(), g);
	return rc;
}

/* Update in a transaction; returns rc, *out (if not NULL) gets the new row. */
static int update(fx *f, int64_t fid, const char *patch_json, GEOSGeometry *g, int64_t expected,
                  json_t **out, tb_err *e)
{
	tb_record rec = {.props = J(patch_json), .geom = g, .fid = fid, .name = "feature 1"};
	int rc = tb_db_begin(f->db, e);
	if (!rc) rc = tb_record_update(f->db, &plots, &rec, expected, &f->hooks, e);
	if (!rc) rc = tb_db_commit(f->db, e);
	if (rc) tb_db_rollback(f->db);
	if (out) *out = json_incref(rec.props);
	json_decref(rec.props);
	/* the record owns its geometry: the new one, or the old one loaded for the hooks */
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	return rc;
}

/* Validate one record; returns the error list (caller frees). */
static int validate(fx *f, const tb_resource *r, json_t *props, tb_errlist *errs)
{
	tb_record rec = {.props = props, .name = "row 7"};
	tb_errlist_init(errs, 50);
	return tb_record_validate(f->db, r, &rec, false, errs);
}

/* The only error of a one-field-bad record. */
static tb_err one_error(fx *f, const char *props_json)
{
	tb_errlist errs;
	json_t *p = J(props_json);
	int n = validate(f, &plots, p, &errs);
	if (n != 1)
		fail_msg("%s: %d errors, first: %s", props_json, n,
		         errs.len ? errs.items[0].message : "");
	tb_err e = errs.items[0];
	tb_errlist_free(&errs);
	json_decref(p);
	assert_int_equal(e.code, TB_EINPUT);
	assert_string_equal(e.record, "row 7");
	return e;
}

/* Normalised value of one field of a valid record (new reference). */
static json_t *normalised(fx *f, const char *props_json, const char *field)
{
	tb_errlist errs;
	json_t *p = J(props_json);
	int n = validate(f, &plots, p, &errs);
	if (n) fail_msg("%s: %s: %s", props_json, errs.items[0].field, errs.items[0].message);
	tb_errlist_free(&errs);
	json_t *v = json_incref(json_object_get(p, field));
	json_decref(p);
	return v;
}

/* ---- table and GeoPackage registration -------------------------------------------------- */

static void test_create(void **state)
{
	fx *f = *state;
	tb_db *db = f->db;
	assert_int_equal(q64(db,
	                     "SELECT count(*) FROM gpkg_contents WHERE table_name='test_plots'"
	                     " AND data_type='features' AND srs_id=4490 AND description='3.3.3'"),
	                 1);
	assert_string_equal(
	    qtext(db, "SELECT identifier FROM gpkg_contents WHERE table_name='test_plots'"),
	    "测试小班 Test plots");
	assert_int_equal(
	    q64(db, "SELECT count(*) FROM gpkg_geometry_columns WHERE table_name='test_plots'"
	            " AND column_name='geom' AND geometry_type_name='MULTIPOLYGON' AND srs_id=4490"
	            " AND z=0 AND m=0"),
	    1);
	assert_int_equal(q64(db, "SELECT count(*) FROM sqlite_master WHERE type='table'"
	                         " AND name='rtree_test_plots_geom' AND sql LIKE '%USING rtree%'"),
	                 1);
	const char *trig[] = {"insert", "update1", "update2", "update3", "update4", "delete"};
	char sql[256];
	for (int i = 0; i < 6; i++) {
		snprintf(sql, sizeof sql,
		         "SELECT count(*) FROM sqlite_master WHERE type='trigger'"
		         " AND name='rtree_test_plots_geom_%s' AND tbl_name='test_plots'",
		         trig[i]);
		if (q64(db, sql) != 1) fail_msg("trigger %s missing", trig[i]);
	}
	assert_int_equal(q64(db,
	                     "SELECT count(*) FROM gpkg_extensions WHERE table_name='test_plots'"
	                     " AND extension_name='gpkg_rtree_index'"),
	                 1);
	/* columns: labels and code-list constraints */
	assert_int_equal(
	    q64(db, "SELECT count(*) FROM gpkg_data_columns WHERE table_name='test_plots'"),
	    plots.nfields);
	assert_string_equal(
	    qtext(db, "SELECT name||'|'||title||'|'||constraint_name FROM gpkg_data_columns"
	              " WHERE table_name='test_plots' AND column_name='di_lei'"),
	    "地类|Land class|di_lei");
	assert_string_equal(qtext(db, "SELECT name||'|'||title FROM gpkg_data_columns"
	                              " WHERE table_name='test_plots' AND column_name='yu_bi_du'"),
	                    "郁闭度|Canopy closure");
	assert_int_equal(
	    q64(db,
	        "SELECT count(*) FROM gpkg_data_column_constraints WHERE constraint_name='di_lei'"
	        " AND constraint_type='enum'"),
	    q64(db, "SELECT count(*) FROM tb_code WHERE list='di_lei'"));
	assert_string_equal(qtext(db, "SELECT description FROM gpkg_data_column_constraints"
	                              " WHERE constraint_name='sen_lin_lb' AND value='011'"),
	                    "重点公益林");
	/* the table itself */
	assert_string_equal(
	    qtext(db, "SELECT type FROM pragma_table_info('test_plots') WHERE name='geom'"),
	    "MULTIPOLYGON");
	assert_int_equal(
	    q64(db, "SELECT \"notnull\" FROM pragma_table_info('test_plots') WHERE name='code'"),
	    1);
	assert_int_equal(q64(db,
	                     "SELECT count(*) FROM pragma_table_info('test_plots') WHERE name IN"
	                     " ('fid','version','created_at','updated_at')"),
	                 4);
	assert_int_equal(
	    q64(db,
	        "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='test_plots_town'"),
	    1);
	/* the attribute table */
	assert_int_equal(q64(db, "SELECT count(*) FROM gpkg_contents WHERE table_name='test_notes'"
	                         " AND data_type='attributes' AND srs_id IS NULL"),
	                 1);
	assert_int_equal(
	    q64(db,
	        "SELECT count(*) FROM sqlite_master WHERE type='index' AND name='test_notes_n'"),
	    1);
	assert_int_equal(
	    q64(db, "SELECT count(*) FROM gpkg_geometry_columns WHERE table_name='test_notes'"), 0);
	assert_string_equal(qtext(db, "PRAGMA integrity_check"), "ok");
	assert_int_equal(q64(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	/* creating it again is an error, not a silent no-op */
	tb_err e = {0};
	assert_int_equal(tb_resource_create(db, &notes, &e), TB_EDB);
	assert_non_null(strstr(e.message, "already exists"));
}

static void test_describe(void **state)
{
	fx *f = *state;
	assert_ptr_equal(tb_resource_field(&plots, "yu_bi_du"), &plot_fields[3]);
	assert_null(tb_resource_field(&plots, "YU_BI_DU")); /* names are exact */
	assert_ptr_equal(tb_resource_match(&plots, "YU_BI_DU"), &plot_fields[3]);
	assert_ptr_equal(tb_resource_match(&plots, "Di_Lei"), &plot_fields[1]);
	assert_ptr_equal(tb_resource_match(&plots, "地类"), &plot_fields[1]);
	assert_ptr_equal(tb_resource_match(&plots, "DL"), &plot_fields[1]);
	assert_ptr_equal(tb_resource_match(&plots, "地类代码"), &plot_fields[1]);
	assert_ptr_equal(tb_resource_match(&plots, "xiao_ban"), &plot_fields[0]);
	assert_null(tb_resource_match(&plots, "d"));
	assert_null(tb_resource_match(&plots, "dl|"));
	assert_null(tb_resource_match(&plots, "nope"));
	assert_string_equal(tb_geomtype_name(TB_GEOM_MULTIPOLYGON), "MULTIPOLYGON");
	assert_string_equal(tb_geomtype_name(TB_GEOM_POINT), "POINT");

	json_t *s = tb_resource_schema(f->db, &plots);
	assert_string_equal(tb_json_str(s, "name"), "test_plots");
	assert_string_equal(tb_json_str(s, "geometry"), "MULTIPOLYGON");
	assert_string_equal(tb_json_str(s, "key"), "code");
	assert_string_equal(tb_json_str(s, "scope"), "town");
	json_t *fields = json_object_get(s, "fields");
	assert_int_equal(json_array_size(fields), plots.nfields - 1); /* private hidden */
	json_t *yu = json_array_get(fields, 3);
	assert_string_equal(tb_json_str(yu, "name"), "yu_bi_du");
	assert_string_equal(tb_json_str(yu, "type"), "real");
	assert_true(tb_json_num(yu, "max", -1) == 1.0);
	assert_true(json_is_true(json_object_get(json_array_get(fields, 0), "required")));
	assert_true(json_is_true(json_object_get(json_array_get(fields, 9), "computed")));
	assert_string_equal(tb_json_str(json_array_get(fields, 1), "codes"), "di_lei");
	json_decref(s);
	s = tb_resource_schema(f->db, &notes);
	assert_true(json_is_null(json_object_get(s, "geometry")));
	json_decref(s);
}

/* ---- validation ------------------------------------------------------------------------------ */

static void test_validation_errors(void **state)
{
	fx *f = *state;
	tb_err e = one_error(f, "{\"di_lei\":\"030100\"}");
	assert_string_equal(e.field, "code");
	assert_string_equal(e.message, "required value is missing");
	e = one_error(f, "{\"code\":\"   \"}");
	assert_string_equal(e.field, "code");
	assert_string_equal(e.message, "required value is missing");

	e = one_error(f, "{\"code\":\"A\",\"yu_bi_du\":\"abc\"}");
	assert_string_equal(e.field, "yu_bi_du");
	assert_string_equal(e.message, "expected a number, got \"abc\"");
	e = one_error(f, "{\"code\":\"A\",\"yu_bi_du\":\"0,5\"}");
	assert_non_null(strstr(e.message, "expected a number"));
	e = one_error(f, "{\"code\":\"A\",\"yu_bi_du\":[0.5]}");
	assert_string_equal(e.message, "expected a number, got [0.5]");

	e = one_error(f, "{\"code\":\"A\",\"yu_bi_du\":1.5}");
	assert_string_equal(e.field, "yu_bi_du");
	assert_string_equal(e.message, "value 1.5 out of range [0, 1]");
	e = one_error(f, "{\"code\":\"A\",\"yu_bi_du\":\"-0.01\"}");
	assert_string_equal(e.message, "value -0.01 out of range [0, 1]");

	e = one_error(f, "{\"code\":\"A\",\"di_lei\":\"999999\"}");
	assert_string_equal(e.field, "di_lei");
	assert_non_null(strstr(e.message, "'999999'"));
	assert_non_null(strstr(e.message, "di_lei"));
	assert_string_equal(e.message, "unknown code '999999' in code list 地类 (di_lei)");
	e = one_error(f, "{\"code\":\"A\",\"di_lei\":\"纯天然\"}"); /* a label of another list */
	assert_non_null(strstr(e.message, "'纯天然'"));

	e = one_error(f, "{\"code\":\"A\",\"bogus\":1}");
	assert_string_equal(e.field, "bogus");
	assert_string_equal(e.message, "unknown field of test_plots");

	e = one_error(f, "{\"code\":\"A\",\"canopy_class\":\"dense\"}");
	assert_string_equal(e.field, "canopy_class");
	assert_string_equal(e.message, "computed by the system; it cannot be set");

	e = one_error(f, "{\"code\":\"A\",\"zhu_shu\":\"12.5\"}");
	assert_string_equal(e.field, "zhu_shu");
	assert_string_equal(e.message, "expected an integer, got \"12.5\"");
	e = one_error(f, "{\"code\":\"A\",\"zhu_shu\":\"99999999999999999999\"}");
	assert_string_equal(e.field, "zhu_shu");
	e = one_error(f, "{\"code\":\"A\",\"zhu_shu\":1e300}");
	assert_string_equal(e.field, "zhu_shu");
	assert_non_null(strstr(e.message, "expected an integer"));
	e = one_error(f, "{\"code\":\"A\",\"zhu_shu\":-9.3e18}");
	assert_string_equal(e.field, "zhu_shu");

	e = one_error(f, "{\"code\":\"A\",\"survey_date\":\"2026-02-29\"}");
	assert_string_equal(e.message, "expected a date (YYYY-MM-DD), got \"2026-02-29\"");
	e = one_error(f, "{\"code\":\"A\",\"natural\":\"maybe\"}");
	assert_string_equal(e.message, "expected true or false, got \"maybe\"");
	e = one_error(f, "{\"code\":\"A\",\"natural\":2}");
	assert_string_equal(e.field, "natural");
	e = one_error(f, "{\"code\":\"A\",\"town\":{\"x\":1}}");
	assert_string_equal(e.message, "expected text, got {\"x\":1}");
	e = one_error(f, "{\"code\":\"123456789012345678901\"}"); /* 21 > max_len 20 */
	assert_string_equal(e.message, "text longer than 20 characters");

	/* every problem is reported, each with its field */
	tb_errlist errs;
	json_t *p = J(
	    "{\"yu_bi_du\":2,\"di_lei\":\"x\",\"zz\":1,\"canopy_class\":\"a\",\"zhu_shu\":\"a\"}");
	assert_int_equal(validate(f, &plots, p, &errs), 6);
	const char *want[] = {"zz", "code", "di_lei", "yu_bi_du", "zhu_shu", "canopy_class"};
	for (int i = 0; i < 6; i++) {
		bool found = false;
		for (size_t k = 0; k < errs.len; k++)
			found |= !strcmp(errs.items[k].field, want[i]);
		if (!found) fail_msg("no error for %s", want[i]);
	}
	tb_errlist_free(&errs);
	json_decref(p);

	/* not an object */
	p = J("[1]");
	assert_int_equal(validate(f, &plots, p, &errs), 1);
	assert_string_equal(errs.items[0].message, "expected a JSON object");
	tb_errlist_free(&errs);
	json_decref(p);

	/* a required geometry */
	tb_resource r2 = plots;
	r2.geom_required = true;
	p = J("{\"code\":\"A\"}");
	assert_int_equal(validate(f, &r2, p, &errs), 1);
	assert_string_equal(errs.items[0].field, "geometry");
	assert_string_equal(errs.items[0].message, "geometry is missing");
	tb_errlist_free(&errs);
	json_decref(p);
}

static void test_normalisation(void **state)
{
	fx *f = *state;
	json_t *v;
#define NORM_STR(props, field, want)                                                               \
	v = normalised(f, props, field);                                                           \
	assert_true(json_is_string(v));                                                            \
	assert_string_equal(json_string_value(v), want);                                           \
	json_decref(v)
	/* labels become codes */
	NORM_STR("{\"code\":\"A\",\"di_lei\":\"乔木林地\"}", "di_lei", "030100");
	NORM_STR("{\"code\":\"A\",\"di_lei\":\"sparse FOREST land\"}", "di_lei", "030401");
	NORM_STR("{\"code\":\"A\",\"di_lei\":\"030302\"}", "di_lei", "030302");
	/* codes that lost their leading zeros in numeric DBF columns */
	NORM_STR("{\"code\":\"A\",\"sen_lin_lb\":\"11\"}", "sen_lin_lb", "011");
	NORM_STR("{\"code\":\"A\",\"sen_lin_lb\":11}", "sen_lin_lb", "011");
	NORM_STR("{\"code\":\"A\",\"sen_lin_lb\":22.0}", "sen_lin_lb", "022");
	NORM_STR("{\"code\":\"A\",\"di_lei\":30100}", "di_lei", "030100");
	NORM_STR("{\"code\":\"A\",\"di_lei\":\"30401\"}", "di_lei", "030401");
	/* text from numbers, dates normalised to UTC */
	NORM_STR("{\"code\":12}", "code", "12");
	NORM_STR("{\"code\":\"A\",\"survey_date\":\"2026-05-04\"}", "survey_date", "2026-05-04");
	NORM_STR("{\"code\":\"A\",\"survey_date\":\"2026-05-04T12:00:00Z\"}", "survey_date",
	         "2026-05-04");
	NORM_STR("{\"code\":\"二十个汉字二十个汉字二十个汉字二十个汉字\"}", "code",
	         "二十个汉字二十个汉字二十个汉字二十个汉字"); /* 20 characters, 60 bytes */

	/* numeric strings become numbers */
	v = normalised(f, "{\"code\":\"A\",\"yu_bi_du\":\" 0.65 \"}", "yu_bi_du");
	assert_true(json_is_real(v));
	assert_true(json_real_value(v) == 0.65);
	json_decref(v);
	v = normalised(f, "{\"code\":\"A\",\"yu_bi_du\":1}", "yu_bi_du");
	assert_true(json_is_real(v) && json_real_value(v) == 1.0); /* bounds are inclusive */
	json_decref(v);
	v = normalised(f, "{\"code\":\"A\",\"zhu_shu\":\"12\"}", "zhu_shu");
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), 12);
	json_decref(v);
	v = normalised(f, "{\"code\":\"A\",\"zhu_shu\":\"12.0\"}", "zhu_shu");
	assert_int_equal(json_integer_value(v), 12);
	json_decref(v);
	v = normalised(f, "{\"code\":\"A\",\"zhu_shu\":30.0}", "zhu_shu");
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), 30);
	json_decref(v);
	/* booleans */
	v = normalised(f, "{\"code\":\"A\",\"natural\":\"是\"}", "natural");
	assert_true(json_is_true(v));
	json_decref(v);
	v = normalised(f, "{\"code\":\"A\",\"natural\":\"FALSE\"}", "natural");
	assert_true(json_is_false(v));
	json_decref(v);
	v = normalised(f, "{\"code\":\"A\",\"natural\":1}", "natural");
	assert_true(json_is_true(v));
	json_decref(v);
	/* blanks of optional fields become null; computed null is accepted */
	v = normalised(f, "{\"code\":\"A\",\"town\":\"  \",\"canopy_class\":null}", "town");
	assert_true(json_is_null(v));
	json_decref(v);
#undef NORM_STR
}

/* ---- insert, get ------------------------------------------------------------------------------
 */

static void test_insert_get(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	int64_t fid = 0;
	assert_int_equal(
	    insert(f,
	           "{\"code\":\"P-001\",\"di_lei\":\"乔木林地\",\"sen_lin_lb\":11,"
	           "\"yu_bi_du\":\"0.75\",\"zhu_shu\":\"120\",\"survey_date\":\"2026-04-30\","
	           "\"natural\":\"是\",\"town\":\"T1\",\"extra\":{\"b\":1,\"a\":[1,2]},"
	           "\"secret\":\"s3cret\"}",
	           square(117.0, 40.0, 0.01), &fid, &e),
	    0);
	assert_int_equal(fid, 1);
	assert_int_equal(f->hooks.before, 1);
	assert_int_equal(f->hooks.after, 1);

	json_t *p = NULL;
	GEOSGeometry *g = NULL;
	assert_int_equal(tb_record_get(f->db, &plots, fid, &p, &g, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "fid")), 1);
	assert_string_equal(tb_json_str(p, "code"), "P-001");
	assert_string_equal(tb_json_str(p, "di_lei"), "030100");
	assert_string_equal(tb_json_str(p, "sen_lin_lb"), "011");
	assert_true(json_real_value(json_object_get(p, "yu_bi_du")) == 0.75);
	assert_int_equal(json_integer_value(json_object_get(p, "zhu_shu")), 120);
	assert_string_equal(tb_json_str(p, "survey_date"), "2026-04-30");
	assert_true(json_is_true(json_object_get(p, "natural")));
	assert_string_equal(tb_json_str(p, "canopy_class"), "dense"); /* by the hook */
	assert_int_equal(json_integer_value(json_object_get(p, "version")), 1);
	assert_string_equal(tb_json_str(p, "created_at"), "2026-05-04T00:00:00.000Z");
	assert_string_equal(tb_json_str(p, "updated_at"), "2026-05-04T00:00:00.000Z");
	assert_null(json_object_get(p, "secret")); /* private */
	char *extra = tb_json_canonical(json_object_get(p, "extra"));
	assert_string_equal(extra, "{\"a\":[1,2],\"b\":1}");
	free(extra);
	assert_non_null(g);
	GEOSGeometry *want = square(117.0, 40.0, 0.01);
	assert_int_equal(GEOSEquals_r(tb_geos(), g, want), 1);
	GEOSGeom_destroy_r(tb_geos(), want);
	GEOSGeom_destroy_r(tb_geos(), g);
	json_decref(p);
	/* stored as expected, including the private field */
	assert_string_equal(qtext(f->db, "SELECT secret FROM test_plots WHERE fid=1"), "s3cret");
	assert_string_equal(qtext(f->db, "SELECT extra FROM test_plots WHERE fid=1"),
	                    "{\"a\":[1,2],\"b\":1}");
	assert_int_equal(q64(f->db, "SELECT count(*) FROM rtree_test_plots_geom WHERE id=1"), 1);

	/* by key, without geometry */
	assert_int_equal(tb_record_get_by_key(f->db, &plots, "P-001", &p, NULL, &e), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "fid")), 1);
	json_decref(p);
	p = NULL;
	assert_int_equal(tb_record_get_by_key(f->db, &plots, "P-404", &p, NULL, &e), TB_ENOTFOUND);
	assert_string_equal(e.record, "test_plots P-404");
	assert_string_equal(e.message, "no such record");
	assert_null(p);
	assert_int_equal(tb_record_get(f->db, &plots, 99, &p, NULL, &e), TB_ENOTFOUND);
	assert_string_equal(e.record, "test_plots 99");
	assert_int_equal(tb_record_get_by_key(f->db, &notes, "x", &p, NULL, &e), TB_EINTERNAL);

	/* the event of the insert carries the normalised props */
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event WHERE action='test_plots.create'"
	                            " AND json_extract(payload,'$.di_lei')='030100'"
	                            " AND json_extract(payload,'$.canopy_class')='dense'"),
	                 1);
}

static void test_insert_refused(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	assert_int_equal(insert(f, "{\"code\":\"P-001\",\"town\":\"T1\"}", NULL, NULL, &e), 0);
	/* duplicate key */
	assert_int_equal(
	    insert(f, "{\"code\":\"P-001\",\"town\":\"T2\"}", square(117, 40, 0.01), NULL, &e),
	    TB_EINPUT);
	assert_string_equal(e.field, "code");
	assert_string_equal(e.record, "feature 1");
	assert_string_equal(e.message, "duplicate code 'P-001': another test_plots has it");
	/* hook refusal */
	assert_int_equal(insert(f, "{\"code\":\"REFUSE\"}", NULL, NULL, &e), TB_EINPUT);
	assert_string_equal(e.message, "refused by the hook");
	/* invalid: first problem in *e, all in the list */
	tb_errlist errs;
	tb_errlist_init(&errs, 10);
	tb_record rec = {.props = J("{\"yu_bi_du\":7,\"bogus\":1}"), .name = "feature 3"};
	tb_writer *w = tb_writer_new(f->db, &plots, NULL, &e);
	assert_non_null(w);
	assert_int_equal(tb_writer_insert(w, &rec, &errs, &e), TB_EINPUT);
	assert_int_equal(errs.len, 3);
	assert_string_equal(e.field, errs.items[0].field);
	assert_string_equal(e.record, "feature 3");
	json_decref(rec.props);
	/* a duplicate also lands in the list */
	rec.props = J("{\"code\":\"P-001\"}");
	assert_int_equal(tb_writer_insert(w, &rec, &errs, &e), TB_EINPUT);
	assert_int_equal(errs.len, 4);
	assert_string_equal(errs.items[3].field, "code");
	json_decref(rec.props);
	tb_writer_free(w);
	tb_errlist_free(&errs);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM test_plots"), 1);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM rtree_test_plots_geom"), 0);
	/* attribute tables insert too */
	w = tb_writer_new(f->db, &notes, NULL, &e);
	rec.props = J("{\"title\":\"备注\",\"n\":\"3\"}");
	assert_int_equal(tb_writer_insert(w, &rec, NULL, &e), 0);
	assert_int_equal(rec.fid, 1);
	assert_int_equal(q64(f->db, "SELECT n FROM test_notes WHERE title='备注'"), 3);
	json_decref(rec.props);
	tb_writer_free(w);
}

/* ---- update
 * -------------------------------------------------------------------------------------- */

static void test_update(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	int64_t fid;
	assert_int_equal(
	    insert(f, "{\"code\":\"P-001\",\"yu_bi_du\":0.8,\"town\":\"T1\",\"zhu_shu\":5}",
	           square(117, 40, 0.01), &fid, &e),
	    0);
	assert_int_equal(insert(f, "{\"code\":\"P-002\"}", NULL, NULL, &e), 0);
	setenv("TIANBAO_NOW", "2026-06-01T00:00:00Z", 1);
	json_t *row = NULL;
	assert_int_equal(update(f, fid, "{\"yu_bi_du\":\"0.1\",\"town\":null}", NULL, 1, &row, &e),
	                 0);
	/* the caller's patch object now holds the full new row */
	assert_string_equal(tb_json_str(row, "code"), "P-001");
	assert_string_equal(tb_json_str(row, "canopy_class"), "sparse");
	assert_true(json_is_null(json_object_get(row, "town")));
	assert_int_equal(json_integer_value(json_object_get(row, "zhu_shu")), 5);
	json_decref(row);
	assert_int_equal(q64(f->db, "SELECT version FROM test_plots WHERE fid=1"), 2);
	assert_string_equal(qtext(f->db, "SELECT canopy_class FROM test_plots WHERE fid=1"),
	                    "sparse");
	assert_string_equal(qtext(f->db, "SELECT town FROM test_plots WHERE fid=1"), "(null)");
	assert_string_equal(qtext(f->db, "SELECT updated_at FROM test_plots WHERE fid=1"),
	                    "2026-06-01T00:00:00.000Z");
	assert_string_equal(qtext(f->db, "SELECT created_at FROM test_plots WHERE fid=1"),
	                    "2026-05-04T00:00:00.000Z");
	/* the geometry was kept */
	assert_int_equal(
	    q64(f->db, "SELECT count(*) FROM test_plots WHERE fid=1 AND geom IS NOT NULL"), 1);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM rtree_test_plots_geom WHERE id=1"), 1);

	/* stale version */
	assert_int_equal(update(f, fid, "{\"zhu_shu\":6}", NULL, 1, NULL, &e), TB_ECONFLICT);
	assert_string_equal(e.field, "version");
	assert_string_equal(
	    e.message, "version 1 expected but the record is at version 2; reload and try again");
	/* no expectation: always applies */
	assert_int_equal(update(f, fid, "{\"zhu_shu\":6}", NULL, 0, NULL, &e), 0);
	assert_int_equal(q64(f->db, "SELECT version FROM test_plots WHERE fid=1"), 3);
	assert_int_equal(update(f, fid, "{\"zhu_shu\":\"7\"}", NULL, 3, NULL, &e), 0);
	assert_int_equal(q64(f->db, "SELECT zhu_shu FROM test_plots WHERE fid=1"), 7);

	/* refused patches change nothing */
	assert_int_equal(update(f, fid, "{\"canopy_class\":\"dense\"}", NULL, 4, NULL, &e),
	                 TB_EINPUT);
	assert_string_equal(e.field, "canopy_class");
	assert_string_equal(e.message, "computed by the system; it cannot be set");
	assert_int_equal(update(f, fid, "{\"nope\":1}", NULL, 4, NULL, &e), TB_EINPUT);
	assert_string_equal(e.field, "nope");
	assert_int_equal(update(f, fid, "{\"version\":9}", NULL, 4, NULL, &e), TB_EINPUT);
	assert_string_equal(e.field, "version");
	assert_int_equal(update(f, fid, "{\"yu_bi_du\":3}", NULL, 4, NULL, &e), TB_EINPUT);
	assert_string_equal(e.field, "yu_bi_du");
	assert_string_equal(e.message, "value 3 out of range [0, 1]");
	assert_int_equal(update(f, fid, "{\"code\":null}", NULL, 4, NULL, &e), TB_EINPUT);
	assert_string_equal(e.message, "required value is missing");
	assert_int_equal(update(f, fid, "{\"code\":\"P-002\"}", NULL, 4, NULL, &e), TB_EINPUT);
	assert_string_equal(e.field, "code");
	assert_non_null(strstr(e.message, "duplicate code 'P-002'"));
	assert_int_equal(update(f, 99, "{\"zhu_shu\":1}", NULL, 0, NULL, &e), TB_ENOTFOUND);
	assert_int_equal(q64(f->db, "SELECT version FROM test_plots WHERE fid=1"), 4);
	assert_int_equal(q64(f->db, "SELECT zhu_shu FROM test_plots WHERE fid=1"), 7);

	/* a new geometry moves the R-tree entry */
	assert_int_equal(update(f, fid, "{}", square(118.5, 41.5, 0.01), 4, NULL, &e), 0);
	double d = 0;
	tb_db_double(f->db, "SELECT minx FROM rtree_test_plots_geom WHERE id=1", &d, &e);
	assert_true(d > 118.49 && d <= 118.5);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM rtree_test_plots_geom"), 1);
	assert_int_equal(f->hooks.after, 2 + 4);
}

static void test_update_keeps_private(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	int64_t fid;
	assert_int_equal(insert(f, "{\"code\":\"P-001\",\"secret\":\"s3cret\"}", NULL, &fid, &e),
	                 0);
	json_t *row = NULL;
	assert_int_equal(update(f, fid, "{\"town\":\"T9\"}", NULL, 1, &row, &e), 0);
	assert_string_equal(qtext(f->db, "SELECT secret FROM test_plots WHERE fid=1"), "s3cret");
	assert_string_equal(qtext(f->db, "SELECT town FROM test_plots WHERE fid=1"), "T9");
	assert_null(json_object_get(row, "secret")); /* not handed back either */
	json_decref(row);
	/* but it can be changed on purpose */
	assert_int_equal(update(f, fid, "{\"secret\":\"new\"}", NULL, 2, &row, &e), 0);
	assert_string_equal(qtext(f->db, "SELECT secret FROM test_plots WHERE fid=1"), "new");
	json_decref(row);
}

/* ---- list
 * ------------------------------------------------------------------------------------------- */

/* P-001 … P-012: squares 0.05° wide at lon 117.0, 117.1 …, lat 40.0 */
static void fill(fx *f)
{
	static const char *dl[] = {"030100", "030401", "030302"};
	static const char *town[] = {"T1", "T2", "T3"};
	tb_err e = {0};
	assert_int_equal(tb_db_begin(f->db, &e), 0);
	tb_writer *w = tb_writer_new(f->db, &plots, NULL, &e);
	for (int i = 1; i <= 12; i++) {
		char props[256];
		snprintf(props, sizeof props,
		         "{\"code\":\"P-%03d\",\"di_lei\":\"%s\",\"yu_bi_du\":%.2f,\"zhu_shu\":%d,"
		         "\"town\":\"%s\",\"survey_date\":\"2026-%02d-01\",\"natural\":%s}",
		         i, dl[i % 3], i * 0.08, (13 - i) * 10, town[i % 3], i,
		         i % 2 ? "true" : "false");
		tb_record rec = {.props = J(props),
		                 .geom = square(117.0 + (i - 1) * 0.1, 40.0, 0.05)};
		if (tb_writer_insert(w, &rec, NULL, &e)) fail_msg("fill %d: %s", i, e.message);
		json_decref(rec.props);
		GEOSGeom_destroy_r(tb_geos(), rec.geom);
	}
	tb_writer_free(w);
	tb_event_in ev = {.actor = "t", .role = "admin", .action = "import"};
	assert_int_equal(tb_event_append(f->db, &ev, NULL, &e), 0);
	assert_int_equal(tb_db_commit(f->db, &e), 0);
}

/* Codes of a list result joined with ',' (static buffer). */
static const char *codes_of(const tb_rows *rows)
{
	static char out[512];
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < rows->n; i++)
		o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", i ? "," : "",
		                      tb_json_str(json_array_get(rows->items, i), "code"));
	return out;
}

/* Run a query expecting success; returns codes, *total. */
static const char *list(fx *f, const tb_query *q, int64_t *total)
{
	tb_rows rows;
	tb_err e = {0};
	if (tb_record_list(f->db, &plots, q, &rows, &e))
		fail_msg("list: %s: %s", e.field, e.message);
	assert_int_equal(json_array_size(rows.items), rows.n);
	if (total) *total = rows.total;
	const char *s = codes_of(&rows);
	tb_rows_free(&rows);
	return s;
}

#define FILTER(...) ((const tb_filter[]){__VA_ARGS__})

static void test_list_filters(void **state)
{
	fx *f = *state;
	fill(f);
	int64_t total = 0;
	tb_query q = {0};
	assert_string_equal(list(f, &q, &total),
	                    "P-001,P-002,P-003,P-004,P-005,P-006,P-007,P-008,P-009,"
	                    "P-010,P-011,P-012");
	assert_int_equal(total, 12);

	q = (tb_query){.filters = FILTER({"di_lei", "eq", "030100"}), .nfilters = 1};
	assert_string_equal(list(f, &q, &total), "P-003,P-006,P-009,P-012");
	assert_int_equal(total, 4);
	q.filters = FILTER({"di_lei", NULL, "乔木林地"}); /* default op eq, label → code */
	assert_string_equal(list(f, &q, NULL), "P-003,P-006,P-009,P-012");
	q.filters = FILTER({"di_lei", "ne", "030100"});
	assert_int_equal((list(f, &q, &total), total), 8);
	q.filters = FILTER({"town", "in", "T1,T3"});
	assert_string_equal(list(f, &q, &total), "P-002,P-003,P-005,P-006,P-008,P-009,P-011,P-012");
	q.filters = FILTER({"di_lei", "in", "疏林地,030302"});
	assert_int_equal((list(f, &q, &total), total), 8);
	q.filters = FILTER({"town", "in", ""});
	assert_string_equal(list(f, &q, &total), "");
	assert_int_equal(total, 0);
	q.filters = FILTER({"code", "like", "P-01%"});
	assert_string_equal(list(f, &q, NULL), "P-010,P-011,P-012");
	q.filters = FILTER({"yu_bi_du", "gt", "0.8"}); /* 0.88, 0.96 */
	assert_string_equal(list(f, &q, NULL), "P-011,P-012");
	q.filters = FILTER({"yu_bi_du", "ge", "0.8"});
	assert_string_equal(list(f, &q, NULL), "P-010,P-011,P-012");
	q.filters = FILTER({"zhu_shu", "lt", "30"}); /* integer column, text value */
	assert_string_equal(list(f, &q, NULL), "P-011,P-012");
	q.filters = FILTER({"zhu_shu", "le", "30"});
	assert_string_equal(list(f, &q, NULL), "P-010,P-011,P-012");
	q.filters = FILTER({"survey_date", "ge", "2026-11-01"});
	assert_string_equal(list(f, &q, NULL), "P-011,P-012");
	q.filters = FILTER({"natural", "eq", "1"});
	assert_int_equal((list(f, &q, &total), total), 6);
	q.filters = FILTER({"fid", "le", "2"});
	assert_string_equal(list(f, &q, NULL), "P-001,P-002");
	q.filters = FILTER({"version", "eq", "1"});
	assert_int_equal((list(f, &q, &total), total), 12);
	/* filters combine with AND */
	q.filters = FILTER({"di_lei", "eq", "030100"}, {"yu_bi_du", "lt", "0.5"});
	q.nfilters = 2;
	assert_string_equal(list(f, &q, NULL), "P-003,P-006");
	/* values are bound, never spliced into SQL */
	q.filters = FILTER({"code", "eq", "x' OR 1=1 --"});
	q.nfilters = 1;
	assert_string_equal(list(f, &q, &total), "");
	assert_int_equal(total, 0);
}

static void test_list_sort_paging(void **state)
{
	fx *f = *state;
	fill(f);
	int64_t total = 0;
	tb_query q = {.sort = "-yu_bi_du", .limit = 3};
	assert_string_equal(list(f, &q, &total), "P-012,P-011,P-010");
	assert_int_equal(total, 12);
	q.sort = "zhu_shu"; /* ascending: zhu_shu falls as i grows */
	assert_string_equal(list(f, &q, NULL), "P-012,P-011,P-010");
	q.sort = "-zhu_shu";
	assert_string_equal(list(f, &q, NULL), "P-001,P-002,P-003");
	q.sort = "town"; /* ties broken by fid */
	q.limit = 5;
	assert_string_equal(list(f, &q, NULL), "P-003,P-006,P-009,P-012,P-001");
	q.sort = "-town";
	assert_string_equal(list(f, &q, NULL), "P-002,P-005,P-008,P-011,P-001");
	q.sort = "-fid";
	assert_string_equal(list(f, &q, NULL), "P-012,P-011,P-010,P-009,P-008");
	/* paging */
	q = (tb_query){.sort = "code", .limit = 5, .offset = 10};
	assert_string_equal(list(f, &q, &total), "P-011,P-012");
	assert_int_equal(total, 12);
	q.offset = 12;
	assert_string_equal(list(f, &q, &total), "");
	assert_int_equal(total, 12);
	q = (tb_query){
	    .limit = 2, .offset = 1, .filters = FILTER({"town", "eq", "T2"}), .nfilters = 1};
	assert_string_equal(list(f, &q, &total), "P-004,P-007");
	assert_int_equal(total, 4);
}

static void test_list_scope_bbox(void **state)
{
	fx *f = *state;
	fill(f);
	int64_t total = 0;
	tb_query q = {.scope_in = "T2"};
	assert_string_equal(list(f, &q, &total), "P-001,P-004,P-007,P-010");
	q.scope_in = "T2,T3";
	assert_int_equal((list(f, &q, &total), total), 8);
	q.scope_in = ""; /* a user with no jurisdiction sees nothing */
	assert_string_equal(list(f, &q, &total), "");
	q = (tb_query){.scope_in = "T1", .filters = FILTER({"town", "eq", "T2"}), .nfilters = 1};
	assert_string_equal(list(f, &q, &total), ""); /* a filter cannot widen the scope */

	/* bbox through the R-tree: P-003 spans lon 117.2–117.25, P-005 117.4–117.45 */
	double bbox[] = {117.22, 39.9, 117.41, 40.1};
	q = (tb_query){.bbox = bbox};
	assert_string_equal(list(f, &q, &total), "P-003,P-004,P-005");
	assert_int_equal(total, 3);
	double south[] = {117.0, 39.0, 118.5, 39.9};
	q.bbox = south;
	assert_string_equal(list(f, &q, &total), "");
	double all[] = {116, 39, 119, 41};
	q = (tb_query){.bbox = all, .scope_in = "T1", .with_geom = true};
	tb_rows rows;
	tb_err e = {0};
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), 0);
	assert_string_equal(codes_of(&rows), "P-003,P-006,P-009,P-012");
	assert_non_null(rows.geoms);
	for (size_t i = 0; i < rows.n; i++) {
		double minx;
		assert_non_null(rows.geoms[i]);
		GEOSGeom_getXMin_r(tb_geos(), rows.geoms[i], &minx);
		assert_true(fabs(minx - (117.2 + (double)i * 0.3)) < 1e-9);
	}
	tb_rows_free(&rows);
	assert_null(rows.items);
	/* the bbox follows a moved geometry */
	assert_int_equal(update(f, 1, "{}", square(118.0, 40.5, 0.05), 1, NULL, &e), 0);
	double moved[] = {117.99, 40.49, 118.01, 40.51};
	q = (tb_query){.bbox = moved};
	assert_string_equal(list(f, &q, NULL), "P-001");
	q.bbox = (const double[]){116.9, 39.9, 117.06, 40.1};
	assert_string_equal(list(f, &q, NULL), "");
}

static void test_list_errors(void **state)
{
	fx *f = *state;
	fill(f);
	tb_rows rows;
	tb_err e = {0};
	tb_query q = {.filters = FILTER({"nope", "eq", "1"}), .nfilters = 1};
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), TB_EINPUT);
	assert_string_equal(e.field, "nope");
	assert_string_equal(e.message, "no such field to filter on");
	assert_null(rows.items);
	q.filters = FILTER({"secret", "eq", "s3cret"});
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), TB_EINPUT);
	assert_string_equal(e.field, "secret");
	q.filters = FILTER({"code", "regexp", "x"});
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), TB_EINPUT);
	assert_string_equal(e.field, "code");
	assert_string_equal(e.message, "unknown filter operator 'regexp'");
	q = (tb_query){.sort = "-nope"};
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), TB_EINPUT);
	assert_string_equal(e.field, "sort");
	assert_string_equal(e.message, "cannot sort by 'nope': no such field");
	q = (tb_query){.sort = "secret"};
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), TB_EINPUT);
	q = (tb_query){.offset = -1};
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), TB_EINPUT);
	assert_string_equal(e.field, "offset");
	double bbox[] = {0, 0, 1, 1};
	q = (tb_query){.bbox = bbox};
	assert_int_equal(tb_record_list(f->db, &notes, &q, &rows, &e), TB_EINPUT);
	assert_string_equal(e.field, "bbox");
	/* too many filters */
	tb_filter many[201];
	for (int i = 0; i < 201; i++)
		many[i] = (tb_filter){"code", "eq", "x"};
	q = (tb_query){.filters = many, .nfilters = 201};
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), TB_ETOOBIG);
	/* too many values in one "in" */
	char vals[2048];
	size_t o = 0;
	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(vals + o, sizeof vals - o, "%sv%d", i ? "," : "", i);
	q = (tb_query){.filters = FILTER({"code", "in", vals}), .nfilters = 1};
	assert_int_equal(tb_record_list(f->db, &plots, &q, &rows, &e), TB_ETOOBIG);
	/* the limit is capped, 0 means the default */
	q = (tb_query){.limit = 1000000};
	int64_t total;
	list(f, &q, &total);
	assert_int_equal(total, 12);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_create),
	    T(test_describe),
	    T(test_validation_errors),
	    T(test_normalisation),
	    T(test_insert_get),
	    T(test_insert_refused),
	    T(test_update),
	    T(test_update_keeps_private),
	    T(test_list_filters),
	    T(test_list_sort_paging),
	    T(test_list_scope_bbox),
	    T(test_list_errors),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tb_geos_finish();
	return rc;
}
