/* event.c — the hash-chained, append-only event log (see event.h).  The
 * canonical text is assembled from the stored columns, so verification needs
 * nothing but the table itself. */
#include "db/event.h"

#include "base/buf.h"
#include "base/hash.h"
#include "base/json.h"
#include "base/tbtime.h"

#include <stdlib.h>
#include <string.h>

static const char *schema =
	"CREATE TABLE IF NOT EXISTS tb_event ("
	" seq INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,"
	" action TEXT NOT NULL, entity TEXT, entity_id TEXT, parcels TEXT NOT NULL,"
	" payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS tb_event_parcel (seq INTEGER NOT NULL, parcel TEXT NOT NULL,"
	" PRIMARY KEY (parcel, seq)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS tb_event_parcel_seq ON tb_event_parcel(seq);" /* verify */
	/* the town of an event's record (jurisdiction of events without parcels) */
	"CREATE TABLE IF NOT EXISTS tb_event_town (seq INTEGER PRIMARY KEY, town TEXT NOT NULL);"
	"CREATE TRIGGER IF NOT EXISTS tb_event_town_no_update BEFORE UPDATE ON tb_event_town BEGIN"
	" SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END;"
	"CREATE TRIGGER IF NOT EXISTS tb_event_town_no_delete BEFORE DELETE ON tb_event_town BEGIN"
	" SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END;"
	"CREATE INDEX IF NOT EXISTS tb_event_entity ON tb_event(entity, entity_id);"
	"CREATE TRIGGER IF NOT EXISTS tb_event_no_update BEFORE UPDATE ON tb_event BEGIN"
	" SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END;"
	"CREATE TRIGGER IF NOT EXISTS tb_event_no_delete BEFORE DELETE ON tb_event BEGIN"
	" SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END;"
	"CREATE TRIGGER IF NOT EXISTS tb_event_parcel_no_update BEFORE UPDATE ON tb_event_parcel BEGIN"
	" SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused'); END;"
	"CREATE TRIGGER IF NOT EXISTS tb_event_parcel_no_delete BEFORE DELETE ON tb_event_parcel BEGIN"
	" SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused'); END;";

#define ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

int tb_event_init(tb_db *db, tb_err *e)
{
	return tb_db_exec(db, schema, e);
}

static int add_jstr(tb_buf *b, const char *key, const char *v)
{
	int rc = tb_buf_addf(b, "\"%s\":", key);
	if (rc) return rc;
	if (!v) return tb_buf_adds(b, "null");
	json_t *s = json_string(v);
	char *t = s ? json_dumps(s, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	json_decref(s);
	if (!t) return TB_EINPUT; /* not valid UTF-8 */
	rc = tb_buf_adds(b, t);
	free(t);
	return rc;
}

/* The canonical event text, keys in sorted order; parcels and payload are
 * already canonical JSON texts. */
static int canonical(tb_buf *b, int64_t seq, const char *time, const char *actor,
		     const char *role, const char *action, const char *entity,
		     const char *entity_id, const char *parcels, const char *payload)
{
	int rc = tb_buf_adds(b, "{");
	if (!rc) rc = add_jstr(b, "action", action);
	if (!rc) rc = tb_buf_adds(b, ",");
	if (!rc) rc = add_jstr(b, "actor", actor);
	if (!rc) rc = tb_buf_adds(b, ",");
	if (!rc) rc = add_jstr(b, "entity", entity);
	if (!rc) rc = tb_buf_adds(b, ",");
	if (!rc) rc = add_jstr(b, "entity_id", entity_id);
	if (!rc) rc = tb_buf_addf(b, ",\"parcels\":%s,\"payload\":%s,", parcels, payload);
	if (!rc) rc = add_jstr(b, "role", role);
	if (!rc) rc = tb_buf_addf(b, ",\"seq\":%lld,", (long long)seq);
	if (!rc) rc = add_jstr(b, "time", time);
	if (!rc) rc = tb_buf_adds(b, "}");
	return rc;
}

static void link_hash(const char *prev_hex, const tb_buf *canon, char out[TB_SHA256_HEX])
{
	unsigned char prev[32] = {0}, h[32]; /* zeros if prev_hex is not hex */
	tb_unhex(prev_hex, prev, 32);
	size_t n = 32 + canon->len;
	unsigned char *msg = malloc(n);
	if (!msg) {
		out[0] = 0;
		return;
	}
	memcpy(msg, prev, 32);
	memcpy(msg + 32, canon->data, canon->len);
	tb_sha256(msg, n, h);
	free(msg);
	tb_hex(h, 32, out);
}

static int head(tb_db *db, int64_t *seq, char prev[TB_SHA256_HEX], tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT seq, hash FROM tb_event ORDER BY seq DESC LIMIT 1", &st, e);
	if (rc) return rc;
	*seq = 0;
	snprintf(prev, TB_SHA256_HEX, "%s", ZERO_HASH);
	rc = tb_stmt_step(st);
	if (rc == TB_ROW) {
		*seq = tb_col_int64(st, 0);
		const char *h = tb_col_text(st, 1);
		snprintf(prev, TB_SHA256_HEX, "%s", h ? h : "");
		rc = 0;
	} else
		rc = rc == TB_DONE ? 0 : tb_db_error(db, e, "event log head");
	tb_stmt_finalize(st);
	return rc;
}

static int index_town(tb_db *db, int64_t seq, const char *town, tb_err *e)
{
	tb_stmt *st = tb_db_stmt(db, "INSERT INTO tb_event_town(seq, town) VALUES(?,?)", e);
	if (!st) return TB_EDB;
	tb_bind_int64(st, 1, seq);
	tb_bind_text(st, 2, town);
	int rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "event town");
	tb_stmt_reset(st);
	return rc;
}

