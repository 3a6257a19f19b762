/* test_db_stmtcache.c — the connection's prepared-statement caches
 * (db.h tb_db_stmt, tb_db_stmt_find/keep): they grow past any count of
 * owners, keep every statement (none evicted under a caller that still
 * steps it), and hand back each one reset with its bindings cleared. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define OWNERS 100 /* × 4 kinds = 400 keyed statements (there were 128 slots) */

static void keyed_statements_all_kept(void **state)
{
	(void)state;
	char path[] = "/tmp/tbstmtXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	tb_db *db;
	tb_err e = {0};
	assert_int_equal(tb_db_open(path, TB_DB_CREATE, &db, &e), 0);
	static char owners[OWNERS]; /* an owner is any address: one byte each */
	tb_stmt *first[OWNERS][4];
	char sql[64];
	for (int o = 0; o < OWNERS; o++)
		for (int k = 0; k < 4; k++) {
			assert_null(tb_db_stmt_find(db, &owners[o], k));
			snprintf(sql, sizeof sql, "SELECT %d + ?", o * 4 + k);
			first[o][k] = tb_db_stmt_keep(db, &owners[o], k, sql, &e);
			assert_non_null(first[o][k]);
		}
	/* the first one is still there, and still steps, after 399 more */
	tb_stmt *st = tb_db_stmt_find(db, &owners[0], 0);
	assert_ptr_equal(st, first[0][0]);
	tb_bind_int64(st, 1, 5);
	assert_int_equal(tb_stmt_step(st), TB_ROW);
	assert_int_equal(tb_col_int64(st, 0), 5);
	for (int o = 0; o < OWNERS; o++)
		for (int k = 0; k < 4; k++) {
			st = tb_db_stmt_find(db, &owners[o], k);
			assert_ptr_equal(st, first[o][k]);
			tb_bind_int64(st, 1, 1000);
			assert_int_equal(tb_stmt_step(st), TB_ROW);
			assert_int_equal(tb_col_int64(st, 0), o * 4 + k + 1000);
		}
	/* found again: reset, bindings cleared (NULL + o*4+k is NULL) */
	st = tb_db_stmt_find(db, &owners[7], 3);
	assert_int_equal(tb_stmt_step(st), TB_ROW);
	assert_int_equal(tb_col_type(st, 0), TB_COL_NULL);
	tb_db_close(db);
	unlink(path);
	char side[80];
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

/* Static texts: more than the 64 there used to be room for. */
static const char *const texts[] = {
#define T(n) "SELECT " #n
	T(0), T(1), T(2), T(3), T(4), T(5), T(6), T(7), T(8), T(9), T(10), T(11), T(12), T(13), T(14), T(15),
	T(16), T(17), T(18), T(19), T(20), T(21), T(22), T(23), T(24), T(25), T(26), T(27), T(28), T(29), T(30),
	T(31), T(32), T(33), T(34), T(35), T(36), T(37), T(38), T(39), T(40), T(41), T(42), T(43), T(44), T(45),
	T(46), T(47), T(48), T(49), T(50), T(51), T(52), T(53), T(54), T(55), T(56), T(57), T(58), T(59), T(60),
	T(61), T(62), T(63), T(64), T(65), T(66), T(67), T(68), T(69), T(70), T(71), T(72), T(73), T(74), T(75),
	T(76), T(77), T(78), T(79), T(80), T(81), T(82), T(83), T(84), T(85), T(86), T(87), T(88), T(89), T(90),
#undef T
};

static void static_texts_grow(void **state)
{
	(void)state;
	tb_db *db;
	tb_err e = {0};
	assert_int_equal(tb_db_open(":memory:", TB_DB_CREATE, &db, &e), 0);
	int n = (int)(sizeof texts / sizeof texts[0]);
	tb_stmt *kept[sizeof texts / sizeof texts[0]];
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < n; i++) {
			tb_stmt *st = tb_db_stmt(db, texts[i], &e);
			assert_non_null(st);
			if (round) assert_ptr_equal(st, kept[i]); /* the same one, prepared once */
			kept[i] = st;
			assert_int_equal(tb_stmt_step(st), TB_ROW);
			assert_int_equal(tb_col_int64(st, 0), i);
		}
	tb_db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keyed_statements_all_kept),
	    cmocka_unit_test(static_texts_grow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
