/* test_db_event.c — the hash-chained event log (db/event.h): appends in
 * transactions, the documented hash formula, the append-only triggers, and
 * tb_event_verify naming the first broken link after tampering done with the
 * triggers dropped (edit, delete, reorder, prev_hash, parcel index). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tb_test.h"

#include "base/hash.h"
#include "base/json.h"
#include "db/event.h"
#include "db/sqlite/sqlite_int.h"
#include "db/schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fx {
	char dir[64];
	char path[128];
	tb_db *db;
} fx;

static void sh(tb_db *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != 0) fail_msg("%s: %s", sql, msg);
}

static int64_t q64(tb_db *db, const char *sql)
{
	int64_t v = -1;
	tb_err e = {0};
	if (tb_db_int64(db, sql, &v, &e)) fail_msg("%s: %s", sql, e.message);
	return v;
}

/* Append one event in its own transaction. */
static int64_t add(tb_db *db, const char *action, const char *id, const char *parcels_json,
                   const char *payload_json)
{
	tb_err e = {0};
	json_t *parcels = parcels_json ? json_loads(parcels_json, 0, NULL) : NULL;
	json_t *payload = payload_json ? json_loads(payload_json, 0, NULL) : NULL;
	tb_event_in ev = {.actor = "zhang.san",
	                  .role = "bureau",
	                  .action = action,
	                  .entity = "parcels",
	                  .entity_id = id,
	                  .parcels = parcels,
	                  .payload = payload};
	int64_t seq = 0;
	assert_int_equal(tb_db_begin(db, &e), 0);
	if (tb_event_append(db, &ev, &seq, &e)) fail_msg("append: %s", e.message);
	assert_int_equal(tb_db_commit(db, &e), 0);
	json_decref(parcels);
	json_decref(payload);
	return seq;
}

/* A database with the core schema (event 1) and events 2..6. */
static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (tb_test_tmpdb(f->dir, sizeof f->dir, f->path, sizeof f->path, "tb_event_", "t.gpkg"))
		return -1;
	setenv("TIANBAO_NOW", "2026-05-04T08:00:00+08:00", 1);
	tb_crypto_init();
	tb_err e = {0};
	if (tb_db_open(f->path, TB_DB_CREATE, &f->db, &e)) return -1;
	if (tb_schema_migrate(f->db, &tb_core_module, "test", &e)) {
		fprintf(stderr, "migrate: %s\n", e.message);
		return -1;
	}
	assert_int_equal(add(f->db, "parcel.create", "P1", "[\"P1\"]", "{\"area_ha\":1.25}"), 2);
	assert_int_equal(add(f->db, "parcel.create", "P2", "[\"P2\"]", "{\"area_ha\":2.5}"), 3);
	assert_int_equal(
	    add(f->db, "parcel.split", "P1", "[\"P1\",\"P3\",\"P1\"]", "{\"into\":[\"P3\"]}"), 4);
	assert_int_equal(add(f->db, "note", NULL, NULL, NULL), 5);
	assert_int_equal(add(f->db, "parcel.update", "P1", "[\"P1\"]", "{\"名称\":\"天然林\"}"), 6);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tb_db_close(f->db);
	tb_test_remove_db(f->dir, f->path);
	free(f);
	unsetenv("TIANBAO_NOW");
	return 0;
}

static void drop_triggers(tb_db *db)
{
	sh(db, "DROP TRIGGER tb_event_no_update; DROP TRIGGER tb_event_no_delete;"
	       "DROP TRIGGER tb_event_parcel_no_update; DROP TRIGGER tb_event_parcel_no_delete;");
}

static tb_verify_result verify(tb_db *db)
{
	tb_verify_result r;
	tb_err e = {0};
	if (tb_event_verify(db, &r, &e)) fail_msg("verify: %s", e.message);
	return r;
}

/* ---- intact chain ----------------------------------------------------------- */

