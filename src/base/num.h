/* num.h — numbers from text, checked: the whole string must be the number
 * (blanks around it allowed), within range.  The replacements for atoi,
 * atol and atof, which cannot report garbage or overflow (scripts/checksrc
 * bans them). */
#ifndef TB_BASE_NUM_H
#define TB_BASE_NUM_H

#include <stdbool.h>

/* A finite decimal number ("0.6", " 12 ", "-1e3"); false for NULL, empty,
 * trailing garbage, NaN, infinity or overflow (*v untouched then). */
bool tb_num_double(const char *s, double *v);
/* A base-10 integer in [lo, hi]; false otherwise (*v untouched then). */
bool tb_num_long(const char *s, long lo, long hi, long *v);

#endif
