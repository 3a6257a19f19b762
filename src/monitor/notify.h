/* notify.h — notifications (通知) to towns, rangers and the bureau with the
 * controls against alert fatigue of §3.1.3's warning system (a dedup window
 * and a per-recipient rate limit, thresholds in alerts.json).  Below alerts,
 * fire and pests: each of them sends through tb_notify or tb_notify_towns;
 * this header includes nothing of theirs. */
#ifndef TB_MONITOR_NOTIFY_H
#define TB_MONITOR_NOTIFY_H

#include "db/write.h"

#include <stdbool.h>

/* A notification to a recipient ("town" + town code, "ranger" + ranger
 * code, "bureau"): kind ("fire_danger", "pest", "alert"), level 1–5, text in
 * Chinese and English, a reference ("alerts/12", "fire/2026-04-02/station").
 * Suppressed (returns 0, *sent = false) when the same kind+ref reached the
 * recipient within the dedup window or the recipient's rate limit is spent. */
int tb_notify(tb_db *db, const tb_actor *who, const char *recipient_kind, const char *recipient,
	      const char *kind, int level, const char *text_zh, const char *text_en, const char *ref,
	      bool *sent, tb_err *e);

/* How many notifications of kind+ref (kind NULL: of any kind) reached the
 * recipient since an ISO 8601 time (for senders that remind on their own
 * schedule, e.g. overdue cases every N days). */
int64_t tb_notify_sent_since(tb_db *db, const char *recipient_kind, const char *recipient, const char *kind,
			     const char *ref, const char *since);

/* A warning to each town of `towns` (comma-separated) and to the active
 * rangers of that town's grids on `date` (tb_notify each).  Counts go into
 * *sent / *suppressed / *failed; the first failure's message into err
 * (size n).  Used by the fire-danger and pest warnings. */
void tb_notify_towns(tb_db *db, const tb_actor *who, const char *towns, const char *kind,
		     int level, const char *text_zh, const char *text_en, const char *ref,
		     const char *date, int *sent, int *suppressed, int *failed, char *err,
		     size_t n);

/* The fatigue thresholds: alerts.json (district.json "alerts") keys
 * notify_dedup_hours (6), notify_rate_per_hour (10) and rate_exempt_level
 * (5); a district setting "alert_<key>" overrides each. */
typedef struct tb_notify_config {
	double dedup_hours;   /* same recipient+kind+ref: suppressed      */
	double rate_per_hour; /* per recipient, per rolling hour          */
	int rate_exempt_level; /* this level and above pass the rate limit */
} tb_notify_config;
void tb_notify_config_load(tb_db *db, tb_notify_config *c);

/* Notifications a caller sees, newest first: role admin/bureau/leader/
 * department all; town those of its towns; ranger his own.  {items, unread}. */
json_t *tb_notifications_for(tb_db *db, const char *role, const char *towns, const char *ranger,
			     int limit, tb_err *e);
/* Mark one read (visible to the caller as above, else TB_ENOTFOUND). */
int tb_notification_read(tb_db *db, const tb_actor *who, const char *towns, const char *ranger,
			 int64_t id, json_t **out, tb_err *e);

extern const tb_resource tb_notifications;   /* 通知 sent to towns, rangers, the bureau */
extern const tb_resource tb_notify_counters; /* suppressed notifications per recipient */

#endif
