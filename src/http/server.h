/* server.h — `tianbao serve`: configuration (file < environment < flags),
 * the libmicrohttpd daemon with its limits, per-thread database
 * connections, and graceful shutdown. */
#ifndef TB_HTTP_SERVER_H
#define TB_HTTP_SERVER_H

#include "auth/auth.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct tb_server_config {
	char listen[64];        /* "127.0.0.1:8080"                         */
	char db_path[1024];
	char static_dir[1024];  /* web UI files; "" = none                  */
	char access_log[1024];  /* "-" = stderr, "" = off                   */
	char basemap_url[512];  /* XYZ template of a base map (e.g. 天地图 with
				   the bureau's key); "" = none                  */
	int threads;            /* worker threads (default 2 × cores)       */
	size_t body_max;        /* bytes (default 1 MiB)                    */
	size_t upload_max;      /* bytes for file uploads (default 64 MiB)  */
	int conn_timeout_s;     /* idle/slow client timeout (default 15)    */
	int header_timeout_s;   /* from a request's first byte to the end of
				   its headers (default 10; 0 = no limit)      */
	int request_timeout_s;  /* … to the end of its body (default 60; 0 = no limit) */
	int per_ip_connections; /* default 32                               */
	int max_connections;    /* default 512                              */
	int evict;              /* at max_connections, close the longest-idle
				   or slowest unfinished one (default 1)       */
	int write_queue;        /* writers that may wait for their turn
				   (default 64; 0 = no queue, busy_timeout only) */
	int write_wait_ms;      /* longest wait for a turn (default 5000)   */
	size_t conn_memory;     /* per-connection header/read buffer (default 32 KiB) */
	int rate_read, rate_write, rate_login, rate_public; /* requests per minute per IP */
	tb_session_limits session;
} tb_server_config;

void tb_server_config_default(tb_server_config *c);
/* Read key = value lines ('#' comments).  Unknown keys and bad values are
 * errors naming the line and key. */
int tb_server_config_file(tb_server_config *c, const char *path, tb_err *e);
/* TIANBAO_LISTEN, TIANBAO_THREADS, TIANBAO_STATIC … (see docs/server.md) */
int tb_server_config_env(tb_server_config *c, tb_err *e);
/* Set one key (from a flag or the file). */
int tb_server_config_set(tb_server_config *c, const char *key, const char *value, tb_err *e);

typedef struct tb_server tb_server;

/* Start listening; returns when the daemon runs (for tests and serve). */
int tb_server_start(const tb_server_config *c, tb_server **out, tb_err *e);
/* The port actually bound (for listen ports of 0). */
int tb_server_port(const tb_server *s);
/* Stop accepting, let in-flight requests finish, checkpoint the WAL. */
void tb_server_stop(tb_server *s);
const tb_server_config *tb_server_cfg(const tb_server *s);

#endif
