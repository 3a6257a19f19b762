/* guard.c — the connection guard (guard.h): a list of open connections
 * under one mutex, a watchdog thread that cuts requests past their
 * deadlines, and eviction of the longest-idle or slowest unfinished
 * connection when the server is full.
 *
 * When does a request start?  libmicrohttpd tells us when the request line
 * has arrived (the URI callback), not when its first byte did, and a slow
 * client may take minutes over the request line.  So while a connection is
 * idle the watchdog samples the kernel's count of bytes received on it
 * (TCP_INFO tcpi_bytes_received): the request's clock starts at the first
 * tick that sees it grow.  An idle keep-alive connection that sends nothing
 * is left to libmicrohttpd's idle timeout (conn_timeout) and to eviction.
 * The watchdog cuts with shutdown(): libmicrohttpd sees the socket end and
 * closes the connection itself, and the access-log line is written when it
 * does (tb_guard_done / tb_guard_close), once. */
#include "http/guard.h"

#include <errno.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received */
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

typedef enum {
	G_IDLE,    /* waiting for a request                       */
	G_HEADERS, /* the request line arrived, headers to come  */
	G_BODY,    /* headers complete, body to come             */
	G_ANSWER   /* whole request read: being answered          */
} phase;

struct tb_guard_conn {
	struct tb_guard_conn *prev, *next;
	int fd;
	uint64_t seq;     /* order of accepting (ties of idle_ms/start_ms) */
	char ip[64];
	phase ph;
	uint64_t rx_idle; /* bytes received when it last became idle     */
	int64_t idle_ms;  /* when it last became idle                    */
	int64_t start_ms; /* first byte of the current request, 0 = none */
	int cut;          /* 408 (deadline or evicted mid-request), 499 (client gone), 1 (evicted idle), 0 */
	char method[16];
	char path[256];
};

struct tb_guard {
	tb_guard_limits lim;
	tb_guard_log_fn log;
	void *cls;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	pthread_t th;
	tb_guard_conn *head;
	int live; /* open and not cut */
	uint64_t seq;
};

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static uint64_t rx_bytes(int fd)
{
	struct tcp_info ti;
	socklen_t n = sizeof ti;
	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &n) ||
	    n < offsetof(struct tcp_info, tcpi_bytes_received) + sizeof ti.tcpi_bytes_received)
		return 0;
	return ti.tcpi_bytes_received;
}

void tb_guard_send_error(int fd, int status, const char *reason, const char *code, const char *message)
{
	char body[512], msg[768];
	int nb = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, message);
	if (nb < 0 || nb >= (int)sizeof body) return;
	int n = snprintf(msg, sizeof msg,
			 "HTTP/1.1 %d %s\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n"
			 "%sContent-Length: %d\r\n\r\n%s",
			 status, reason, status == 503 ? "Retry-After: 1\r\n" : "", nb, body);
	if (n > 0 && n < (int)sizeof msg) (void)!send(fd, msg, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* Whether the client has closed its side (an orderly end of stream with
 * nothing left unread in the socket). */
static bool peer_closed(int fd)
{
	char b;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* Under g->mu.  status 408: answer and log; 499: the client went away
 * mid-request (logged); 1: an idle connection, closed quietly. */
static void cut(tb_guard *g, tb_guard_conn *c, int status, const char *message)
{
	if (status == 408) tb_guard_send_error(c->fd, 408, "Request Timeout", "timeout", message);
	shutdown(c->fd, SHUT_RDWR);
	c->cut = status;
	g->live--;
}

static void sweep(tb_guard *g)
{
	int64_t now = mono_ms();
	const tb_guard_limits *l = &g->lim;
	char msg[128];
	for (tb_guard_conn *c = g->head; c; c = c->next) {
		if (c->cut || c->ph == G_ANSWER) continue;
		if (c->ph == G_IDLE && !c->start_ms && rx_bytes(c->fd) > c->rx_idle) c->start_ms = now;
		if (!c->start_ms) continue;
		int64_t age = now - c->start_ms;
		if (peer_closed(c->fd)) /* the daemon may not notice an end that came with the last data */
			cut(g, c, 499, NULL);
		else if (l->header_ms && c->ph != G_BODY && age >= l->header_ms) {
			snprintf(msg, sizeof msg, "request headers not received within %d s", l->header_ms / 1000);
			cut(g, c, 408, msg);
		} else if (l->request_ms && age >= l->request_ms) {
			snprintf(msg, sizeof msg, "request not received within %d s", l->request_ms / 1000);
			cut(g, c, 408, msg);
		}
	}
}

static void *watchdog(void *p)
{
	tb_guard *g = p;
	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += (long)g->lim.tick_ms * 1000000L;
		t.tv_sec += t.tv_nsec / 1000000000L;
		t.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&g->cv, &g->mu, &t);
		if (!g->stop && (g->lim.header_ms || g->lim.request_ms)) sweep(g);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

tb_guard *tb_guard_new(const tb_guard_limits *l, tb_guard_log_fn log, void *cls)
{
	tb_guard *g = calloc(1, sizeof *g);
	if (!g) return NULL;
	g->lim = *l;
	if (g->lim.tick_ms <= 0) g->lim.tick_ms = 200;
	g->log = log;
	g->cls = cls;
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&g->th, NULL, watchdog, g)) {
		pthread_cond_destroy(&g->cv);
		pthread_mutex_destroy(&g->mu);
		free(g);
		return NULL;
	}
	return g;
}

