/* api.h — handlers of the JSON API (/api/…).  Resource handlers are
 * generic: the route's `resource` names the described resource. */
#ifndef TB_HTTP_API_H
#define TB_HTTP_API_H

#include "http/http.h"

int tb_api_list(tb_req *req, tb_resp *resp);
int tb_api_get(tb_req *req, tb_resp *resp);
int tb_api_create(tb_req *req, tb_resp *resp);
int tb_api_update(tb_req *req, tb_resp *resp);
int tb_api_archive(tb_req *req, tb_resp *resp);
int tb_api_stats(tb_req *req, tb_resp *resp);
int tb_api_schema(tb_req *req, tb_resp *resp);
int tb_api_session_login(tb_req *req, tb_resp *resp);
int tb_api_session_logout(tb_req *req, tb_resp *resp);
int tb_api_session_get(tb_req *req, tb_resp *resp);
int tb_api_routes(tb_req *req, tb_resp *resp);
int tb_api_events(tb_req *req, tb_resp *resp);
int tb_api_config(tb_req *req, tb_resp *resp);
int tb_api_duty_check(tb_req *req, tb_resp *resp);
int tb_api_patrol_upload(tb_req *req, tb_resp *resp);
int tb_api_patrol_points(tb_req *req, tb_resp *resp);
int tb_api_patrol_summary(tb_req *req, tb_resp *resp);
int tb_api_import(tb_req *req, tb_resp *resp);
int tb_api_export(tb_req *req, tb_resp *resp);
int tb_api_attachment_put(tb_req *req, tb_resp *resp);
int tb_api_attachment_get(tb_req *req, tb_resp *resp);
/* Parse ?bbox=minlon,minlat,maxlon,maxlat; false after replying 400. */
bool tb_api_bbox(tb_req *req, double bbox[4], bool *have, tb_resp *resp);

#endif
