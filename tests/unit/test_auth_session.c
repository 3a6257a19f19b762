/* test_auth_session.c — logging in and out (auth/auth.h): tokens and the
 * principal, the same answer for a wrong login and a wrong password, the
 * failed-login log line, throttling per account and per IP with the window
 * passing (TIANBAO_NOW), idle and absolute expiry, and logout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_auth_fixture.h"

#include "base/log.h"

#include <fcntl.h>

static int login(fx *f, const tb_session_limits *l, const char *who, const char *pw, const char *ip,
                 char tok[65], tb_principal *p, tb_err *e)
{
	tb_err_clear(e);
	return tb_session_login(f->db, l, who, pw, ip, tok, p, e);
}

static void login_ok(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	assert_int_equal(
	    tb_user_add(f->db, &root, "li.ming", "李明", "town", "120119104", "JZ-T04", PW, &e), 0);
	char tok[65], sql[256];
	tb_principal p;
	assert_int_equal(login(f, NULL, "li.ming", PW, "192.0.2.7", tok, &p, &e), 0);
	assert_true(is_hex64(tok));
	assert_true(is_hex64(p.csrf));
	assert_string_not_equal(tok, p.csrf);
	assert_int_equal(p.user_id, 1);
	assert_string_equal(p.login, "li.ming");
	assert_string_equal(p.role, "town");
	assert_string_equal(p.scope, "120119104");
	assert_string_equal(p.unit, "JZ-T04");
	assert_true(p.via_cookie);
	assert_false(p.via_token);
	/* only the hash is stored */
	char hash[TB_SHA256_HEX];
	tb_sha256_hex(tok, 64, hash);
	assert_string_equal(qtext(f->db, "SELECT token_hash FROM tb_session"), hash);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM tb_session WHERE token_hash='%s'", tok);
	assert_int_equal(q64(f->db, sql), 0);
	assert_string_equal(qtext(f->db, "SELECT ip FROM tb_session"), "192.0.2.7");
	assert_string_equal(qtext(f->db, "SELECT last_login FROM users"),
	                    "2026-05-04T08:00:00.000Z");
	assert_string_equal(qtext(f->db, "SELECT payload FROM tb_event ORDER BY seq DESC"),
	                    "{\"ip\":\"192.0.2.7\"}");
	/* the check gives the same principal and csrf */
	tb_principal q;
	assert_int_equal(tb_session_check(f->db, NULL, tok, &q, &e), 0);
	assert_string_equal(q.login, "li.ming");
	assert_string_equal(q.csrf, p.csrf);
	assert_true(q.via_cookie);
	/* a login typed in capitals is the same login */
	char tok2[65];
	assert_int_equal(login(f, NULL, "LI.MING", PW, "192.0.2.7", tok2, &p, &e), 0);
	assert_string_not_equal(tok, tok2);
}

static void wrong_password_and_unknown_user_alike(void **state)
{
	fx *f = *state;
	add_user(f, "zhang", "bureau", NULL);
	int64_t before = events(f->db);
	char tok[65];
	tb_principal p;
	tb_err e1 = {0}, e2 = {0};
	assert_int_equal(login(f, NULL, "zhang", "not the password", "10.1.1.1", tok, &p, &e1),
	                 TB_EDENIED);
	assert_int_equal(login(f, NULL, "nobody", PW, "10.1.1.1", tok, &p, &e2), TB_EDENIED);
	assert_string_equal(e1.message, "wrong login or password");
	assert_string_equal(e1.message, e2.message);
	assert_string_equal(e1.field, e2.field);
	assert_int_equal(login(f, NULL, "zhang", NULL, "10.1.1.1", tok, &p, &e2), TB_EDENIED);
	assert_int_equal(login(f, NULL, NULL, NULL, NULL, tok, &p, &e2), TB_EDENIED);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_login_attempt WHERE ok=0"), 4);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_session"), 0);
	assert_int_equal(events(f->db), before);
}

