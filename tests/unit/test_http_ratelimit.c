/* test_http_ratelimit.c — the router's request counters (http/ratelimit.h):
 * the limit per window and class, a new window, and that an address busy
 * now keeps its count however many other addresses come (the table used to
 * overwrite a slot on a hash collision, resetting the flooder's count). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/ratelimit.h"

#include <stdio.h>

static void limit_per_window_and_class(void **state)
{
	(void)state;
	tb_ratelimit *rl = tb_ratelimit_new(TB_RATELIMIT_SLOTS);
	assert_non_null(rl);
	for (int i = 1; i <= 5; i++) assert_true(tb_ratelimit_hit(rl, "10.0.0.1", 0, 100, 5));
	assert_false(tb_ratelimit_hit(rl, "10.0.0.1", 0, 100, 5));  /* the 6th of the minute */
	assert_false(tb_ratelimit_hit(rl, "10.0.0.1", 0, 100, 5));
	assert_true(tb_ratelimit_hit(rl, "10.0.0.1", 1, 100, 5));   /* another class counts apart */
	assert_true(tb_ratelimit_hit(rl, "10.0.0.2", 0, 100, 5));   /* another address too */
	assert_true(tb_ratelimit_hit(rl, "10.0.0.1", 0, 101, 5));   /* the next minute starts again */
	tb_ratelimit_free(rl);
}

/* A table of exactly one bucket (8 ways): every address collides with
 * every other.  The flooder stays limited while 200 other addresses come
 * and go, each of them served. */
static void busy_address_keeps_its_count(void **state)
{
	(void)state;
	tb_ratelimit *rl = tb_ratelimit_new(TB_RATELIMIT_WAYS);
	for (int i = 0; i < 31; i++) tb_ratelimit_hit(rl, "203.0.113.9", 0, 7, 30);
	assert_false(tb_ratelimit_hit(rl, "203.0.113.9", 0, 7, 30));
	char ip[48];
	for (int n = 0; n < 200; n++) {
		snprintf(ip, sizeof ip, "198.51.100.%d", n);
		assert_true(tb_ratelimit_hit(rl, ip, 0, 7, 30));
		assert_true(tb_ratelimit_hit(rl, ip, 0, 7, 30));
		assert_false(tb_ratelimit_hit(rl, "203.0.113.9", 0, 7, 30));
	}
	/* seven others busier than any newcomer keep their counts as well */
	for (int n = 0; n < 7; n++) {
		snprintf(ip, sizeof ip, "192.0.2.%d", n);
		for (int i = 0; i < 10; i++) assert_true(tb_ratelimit_hit(rl, ip, 0, 8, 10));
	}
	for (int n = 0; n < 50; n++) {
		snprintf(ip, sizeof ip, "198.51.100.%d", n);
		assert_true(tb_ratelimit_hit(rl, ip, 0, 8, 10));
	}
	for (int n = 0; n < 7; n++) {
		snprintf(ip, sizeof ip, "192.0.2.%d", n);
		assert_false(tb_ratelimit_hit(rl, ip, 0, 8, 10)); /* the 11th: still counted */
	}
	tb_ratelimit_free(rl);
}

static void key_of_an_address(void **state)
{
	(void)state;
	char k[64];
	tb_ratelimit_key("192.0.2.7", k, sizeof k);
	assert_string_equal(k, "192.0.2.7");
	tb_ratelimit_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd", k, sizeof k);
	assert_string_equal(k, "2001:db8:1:2::/64");
	tb_ratelimit_key("2001:db8:1:2::9", k, sizeof k); /* the same subscriber */
	assert_string_equal(k, "2001:db8:1:2::/64");
	tb_ratelimit_key("::1", k, sizeof k);
	assert_string_equal(k, "::/64");
	tb_ratelimit_key("?", k, sizeof k);
	assert_string_equal(k, "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(limit_per_window_and_class),
	    cmocka_unit_test(busy_address_keeps_its_count),
	    cmocka_unit_test(key_of_an_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
