/* err.c — error details and capped error lists (see err.h). */
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy(char *dst, size_t size, const char *src)
{
	if (!src) src = "";
	snprintf(dst, size, "%s", src);
}

static int verr_set(tb_err *e, int code, const char *record, const char *field,
		    const char *fmt, va_list ap)
{
	if (!e) return code;
	e->code = code;
	copy(e->record, sizeof e->record, record);
	copy(e->field, sizeof e->field, field);
	vsnprintf(e->message, sizeof e->message, fmt, ap);
	return code;
}

int tb_err_set(tb_err *e, int code, const char *record, const char *field,
	       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verr_set(e, code, record, field, fmt, ap);
	va_end(ap);
	return code;
}

void tb_err_clear(tb_err *e)
{
	if (e) memset(e, 0, sizeof *e);
}

const char *tb_code_name(int code)
{
	switch (code) {
	case TB_OK: return "ok";
	case TB_EUSAGE: return "usage";
	case TB_EINPUT: return "bad_input";
	case TB_ENOTFOUND: return "not_found";
	case TB_ECONFLICT: return "conflict";
	case TB_EDENIED: return "denied";
	case TB_ETOOBIG: return "too_big";
	case TB_EIO: return "io";
	case TB_EDB: return "database";
	case TB_ENOMEM: return "no_memory";
	case TB_EBUSY: return "busy";
	default: return "internal";
	}
}

int tb_exit_code(int code)
{
	switch (code) {
	case TB_OK: return 0;
	case TB_EUSAGE: return 1;
	case TB_EINPUT:
	case TB_ENOTFOUND:
	case TB_ECONFLICT:
	case TB_ETOOBIG: return 2;
	default: return 3;
	}
}

void tb_err_format(const tb_err *e, char *buf, size_t size)
{
	if (!size) return;
	if (e->record[0] && e->field[0])
		snprintf(buf, size, "%s: %s: %s", e->record, e->field, e->message);
	else if (e->record[0])
		snprintf(buf, size, "%s: %s", e->record, e->message);
	else if (e->field[0])
		snprintf(buf, size, "%s: %s", e->field, e->message);
	else
		snprintf(buf, size, "%s", e->message);
}

void tb_errlist_init(tb_errlist *l, size_t max)
{
	memset(l, 0, sizeof *l);
	l->max = max ? max : 1000;
}

void tb_errlist_free(tb_errlist *l)
{
	free(l->items);
	memset(l, 0, sizeof *l);
}

int tb_errlist_add(tb_errlist *l, const tb_err *e)
{
	if (l->len >= l->max) {
		l->dropped++;
		return e->code;
	}
	if (l->len == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		if (ncap > l->max) ncap = l->max;
		tb_err *n = realloc(l->items, ncap * sizeof *n);
		if (!n) {
			l->dropped++;
			return e->code;
		}
		l->items = n;
		l->cap = ncap;
	}
	l->items[l->len++] = *e;
	return e->code;
}

int tb_errlist_addf(tb_errlist *l, int code, const char *record, const char *field,
		    const char *fmt, ...)
{
	tb_err e;
	va_list ap;
	va_start(ap, fmt);
	verr_set(&e, code, record, field, fmt, ap);
	va_end(ap);
	return tb_errlist_add(l, &e);
}

size_t tb_errlist_count(const tb_errlist *l)
{
	return l->len + l->dropped;
}
