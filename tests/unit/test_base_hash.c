/* test_base_hash.c — SHA-256 and hex helpers (base/hash.h) against the
 * FIPS 180-2 test vectors, and hex decoding that refuses bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/err.h"
#include "base/hash.h"

#include <string.h>

static void test_sha256_vectors(void **state)
{
	(void)state;
	assert_int_equal(tb_crypto_init(), 0);
	assert_int_equal(tb_crypto_init(), 0); /* idempotent */
	char hex[TB_SHA256_HEX];
	tb_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	tb_sha256_hex("", 0, hex);
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	tb_sha256_hex(m, strlen(m), hex);
	assert_string_equal(hex,
	                    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	unsigned char raw[32];
	tb_sha256("abc", 3, raw);
	assert_int_equal(raw[0], 0xba);
	assert_int_equal(raw[31], 0xad);
}

static void test_hex_round_trip(void **state)
{
	(void)state;
	unsigned char in[4] = {0x00, 0x0f, 0xa0, 0xff}, out[4];
	char hex[9];
	tb_hex(in, 4, hex);
	assert_string_equal(hex, "000fa0ff");
	assert_int_equal(tb_unhex(hex, out, 4), 0);
	assert_memory_equal(in, out, 4);
	assert_int_equal(tb_unhex("000FA0FF", out, 4), 0); /* upper case too */
	assert_memory_equal(in, out, 4);
	assert_int_equal(tb_unhex("000fa0f", out, 4), TB_EINPUT);   /* short */
	assert_int_equal(tb_unhex("000fa0fff", out, 4), TB_EINPUT); /* long */
	assert_int_equal(tb_unhex("000fa0fg", out, 4), TB_EINPUT);  /* not hex */
	assert_int_equal(tb_unhex("", out, 0), 0);
	tb_hex(in, 0, hex);
	assert_string_equal(hex, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sha256_vectors),
	    cmocka_unit_test(test_hex_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
