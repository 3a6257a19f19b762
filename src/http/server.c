/* server.c — the libmicrohttpd daemon: a thread pool with epoll, limits on
 * connections, headers, bodies (413 without buffering the excess) and time
 * (the connection guard, guard.c, bounds how long a request may take to
 * arrive and evicts idle connections when full); one SQLite connection per
 * worker thread; the writer queue (db/writeq.h) for fair writes; an access
 * log with a line for every request, answered, refused, cut or aborted;
 * graceful stop.  Requests are handed to the router (router.c). */
#include "http/server.h"

#include "app/app.h"
#include "base/log.h"
#include "base/tbtime.h"
#include "http/guard.h"
#include "http/http.h"
#include "http/ratelimit.h"
#include "http/router.h"
#include "db/writeq.h"
#include "registry/registry.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct tb_server {
	tb_server_config cfg;
	struct MHD_Daemon *d;
	FILE *log;
	pthread_mutex_t log_lock;
	pthread_key_t db_key;
	tb_router *router;
	tb_guard *guard;
	/* Writes are answered by a pool of threads taking requests in arrival
	 * order (the daemon's workers each own a fixed set of connections, so a
	 * worker with four writing clients would give each a quarter of the
	 * turns of a client alone on its worker); reads stay on the workers. */
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	struct conn_ctx *pool_head, *pool_tail;
	int pool_len;
	bool pool_on;
	int npool;
	pthread_t *pool;
};

/* Per request: the body read so far (bounded), whether it overflowed, and
 * for a write handed to the pool its answer. */
typedef struct conn_ctx {
	tb_buf body;
	bool too_big;
	bool logged; /* its access-log line is written */
	int64_t start_ms;
	tb_guard_conn *gc; /* the connection's guard record */
	struct MHD_Connection *conn;
	const char *method, *url; /* the daemon's, valid until the request ends */
	char ip[64];
	char client[64]; /* what per-address limits count by (client_key) */
	char login[64];
	tb_resp resp;
	bool has_resp;        /* resp is filled, to be sent */
	int64_t queued_ms;    /* when it joined the pool's queue */
	struct conn_ctx *next; /* in the pool's queue */
} conn_ctx;

static void close_db(void *p)
{
	tb_db_close(p);
}

/* This worker's connection, opened on first use. */
static tb_db *worker_db(tb_server *s, tb_err *e)
{
	tb_db *db = pthread_getspecific(s->db_key);
	if (db) return db;
	if (tb_db_open(s->cfg.db_path, 0, &db, e)) return NULL;
	pthread_setspecific(s->db_key, db);
	return db;
}

static void client_ip(struct MHD_Connection *c, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(buf, n, "?");
	if (!ci || !ci->client_addr) return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf, (socklen_t)n);
	else if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) /* an IPv4 client of a dual-stack socket: as IPv4 */
			inet_ntop(AF_INET, &a->s6_addr[12], buf, (socklen_t)n);
		else
			inet_ntop(AF_INET6, a, buf, (socklen_t)n);
	}
}

static void log_line(tb_server *s, const char *ip, const char *method, const char *path, int status,
		     size_t bytes, int64_t ms, const char *login)
{
	if (!s->log) return;
	char ts[32];
	tb_time_now_iso(ts);
	pthread_mutex_lock(&s->log_lock);
	fprintf(s->log, "%s %s \"%s %s\" %d %zu %lldms %s\n", ts, ip, method, path, status, bytes,
		(long long)ms, login && login[0] ? login : "-");
	fflush(s->log);
	pthread_mutex_unlock(&s->log_lock);
}

/* A request the guard ended (cut 408, aborted 499) or refused (503). */
static void guard_log(void *cls, const char *ip, const char *method, const char *path, int status, int64_t ms)
{
	log_line(cls, ip, method, path, status, 0, ms, NULL);
}

