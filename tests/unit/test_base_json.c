/* test_base_json.c — JSON helpers (base/json.h): the nesting limit, error
 * messages that name line, column and byte, duplicate keys and bad UTF-8
 * refused, canonical text with sorted keys, and the getters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "[[[…]]]" nested n deep, or with objects {"a":{"a":…}} */
static char *nested(int n, bool objects)
{
	size_t cap = (size_t)n * 8 + 16, o = 0;
	char *s = malloc(cap);
	assert_non_null(s);
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s",
		                      !objects    ? "["
		                      : i + 1 < n ? "{\"a\":"
		                                  : "{");
	for (int i = 0; i < n; i++)
		s[o++] = objects ? '}' : ']';
	s[o] = 0;
	return s;
}

static void test_depth_limit(void **state)
{
	(void)state;
	tb_err e = {0};
	for (int objects = 0; objects <= 1; objects++) {
		char *ok = nested(TB_JSON_MAX_DEPTH, objects);
		assert_int_equal(tb_json_depth(ok, strlen(ok)), 32);
		json_t *v = tb_json_parse(ok, strlen(ok), &e);
		assert_non_null(v);
		assert_int_equal(e.code, 0);
		json_decref(v);
		free(ok);

		char *deep = nested(TB_JSON_MAX_DEPTH + 1, objects);
		assert_int_equal(tb_json_depth(deep, strlen(deep)), 33);
		assert_null(tb_json_parse(deep, strlen(deep), &e));
		assert_int_equal(e.code, TB_EINPUT);
		assert_string_equal(e.message, "JSON nested deeper than 32 levels");
		tb_err_clear(&e);
		free(deep);
	}
	/* brackets inside strings do not count, escaped quotes do not end them */
	const char *s = "{\"k\":\"[[[[\\\"{{{{\",\"l\":[1]}";
	assert_int_equal(tb_json_depth(s, strlen(s)), 2);
	json_t *v = tb_json_parse(s, strlen(s), &e);
	assert_non_null(v);
	assert_string_equal(tb_json_str(v, "k"), "[[[[\"{{{{");
	json_decref(v);
	/* 10000 levels must not recurse the parser into the ground */
	char *huge = nested(10000, false);
	assert_null(tb_json_parse(huge, strlen(huge), &e));
	assert_int_equal(e.code, TB_EINPUT);
	free(huge);
}

static void test_malformed_position(void **state)
{
	(void)state;
	tb_err e = {0};
	const char *s = "{\n  \"a\": 1,\n  \"b\": tru\n}";
	assert_null(tb_json_parse(s, strlen(s), &e));
	assert_int_equal(e.code, TB_EINPUT);
	assert_non_null(strstr(e.message, "malformed JSON at line 3"));
	assert_non_null(strstr(e.message, "column "));
	assert_non_null(strstr(e.message, "(byte "));
	tb_err_clear(&e);

	/* trailing garbage */
	assert_null(tb_json_parse("{\"a\":1} x", 9, &e));
	assert_non_null(strstr(e.message, "line 1"));
	tb_err_clear(&e);

	/* duplicate keys are refused */
	assert_null(tb_json_parse("{\"a\":1,\"a\":2}", 13, &e));
	assert_int_equal(e.code, TB_EINPUT);
	assert_non_null(strstr(e.message, "a"));
	tb_err_clear(&e);

	/* invalid UTF-8 inside a string */
	const char bad[] = "{\"a\":\"\xED\xA0\x80\"}";
	assert_null(tb_json_parse(bad, sizeof bad - 1, &e));
	assert_int_equal(e.code, TB_EINPUT);
	tb_err_clear(&e);

	/* empty input */
	assert_null(tb_json_parse("", 0, &e));
	assert_int_equal(e.code, TB_EINPUT);
	tb_err_clear(&e);

	/* a NULL error pointer is allowed */
	assert_null(tb_json_parse("[", 1, NULL));
}

