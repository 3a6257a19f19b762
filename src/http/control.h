/* control.h — HTTP handlers of use control (§3.1.1, §3.2): the activity
 * check, geometry upload, applications and operation designs with their
 * workflow moves, and the dashboard summary.  The logic is in src/control. */
#ifndef TB_HTTP_CONTROL_H
#define TB_HTTP_CONTROL_H

#include "http/router.h"

int tb_api_control_check(tb_req *req, tb_resp *resp);
int tb_api_control_geometry(tb_req *req, tb_resp *resp);
int tb_api_control_summary(tb_req *req, tb_resp *resp);
int tb_api_application_create(tb_req *req, tb_resp *resp);
int tb_api_application_transition(tb_req *req, tb_resp *resp);
int tb_api_design_create(tb_req *req, tb_resp *resp);
int tb_api_design_transition(tb_req *req, tb_resp *resp);

#endif
