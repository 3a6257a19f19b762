/* internal.h — what the files of src/control share and nobody else needs:
 * the workflow's instructions to the record hooks (passed as the write
 * context's `user`), and two helpers of the application hook. */
#ifndef TB_CONTROL_INTERNAL_H
#define TB_CONTROL_INTERNAL_H

#include "control/control.h"

/* An application write: on create, the decision already computed (or NULL);
 * on a transition, the new status and what goes with it (on approval also
 * the decision made again at that moment). */
typedef struct tb__app_move {
	const json_t *decision;
	const char *to, *actor, *note, *approval_doc;
	double loss_ha;
} tb__app_move;

typedef struct tb__design_move {
	const char *to, *actor, *note;
} tb__design_move;

/* An approved design exists: by its code, or naming the application. */
bool tb__design_approved(tb_db *db, const char *design_code, const char *app_code);
/* Copy a decision's verdict, clauses, areas and town onto the record. */
void tb__app_apply_decision(tb_record *rec, const json_t *decision);

/* Append code to a JSON array of strings unless it is there. */
void tb__add_unique(json_t *arr, const char *code);
/* A copy of s with the Chinese list separators ，and 、 turned into commas
 * (caller frees). */
char *tb__commas(const char *s);

#endif
