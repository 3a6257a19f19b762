/* fire.h — HTTP handlers of fire danger and pests (§3.1.3; see
 * src/monitor/fire.h and pest.h): the weather bureau's push, the danger
 * map of a day and the pest status. */
#ifndef TB_HTTP_FIRE_H
#define TB_HTTP_FIRE_H

#include "http/router.h"

int tb_api_weather_push(tb_req *req, tb_resp *resp);
int tb_api_fire_danger(tb_req *req, tb_resp *resp);
int tb_api_pest_status(tb_req *req, tb_resp *resp);
int tb_api_pest_record_create(tb_req *req, tb_resp *resp);
int tb_api_pest_notify(tb_req *req, tb_resp *resp);

#endif
