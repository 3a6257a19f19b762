/* demo_gen.h — the deterministic generator of the Jizhou demo district:
 * schematic town and village outlines (Voronoi cells of approximate seats,
 * clipped to the real district outline), synthetic natural-forest parcels
 * (小班) in the seven forest towns of plan §4.1, plantation parcels beside
 * them, key protection zones (重点区域, §3.1.1) and the village collectives
 * that own parcels.  It only builds features in memory; demo.c writes them
 * through the registry's resource descriptors.  Tunables live in
 * data/jizhou/demo.json, town seats in data/jizhou/town_seats.csv. */
#ifndef TB_REGISTRY_DEMO_GEN_H
#define TB_REGISTRY_DEMO_GEN_H

#include "base/err.h"

#include <geos_c.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One feature: attribute values keyed by the registry's field names, and a
 * valid EPSG:4490 lon/lat MultiPolygon on the thread's GEOS context. */
typedef struct tb_demo_feature {
	json_t *props;      /* owned */
	GEOSGeometry *geom; /* owned */
} tb_demo_feature;

typedef struct tb_demo_set {
	/* every town-level division of jizhou-divisions.csv (the 27 乡镇/街道
	 * and the development zone), schematic outlines tiling the district;
	 * props: code, name */
	tb_demo_feature *towns;
	size_t ntowns;
	/* every village; props: code, name, parent_code */
	tb_demo_feature *villages;
	size_t nvillages;
	/* natural parcels and plantations, by town, 林班 and 小班; props: the
	 * parcel fields (code xian xiang cun lin_ban xiao_ban di_lei qi_yuan
	 * you_shi_sz ling_zu yu_bi_du mei_gq_zs huo_lmgqxj sen_lin_lb lin_zhong
	 * bh_dj ld_qs gjgyl_bhdj unit_code; shrubland has no ling_zu, parcels
	 * not in 重点公益林 011 no gjgyl_bhdj) */
	tb_demo_feature *parcels;
	size_t nparcels;
	/* key protection zones; props: code, name, level, clause, note */
	tb_demo_feature *zones;
	size_t nzones;
	/* village collectives owning parcels, an array of unit objects
	 * {code "V-<village>", name, kind "village_collective", town_code,
	 * parent_code "T-<town>"}; owned */
	json_t *units;
} tb_demo_set;

/* Build the demo district into *out (zeroed first).  The same seed gives
 * the same features, byte for byte.  Natural parcels are shrunk together
 * until the sum of their areas, each rounded to 4 decimals, is
 * natural_target_ha (±0.005 ha).  Returns 0, or a tb_code with *e set (and
 * *out empty).  The caller frees *out with tb_demo_free. */
int tb_demo_generate(uint64_t seed, double natural_target_ha, tb_demo_set *out, tb_err *e);
/* Free everything in s and zero it; s may be empty or partly built. */
void tb_demo_free(tb_demo_set *s);

#endif
