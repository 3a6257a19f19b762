/* test_http_access.c — the one jurisdiction helper (http/access.c): who
 * reaches which record of a resource — district-wide roles everything,
 * scoped roles their towns' records, nobody the public's, district-wide
 * resources everyone; list queries restricted the same way; the towns of a
 * feature operation; the cache key of a reach. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/access.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const tb_field fields[] = {{"code", TB_F_TEXT, 0, "编号", "Code"},
                                  {"town_code", TB_F_TEXT, 0, "乡镇", "Town"},
                                  {"ranger_code", TB_F_TEXT, 0, "护林员", "Ranger"}};
static const tb_resource scoped = {
    .name = "things", .fields = fields, .nfields = 3, .scope = "town_code"};
static const tb_resource owned = {
    .name = "tasks", .fields = fields, .nfields = 3, .scope = "town_code", .owner = "ranger_code"};
static const tb_resource district = {.name = "rules", .fields = fields, .nfields = 3};

static tb_req request(const char *role, const char *scope)
{
	tb_req r = {0};
	snprintf(r.who.role, sizeof r.who.role, "%s", role);
	snprintf(r.who.scope, sizeof r.who.scope, "%s", scope);
	snprintf(r.who.login, sizeof r.who.login, "%s_user", role);
	r.who.user_id = strcmp(role, "public") ? 7 : 0;
	return r;
}

static bool reaches(const char *role, const char *scope, const tb_resource *res, const char *town)
{
	tb_req req = request(role, scope);
	tb_access a;
	tb_access_of(&req, res, &a);
	json_t *p = json_pack("{s:s,s:s?}", "code", "X1", "town_code", town);
	bool ok = tb_access_allows(&a, p);
	json_decref(p);
	tb_access_free(&a);
	return ok;
}

static void records(void **state)
{
	(void)state;
	const char *a = "120119104", *b = "120119102";
	for (const char *const *role =
	         (const char *const[]){"admin", "bureau", "leader", "department", NULL};
	     *role; role++) {
		assert_true(reaches(*role, "", &scoped, a));
		assert_true(reaches(*role, "", &scoped, b));
		assert_true(reaches(*role, "", &scoped, NULL));
	}
	for (const char *const *role = (const char *const[]){"town", "unit", "ranger", NULL}; *role;
	     role++) {
		assert_true(reaches(*role, a, &scoped, a));
		assert_false(reaches(*role, a, &scoped, b));
		assert_false(
		    reaches(*role, a, &scoped, NULL)); /* a record of no town is the district's */
		assert_false(reaches(*role, "", &scoped, a)); /* no scope: nothing */
		assert_true(reaches(*role, "120119102,120119104", &scoped, b));
		assert_true(reaches(*role, a, &district, b)); /* district-wide data */
	}
	assert_false(reaches("public", "", &scoped, a));
	assert_true(reaches("town", a, &owned, a)); /* the owner rule binds rangers only */
}

static void queries_and_towns(void **state)
{
	(void)state;
	tb_req req = request("town", "120119104,120119112");
	tb_access a;
	tb_access_of(&req, &scoped, &a);
	tb_filter f = {"code", "eq", "X1"};
	tb_query q = {.filters = &f, .nfilters = 1};
	tb_err e = {0};
	assert_int_equal(tb_access_query(&a, &q, &e), 0);
	assert_string_equal(q.scope_in, "120119104,120119112");
	assert_int_equal(q.nfilters, 1); /* no owner rule for a town user */
	char key[128];
	tb_access_key(&a, key, sizeof key);
	assert_string_equal(key, "120119104,120119112|");
	tb_access_free(&a);

	char *t = tb_access_towns(&req, NULL);
	assert_string_equal(t, "120119104,120119112");
	free(t);
	req = request("bureau", "");
	assert_null(tb_access_towns(&req, &scoped));
	tb_access_of(&req, &scoped, &a);
	q = (tb_query){.filters = &f, .nfilters = 1};
	assert_int_equal(tb_access_query(&a, &q, &e), 0);
	assert_null(q.scope_in);
	tb_access_key(&a, key, sizeof key);
	assert_string_equal(key, "*");
	tb_access_free(&a);
	req = request("public", "");
	t = tb_access_towns(&req, &scoped);
	assert_string_equal(t, "");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(records),
	    cmocka_unit_test(queries_and_towns),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
