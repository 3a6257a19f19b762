/* test_auth_token.c — API tokens (auth/auth.h): made once and shown once,
 * stored only as SHA-256, checked to a principal, revoked by label, labels
 * unique and never reused, and the list without hashes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_auth_fixture.h"

static void add_check_revoke(void **state)
{
	fx *f = *state;
	add_user(f, "weather", "department", NULL);
	int64_t n = events(f->db);
	char tok[65], sql[256];
	tb_principal p;
	tb_err e = {0};
	assert_int_equal(tb_token_add(f->db, &root, "weather", "气象局 feed", tok, &e), 0);
	assert_true(is_hex64(tok));
	assert_int_equal(events(f->db), n + 1);
	assert_string_equal(
	    qtext(f->db, "SELECT action||'/'||entity_id FROM tb_event ORDER BY seq DESC"),
	    "token.add/气象局 feed");
	char hash[TB_SHA256_HEX];
	tb_sha256_hex(tok, 64, hash);
	assert_string_equal(qtext(f->db, "SELECT token_hash FROM tb_api_token"), hash);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM tb_api_token WHERE token_hash='%s'", tok);
	assert_int_equal(q64(f->db, sql), 0);
	assert_int_equal(tb_token_check(f->db, tok, &p, &e), 0);
	assert_string_equal(p.login, "weather");
	assert_string_equal(p.role, "department");
	assert_true(p.via_token);
	assert_false(p.via_cookie);
	assert_string_equal(p.csrf, "");
	assert_int_equal(tb_token_revoke(f->db, &root, "气象局 feed", &e), 0);
	assert_int_equal(events(f->db), n + 2);
	assert_int_equal(tb_token_check(f->db, tok, &p, &e), TB_EDENIED);
	assert_int_equal(tb_token_revoke(f->db, &root, "气象局 feed", &e), TB_ECONFLICT);
	assert_int_equal(tb_token_revoke(f->db, &root, "no such", &e), TB_ENOTFOUND);
	assert_int_equal(events(f->db), n + 2);
}

static void refused_tokens(void **state)
{
	fx *f = *state;
	add_user(f, "camera", "ranger", "G-01");
	int64_t n = events(f->db);
	char tok[65];
	tb_err e = {0};
	assert_int_equal(tb_token_add(f->db, &root, "camera", "cam-1", tok, &e), 0);
	assert_int_equal(tb_token_add(f->db, &root, "camera", "cam-1", tok, &e), TB_EINPUT);
	assert_string_equal(e.field, "label");
	assert_string_equal(tok, "");
	assert_int_equal(tb_token_revoke(f->db, &root, "cam-1", &e), 0);
	assert_int_equal(tb_token_add(f->db, &root, "camera", "cam-1", tok, &e),
	                 TB_EINPUT); /* never reused */
	assert_int_equal(tb_token_add(f->db, &root, "nobody", "cam-2", tok, &e), TB_ENOTFOUND);
	assert_int_equal(tb_token_add(f->db, &root, "camera", "", tok, &e), TB_EINPUT);
	assert_int_equal(tb_token_add(f->db, &root, "camera", NULL, tok, &e), TB_EINPUT);
	assert_int_equal(tb_token_add(f->db, &root, "camera", "a\nb", tok, &e), TB_EINPUT);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_api_token"), 1);
	assert_int_equal(events(f->db), n + 2);
}

static void tokens_are_random(void **state)
{
	fx *f = *state;
	add_user(f, "drone", "bureau", NULL);
	char a[65], b[65];
	tb_err e = {0};
	assert_int_equal(tb_token_add(f->db, &root, "drone", "d1", a, &e), 0);
	assert_int_equal(tb_token_add(f->db, &root, "drone", "d2", b, &e), 0);
	assert_string_not_equal(a, b);
	tb_principal p;
	assert_int_equal(tb_token_check(f->db, a, &p, &e), 0);
	assert_int_equal(tb_token_check(f->db, b, &p, &e), 0);
	json_t *list = tb_token_list(f->db, &e);
	assert_int_equal(json_array_size(list), 2);
	json_t *t = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(t, "label")), "d1");
	assert_string_equal(json_string_value(json_object_get(t, "login")), "drone");
	assert_true(json_is_false(json_object_get(t, "revoked")));
	assert_null(json_object_get(t, "token_hash"));
	json_decref(list);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(add_check_revoke),
	    T(refused_tokens),
	    T(tokens_are_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
