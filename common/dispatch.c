/*
 * dispatch.c - what every lp tool's main does: the global options
 * (--help, --version, help COMMAND), the liblp version check, and the
 * dispatch of "TOOL VERB ARGS..." to the command table.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"

static void usage(const cli_tool *t, FILE *f)
{
    fprintf(f, "usage: %s COMMAND [ARGS...]\n"
            "       %s help COMMAND\n"
            "       %s --help | --version\n"
            "\n%s\n"
            "commands:\n", t->name, t->name, t->name, t->about);
    for (size_t i = 0; i < t->ncommands; i++)
        fprintf(f, "  %-13s %s\n", t->commands[i].name,
                t->commands[i].summary);
    fprintf(f, "\n"
            "options:\n"
            "  -h, --help     show this help and exit\n"
            "      --version  show the versions of %s and liblp and exit\n"
            "\n"
            "Run '%s help COMMAND' for the options of a command.\n",
            t->name, t->name);
}

static const cli_command *find_command(const cli_tool *t, const char *name)
{
    for (size_t i = 0; i < t->ncommands; i++)
        if (strcmp(t->commands[i].name, name) == 0)
            return &t->commands[i];
    return NULL;
}

static int unknown_command(const char *name)
{
    cli_error("unknown command '%s'", name);
    fprintf(stderr, "try '%s --help'\n", cli_program());
    return LP_EXIT_USAGE;
}

/* "TOOL help [COMMAND]": the command's own --help */
static int help(const cli_tool *t, int argc, char **argv)
{
    static char help_opt[] = "--help";
    const cli_command *cmd;
    char *args[3];

    if (argc == 1) {
        usage(t, stdout);
        return cli_finish_stdout(LP_EXIT_OK);
    }
    if (argc > 2) {
        char synopsis[64];
        snprintf(synopsis, sizeof(synopsis), "%s help [COMMAND]", t->name);
        cli_error("extra operand '%s'", argv[2]);
        return cli_bad_usage(synopsis);
    }
    cmd = find_command(t, argv[1]);
    if (cmd == NULL)
        return unknown_command(argv[1]);
    args[0] = argv[1];
    args[1] = help_opt;
    args[2] = NULL;
    cli_set_command(cmd->name);
    return cmd->fn(2, args);
}

int cli_dispatch(const cli_tool *t, int argc, char **argv)
{
    const cli_command *cmd;
    const char *verb;
    char synopsis[64];
    int version;

    cli_set_program(t->name);
    snprintf(synopsis, sizeof(synopsis), "%s COMMAND [ARGS...]", t->name);
    /* a different liblp may read, write or check differently */
    if (lp_version_number() != LP_VERSION_NUMBER) {
        cli_error("built for liblp %s but running with liblp %s; "
                  "reinstall %s", LP_VERSION_STRING, lp_version_string(),
                  t->name);
        return LP_EXIT_IO;
    }
    /* a closed pipe on stdout must be a write error (exit 3), not death */
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
            printf("%s %s (liblp %s)\n", t->name, PACKAGE_VERSION,
                   lp_version_string());
        else
            usage(t, stdout);
        return cli_finish_stdout(LP_EXIT_OK);
    }
    if (strcmp(verb, "help") == 0)
        return help(t, argc - 1, argv + 1);
    if (verb[0] == '-') {
        cli_error("unknown option '%s'", verb);
        return cli_bad_usage(synopsis);
    }
    cmd = find_command(t, verb);
    if (cmd == NULL)
        return unknown_command(verb);
    cli_set_command(cmd->name);
    return cmd->fn(argc - 1, argv + 1);
}
