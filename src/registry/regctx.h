/* regctx.h — what the registry's checks need to know about the district,
 * loaded once per write session: the outline, the key zones, the codes of
 * towns, villages and units, and the 地类 rules. */
#ifndef TB_REGISTRY_REGCTX_H
#define TB_REGISTRY_REGCTX_H

#include "registry/registry.h"

typedef struct di_lei_rule {
	char di_lei[16];
	double min, max;
} di_lei_rule;

typedef struct class_rule {
	char prefix[16];
	char cls[8];
} class_rule;

struct tb_registry_ctx {
	GEOSGeometry *outline;        /* district outline buffered by the tolerance */
	const GEOSPreparedGeometry *outline_p;
	char district_name[128];
	char district_code[32];
	double tolerance_m;
	double overlap_ha;
	GEOSGeometry *zones;          /* union of key zones, or NULL */
	const GEOSPreparedGeometry *zones_p;
	json_t *towns;                /* code → name               */
	json_t *villages;             /* code → town code          */
	json_t *units;                /* code → kind               */
	di_lei_rule *dl;
	int ndl;
	class_rule *cr;
	int ncr;
};

/* Reload the zones after they changed. */
int tb_registry_ctx_reload_zones(tb_db *db, tb_registry_ctx *cx, tb_err *e);
/* The registry context of a write: cx->user if set, else a new one that the
 * caller must free (*owned = true). */
tb_registry_ctx *tb_registry_ctx_of(tb_db *db, void *write_ctx, bool *owned, tb_err *e);

#endif
