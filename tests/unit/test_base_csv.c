/* test_base_csv.c — the RFC 4180 reader of base/csv.h: quoted fields,
 * doubled quotes, CRLF, a UTF-8 BOM, newlines inside quotes, empty fields,
 * line numbers, the header lookup and an unterminated quote. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/csv.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

#define INIT(c, lit) tb_csv_init(c, lit, sizeof(lit) - 1)

static void test_simple(void **state)
{
	(void)state;
	tb_csv c;
	INIT(&c, "a,b,c\n1,2,3\n");
	assert_int_equal(tb_csv_next(&c), 1);
	assert_int_equal(c.nfields, 3);
	assert_string_equal(c.fields[0], "a");
	assert_string_equal(c.fields[2], "c");
	assert_int_equal(c.line, 1);
	assert_int_equal(tb_csv_next(&c), 1);
	assert_string_equal(c.fields[1], "2");
	assert_int_equal(c.line, 2);
	assert_int_equal(tb_csv_next(&c), 0);
	assert_int_equal(tb_csv_next(&c), 0);
	tb_csv_free(&c);
}

static void test_quotes(void **state)
{
	(void)state;
	tb_csv c;
	INIT(&c, "\"x, y\",\"say \"\"hi\"\"\",\"\",plain,\"\"\"\"\n");
	assert_int_equal(tb_csv_next(&c), 1);
	assert_int_equal(c.nfields, 5);
	assert_string_equal(c.fields[0], "x, y");
	assert_string_equal(c.fields[1], "say \"hi\"");
	assert_string_equal(c.fields[2], "");
	assert_string_equal(c.fields[3], "plain");
	assert_string_equal(c.fields[4], "\"");
	assert_int_equal(tb_csv_next(&c), 0);
	tb_csv_free(&c);
}

static void test_crlf_bom_empty(void **state)
{
	(void)state;
	tb_csv c;
	INIT(&c, "\xEF\xBB\xBFlist,code\r\ndi_lei,030100\r\n,\r\nlast,\"q\"\r\n");
	assert_int_equal(tb_csv_read_header(&c), 1);
	assert_int_equal(c.nheader, 2);
	assert_string_equal(c.header[0], "list"); /* BOM stripped */
	assert_int_equal(tb_csv_next(&c), 1);
	assert_string_equal(tb_csv_get(&c, "list"), "di_lei");
	assert_string_equal(tb_csv_get(&c, "code"), "030100"); /* no \r */
	assert_null(tb_csv_get(&c, "label_zh"));
	assert_int_equal(tb_csv_next(&c), 1);
	assert_int_equal(c.nfields, 2);
	assert_string_equal(c.fields[0], "");
	assert_string_equal(c.fields[1], "");
	assert_int_equal(tb_csv_next(&c), 1);
	assert_string_equal(c.fields[1], "q");
	assert_int_equal(c.line, 4);
	assert_int_equal(tb_csv_next(&c), 0);
	tb_csv_free(&c);
}

static void test_embedded_newline_and_lines(void **state)
{
	(void)state;
	tb_csv c;
	INIT(&c, "id,note\n1,\"two\nlines\"\n\n2,\"crlf\r\ninside\"\n3,end");
	assert_int_equal(tb_csv_read_header(&c), 1);
	assert_int_equal(tb_csv_next(&c), 1);
	assert_string_equal(tb_csv_get(&c, "note"), "two\nlines");
	assert_int_equal(tb_csv_next(&c), 1); /* the blank line is skipped */
	assert_string_equal(tb_csv_get(&c, "id"), "2");
	assert_string_equal(tb_csv_get(&c, "note"), "crlf\r\ninside");
	assert_int_equal(tb_csv_next(&c), 1); /* last row without newline */
	assert_string_equal(tb_csv_get(&c, "id"), "3");
	assert_string_equal(tb_csv_get(&c, "note"), "end");
	assert_int_equal(c.line, 7);
	assert_int_equal(tb_csv_next(&c), 0);
	tb_csv_free(&c);
}

static void test_short_row_and_utf8(void **state)
{
	(void)state;
	tb_csv c;
	INIT(&c, "list,code,label_zh\nqi_yuan,11\nling_zu,1,幼龄林,extra\n");
	assert_int_equal(tb_csv_read_header(&c), 1);
	assert_int_equal(tb_csv_next(&c), 1);
	assert_string_equal(tb_csv_get(&c, "code"), "11");
	assert_null(tb_csv_get(&c, "label_zh")); /* missing column */
	assert_int_equal(tb_csv_next(&c), 1);
	assert_int_equal(c.nfields, 4);
	assert_string_equal(tb_csv_get(&c, "label_zh"), "幼龄林");
	tb_csv_free(&c);
}

static void test_many_fields(void **state)
{
	(void)state;
	char line[4096];
	size_t o = 0;
	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(line + o, sizeof line - o, "%s%d", i ? "," : "", i);
	tb_csv c;
	tb_csv_init(&c, line, o);
	assert_int_equal(tb_csv_next(&c), 1);
	assert_int_equal(c.nfields, 300);
	assert_string_equal(c.fields[0], "0");
	assert_string_equal(c.fields[299], "299");
	tb_csv_free(&c);
}

static void test_unterminated(void **state)
{
	(void)state;
	tb_csv c;
	INIT(&c, "a,b\n1,\"open\n2,3\n");
	assert_int_equal(tb_csv_next(&c), 1);
	assert_int_equal(tb_csv_next(&c), TB_EINPUT);
	tb_csv_free(&c);
	/* an empty text has no header */
	INIT(&c, "");
	assert_int_equal(tb_csv_read_header(&c), TB_EINPUT);
	tb_csv_free(&c);
	INIT(&c, "\"x");
	assert_int_equal(tb_csv_read_header(&c), TB_EINPUT);
	assert_null(c.header);
	tb_csv_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simple),
	    cmocka_unit_test(test_quotes),
	    cmocka_unit_test(test_crlf_bom_empty),
	    cmocka_unit_test(test_embedded_newline_and_lines),
	    cmocka_unit_test(test_short_row_and_utf8),
	    cmocka_unit_test(test_many_fields),
	    cmocka_unit_test(test_unterminated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
