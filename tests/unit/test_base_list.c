/* test_base_list.c — comma-separated lists (base/list.h), the one matcher
 * behind jurisdictions, role lists and parcel lists: whole items only,
 * blanks trimmed, empty items skipped, NULL and empty handled; and the
 * checked number conversions (base/num.h) that replace atoi/atof. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/list.h"
#include "base/num.h"

#include <limits.h>
#include <string.h>

static void has(void **state)
{
	(void)state;
	const char *towns = "120119102,120119103, 120119104 ,,120119105";
	assert_true(tb_list_has(towns, "120119102"));
	assert_true(tb_list_has(towns, "120119103"));
	assert_true(tb_list_has(towns, "120119104")); /* blanks around it */
	assert_true(tb_list_has(towns, "120119105")); /* after an empty item */
	assert_false(tb_list_has(towns, "12011910"));  /* a prefix is not an item */
	assert_false(tb_list_has(towns, "1201191021")); /* nor a longer code */
	assert_false(tb_list_has(towns, "0119102"));   /* nor a suffix */
	assert_false(tb_list_has(towns, ""));
	assert_false(tb_list_has(towns, NULL));
	assert_false(tb_list_has(NULL, "120119102"));
	assert_false(tb_list_has("", "120119102"));
	assert_true(tb_list_has("admin,bureau,town,unit", "unit"));
	assert_false(tb_list_has("admin,bureau", "bureau,admin"));
	assert_true(tb_list_has("x", "x"));
}

static void next(void **state)
{
	(void)state;
	const char *cur = " a, bb ,,ccc,", *item;
	size_t len;
	const char *want[] = {"a", "bb", "ccc"};
	for (int i = 0; i < 3; i++) {
		assert_true(tb_list_next(&cur, &item, &len));
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(item, want[i], len);
	}
	assert_false(tb_list_next(&cur, &item, &len));
	assert_false(tb_list_next(&cur, &item, &len)); /* stays at the end */
	cur = NULL;
	assert_false(tb_list_next(&cur, &item, &len));
	cur = " , ,";
	assert_false(tb_list_next(&cur, &item, &len));
	char buf[4];
	cur = "120119102,P1";
	assert_true(tb_list_next_copy(&cur, buf, sizeof buf));
	assert_string_equal(buf, "120"); /* truncated, NUL-terminated */
	assert_true(tb_list_next_copy(&cur, buf, sizeof buf));
	assert_string_equal(buf, "P1");
	assert_false(tb_list_next_copy(&cur, buf, sizeof buf));
}

static void numbers(void **state)
{
	(void)state;
	double d = -1;
	assert_true(tb_num_double("0.6", &d));
	assert_true(d == 0.6);
	assert_true(tb_num_double(" -1e3 ", &d));
	assert_true(d == -1000);
	d = 7;
	assert_false(tb_num_double("0.6x", &d));
	assert_false(tb_num_double("", &d));
	assert_false(tb_num_double("  ", &d));
	assert_false(tb_num_double(NULL, &d));
	assert_false(tb_num_double("nan", &d));
	assert_false(tb_num_double("inf", &d));
	assert_false(tb_num_double("1e999", &d));
	assert_true(d == 7); /* untouched on failure */
	long n = -1;
	assert_true(tb_num_long("10", 1, 12, &n));
	assert_int_equal(n, 10);
	assert_true(tb_num_long("4490", 1, INT32_MAX, &n));
	assert_int_equal(n, 4490);
	n = 99;
	assert_false(tb_num_long("13", 1, 12, &n));
	assert_false(tb_num_long("0", 1, 12, &n));
	assert_false(tb_num_long("1.5", 1, 12, &n));
	assert_false(tb_num_long("5 months", 1, 12, &n));
	assert_false(tb_num_long("99999999999999999999", 0, LONG_MAX, &n));
	assert_false(tb_num_long(NULL, 0, 1, &n));
	assert_int_equal(n, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(has),
		cmocka_unit_test(next),
		cmocka_unit_test(numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