/* The failure is logged with login, IP and reason; never the password. */
static void failed_login_logged(void **state)
{
	fx *f = *state;
	add_user(f, "zhang", "bureau", NULL);
	char path[160], tok[65], text[4096] = {0};
	snprintf(path, sizeof path, "%s/stderr.txt", f->dir);
	fflush(stderr);
	int saved = dup(2), fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	dup2(fd, 2);
	tb_log_set_level(TB_LOG_WARN);
	tb_principal p;
	tb_err e = {0};
	login(f, NULL, "zhang", "hunter2-secret-guess", "203.0.113.9", tok, &p, &e);
	login(f, NULL, "ghost\n2026 forged line", "other-secret-guess", "203.0.113.9", tok, &p, &e);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	tb_log_set_level(TB_LOG_ERROR);
	FILE *in = fopen(path, "r");
	assert_non_null(in);
	size_t n = fread(text, 1, sizeof text - 1, in);
	fclose(in);
	unlink(path);
	text[n] = 0;
	assert_non_null(strstr(text, "zhang"));
	assert_non_null(strstr(text, "203.0.113.9"));
	assert_non_null(strstr(text, "wrong password"));
	assert_non_null(strstr(text, "no such user"));
	assert_null(strstr(text, "secret-guess"));
	assert_null(strstr(text, "\n2026 forged")); /* control characters replaced */
}

static void throttled_per_account(void **state)
{
	fx *f = *state;
	add_user(f, "zhao", "bureau", NULL);
	tb_session_limits l;
	tb_session_limits_default(&l);
	char tok[65];
	tb_principal p;
	tb_err e = {0};
	for (int i = 0; i < l.max_fail_account; i++) {
		char ip[32];
		snprintf(ip, sizeof ip, "10.0.0.%d", i + 1); /* from many IPs */
		assert_int_equal(login(f, &l, "zhao", "wrong password", ip, tok, &p, &e),
		                 TB_EDENIED);
	}
	int64_t attempts = q64(f->db, "SELECT count(*) FROM tb_login_attempt");
	/* now even the right password is refused, before it is checked */
	assert_int_equal(login(f, &l, "zhao", PW, "10.9.9.9", tok, &p, &e), TB_ETOOBIG);
	assert_string_equal(e.message, "too many failed logins; try again later");
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_login_attempt"), attempts);
	/* other accounts are not affected */
	add_user(f, "qian", "bureau", NULL);
	assert_int_equal(login(f, &l, "qian", PW, "10.9.9.9", tok, &p, &e), 0);
	/* after the window the account may try again */
	set_now(T0_MS + (int64_t)l.window_s * 1000 - 1000);
	assert_int_equal(login(f, &l, "zhao", PW, "10.9.9.9", tok, &p, &e), TB_ETOOBIG);
	set_now(T0_MS + (int64_t)l.window_s * 1000 + 1000);
	assert_int_equal(login(f, &l, "zhao", PW, "10.9.9.9", tok, &p, &e), 0);
}

