/* control.h — HTTP handlers of use control (§3.1.1, §3.2). */
#ifndef TB_HTTP_CONTROL_H
#define TB_HTTP_CONTROL_H

#include "http/router.h"

#endif
