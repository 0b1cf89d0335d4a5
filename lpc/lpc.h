/*
 * lpc.h - the lpc commands
 *
 * main.c's table, run by cli_dispatch() (common/dispatch.c), sends
 * "lpc VERB ARGS..." to cmd_VERB(argc - 1, argv + 1): argv[0] is the verb.
 * Each command parses its own options, prints its own messages
 * (cli_error) and returns an exit status from common/exit.h.
 */
#ifndef LPC_LPC_H
#define LPC_LPC_H

#include <stdint.h>

#include <lp.h>

int cmd_check(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_preview(int argc, char **argv);
/* cmd_check.c: both commands (build != 0 for lpc build) */
int lpc_check_or_build(int argc, char **argv, int build);

/* cmd_check.c, shared with lpc preview: */
/* Print a diagnostic GCC-style on stderr, with its source line and a
 * caret under the column; color: with the terminal's colours */
void lpc_print_diag(const lp_diag *d, int color);
/* "5 MiB", "300KiB", "1024": bytes, at least 1; -1 if not a size */
int lpc_parse_size(const char *s, uint64_t *out);
/* Whether to colour diagnostics: --color=WHEN (auto, always, never) */
int lpc_want_color(const char *when);

/* previous.c: the previous release (--previous), open while the projects
 * are checked */
typedef struct lpc_previous {
    lp_package *pkg;
    lp_catalog *cat;
    lp_previous_lesson *lessons;
    lp_previous prev;
} lpc_previous;
/* Open the package at path and list its lessons in pv->prev; prints what
 * went wrong and returns an exit status (common/exit.h) */
int lpc_previous_open(lpc_previous *pv, lp_ctx *ctx, const char *path);
void lpc_previous_close(lpc_previous *pv);

#endif /* LPC_LPC_H */
