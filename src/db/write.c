/* write.c — single-record writes wrapped in a transaction with one event.
 * Bulk writes (imports) use the same pieces: tb_event_next_seq, a
 * tb_writer, then one tb_event_append. */
#include "db/write.h"

#include "db/event.h"

#include <string.h>

int tb_event_next_seq(tb_db *db, int64_t *seq, tb_err *e)
{
	int64_t last = 0;
	int rc = tb_db_int64(db, "SELECT coalesce(max(seq),0) FROM tb_event", &last, e);
	*seq = last + 1;
	return rc;
}

static const char *key_of(const tb_resource *r, const json_t *props, char *buf, size_t n,
			  int64_t fid)
{
	const char *k = r->key ? json_string_value(json_object_get(props, r->key)) : NULL;
	if (k) return k;
	snprintf(buf, n, "%lld", (long long)fid);
	return buf;
}

static void add_parcel(const tb_resource *r, const json_t *props, json_t *parcels)
{
	if (!r->parcel_key) return;
	json_t *v = json_object_get(props, r->parcel_key);
	if (json_is_string(v)) json_array_append(parcels, v);
}

/* A copy of props without private fields (password hashes never enter the
 * append-only log). */
static json_t *public_props(const tb_resource *r, const json_t *props)
{
	json_t *o = json_deep_copy(props);
	for (int i = 0; i < r->nfields; i++)
		if (r->fields[i].flags & TB_PRIVATE) json_object_del(o, r->fields[i].name);
	return o;
}

/* The fields whose values differ between old and new (private ones named
 * in "changed" only). */
static json_t *diff(const tb_resource *r, const json_t *old, const json_t *now)
{
	json_t *before = json_object(), *after = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)now, k, v)
	{
		if (!strcmp(k, "version") || !strcmp(k, "updated_at") || !strcmp(k, "created_at")) continue;
		json_t *o = json_object_get(old, k);
		if (o && json_equal(o, v)) continue;
		if (!o && json_is_null(v)) continue;
		const tb_field *f = tb_resource_field(r, k);
		if (f && f->flags & TB_PRIVATE) {
			json_object_set_new(before, k, json_string("(private)"));
			json_object_set_new(after, k, json_string("(changed)"));
			continue;
		}
		json_object_set(before, k, o ? o : json_null());
		json_object_set(after, k, v);
	}
	return json_pack("{s:o,s:o}", "before", before, "after", after);
}

/* Widen the layer's extent in gpkg_contents to take in a written geometry,
 * so clients (QGIS, OGC collections) never see a stale box. */
static int widen_extent(tb_db *db, const tb_resource *r, const GEOSGeometry *g, tb_err *e)
{
	if (!r->geom || !g || GEOSisEmpty_r(tb_geos(), g)) return 0;
	double x0, y0, x1, y1;
	GEOSGeom_getXMin_r(tb_geos(), g, &x0);
	GEOSGeom_getYMin_r(tb_geos(), g, &y0);
	GEOSGeom_getXMax_r(tb_geos(), g, &x1);
	GEOSGeom_getYMax_r(tb_geos(), g, &y1);
	static const char *sql =
		"UPDATE gpkg_contents SET min_x=min(coalesce(min_x,?1),?1), min_y=min(coalesce(min_y,?2),?2),"
		" max_x=max(coalesce(max_x,?3),?3), max_y=max(coalesce(max_y,?4),?4),"
		" last_change=strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name=?5";
	tb_stmt *st = tb_db_stmt(db, sql, e);
	if (!st) return TB_EDB;
	tb_bind_double(st, 1, x0);
	tb_bind_double(st, 2, y0);
	tb_bind_double(st, 3, x1);
	tb_bind_double(st, 4, y1);
	tb_bind_text(st, 5, r->name);
	int rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "gpkg_contents");
	tb_stmt_reset(st);
	return rc;
}

/* props: the record as written; its scope field (town) is indexed with the
 * event so that a town sees the events of its own records only. */
static int finish(tb_db *db, const tb_actor *who, const char *action, const tb_resource *r,
		  const char *id, const json_t *props, tb_write_ctx *cx, json_t *payload, tb_err *e)
{
	if (cx->cause) json_object_set_new(payload, "cause", json_string(cx->cause));
	const char *town = r->scope ? json_string_value(json_object_get(props, r->scope)) : NULL;
	tb_event_in ev = {.actor = who->login, .role = who->role, .action = action,
			  .entity = r->name, .entity_id = id, .parcels = cx->parcels,
			  .town = town, .payload = payload};
	int64_t seq = 0;
	int rc = tb_event_append(db, &ev, &seq, e);
	if (!rc && seq != cx->seq)
		rc = tb_err_set(e, TB_EINTERNAL, NULL, NULL, "event sequence moved during a write");
	if (!rc) rc = tb_db_commit(db, e);
	return rc;
}

int tb_write_create(tb_db *db, const tb_actor *who, const tb_resource *r, tb_record *rec,
		    const char *cause, void *user, tb_err *e)
{
	tb_write_ctx cx = {.actor = who, .parcels = json_array(), .cause = cause, .user = user};
	tb_writer *w = NULL;
	json_t *payload = NULL;
	int rc = tb_db_begin(db, e);
	if (rc) goto out;
	rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc && !(w = tb_writer_new(db, r, &cx, e))) rc = e->code ? e->code : TB_EDB;
	if (!rc) rc = tb_writer_insert(w, rec, NULL, e);
	if (!rc) rc = widen_extent(db, r, rec->geom, e);
	if (!rc) {
		add_parcel(r, rec->props, cx.parcels);
		char action[96], buf[32];
		snprintf(action, sizeof action, "%s.create", r->name);
		payload = json_pack("{s:o}", "after", public_props(r, rec->props));
		rc = finish(db, who, action, r, key_of(r, rec->props, buf, sizeof buf, rec->fid), rec->props,
			    &cx, payload, e);
	}
out:
	tb_writer_free(w);
	if (rc) tb_db_rollback(db);
	json_decref(payload);
	json_decref(cx.parcels);
	return rc;
}

int tb_write_update(tb_db *db, const tb_actor *who, const tb_resource *r, tb_record *rec,
		    int64_t expected, const char *cause, void *user, tb_err *e)
{
	tb_write_ctx cx = {.actor = who, .parcels = json_array(), .cause = cause, .user = user};
	json_t *old = NULL, *payload = NULL;
	int rc = tb_db_begin(db, e);
	if (!rc) rc = tb_record_get(db, r, rec->fid, &old, NULL, e);
	if (!rc) rc = tb_event_next_seq(db, &cx.seq, e);
	if (!rc) rc = tb_record_update(db, r, rec, expected, &cx, e);
	if (!rc) rc = widen_extent(db, r, rec->geom, e);
	if (!rc) {
		add_parcel(r, old, cx.parcels);
		add_parcel(r, rec->props, cx.parcels);
		char action[96], buf[32];
		snprintf(action, sizeof action, "%s.update", r->name);
		payload = diff(r, old, rec->props);
		rc = finish(db, who, action, r, key_of(r, rec->props, buf, sizeof buf, rec->fid), rec->props,
			    &cx, payload, e);
	}
	if (rc) tb_db_rollback(db);
	json_decref(old);
	json_decref(payload);
	json_decref(cx.parcels);
	return rc;
}
