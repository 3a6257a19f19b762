/* json.c — canonical JSON and a bounded parser (see json.h). */
#include "base/json.h"

#include <stdlib.h>
#include <string.h>

char *tb_json_canonical(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
				     JSON_REAL_PRECISION(17));
}

int tb_json_depth(const char *s, size_t n)
{
	int depth = 0, max = 0;
	int in_str = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (in_str) {
			if (c == '\\') i++;
			else if (c == '"') in_str = 0;
			continue;
		}
		if (c == '"') in_str = 1;
		else if (c == '[' || c == '{') {
			if (++depth > max) max = depth;
		} else if (c == ']' || c == '}')
			depth--;
	}
	return max;
}

json_t *tb_json_parse(const char *text, size_t len, tb_err *e)
{
	if (tb_json_depth(text, len) > TB_JSON_MAX_DEPTH) {
		tb_err_set(e, TB_EINPUT, NULL, NULL, "JSON nested deeper than %d levels",
			   TB_JSON_MAX_DEPTH);
		return NULL;
	}
	json_error_t je;
	json_t *v = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
	if (!v)
		tb_err_set(e, TB_EINPUT, NULL, NULL,
			   "malformed JSON at line %d, column %d (byte %d): %s", je.line,
			   je.column, je.position, je.text);
	return v;
}

const char *tb_json_str(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

double tb_json_num(const json_t *obj, const char *key, double dflt)
{
	json_t *v = json_object_get(obj, key);
	return json_is_number(v) ? json_number_value(v) : dflt;
}