static int index_parcels(tb_db *db, int64_t seq, const json_t *parcels, tb_err *e)
{
	if (!json_array_size(parcels)) return 0;
	tb_stmt *st;
	int rc = tb_db_prepare(db, "INSERT OR IGNORE INTO tb_event_parcel(seq, parcel) VALUES(?,?)",
			       &st, e);
	size_t i;
	json_t *v;
	json_array_foreach(parcels, i, v)
	{
		if (rc) break;
		if (!json_is_string(v)) continue;
		tb_bind_int64(st, 1, seq);
		tb_bind_text(st, 2, json_string_value(v));
		if (tb_stmt_step(st) != TB_DONE) rc = tb_db_error(db, e, "event parcels");
		tb_stmt_reset(st);
	}
	tb_stmt_finalize(st);
	return rc;
}

int tb_event_append(tb_db *db, const tb_event_in *ev, int64_t *seq_out, tb_err *e)
{
	if (!tb_db_in_tx(db))
		return tb_err_set(e, TB_EINTERNAL, NULL, NULL, "event appended outside a transaction");
	int64_t seq;
	char prev[TB_SHA256_HEX], hash[TB_SHA256_HEX], now[32];
	int rc = head(db, &seq, prev, e);
	if (rc) return rc;
	seq++;
	tb_time_now_iso(now);
	json_t *empty_arr = json_array(), *empty_obj = json_object();
	char *parcels = tb_json_canonical(ev->parcels ? ev->parcels : empty_arr);
	char *payload = tb_json_canonical(ev->payload ? ev->payload : empty_obj);
	json_decref(empty_arr);
	json_decref(empty_obj);
	tb_buf canon;
	tb_buf_init(&canon, (size_t)1 << 30);
	rc = parcels && payload ? 0 : TB_ENOMEM;
	if (!rc)
		rc = canonical(&canon, seq, now, ev->actor, ev->role, ev->action, ev->entity,
			       ev->entity_id, parcels, payload);
	if (rc) {
		rc = tb_err_set(e, rc, NULL, NULL, "cannot encode event");
		goto out;
	}
	link_hash(prev, &canon, hash);
	tb_stmt *st;
	rc = tb_db_prepare(db, "INSERT INTO tb_event VALUES(?,?,?,?,?,?,?,?,?,?,?)", &st, e);
	if (rc) goto out;
	tb_bind_int64(st, 1, seq);
	tb_bind_text(st, 2, now);
	tb_bind_text(st, 3, ev->actor);
	tb_bind_text(st, 4, ev->role);
	tb_bind_text(st, 5, ev->action);
	tb_bind_text(st, 6, ev->entity);
	tb_bind_text(st, 7, ev->entity_id);
	tb_bind_text(st, 8, parcels);
	tb_bind_text(st, 9, payload);
	tb_bind_text(st, 10, prev);
	tb_bind_text(st, 11, hash);
	rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "append event");
	tb_stmt_finalize(st);
	if (!rc) rc = index_parcels(db, seq, ev->parcels, e);
	if (!rc && ev->town && *ev->town) rc = index_town(db, seq, ev->town, e);
	if (!rc && seq_out) *seq_out = seq;
out:
	tb_buf_free(&canon);
	free(parcels);
	free(payload);
	return rc;
}

#define COL(i) (tb_col_text(st, i))