static void test_intact_chain(void **state)
{
	fx *f = *state;
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 0);
	assert_int_equal(r.checked, 6);
	assert_string_equal(r.reason, "");
	char head[65];
	tb_stmt *st;
	assert_int_equal(
	    tb_db_prepare(f->db, "SELECT hash FROM tb_event WHERE seq=6", &st, NULL),
	    0);
	assert_int_equal(tb_stmt_step(st), TB_ROW);
	snprintf(head, sizeof head, "%s", tb_col_text(st, 0));
	tb_stmt_finalize(st);
	assert_string_equal(r.head, head);
	assert_int_equal(strlen(r.head), 64);
	/* the first event links to the zero hash */
	assert_int_equal(q64(f->db,
	                     "SELECT count(*) FROM tb_event WHERE seq=1 AND prev_hash="
	                     "'0000000000000000000000000000000000000000000000000000000000000000'"),
	                 1);
	/* each event links to its predecessor */
	assert_int_equal(q64(f->db,
	                     "SELECT count(*) FROM tb_event a JOIN tb_event b ON b.seq=a.seq+1"
	                     " WHERE b.prev_hash=a.hash"),
	                 5);
	/* first event is the schema migration, with the fixed clock's time in UTC */
	assert_int_equal(q64(f->db,
	                     "SELECT count(*) FROM tb_event WHERE seq=1 AND action='schema.migrate'"
	                     " AND actor='test' AND time='2026-05-04T00:00:00.000Z'"),
	                 1);
	/* parcels are stored canonically and indexed once each */
	assert_int_equal(
	    q64(f->db,
	        "SELECT count(*) FROM tb_event WHERE seq=4 AND parcels='[\"P1\",\"P3\",\"P1\"]'"),
	    1);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event_parcel WHERE seq=4"), 2);
	assert_int_equal(
	    q64(f->db, "SELECT count(*) FROM tb_event WHERE seq=5 AND parcels='[]' AND payload='{}'"
	               " AND entity_id IS NULL"),
	    1);
}

/* The hash is exactly what event.h documents:
 * SHA-256(prev_hash bytes ‖ canonical {"action",…,"time"}). */
static void test_hash_formula(void **state)
{
	fx *f = *state;
	tb_stmt *st;
	assert_int_equal(
	    tb_db_prepare(f->db, "SELECT seq,time,actor,role,action,entity,entity_id,parcels,payload,"
	                       "prev_hash,hash FROM tb_event ORDER BY seq", &st, NULL),
	    0);
	int n = 0;
	while (tb_stmt_step(st) == TB_ROW) {
#define T(i) (tb_col_text(st, i))
		json_t *o = json_object();
		json_object_set_new(o, "seq", json_integer(tb_col_int64(st, 0)));
		json_object_set_new(o, "time", json_string(T(1)));
		json_object_set_new(o, "actor", json_string(T(2)));
		json_object_set_new(o, "role", json_string(T(3)));
		json_object_set_new(o, "action", json_string(T(4)));
		json_object_set_new(o, "entity", T(5) ? json_string(T(5)) : json_null());
		json_object_set_new(o, "entity_id", T(6) ? json_string(T(6)) : json_null());
		json_object_set_new(o, "parcels", json_loads(T(7), 0, NULL));
		json_object_set_new(o, "payload", json_loads(T(8), 0, NULL));
		char *canon = tb_json_canonical(o);
		size_t len = strlen(canon);
		unsigned char *msg = malloc(32 + len);
		assert_int_equal(tb_unhex(T(9), msg, 32), 0);
		memcpy(msg + 32, canon, len);
		char hex[TB_SHA256_HEX];
		tb_sha256_hex(msg, 32 + len, hex);
		assert_string_equal(hex, T(10));
		free(msg);
		free(canon);
		json_decref(o);
		n++;
#undef T
	}
	tb_stmt_finalize(st);
	assert_int_equal(n, 6);
}

static void test_empty_log(void **state)
{
	(void)state;
	char dir[] = "/tmp/tb_event_XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/e.gpkg", dir);
	tb_db *db;
	tb_err e = {0};
	assert_int_equal(tb_db_open(path, TB_DB_CREATE, &db, &e), 0);
	assert_int_equal(tb_event_init(db, &e), 0);
	assert_int_equal(tb_event_init(db, &e), 0); /* idempotent */
	tb_verify_result r = verify(db);
	assert_int_equal(r.checked, 0);
	assert_int_equal(r.first_bad, 0);
	assert_string_equal(r.head,
	                    "0000000000000000000000000000000000000000000000000000000000000000");
	tb_db_close(db);
	tb_test_remove_db(dir, path);
}

