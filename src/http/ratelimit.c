/* ratelimit.c — see ratelimit.h. */
#include "http/ratelimit.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rl_slot {
	char ip[48];
	int cls;
	int64_t window; /* 0: never used (windows count from the epoch) */
	int count;
} rl_slot;

struct tb_ratelimit {
	pthread_mutex_t lock;
	unsigned key, nslots;
	rl_slot slots[];
};

tb_ratelimit *tb_ratelimit_new(unsigned slots)
{
	if (slots < TB_RATELIMIT_WAYS) slots = TB_RATELIMIT_WAYS;
	tb_ratelimit *rl = calloc(1, sizeof *rl + slots * sizeof(rl_slot));
	if (!rl) return NULL;
	rl->nslots = slots;
	rl->key = randombytes_random();
	pthread_mutex_init(&rl->lock, NULL);
	return rl;
}

void tb_ratelimit_free(tb_ratelimit *rl)
{
	if (!rl) return;
	pthread_mutex_destroy(&rl->lock);
	free(rl);
}

static unsigned hash(unsigned key, const char *s, int cls)
{
	unsigned h = (2166136261u ^ key) ^ (unsigned)cls; /* FNV-1a, keyed */
	for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
	return h ^ (h >> 15);
}

/* The slot of (ip, cls) in this window: its own, or one taken for it. */
static rl_slot *find(tb_ratelimit *rl, const char *ip, int cls, int64_t window)
{
	unsigned h = hash(rl->key, ip, cls);
	rl_slot *take = NULL;
	for (unsigned k = 0; k < TB_RATELIMIT_WAYS; k++) {
		rl_slot *s = &rl->slots[(h + k) % rl->nslots];
		if (s->window == window && s->cls == cls && !strcmp(s->ip, ip)) return s;
		if (s->window != window) { /* free, or of an earlier window: take the first */
			if (!take || take->window == window) take = s;
		} else if (take && take->window == window && s->count < take->count)
			take = s; /* all busy now: the least busy */
		else if (!take)
			take = s;
	}
	snprintf(take->ip, sizeof take->ip, "%s", ip);
	take->cls = cls;
	take->window = window;
	take->count = 0;
	return take;
}

bool tb_ratelimit_hit(tb_ratelimit *rl, const char *ip, int cls, int64_t window, int limit)
{
	pthread_mutex_lock(&rl->lock);
	rl_slot *s = find(rl, ip, cls, window);
	if (s->count < limit + 1) s->count++; /* no overflow however long the flood */
	bool ok = s->count <= limit;
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

void tb_ratelimit_key(const char *ip, char *buf, size_t n)
{
	struct in6_addr a;
	if (!strchr(ip, ':') || inet_pton(AF_INET6, ip, &a) != 1) {
		snprintf(buf, n, "%s", ip);
		return;
	}
	memset(a.s6_addr + 8, 0, 8);
	char txt[INET6_ADDRSTRLEN];
	inet_ntop(AF_INET6, &a, txt, sizeof txt);
	snprintf(buf, n, "%s/64", txt);
}