static tb_guard_conn *guard_conn(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, tb_resp *resp)
{
	struct MHD_Response *r;
	if (resp->static_data)
		r = MHD_create_response_from_buffer_with_free_callback(resp->static_len, (void *)resp->static_data,
								       resp->free_static);
	else
		r = MHD_create_response_from_buffer(resp->body.len, resp->body.data ? resp->body.data : (char *)"",
						    MHD_RESPMEM_MUST_COPY);
	if (!r) return MHD_NO;
	resp->static_data = NULL; /* owned by MHD now */
	MHD_add_response_header(r, "Content-Type", resp->content_type ? resp->content_type
								      : "application/json; charset=utf-8");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	for (int i = 0; i < resp->nheaders; i++)
		MHD_add_response_header(r, resp->headers[i][0], resp->headers[i][1]);
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)resp->status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result reply_413(tb_server *s, struct MHD_Connection *c, const char *method, const char *url,
				 conn_ctx *cx, size_t max)
{
	tb_resp resp;
	tb_resp_init(&resp);
	tb_resp_error(&resp, 413, "too_big", NULL, "request body larger than %zu bytes", max);
	enum MHD_Result ok = send_resp(c, &resp);
	char ip[64];
	client_ip(c, ip, sizeof ip);
	log_line(s, ip, method, url, 413, resp.body.len, tb_time_now_ms() - cx->start_ms, NULL);
	cx->logged = true;
	tb_resp_free(&resp);
	return ok;
}

/* A chunked body crossed the limit: answer 413 now, on the socket (the
 * daemon cannot queue an answer while a body is still arriving), and
 * close the connection instead of reading the rest. */
static enum MHD_Result refuse_413_now(tb_server *s, struct MHD_Connection *c, const char *method,
				      const char *url, conn_ctx *cx, size_t max)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	char msg[96], ip[64];
	snprintf(msg, sizeof msg, "request body larger than %zu bytes", max);
	if (ci) tb_guard_send_error(ci->connect_fd, 413, "Content Too Large", "too_big", msg);
	client_ip(c, ip, sizeof ip);
	log_line(s, ip, method, url, 413, 0, tb_time_now_ms() - cx->start_ms, NULL);
	cx->logged = true;
	return MHD_NO;
}

static size_t body_limit(const tb_server *s, const char *url)
{
	bool upload = !strncmp(url, "/api/upload", 11) || !strncmp(url, "/api/import", 11) ||
		      !strncmp(url, "/api/attachments", 16) || !strncmp(url, "/api/patrols/upload", 19) ||
		      !strcmp(url, "/api/reports/public") || !strcmp(url, "/api/reports"); /* photos inside */
	return upload ? s->cfg.upload_max : s->cfg.body_max;
}

/* Answer a fully received request into cx->resp (on a worker or a pool
 * thread: each has its own database connection). */
static void answer(tb_server *s, conn_ctx *cx)
{
	tb_req req = {.method = cx->method, .path = cx->url, .ip = cx->ip, .client = cx->client, .conn = cx->conn, .srv = (void *)s,
		      .body = cx->body.data, .body_len = cx->body.len};
	tb_resp_init(&cx->resp);
	cx->has_resp = true;
	tb_err e = {0};
	req.db = worker_db(s, &e);
	if (!req.db) tb_resp_err(&cx->resp, &e);
	else tb_router_dispatch(s->router, &req, &cx->resp);
	snprintf(cx->login, sizeof cx->login, "%s", req.who.login);
}

static enum MHD_Result deliver(tb_server *s, struct MHD_Connection *c, conn_ctx *cx)
{
	size_t bytes = cx->resp.static_data ? cx->resp.static_len : cx->resp.body.len;
	enum MHD_Result ok = send_resp(c, &cx->resp);
	log_line(s, cx->ip, cx->method, cx->url, cx->resp.status, bytes, tb_time_now_ms() - cx->start_ms,
		 cx->login);
	cx->logged = true;
	tb_resp_free(&cx->resp);
	cx->has_resp = false;
	return ok;
}

static bool is_write(const char *method)
{
	return strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "OPTIONS");
}

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Hand a write to the pool: the connection is suspended until its answer
 * is ready.  False when there is no pool (write_queue=0, or stopping): the
 * worker answers it itself.  A full queue is answered 503 by the worker. */
