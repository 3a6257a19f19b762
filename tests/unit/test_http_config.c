/* test_http_config.c — server configuration: defaults, tianbao.conf,
 * environment and flags in that order of precedence, and errors that name
 * the line and key. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "http/router.h"
#include "http/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *write_conf(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/tbconfXXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	return path;
}

static void defaults(void **state)
{
	(void)state;
	tb_server_config c;
	tb_server_config_default(&c);
	assert_string_equal(c.listen, "127.0.0.1:8080");
	assert_int_equal(c.body_max, 1 << 20);
	assert_int_equal(c.conn_timeout_s, 15);
	assert_int_equal(c.header_timeout_s, 10);
	assert_int_equal(c.request_timeout_s, 60);
	assert_int_equal(c.evict, 1);
	assert_int_equal(c.write_queue, 64);
	assert_int_equal(c.write_wait_ms, 5000);
	assert_int_equal(c.session.idle_s, 1800);
}

static void precedence(void **state)
{
	(void)state;
	tb_server_config c;
	tb_err e = {0};
	tb_server_config_default(&c);
	char *p = write_conf("# comment\nlisten = 0.0.0.0:9000\n\nthreads=3\nbody_max = 2048\n");
	assert_int_equal(tb_server_config_file(&c, p, &e), 0);
	assert_string_equal(c.listen, "0.0.0.0:9000");
	assert_int_equal(c.threads, 3);
	setenv("TIANBAO_THREADS", "5", 1);
	assert_int_equal(tb_server_config_env(&c, &e), 0);
	assert_int_equal(c.threads, 5);                 /* environment beats the file */
	assert_int_equal(c.body_max, 2048);              /* the file beats defaults */
	assert_int_equal(tb_server_config_set(&c, "threads", "7", &e), 0);
	assert_int_equal(c.threads, 7);                 /* flags beat the environment */
	unsetenv("TIANBAO_THREADS");
	unlink(p);
}

static void errors(void **state)
{
	(void)state;
	tb_server_config c;
	tb_err e = {0};
	tb_server_config_default(&c);
	char *p = write_conf("listen = 127.0.0.1:1\ncolour = blue\n");
	assert_int_equal(tb_server_config_file(&c, p, &e), TB_EUSAGE);
	assert_string_equal(e.field, "colour");
	assert_non_null(strstr(e.record, "line 2"));
	assert_non_null(strstr(e.message, "unknown configuration key"));
	unlink(p);
	assert_int_equal(tb_server_config_set(&c, "threads", "lots", &e), TB_EUSAGE);
	assert_non_null(strstr(e.message, "expected a whole number from 1 to 256, got 'lots'"));
	assert_int_equal(tb_server_config_set(&c, "body_max", "10", &e), TB_EUSAGE);
	/* the slow-client and writer limits: 0 turns a limit off, nothing below */
	assert_int_equal(tb_server_config_set(&c, "header_timeout", "0", &e), 0);
	assert_int_equal(c.header_timeout_s, 0);
	assert_int_equal(tb_server_config_set(&c, "write_queue", "0", &e), 0);
	assert_int_equal(tb_server_config_set(&c, "request_timeout", "-1", &e), TB_EUSAGE);
	assert_string_equal(e.field, "request_timeout");
	assert_string_equal(e.message, "expected a whole number from 0 to 86400, got '-1'");
	assert_int_equal(tb_server_config_set(&c, "evict", "2", &e), TB_EUSAGE);
	assert_int_equal(tb_server_config_set(&c, "write_wait", "0", &e), TB_EUSAGE);
	assert_string_equal(e.message, "expected a whole number from 1 to 600000, got '0'");
	setenv("TIANBAO_CONN_TIMEOUT", "0", 1);
	assert_int_equal(tb_server_config_env(&c, &e), TB_EUSAGE);
	assert_string_equal(e.record, "environment TIANBAO_CONN_TIMEOUT");
	unsetenv("TIANBAO_CONN_TIMEOUT");
	p = write_conf("just words\n");
	assert_int_equal(tb_server_config_file(&c, p, &e), TB_EUSAGE);
	assert_non_null(strstr(e.message, "expected key = value"));
	unlink(p);
}

static void route_matching(void **state)
{
	(void)state;
	const char *params[TB_MAX_PARAMS];
	char store[256];
	int n;
	assert_true(tb_route_match("/api/parcels/{id}/archive", "/api/parcels/42/archive", params, store, sizeof store, &n));
	assert_int_equal(n, 1);
	assert_string_equal(params[0], "42");
	assert_false(tb_route_match("/api/parcels/{id}", "/api/parcels/42/archive", params, store, sizeof store, &n));
	assert_false(tb_route_match("/api/parcels/{id}", "/api/parcels/", params, store, sizeof store, &n));
	assert_true(tb_route_match("/tiles/{layer}/{z}/{x}/{y}", "/tiles/parcels/10/845/387.mvt", params, store, sizeof store, &n));
	assert_int_equal(n, 4);
	assert_string_equal(params[3], "387.mvt");
	assert_true(tb_route_match("/{*}", "/js/app.js", params, store, sizeof store, &n));
	assert_string_equal(params[0], "js/app.js");
	char roles[128];
	tb_route_roles(TB_R_ADMIN | TB_R_TOWN | TB_R_PUBLIC, roles, sizeof roles);
	assert_string_equal(roles, "admin,town,public");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(precedence),
		cmocka_unit_test(errors),
		cmocka_unit_test(route_matching),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
