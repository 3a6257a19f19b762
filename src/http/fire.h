/* fire.h — HTTP handlers (fire; see src/monitor). */
#ifndef TB_HTTP_FIRE_H
#define TB_HTTP_FIRE_H

#include "http/router.h"

#endif
