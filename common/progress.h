/*
 * progress.h - progress of long work on stderr, for the lp tools
 *
 * The library reports progress through an lp_progress_fn (lp.h); this
 * draws it the way zstd and curl do: one line on stderr saying what is
 * being done, how much of how much, the rate and the time left, redrawn
 * in place (carriage return) a few times a second and erased at the end.
 * Only when stderr is a terminal and the command is not quiet, unless
 * --progress forces it: then, when stderr is not a terminal (a CI log),
 * one plain line every few seconds and one at the end of each stage, with
 * no carriage returns.  --no-progress turns it off.
 *
 * Use: CLI_PROGRESS_OPTIONS in the command's long options and
 * cli_progress_usage() in its --help; pass each option to
 * cli_progress_option(); after parsing, give what cli_progress_start()
 * returns and the cli_progress to the library's options; call
 * cli_progress_clear() when the library returns, before printing anything
 * else on stderr.
 */
#ifndef LP_COMMON_PROGRESS_H
#define LP_COMMON_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <lp.h>

/* Option values of --progress and --no-progress (long options only; below
 * cli_getopt()'s 512, above every command's own) */
#define CLI_OPT_PROGRESS 480
#define CLI_OPT_NO_PROGRESS 481

/* The two entries for a command's struct option table */
#define CLI_PROGRESS_OPTIONS \
    { "progress", no_argument, NULL, CLI_OPT_PROGRESS }, \
    { "no-progress", no_argument, NULL, CLI_OPT_NO_PROGRESS }

/**
 * Print the two options' lines for --help, their descriptions starting at
 * column col (as the command's other options do).
 */
void cli_progress_usage(FILE *f, int col);

typedef struct cli_progress {
    int mode;             /* 0 auto (the default), 1 forced, 2 off */
    bool on;              /* showing, once started */
    bool tty;             /* stderr is a terminal: draw in place */
    lp_stage stage;       /* stage last reported, 0 before any */
    struct timespec begun;  /* when that stage began */
    struct timespec drawn;  /* when a line was last drawn */
    size_t shown;         /* columns the line on the terminal takes */
    bool ended;           /* the stage's last line is printed (not tty) */
} cli_progress;

/** A cli_progress for a command that has not seen its options yet (all
 *  zero will do as well) */
#define CLI_PROGRESS_INIT { 0, false, false, 0, { 0, 0 }, { 0, 0 }, 0, \
                           false }

/**
 * Take --progress or --no-progress.
 *
 * @return 1 if c was one of them; 0 if c is another option; -1 (after
 *         printing why) if it contradicts the other one, given before.
 */
int cli_progress_option(cli_progress *p, int c);

/**
 * Decide whether to show progress: forced, off, or when stderr is a
 * terminal and the command is not quiet.
 *
 * Also catch SIGINT, SIGTERM and SIGHUP from here on: the next progress
 * call asks the library to stop (see cli_progress_end()).
 *
 * @return cli_progress_fn, the library option's progress member (called
 *         even when nothing is shown, to stop on a signal)
 */
lp_progress_fn cli_progress_start(cli_progress *p, bool quiet);

/** An lp_progress_fn drawing on stderr; user is the cli_progress.
 *  Cancels (returns 1) once a signal caught by cli_progress_start() came;
 *  otherwise draws nothing unless started on. */
int cli_progress_fn(const lp_progress *progress, void *user);

/**
 * Erase the line on the terminal, if one is shown.  Call it when the
 * library returns, and before printing anything on stderr while it works
 * (a diagnostic): the next report draws the line again.
 */
void cli_progress_clear(cli_progress *p);

/**
 * When the library call returns: erase the line, and if a signal stopped
 * the work (the library has removed what it was writing), say so and die
 * of that signal (exit status 128 + its number in a shell).
 */
void cli_progress_end(cli_progress *p);

#endif /* LP_COMMON_PROGRESS_H */