/* ---- transactions and refusals -------------------------------------------------- */

static void test_outside_transaction(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	tb_event_in ev = {.actor = "a", .role = "admin", .action = "x"};
	assert_int_equal(tb_event_append(f->db, &ev, NULL, &e), TB_EINTERNAL);
	assert_string_equal(e.message, "event appended outside a transaction");
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event"), 6);
}

static void test_rollback_leaves_nothing(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	json_t *parcels = json_pack("[s]", "P9");
	tb_event_in ev = {.actor = "a", .role = "admin", .action = "x", .parcels = parcels};
	int64_t seq = 0;
	assert_int_equal(tb_db_begin(f->db, &e), 0);
	assert_int_equal(tb_event_append(f->db, &ev, &seq, &e), 0);
	assert_int_equal(seq, 7);
	tb_db_rollback(f->db);
	json_decref(parcels);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event"), 6);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event_parcel WHERE parcel='P9'"), 0);
	/* the next append reuses seq 7 and the chain stays intact */
	assert_int_equal(add(f->db, "after.rollback", NULL, NULL, NULL), 7);
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 0);
	assert_int_equal(r.checked, 7);
}

static void test_nested_transaction(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	tb_event_in ev = {.actor = "a", .role = "admin", .action = "nested"};
	assert_int_equal(tb_db_begin(f->db, &e), 0);
	assert_int_equal(tb_db_begin(f->db, &e), 0);
	assert_int_equal(tb_event_append(f->db, &ev, NULL, &e), 0);
	assert_int_equal(tb_db_commit(f->db, &e), 0); /* inner: nothing yet */
	assert_int_equal(f->db->tx_depth, 1);
	assert_int_equal(tb_event_append(f->db, &ev, NULL, &e), 0);
	assert_int_equal(tb_db_commit(f->db, &e), 0);
	assert_int_equal(f->db->tx_depth, 0);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event WHERE action='nested'"), 2);
	assert_int_equal(tb_db_commit(f->db, &e), TB_EINTERNAL);
	assert_string_equal(e.message, "commit without begin");
}

static void test_bad_utf8_refused(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	tb_event_in ev = {.actor = "bad\xC0\xAF", .role = "admin", .action = "x"};
	assert_int_equal(tb_db_begin(f->db, &e), 0);
	assert_int_equal(tb_event_append(f->db, &ev, NULL, &e), TB_EINPUT);
	assert_string_equal(e.message, "cannot encode event");
	tb_db_rollback(f->db);
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event"), 6);
}

static void test_triggers_refuse(void **state)
{
	fx *f = *state;
	char *msg = NULL;
	assert_int_not_equal(
	    sqlite3_exec(f->db->h, "UPDATE tb_event SET actor='x' WHERE seq=2", NULL, NULL, &msg),
	    0);
	assert_string_equal(msg, "the event log is append-only: UPDATE refused");
	sqlite3_free(msg);
	assert_int_not_equal(
	    sqlite3_exec(f->db->h, "DELETE FROM tb_event WHERE seq=6", NULL, NULL, &msg),
	    0);
	assert_string_equal(msg, "the event log is append-only: DELETE refused");
	sqlite3_free(msg);
	assert_int_not_equal(
	    sqlite3_exec(f->db->h, "UPDATE tb_event_parcel SET parcel='X'", NULL, NULL, &msg),
	    0);
	assert_string_equal(msg, "the event log is append-only: UPDATE refused");
	sqlite3_free(msg);
	assert_int_not_equal(
	    sqlite3_exec(f->db->h, "DELETE FROM tb_event_parcel", NULL, NULL, &msg), 0);
	assert_string_equal(msg, "the event log is append-only: DELETE refused");
	sqlite3_free(msg);
	/* through the db helper the message is kept too */
	tb_err e = {0};
	assert_int_equal(tb_db_exec(f->db, "DELETE FROM tb_event", &e), TB_EDB);
	assert_string_equal(e.message, "the event log is append-only: DELETE refused");
	assert_int_equal(q64(f->db, "SELECT count(*) FROM tb_event"), 6);
	assert_int_equal(verify(f->db).first_bad, 0);
}

