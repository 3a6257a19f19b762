/* writeq.h — the writer queue: one process, many worker threads, one SQLite
 * writer.  SQLite's own busy handler lets waiting writers sleep and retry
 * (1, 2, 5 … 100 ms), so a writer that has slept long loses the lock again to
 * one that just arrived: under contention some clients waited seconds while
 * others wrote at will.  The queue hands the write lock over in arrival order
 * (FIFO), bounds how many may wait and how long; tb_db_begin takes a turn
 * before BEGIN IMMEDIATE and the outermost commit or rollback gives it back.
 * busy_timeout still covers other processes (the CLI) writing the same file. */
#ifndef TB_DB_WRITEQ_H
#define TB_DB_WRITEQ_H

#include "base/err.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct tb_writeq_waiter;

typedef struct tb_writeq {
	pthread_mutex_t mu;
	bool held;                           /* a writer has its turn           */
	struct tb_writeq_waiter *head, *tail; /* waiting writers, oldest first */
	int waiting;
	int max_waiting;  /* more waiting writers → TB_EBUSY at once      */
	int max_wait_ms;  /* a writer that waited this long → TB_EBUSY     */
} tb_writeq;

/* A queue admitting at most max_waiting waiting writers (≥ 0), each for at
 * most max_wait_ms (≥ 1).  0 or a tb_code. */
int tb_writeq_init(tb_writeq *q, int max_waiting, int max_wait_ms, tb_err *e);
void tb_writeq_destroy(tb_writeq *q);
/* Wait for this thread's turn.  0 when it has the turn (give it back with
 * tb_writeq_release), TB_EBUSY when the queue is full or the wait ran out
 * (e says which, and how many were ahead). */
int tb_writeq_acquire(tb_writeq *q, tb_err *e);
void tb_writeq_release(tb_writeq *q);
/* Writers waiting now (not counting the one that has the turn). */
int tb_writeq_waiting(tb_writeq *q);

/* The process-wide queue that tb_db_begin uses.  The server enables it at
 * start (write_queue, write_wait in docs/server.md); the CLI, one thread,
 * leaves it off.  enable with max_waiting 0 turns it off again. */
int tb_db_writeq_enable(int max_waiting, int max_wait_ms, tb_err *e);
void tb_db_writeq_disable(void);
/* For db.c: take and give back a turn on the process-wide queue (a no-op
 * returning 0 / false when it is off).  *held says whether a turn was
 * taken. */
int tb_db_writeq_enter(bool *held, tb_err *e);
void tb_db_writeq_leave(bool *held);

#endif
