/* tiles.c — vector tiles for the one-map (see tiles.h).  A tile is the
 * records of a spatial resource whose R-tree envelope meets the tile's
 * buffered bounds, within the caller's jurisdiction, encoded by geo/mvt.c.
 * Encoded tiles are cached in memory under (layer, z, x, y, jurisdiction,
 * head of the event log): any write appends an event, so a cached tile can
 * never outlive the data it shows; the cache is bounded in bytes. */
#include "http/tiles.h"

#include "http/access.h"

#include "app/app.h"
#include "auth/auth.h"
#include "base/hash.h"
#include "db/event.h"
#include "geo/mvt.h"
#include "registry/registry.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_SETS 256
#define CACHE_WAYS 8
#define CACHE_BYTES ((size_t)64 << 20) /* encoded tiles kept in memory at most */
#define MAX_FEATURES 10000

/* An 8-way set-associative cache with least-recently-used eviction inside a
 * set and a byte budget over all sets. */
typedef struct slot {
	char key[200];
	unsigned char *data;
	size_t size;
	uint64_t used; /* tick of the last use; 0 = free */
} slot;

static slot cache[CACHE_SETS][CACHE_WAYS];
static size_t cache_bytes;
static uint64_t cache_tick;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned key_set(const char *k)
{
	uint64_t h = 1469598103934665603u;
	for (; *k; k++) h = (h ^ (unsigned char)*k) * 1099511628211u;
	h ^= h >> 33, h *= 0xff51afd7ed558ccdu, h ^= h >> 33; /* mix the high bits down */
	return (unsigned)(h % CACHE_SETS);
}

static void drop(slot *s)
{
	cache_bytes -= s->size;
	free(s->data);
	memset(s, 0, sizeof *s);
}

/* Evict the least recently used tiles anywhere until `need` more bytes fit. */
static void make_room(size_t need)
{
	while (cache_bytes + need > CACHE_BYTES) {
		slot *old = NULL;
		for (int i = 0; i < CACHE_SETS; i++)
			for (int w = 0; w < CACHE_WAYS; w++)
				if (cache[i][w].used && cache[i][w].size && (!old || cache[i][w].used < old->used))
					old = &cache[i][w];
		if (!old) break;
		drop(old);
	}
}

/* A copy of the cached tile (size 0 = cached empty), or NULL if absent. */
static unsigned char *cache_get(const char *key, size_t *size, bool *hit)
{
	unsigned char *copy = NULL;
	*hit = false;
	pthread_mutex_lock(&cache_lock);
	slot *set = cache[key_set(key)];
	for (int w = 0; w < CACHE_WAYS; w++) {
		slot *s = &set[w];
		if (!s->used || strcmp(s->key, key)) continue;
		*hit = true;
		*size = s->size;
		s->used = ++cache_tick;
		if (s->size && (copy = malloc(s->size))) memcpy(copy, s->data, s->size);
		else if (s->size) *hit = false; /* out of memory: rebuild */
		break;
	}
	pthread_mutex_unlock(&cache_lock);
	return copy;
}

static void cache_put(const char *key, const unsigned char *data, size_t size)
{
	if (size > CACHE_BYTES / 4) return; /* huge tiles are not kept */
	unsigned char *copy = size ? malloc(size) : NULL;
	if (size && !copy) return;
	if (size) memcpy(copy, data, size);
	pthread_mutex_lock(&cache_lock);
	slot *set = cache[key_set(key)], *victim = &set[0];
	for (int w = 0; w < CACHE_WAYS; w++) { /* the same key, a free way, or the LRU one */
		if (set[w].used && !strcmp(set[w].key, key)) {
			victim = &set[w];
			break;
		}
		if (!set[w].used || set[w].used < victim->used) victim = &set[w];
	}
	if (victim->used) drop(victim);
	make_room(size);
	snprintf(victim->key, sizeof victim->key, "%s", key);
	victim->data = copy;
	victim->size = size;
	victim->used = ++cache_tick;
	cache_bytes += size;
	pthread_mutex_unlock(&cache_lock);
}

