/* demo.h — the Jizhou demo district: the synthetic features of demo_gen
 * written into a database created by tb_registry_init, in one transaction
 * with one event. */
#ifndef TB_REGISTRY_DEMO_H
#define TB_REGISTRY_DEMO_H

#include "registry/registry.h"

#include <stdint.h>

int tb_demo_load(tb_db *db, const tb_actor *who, uint64_t seed, tb_err *e);

#endif
