/* test_base_utf8.c — strict UTF-8 validation (base/utf8.h): CJK text,
 * overlong forms, surrogates, truncated sequences, code points past
 * U+10FFFF, and the offset reported for the first bad sequence. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/utf8.h"

#include <string.h>

/* Valid? and if not, where. */
static void check(const char *s, size_t n, bool want_ok, size_t want_bad)
{
	size_t bad = 12345;
	bool ok = tb_utf8_valid(s, n, &bad);
	assert_int_equal(ok, want_ok);
	if (!want_ok)
		assert_int_equal(bad, want_bad);
	else
		assert_int_equal(bad, 12345); /* untouched on success */
}

#define CHECK_OK(lit) check(lit, sizeof(lit) - 1, true, 0)
#define CHECK_BAD(lit, at) check(lit, sizeof(lit) - 1, false, at)

static void test_valid(void **state)
{
	(void)state;
	CHECK_OK("");
	CHECK_OK("plain ascii\n\t");
	CHECK_OK("天然林保护修复 小班 乔木林地");
	CHECK_OK("Ⅰ级保护 m³/ha");
	CHECK_OK("\xC2\x80");         /* U+0080, smallest 2-byte */
	CHECK_OK("\xDF\xBF");         /* U+07FF */
	CHECK_OK("\xE0\xA0\x80");     /* U+0800, smallest 3-byte */
	CHECK_OK("\xED\x9F\xBF");     /* U+D7FF, just below surrogates */
	CHECK_OK("\xEE\x80\x80");     /* U+E000, just above */
	CHECK_OK("\xEF\xBF\xBF");     /* U+FFFF */
	CHECK_OK("\xF0\x90\x80\x80"); /* U+10000, smallest 4-byte */
	CHECK_OK("\xF0\x9F\x8C\xB2"); /* U+1F332 evergreen tree */
	CHECK_OK("\xF4\x8F\xBF\xBF"); /* U+10FFFF, the last code point */
	/* NUL is a valid code point when a length is given */
	check("a\0b", 3, true, 0);
	assert_true(tb_utf8_valid("x", 1, NULL));
}

static void test_overlong(void **state)
{
	(void)state;
	CHECK_BAD("\xC0\xAF", 0); /* '/' as 2 bytes */
	CHECK_BAD("\xC1\xBF", 0);
	CHECK_BAD("ab\xE0\x80\xAF", 2);   /* '/' as 3 bytes */
	CHECK_BAD("\xE0\x9F\xBF", 0);     /* U+07FF as 3 bytes */
	CHECK_BAD("\xF0\x80\x80\xAF", 0); /* '/' as 4 bytes */
	CHECK_BAD("\xF0\x8F\xBF\xBF", 0); /* U+FFFF as 4 bytes */
}

static void test_surrogates(void **state)
{
	(void)state;
	CHECK_BAD("\xED\xA0\x80", 0);             /* U+D800 */
	CHECK_BAD("林\xED\xBF\xBF", 3);           /* U+DFFF after one CJK char */
	CHECK_BAD("\xED\xA0\xBD\xED\xB2\xA9", 0); /* CESU-8 pair */
}

static void test_beyond_max(void **state)
{
	(void)state;
	CHECK_BAD("\xF4\x90\x80\x80", 0); /* U+110000 */
	CHECK_BAD("ok\xF5\x80\x80\x80", 2);
	CHECK_BAD("\xF8\x88\x80\x80\x80", 0);     /* old 5-byte form */
	CHECK_BAD("\xFC\x84\x80\x80\x80\x80", 0); /* old 6-byte form */
	CHECK_BAD("\xFE", 0);
	CHECK_BAD("\xFF", 0);
}

static void test_truncated_and_stray(void **state)
{
	(void)state;
	CHECK_BAD("\xE6\x9E", 0); /* first two bytes of 林 */
	CHECK_BAD("天\xE6", 3);
	CHECK_BAD("\xF0\x9F\x8C", 0);
	CHECK_BAD("\xC2", 0);
	CHECK_BAD("\x80", 0); /* lone continuation */
	CHECK_BAD("abc\xBF", 3);
	CHECK_BAD("\xE6\x9E"
	          "a",
	          0); /* continuation replaced by ASCII */
	CHECK_BAD("\xC3\x28", 0);
	/* a length that cuts a valid character in half */
	const char *s = "保护";
	check(s, 4, false, 3);
	check(s, 6, true, 0);
}

static void test_len(void **state)
{
	(void)state;
	assert_int_equal(tb_utf8_len(""), 0);
	assert_int_equal(tb_utf8_len("abc"), 3);
	assert_int_equal(tb_utf8_len("天然林"), 3);
	assert_int_equal(tb_utf8_len("a林\xF0\x9F\x8C\xB2"), 3);
}

static void test_escape(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(tb_utf8_escape("林\xff班\xd6", 8, out, sizeof out), 2);
	assert_string_equal(out, "林\\xff班\\xd6");
	assert_int_equal(tb_utf8_escape("abc", 3, out, sizeof out), 0);
	assert_string_equal(out, "abc");
	/* a full buffer cuts at a whole character, never inside one */
	assert_int_equal(tb_utf8_escape("天然林", 9, out, 5), 0);
	assert_string_equal(out, "天");
	tb_utf8_escape("\xff\xfe", 2, out, 6);
	assert_string_equal(out, "\\xff");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_overlong),
	    cmocka_unit_test(test_surrogates),
	    cmocka_unit_test(test_beyond_max),
	    cmocka_unit_test(test_truncated_and_stray),
	    cmocka_unit_test(test_len),
	    cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
