/* test_base_buf.c — capped growable buffers (base/buf.h): growth, the hard
 * maximum (TB_ETOOBIG leaves the buffer as it was), formatted appends and
 * ownership transfer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>

static void test_add_and_nul(void **state)
{
	(void)state;
	tb_buf b;
	tb_buf_init(&b, 1024);
	assert_null(b.data);
	assert_int_equal(tb_buf_adds(&b, "天保"), 0);
	assert_int_equal(tb_buf_add(&b, "-x", 2), 0);
	assert_int_equal(b.len, strlen("天保") + 2);
	assert_string_equal(b.data, "天保-x");
	assert_int_equal(b.data[b.len], 0);
	tb_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	tb_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.max, 1024);
}

static void test_grow_many(void **state)
{
	(void)state;
	tb_buf b;
	tb_buf_init(&b, 100000);
	for (int i = 0; i < 10000; i++)
		assert_int_equal(tb_buf_add(&b, "0123456789", 10), 0);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap >= b.len + 1);
	assert_true(b.cap <= b.max + 1);
	assert_memory_equal(b.data + 99990, "0123456789", 10);
	assert_int_equal(b.data[100000], 0);
	/* one byte more is refused */
	assert_int_equal(tb_buf_add(&b, "x", 1), TB_ETOOBIG);
	assert_int_equal(b.len, 100000);
	tb_buf_free(&b);
}

static void test_cap_exact_and_unchanged(void **state)
{
	(void)state;
	tb_buf b;
	tb_buf_init(&b, 8);
	assert_int_equal(tb_buf_adds(&b, "abcd"), 0);
	assert_int_equal(tb_buf_adds(&b, "efghi"), TB_ETOOBIG); /* 9 > 8 */
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "abcd");
	assert_int_equal(tb_buf_adds(&b, "efgh"), 0); /* exactly 8 */
	assert_string_equal(b.data, "abcdefgh");
	assert_int_equal(tb_buf_addf(&b, "%d", 1), TB_ETOOBIG);
	assert_string_equal(b.data, "abcdefgh");
	assert_int_equal(b.len, 8);
	/* an empty append at the cap is fine */
	assert_int_equal(tb_buf_add(&b, "", 0), 0);
	assert_int_equal(tb_buf_addf(&b, "%s", ""), 0);
	assert_int_equal(b.len, 8);
	tb_buf_free(&b);
}

static void test_zero_max(void **state)
{
	(void)state;
	tb_buf b;
	tb_buf_init(&b, 0);
	assert_int_equal(tb_buf_adds(&b, "a"), TB_ETOOBIG);
	assert_int_equal(b.len, 0);
	tb_buf_free(&b);
}

static void test_no_practical_cap(void **state)
{
	(void)state;
	tb_buf b;
	tb_buf_init(&b, SIZE_MAX); /* "no cap" must not wrap max + 1 to 0 */
	assert_int_equal(tb_buf_adds(&b, "x"), 0);
	assert_int_equal(tb_buf_addf(&b, "%d", 42), 0);
	assert_string_equal(b.data, "x42");
	assert_int_equal(tb_buf_add(&b, "y", SIZE_MAX), TB_ETOOBIG); /* len + n wraps */
	assert_string_equal(b.data, "x42");
	tb_buf_free(&b);
}

static void test_addf(void **state)
{
	(void)state;
	tb_buf b;
	tb_buf_init(&b, 1 << 20);
	assert_int_equal(tb_buf_addf(&b, "%s=%d;", "n", 42), 0);
	assert_int_equal(tb_buf_addf(&b, "%.2f|%05lld|%s", 1.5, 7LL, "林"), 0);
	assert_string_equal(b.data, "n=42;1.50|00007|林");
	assert_int_equal(b.len, strlen("n=42;1.50|00007|林"));
	/* a long formatted piece forces a regrow mid-format */
	char big[5000];
	memset(big, 'z', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(tb_buf_addf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, strlen("n=42;1.50|00007|林") + 5001);
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], 0);
	tb_buf_free(&b);
}

static void test_take(void **state)
{
	(void)state;
	tb_buf b;
	tb_buf_init(&b, 64);
	assert_null(tb_buf_take(&b)); /* empty: NULL */
	tb_buf_adds(&b, "hello");
	char *s = tb_buf_take(&b);
	assert_string_equal(s, "hello");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 64); /* still usable */
	assert_int_equal(tb_buf_adds(&b, "again"), 0);
	assert_string_equal(b.data, "again");
	free(s);
	tb_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_and_nul),
	    cmocka_unit_test(test_grow_many),
	    cmocka_unit_test(test_cap_exact_and_unchanged),
	    cmocka_unit_test(test_zero_max),
	    cmocka_unit_test(test_no_practical_cap),
	    cmocka_unit_test(test_addf),
	    cmocka_unit_test(test_take),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