/* ---- tampering (triggers dropped) ------------------------------------------------ */

static void test_tamper_edit_payload(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	sh(f->db, "UPDATE tb_event SET payload='{\"area_ha\":2.6}' WHERE seq=3");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 3);
	assert_non_null(strstr(r.reason, "edited"));
	assert_int_equal(r.checked, 3);
}

static void test_tamper_edit_actor_time(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	sh(f->db, "UPDATE tb_event SET actor='li.si' WHERE seq=5");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 5);
	assert_non_null(strstr(r.reason, "edited"));
	sh(f->db, "UPDATE tb_event SET actor='zhang.san' WHERE seq=5");
	assert_int_equal(verify(f->db).first_bad, 0); /* restored: intact again */
	sh(f->db, "UPDATE tb_event SET time='2026-05-03T00:00:00.000Z' WHERE seq=2");
	r = verify(f->db);
	assert_int_equal(r.first_bad, 2);
	assert_non_null(strstr(r.reason, "edited"));
}

static void test_tamper_delete_middle(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	sh(f->db, "DELETE FROM tb_event WHERE seq=4");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 4);
	assert_non_null(strstr(r.reason, "gap"));
	assert_non_null(strstr(r.reason, "expected event 4, found 5"));
}

static void test_tamper_delete_first(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	sh(f->db, "DELETE FROM tb_event WHERE seq=1");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 1);
	assert_non_null(strstr(r.reason, "gap"));
}

static void test_tamper_reorder(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	/* swap the contents of events 3 and 4 through a temporary seq */
	sh(f->db, "UPDATE tb_event SET seq=-4 WHERE seq=4;"
	          "UPDATE tb_event SET seq=4 WHERE seq=3;"
	          "UPDATE tb_event SET seq=3 WHERE seq=-4;");
	assert_int_equal(
	    q64(f->db, "SELECT count(*) FROM tb_event WHERE seq=3 AND action='parcel.split'"), 1);
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 3);
	assert_non_null(strstr(r.reason, "prev_hash"));
}

static void test_tamper_reorder_relinked(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	/* a cleverer swap that also fixes prev_hash: the hash still gives it away */
	sh(f->db,
	   "UPDATE tb_event SET seq=-4 WHERE seq=4;"
	   "UPDATE tb_event SET seq=4 WHERE seq=3;"
	   "UPDATE tb_event SET seq=3 WHERE seq=-4;"
	   "UPDATE tb_event SET prev_hash=(SELECT hash FROM tb_event WHERE seq=2) WHERE seq=3;");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 3);
	assert_non_null(strstr(r.reason, "edited"));
}

static void test_tamper_prev_hash(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	sh(f->db, "UPDATE tb_event SET prev_hash="
	          "'1111111111111111111111111111111111111111111111111111111111111111' WHERE seq=5");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 5);
	assert_non_null(strstr(r.reason, "prev_hash"));
	assert_int_equal(r.checked, 5);
}

static void test_tamper_hash(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	sh(f->db, "UPDATE tb_event SET hash=upper(hash) WHERE seq=6");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 6);
}

static void test_tamper_index_delete(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	sh(f->db, "DELETE FROM tb_event_parcel WHERE seq=4 AND parcel='P3'");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 4);
	assert_non_null(strstr(r.reason, "parcel index"));
}

static void test_tamper_index_rename(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	/* same number of index rows, different parcel: hides event 2 from P1's archive */
	sh(f->db, "UPDATE tb_event_parcel SET parcel='P7' WHERE seq=2");
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 2);
	assert_non_null(strstr(r.reason, "parcel index"));
}

static void test_tamper_index_insert(void **state)
{
	fx *f = *state;
	drop_triggers(f->db);
	sh(f->db, "INSERT INTO tb_event_parcel VALUES(5,'P2')"); /* event 5 touched no parcel */
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 5);
	assert_non_null(strstr(r.reason, "parcel index"));
}