/* A success resets the account's count; the IP's count stays. */
static void success_resets_account_count(void **state)
{
	fx *f = *state;
	add_user(f, "zhao", "bureau", NULL);
	tb_session_limits l = {.max_fail_account = 3};
	char tok[65];
	tb_principal p;
	tb_err e = {0};
	for (int i = 0; i < 2; i++)
		assert_int_equal(login(f, &l, "zhao", "wrong!!!!!", "10.0.0.1", tok, &p, &e),
		                 TB_EDENIED);
	assert_int_equal(login(f, &l, "zhao", PW, "10.0.0.1", tok, &p, &e), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(login(f, &l, "zhao", "wrong!!!!!", "10.0.0.1", tok, &p, &e),
		                 TB_EDENIED);
	assert_int_equal(login(f, &l, "zhao", PW, "10.0.0.1", tok, &p, &e), 0);
}

static void throttled_per_ip(void **state)
{
	fx *f = *state;
	add_user(f, "sun", "bureau", NULL);
	tb_session_limits l = {.max_fail_ip = 4, .max_fail_account = 100, .window_s = 60};
	char tok[65], who[32];
	tb_principal p;
	tb_err e = {0};
	for (int i = 0; i < 4; i++) {
		snprintf(who, sizeof who, "guess%d", i); /* many logins from one IP */
		assert_int_equal(login(f, &l, who, "whatever123", "198.51.100.1", tok, &p, &e),
		                 TB_EDENIED);
	}
	assert_int_equal(login(f, &l, "sun", PW, "198.51.100.1", tok, &p, &e), TB_ETOOBIG);
	assert_int_equal(login(f, &l, "sun", PW, "198.51.100.2", tok, &p, &e), 0);
	set_now(T0_MS + 61000);
	assert_int_equal(login(f, &l, "sun", PW, "198.51.100.1", tok, &p, &e), 0);
}

static void idle_expiry(void **state)
{
	fx *f = *state;
	add_user(f, "zhou", "leader", NULL);
	tb_session_limits l;
	tb_session_limits_default(&l); /* idle 1800 s */
	char tok[65];
	tb_principal p;
	tb_err e = {0};
	assert_int_equal(login(f, &l, "zhou", PW, "::1", tok, &p, &e), 0);
	set_now(T0_MS + 1700 * 1000);
	assert_int_equal(tb_session_check(f->db, &l, tok, &p, &e), 0); /* refreshes */
	set_now(T0_MS + (1700 + 1700) * 1000);
	assert_int_equal(tb_session_check(f->db, &l, tok, &p, &e), 0);
	set_now(T0_MS + (1700 + 1700 + 1801) * 1000);
	assert_int_equal(tb_session_check(f->db, &l, tok, &p, &e), TB_EDENIED);
	assert_string_equal(e.message, "not logged in, or the session has expired");
}

static void absolute_expiry(void **state)
{
	fx *f = *state;
	add_user(f, "zhou", "leader", NULL);
	tb_session_limits l = {.idle_s = 600, .absolute_s = 1800};
	char tok[65];
	tb_principal p;
	tb_err e = {0};
	assert_int_equal(login(f, &l, "zhou", PW, "::1", tok, &p, &e), 0);
	for (int t = 500; t <= 1750; t += 250) {
		set_now(T0_MS + (int64_t)t * 1000);
		assert_int_equal(tb_session_check(f->db, &l, tok, &p, &e), 0);
	}
	set_now(T0_MS + 1801 * 1000);
	assert_int_equal(tb_session_check(f->db, &l, tok, &p, &e), TB_EDENIED);
	/* defaults: 12 hours at most */
	tb_session_limits d;
	tb_session_limits_default(&d);
	assert_int_equal(d.absolute_s, 43200);
	assert_int_equal(d.idle_s, 1800);
	assert_int_equal(d.window_s, 900);
}

static void logout_revokes(void **state)
{
	fx *f = *state;
	add_user(f, "wu.gang", "department", NULL);
	char t1[65], t2[65];
	tb_principal p;
	tb_err e = {0};
	assert_int_equal(login(f, NULL, "wu.gang", PW, "::1", t1, &p, &e), 0);
	assert_int_equal(login(f, NULL, "wu.gang", PW, "::1", t2, &p, &e), 0);
	int64_t before = events(f->db);
	assert_int_equal(tb_session_logout(f->db, t1, &e), 0);
	assert_int_equal(events(f->db), before + 1);
	assert_string_equal(
	    qtext(f->db, "SELECT actor||'/'||role||'/'||action FROM tb_event ORDER BY seq DESC"),
	    "wu.gang/department/session.logout");
	assert_int_equal(tb_session_check(f->db, NULL, t1, &p, &e), TB_EDENIED);
	assert_int_equal(tb_session_check(f->db, NULL, t2, &p, &e),
	                 0); /* the other session stays */
	assert_int_equal(tb_session_logout(f->db, t1, &e), TB_ENOTFOUND);
	char unknown[65];
	memset(unknown, 'a', 64);
	unknown[64] = 0;
	assert_int_equal(tb_session_logout(f->db, unknown, &e), TB_ENOTFOUND);
	assert_int_equal(tb_session_logout(f->db, "garbage", &e), TB_ENOTFOUND);
	assert_int_equal(events(f->db), before + 1);
}

static void malformed_tokens_refused(void **state)
{
	fx *f = *state;
	add_user(f, "zheng", "admin", NULL);
	char tok[65], bad[65];
	tb_principal p;
	tb_err e = {0};
	assert_int_equal(login(f, NULL, "zheng", PW, "::1", tok, &p, &e), 0);
	memcpy(bad, tok, sizeof bad);
	bad[0] = bad[0] == 'a' ? 'b' : 'a';
	const char *cases[] = {NULL, "", "abc", bad,
	                       "ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ"};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(tb_session_check(f->db, NULL, cases[i], &p, &e), TB_EDENIED);
		assert_int_equal(tb_token_check(f->db, cases[i], &p, &e), TB_EDENIED);
	}
	/* a session token is not an API token, nor the other way round */
	assert_int_equal(tb_token_check(f->db, tok, &p, &e), TB_EDENIED);
	char api[65];
	assert_int_equal(tb_token_add(f->db, &root, "zheng", "feed", api, &e), 0);
	assert_int_equal(tb_session_check(f->db, NULL, api, &p, &e), TB_EDENIED);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(login_ok),
	    T(wrong_password_and_unknown_user_alike),
	    T(failed_login_logged),
	    T(throttled_per_account),
	    T(success_resets_account_count),
	    T(throttled_per_ip),
	    T(idle_expiry),
	    T(absolute_expiry),
	    T(logout_revokes),
	    T(malformed_tokens_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
