/* test_db_codes.c — code lists (db/codes.h): the embedded codes.csv loaded
 * by the core migration, lookup by code, Chinese label and English label
 * (case-insensitive) for every row of the file, labels by language, the JSON
 * form, reloading, and malformed CSV refused with line and field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "base/csv.h"
#include "base/data.h"
#include "db/codes.h"
#include "db/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fx {
	char dir[64];
	char path[128];
	tb_db *db;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tb_codes_", "t.gpkg"))
		return -1;
	tb_err e = {0};
	if (tb_db_open(f->path, TB_DB_CREATE, &f->db, &e)) return -1;
	if (tb_schema_migrate(f->db, &tb_core_module, "test", &e)) return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tb_db_close(f->db);
	tb_test_remove_db(f->dir, f->path);
	free(f);
	return 0;
}

static void test_find(void **state)
{
	fx *f = *state;
	const tb_code_entry *c = tb_codes_find(f->db, "di_lei", "030100");
	assert_non_null(c);
	assert_string_equal(c->list, "di_lei");
	assert_string_equal(c->code, "030100");
	assert_string_equal(c->label_zh, "乔木林地");
	assert_string_equal(c->label_en, "Arbor forest land");
	assert_null(c->parent);
	assert_ptr_equal(tb_codes_find(f->db, "di_lei", "乔木林地"), c);
	assert_ptr_equal(tb_codes_find(f->db, "di_lei", "Arbor forest land"), c);
	assert_ptr_equal(tb_codes_find(f->db, "di_lei", "ARBOR FOREST LAND"), c);
	assert_ptr_equal(tb_codes_find(f->db, "di_lei", "arbor forest land"), c);
	/* unknown code, label in another list, unknown list, NULL */
	assert_null(tb_codes_find(f->db, "di_lei", "999999"));
	assert_null(tb_codes_find(f->db, "di_lei", "30100")); /* no leading-zero guessing here */
	assert_null(tb_codes_find(f->db, "di_lei", "纯天然"));
	assert_null(tb_codes_find(f->db, "di_lei", "乔木"));
	assert_null(tb_codes_find(f->db, "di_lei", ""));
	assert_null(tb_codes_find(f->db, "no_list", "030100"));
	assert_null(tb_codes_find(f->db, "di_lei", NULL));
	/* same code in different lists */
	assert_string_equal(tb_codes_find(f->db, "ling_zu", "1")->label_zh, "幼龄林");
	assert_string_equal(tb_codes_find(f->db, "bh_dj", "1")->label_zh, "Ⅰ级保护");
	assert_string_equal(tb_codes_find(f->db, "gjgyl_bhdj", "1")->label_zh, "国家级公益林一级");
	assert_string_equal(tb_codes_find(f->db, "qi_yuan", "纯天然")->code, "11");
	assert_string_equal(tb_codes_find(f->db, "sen_lin_lb", "重点公益林")->code, "011");
	/* parent */
	c = tb_codes_find(f->db, "ld_qs", "家庭承包经营");
	assert_string_equal(c->code, "22");
	assert_string_equal(c->parent, "20");
}

