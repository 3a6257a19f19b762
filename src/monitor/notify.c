/* notify.c — notifications (通知) to towns, rangers and the bureau, with the
 * controls against alert fatigue of §3.1.3's warning system: the same
 * kind and reference reach a recipient once per dedup window, and each
 * recipient gets at most notify_rate_per_hour in any rolling hour (levels
 * from rate_exempt_level up, e.g. an extreme fire danger, pass the rate
 * limit but not the dedup).  A suppressed notification is not lost: it is
 * counted per recipient in notify_counters, with its reason, in one event.
 * Alerts (alert.c), fire danger (fire.c) and pests (pest.c) send through
 * here; nothing here calls them. */
#include "monitor/notify.h"

#include "base/json.h"
#include "base/list.h"
#include "base/tbtime.h"
#include "duty/duty.h"
#include "monitor/config.h"
#include "monitor/monitor.h"
#include "registry/registry.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- configuration ------------------------------------------------------------- */

void tb_notify_config_load(tb_db *db, tb_notify_config *c)
{
	*c = (tb_notify_config){.dedup_hours = 6, .rate_per_hour = 10, .rate_exempt_level = 5};
	json_t *j = tb_monitor_config_opt("alerts");
	static const struct {
		const char *key;
		size_t off;
	} nums[] = {
		{"notify_dedup_hours", offsetof(tb_notify_config, dedup_hours)},
		{"notify_rate_per_hour", offsetof(tb_notify_config, rate_per_hour)},
	};
	for (int i = 0; i < N(nums); i++) {
		double *p = (double *)((char *)c + nums[i].off);
		json_t *v = json_object_get(j, nums[i].key);
		if (json_is_number(v)) *p = json_number_value(v);
		char key[64];
		snprintf(key, sizeof key, "alert_%s", nums[i].key);
		*p = tb_setting_num(db, key, *p);
	}
	json_t *v = json_object_get(j, "rate_exempt_level");
	if (json_is_integer(v)) c->rate_exempt_level = (int)json_integer_value(v);
	c->rate_exempt_level = (int)tb_setting_num(db, "alert_rate_exempt_level", c->rate_exempt_level);
	json_decref(j);
}

/* ---- records --------------------------------------------------------------------- */

static int notification_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e)
{
	(void)db;
	return tb_monitor_keep_computed(r, rec, ctx, e);
}

