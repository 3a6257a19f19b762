/* config.c — server configuration: defaults, `tianbao.conf` (key = value),
 * environment variables, flags; later sources override earlier ones. */
#include "http/server.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tb_server_config_default(tb_server_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->listen, sizeof c->listen, "127.0.0.1:8080");
	snprintf(c->db_path, sizeof c->db_path, "tianbao.gpkg");
	snprintf(c->access_log, sizeof c->access_log, "-");
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	c->threads = (int)(n > 0 ? 2 * n : 4);
	c->body_max = 1 << 20;
	c->upload_max = 64u << 20;
	c->conn_timeout_s = 15;
	c->header_timeout_s = 10;
	c->request_timeout_s = 60;
	c->per_ip_connections = 32;
	c->max_connections = 512;
	c->evict = 1;
	c->write_queue = 64;
	c->write_wait_ms = 5000;
	c->conn_memory = 32 << 10;
	c->rate_read = 6000;
	c->rate_write = 600;
	c->rate_login = 10;
	c->rate_public = 5;
	tb_session_limits_default(&c->session);
}

static int parse_long(const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) return -1;
	*out = n;
	return 0;
}

typedef struct key {
	const char *name;
	char kind; /* s string, i int, z size */
	size_t off;
	size_t size;
	long lo, hi;
} key;

#define S(n, f) {n, 's', offsetof(tb_server_config, f), sizeof(((tb_server_config *)0)->f), 0, 0}
#define I(n, f, lo, hi) {n, 'i', offsetof(tb_server_config, f), 0, lo, hi}
#define Z(n, f, lo, hi) {n, 'z', offsetof(tb_server_config, f), 0, lo, hi}

static const key keys[] = {
	S("listen", listen), S("db", db_path), S("static_dir", static_dir),
	S("access_log", access_log), S("basemap_url", basemap_url), I("threads", threads, 1, 256),
	Z("body_max", body_max, 1024, 1L << 30), Z("upload_max", upload_max, 1024, 1L << 34),
	I("conn_timeout", conn_timeout_s, 1, 3600), I("header_timeout", header_timeout_s, 0, 3600),
	I("request_timeout", request_timeout_s, 0, 86400),
	I("per_ip_connections", per_ip_connections, 1, 10000),
	I("max_connections", max_connections, 1, 100000), I("evict", evict, 0, 1),
	Z("conn_memory", conn_memory, 4096, 1 << 24), I("write_queue", write_queue, 0, 100000),
	I("write_wait", write_wait_ms, 1, 600000),
	I("rate_read", rate_read, 1, 10000000), I("rate_write", rate_write, 1, 10000000),
	I("rate_login", rate_login, 1, 100000), I("rate_public", rate_public, 1, 100000),
	I("session_idle", session.idle_s, 60, 86400 * 30),
	I("session_absolute", session.absolute_s, 60, 86400 * 365),
	I("login_max_fail_account", session.max_fail_account, 1, 1000),
	I("login_max_fail_ip", session.max_fail_ip, 1, 100000),
	I("login_window", session.window_s, 1, 86400),
};

int tb_server_config_set(tb_server_config *c, const char *name, const char *value, tb_err *e)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const key *k = &keys[i];
		if (strcmp(k->name, name)) continue;
		char *p = (char *)c + k->off;
		long n;
		if (k->kind == 's') {
			if (strlen(value) >= k->size)
				return tb_err_set(e, TB_EUSAGE, NULL, name, "value too long");
			snprintf(p, k->size, "%s", value);
			return 0;
		}
		if (parse_long(value, k->lo, k->hi, &n))
			return tb_err_set(e, TB_EUSAGE, NULL, name, "expected a whole number from %ld to %ld, got '%s'",
					  k->lo, k->hi, value);
		if (k->kind == 'i') *(int *)p = (int)n;
		else *(size_t *)p = (size_t)n;
		return 0;
	}
	return tb_err_set(e, TB_EUSAGE, NULL, name, "unknown configuration key");
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s)) s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1])) *--end = 0;
	return s;
}

int tb_server_config_file(tb_server_config *c, const char *path, tb_err *e)
{
	FILE *f = fopen(path, "r");
	if (!f) return tb_err_set(e, TB_EUSAGE, path, NULL, "cannot read the configuration file");
	char line[2048];
	int n = 0, rc = 0;
	while (!rc && fgets(line, sizeof line, f)) {
		n++;
		char *s = trim(line);
		if (!*s || *s == '#') continue;
		char *eq = strchr(s, '=');
		char rec[1100];
		snprintf(rec, sizeof rec, "%s line %d", path, n);
		if (!eq) {
			rc = tb_err_set(e, TB_EUSAGE, rec, NULL, "expected key = value");
			break;
		}
		*eq = 0;
		rc = tb_server_config_set(c, trim(s), trim(eq + 1), e);
		if (rc) snprintf(e->record, sizeof e->record, "%.120s", rec);
	}
	fclose(f);
	return rc;
}

int tb_server_config_env(tb_server_config *c, tb_err *e)
{
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char env[64] = "TIANBAO_";
		size_t k = strlen(env);
		for (const char *p = keys[i].name; *p && k < sizeof env - 1; p++)
			env[k++] = (char)toupper((unsigned char)*p);
		env[k] = 0;
		const char *v = getenv(env);
		if (v && *v && tb_server_config_set(c, keys[i].name, v, e)) {
			snprintf(e->record, sizeof e->record, "environment %s", env);
			return e->code;
		}
	}
	return 0;
}
