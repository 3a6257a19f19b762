/* access.h — jurisdiction in one place (DESIGN.md §7; issue 11): whether
 * the caller of a request may see or change a record of a resource.  The
 * router has already admitted the caller's role to the route; every handler
 * that names a resource asks here which of its records he reaches, and
 * nothing else in http/ decides it.  The rules (docs/internals/access.md):
 *
 *   - admin, bureau, leader and department users reach every record;
 *   - town, unit and ranger users reach the records whose scope field (the
 *     resource's `scope`, a town code) is one of their scope's codes; a
 *     resource without a scope field is district-wide data;
 *   - a ranger user, on a resource with an `owner` field (an alert's
 *     ranger_code), reaches only the records naming his ranger record (the
 *     ranger whose login is his);
 *   - an attachment is reached only through a record the caller reaches
 *     that refers to it (a field flagged TB_ATTACHMENT);
 *   - the public reaches no scoped record (it has its own routes).
 * A record out of reach does not exist for the caller (404); a write that
 * would put a record out of reach is refused (403). */
#ifndef TB_HTTP_ACCESS_H
#define TB_HTTP_ACCESS_H

#include "http/http.h"

/* The part of one resource a request reaches. */
typedef struct tb_access {
	const tb_principal *who;
	const tb_resource *r;
	char *scope;           /* allowed values of r->scope; NULL = all  */
	bool by_owner;         /* limited to the records of one ranger     */
	char owner[64];        /* that ranger's code ("" = none: nothing)  */
	tb_filter filters[72]; /* a query's filters plus the owner's      */
} tb_access;

/* The caller's reach on r (r may be NULL: no restriction).  Free with
 * tb_access_free. */
void tb_access_of(const tb_req *req, const tb_resource *r, tb_access *a);
void tb_access_free(tb_access *a);
/* Restrict a list query to the reach: q->scope_in, and the owner filter
 * appended to q->filters (copied into a).  TB_ETOOBIG when too many. */
int tb_access_query(tb_access *a, tb_query *q, tb_err *e);
/* Whether the record with these props is within the reach. */
bool tb_access_allows(const tb_access *a, const json_t *props);
/* A key naming the reach (for caches): "*" when unrestricted. */
void tb_access_key(const tb_access *a, char *buf, size_t size);

/* ---- for handlers ("decide or reply") ---------------------------------- */
/* The record of path parameter `param` (an id) when the caller may see it,
 * with its geometry if geom is not NULL; otherwise NULL after replying 404
 * (or 400 for a bad id).  Caller decrefs. */
json_t *tb_access_get(tb_req *req, const tb_resource *r, int param, GEOSGeometry **geom,
                      tb_resp *resp);
/* Whether the caller may write a record with these props (its scope field
 * within his jurisdiction); false after replying 403 naming the field. */
bool tb_access_may_write(tb_req *req, const tb_resource *r, const json_t *props, tb_resp *resp);
/* The caller's towns for a feature operation that filters by town itself
 * (summaries, status pages, the town a new record may get): NULL = all,
 * else comma-separated ("" = none).  r NULL: his towns as for any
 * town-scoped resource.  Caller frees. */
char *tb_access_towns(const tb_req *req, const tb_resource *r);
/* The ranger record of a ranger user (the one whose login is his): true
 * and the code in `code`, or false and "". */
bool tb_access_ranger(const tb_req *req, char code[64]);
/* Whether the caller may submit work (patrols) as this ranger: a ranger
 * user only as himself, others for a ranger of their towns.  false after
 * replying 422 (no such ranger) or 403. */
bool tb_access_act_as_ranger(tb_req *req, const char *ranger, tb_resp *resp);
/* Whether the caller may read the attachment with this SHA-256. */
bool tb_access_attachment(const tb_req *req, const char *sha);

/* The §4.2 duty of a member-department user that the case workflow knows
 * ("police", "audit", "organisation": the unit of the user, mapped by
 * cases.json "duties"), or NULL for everyone else.  Static string. */
const char *tb_access_duty(const tb_req *req);
/* Whether the caller may read a reporter's name and phone: the roles and
 * duties cases.json lists (bureau and police); never audit, towns, units,
 * rangers or the public. */
bool tb_access_contact(const tb_req *req);

#endif
