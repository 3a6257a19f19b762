/* control.h — use control (用途管制, plan §3.1.1, §3.2): the rules of the
 * plan as data, activity checks against them with a map overlay of the
 * parcels and key zones, applications with their review workflow, operation
 * designs (作业设计) for tending, and the area-ledger entries of approved
 * losses. */
#ifndef TB_CONTROL_CONTROL_H
#define TB_CONTROL_CONTROL_H

#include "db/resource.h"
#include "db/schema.h"
#include "db/write.h"

extern const tb_resource *const tb_control_resources[]; /* NULL-terminated */
extern const tb_module tb_control_module;

#endif
