/* test_auth_users.c — users (auth/auth.h): adding with the field rules,
 * passwords (length, Argon2id, never shown or logged), changing passwords
 * and disabling (both revoke), one event per write, the schema module's
 * GeoPackage registration, roles and jurisdiction for every role. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_auth_fixture.h"

#include "db/write.h"

static void add_user_ok(void **state)
{
	fx *f = *state;
	int64_t before = events(f->db);
	tb_err e = {0};
	assert_int_equal(tb_user_add(f->db, &root, "li.ming", "李明", "town",
	                             "120119104, 120119105", "JZ-T04", PW, &e),
	                 0);
	assert_int_equal(events(f->db), before + 1);
	assert_string_equal(qtext(f->db, "SELECT action FROM tb_event ORDER BY seq DESC"),
	                    "user.add");
	assert_string_equal(qtext(f->db, "SELECT actor FROM tb_event ORDER BY seq DESC"), "root");
	assert_string_equal(qtext(f->db, "SELECT entity_id FROM tb_event ORDER BY seq DESC"),
	                    "li.ming");
	assert_int_equal(strncmp(qtext(f->db, "SELECT pw_hash FROM users"), "$argon2id$", 10), 0);
	json_t *list = tb_user_list(f->db, &e);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), 1);
	json_t *u = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(u, "login")), "li.ming");
	assert_string_equal(json_string_value(json_object_get(u, "name")), "李明");
	assert_string_equal(json_string_value(json_object_get(u, "role")), "town");
	assert_string_equal(json_string_value(json_object_get(u, "scope")), "120119104,120119105");
	assert_string_equal(json_string_value(json_object_get(u, "unit")), "JZ-T04");
	assert_true(json_is_false(json_object_get(u, "disabled")));
	assert_true(json_is_null(json_object_get(u, "last_login")));
	assert_null(json_object_get(u, "pw_hash"));
	json_decref(list);
	/* a role may be given by its label (code list "role") */
	assert_int_equal(tb_user_add(f->db, &root, "ranger1", NULL, "护林员", "G-01", NULL, PW, &e),
	                 0);
	assert_string_equal(qtext(f->db, "SELECT role FROM users WHERE login='ranger1'"), "ranger");
}

static void short_password_refused(void **state)
{
	fx *f = *state;
	int64_t before = events(f->db);
	tb_err e = {0};
	assert_int_equal(
	    tb_user_add(f->db, &root, "wang", NULL, "bureau", NULL, NULL, "123456789", &e),
	    TB_EINPUT);
	assert_string_equal(e.field, "password");
	assert_string_equal(e.message, "at least 10 characters");
	assert_int_equal(tb_user_add(f->db, &root, "wang", NULL, "bureau", NULL, NULL, NULL, &e),
	                 TB_EINPUT);
	assert_string_equal(e.field, "password");
	assert_int_equal(q64(f->db, "SELECT count(*) FROM users"), 0);
	assert_int_equal(events(f->db), before);
	/* characters, not bytes: nine Chinese characters are too short, ten do */
	assert_int_equal(
	    tb_user_add(f->db, &root, "wang", NULL, "bureau", NULL, NULL, "天然林保护修复制度", &e),
	    TB_EINPUT);
	assert_int_equal(tb_user_add(f->db, &root, "wang", NULL, "bureau", NULL, NULL,
	                             "天然林保护修复制度方", &e),
	                 0);
	assert_int_equal(events(f->db), before + 1);
}

static void duplicate_login_refused(void **state)
{
	fx *f = *state;
	add_user(f, "zhang", "bureau", NULL);
	int64_t before = events(f->db);
	tb_err e = {0};
	assert_int_equal(tb_user_add(f->db, &root, "zhang", NULL, "leader", NULL, NULL, PW, &e),
	                 TB_EINPUT);
	assert_string_equal(e.field, "login");
	assert_non_null(strstr(e.message, "duplicate"));
	assert_int_equal(q64(f->db, "SELECT count(*) FROM users"), 1);
	assert_int_equal(events(f->db), before);
}

