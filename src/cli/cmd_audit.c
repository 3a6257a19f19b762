/* cmd_audit.c — `tianbao audit verify`: walk the event log's hash chain. */
#include "cli/cli.h"

#include "db/event.h"
#include "registry/registry.h"

#include <stdio.h>
#include <string.h>

int cmd_audit(tb_cli *cli, int argc, char **argv)
{
	const tb_command *cmd = cli_command("audit");
	if (argc < 2 || strcmp(argv[1], "verify")) return cli_usage(cmd, "only `audit verify` exists");
	tb_err e = {0};
	tb_db *db;
	if (tb_registry_open(cli->db_path, true, &db, &e)) return cli_fail(cli, &e);
	tb_verify_result r;
	int rc = tb_event_verify(db, &r, &e);
	tb_db_close(db);
	if (rc) return cli_fail(cli, &e);
	if (cli->json)
		cli_print_json(json_pack("{s:b,s:I,s:I,s:s,s:s}", "ok", !r.first_bad, "checked",
					 (json_int_t)r.checked, "first_bad", (json_int_t)r.first_bad,
					 "reason", r.reason, "head", r.head));
	else if (!r.first_bad)
		printf("event log intact: %lld events, head %s\n", (long long)r.checked, r.head);
	else
		printf("event log BROKEN at event %lld: %s (%lld events checked)\n", (long long)r.first_bad,
		       r.reason, (long long)r.checked);
	return r.first_bad ? EXIT_FAIL : EXIT_OK;
}
