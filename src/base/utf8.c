/* utf8.c — strict UTF-8 validation, following RFC 3629's table of
 * well-formed byte sequences. */
#include "base/utf8.h"

#include <string.h>

bool tb_utf8_valid(const char *str, size_t n, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		size_t len;
		unsigned lo = 0x80, hi = 0xBF; /* range of the second byte */
		if (c < 0x80) { i++; continue; }
		else if (c >= 0xC2 && c <= 0xDF) len = 2;
		else if (c == 0xE0) { len = 3; lo = 0xA0; }
		else if (c >= 0xE1 && c <= 0xEC) len = 3;
		else if (c == 0xED) { len = 3; hi = 0x9F; }
		else if (c >= 0xEE && c <= 0xEF) len = 3;
		else if (c == 0xF0) { len = 4; lo = 0x90; }
		else if (c >= 0xF1 && c <= 0xF3) len = 4;
		else if (c == 0xF4) { len = 4; hi = 0x8F; }
		else goto fail;
		if (i + len > n) goto fail;
		if (s[i + 1] < lo || s[i + 1] > hi) goto fail;
		for (size_t k = 2; k < len; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF) goto fail;
		i += len;
	}
	return true;
fail:
	if (bad) *bad = i;
	return false;
}

size_t tb_utf8_len(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80) n++;
	return n;
}

size_t tb_utf8_escape(const char *s, size_t n, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, o = 0, escaped = 0;
	if (!size) return 0;
	while (i < n && o + 1 < size) {
		size_t bad = n - i;
		bool ok = tb_utf8_valid(s + i, n - i, &bad);
		size_t run = ok ? n - i : bad;
		/* the valid run, cut at a whole character if out is full */
		size_t room = size - 1 - o, take = run < room ? run : room;
		while (take < run && take > 0 && ((unsigned char)s[i + take] & 0xC0) == 0x80) take--;
		memcpy(out + o, s + i, take);
		o += take;
		i += take;
		if (take < run || ok) break;
		if (o + 4 >= size) break;
		unsigned char c = (unsigned char)s[i++];
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
		escaped++;
	}
	out[o] = 0;
	return escaped;
}
