/* alert.h — alerts and their closed loop (§3.1.3): raised by satellite change
 * detection, cameras, drones, other systems or the fire/pest warnings; merged
 * when duplicate by place and time; assigned to the ranger of the grid for
 * field verification; verified (confirmed / false alarm, photo, note);
 * closed.  Confirmed loss of natural forest is cut out of the natural parcels
 * of the registry, whose parcel hook writes the area ledger (§2).
 * Notifications to towns and rangers with a dedup window and a per-recipient
 * rate limit (alert fatigue) are notify.h's (included here for the callers
 * of both).  Thresholds: data/jizhou/alerts.json (each can be overridden by a
 * district setting "alert_<name>"). */
#ifndef TB_MONITOR_ALERT_H
#define TB_MONITOR_ALERT_H

#include "db/write.h"
#include "monitor/notify.h"

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

/* The same, with auto-assignment off when may_assign is false (the demo
 * keeps some alerts new). */
int tb_alert_raise_opt(tb_db *db, const tb_actor *who, const tb_alert_in *in, bool may_assign, int64_t *id,
		       bool *merged, tb_err *e);

/* ---- beyond the contract ------------------------------------------------------ */

extern const tb_resource tb_alerts;          /* 告警 with their lifecycle fields        */

/* Thresholds (alerts.json, settings "alert_<name>" override; the
 * notification thresholds of the same file are tb_notify_config's). */
typedef struct tb_alert_config {
	double dedup_distance_m;     /* open alert of the same type this near … */
	double dedup_window_hours;   /* … and this close in time: merged         */
	double future_tolerance_min; /* observed_at may lie this far ahead       */
	double district_tolerance_m; /* geometry this far outside the outline ok */
	bool auto_assign;            /* new alerts go to the grid's ranger       */
} tb_alert_config;
void tb_alert_config_load(tb_db *db, tb_alert_config *c);

/* A geometry from GeoJSON geometry JSON (Point, Polygon, MultiPolygon), in
 * lon/lat.  New geometry (caller destroys) or NULL and *e naming "geometry". */
GEOSGeometry *tb_alert_geom_from_json(const json_t *geometry, tb_err *e);

/* What a lifecycle action carries (unused members NULL / NAN). */
typedef struct tb_alert_action {
	const char *ranger;  /* assign: a ranger code; NULL = the active ranger of the grid */
	const char *result;  /* verify: "confirmed" or "false_alarm"                         */
	const char *note;    /* verify, close: required                                      */
	const char *photo;   /* verify: attachment SHA-256; required when confirmed          */
	double loss_ha;      /* verify: natural forest lost; NAN = computed (forest_loss)    */
	                     /* must match the natural forest inside the lost area          */
	const char *scope;   /* towns the actor may act in (comma-separated); NULL = all     */
	/* verify: the area lost, a GeoJSON Polygon/MultiPolygon in lon/lat (EPSG:4490),
	 * borrowed; NULL = the alert's own polygon.  Needed for a loss on a point alert. */
	const json_t *loss_geometry;
} tb_alert_action;

/* The lifecycle (a state machine, see the table in alert.c):
 *   assign  new → assigned            admin, bureau, town (auto on raise)
 *   verify  assigned → verified       the assigned ranger, admin, bureau, town
 *   close   verified → closed         admin, bureau, town
 *   close   new → closed (false alarm) admin, bureau
 * Anything else: TB_ECONFLICT naming "status".  Wrong role or a record
 * outside the scope: TB_EDENIED.  Each action is one transaction with one
 * event ("alerts.assign" …); *out (if not NULL) gets the record. */
int tb_alert_assign(tb_db *db, const tb_actor *who, int64_t id, const tb_alert_action *a,
		    json_t **out, tb_err *e);
/* verify, result confirmed: the lost area (loss_geometry, else the alert's
 * polygon when loss_ha > 0 or a forest_loss alert without loss_ha) is cut
 * out of the natural parcels in the same transaction and event
 * (tb_registry_remove_natural); loss_ha stored = the hectares cut.  A loss
 * on a point alert without loss_geometry, loss_ha above (or short of) the
 * natural forest inside the area, or a lost area touching no natural
 * parcel: TB_EINPUT naming loss_ha / loss_geometry, nothing changed. */
int tb_alert_verify(tb_db *db, const tb_actor *who, int64_t id, const tb_alert_action *a,
		    json_t **out, tb_err *e);
int tb_alert_close(tb_db *db, const tb_actor *who, int64_t id, const tb_alert_action *a,
		   json_t **out, tb_err *e);
/* The fid of an alert named by its code ("AL-20261129-0003") or fid. */
int tb_alert_find(tb_db *db, const char *code_or_id, int64_t *id, tb_err *e);

/* The open alerts assigned to a ranger, newest first, each with "geometry"
 * (GeoJSON) and "lon"/"lat" (a point on it) for the phone page. */
json_t *tb_alert_mine(tb_db *db, const char *ranger, tb_err *e);
/* Counts by status and the confirmed loss (ha) within towns (NULL = all) or
 * of one ranger (ranger not NULL).  New reference. */
json_t *tb_alert_counts(tb_db *db, const char *towns, const char *ranger, tb_err *e);

#endif
