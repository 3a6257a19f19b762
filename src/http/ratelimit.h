/* ratelimit.h — request counters per (client address, rate class) in
 * fixed windows, for the router's limits (rate_read, rate_write,
 * rate_login, rate_public).  Thread-safe.
 *
 * A table of `slots` counters; an (address, class) may sit in any of
 * TB_RATELIMIT_WAYS slots from its hash, keyed with a random key of the
 * process so that no one can choose addresses that collide.  A newcomer
 * takes a free slot or one of an earlier window, else evicts the way with
 * the lowest count: the counter of an address that is busy now is never
 * the one reset (a plain table that overwrote on collision let two
 * colliding addresses reset each other's counts, so neither was limited). */
#ifndef TB_HTTP_RATELIMIT_H
#define TB_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TB_RATELIMIT_SLOTS 4096
#define TB_RATELIMIT_WAYS 8

typedef struct tb_ratelimit tb_ratelimit;

/* slots ≥ TB_RATELIMIT_WAYS; NULL when out of memory. */
tb_ratelimit *tb_ratelimit_new(unsigned slots);
void tb_ratelimit_free(tb_ratelimit *rl);
/* Count one request of (ip, cls) in `window` (e.g. minutes since the epoch);
 * true while the window's count is ≤ limit. */
bool tb_ratelimit_hit(tb_ratelimit *rl, const char *ip, int cls, int64_t window, int limit);

/* What the per-address limits count by (rates, login failures, public
 * reports): an IPv4 address itself, an IPv6 one by its /64 — one
 * subscriber's network, inside which any address is the subscriber's to
 * choose ("2001:db8:1:2::/64").  Anything else is kept as it is. */
void tb_ratelimit_key(const char *ip, char *buf, size_t n);

#endif