void tb_guard_free(tb_guard *g)
{
	if (!g) return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->th, NULL);
	while (g->head) { /* none after MHD_stop_daemon; defensive */
		tb_guard_conn *c = g->head;
		g->head = c->next;
		free(c);
	}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

/* The connection that has waited longest without a whole request: idle
 * ones since they became idle, unfinished ones since their first byte.
 * Connections being answered are never evicted. */
static tb_guard_conn *eviction_victim(tb_guard *g, const tb_guard_conn *except)
{
	tb_guard_conn *best = NULL;
	int64_t best_t = 0;
	for (tb_guard_conn *c = g->head; c; c = c->next) {
		if (c == except || c->cut || c->ph == G_ANSWER) continue;
		int64_t t = c->start_ms ? c->start_ms : c->idle_ms;
		if (!best || t < best_t || (t == best_t && c->seq < best->seq)) best = c, best_t = t;
	}
	return best;
}

tb_guard_conn *tb_guard_open(tb_guard *g, int fd, const char *ip)
{
	tb_guard_conn *c = calloc(1, sizeof *c);
	if (!c) return NULL;
	c->fd = fd;
	snprintf(c->ip, sizeof c->ip, "%s", ip);
	snprintf(c->method, sizeof c->method, "-");
	snprintf(c->path, sizeof c->path, "-");
	c->idle_ms = mono_ms();
	bool refused = false;
	pthread_mutex_lock(&g->mu);
	c->seq = ++g->seq;
	c->next = g->head;
	if (g->head) g->head->prev = c;
	g->head = c;
	g->live++;
	if (g->live > g->lim.max_conns) {
		tb_guard_conn *v = g->lim.evict ? eviction_victim(g, c) : NULL;
		if (v && v->start_ms) cut(g, v, 408, "closed to make room: request unfinished while the server is full");
		else if (v) cut(g, v, 1, NULL);
		else {
			tb_guard_send_error(fd, 503, "Service Unavailable", "busy", "too many connections; try again shortly");
			shutdown(fd, SHUT_RDWR);
			c->cut = 1;
			g->live--;
			refused = true;
		}
	}
	pthread_mutex_unlock(&g->mu);
	if (refused && g->log) g->log(g->cls, ip, "-", "-", 503, 0);
	return c;
}

/* Under g->mu: whether c holds an unanswered request, and its log line. */
static bool unfinished(const tb_guard_conn *c, bool timed_out, int *status, int64_t *ms)
{
	if (!c->start_ms && c->ph == G_IDLE) return false;
	*status = c->cut == 408 || timed_out ? 408 : 499;
	*ms = c->start_ms ? mono_ms() - c->start_ms : 0;
	return true;
}

void tb_guard_close(tb_guard *g, tb_guard_conn *c)
{
	if (!c) return;
	int status = 0;
	int64_t ms = 0;
	pthread_mutex_lock(&g->mu);
	if (c->prev) c->prev->next = c->next;
	else g->head = c->next;
	if (c->next) c->next->prev = c->prev;
	if (!c->cut) g->live--;
	bool log = unfinished(c, false, &status, &ms);
	pthread_mutex_unlock(&g->mu);
	if (log && g->log) g->log(g->cls, c->ip, c->method, c->path, status, ms);
	free(c);
}

void tb_guard_request_line(tb_guard *g, tb_guard_conn *c, const char *uri)
{
	if (!c) return;
	pthread_mutex_lock(&g->mu);
	c->ph = G_HEADERS;
	if (!c->start_ms) c->start_ms = mono_ms();
	size_t n = strcspn(uri, "?");
	snprintf(c->path, sizeof c->path, "%.*s", (int)(n < sizeof c->path ? n : sizeof c->path - 1), uri);
	pthread_mutex_unlock(&g->mu);
}

void tb_guard_headers(tb_guard *g, tb_guard_conn *c, const char *method, const char *path)
{
	if (!c) return;
	pthread_mutex_lock(&g->mu);
	c->ph = G_BODY;
	if (!c->start_ms) c->start_ms = mono_ms();
	snprintf(c->method, sizeof c->method, "%s", method);
	snprintf(c->path, sizeof c->path, "%s", path);
	pthread_mutex_unlock(&g->mu);
}

void tb_guard_received(tb_guard *g, tb_guard_conn *c)
{
	if (!c) return;
	pthread_mutex_lock(&g->mu);
	c->ph = G_ANSWER;
	pthread_mutex_unlock(&g->mu);
}

void tb_guard_done(tb_guard *g, tb_guard_conn *c, bool logged, bool timed_out)
{
	if (!c) return;
	int status = 0;
	int64_t ms = 0;
	char method[sizeof c->method], path[sizeof c->path];
	pthread_mutex_lock(&g->mu);
	bool log = !logged && unfinished(c, timed_out, &status, &ms);
	memcpy(method, c->method, sizeof method);
	memcpy(path, c->path, sizeof path);
	c->ph = G_IDLE;
	c->start_ms = 0;
	c->idle_ms = mono_ms();
	c->rx_idle = rx_bytes(c->fd);
	snprintf(c->method, sizeof c->method, "-");
	snprintf(c->path, sizeof c->path, "-");
	pthread_mutex_unlock(&g->mu);
	if (log && g->log) g->log(g->cls, c->ip, method, path, status, ms);
}

bool tb_guard_was_cut(tb_guard *g, tb_guard_conn *c)
{
	if (!c) return false;
	pthread_mutex_lock(&g->mu);
	bool r = c->cut != 0;
	pthread_mutex_unlock(&g->mu);
	return r;
}
