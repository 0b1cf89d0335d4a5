/*
 * cmd_build.c - lpc build: check a curriculum, then compile it into a
 * package.  Options and diagnostics are lpc check's (cmd_check.c); the
 * compiling is lp_project_build()'s.
 */
#include <config.h>

#include "lpc/lpc.h"

int cmd_build(int argc, char **argv)
{
    return lpc_check_or_build(argc, argv, 1);
}
