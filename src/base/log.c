/* log.c — one line per message on stderr: "UTC-time level message". */
#include "base/log.h"

#include "base/tbtime.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int level = -1;

static int env_level(void)
{
	const char *v = getenv("TIANBAO_LOG");
	if (!v) return TB_LOG_WARN;
	if (!strcmp(v, "error")) return TB_LOG_ERROR;
	if (!strcmp(v, "info")) return TB_LOG_INFO;
	if (!strcmp(v, "debug")) return TB_LOG_DEBUG;
	return TB_LOG_WARN;
}

void tb_log_set_level(int l) { level = l; }

int tb_log_level(void)
{
	if (level < 0) level = env_level();
	return level;
}

void tb_log(int l, const char *fmt, ...)
{
	static const char *names[] = {"error", "warn", "info", "debug"};
	if (l > tb_log_level()) return;
	char ts[32], line[2048];
	tb_time_now_iso(ts);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s %s\n", ts, names[l], line);
}
