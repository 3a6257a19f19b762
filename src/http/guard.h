/* guard.h — the connection guard of the server: bounds on how long a client
 * may take to send a request, and on how many connections it may hold.
 * libmicrohttpd's connection timeout counts idle time only, so a client that
 * sends a byte a second keeps its connection for ever; the guard follows each
 * connection from accept to close (server.c calls it from libmicrohttpd's
 * callbacks), and a watchdog thread cuts — with a 408 and an access-log line
 * — a request whose headers have not all arrived header_ms after its first
 * byte, or whose body has not all arrived request_ms after it.  When a new
 * connection would pass max_conns, the connection that has been idle or
 * unfinished longest is closed to make room (evict), so that a crowd of idle
 * or slow connections cannot lock legitimate clients out. */
#ifndef TB_HTTP_GUARD_H
#define TB_HTTP_GUARD_H

#include <stdbool.h>
#include <stdint.h>

typedef struct tb_guard_limits {
	int header_ms;  /* first byte → end of headers; 0 = no limit      */
	int request_ms; /* first byte → end of body; 0 = no limit         */
	int max_conns;  /* connections in all before evicting             */
	bool evict;     /* close the longest-idle/unfinished one at max   */
	int tick_ms;    /* how often the watchdog looks (deadline precision) */
} tb_guard_limits;

/* One line in the access log for a request the server did not answer
 * itself: cut (408) or aborted by the client (499).  method and path are
 * "-" when they never arrived. */
typedef void (*tb_guard_log_fn)(void *cls, const char *ip, const char *method, const char *path, int status,
				int64_t ms);

typedef struct tb_guard tb_guard;
typedef struct tb_guard_conn tb_guard_conn;

/* Start the watchdog.  NULL when out of memory or no thread. */
tb_guard *tb_guard_new(const tb_guard_limits *l, tb_guard_log_fn log, void *cls);
/* Stop the watchdog and free (all connections must be closed). */
void tb_guard_free(tb_guard *g);

/* A connection was accepted (fd, client address); may close another one
 * to make room, or this one when nothing can be evicted.  Never NULL unless
 * out of memory. */
tb_guard_conn *tb_guard_open(tb_guard *g, int fd, const char *ip);
/* The connection is closing: logs a request left unfinished, frees c. */
void tb_guard_close(tb_guard *g, tb_guard_conn *c);
/* The request line arrived (uri with its query, borrowed). */
void tb_guard_request_line(tb_guard *g, tb_guard_conn *c, const char *uri);
/* All headers arrived (the handler's first call). */
void tb_guard_headers(tb_guard *g, tb_guard_conn *c, const char *method, const char *path);
/* The whole request arrived; no deadline applies while it is answered. */
void tb_guard_received(tb_guard *g, tb_guard_conn *c);
/* The request ended.  logged: the server already wrote its access-log line
 * (its answer); otherwise the guard logs it as cut (408: by the watchdog or
 * timed_out by libmicrohttpd) or aborted (499). */
void tb_guard_done(tb_guard *g, tb_guard_conn *c, bool logged, bool timed_out);
/* Whether the watchdog cut this connection (for the server's own answer). */
bool tb_guard_was_cut(tb_guard *g, tb_guard_conn *c);

/* Send a small JSON error straight on a socket, without blocking (for
 * requests refused before libmicrohttpd could answer them). */
void tb_guard_send_error(int fd, int status, const char *reason, const char *code, const char *message);

#endif
