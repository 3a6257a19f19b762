/* alert.h — alerts and their closed loop (§3.1.3): raised by satellite change
 * detection, cameras, drones, other systems or the fire/pest warnings; merged
 * when duplicate by place and time; assigned to the ranger of the grid for
 * field verification; verified (confirmed / false alarm, photo, note);
 * closed.  Confirmed loss of natural forest goes into the area ledger.
 * Notifications to towns and rangers with a dedup window and a per-recipient
 * rate limit (alert fatigue).  Thresholds: data/jizhou/alerts.json. */
#ifndef TB_MONITOR_ALERT_H
#define TB_MONITOR_ALERT_H

#include "db/write.h"

#include <geos_c.h>
#include <stdbool.h>

typedef struct tb_alert_in {
	const char *source;      /* "satellite", "camera", "drone", "system", "fire", "pest", … */
	const char *type;        /* "forest_loss", "fire", "smoke", "intrusion", "pest", …   */
	const char *observed_at; /* ISO 8601 UTC                                                */
	const GEOSGeometry *geom; /* point or (multi)polygon in EPSG:4490 lon/lat              */
	double confidence;       /* 0 … 1                                                       */
	const char *media;       /* attachment SHA-256 or URL, may be NULL                      */
	const char *note;        /* may be NULL                                                 */
	const char *external_id; /* the sender's id, may be NULL                                */
} tb_alert_in;

/* Raise an alert, or merge it into an open alert of the same type within
 * the dedup distance and time window (*merged = true, *id = that alert).
 * One transaction and one event.  Errors name the field. */
int tb_alert_raise(tb_db *db, const tb_actor *who, const tb_alert_in *in, int64_t *id,
		   bool *merged, tb_err *e);

/* A notification to a recipient ("town" + town code, "ranger" + ranger
 * code, "bureau"): kind ("fire_danger", "pest", "alert"), level 1–5, text in
 * Chinese and English, a reference ("alerts/12", "fire/2026-04-02/station").
 * Suppressed (returns 0, *sent = false) when the same kind+ref reached the
 * recipient within the dedup window or the recipient's rate limit is spent. */
int tb_notify(tb_db *db, const tb_actor *who, const char *recipient_kind, const char *recipient,
	      const char *kind, int level, const char *text_zh, const char *text_en, const char *ref,
	      bool *sent, tb_err *e);

#endif