static bool pool_submit(tb_server *s, conn_ctx *cx)
{
	pthread_mutex_lock(&s->pool_mu);
	if (!s->pool_on) {
		pthread_mutex_unlock(&s->pool_mu);
		return false;
	}
	if (s->pool_len >= s->cfg.write_queue) {
		int n = s->pool_len;
		pthread_mutex_unlock(&s->pool_mu);
		tb_err e;
		tb_err_set(&e, TB_EBUSY, NULL, NULL, "the write queue is full (%d writes waiting); try again shortly", n);
		tb_resp_init(&cx->resp);
		cx->has_resp = true;
		tb_resp_err(&cx->resp, &e);
		return false;
	}
	MHD_suspend_connection(cx->conn);
	cx->queued_ms = mono_ms();
	cx->next = NULL;
	if (s->pool_tail) s->pool_tail->next = cx;
	else s->pool_head = cx;
	s->pool_tail = cx;
	s->pool_len++;
	pthread_cond_signal(&s->pool_cv);
	pthread_mutex_unlock(&s->pool_mu);
	return true;
}

/* A pool thread: oldest write first; one past write_wait in the queue is
 * answered 503 without running.  Drains the queue before it stops. */
static void *pool_main(void *p)
{
	tb_server *s = p;
	pthread_mutex_lock(&s->pool_mu);
	for (;;) {
		while (!s->pool_head && s->pool_on) pthread_cond_wait(&s->pool_cv, &s->pool_mu);
		conn_ctx *cx = s->pool_head;
		if (!cx) break; /* stopping and drained */
		s->pool_head = cx->next;
		if (!s->pool_head) s->pool_tail = NULL;
		s->pool_len--;
		pthread_mutex_unlock(&s->pool_mu);
		int64_t waited = mono_ms() - cx->queued_ms;
		if (waited > s->cfg.write_wait_ms) {
			tb_err e;
			tb_err_set(&e, TB_EBUSY, NULL, NULL,
				   "waited %lld ms for the write queue; try again shortly", (long long)waited);
			tb_resp_init(&cx->resp);
			cx->has_resp = true;
			tb_resp_err(&cx->resp, &e);
		} else {
			answer(s, cx);
		}
		MHD_resume_connection(cx->conn); /* the daemon calls handle() again: deliver */
		pthread_mutex_lock(&s->pool_mu);
	}
	pthread_mutex_unlock(&s->pool_mu);
	return NULL;
}

static int pool_start(tb_server *s, tb_err *e)
{
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_cond_init(&s->pool_cv, NULL);
	if (s->cfg.write_queue <= 0) return 0;
	s->pool = calloc((size_t)s->cfg.threads, sizeof *s->pool);
	if (!s->pool) return tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory");
	s->pool_on = true;
	for (; s->npool < s->cfg.threads; s->npool++)
		if (pthread_create(&s->pool[s->npool], NULL, pool_main, s))
			return tb_err_set(e, TB_EIO, NULL, "threads", "cannot start the write threads");
	return 0;
}