static const tb_field notification_fields[] = {
	{"recipient_kind", TB_F_CODE, TB_REQUIRED, "接收方类型", "Recipient kind", .codes = "notify_recipient"},
	{"recipient", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "接收方", "Recipient"},
	{"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
	{"kind", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "通知类别", "Kind", .max_len = 64},
	{"level", TB_F_INT, TB_REQUIRED | TB_RANGE, "级别", "Level", .min = 1, .max = 5},
	{"text_zh", TB_F_TEXT, TB_REQUIRED, "内容", "Text (Chinese)", .max_len = 2000},
	{"text_en", TB_F_TEXT, 0, "内容（英文）", "Text (English)", .max_len = 2000},
	{"ref", TB_F_TEXT, TB_INDEXED, "关联", "Reference", .max_len = 200},
	{"sent_at", TB_F_TIME, TB_COMPUTED | TB_INDEXED, "发送时间", "Sent"},
	{"read_at", TB_F_TIME, TB_COMPUTED, "已读时间", "Read"},
};
const tb_resource tb_notifications = {
	.name = "notifications", .label_zh = "通知", .label_en = "Notifications", .clause = "3.1.3",
	.fields = notification_fields, .nfields = N(notification_fields), .scope = "town_code",
	.before_write = notification_before_write,
};

static const tb_field counter_fields[] = {
	{"recipient_kind", TB_F_CODE, TB_REQUIRED, "接收方类型", "Recipient kind", .codes = "notify_recipient"},
	{"recipient", TB_F_TEXT, TB_REQUIRED | TB_INDEXED, "接收方", "Recipient"},
	{"town_code", TB_F_TEXT, TB_INDEXED, "乡镇", "Town"},
	{"suppressed_dedup", TB_F_INT, 0, "重复抑制数", "Suppressed as duplicates"},
	{"suppressed_rate", TB_F_INT, 0, "限流抑制数", "Suppressed by the rate limit"},
	{"last_kind", TB_F_TEXT, 0, "最近抑制类别", "Last suppressed kind"},
	{"last_ref", TB_F_TEXT, 0, "最近抑制关联", "Last suppressed reference"},
	{"last_at", TB_F_TIME, 0, "最近抑制时间", "Last suppressed"},
};
const tb_resource tb_notify_counters = {
	.name = "notify_counters", .label_zh = "通知抑制计数", .label_en = "Suppressed notifications",
	.clause = "3.1.3", .fields = counter_fields, .nfields = N(counter_fields), .scope = "town_code",
};

/* The town a recipient belongs to (for jurisdiction), or an error naming
 * the recipient. */
static int recipient_town(tb_db *db, const char *kind, const char *who, char town[32], tb_err *e)
{
	town[0] = 0;
	if (!strcmp(kind, "bureau")) return 0;
	int rc;
	if (!strcmp(kind, "town")) {
		tb_division_info d;
		rc = tb_registry_division(db, who, &d, e);
		if (!rc && strcmp(d.level, "town")) rc = TB_ENOTFOUND;
		if (!rc) snprintf(town, 32, "%s", who);
	} else {
		tb_ranger_info r;
		rc = tb_duty_ranger(db, who, &r, e);
		if (!rc) snprintf(town, 32, "%s", r.town);
	}
	if (rc == TB_ENOTFOUND) rc = tb_err_set(e, TB_EINPUT, who, "recipient", "no %s with code '%s'", kind, who);
	return rc;
}

/* Notifications the recipient got since `since` (of this kind and ref when
 * kind is not NULL). */
static int64_t sent_since(tb_db *db, const char *rkind, const char *rcpt, const char *kind, const char *ref,
			  const char *since)
{
	tb_stmt *st;
	int64_t n = 0;
	if (tb_db_prepare(db, "SELECT count(*) FROM notifications WHERE recipient_kind=?1 AND recipient=?2"
				      " AND sent_at>=?3 AND (?4 IS NULL OR (kind=?4 AND coalesce(ref,'')=coalesce(?5,'')))", &st, NULL) != 0)
		return 0;
	tb_bind_text(st, 1, rkind);
	tb_bind_text(st, 2, rcpt);
	tb_bind_text(st, 3, since);
	if (kind) tb_bind_text(st, 4, kind);
	if (ref) tb_bind_text(st, 5, ref);
	if (tb_stmt_step(st) == TB_ROW) n = tb_col_int64(st, 0);
	tb_stmt_finalize(st);
	return n;
}

int64_t tb_notify_sent_since(tb_db *db, const char *recipient_kind, const char *recipient, const char *kind,
			     const char *ref, const char *since)
{
	return sent_since(db, recipient_kind, recipient, kind, ref, since);
}

/* Count a suppressed notification for its recipient (one event). */
static int count_suppressed(tb_db *db, const tb_actor *who, const char *rkind, const char *rcpt, const char *town,
			    const char *kind, const char *ref, const char *reason, const char *now, tb_err *e)
{
	tb_stmt *st;
	int rc = tb_db_prepare(db, "SELECT fid, suppressed_dedup, suppressed_rate FROM notify_counters"
				   " WHERE recipient_kind=? AND recipient=?", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, rkind);
	tb_bind_text(st, 2, rcpt);
	int64_t fid = 0, dd = 0, rr = 0;
	if (tb_stmt_step(st) == TB_ROW)
		fid = tb_col_int64(st, 0), dd = tb_col_int64(st, 1), rr = tb_col_int64(st, 2);
	tb_stmt_finalize(st);
	bool dedup = !strcmp(reason, "dedup");
	json_t *p = json_pack("{s:I,s:I,s:s,s:s}", "suppressed_dedup", (json_int_t)(dd + dedup), "suppressed_rate",
			      (json_int_t)(rr + !dedup), "last_kind", kind, "last_at", now);
	json_object_set_new(p, "last_ref", ref ? json_string(ref) : json_null());
	char cause[64];
	snprintf(cause, sizeof cause, "notification suppressed (%s)", reason);
	tb_record rec = {.props = p, .fid = fid, .name = "notification counter"};
	if (fid) rc = tb_write_update(db, who, &tb_notify_counters, &rec, 0, cause, NULL, e);
	else {
		json_object_set_new(p, "recipient_kind", json_string(rkind));
		json_object_set_new(p, "recipient", json_string(rcpt));
		if (town && *town) json_object_set_new(p, "town_code", json_string(town));
		rc = tb_write_create(db, who, &tb_notify_counters, &rec, cause, NULL, e);
	}
	json_decref(p);
	return rc;
}

int tb_notify(tb_db *db, const tb_actor *who, const char *recipient_kind, const char *recipient,
	      const char *kind, int level, const char *text_zh, const char *text_en, const char *ref,
	      bool *sent, tb_err *e)
{
	*sent = false;
	const char *rk = recipient_kind ? recipient_kind : "";
	if (strcmp(rk, "town") && strcmp(rk, "ranger") && strcmp(rk, "bureau"))
		return tb_err_set(e, TB_EINPUT, "notification", "recipient_kind", "recipient kind must be town, ranger or bureau");
	const char *rcpt = !strcmp(rk, "bureau") && (!recipient || !*recipient) ? "bureau" : recipient;
	if (!rcpt || !*rcpt) return tb_err_set(e, TB_EINPUT, "notification", "recipient", "no recipient");
	if (!kind || !*kind) return tb_err_set(e, TB_EINPUT, "notification", "kind", "no kind");
	if (level < 1 || level > 5) return tb_err_set(e, TB_EINPUT, "notification", "level", "level must be 1 to 5");
	if (!text_zh || !*text_zh) return tb_err_set(e, TB_EINPUT, "notification", "text_zh", "no text");
	tb_notify_config c;
	tb_notify_config_load(db, &c);
	char town[32], now[32], dedup_from[32], hour_ago[32];
	int64_t t = tb_time_now_ms();
	tb_time_format_iso(t, now);
	tb_time_format_iso(t - (int64_t)(c.dedup_hours * 3600000), dedup_from);
	tb_time_format_iso(t - 3600000, hour_ago);
	int rc = tb_db_begin(db, e); /* the counts and the write together */
	if (!rc) rc = recipient_town(db, rk, rcpt, town, e);
	const char *reason = NULL;
	if (!rc && sent_since(db, rk, rcpt, kind, ref, dedup_from)) reason = "dedup";
	else if (!rc && level < c.rate_exempt_level && sent_since(db, rk, rcpt, NULL, NULL, hour_ago) >= c.rate_per_hour)
		reason = "rate";
	if (!rc && reason) rc = count_suppressed(db, who, rk, rcpt, town, kind, ref, reason, now, e);
	else if (!rc) {
		json_t *p = json_pack("{s:s,s:s,s:s,s:i,s:s}", "recipient_kind", rk, "recipient", rcpt, "kind", kind, "level",
				      level, "text_zh", text_zh);
		if (town[0]) json_object_set_new(p, "town_code", json_string(town));
		if (text_en && *text_en) json_object_set_new(p, "text_en", json_string(text_en));
		if (ref && *ref) json_object_set_new(p, "ref", json_string(ref));
		json_t *set = json_pack("{s:s}", "sent_at", now);
		tb_record rec = {.props = p, .name = "notification"};
		rc = tb_write_create(db, who, &tb_notifications, &rec, NULL, set, e);
		*sent = rc == 0;
		json_decref(set);
		json_decref(p);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) {
		tb_db_rollback(db);
		*sent = false;
	}
	return rc;
}

/* ---- warnings to towns and their rangers --------------------------------------------- */

static void notify_one(tb_db *db, const tb_actor *who, const char *kind_r, const char *to,
		       const char *kind, int level, const char *zh, const char *en, const char *ref,
		       int *sent, int *suppressed, int *failed, char *err, size_t n)
{
	bool ok = false;
	tb_err e = {0};
	if (tb_notify(db, who, kind_r, to, kind, level, zh, en, ref, &ok, &e)) {
		if (!*failed) snprintf(err, n, "%s", e.message);
		(*failed)++;
	} else if (ok)
		(*sent)++;
	else
		(*suppressed)++;
}

typedef struct warn_ctx {
	tb_db *db;
	const tb_actor *who;
	const char *kind, *text_zh, *text_en, *ref;
	int level, *sent, *suppressed, *failed;
	char *err;
	size_t n;
} warn_ctx;

static int warn_ranger(void *ctx, const char *ranger)
{
	warn_ctx *w = ctx;
	notify_one(w->db, w->who, "ranger", ranger, w->kind, w->level, w->text_zh, w->text_en, w->ref,
		   w->sent, w->suppressed, w->failed, w->err, w->n);
	return 0;
}

void tb_notify_towns(tb_db *db, const tb_actor *who, const char *towns, const char *kind,
		     int level, const char *text_zh, const char *text_en, const char *ref,
		     const char *date, int *sent, int *suppressed, int *failed, char *err,
		     size_t n)
{
	char list[512];
	snprintf(list, sizeof list, "%s", towns ? towns : "");
	warn_ctx w = {.db = db, .who = who, .kind = kind, .level = level, .text_zh = text_zh,
		      .text_en = text_en, .ref = ref, .sent = sent, .suppressed = suppressed,
		      .failed = failed, .err = err, .n = n};
	char town[64];
	for (const char *cur = list; tb_list_next_copy(&cur, town, sizeof town);) {
		notify_one(db, who, "town", town, kind, level, text_zh, text_en, ref, sent,
			   suppressed, failed, err, n);
		tb_err e = {0};
		tb_duty_town_rangers(db, town, date, warn_ranger, &w, &e);
	}
}

/* ---- reading ------------------------------------------------------------------------- */

static bool sees_all(const char *role)
{
	return !strcmp(role, "admin") || !strcmp(role, "bureau") || !strcmp(role, "leader") || !strcmp(role, "department");
}

/* The condition on notifications n for a caller: ?1 towns, ?2 ranger. */
static const char *visible_sql(const char *role)
{
	if (sees_all(role)) return "1";
	if (!strcmp(role, "town"))
		return "n.recipient_kind<>'bureau' AND instr(',' || ?1 || ',', ',' || n.town_code || ',') > 0";
	if (!strcmp(role, "ranger")) return "n.recipient_kind='ranger' AND n.recipient=?2";
	return "0";
}

json_t *tb_notifications_for(tb_db *db, const char *role, const char *towns, const char *ranger, int limit, tb_err *e)
{
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT n.fid, n.recipient_kind, n.recipient, n.town_code, n.kind, n.level, n.text_zh,"
		 " n.text_en, n.ref, n.sent_at, n.read_at, n.created_at FROM notifications n WHERE %s ORDER BY n.fid DESC LIMIT ?3",
		 visible_sql(role ? role : ""));
	tb_stmt *st;
	if (tb_db_prepare(db, sql, &st, e)) return NULL;
	tb_bind_text(st, 1, towns ? towns : "");
	tb_bind_text(st, 2, ranger ? ranger : "");
	tb_bind_int(st, 3, limit > 0 && limit <= 1000 ? limit : 50);
	json_t *items = json_array();
	int unread = 0;
	while (tb_stmt_step(st) == TB_ROW) {
		json_t *o = json_object();
		static const char *const cols[] = {"fid", "recipient_kind", "recipient", "town_code", "kind", "level",
						   "text_zh", "text_en", "ref", "sent_at", "read_at", "created_at"};
		for (int i = 0; i < N(cols); i++) {
			int type = tb_col_type(st, i);
			json_object_set_new(o, cols[i], type == TB_COL_NULL	   ? json_null()
							: type == TB_COL_INT ? json_integer(tb_col_int64(st, i))
										 : json_string(tb_col_text(st, i)));
		}
		unread += json_is_null(json_object_get(o, "read_at"));
		json_array_append_new(items, o);
	}
	tb_stmt_finalize(st);
	return json_pack("{s:o,s:i}", "items", items, "unread", unread);
}

