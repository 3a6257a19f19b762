/* cases.h (http) — handlers of the public reporting line and of cases
 * (§3.5); the routes are in routes_cases.inc. */
#ifndef TB_HTTP_CASES_H
#define TB_HTTP_CASES_H

#include "http/http.h"

int tb_api_report_challenge(tb_req *req, tb_resp *resp);
int tb_api_report_public(tb_req *req, tb_resp *resp);
int tb_api_report_staff(tb_req *req, tb_resp *resp);
int tb_api_report_status(tb_req *req, tb_resp *resp);
int tb_api_report_page(tb_req *req, tb_resp *resp);
int tb_api_report_contact(tb_req *req, tb_resp *resp);
int tb_api_report_verify(tb_req *req, tb_resp *resp);
int tb_api_report_reject(tb_req *req, tb_resp *resp);
int tb_api_report_close(tb_req *req, tb_resp *resp);
int tb_api_case_open(tb_req *req, tb_resp *resp);
int tb_api_case_act(tb_req *req, tb_resp *resp);
int tb_api_case_get(tb_req *req, tb_resp *resp);
int tb_api_case_timeline(tb_req *req, tb_resp *resp);
int tb_api_case_overdue(tb_req *req, tb_resp *resp);
int tb_api_case_overdue_notify(tb_req *req, tb_resp *resp);
int tb_api_departure_audit(tb_req *req, tb_resp *resp);
int tb_api_cases_summary(tb_req *req, tb_resp *resp);

#endif
