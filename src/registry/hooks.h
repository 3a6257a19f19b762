/* hooks.h — behaviour attached to the registry's descriptions: derived
 * fields (area, 天然林 flag, restoration class, key-zone area), spatial checks
 * (validity, inside the district, overlaps) and the area ledger. */
#ifndef TB_REGISTRY_HOOKS_H
#define TB_REGISTRY_HOOKS_H

#include "db/resource.h"

int tb_parcel_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);
int tb_parcel_after_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);
int tb_zone_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);
int tb_zone_after_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);
int tb_division_before_write(tb_db *db, const tb_resource *r, tb_record *rec, void *ctx, tb_err *e);

#endif