static void bad_fields_refused(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	struct {
		const char *login, *role, *scope, *field;
	} cases[] = {
	    {"ab", "bureau", NULL, "login"},        /* too short        */
	    {"Zhang", "bureau", NULL, "login"},     /* upper case        */
	    {"zhang san", "bureau", NULL, "login"}, /* space             */
	    {"zhang", "emperor", NULL, "role"},     /* not a role        */
	    {"zhang", NULL, NULL, "role"},          /* required          */
	    {"zhang", "town", NULL, "scope"},       /* town needs scope  */
	    {"zhang", "unit", " , ", "scope"},      /* empty after trim  */
	    {"zhang", "ranger", "", "scope"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tb_err_clear(&e);
		assert_int_equal(tb_user_add(f->db, &root, cases[i].login, NULL, cases[i].role,
		                             cases[i].scope, NULL, PW, &e),
		                 TB_EINPUT);
		assert_string_equal(e.field, cases[i].field);
	}
	char longest[64];
	memset(longest, 'a', 63);
	longest[63] = 0;
	assert_int_equal(tb_user_add(f->db, &root, longest, NULL, "bureau", NULL, NULL, PW, &e), 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM users"), 1);
}

static void passwd_revokes_sessions(void **state)
{
	fx *f = *state;
	add_user(f, "zhao", "bureau", NULL);
	char t1[65], t2[65];
	tb_principal p;
	tb_err e = {0};
	assert_int_equal(tb_session_login(f->db, NULL, "zhao", PW, "10.0.0.1", t1, &p, &e), 0);
	assert_int_equal(tb_session_login(f->db, NULL, "zhao", PW, "10.0.0.2", t2, &p, &e), 0);
	int64_t before = events(f->db);
	assert_int_equal(tb_user_passwd(f->db, &root, "zhao", "short", &e), TB_EINPUT);
	assert_string_equal(e.field, "password");
	assert_int_equal(tb_session_check(f->db, NULL, t1, &p, &e),
	                 0); /* refused change kept them */
	assert_int_equal(tb_user_passwd(f->db, &root, "zhao", "a new long passphrase", &e), 0);
	assert_int_equal(events(f->db), before + 1);
	assert_string_equal(qtext(f->db, "SELECT action FROM tb_event ORDER BY seq DESC"),
	                    "user.passwd");
	assert_string_equal(qtext(f->db, "SELECT payload FROM tb_event ORDER BY seq DESC"),
	                    "{\"sessions_revoked\":2}");
	assert_int_equal(tb_session_check(f->db, NULL, t1, &p, &e), TB_EDENIED);
	assert_int_equal(tb_session_check(f->db, NULL, t2, &p, &e), TB_EDENIED);
	assert_int_equal(tb_session_login(f->db, NULL, "zhao", PW, "10.0.0.1", t1, &p, &e),
	                 TB_EDENIED);
	assert_int_equal(
	    tb_session_login(f->db, NULL, "zhao", "a new long passphrase", "10.0.0.1", t1, &p, &e),
	    0);
	assert_int_equal(tb_user_passwd(f->db, &root, "nobody", PW, &e), TB_ENOTFOUND);
}

static void disable_revokes_sessions_and_tokens(void **state)
{
	fx *f = *state;
	add_user(f, "qian", "unit", "JZ-U01");
	char st[65], tok[65];
	tb_principal p;
	tb_err e = {0};
	assert_int_equal(tb_session_login(f->db, NULL, "qian", PW, "10.0.0.1", st, &p, &e), 0);
	assert_int_equal(tb_token_add(f->db, &root, "qian", "camera-1", tok, &e), 0);
	assert_int_equal(tb_token_check(f->db, tok, &p, &e), 0);
	int64_t before = events(f->db);
	assert_int_equal(tb_user_disable(f->db, &root, "qian", &e), 0);
	assert_int_equal(events(f->db), before + 1);
	assert_string_equal(qtext(f->db, "SELECT payload FROM tb_event ORDER BY seq DESC"),
	                    "{\"sessions_revoked\":1,\"tokens_revoked\":1}");
	assert_int_equal(tb_session_check(f->db, NULL, st, &p, &e), TB_EDENIED);
	assert_int_equal(tb_token_check(f->db, tok, &p, &e), TB_EDENIED);
	assert_int_equal(tb_session_login(f->db, NULL, "qian", PW, "10.0.0.1", st, &p, &e),
	                 TB_EDENIED);
	assert_string_equal(e.message, "wrong login or password");
	assert_int_equal(q64(f->db, "SELECT disabled FROM users WHERE login='qian'"), 1);
	assert_int_equal(tb_user_disable(f->db, &root, "qian", &e), TB_ECONFLICT);
	assert_int_equal(tb_user_disable(f->db, &root, "nobody", &e), TB_ENOTFOUND);
	assert_int_equal(tb_token_add(f->db, &root, "qian", "camera-2", tok, &e), TB_ECONFLICT);
	assert_int_equal(events(f->db), before + 1);
	/* the hash survived the update */
	assert_int_equal(strncmp(qtext(f->db, "SELECT pw_hash FROM users"), "$argon2id$", 10), 0);
}

/* A generic update (as an admin form might do) keeps the password hash. */
static void generic_update_keeps_hash(void **state)
{
	fx *f = *state;
	add_user(f, "sun", "bureau", NULL);
	char hash[256];
	snprintf(hash, sizeof hash, "%.255s", qtext(f->db, "SELECT pw_hash FROM users"));
	tb_err e = {0};
	tb_record rec = {.props = json_pack("{s:s}", "name", "孙"), .fid = 1, .name = "sun"};
	assert_int_equal(tb_write_update(f->db, &root, &tb_users, &rec, 0, NULL, NULL, &e), 0);
	json_decref(rec.props);
	assert_string_equal(qtext(f->db, "SELECT pw_hash FROM users"), hash);
	rec = (tb_record){.props = json_pack("{s:s}", "pw_hash", "x"), .fid = 1, .name = "sun"};
	assert_int_equal(tb_write_update(f->db, &root, &tb_users, &rec, 0, NULL, NULL, &e),
	                 TB_EINPUT);
	json_decref(rec.props);
	char tok[65];
	tb_principal p;
	assert_int_equal(tb_session_login(f->db, NULL, "sun", PW, "::1", tok, &p, &e), 0);
	assert_string_equal(qtext(f->db, "SELECT name FROM users"), "孙");
}

/* Disabled by a generic update (no revocation ran): still refused. */
static void disabled_by_generic_update_refused(void **state)
{
	fx *f = *state;
	add_user(f, "feng", "bureau", NULL);
	char st[65], tok[65];
	tb_principal p;
	tb_err e = {0};
	assert_int_equal(tb_session_login(f->db, NULL, "feng", PW, "::1", st, &p, &e), 0);
	assert_int_equal(tb_token_add(f->db, &root, "feng", "f1", tok, &e), 0);
	tb_record rec = {.props = json_pack("{s:b}", "disabled", 1), .fid = 1, .name = "feng"};
	assert_int_equal(tb_write_update(f->db, &root, &tb_users, &rec, 0, NULL, NULL, &e), 0);
	json_decref(rec.props);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_session WHERE revoked=0"), 1);
	assert_int_equal(tb_session_check(f->db, NULL, st, &p, &e), TB_EDENIED);
	assert_int_equal(tb_token_check(f->db, tok, &p, &e), TB_EDENIED);
}

/* No password, hash or token in the user list, the events or the schema. */
static void secrets_never_shown(void **state)
{
	fx *f = *state;
	add_user(f, "zhou", "bureau", NULL);
	tb_err e = {0};
	char st[65], tok[65];
	tb_principal p;
	assert_int_equal(tb_user_passwd(f->db, &root, "zhou", "second passphrase", &e), 0);
	assert_int_equal(
	    tb_session_login(f->db, NULL, "zhou", "second passphrase", "1.2.3.4", st, &p, &e), 0);
	assert_int_equal(tb_token_add(f->db, &root, "zhou", "feed", tok, &e), 0);
	assert_int_equal(tb_session_logout(f->db, st, &e), 0);
	char hash[256], sql[512];
	snprintf(hash, sizeof hash, "%.255s", qtext(f->db, "SELECT pw_hash FROM users"));
	const char *secrets[] = {hash, "$argon2", "pw_hash", PW, "second passphrase",
	                         st,   tok,       p.csrf};
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		snprintf(sql, sizeof sql,
		         "SELECT count(*) FROM tb_event WHERE instr(payload, '%s') OR "
		         "instr(entity_id, '%s')",
		         secrets[i], secrets[i]);
		assert_int_equal(q64(f->db, sql), 0);
	}
	json_t *list = tb_user_list(f->db, &e);
	char *text = json_dumps(list, 0);
	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
		assert_null(strstr(text, secrets[i]));
	free(text);
	json_decref(list);
	json_t *schema = tb_resource_schema(f->db, &tb_users);
	text = json_dumps(schema, 0);
	assert_null(strstr(text, "pw_hash"));
	free(text);
	json_decref(schema);
	list = tb_token_list(f->db, &e);
	text = json_dumps(list, 0);
	assert_null(strstr(text, tok));
	assert_non_null(strstr(text, "\"feed\""));
	free(text);
	json_decref(list);
}

static void one_event_per_write(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	char st[65], tok[65], other[65];
	tb_principal p;
	int64_t n = events(f->db);
	add_user(f, "wu.gang", "leader", NULL);
	assert_int_equal(events(f->db), ++n);
	assert_int_equal(tb_session_login(f->db, NULL, "wu.gang", PW, "1.1.1.1", st, &p, &e), 0);
	assert_int_equal(events(f->db), ++n);
	assert_string_equal(
	    qtext(f->db, "SELECT actor||'/'||role||'/'||action FROM tb_event ORDER BY seq DESC"),
	    "wu.gang/leader/session.login");
	assert_int_equal(
	    tb_session_login(f->db, NULL, "wu.gang", "wrong password!", "1.1.1.1", other, &p, &e),
	    TB_EDENIED);
	assert_string_equal(other, "");
	assert_int_equal(events(f->db), n); /* failed logins: an attempt row, no event */
	assert_int_equal(tb_session_logout(f->db, st, &e), 0);
	assert_int_equal(events(f->db), ++n);
	assert_string_equal(
	    qtext(f->db, "SELECT actor||'/'||action FROM tb_event ORDER BY seq DESC"),
	    "wu.gang/session.logout");
	assert_int_equal(tb_token_add(f->db, &root, "wu.gang", "t1", tok, &e), 0);
	assert_int_equal(events(f->db), ++n);
	assert_int_equal(tb_token_revoke(f->db, &root, "t1", &e), 0);
	assert_int_equal(events(f->db), ++n);
	assert_int_equal(tb_user_passwd(f->db, NULL, "wu.gang", "yet another one", &e), 0);
	assert_int_equal(events(f->db), ++n);
	assert_string_equal(qtext(f->db, "SELECT actor FROM tb_event ORDER BY seq DESC"), "system");
	assert_int_equal(tb_user_disable(f->db, &root, "wu.gang", &e), 0);
	assert_int_equal(events(f->db), ++n);
	tb_verify_result vr;
	assert_int_equal(tb_event_verify(f->db, &vr, &e), 0);
	assert_int_equal(vr.first_bad, 0);
}

static void module_registered(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	assert_int_equal(tb_schema_version(f->db, "auth"), 1);
	assert_int_equal(tb_schema_migrate(f->db, &tb_auth_module, "test", &e), 0); /* idempotent */
	assert_int_equal(
	    q64(f->db, "SELECT count(*) FROM gpkg_contents WHERE data_type='attributes' AND"
	               " table_name IN ('users','tb_session','tb_api_token','tb_login_attempt')"),
	    4);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_code WHERE list='role'"), 8);
	assert_string_equal(
	    qtext(f->db, "SELECT label_zh FROM tb_code WHERE list='role' AND code='unit'"),
	    "有林单位");
}

static void roles(void **state)
{
	(void)state;
	const char *names[] = {"admin", "bureau", "leader",     "town",
	                       "unit",  "ranger", "department", "public"};
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(tb_role_bit(names[i]), 1u << i);
		assert_true(tb_role_valid(names[i]));
		assert_non_null(strstr(TB_ROLES, names[i]));
	}
	assert_int_equal(tb_role_bit("root"), 0);
	assert_int_equal(tb_role_bit(NULL), 0);
	assert_false(tb_role_valid(""));
}