/* Stop taking writes; the pool answers what it holds and its threads end. */
static void pool_stop(tb_server *s)
{
	pthread_mutex_lock(&s->pool_mu);
	s->pool_on = false;
	pthread_cond_broadcast(&s->pool_cv);
	pthread_mutex_unlock(&s->pool_mu);
	for (int i = 0; i < s->npool; i++) pthread_join(s->pool[i], NULL);
	free(s->pool);
	s->pool = NULL;
	s->npool = 0;
	pthread_cond_destroy(&s->pool_cv);
	pthread_mutex_destroy(&s->pool_mu);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			      const char *version, const char *upload, size_t *upload_size, void **req_cls)
{
	(void)version;
	tb_server *s = cls;
	conn_ctx *cx = *req_cls;
	size_t max = body_limit(s, url);
	if (!cx) { /* first call: headers only */
		cx = calloc(1, sizeof *cx);
		if (!cx) return MHD_NO;
		tb_buf_init(&cx->body, max);
		cx->start_ms = tb_time_now_ms();
		cx->gc = guard_conn(c);
		*req_cls = cx;
		tb_guard_headers(s->guard, cx->gc, method, url);
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > max) {
			cx->too_big = true;
			tb_guard_received(s->guard, cx->gc);
			return reply_413(s, c, method, url, cx, max); /* the body is never read */
		}
		return MHD_YES;
	}
	if (*upload_size) { /* body data: keep up to max, refuse at once past it */
		if (!cx->too_big && tb_buf_add(&cx->body, upload, *upload_size)) {
			cx->too_big = true;
			tb_buf_free(&cx->body);
			return refuse_413_now(s, c, method, url, cx, max);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (cx->too_big) return cx->logged ? MHD_NO : reply_413(s, c, method, url, cx, max);
	if (cx->has_resp) return deliver(s, c, cx); /* resumed: the pool answered */
	tb_guard_received(s->guard, cx->gc);
	cx->conn = c, cx->method = method, cx->url = url;
	client_ip(c, cx->ip, sizeof cx->ip);
	tb_ratelimit_key(cx->ip, cx->client, sizeof cx->client);
	if (is_write(method) && pool_submit(s, cx)) return MHD_YES;
	if (!cx->has_resp) answer(s, cx); /* (has one: the queue was full) */
	return deliver(s, c, cx);
}

static void completed(void *cls, struct MHD_Connection *c, void **req_cls,
		      enum MHD_RequestTerminationCode code)
{
	tb_server *s = cls;
	conn_ctx *cx = *req_cls;
	tb_guard_done(s->guard, guard_conn(c), cx && cx->logged, code == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED);
	if (!cx) return;
	if (cx->has_resp) tb_resp_free(&cx->resp);
	tb_buf_free(&cx->body);
	free(cx);
	*req_cls = NULL;
}

/* Every accepted connection is followed by the guard from start to close. */
static void notify_conn(void *cls, struct MHD_Connection *c, void **socket_ctx,
			enum MHD_ConnectionNotificationCode code)
{
	tb_server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		tb_guard_close(s->guard, *socket_ctx);
		*socket_ctx = NULL;
		return;
	}
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	char ip[64];
	client_ip(c, ip, sizeof ip);
	*socket_ctx = ci ? tb_guard_open(s->guard, ci->connect_fd, ip) : NULL;
}

/* The request line has arrived (before the headers). */
static void *uri_arrived(void *cls, const char *uri, struct MHD_Connection *c)
{
	tb_server *s = cls;
	tb_guard_request_line(s->guard, guard_conn(c), uri);
	return NULL; /* the handler's first call makes the request context */
}

/* Enough descriptors for max_connections (and the attackers evicted to make
 * room for them), within the hard limit. */
static void raise_fd_limit(int conns)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)conns * 2 + 256;
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= need) return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > need ? need : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* "HOST:PORT" with an IPv4 host, or "[HOST]:PORT" with an IPv6 one
 * ("[::]:8080" listens on IPv6 and IPv4 both, "[::1]:8080" on the IPv6
 * loopback only). */
typedef struct listen_addr {
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} sa;
	bool v6, any6;
} listen_addr;

static int parse_listen(const char *listen, listen_addr *la, tb_err *e)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	if (!colon || colon - listen >= (long)sizeof host)
		return tb_err_set(e, TB_EUSAGE, NULL, "listen", "expected HOST:PORT or [IPv6]:PORT, got '%s'", listen);
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = 0;
	char *end;
	long port = strtol(colon + 1, &end, 10);
	memset(la, 0, sizeof *la);
	if (*end || !colon[1] || port < 0 || port > 65535)
		return tb_err_set(e, TB_EUSAGE, NULL, "listen", "the port of '%s' is not a number 0–65535", listen);
	size_t hl = strlen(host);
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = 0;
		la->v6 = true;
		la->sa.v6.sin6_family = AF_INET6;
		la->sa.v6.sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &la->sa.v6.sin6_addr) != 1)
			return tb_err_set(e, TB_EUSAGE, NULL, "listen", "'%s' is not an IPv6 address (in '%s')", host + 1,
					  listen);
		la->any6 = IN6_IS_ADDR_UNSPECIFIED(&la->sa.v6.sin6_addr);
		return 0;
	}
	la->sa.v4.sin_family = AF_INET;
	la->sa.v4.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &la->sa.v4.sin_addr) != 1)
		return tb_err_set(e, TB_EUSAGE, NULL, "listen",
				  "'%s' is not an IPv4 address (in '%s'; write an IPv6 one as [::1]:8080)", host, listen);
	return 0;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof msg, fmt, ap);
	tb_info("http: %s", msg);
}

