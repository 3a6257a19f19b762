/* cmd_serve.c — `tianbao serve` and `tianbao routes`.  serve reads the
 * configuration (tianbao.conf < environment < flags), starts the server and
 * waits for SIGTERM/SIGINT, then stops gracefully. */
#include "cli/cli.h"

#include "http/router.h"
#include "http/server.h"
#include "http/static.h"

#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_serve(tb_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"listen", required_argument, 0, 'l'},
					     {"config", required_argument, 0, 'c'},
					     {"set", required_argument, 0, 's'},
					     {"json", no_argument, 0, 'j'}, {0}};
	const tb_command *cmd = cli_command("serve");
	tb_server_config cfg;
	tb_server_config_default(&cfg);
	const char *conf = access("tianbao.conf", R_OK) == 0 ? "tianbao.conf" : NULL;
	const char *flags[32][2];
	int nflags = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c') conf = optarg;
		else if (c == 'l' && nflags < 32) flags[nflags][0] = "listen", flags[nflags++][1] = optarg;
		else if (c == 's' && nflags < 32) {
			char *eq = strchr(optarg, '=');
			if (!eq) return cli_usage(cmd, "--set wants KEY=VALUE, got '%s'", optarg);
			*eq = 0;
			flags[nflags][0] = optarg, flags[nflags++][1] = eq + 1;
		} else if (c != 'j')
			return cli_usage(cmd, "unknown option");
	}
	if (optind < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
	tb_err e = {0};
	if (conf && tb_server_config_file(&cfg, conf, &e)) return cli_fail(cli, &e);
	if (tb_server_config_env(&cfg, &e)) return cli_fail(cli, &e);
	if (getenv("TIANBAO_DB") || strcmp(cli->db_path, "tianbao.gpkg"))
		snprintf(cfg.db_path, sizeof cfg.db_path, "%s", cli->db_path);
	for (int i = 0; i < nflags; i++)
		if (tb_server_config_set(&cfg, flags[i][0], flags[i][1], &e)) return cli_fail(cli, &e);
	if (access(cfg.db_path, F_OK))
		return cli_fail(cli, &(tb_err){.code = TB_EUSAGE, .message = "no database here; create one with `tianbao init` or `tianbao demo`"});
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* worker threads inherit the mask */
	tb_server *srv;
	if (tb_server_start(&cfg, &srv, &e)) return cli_fail(cli, &e);
	char host[64];
	snprintf(host, sizeof host, "%s", cfg.listen);
	char *colon = strrchr(host, ':');
	if (colon) *colon = 0;
	printf("tianbao serving %s on http://%s:%d/\n", cfg.db_path, host, tb_server_port(srv));
	fflush(stdout);
	const char *no_ui = tb_static_missing(cfg.static_dir);
	if (no_ui) fprintf(stderr, "tianbao: no web UI (%s): only the API answers; %s\n", no_ui, TB_STATIC_HOWTO);
	int sig;
	sigwait(&set, &sig);
	fprintf(stderr, "tianbao: %s received, finishing requests …\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	tb_server_stop(srv);
	fprintf(stderr, "tianbao: stopped\n");
	return EXIT_OK;
}

int cmd_routes(tb_cli *cli, int argc, char **argv)
{
	(void)argc, (void)argv;
	if (cli->json) {
		json_t *arr = json_array();
		for (int i = 0; i < tb_nroutes; i++) {
			char roles[128];
			tb_route_roles(tb_routes[i].roles, roles, sizeof roles);
			json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:i,s:s?,s:s?}", "method", tb_routes[i].method,
							     "path", tb_routes[i].pattern, "roles", roles, "rate",
							     (int)tb_routes[i].rate, "resource", tb_routes[i].resource,
							     "summary", tb_routes[i].summary));
		}
		cli_print_json(arr);
		return EXIT_OK;
	}
	static const char *rates[] = {"read", "write", "login", "public"};
	for (int i = 0; i < tb_nroutes; i++) {
		char roles[128];
		tb_route_roles(tb_routes[i].roles, roles, sizeof roles);
		printf("%-6s %-32s %-6s %-58s %s\n", tb_routes[i].method, tb_routes[i].pattern,
		       rates[tb_routes[i].rate], roles, tb_routes[i].summary);
	}
	return EXIT_OK;
}
