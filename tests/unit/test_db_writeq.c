/* test_db_writeq.c — the FIFO writer queue (db/writeq.h): writers get their
 * turn in arrival order, a full queue answers TB_EBUSY at once, a wait that
 * runs out answers TB_EBUSY and leaves the queue as it was, and tb_db_begin
 * takes and gives back a turn on the process-wide queue. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "db/db.h"
#include "db/writeq.h"
#include "db/sqlite/sqlite_int.h" /* white-box: the connection's turn */

#include <pthread.h>
#include <string.h>
#include <time.h>

typedef struct writer {
	tb_writeq *q;
	int id;
	int *order, *norder;
	pthread_mutex_t *mu;
	int rc;
	tb_err e;
} writer;

static void *write_once(void *p)
{
	writer *w = p;
	w->rc = tb_writeq_acquire(w->q, &w->e);
	if (w->rc) return NULL;
	pthread_mutex_lock(w->mu);
	w->order[(*w->norder)++] = w->id;
	pthread_mutex_unlock(w->mu);
	tb_writeq_release(w->q);
	return NULL;
}

static void pause_ms(int ms)
{
	struct timespec t = {0, ms * 1000000L};
	nanosleep(&t, NULL);
}

/* Wait (bounded) until n writers are queued. */
static void until_waiting(tb_writeq *q, int n)
{
	for (int i = 0; i < 20000 && tb_writeq_waiting(q) != n; i++) pause_ms(1);
	assert_int_equal(tb_writeq_waiting(q), n);
}

static void fifo_order(void **state)
{
	(void)state;
	tb_writeq q;
	tb_err e = {0};
	assert_int_equal(tb_writeq_init(&q, 16, 60000, &e), 0);
	assert_int_equal(tb_writeq_acquire(&q, &e), 0); /* this thread holds the turn */
	enum { N = 8 };
	pthread_t th[N];
	writer w[N];
	int order[N], norder = 0;
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	for (int i = 0; i < N; i++) { /* queue them one after the other */
		w[i] = (writer){.q = &q, .id = i, .order = order, .norder = &norder, .mu = &mu};
		pthread_create(&th[i], NULL, write_once, &w[i]);
		until_waiting(&q, i + 1);
	}
	tb_writeq_release(&q);
	for (int i = 0; i < N; i++) pthread_join(th[i], NULL);
	assert_int_equal(norder, N);
	for (int i = 0; i < N; i++) {
		assert_int_equal(w[i].rc, 0);
		assert_int_equal(order[i], i);
	}
	assert_int_equal(tb_writeq_waiting(&q), 0);
	assert_int_equal(tb_writeq_acquire(&q, &e), 0); /* free again */
	tb_writeq_release(&q);
	tb_writeq_destroy(&q);
}

static void full_queue_is_busy(void **state)
{
	(void)state;
	tb_writeq q;
	tb_err e = {0};
	assert_int_equal(tb_writeq_init(&q, 2, 60000, &e), 0);
	assert_int_equal(tb_writeq_acquire(&q, &e), 0);
	pthread_t th[2];
	writer w[2];
	int order[2], norder = 0;
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	for (int i = 0; i < 2; i++) {
		w[i] = (writer){.q = &q, .id = i, .order = order, .norder = &norder, .mu = &mu};
		pthread_create(&th[i], NULL, write_once, &w[i]);
		until_waiting(&q, i + 1);
	}
	tb_err busy = {0};
	assert_int_equal(tb_writeq_acquire(&q, &busy), TB_EBUSY);
	assert_string_equal(busy.message, "the write queue is full (2 writes waiting); try again shortly");
	assert_int_equal(tb_writeq_waiting(&q), 2); /* the refused writer left nothing behind */
	tb_writeq_release(&q);
	for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
	assert_int_equal(norder, 2);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	tb_writeq_destroy(&q);
}

static void wait_runs_out(void **state)
{
	(void)state;
	tb_writeq q;
	tb_err e = {0};
	assert_int_equal(tb_writeq_init(&q, 4, 20, &e), 0);
	assert_int_equal(tb_writeq_acquire(&q, &e), 0);
	writer w = {.q = &q, .id = 7};
	int order[1], norder = 0;
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	w.order = order, w.norder = &norder, w.mu = &mu;
	pthread_t th;
	pthread_create(&th, NULL, write_once, &w);
	pthread_join(th, NULL); /* the holder never lets go: the wait runs out */
	assert_int_equal(w.rc, TB_EBUSY);
	assert_string_equal(w.e.message, "waited 20 ms for the write queue (1 writes were ahead); try again shortly");
	assert_int_equal(norder, 0);
	assert_int_equal(tb_writeq_waiting(&q), 0);
	tb_writeq_release(&q);
	assert_int_equal(tb_writeq_acquire(&q, &e), 0); /* and the queue still works */
	tb_writeq_release(&q);
	tb_writeq_destroy(&q);
}

static void bad_settings(void **state)
{
	(void)state;
	tb_writeq q;
	tb_err e = {0};
	assert_int_equal(tb_writeq_init(&q, -1, 100, &e), TB_EUSAGE);
	assert_string_equal(e.field, "write_queue");
	assert_int_equal(tb_writeq_init(&q, 1, 0, &e), TB_EUSAGE);
}

/* tb_db_begin on two connections of one process: the second writer is
 * refused by the queue (TB_EBUSY, nothing written) while the first holds
 * the turn, and gets it once the first commits. */
static void begin_takes_a_turn(void **state)
{
	(void)state;
	char dir[64], path[128];
	assert_int_equal(tb_test_tmpdb(dir, sizeof dir, path, sizeof path, "tbwq", "q.gpkg"), 0);
	tb_err e = {0};
	tb_db *a, *b;
	assert_int_equal(tb_db_open(path, TB_DB_CREATE, &a, &e), 0);
	assert_int_equal(tb_db_open(path, 0, &b, &e), 0);
	assert_int_equal(tb_db_exec(a, "CREATE TABLE t(x)", &e), 0);
	assert_int_equal(tb_db_writeq_enable(1, 20, &e), 0);
	assert_int_equal(tb_db_begin(a, &e), 0);
	assert_true(a->wq_held);
	assert_int_equal(tb_db_exec(a, "INSERT INTO t VALUES(1)", &e), 0);
	tb_err busy = {0};
	assert_int_equal(tb_db_begin(b, &busy), TB_EBUSY);
	assert_string_equal(busy.message, "waited 20 ms for the write queue (1 writes were ahead); try again shortly");
	assert_int_equal(b->tx_depth, 0);
	assert_false(b->wq_held);
	assert_int_equal(tb_db_commit(a, &e), 0);
	assert_false(a->wq_held);
	assert_int_equal(tb_db_begin(b, &e), 0);
	assert_int_equal(tb_db_exec(b, "INSERT INTO t VALUES(2)", &e), 0);
	tb_db_rollback(b); /* rollback gives the turn back too */
	assert_false(b->wq_held);
	assert_int_equal(tb_db_begin(a, &e), 0);
	assert_int_equal(tb_db_commit(a, &e), 0);
	int64_t n = -1;
	assert_int_equal(tb_db_int64(a, "SELECT count(*) FROM t", &n, &e), 0);
	assert_int_equal(n, 1);
	tb_db_writeq_disable();
	tb_db_close(b);
	tb_db_close(a);
	tb_test_remove_db(dir, path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fifo_order),
		cmocka_unit_test(full_queue_is_busy),
		cmocka_unit_test(wait_runs_out),
		cmocka_unit_test(bad_settings),
		cmocka_unit_test(begin_takes_a_turn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