static void test_tamper_index_orphan(void **state)
{
	fx *f = *state;
	sh(f->db, "INSERT INTO tb_event_parcel VALUES(99,'P2')"); /* inserts are not refused */
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 7);
	assert_non_null(strstr(r.reason, "do not exist"));
	assert_int_equal(r.checked, 6);
}

/* ---- archive and recent ------------------------------------------------------------ */

static void test_archive(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	json_t *a = tb_event_archive(f->db, "P1", &e);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 3);
	int64_t want[] = {2, 4, 6};
	const char *actions[] = {"parcel.create", "parcel.split", "parcel.update"};
	for (size_t i = 0; i < 3; i++) {
		json_t *ev = json_array_get(a, i);
		assert_int_equal(json_integer_value(json_object_get(ev, "seq")), want[i]);
		assert_string_equal(tb_json_str(ev, "action"), actions[i]);
		assert_string_equal(tb_json_str(ev, "actor"), "zhang.san");
		assert_string_equal(tb_json_str(ev, "time"), "2026-05-04T00:00:00.000Z");
		assert_int_equal(strlen(tb_json_str(ev, "hash")), 64);
	}
	assert_true(tb_json_num(json_object_get(json_array_get(a, 0), "payload"), "area_ha", 0) ==
	            1.25);
	assert_string_equal(tb_json_str(json_object_get(json_array_get(a, 2), "payload"), "名称"),
	                    "天然林");
	json_decref(a);

	a = tb_event_archive(f->db, "P3", &e);
	assert_int_equal(json_array_size(a), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "seq")), 4);
	json_t *parcels = json_object_get(json_array_get(a, 0), "parcels");
	assert_int_equal(json_array_size(parcels), 3);
	json_decref(a);

	a = tb_event_archive(f->db, "P2", &e);
	assert_int_equal(json_array_size(a), 1);
	json_decref(a);
	a = tb_event_archive(f->db, "nope", &e);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

static void test_recent(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	json_t *a = tb_event_recent(f->db, 2, &e);
	assert_int_equal(json_array_size(a), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 0), "seq")), 6);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(a, 1), "seq")), 5);
	assert_true(json_is_null(json_object_get(json_array_get(a, 1), "entity_id")));
	json_decref(a);
	a = tb_event_recent(f->db, 100, &e);
	assert_int_equal(json_array_size(a), 6);
	json_decref(a);
}

static void test_long_chain(void **state)
{
	fx *f = *state;
	tb_err e = {0};
	char code[32];
	assert_int_equal(tb_db_begin(f->db, &e), 0);
	for (int i = 0; i < 500; i++) {
		snprintf(code, sizeof code, "Q%03d", i % 50);
		json_t *parcels = json_pack("[s]", code);
		tb_event_in ev = {
		    .actor = "bulk", .role = "admin", .action = "import", .parcels = parcels};
		assert_int_equal(tb_event_append(f->db, &ev, NULL, &e), 0);
		json_decref(parcels);
	}
	assert_int_equal(tb_db_commit(f->db, &e), 0);
	tb_verify_result r = verify(f->db);
	assert_int_equal(r.first_bad, 0);
	assert_int_equal(r.checked, 506);
	json_t *a = tb_event_archive(f->db, "Q007", &e);
	assert_int_equal(json_array_size(a), 10);
	json_decref(a);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_intact_chain),
	    T(test_hash_formula),
	    cmocka_unit_test(test_empty_log),
	    T(test_outside_transaction),
	    T(test_rollback_leaves_nothing),
	    T(test_nested_transaction),
	    T(test_bad_utf8_refused),
	    T(test_triggers_refuse),
	    T(test_tamper_edit_payload),
	    T(test_tamper_edit_actor_time),
	    T(test_tamper_delete_middle),
	    T(test_tamper_delete_first),
	    T(test_tamper_reorder),
	    T(test_tamper_reorder_relinked),
	    T(test_tamper_prev_hash),
	    T(test_tamper_hash),
	    T(test_tamper_index_delete),
	    T(test_tamper_index_rename),
	    T(test_tamper_index_insert),
	    T(test_tamper_index_orphan),
	    T(test_archive),
	    T(test_recent),
	    T(test_long_chain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