/* Every row of the shipped file is found by its code and both labels. */
static void test_every_row(void **state)
{
	fx *f = *state;
	size_t n;
	char *text = tb_data_read("codes/codes.csv", &n);
	assert_non_null(text);
	tb_csv csv;
	tb_csv_init(&csv, text, n);
	assert_int_equal(tb_csv_read_header(&csv), 1);
	int rows = 0;
	while (tb_csv_next(&csv) == 1) {
		const char *list = tb_csv_get(&csv, "list"), *code = tb_csv_get(&csv, "code");
		const char *zh = tb_csv_get(&csv, "label_zh"), *en = tb_csv_get(&csv, "label_en");
		const tb_code_entry *c = tb_codes_find(f->db, list, code);
		if (!c) fail_msg("%s %s not found by code", list, code);
		assert_string_equal(c->label_zh, zh);
		if (tb_codes_find(f->db, list, zh) != c)
			fail_msg("%s %s not found by %s", list, code, zh);
		if (en && *en) {
			assert_string_equal(c->label_en, en);
			char upper[256];
			snprintf(upper, sizeof upper, "%s", en);
			for (char *p = upper; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			if (tb_codes_find(f->db, list, upper) != c)
				fail_msg("%s %s not found by %s", list, code, upper);
		}
		assert_true(tb_codes_has_list(f->db, list));
		rows++;
	}
	assert_true(rows > 40);
	int64_t count = 0;
	tb_err e = {0};
	assert_int_equal(tb_db_int64(f->db, "SELECT count(*) FROM tb_code", &count, &e), 0);
	assert_int_equal(count, rows);
	tb_csv_free(&csv);
	free(text);
}

static void test_label(void **state)
{
	fx *f = *state;
	assert_string_equal(tb_codes_label(f->db, "di_lei", "030401", "zh"), "疏林地");
	assert_string_equal(tb_codes_label(f->db, "di_lei", "030401", "en"), "Sparse forest land");
	assert_string_equal(tb_codes_label(f->db, "di_lei", "030401", NULL), "疏林地");
	assert_string_equal(tb_codes_label(f->db, "di_lei", "030401", "fr"), "疏林地");
	assert_string_equal(tb_codes_label(f->db, "di_lei", "123", "zh"),
	                    "123"); /* unknown: itself */
	assert_string_equal(tb_codes_label(f->db, "ling_zu", "5", "en"), "Over-mature");
	assert_true(tb_codes_has_list(f->db, "you_shi_sz"));
	assert_false(tb_codes_has_list(f->db, "nope"));
}

static void test_json(void **state)
{
	fx *f = *state;
	json_t *o = tb_codes_json(f->db);
	json_t *ling = json_object_get(o, "ling_zu");
	assert_int_equal(json_array_size(ling), 5);
	json_t *first = json_array_get(ling, 0);
	assert_string_equal(json_string_value(json_object_get(first, "code")), "1");
	assert_string_equal(json_string_value(json_object_get(first, "label_zh")), "幼龄林");
	assert_string_equal(json_string_value(json_object_get(first, "label_en")), "Young");
	assert_true(json_is_null(json_object_get(first, "parent")));
	json_t *ld = json_object_get(o, "ld_qs");
	assert_string_equal(json_string_value(json_object_get(json_array_get(ld, 2), "parent")),
	                    "20");
	json_decref(o);
}

static void test_reload_and_cache(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	const tb_code_entry *c = tb_codes_find(f->db, "ling_zu", "1");
	assert_non_null(c);
	const char *more = "list,code,label_zh,label_en,parent\r\n"
	                   "test_list,a,甲,Alpha,\r\n"
	                   "test_list,b,\"乙, 丙\",\"Beta \"\"two\"\"\",a\r\n"
	                   "ling_zu,1,幼龄林(改),Young (edited),\r\n";
	assert_int_equal(tb_codes_load_csv(f->db, more, strlen(more), &e), 0);
	/* the cache was dropped: new rows are visible, replaced rows changed */
	assert_string_equal(tb_codes_find(f->db, "test_list", "乙, 丙")->code, "b");
	assert_string_equal(tb_codes_find(f->db, "test_list", "beta \"TWO\"")->parent, "a");
	assert_string_equal(tb_codes_label(f->db, "ling_zu", "1", "zh"), "幼龄林(改)");
	assert_null(tb_codes_find(f->db, "ling_zu", "幼龄林"));
	/* changes made behind the cache's back need tb_codes_invalidate */
	assert_int_equal(tb_db_exec(f->db, "DELETE FROM tb_code WHERE list='test_list'", &e), 0);
	assert_non_null(tb_codes_find(f->db, "test_list", "a"));
	tb_codes_invalidate(f->db);
	assert_null(tb_codes_find(f->db, "test_list", "a"));
	assert_false(tb_codes_has_list(f->db, "test_list"));
}

static void test_load_errors(void **state)
{
	fx *f = *state;
	tb_err e;
	const char *no_label = "list,code,label_zh\nx,1,one\nx,2,\n";
	memset(&e, 0, sizeof e);
	assert_int_equal(tb_codes_load_csv(f->db, no_label, strlen(no_label), &e), TB_EINPUT);
	assert_string_equal(e.record, "codes.csv line 3");
	assert_string_equal(e.field, "label_zh");
	assert_string_equal(e.message, "required value is empty");

	const char *no_code = "list,code,label_zh\nx,,one\n";
	assert_int_equal(tb_codes_load_csv(f->db, no_code, strlen(no_code), &e), TB_EINPUT);
	assert_string_equal(e.field, "code");

	assert_int_equal(tb_codes_load_csv(f->db, "", 0, &e), TB_EINPUT);
	assert_non_null(strstr(e.message, "header"));

	/* a broken quote: the message must be set even when *e was not clean */
	const char *open_quote = "list,code,label_zh\nx,3,\"three\n";
	memset(&e, 0x41, sizeof e);
	e.message[sizeof e.message - 1] = 0;
	assert_int_equal(tb_codes_load_csv(f->db, open_quote, strlen(open_quote), &e), TB_EINPUT);
	assert_int_equal(e.code, TB_EINPUT);
	/* the quote opens on line 2 and runs to the end of the text (line 3) */
	assert_string_equal(e.message, "malformed CSV near line 3");
	assert_string_equal(e.record, "codes.csv");
	assert_string_equal(e.field, "");
	assert_int_equal(tb_codes_load_csv(f->db, open_quote, strlen(open_quote), NULL), TB_EINPUT);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_find), T(test_every_row),        T(test_label),
	    T(test_json), T(test_reload_and_cache), T(test_load_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
