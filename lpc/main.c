/*
 * main.c - lpc: global options and dispatch to the commands
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpc/lpc.h"

static const lpc_cmd commands[] = {
    { "check", cmd_check, "check a curriculum's sources and report problems" },
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char synopsis[] = "lpc COMMAND [ARGS...]";

static void usage(FILE *f)
{
    fputs("usage: lpc COMMAND [ARGS...]\n"
          "       lpc help COMMAND\n"
          "       lpc --help | --version\n"
          "\n"
          "Check and compile curriculum sources (YAML or XML, see\n"
          "lp-curriculum(5)) into lp curriculum packages.\n"
          "\n"
          "commands:\n", f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-13s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "options:\n"
          "  -h, --help     show this help and exit\n"
          "      --version  show the versions of lpc and liblp and exit\n"
          "\n"
          "Run 'lpc help COMMAND' for the options of a command.\n", f);
}

static const lpc_cmd *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static int unknown_command(const char *name)
{
    cli_error("unknown command '%s'", name);
    fprintf(stderr, "try '%s --help'\n", cli_program());
    return LP_EXIT_USAGE;
}

/* "lpc help [COMMAND]" */
static int help(int argc, char **argv)
{
    static char help_opt[] = "--help";
    const lpc_cmd *cmd;
    char *args[3];

    if (argc == 1) {
        usage(stdout);
        return cli_finish_stdout(LP_EXIT_OK);
    }
    if (argc > 2) {
        cli_error("extra operand '%s'", argv[2]);
        return cli_bad_usage("lpc help [COMMAND]");
    }
    cmd = find_command(argv[1]);
    if (cmd == NULL)
        return unknown_command(argv[1]);
    args[0] = argv[1];
    args[1] = help_opt;
    args[2] = NULL;
    cli_set_command(cmd->name);
    return cmd->fn(2, args);
}

int main(int argc, char **argv)
{
    const lpc_cmd *cmd;
    const char *verb;
    int version;

    cli_set_program("lpc");
    /* A different liblp may check or compile sources differently. */
    if (lp_version_number() != LP_VERSION_NUMBER) {
        cli_error("built for liblp %s but running with liblp %s; "
                  "reinstall lpc", LP_VERSION_STRING, lp_version_string());
        return LP_EXIT_IO;
    }
    /* A closed pipe on stdout must be a write error (exit 3), not death. */
    signal(SIGPIPE, SIG_IGN);

    if (argc < 2) {
        cli_error("missing command");
        return cli_bad_usage(synopsis);
    }
    verb = argv[1];
    version = strcmp(verb, "--version") == 0;
    if (version || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
        if (argc > 2) {
            cli_error("extra operand '%s'", argv[2]);
            return cli_bad_usage(synopsis);
        }
        if (version)
            printf("lpc %s (liblp %s)\n", PACKAGE_VERSION,
                   lp_version_string());
        else
            usage(stdout);
        return cli_finish_stdout(LP_EXIT_OK);
    }
    if (strcmp(verb, "help") == 0)
        return help(argc - 1, argv + 1);
    if (verb[0] == '-') {
        cli_error("unknown option '%s'", verb);
        return cli_bad_usage(synopsis);
    }
    cmd = find_command(verb);
    if (cmd == NULL)
        return unknown_command(verb);
    cli_set_command(cmd->name);
    return cmd->fn(argc - 1, argv + 1);
}
