/* csv.c — RFC 4180 reader (see csv.h).  A row's fields point into one
 * scratch buffer that is reused for the next row. */
#include "base/csv.h"

#include "base/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void tb_csv_init(tb_csv *c, const char *text, size_t len)
{
	memset(c, 0, sizeof *c);
	c->p = text;
	c->end = text + len;
	/* skip a UTF-8 byte-order mark */
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) c->p += 3;
}

void tb_csv_free(tb_csv *c)
{
	if (c->header) {
		for (size_t i = 0; i < c->nheader; i++) free(c->header[i]);
		free(c->header);
	}
	free(c->fields);
	free(c->scratch);
	memset(c, 0, sizeof *c);
}

static int push_field(tb_csv *c, size_t off)
{
	if (c->nfields == c->cap) {
		size_t n = c->cap ? c->cap * 2 : 16;
		char **f = realloc(c->fields, n * sizeof *f);
		if (!f) return TB_ENOMEM;
		c->fields = f;
		c->cap = n;
	}
	c->fields[c->nfields++] = (char *)(uintptr_t)off; /* fixed up below */
	return 0;
}

int tb_csv_next(tb_csv *c)
{
	/* skip blank lines */
	while (c->p < c->end && (*c->p == '\n' || *c->p == '\r')) {
		if (*c->p == '\n') c->line++;
		c->p++;
	}
	if (c->p >= c->end) return 0;
	c->line++;
	size_t need = (size_t)(c->end - c->p) + 1;
	if (need > c->scap) {
		char *s = realloc(c->scratch, need);
		if (!s) return TB_ENOMEM;
		c->scratch = s;
		c->scap = need;
	}
	c->nfields = 0;
	size_t o = 0;
	int rc = push_field(c, 0);
	while (!rc) {
		if (c->p < c->end && *c->p == '"') {
			c->p++;
			for (;;) {
				if (c->p >= c->end) return TB_EINPUT; /* unterminated quote */
				if (*c->p == '"') {
					if (c->p + 1 < c->end && c->p[1] == '"') {
						c->scratch[o++] = '"';
						c->p += 2;
						continue;
					}
					c->p++;
					break;
				}
				if (*c->p == '\n') c->line++;
				c->scratch[o++] = *c->p++;
			}
		}
		while (c->p < c->end && *c->p != ',' && *c->p != '\n' && *c->p != '\r')
			c->scratch[o++] = *c->p++;
		c->scratch[o++] = 0;
		if (c->p < c->end && *c->p == ',') {
			c->p++;
			rc = push_field(c, o);
			continue;
		}
		if (c->p < c->end && *c->p == '\r') c->p++;
		if (c->p < c->end && *c->p == '\n') c->p++;
		break;
	}
	if (rc) return rc;
	for (size_t i = 0; i < c->nfields; i++)
		c->fields[i] = c->scratch + (uintptr_t)c->fields[i];
	return 1;
}

int tb_csv_read_header(tb_csv *c)
{
	int rc = tb_csv_next(c);
	if (rc <= 0) return rc ? rc : TB_EINPUT;
	c->header = calloc(c->nfields, sizeof *c->header);
	if (!c->header) return TB_ENOMEM;
	c->nheader = c->nfields;
	for (size_t i = 0; i < c->nfields; i++) {
		c->header[i] = strdup(c->fields[i]);
		if (!c->header[i]) return TB_ENOMEM;
	}
	return 1;
}

const char *tb_csv_get(const tb_csv *c, const char *column)
{
	for (size_t i = 0; i < c->nheader && i < c->nfields; i++)
		if (!strcmp(c->header[i], column)) return c->fields[i];
	return NULL;
}