static int prepare_db(const tb_server_config *c, tb_err *e)
{
	tb_db *db;
	int rc = tb_app_open(c->db_path, &db, e); /* migrate once, up front */
	if (db) tb_db_close(db);
	return rc;
}

int tb_server_start(const tb_server_config *c, tb_server **out, tb_err *e)
{
	*out = NULL;
	listen_addr la;
	int rc = parse_listen(c->listen, &la, e);
	if (!rc) rc = prepare_db(c, e);
	if (rc) return rc;
	tb_server *s = calloc(1, sizeof *s);
	s->cfg = *c;
	pthread_mutex_init(&s->log_lock, NULL);
	pthread_key_create(&s->db_key, close_db);
	if (!strcmp(c->access_log, "-")) s->log = stderr;
	else if (c->access_log[0] && !(s->log = fopen(c->access_log, "a"))) {
		free(s);
		return tb_err_set(e, TB_EIO, c->access_log, NULL, "cannot open the access log");
	}
	s->router = tb_router_new(&s->cfg);
	tb_guard_limits gl = {.header_ms = c->header_timeout_s * 1000, .request_ms = c->request_timeout_s * 1000,
			      .max_conns = c->evict ? c->max_connections : 1 << 30, .evict = c->evict, .tick_ms = 200};
	s->guard = tb_guard_new(&gl, guard_log, s);
	/* with eviction the guard keeps the count; the daemon's own limit (split
	 * between its threads) only backs it up */
	unsigned mhd_limit = (unsigned)(c->evict ? 2 * c->max_connections + 64 : c->max_connections);
	raise_fd_limit((int)mhd_limit);
	rc = s->guard ? tb_db_writeq_enable(c->write_queue, c->write_wait_ms, e)
		      : tb_err_set(e, TB_ENOMEM, NULL, NULL, "cannot start the connection watchdog");
	int prc = pool_start(s, e);
	if (!rc) rc = prc;
	if (!rc)
		s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
						MHD_ALLOW_SUSPEND_RESUME |
						(la.any6 ? MHD_USE_DUAL_STACK : la.v6 ? MHD_USE_IPv6 : 0),
					0, NULL, NULL, handle, s,
					MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&la.sa,
					MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads,
					MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->conn_timeout_s,
					MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)c->per_ip_connections,
					MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
					MHD_OPTION_CONNECTION_MEMORY_LIMIT, c->conn_memory,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_NOTIFY_CONNECTION, notify_conn, s,
					MHD_OPTION_URI_LOG_CALLBACK, uri_arrived, s,
					MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
					MHD_OPTION_END);
	if (!s->d) {
		pool_stop(s);
		tb_db_writeq_disable();
		tb_guard_free(s->guard);
		tb_router_free(s->router);
		if (s->log && s->log != stderr) fclose(s->log);
		free(s);
		if (rc) return rc;
		return tb_err_set(e, TB_EIO, c->listen, "listen", "cannot listen (address in use or not allowed)");
	}
	*out = s;
	return 0;
}

int tb_server_port(const tb_server *s)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	return i ? i->port : 0;
}

const tb_server_config *tb_server_cfg(const tb_server *s)
{
	return &s->cfg;
}

void tb_server_stop(tb_server *s)
{
	if (!s) return;
	MHD_socket fd = MHD_quiesce_daemon(s->d); /* no new connections */
	pool_stop(s);                             /* answers the writes it holds */
	MHD_stop_daemon(s->d);                    /* waits for in-flight requests */
	if (fd != MHD_INVALID_SOCKET) close(fd);
	tb_guard_free(s->guard);
	tb_db_writeq_disable();
	tb_db *db;
	tb_err e = {0};
	if (!tb_db_open(s->cfg.db_path, 0, &db, &e)) {
		tb_db_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL);
		tb_db_close(db);
	}
	tb_router_free(s->router);
	if (s->log && s->log != stderr) fclose(s->log);
	pthread_key_delete(s->db_key);
	pthread_mutex_destroy(&s->log_lock);
	free(s);
}