static bool parse_zxy(tb_req *req, int *z, int *x, int *y)
{
	char *end;
	long zz = strtol(req->params[1], &end, 10);
	if (*end || zz < 0 || zz > 22) return false;
	long xx = strtol(req->params[2], &end, 10);
	if (*end) return false;
	long yy = strtol(req->params[3], &end, 10);
	if (*end && strcmp(end, ".mvt") && strcmp(end, ".pbf")) return false;
	long n = 1L << zz;
	if (xx < 0 || yy < 0 || xx >= n || yy >= n) return false;
	*z = (int)zz, *x = (int)xx, *y = (int)yy;
	return true;
}

/* Properties for the tile: everything public except bookkeeping. */
static json_t *tile_props(json_t *p)
{
	static const char *drop[] = {"fid", "version", "created_at", "updated_at", NULL};
	for (int i = 0; drop[i]; i++) json_object_del(p, drop[i]);
	return p;
}

static int build(tb_req *req, const tb_resource *r, int z, int x, int y, tb_access *acc,
		 unsigned char **out, size_t *size, tb_err *e)
{
	double b[4];
	tb_mvt_bounds(z, x, y, TB_MVT_EXTENT, TB_MVT_BUFFER, &b[0], &b[1], &b[2], &b[3]);
	tb_query q = {.bbox = b, .limit = MAX_FEATURES, .with_geom = true};
	tb_rows rows;
	int rc = tb_access_query(acc, &q, e);
	if (!rc) rc = tb_record_list(req->db, r, &q, &rows, e);
	if (rc) return rc;
	tb_mvt *t = tb_mvt_new(z, x, y, TB_MVT_EXTENT, TB_MVT_BUFFER);
	rc = t ? tb_mvt_layer(t, r->name) : TB_ENOMEM;
	for (size_t i = 0; !rc && i < rows.n; i++) {
		if (!rows.geoms[i]) continue;
		json_t *p = json_array_get(rows.items, i);
		uint64_t id = (uint64_t)json_integer_value(json_object_get(p, "fid"));
		rc = tb_mvt_add(t, rows.geoms[i], id, tile_props(p), e) < 0 ? e->code : 0;
	}
	*out = NULL;
	*size = 0;
	if (!rc && tb_mvt_count(t) && !(*out = tb_mvt_finish(t, size)))
		rc = tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory encoding the tile");
	tb_mvt_free(t);
	tb_rows_free(&rows);
	return rc;
}

int tb_tiles_get(tb_req *req, tb_resp *resp)
{
	const tb_resource *r = tb_app_resource(req->params[0]);
	int z, x, y;
	if (!r || !r->geom) return tb_resp_error(resp, 404, "not_found", "layer", "no such tile layer '%s'", req->params[0]);
	if (!parse_zxy(req, &z, &x, &y)) return tb_resp_error(resp, 404, "not_found", NULL, "no such tile");
	int64_t head = 0;
	tb_err e = {0};
	if (tb_event_head(req->db, &head, &e)) return tb_resp_err(resp, &e);
	tb_access acc;
	tb_access_of(req, r, &acc);
	char reach[400], scope_hash[TB_SHA256_HEX];
	tb_access_key(&acc, reach, sizeof reach);
	tb_sha256_hex(reach, strlen(reach), scope_hash);
	char key[200], tag[96];
	snprintf(key, sizeof key, "%s/%d/%d/%d/%.16s/%lld", r->name, z, x, y, scope_hash, (long long)head);
	snprintf(tag, sizeof tag, "\"t%lld-%.16s\"", (long long)head, scope_hash);
	tb_resp_header(resp, "ETag", tag);
	tb_resp_header(resp, "Cache-Control", "private, max-age=60");
	const char *inm = tb_req_header(req, "If-None-Match");
	if (inm && !strcmp(inm, tag)) {
		tb_access_free(&acc);
		resp->status = 304;
		return 304;
	}
	bool hit;
	size_t size = 0;
	unsigned char *data = cache_get(key, &size, &hit);
	int rc = 0;
	if (!hit) {
		rc = build(req, r, z, x, y, &acc, &data, &size, &e);
		if (!rc) cache_put(key, data, size);
	}
	tb_access_free(&acc);
	if (rc) {
		free(data); /* a tile half built */
		return tb_resp_err(resp, &e);
	}
	if (!size) {
		free(data);
		resp->status = 204;
		return 204;
	}
	resp->status = 200;
	resp->content_type = "application/vnd.mapbox-vector-tile";
	resp->static_data = data;
	resp->static_len = size;
	resp->free_static = free;
	return 200;
}
