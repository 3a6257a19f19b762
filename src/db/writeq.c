/* writeq.c — the FIFO writer queue (writeq.h).  Each waiting writer has a
 * node on its own stack with its own condition variable; the releasing
 * writer hands the turn straight to the oldest node, so nobody can overtake
 * a writer that is already waiting.  A writer whose wait runs out unlinks
 * its node itself; if the turn reached it in the meantime it takes it. */
#include "db/writeq.h"

#include <errno.h>
#include <time.h>

typedef struct tb_writeq_waiter {
	pthread_cond_t cv;
	bool granted;
	struct tb_writeq_waiter *next, *prev;
} tb_writeq_waiter;

int tb_writeq_init(tb_writeq *q, int max_waiting, int max_wait_ms, tb_err *e)
{
	if (max_waiting < 0 || max_wait_ms < 1)
		return tb_err_set(e, TB_EUSAGE, NULL, "write_queue", "expected a queue length ≥ 0 and a wait ≥ 1 ms");
	*q = (tb_writeq){.max_waiting = max_waiting, .max_wait_ms = max_wait_ms};
	pthread_mutex_init(&q->mu, NULL);
	return 0;
}

void tb_writeq_destroy(tb_writeq *q)
{
	pthread_mutex_destroy(&q->mu);
}

static void unlink_waiter(tb_writeq *q, tb_writeq_waiter *w)
{
	if (w->prev) w->prev->next = w->next;
	else q->head = w->next;
	if (w->next) w->next->prev = w->prev;
	else q->tail = w->prev;
	q->waiting--;
}

static struct timespec deadline(int ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

int tb_writeq_acquire(tb_writeq *q, tb_err *e)
{
	pthread_mutex_lock(&q->mu);
	if (!q->held && !q->head) {
		q->held = true;
		pthread_mutex_unlock(&q->mu);
		return 0;
	}
	if (q->waiting >= q->max_waiting) {
		int n = q->waiting;
		pthread_mutex_unlock(&q->mu);
		return tb_err_set(e, TB_EBUSY, NULL, NULL,
				  "the write queue is full (%d writes waiting); try again shortly", n);
	}
	tb_writeq_waiter w = {.prev = q->tail};
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w.cv, &ca);
	pthread_condattr_destroy(&ca);
	int ahead = q->waiting;
	if (q->tail) q->tail->next = &w;
	else q->head = &w;
	q->tail = &w;
	q->waiting++;
	struct timespec until = deadline(q->max_wait_ms);
	int rc = 0;
	while (!w.granted && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&w.cv, &q->mu, &until);
	bool got = w.granted; /* the turn may have come just as the wait ran out */
	if (!got) unlink_waiter(q, &w);
	int wait_ms = q->max_wait_ms;
	pthread_mutex_unlock(&q->mu);
	pthread_cond_destroy(&w.cv);
	if (got) return 0;
	return tb_err_set(e, TB_EBUSY, NULL, NULL,
			  "waited %d ms for the write queue (%d writes were ahead); try again shortly", wait_ms,
			  ahead + 1);
}

void tb_writeq_release(tb_writeq *q)
{
	pthread_mutex_lock(&q->mu);
	tb_writeq_waiter *w = q->head;
	if (w) { /* hand the turn over: q->held stays true */
		unlink_waiter(q, w);
		w->granted = true;
		pthread_cond_signal(&w->cv);
	} else {
		q->held = false;
	}
	pthread_mutex_unlock(&q->mu);
}

int tb_writeq_waiting(tb_writeq *q)
{
	pthread_mutex_lock(&q->mu);
	int n = q->waiting;
	pthread_mutex_unlock(&q->mu);
	return n;
}

/* ---- the process-wide queue ----------------------------------------------- */

static tb_writeq g_queue;
static bool g_on;

int tb_db_writeq_enable(int max_waiting, int max_wait_ms, tb_err *e)
{
	if (g_on) tb_db_writeq_disable();
	if (max_waiting <= 0) return 0;
	int rc = tb_writeq_init(&g_queue, max_waiting, max_wait_ms, e);
	if (!rc) g_on = true;
	return rc;
}

/* Only while no writer runs (server start and stop). */
void tb_db_writeq_disable(void)
{
	if (!g_on) return;
	g_on = false;
	tb_writeq_destroy(&g_queue);
}

int tb_db_writeq_enter(bool *held, tb_err *e)
{
	*held = false;
	if (!g_on) return 0;
	int rc = tb_writeq_acquire(&g_queue, e);
	*held = !rc;
	return rc;
}

void tb_db_writeq_leave(bool *held)
{
	if (!*held) return;
	*held = false;
	tb_writeq_release(&g_queue);
}