static void test_exact_position(void **state)
{
	(void)state;
	tb_err e = {0};
	/* the stray 'x' is on line 2, column 5, byte 9, all counted from 1
	 * as jansson does (byte = bytes read up to and including the token) */
	const char *s = "[1,\n 2, x]";
	assert_null(tb_json_parse(s, strlen(s), &e));
	assert_non_null(strstr(e.message, "line 2, column 5 (byte 9): invalid token near 'x'"));
	assert_non_null(strstr(e.message, "malformed JSON at "));
	tb_err_clear(&e);
	s = "[1,2";
	assert_null(tb_json_parse(s, strlen(s), &e));
	assert_string_equal(
	    e.message,
	    "malformed JSON at line 1, column 4 (byte 4): ']' expected near end of file");
}

static void test_scalars_and_unicode(void **state)
{
	(void)state;
	tb_err e = {0};
	json_t *v = tb_json_parse("42", 2, &e);
	assert_true(json_is_integer(v));
	assert_int_equal(json_integer_value(v), 42);
	json_decref(v);
	const char *s = "{\"地类\":\"乔木林地\",\"u\":\"\\u6797\"}";
	v = tb_json_parse(s, strlen(s), &e);
	assert_non_null(v);
	assert_string_equal(tb_json_str(v, "地类"), "乔木林地");
	assert_string_equal(tb_json_str(v, "u"), "林");
	json_decref(v);
}

static void test_canonical(void **state)
{
	(void)state;
	tb_err e = {0};
	const char *s = "{ \"zeta\": 1, \"alpha\": {\"y\": [3, 2, {\"b\":1,\"a\":2}], \"x\": null},"
	                " \"名\": \"天保\", \"b\": true, \"r\": 0.25 }";
	json_t *v = tb_json_parse(s, strlen(s), &e);
	assert_non_null(v);
	char *c = tb_json_canonical(v);
	assert_string_equal(c, "{\"alpha\":{\"x\":null,\"y\":[3,2,{\"a\":2,\"b\":1}]},\"b\":true,"
	                       "\"r\":0.25,\"zeta\":1,\"名\":\"天保\"}");
	/* independent of insertion order */
	json_t *w = json_object();
	json_object_set_new(w, "名", json_string("天保"));
	json_object_set_new(w, "r", json_real(0.25));
	json_object_set_new(w, "b", json_true());
	json_object_set_new(w, "zeta", json_integer(1));
	json_object_set_new(w, "alpha",
	                    json_pack("{s:n,s:[i,i,{s:i,s:i}]}", "x", "y", 3, 2, "b", 1, "a", 2));
	char *c2 = tb_json_canonical(w);
	assert_string_equal(c, c2);
	/* re-parsing the canonical text gives the same text */
	json_t *again = tb_json_parse(c, strlen(c), &e);
	char *c3 = tb_json_canonical(again);
	assert_string_equal(c, c3);
	free(c);
	free(c2);
	free(c3);
	json_decref(v);
	json_decref(w);
	json_decref(again);
	/* scalars are encoded too (JSON_ENCODE_ANY) */
	json_t *str = json_string("a\"b");
	c = tb_json_canonical(str);
	assert_string_equal(c, "\"a\\\"b\"");
	free(c);
	json_decref(str);
}

static void test_getters(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:s,s:i,s:f,s:b}", "s", "text", "i", 7, "f", 2.5, "b", 1);
	assert_string_equal(tb_json_str(o, "s"), "text");
	assert_null(tb_json_str(o, "i"));
	assert_null(tb_json_str(o, "missing"));
	assert_null(tb_json_str(NULL, "s"));
	assert_true(tb_json_num(o, "i", -1) == 7.0);
	assert_true(tb_json_num(o, "f", -1) == 2.5);
	assert_true(tb_json_num(o, "s", -1) == -1.0);
	assert_true(tb_json_num(o, "b", -1) == -1.0);
	assert_true(tb_json_num(o, "missing", 9) == 9.0);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_depth_limit),    cmocka_unit_test(test_malformed_position),
	    cmocka_unit_test(test_exact_position), cmocka_unit_test(test_scalars_and_unicode),
	    cmocka_unit_test(test_canonical),      cmocka_unit_test(test_getters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
