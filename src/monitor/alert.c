/* alert.c — placeholder, replaced by the part's implementation. */
#include "monitor/monitor.h"

const tb_resource *const tb_alert_resources[] = {NULL};

int tb_monitor_alerts_v1(tb_db *db, tb_err *e)
{
	(void)db;
	(void)e;
	return 0;
}

#include "monitor/alert.h"

int tb_alert_raise(tb_db *db, const tb_actor *who, const tb_alert_in *in, int64_t *id,
		   bool *merged, tb_err *e)
{
	(void)db, (void)who, (void)in, (void)id, (void)merged;
	return tb_err_set(e, TB_EINTERNAL, NULL, NULL, "alerts are not built yet");
}

int tb_notify(tb_db *db, const tb_actor *who, const char *recipient_kind, const char *recipient,
	      const char *kind, int level, const char *text_zh, const char *text_en, const char *ref,
	      bool *sent, tb_err *e)
{
	(void)db, (void)who, (void)recipient_kind, (void)recipient, (void)kind, (void)level;
	(void)text_zh, (void)text_en, (void)ref, (void)sent;
	return tb_err_set(e, TB_EINTERNAL, NULL, NULL, "notifications are not built yet");
}
