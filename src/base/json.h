/* json.h — JSON helpers over jansson: canonical text (sorted keys, compact,
 * UTF-8 kept) used for hashing events, and a parser with a nesting limit and
 * an error that names the position. */
#ifndef TB_BASE_JSON_H
#define TB_BASE_JSON_H

#include "base/err.h"

#include <jansson.h>

#define TB_JSON_MAX_DEPTH 32

/* Canonical text of v; caller frees with free().  NULL on failure. */
char *tb_json_canonical(const json_t *v);
/* Parse text (len bytes) into a new reference.  Refuses invalid UTF-8,
 * nesting deeper than TB_JSON_MAX_DEPTH and trailing garbage, with a message
 * naming line, column and byte position.  Returns NULL and sets *e. */
json_t *tb_json_parse(const char *text, size_t len, tb_err *e);
/* Nesting depth of a text, counting [ and { outside strings. */
int tb_json_depth(const char *text, size_t len);
/* Convenience getters: NULL / default when missing or of another type. */
const char *tb_json_str(const json_t *obj, const char *key);
double tb_json_num(const json_t *obj, const char *key, double dflt);

#endif
