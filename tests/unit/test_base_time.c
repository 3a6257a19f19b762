/* test_base_time.c — UTC time (base/tbtime.h): ISO 8601 parsing and
 * formatting round trips, zone offsets converted to UTC, impossible dates
 * refused, civil-date arithmetic, and TIANBAO_NOW fixing the clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/tbtime.h"

#include <stdlib.h>
#include <string.h>

static int64_t parse(const char *s)
{
	int64_t ms = -42;
	assert_true(tb_time_parse_iso(s, &ms));
	return ms;
}

static void refuse(const char *s)
{
	int64_t ms = -42;
	if (tb_time_parse_iso(s, &ms)) fail_msg("accepted '%s'", s);
	assert_int_equal(ms, -42); /* untouched */
}

static void round_trip(const char *iso)
{
	char out[32];
	tb_time_format_iso(parse(iso), out);
	assert_string_equal(out, iso);
}

static void test_epoch_and_known(void **state)
{
	(void)state;
	assert_int_equal(parse("1970-01-01"), 0);
	assert_int_equal(parse("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(parse("1970-01-02"), 86400000);
	/* date -u -d 2026-11-29T05:13:52Z +%s = 1795929232 */
	assert_int_equal(parse("2026-11-29T05:13:52.123Z"), 1795929232123LL);
	assert_int_equal(parse("2026-11-29 05:13:52.123"), 1795929232123LL);
	assert_int_equal(parse("2026-11-29T05:13Z"), 1795929180000LL);
	assert_int_equal(parse("2000-02-29T00:00:00Z"), 951782400000LL);
	assert_int_equal(parse("1969-12-31T23:59:59.999Z"), -1);
}

static void test_round_trips(void **state)
{
	(void)state;
	round_trip("2026-11-29T05:13:52.123Z");
	round_trip("1970-01-01T00:00:00.000Z");
	round_trip("1969-12-31T23:59:59.999Z");
	round_trip("1900-03-01T12:00:00.000Z");
	round_trip("2000-02-29T23:59:59.999Z");
	round_trip("2100-12-31T00:00:00.001Z");
	round_trip("0001-01-01T00:00:00.000Z");
	char out[32];
	tb_time_format_iso(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	tb_time_format_iso(-86400000, out);
	assert_string_equal(out, "1969-12-31T00:00:00.000Z");
	tb_time_format_iso(-86400001, out);
	assert_string_equal(out, "1969-12-30T23:59:59.999Z");
}

static void test_fractions(void **state)
{
	(void)state;
	assert_int_equal(parse("1970-01-01T00:00:00.5Z"), 500);
	assert_int_equal(parse("1970-01-01T00:00:00.05Z"), 50);
	assert_int_equal(parse("1970-01-01T00:00:00.123456Z"), 123); /* truncated to ms */
	refuse("1970-01-01T00:00:00.Z");
}

static void test_zones(void **state)
{
	(void)state;
	/* Beijing time is UTC+8 */
	assert_int_equal(parse("2026-01-01T08:00:00+08:00"), parse("2026-01-01T00:00:00Z"));
	assert_int_equal(parse("2026-01-01T08:00+0800"), parse("2026-01-01T00:00Z"));
	assert_int_equal(parse("2026-01-01T02:00:00+08:00"), parse("2025-12-31T18:00:00Z"));
	assert_int_equal(parse("2025-12-31T19:30:00-05:30"), parse("2026-01-01T01:00:00Z"));
	assert_int_equal(parse("2026-01-01T00:00:00.250+00:00"), parse("2026-01-01T00:00:00.250Z"));
	char out[32];
	tb_time_format_iso(parse("2026-03-01T07:59:59.999+08:00"), out);
	assert_string_equal(out, "2026-02-28T23:59:59.999Z");
	/* no zone = UTC */
	assert_int_equal(parse("2026-01-01T00:00:00"), parse("2026-01-01T00:00:00Z"));
	refuse("2026-01-01T00:00:00+8:00");
	refuse("2026-01-01T00:00:00+08");
	refuse("2026-01-01T00:00:00+24:00");
	refuse("2026-01-01T00:00:00+08:60");
	refuse("2026-01-01T00:00:00 +08:00");
	refuse("2026-01-01+08:00"); /* a zone needs a time */
}

static void test_invalid(void **state)
{
	(void)state;
	refuse("2026-02-29");                 /* 2026 is not a leap year */
	refuse("1900-02-29");                 /* century, not leap */
	assert_true(parse("2000-02-29") > 0); /* 400-year, leap */
	assert_true(parse("2028-02-29") > 0);
	refuse("2026-13-01");
	refuse("2026-00-10");
	refuse("2026-04-31");
	refuse("2026-01-00");
	refuse("2026-01-32");
	refuse("2026-01-01T25:00");
	refuse("2026-01-01T24:00");
	refuse("2026-01-01T23:60");
	refuse("2026-01-01T23:59:61");
	refuse("");
	refuse("2026");
	refuse("2026-1-01");
	refuse("26-01-01");
	refuse("2026/01/01");
	refuse("2026-01-01T");
	refuse("2026-01-01T1:00");
	refuse("2026-01-01T10");
	refuse("2026-01-01T10:00:0");
	refuse("2026-01-01x");
	refuse("2026-01-01T10:00:00Zjunk");
	refuse("２０２６-01-01"); /* full-width digits */
	int64_t ms;
	assert_false(tb_time_parse_iso(NULL, &ms));
}

static void test_civil(void **state)
{
	(void)state;
	assert_int_equal(tb_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(tb_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(tb_days_from_civil(1969, 12, 31), -1);
	/* every day of 400 years (one full Gregorian cycle) round-trips */
	int64_t z0 = tb_days_from_civil(1900, 1, 1), z1 = tb_days_from_civil(2300, 1, 1);
	assert_int_equal(z1 - z0, 146097);
	for (int64_t z = z0; z < z1; z++) {
		int y;
		unsigned m, d;
		tb_civil_from_days(z, &y, &m, &d);
		assert_int_equal(tb_days_from_civil(y, m, d), z);
	}
	int y;
	unsigned m, d;
	tb_civil_from_days(-719468, &y, &m, &d); /* 0000-03-01 */
	assert_int_equal(y, 0);
	assert_int_equal(m, 3);
	assert_int_equal(d, 1);
}

static void test_fixed_clock(void **state)
{
	(void)state;
	setenv("TIANBAO_NOW", "2026-05-04T12:30:00+08:00", 1);
	assert_int_equal(tb_time_now_ms(), parse("2026-05-04T04:30:00Z"));
	char iso[32];
	tb_time_now_iso(iso);
	assert_string_equal(iso, "2026-05-04T04:30:00.000Z");
	setenv("TIANBAO_NOW", "2026-05-04", 1);
	tb_time_now_iso(iso);
	assert_string_equal(iso, "2026-05-04T00:00:00.000Z");
	/* an unparseable value falls back to the real clock */
	setenv("TIANBAO_NOW", "tomorrow", 1);
	assert_true(tb_time_now_ms() > parse("2024-01-01"));
	unsetenv("TIANBAO_NOW");
	int64_t a = tb_time_now_ms(), b = tb_time_now_ms();
	assert_true(a > parse("2024-01-01"));
	assert_true(b >= a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_epoch_and_known), cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_fractions),       cmocka_unit_test(test_zones),
	    cmocka_unit_test(test_invalid),         cmocka_unit_test(test_civil),
	    cmocka_unit_test(test_fixed_clock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
