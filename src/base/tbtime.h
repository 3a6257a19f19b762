/* tbtime.h — UTC time.  Everything tianbao stores is UTC, written as
 * ISO 8601 with milliseconds and a Z ("2026-11-29T05:13:52.123Z").
 * TIANBAO_NOW (ISO 8601) fixes the clock, for reproducible tests. */
#ifndef TB_BASE_TBTIME_H
#define TB_BASE_TBTIME_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch, UTC. */
int64_t tb_time_now_ms(void);
/* Write now as ISO 8601 UTC into out (≥ 25 bytes). */
void tb_time_now_iso(char out[32]);
void tb_time_format_iso(int64_t ms, char out[32]);
/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" with "Z" or ±HH:MM
 * (no zone = UTC).  Returns false on a malformed or impossible date. */
bool tb_time_parse_iso(const char *s, int64_t *ms);
/* Days since epoch for a civil date, and back (proleptic Gregorian). */
int64_t tb_days_from_civil(int y, unsigned m, unsigned d);
void tb_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

#endif
