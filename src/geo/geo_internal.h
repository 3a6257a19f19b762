/* geo_internal.h — helpers shared by the files of src/geo/ only; nothing
 * outside this folder includes it.  Names carry the internal prefix tb__. */
#ifndef TB_GEO_GEO_INTERNAL_H
#define TB_GEO_GEO_INTERNAL_H

/* Forget the calling thread's last GEOS error, so that after a failing call
 * tb_geos_last_error() names that call's reason and not an older one. */
void tb__geos_clear_error(void);

/* tb_geos_last_error(), or `fallback` when GEOS left no message. */
const char *tb__geos_reason(const char *fallback);

#endif
