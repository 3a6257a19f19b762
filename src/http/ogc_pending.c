/* ogc_pending.c — placeholder answers (501) for the OGC API handlers until
 * ogc.c lands; removed then.  Keeps main buildable meanwhile. */
#include "http/ogc.h"

#define PENDING(name)                                                                              \
	int name(tb_req *req, tb_resp *resp)                                                       \
	{                                                                                          \
		(void)req;                                                                         \
		return tb_resp_error(resp, 501, "not_implemented", NULL, "OGC API is coming");    \
	}

PENDING(tb_ogc_landing)
PENDING(tb_ogc_conformance)
PENDING(tb_ogc_api)
PENDING(tb_ogc_collections)
PENDING(tb_ogc_collection)
PENDING(tb_ogc_items)
PENDING(tb_ogc_item)
