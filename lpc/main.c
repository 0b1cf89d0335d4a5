/*
 * main.c - lpc: its command table; common/dispatch.c does the rest
 */
#include <config.h>

#include "common/cli.h"
#include "lpc/lpc.h"

static const cli_command commands[] = {
    { "check", cmd_check, "check a curriculum's sources and report problems" },
    { "build", cmd_build, "check a curriculum and compile it into a package" },
    { "preview", cmd_preview, "build a curriculum and serve it, again at each change" },
};

int main(int argc, char **argv)
{
    static const cli_tool lpc = {
        "lpc", "Check and compile curriculum sources (YAML or XML, see\n"
        "lp-curriculum(5)) into lp curriculum packages.\n",
        commands, sizeof(commands) / sizeof(commands[0])
    };

    return cli_dispatch(&lpc, argc, argv);
}
