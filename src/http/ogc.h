/* ogc.h — OGC API – Features Part 1 (Core, GeoJSON) at /ogc: landing page,
 * conformance, collections (every spatial registry resource; later layers
 * join by description), items with bbox, limit/offset and next links,
 * property filters, single features; GeoJSON in lon/lat (RFC 7946);
 * jurisdiction applied as in the JSON API.  GDAL's OAPIF driver and QGIS
 * read it. */
#ifndef TB_HTTP_OGC_H
#define TB_HTTP_OGC_H

#include "http/http.h"

int tb_ogc_landing(tb_req *req, tb_resp *resp);
int tb_ogc_conformance(tb_req *req, tb_resp *resp);
int tb_ogc_api(tb_req *req, tb_resp *resp);
int tb_ogc_collections(tb_req *req, tb_resp *resp);
int tb_ogc_collection(tb_req *req, tb_resp *resp);
int tb_ogc_items(tb_req *req, tb_resp *resp);
int tb_ogc_item(tb_req *req, tb_resp *resp);

#endif