static void bad(tb_verify_result *r, int64_t seq, const char *why)
{
	if (r->first_bad) return;
	r->first_bad = seq;
	snprintf(r->reason, sizeof r->reason, "%s", why);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index rows of one event must be exactly the distinct parcel codes of
 * its parcels array: comparing counts alone would miss a renamed row, which
 * hides the event from one parcel's archive and adds it to another's.  `idx`
 * selects the event's index rows ordered by parcel (BINARY = strcmp). */
static int check_index(tb_stmt *idx, int64_t seq, const char *parcels)
{
	json_t *arr = json_loads(parcels, 0, NULL);
	size_t n = 0, i;
	json_t *v;
	const char **want = calloc(json_array_size(arr) + 1, sizeof *want);
	if (!want) {
		json_decref(arr);
		return 0;
	}
	json_array_foreach(arr, i, v) if (json_is_string(v)) want[n++] = json_string_value(v);
	qsort(want, n, sizeof *want, cmp_str);
	int ok = 1;
	tb_bind_int64(idx, 1, seq);
	for (i = 0; ok && i < n; i++) {
		if (i && !strcmp(want[i], want[i - 1])) continue; /* duplicates indexed once */
		const char *have = tb_stmt_step(idx) == TB_ROW
					   ? tb_col_text(idx, 0) : NULL;
		ok = have && !strcmp(have, want[i]);
	}
	if (ok && tb_stmt_step(idx) != TB_DONE) ok = 0; /* extra rows */
	tb_stmt_reset(idx);
	free(want);
	json_decref(arr);
	return ok;
}

int tb_event_verify(tb_db *db, tb_verify_result *r, tb_err *e)
{
	memset(r, 0, sizeof *r);
	snprintf(r->head, sizeof r->head, "%s", ZERO_HASH);
	tb_stmt *st, *cnt;
	int rc = tb_db_prepare(db,
			       "SELECT seq,time,actor,role,action,entity,entity_id,parcels,payload,"
			       "prev_hash,hash FROM tb_event ORDER BY seq",
			       &st, e);
	if (rc) return rc;
	rc = tb_db_prepare(db, "SELECT parcel FROM tb_event_parcel WHERE seq=? ORDER BY parcel", &cnt,
			   e);
	if (rc) {
		tb_stmt_finalize(st);
		return rc;
	}
	tb_buf canon;
	tb_buf_init(&canon, (size_t)1 << 30);
	int64_t expect = 1;
	char prev[TB_SHA256_HEX] = ZERO_HASH, hash[TB_SHA256_HEX], why[256];
	while ((rc = tb_stmt_step(st)) == TB_ROW && !r->first_bad) {
		int64_t seq = tb_col_int64(st, 0);
		r->checked++;
		if (seq != expect) {
			snprintf(why, sizeof why, "sequence gap: expected event %lld, found %lld (deleted or reordered)",
				 (long long)expect, (long long)seq);
			bad(r, expect, why);
			break;
		}
		if (!COL(9) || strcmp(COL(9), prev)) {
			bad(r, seq, "prev_hash does not match the hash of the previous event");
			break;
		}
		tb_buf_reset(&canon);
		if (canonical(&canon, seq, COL(1), COL(2), COL(3), COL(4), COL(5), COL(6),
			      COL(7) ? COL(7) : "null", COL(8) ? COL(8) : "null")) {
			bad(r, seq, "event cannot be encoded");
			break;
		}
		link_hash(prev, &canon, hash);
		if (!COL(10) || strcmp(COL(10), hash)) {
			bad(r, seq, "content does not match its hash (event edited)");
			break;
		}
		if (!check_index(cnt, seq, COL(7))) {
			bad(r, seq, "parcel index of the event does not match its parcels");
			break;
		}
		memcpy(prev, hash, sizeof prev);
		expect++;
	}
	if (rc != TB_ROW && rc != TB_DONE) rc = tb_db_error(db, e, "read event log");
	else rc = 0;
	if (!rc && !r->first_bad) {
		int64_t orphans = 0;
		tb_db_int64(db, "SELECT count(*) FROM tb_event_parcel WHERE seq NOT IN (SELECT seq FROM tb_event)",
			    &orphans, NULL);
		if (orphans) bad(r, expect, "parcel index has rows for events that do not exist");
	}
	snprintf(r->head, sizeof r->head, "%s", prev);
	tb_buf_free(&canon);
	tb_stmt_finalize(st);
	tb_stmt_finalize(cnt);
	return rc;
}

static json_t *row_json(tb_stmt *st)
{
	json_t *o = json_object();
	json_object_set_new(o, "seq", json_integer(tb_col_int64(st, 0)));
	static const char *names[] = {NULL, "time", "actor", "role", "action", "entity", "entity_id"};
	for (int i = 1; i <= 6; i++)
		json_object_set_new(o, names[i], COL(i) ? json_string(COL(i)) : json_null());
	json_t *p = COL(7) ? json_loads(COL(7), 0, NULL) : NULL;
	if (json_array_size(p) > 20) { /* an import or the demo: the count, not the list */
		json_object_set_new(o, "parcel_count", json_integer((json_int_t)json_array_size(p)));
		json_decref(p);
		p = json_array();
	}
	json_object_set_new(o, "parcels", p ? p : json_array());
	p = COL(8) ? json_loads(COL(8), 0, NULL) : NULL;
	json_object_set_new(o, "payload", p ? p : json_object());
	json_object_set_new(o, "hash", COL(9) ? json_string(COL(9)) : json_null());
	return o;
}

static json_t *query_events(tb_db *db, const char *sql, const char *text, tb_err *e)
{
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, e)) return NULL;
	tb_bind_text(st, 1, text);
	json_t *arr = json_array();
	int rc;
	while ((rc = tb_stmt_step(st)) == TB_ROW) json_array_append_new(arr, row_json(st));
	if (rc != TB_DONE) {
		tb_db_error(db, e, "read events");
		json_decref(arr);
		arr = NULL;
	}
	tb_stmt_finalize(st);
	return arr;
}

