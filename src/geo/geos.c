/* geos.c — the calling thread's GEOS context.  GEOS's reentrant API needs a
 * context handle per thread; this file creates one lazily in thread-local
 * storage, keeps the last error GEOS reported (so callers can put GEOS's own
 * reason into a tb_err) and logs GEOS notices at debug level.  A pthread key
 * frees a thread's context when the thread exits (server worker threads);
 * the main thread calls tb_geos_finish itself. */
#include "geo/geo.h"
#include "geo/geo_internal.h"

#include "base/log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static _Thread_local GEOSContextHandle_t tl_ctx;
static _Thread_local char tl_error[512];
static pthread_key_t exit_key;
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;

/* Runs at thread exit with the context the thread still holds. */
static void finish_at_exit(void *ctx)
{
	GEOS_finish_r(ctx);
}

static void make_exit_key(void)
{
	if (pthread_key_create(&exit_key, finish_at_exit))
		tb_warn("GEOS: no thread-exit hook; contexts of exiting threads leak");
}

static void on_error(const char *msg, void *ud)
{
	(void)ud;
	snprintf(tl_error, sizeof tl_error, "%s", msg ? msg : "");
}

static void on_notice(const char *msg, void *ud)
{
	(void)ud;
	tb_debug("GEOS: %s", msg ? msg : "");
}

GEOSContextHandle_t tb_geos(void)
{
	if (tl_ctx) return tl_ctx;
	tl_ctx = GEOS_init_r();
	if (!tl_ctx) {
		/* Only an allocation failure gets here; nothing geometric can work. */
		tb_error("GEOS: cannot create a context (out of memory)");
		abort();
	}
	GEOSContext_setErrorMessageHandler_r(tl_ctx, on_error, NULL);
	GEOSContext_setNoticeMessageHandler_r(tl_ctx, on_notice, NULL);
	pthread_once(&exit_once, make_exit_key);
	pthread_setspecific(exit_key, tl_ctx);
	return tl_ctx;
}

const char *tb_geos_last_error(void)
{
	return tl_error;
}

void tb__geos_clear_error(void)
{
	tl_error[0] = '\0';
}

const char *tb__geos_reason(const char *fallback)
{
	return tl_error[0] ? tl_error : fallback;
}

void tb_geos_finish(void)
{
	if (!tl_ctx) return;
	pthread_setspecific(exit_key, NULL);
	GEOS_finish_r(tl_ctx);
	tl_ctx = NULL;
	tl_error[0] = '\0';
}
