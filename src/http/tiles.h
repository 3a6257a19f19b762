/* tiles.h — Mapbox Vector Tiles at /tiles/{layer}/{z}/{x}/{y}.mvt, built
 * from the GeoPackage R-tree, cached per (layer, z, x, y, data version,
 * jurisdiction), with ETag; empty tiles are 204. */
#ifndef TB_HTTP_TILES_H
#define TB_HTTP_TILES_H

#include "http/http.h"

int tb_tiles_get(tb_req *req, tb_resp *resp);

#endif
