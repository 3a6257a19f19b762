/* write.h — the one way records are written: a transaction, the change, and
 * exactly one event in the log, committed together or not at all
 * (DESIGN.md §5).  Hooks of the resource see a tb_write_ctx that carries the
 * sequence number the event will get, so derived rows (the area ledger) can
 * point at the event that caused them. */
#ifndef TB_DB_WRITE_H
#define TB_DB_WRITE_H

#include "db/resource.h"

typedef struct tb_actor {
	const char *login; /* user login, or "system"            */
	const char *role;  /* admin, bureau, town, …             */
} tb_actor;

typedef struct tb_write_ctx {
	int64_t seq;           /* seq of the event of this write      */
	const tb_actor *actor;
	json_t *parcels;       /* parcel codes touched; hooks add to it */
	const char *cause;     /* why (import file, user note …)      */
	void *user;            /* the feature module's own context    */
} tb_write_ctx;

/* The sequence number the next event will get (inside a transaction). */
int tb_event_next_seq(tb_db *db, int64_t *seq, tb_err *e);
/* Create one record: rec->props (borrowed, normalised in place), rec->geom
 * (ownership stays with the caller).  On success rec->fid is set and the
 * event "<resource>.create" logged. */
int tb_write_create(tb_db *db, const tb_actor *who, const tb_resource *r, tb_record *rec,
		    const char *cause, void *user, tb_err *e);
/* Update one record by rec->fid with a patch (see tb_record_update);
 * logs "<resource>.update" with the changed values before and after. */
int tb_write_update(tb_db *db, const tb_actor *who, const tb_resource *r, tb_record *rec,
		    int64_t expected_version, const char *cause, void *user, tb_err *e);

#endif
