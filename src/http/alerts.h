/* alerts.h — HTTP handlers of the monitoring sites and the alert loop
 * (§3.1.3, §3.3.3; see src/monitor and docs/monitoring.md). */
#ifndef TB_HTTP_ALERTS_H
#define TB_HTTP_ALERTS_H

#include "http/router.h"

int tb_api_alerts_list(tb_req *req, tb_resp *resp);      /* GET  /api/alerts                 */
int tb_api_alerts_get(tb_req *req, tb_resp *resp);       /* GET  /api/alerts/{id}            */
int tb_api_alerts_push(tb_req *req, tb_resp *resp);      /* POST /api/alerts (GeoJSON)       */
int tb_api_alerts_assign(tb_req *req, tb_resp *resp);    /* POST /api/alerts/{id}/assign     */
int tb_api_alerts_verify(tb_req *req, tb_resp *resp);    /* POST /api/alerts/{id}/verify     */
int tb_api_alerts_close(tb_req *req, tb_resp *resp);     /* POST /api/alerts/{id}/close      */
int tb_api_alerts_mine(tb_req *req, tb_resp *resp);      /* GET  /api/alerts/mine            */
int tb_api_notifications(tb_req *req, tb_resp *resp);    /* GET  /api/notifications          */
int tb_api_notification_read(tb_req *req, tb_resp *resp); /* POST /api/notifications/{id}/read */
int tb_api_monitor_summary(tb_req *req, tb_resp *resp);  /* GET  /api/monitor/summary        */
int tb_api_survey_indicators(tb_req *req, tb_resp *resp); /* GET /api/plot_surveys/{id}/indicators */

#endif
