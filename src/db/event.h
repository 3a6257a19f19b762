/* event.h — the event log (DESIGN.md §5): the archive, the accountability
 * record and the audit trail of tianbao.
 *
 * Every write appends exactly one event in the same transaction as the
 * change.  Each event carries a hash chain link:
 *     hash = SHA-256(prev_hash_bytes ‖ canonical event text)
 * where the canonical text is the compact, key-sorted JSON object
 * {"action","actor","entity","entity_id","parcels","payload","role","seq","time"}.
 * Triggers refuse UPDATE and DELETE on the log; tb_event_verify re-walks the
 * chain and names the first broken link, so edits made with the triggers
 * dropped are found too. */
#ifndef TB_DB_EVENT_H
#define TB_DB_EVENT_H

#include "db/db.h"

#include <jansson.h>

typedef struct tb_event_in {
	const char *actor;     /* login of the user or "system"               */
	const char *role;      /* role the actor acted in                     */
	const char *action;    /* "parcel.create", "import", "demo", …        */
	const char *entity;    /* resource name ("parcels"), may be NULL      */
	const char *entity_id; /* key of the record, may be NULL              */
	const json_t *parcels; /* array of parcel codes touched; borrowed     */
	const char *town;      /* the town a record without parcels belongs
	                        * to (its resource's scope field), or NULL;
	                        * indexed so a town sees only its own      */
	const json_t *payload; /* any JSON; borrowed; NULL = {}               */
} tb_event_in;

/* Create the log tables and their append-only triggers (idempotent). */
int tb_event_init(tb_db *db, tb_err *e);
/* Append one event; must be inside a transaction.  *seq (if not NULL)
 * receives the new sequence number. */
int tb_event_append(tb_db *db, const tb_event_in *ev, int64_t *seq, tb_err *e);

typedef struct tb_verify_result {
	int64_t checked;   /* events whose link was checked            */
	int64_t first_bad; /* seq of the first broken event, 0 if none */
	char reason[256];  /* why it is broken                         */
	char head[65];     /* hash of the last event (hex)             */
} tb_verify_result;

/* Walk the whole chain.  Returns 0 when the walk ran (check
 * r->first_bad), or an error when the log could not be read. */
int tb_event_verify(tb_db *db, tb_verify_result *r, tb_err *e);

/* The events touching one parcel code (its archive, 档案), oldest first, as
 * a JSON array of event objects.  New reference. */
json_t *tb_event_archive(tb_db *db, const char *parcel_code, tb_err *e);
/* The newest `limit` events as a JSON array, newest first. */
json_t *tb_event_recent(tb_db *db, int limit, tb_err *e);
/* The same, of events meeting an SQL condition on the event (alias e) in
 * which ?1 is `param` — for feature modules that know what an event touches. */
json_t *tb_event_recent_where(tb_db *db, int limit, const char *cond, const char *param, tb_err *e);
/* The newest events a set of towns (comma-separated codes) may see: those
 * that concern the towns alone — they touch parcels or belong to a town
 * (tb_event_in.town), parcel_cond holds for every parcel they touch (an SQL
 * condition on the touched parcel's code p.parcel, in which ?1 is `towns`:
 * the feature that owns the parcels writes it), and their town is one of the
 * towns.  Events of no parcel and no town are the district's. */
json_t *tb_event_recent_towns(tb_db *db, int limit, const char *towns, const char *parcel_cond, tb_err *e);
/* The newest event logged before an ISO 8601 time (the log is in time
 * order), 0 when none. */
int tb_event_seq_before(tb_db *db, const char *iso, int64_t *seq, tb_err *e);
/* The sequence number of the newest event, 0 for an empty log. */
int tb_event_head(tb_db *db, int64_t *seq, tb_err *e);

#endif
