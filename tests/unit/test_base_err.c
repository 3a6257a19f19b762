/* test_base_err.c — the error convention (base/err.h): setting and
 * formatting details, code names and CLI exit codes, and capped error
 * lists that count what they drop. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"

#include <string.h>

static void test_set_and_format(void **state)
{
	(void)state;
	tb_err e;
	memset(&e, 0x55, sizeof e); /* garbage in, clean details out */
	assert_int_equal(tb_err_set(&e, TB_EINPUT, "feature 12 (小班 001-003)", "yu_bi_du",
	                            "value %g out of range [%g, %g]", 1.5, 0.0, 1.0),
	                 TB_EINPUT);
	assert_int_equal(e.code, TB_EINPUT);
	assert_string_equal(e.record, "feature 12 (小班 001-003)");
	assert_string_equal(e.field, "yu_bi_du");
	assert_string_equal(e.message, "value 1.5 out of range [0, 1]");
	char buf[256];
	tb_err_format(&e, buf, sizeof buf);
	assert_string_equal(buf,
	                    "feature 12 (小班 001-003): yu_bi_du: value 1.5 out of range [0, 1]");

	tb_err_set(&e, TB_ENOTFOUND, "parcels 7", NULL, "no such record");
	assert_string_equal(e.field, "");
	tb_err_format(&e, buf, sizeof buf);
	assert_string_equal(buf, "parcels 7: no such record");

	tb_err_set(&e, TB_EINPUT, NULL, "code", "required");
	tb_err_format(&e, buf, sizeof buf);
	assert_string_equal(buf, "code: required");

	tb_err_set(&e, TB_EIO, NULL, NULL, "disk full");
	tb_err_format(&e, buf, sizeof buf);
	assert_string_equal(buf, "disk full");

	/* truncation keeps the result terminated */
	char small[8];
	tb_err_format(&e, small, sizeof small);
	assert_string_equal(small, "disk fu");
	tb_err_format(&e, small, 0); /* size 0 writes nothing */

	/* a NULL err only returns the code */
	assert_int_equal(tb_err_set(NULL, TB_EDB, NULL, NULL, "x"), TB_EDB);
	tb_err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.message, "");
	tb_err_clear(NULL);
}

static void test_long_values_truncated(void **state)
{
	(void)state;
	char longrec[400], longfield[200];
	memset(longrec, 'r', sizeof longrec - 1);
	longrec[sizeof longrec - 1] = 0;
	memset(longfield, 'f', sizeof longfield - 1);
	longfield[sizeof longfield - 1] = 0;
	tb_err e;
	tb_err_set(&e, TB_EINPUT, longrec, longfield, "%s", longrec);
	assert_int_equal(strlen(e.record), sizeof e.record - 1);
	assert_int_equal(strlen(e.field), sizeof e.field - 1);
	assert_int_equal(strlen(e.message), 399);
}

static void test_codes(void **state)
{
	(void)state;
	assert_string_equal(tb_code_name(TB_OK), "ok");
	assert_string_equal(tb_code_name(TB_EINPUT), "bad_input");
	assert_string_equal(tb_code_name(TB_ENOTFOUND), "not_found");
	assert_string_equal(tb_code_name(TB_ECONFLICT), "conflict");
	assert_string_equal(tb_code_name(TB_EDENIED), "denied");
	assert_string_equal(tb_code_name(TB_ETOOBIG), "too_big");
	assert_string_equal(tb_code_name(TB_EDB), "database");
	assert_string_equal(tb_code_name(TB_EINTERNAL), "internal");
	assert_string_equal(tb_code_name(-99), "internal");
	assert_int_equal(tb_exit_code(TB_OK), 0);
	assert_int_equal(tb_exit_code(TB_EUSAGE), 1);
	assert_int_equal(tb_exit_code(TB_EINPUT), 2);
	assert_int_equal(tb_exit_code(TB_ECONFLICT), 2);
	assert_int_equal(tb_exit_code(TB_EDB), 3);
	assert_int_equal(tb_exit_code(TB_EINTERNAL), 3);
}

static void test_errlist_cap(void **state)
{
	(void)state;
	tb_errlist l;
	tb_errlist_init(&l, 5);
	for (int i = 0; i < 12; i++)
		assert_int_equal(tb_errlist_addf(&l, TB_EINPUT, "row", "f", "problem %d", i),
		                 TB_EINPUT);
	assert_int_equal(l.len, 5);
	assert_int_equal(l.dropped, 7);
	assert_int_equal(tb_errlist_count(&l), 12);
	assert_string_equal(l.items[0].message, "problem 0");
	assert_string_equal(l.items[4].message, "problem 4");
	assert_string_equal(l.items[4].field, "f");
	tb_err e = {0};
	tb_err_set(&e, TB_EDB, NULL, NULL, "x");
	assert_int_equal(tb_errlist_add(&l, &e), TB_EDB);
	assert_int_equal(l.dropped, 8);
	tb_errlist_free(&l);
	assert_int_equal(tb_errlist_count(&l), 0);

	/* growth past the initial allocation keeps every item */
	tb_errlist_init(&l, 0); /* 0 = default cap of 1000 */
	assert_int_equal(l.max, 1000);
	for (int i = 0; i < 1500; i++)
		tb_errlist_addf(&l, TB_EINPUT, NULL, NULL, "p%d", i);
	assert_int_equal(l.len, 1000);
	assert_int_equal(l.dropped, 500);
	assert_string_equal(l.items[999].message, "p999");
	assert_string_equal(l.items[16].message, "p16");
	tb_errlist_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_set_and_format),
	    cmocka_unit_test(test_long_values_truncated),
	    cmocka_unit_test(test_codes),
	    cmocka_unit_test(test_errlist_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
