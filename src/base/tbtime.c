/* tbtime.c — UTC clock, ISO 8601 formatting and parsing.  The civil-date
 * conversions are Howard Hinnant's algorithms (public domain). */
#include "base/tbtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t tb_days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void tb_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

int64_t tb_time_now_ms(void)
{
	const char *fixed = getenv("TIANBAO_NOW");
	int64_t ms;
	if (fixed && tb_time_parse_iso(fixed, &ms)) return ms;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void tb_time_format_iso(int64_t ms, char out[32])
{
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	int64_t rem = ms - days * 86400000;
	int y;
	unsigned mo, d;
	tb_civil_from_days(days, &y, &mo, &d);
	char tmp[80]; /* roomy for any int year; ISO years fit in 32 */
	snprintf(tmp, sizeof tmp, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y, mo, d,
		 (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
		 (int)(rem % 1000));
	size_t n = strlen(tmp);
	if (n > 31) n = 31;
	memcpy(out, tmp, n);
	out[n] = 0;
}

void tb_time_now_iso(char out[32])
{
	tb_time_format_iso(tb_time_now_ms(), out);
}

static bool digits(const char *s, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9') return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

bool tb_time_parse_iso(const char *s, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
	if (!s || strlen(s) < 10 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d))
		return false;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return false;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100) || y % 400 == 0)) return false;
	const char *p = s + 10;
	int64_t off = 0;
	if (*p == 'T' || *p == ' ') {
		if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi)) return false;
		p += 6;
		if (*p == ':') {
			if (!digits(p + 1, 2, &sec)) return false;
			p += 3;
			if (*p == '.') {
				int n = 0, scale = 1000;
				p++;
				while (*p >= '0' && *p <= '9') {
					if (n < 3) { scale /= 10; frac += (*p - '0') * scale; }
					n++, p++;
				}
				if (!n) return false;
			}
		}
		if (h > 23 || mi > 59 || sec > 60) return false;
		if (*p == 'Z') p++;
		else if (*p == '+' || *p == '-') {
			int oh, om;
			if (!digits(p + 1, 2, &oh)) return false;
			const char *q = p + 3;
			if (*q == ':') q++;
			if (!digits(q, 2, &om) || oh > 23 || om > 59) return false;
			off = (int64_t)(oh * 60 + om) * 60000 * (*p == '+' ? 1 : -1);
			p = q + 2;
		}
	}
	if (*p) return false;
	*ms = tb_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400000 +
	      ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac - off;
	return true;
}