static tb_principal who(const char *role, const char *scope)
{
	tb_principal p = {.user_id = 1};
	snprintf(p.role, sizeof p.role, "%s", role);
	snprintf(p.scope, sizeof p.scope, "%s", scope);
	return p;
}

static void jurisdiction(void **state)
{
	(void)state;
	static const tb_field fields[] = {{"town_code", TB_F_TEXT}};
	const tb_resource scoped = {
	    .name = "s", .fields = fields, .nfields = 1, .scope = "town_code"};
	const tb_resource open = {.name = "o", .fields = fields, .nfields = 1};
	struct {
		const char *role, *scope, *expect; /* expect NULL = all */
		bool allows_a;
	} cases[] = {
	    {"admin", "", NULL, true},        {"bureau", "", NULL, true},
	    {"leader", "", NULL, true},       {"department", "", NULL, true},
	    {"town", "A,B", "A,B", true},     {"unit", "U1", "U1", false},
	    {"ranger", "G1,A", "G1,A", true}, {"public", "", "", false},
	    {"town", "", "", false},          {"nonsense", "A", "", false},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tb_principal p = who(cases[i].role, cases[i].scope);
		char *j = tb_jurisdiction(&p, &scoped);
		if (cases[i].expect) {
			assert_non_null(j);
			assert_string_equal(j, cases[i].expect);
		} else
			assert_null(j);
		free(j);
		assert_null(tb_jurisdiction(&p, &open)); /* no scope field: the route decides */
		assert_int_equal(tb_jurisdiction_allows(&p, "A"), cases[i].allows_a);
	}
	tb_principal t = who("town", "120119104,120119105");
	assert_true(tb_jurisdiction_allows(&t, "120119105"));
	assert_false(tb_jurisdiction_allows(&t, "12011910")); /* whole items only */
	assert_false(tb_jurisdiction_allows(&t, "120119104,120119105"));
	assert_false(tb_jurisdiction_allows(&t, ""));
	assert_false(tb_jurisdiction_allows(&t, NULL));
	assert_false(tb_jurisdiction_allows(NULL, "A"));
	char *j = tb_jurisdiction(NULL, &scoped);
	assert_string_equal(j, "");
	free(j);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(add_user_ok),
	    T(short_password_refused),
	    T(duplicate_login_refused),
	    T(bad_fields_refused),
	    T(passwd_revokes_sessions),
	    T(disable_revokes_sessions_and_tokens),
	    T(generic_update_keeps_hash),
	    T(disabled_by_generic_update_refused),
	    T(secrets_never_shown),
	    T(one_event_per_write),
	    T(module_registered),
	    cmocka_unit_test(roles),
	    cmocka_unit_test(jurisdiction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