int tb_notification_read(tb_db *db, const tb_actor *who, const char *towns, const char *ranger, int64_t id,
			 json_t **out, tb_err *e)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT n.read_at IS NULL FROM notifications n WHERE n.fid=?3 AND %s",
		 visible_sql(who->role ? who->role : ""));
	tb_stmt *st;
	int rc = tb_db_prepare(db, sql, &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, towns ? towns : "");
	tb_bind_text(st, 2, ranger ? ranger : "");
	tb_bind_int64(st, 3, id);
	int unread = tb_stmt_step(st) == TB_ROW ? tb_col_int(st, 0) : -1;
	tb_stmt_finalize(st);
	if (unread < 0) return tb_err_set(e, TB_ENOTFOUND, NULL, NULL, "notification %lld: no such record", (long long)id);
	json_t *p = json_object(), *set = json_object();
	char now[32];
	tb_time_now_iso(now);
	json_object_set_new(set, "read_at", json_string(now));
	tb_record rec = {.props = p, .fid = id, .name = "notification"};
	if (unread) rc = tb_write_update(db, who, &tb_notifications, &rec, 0, "read", set, e);
	if (rec.geom) GEOSGeom_destroy_r(tb_geos(), rec.geom);
	if (!rc && out) rc = tb_record_get(db, &tb_notifications, id, out, NULL, e);
	json_decref(p);
	json_decref(set);
	return rc;
}
