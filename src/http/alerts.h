/* alerts.h — HTTP handlers (alerts; see src/monitor). */
#ifndef TB_HTTP_ALERTS_H
#define TB_HTTP_ALERTS_H

#include "http/router.h"

#endif
