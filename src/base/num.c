/* num.c — checked conversions of text to numbers (see num.h). */
#include "base/num.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

static bool only_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
	return !*s;
}

bool tb_num_double(const char *s, double *v)
{
	if (!s || only_blanks(s)) return false;
	char *end;
	errno = 0;
	double d = strtod(s, &end);
	if (errno || end == s || !only_blanks(end) || !isfinite(d)) return false;
	*v = d;
	return true;
}

bool tb_num_long(const char *s, long lo, long hi, long *v)
{
	if (!s || only_blanks(s)) return false;
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || end == s || !only_blanks(end) || n < lo || n > hi) return false;
	*v = n;
	return true;
}
