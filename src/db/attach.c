/* attach.c — content-addressed attachments in the database (see attach.h). */
#include "db/attach.h"

#include "base/hash.h"
#include "db/event.h"
#include "db/gpkg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tb_attach_init(tb_db *db, tb_err *e)
{
	int rc = tb_db_exec(db,
			    "CREATE TABLE IF NOT EXISTS tb_attachment (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE,"
			    " mime TEXT NOT NULL, size INTEGER NOT NULL, name TEXT, created_at TEXT NOT NULL,"
			    " actor TEXT NOT NULL, data BLOB NOT NULL);"
			    "CREATE TRIGGER IF NOT EXISTS tb_attachment_no_update BEFORE UPDATE ON tb_attachment BEGIN"
			    " SELECT RAISE(ABORT, 'attachments are immutable'); END;"
			    /* evidence (signed agreements, photos of a loss) is not removed either */
			    "CREATE TRIGGER IF NOT EXISTS tb_attachment_no_delete BEFORE DELETE ON tb_attachment BEGIN"
			    " SELECT RAISE(ABORT, 'attachments are kept: they cannot be deleted'); END;",
			    e);
	return rc ? rc : tb_gpkg_add_attributes(db, "tb_attachment", "附件 attachments",
					       "signed documents and photos, by SHA-256", e);
}

const char *tb_attach_sniff(const void *data, size_t n)
{
	const unsigned char *b = data;
	if (n >= 5 && !memcmp(b, "%PDF-", 5)) return "application/pdf";
	if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return "image/jpeg";
	if (n >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8)) return "image/png";
	if (n >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4)) return "image/webp";
	return NULL;
}

bool tb_attach_exists(tb_db *db, const char *sha)
{
	tb_stmt *st;
	bool found = false;
	if (tb_db_prepare(db, "SELECT 1 FROM tb_attachment WHERE sha256=?", &st, NULL) == 0) {
		tb_bind_text(st, 1, sha);
		found = tb_stmt_step(st) == TB_ROW;
		tb_stmt_finalize(st);
	}
	return found;
}

/* The INSERT of an attachment, inside the caller's transaction. */
static int insert(tb_db *db, const tb_actor *who, const char *name, const void *data, size_t n,
		  const char *sha, const char *mime, tb_err *e)
{
	tb_stmt *st = NULL;
	int rc = tb_db_prepare(db, "INSERT INTO tb_attachment(sha256,mime,size,name,created_at,actor,data)"
				   " VALUES(?,?,?,?,strftime('%Y-%m-%dT%H:%M:%fZ','now'),?,?)", &st, e);
	if (!rc) {
		tb_bind_text(st, 1, sha);
		tb_bind_text(st, 2, mime);
		tb_bind_int64(st, 3, (int64_t)n);
		tb_bind_text(st, 4, name);
		tb_bind_text(st, 5, who->login);
		tb_bind_blob(st, 6, data, n);
		rc = tb_stmt_step(st) == TB_DONE ? 0 : tb_db_error(db, e, "attachment");
	}
	tb_stmt_finalize(st);
	return rc;
}

static int check(const char *name, const void *data, size_t n, const char **mime, tb_err *e)
{
	if (n > TB_ATTACH_MAX)
		return tb_err_set(e, TB_ETOOBIG, name, "file", "larger than %zu MiB", TB_ATTACH_MAX >> 20);
	*mime = n ? tb_attach_sniff(data, n) : NULL;
	if (!*mime) return tb_err_set(e, TB_EINPUT, name, "file", "not a PDF, JPEG, PNG or WebP file");
	return 0;
}

int tb_attach_store(tb_db *db, const tb_actor *who, const char *name, const void *data, size_t n,
		    char sha[65], const char **mime_out, tb_err *e)
{
	const char *mime;
	int rc = check(name, data, n, &mime, e);
	if (rc) return rc;
	if (!tb_db_in_tx(db)) return tb_err_set(e, TB_EINTERNAL, name, NULL, "tb_attach_store outside a transaction");
	if (mime_out) *mime_out = mime;
	tb_sha256_hex(data, n, sha);
	return tb_attach_exists(db, sha) ? 0 : insert(db, who, name, data, n, sha, mime, e);
}

int tb_attach_put(tb_db *db, const tb_actor *who, const char *name, const void *data, size_t n,
		  char sha[65], const char **mime_out, tb_err *e)
{
	const char *mime;
	int rc = check(name, data, n, &mime, e);
	if (rc) return rc;
	if (mime_out) *mime_out = mime;
	tb_sha256_hex(data, n, sha);
	if (tb_attach_exists(db, sha)) return 0;
	rc = tb_db_begin(db, e);
	if (!rc) rc = insert(db, who, name, data, n, sha, mime, e);
	if (!rc) {
		json_t *p = json_pack("{s:s,s:s,s:I,s:s?}", "sha256", sha, "mime", mime, "size", (json_int_t)n, "name", name);
		tb_event_in ev = {.actor = who->login, .role = who->role, .action = "attachment.add",
				  .entity = "tb_attachment", .entity_id = sha, .payload = p};
		rc = tb_event_append(db, &ev, NULL, e);
		json_decref(p);
	}
	if (!rc) rc = tb_db_commit(db, e);
	if (rc) tb_db_rollback(db);
	return rc;
}

int tb_attach_get(tb_db *db, const char *sha, void **data, size_t *n, char *mime, size_t msize, tb_err *e)
{
	tb_stmt *st;
	*data = NULL;
	*n = 0;
	int rc = tb_db_prepare(db, "SELECT mime, data FROM tb_attachment WHERE sha256=?", &st, e);
	if (rc) return rc;
	tb_bind_text(st, 1, sha);
	if (tb_stmt_step(st) != TB_ROW) rc = tb_err_set(e, TB_ENOTFOUND, sha, NULL, "no such attachment");
	else {
		snprintf(mime, msize, "%s", tb_col_text(st, 0));
		*n = (size_t)tb_col_bytes(st, 1);
		*data = malloc(*n ? *n : 1);
		if (*data) memcpy(*data, tb_col_blob(st, 1), *n);
		else rc = tb_err_set(e, TB_ENOMEM, NULL, NULL, "out of memory");
	}
	tb_stmt_finalize(st);
	return rc;
}