json_t *tb_event_recent_towns(tb_db *db, int limit, const char *towns, const char *parcel_cond, tb_err *e)
{
	/* An event a town sees concerns its towns and nothing else: it touches
	 * parcels or belongs to a town, every parcel it touches lies in one of
	 * the towns, and so does its town.  Events of no town (users, tokens,
	 * attachments, logins, the district's configuration) are the bureau's. */
	char cond[1024];
	int n = snprintf(cond, sizeof cond,
		 "(EXISTS (SELECT 1 FROM tb_event_parcel p WHERE p.seq=e.seq) OR EXISTS (SELECT 1 FROM"
		 " tb_event_town t WHERE t.seq=e.seq))"
		 " AND NOT EXISTS (SELECT 1 FROM tb_event_town t WHERE t.seq=e.seq"
		 " AND instr(',' || ?1 || ',', ',' || t.town || ',') = 0)"
		 " AND NOT EXISTS (SELECT 1 FROM tb_event_parcel p WHERE p.seq=e.seq AND NOT (%s))",
		 parcel_cond);
	if (n < 0 || (size_t)n >= sizeof cond) {
		tb_err_set(e, TB_EINTERNAL, NULL, NULL, "event condition too long");
		return NULL;
	}
	return tb_event_recent_where(db, limit, cond, towns, e);
}

int tb_event_seq_before(tb_db *db, const char *iso, int64_t *seq, tb_err *e)
{
	tb_stmt *st;
	*seq = 0;
	int rc = tb_db_prepare(db, "SELECT coalesce(max(seq),0) FROM tb_event WHERE time<?1", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, iso);
	if (tb_stmt_step(st) == TB_ROW) *seq = tb_col_int64(st, 0);
	tb_stmt_finalize(st);
	return 0;
}

int tb_event_head(tb_db *db, int64_t *seq, tb_err *e)
{
	return tb_db_int64(db, "SELECT coalesce(max(seq),0) FROM tb_event", seq, e);
}

json_t *tb_event_archive(tb_db *db, const char *parcel_code, tb_err *e)
{
	return query_events(db,
			    "SELECT e.seq,time,actor,role,action,entity,entity_id,parcels,payload,hash"
			    " FROM tb_event_parcel p JOIN tb_event e ON e.seq=p.seq WHERE p.parcel=?"
			    " ORDER BY e.seq",
			    parcel_code, e);
}

json_t *tb_event_recent(tb_db *db, int limit, tb_err *e)
{
	return tb_event_recent_where(db, limit, NULL, NULL, e);
}

json_t *tb_event_recent_where(tb_db *db, int limit, const char *cond, const char *param, tb_err *e)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "SELECT e.seq,time,actor,role,action,entity,entity_id,parcels,payload,hash FROM tb_event e"
		 " WHERE %s ORDER BY e.seq DESC LIMIT ?2", cond ? cond : "?1 IS NULL OR 1");
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, e)) return NULL;
	tb_bind_text(st, 1, param);
	tb_bind_int(st, 2, limit);
	json_t *arr = json_array();
	int rc;
	while ((rc = tb_stmt_step(st)) == TB_ROW) json_array_append_new(arr, row_json(st));
	if (rc != TB_DONE) {
		tb_db_error(db, e, "read events");
		json_decref(arr);
		arr = NULL;
	}
	tb_stmt_finalize(st);
	return arr;
}
