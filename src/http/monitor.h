/* monitor.h — HTTP handlers of monitoring and early warning (§3.1.3, §3.3.3). */
#ifndef TB_HTTP_MONITOR_H
#define TB_HTTP_MONITOR_H

#include "http/router.h"

#endif
