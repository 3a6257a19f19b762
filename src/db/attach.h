/* attach.h — attachments: signed agreement documents (PDF or image), patrol
 * and incident photos, later case evidence.  Stored inside the database
 * (one file to back up), content-addressed by SHA-256, type checked by the
 * file's own magic bytes (not by what the client claims), size-capped.
 * Records refer to an attachment by its hash. */
#ifndef TB_DB_ATTACH_H
#define TB_DB_ATTACH_H

#include "db/db.h"
#include "db/write.h"

#define TB_ATTACH_MAX ((size_t)20 << 20) /* 20 MiB */

int tb_attach_init(tb_db *db, tb_err *e);
/* The MIME type of data from its magic bytes: application/pdf, image/jpeg,
 * image/png, image/webp; NULL when none of these. */
const char *tb_attach_sniff(const void *data, size_t n);
/* Store data (one transaction, one event "attachment.add"); sha_out gets
 * the hex SHA-256.  Refuses other types and sizes over TB_ATTACH_MAX with
 * TB_EINPUT/TB_ETOOBIG naming `name`.  Storing the same bytes twice is one
 * attachment. */
int tb_attach_put(tb_db *db, const tb_actor *who, const char *name, const void *data, size_t n,
		  char sha_out[65], const char **mime_out, tb_err *e);
/* The same inside the caller's transaction and without an event of its
 * own: the caller's one event names the attachment (a public report and its
 * photos are one write).  TB_EINTERNAL outside a transaction. */
int tb_attach_store(tb_db *db, const tb_actor *who, const char *name, const void *data, size_t n,
		    char sha_out[65], const char **mime_out, tb_err *e);
/* Read an attachment (caller frees *data). */
int tb_attach_get(tb_db *db, const char *sha, void **data, size_t *n, char *mime, size_t mime_size,
		  tb_err *e);
/* True when an attachment with this hash exists. */
bool tb_attach_exists(tb_db *db, const char *sha);

#endif
