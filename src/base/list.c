/* list.c — comma-separated lists (see list.h). */
#include "base/list.h"

#include <stdio.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

bool tb_list_next(const char **cur, const char **item, size_t *len)
{
	const char *s = *cur;
	while (s && *s) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		const char *next = c ? c + 1 : s + n;
		while (n && blank(*s)) s++, n--;
		while (n && blank(s[n - 1])) n--;
		if (n) {
			*item = s, *len = n, *cur = next;
			return true;
		}
		s = next;
	}
	*cur = s;
	return false;
}

bool tb_list_next_copy(const char **cur, char *buf, size_t size)
{
	const char *item;
	size_t len;
	if (!tb_list_next(cur, &item, &len)) return false;
	snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), item);
	return true;
}

bool tb_list_has(const char *list, const char *item)
{
	size_t want = item ? strlen(item) : 0;
	if (!want) return false;
	const char *it;
	size_t len;
	for (const char *cur = list; tb_list_next(&cur, &it, &len);)
		if (len == want && !memcmp(it, item, len)) return true;
	return false;
}
