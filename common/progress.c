/*
 * progress.c - progress of long work on stderr (progress.h)
 *
 * The library calls cli_progress_fn() often (about a thousand times a
 * stage); the clock decides what is drawn: on a terminal a line redrawn in
 * place at most five times a second, elsewhere a plain line every five
 * seconds.  Calls may come from the library's worker threads, one at a
 * time, so the state needs no lock.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/cli.h"
#include "common/progress.h"

#define TTY_INTERVAL_MS 200u
#define PLAIN_INTERVAL_MS 5000u
#define LINE_BYTES 256

/* The signal that asked to stop, 0 while none did */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    interrupted = sig;
}

/* Stop at the next call for these signals; a second one kills at once
 * (SA_RESETHAND), for a library call that reports no progress */
static void catch_interrupts(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_interrupt;
    sa.sa_flags = SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}

static double seconds_since(const struct timespec *t0,
                            const struct timespec *now)
{
    return (double)(now->tv_sec - t0->tv_sec) +
           (double)(now->tv_nsec - t0->tv_nsec) / 1e9;
}

int cli_progress_option(cli_progress *p, int c)
{
    int want;

    if (c != CLI_OPT_PROGRESS && c != CLI_OPT_NO_PROGRESS)
        return 0;
    want = c == CLI_OPT_PROGRESS ? 1 : 2;
    if (p->mode != 0 && p->mode != want) {
        cli_error("options '--progress' and '--no-progress' cannot be "
                  "combined");
        return -1;
    }
    p->mode = want;
    return 1;
}

/* One option of --help: its name, then two lines of description from
 * column col (on the next line if the name reaches it) */
static void usage_option(FILE *f, int col, const char *name, const char *l1,
                         const char *l2)
{
    int n = fprintf(f, "      %s", name);

    if (n < 0 || n >= col) {
        fputc('\n', f);
        n = 0;
    }
    fprintf(f, "%*s%s\n%*s%s\n", col - n, "", l1, col, "", l2);
}

void cli_progress_usage(FILE *f, int col)
{
    usage_option(f, col, "--progress",
                 "show progress even with -q, or when stderr is",
                 "not a terminal (a plain line every few seconds)");
    usage_option(f, col, "--no-progress",
                 "never show progress (default: shown on a",
                 "terminal, unless -q)");
}

lp_progress_fn cli_progress_start(cli_progress *p, bool quiet)
{
    p->tty = isatty(STDERR_FILENO) == 1;
    p->on = p->mode == 1 || (p->mode == 0 && !quiet && p->tty);
    p->stage = 0;
    p->shown = 0;
    catch_interrupts();
    /* called even when nothing is shown: it is how Ctrl-C stops */
    return cli_progress_fn;
}

/* What a stage's items are */
static const char *unit(lp_stage stage)
{
    switch (stage) {
    case LP_STAGE_COMPILING: return "lessons";
    case LP_STAGE_COMPRESSING: return "entries";
    case LP_STAGE_ENCODING: return "segments";
    default: return "objects";
    }
}

/* "4.2 s" (precise) or "42 s" under a minute, else "3:05" or "1h05m" */
static void format_duration(char *buf, size_t cap, double s, bool precise)
{
    unsigned long t = (unsigned long)(s + 0.5);

    if (s < 59.5)
        snprintf(buf, cap, precise ? "%.1f s" : "%.0f s", s);
    else if (t >= 3600)
        snprintf(buf, cap, "%luh%02lum", t / 3600, t / 60 % 60);
    else
        snprintf(buf, cap, "%lu:%02lu", t / 60, t % 60);
}

/* The line for pr, elapsed seconds into its stage */
static size_t format_line(char *line, size_t cap, const lp_progress *pr,
                          double elapsed, bool plain)
{
    uint64_t done = pr->bytes_total ? pr->bytes_done : pr->items_done;
    uint64_t total = pr->bytes_total ? pr->bytes_total : pr->items_total;
    bool finished = pr->items_done == pr->items_total &&
                    pr->bytes_done == pr->bytes_total;
    size_t n = 0;

#define ADD(...) do { \
        int k_ = snprintf(line + n, cap - n, __VA_ARGS__); \
        if (k_ > 0) \
            n = (size_t)k_ < cap - n ? n + (size_t)k_ : cap - 1; \
    } while (0)
    if (plain)
        ADD("%s: ", cli_prefix());
    ADD("%s %llu/%llu %s", pr->stage_name ? pr->stage_name : "working",
        (unsigned long long)pr->items_done,
        (unsigned long long)pr->items_total, unit(pr->stage));
    if (pr->bytes_total) {
        char a[CLI_SIZE_BYTES], b[CLI_SIZE_BYTES];
        cli_format_size(a, pr->bytes_done);
        cli_format_size(b, pr->bytes_total);
        ADD("  %s of %s", a, b);
    }
    if (total)
        ADD("  %3u%%", (unsigned)(done * 100 / total));
    if (elapsed >= 0.5 && done > 0) {
        char r[CLI_SIZE_BYTES];
        if (pr->bytes_total) {
            cli_format_size(r, (uint64_t)((double)done / elapsed));
            ADD("  %s/s", r);
        } else {
            ADD("  %.0f %s/s", (double)done / elapsed, unit(pr->stage));
        }
    }
    if (finished) {
        char d[32];
        format_duration(d, sizeof(d), elapsed, true);
        ADD("  done in %s", d);
    } else if (elapsed >= 1.0 && done > 0 && done < total) {
        char d[32];
        format_duration(d, sizeof(d),
                        elapsed * (double)(total - done) / (double)done, false);
        ADD("  %s left", d);
    }
#undef ADD
    return n;
}

/* Columns the terminal has for the line: never wrap, or \r cannot
 * redraw it */
static size_t columns(void)
{
    struct winsize ws;

    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
        return (size_t)ws.ws_col - 1;
    return 79;
}

int cli_progress_fn(const lp_progress *pr, void *user)
{
    cli_progress *p = user;
    struct timespec now;
    char line[LINE_BYTES];
    bool first = pr->stage != p->stage || pr->items_done + pr->bytes_done == 0;
    bool finished = pr->items_done == pr->items_total &&
                    pr->bytes_done == pr->bytes_total;
    size_t n;

    if (interrupted)
        return 1;
    if (!p->on)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (first) {
        p->stage = pr->stage;
        p->begun = now;
        p->drawn = now;
        p->ended = false;
    }
    if (p->tty) {
        /* a stage shows at once, then a few times a second */
        if (!first &&
            seconds_since(&p->drawn, &now) * 1000 < TTY_INTERVAL_MS)
            return 0;
        n = format_line(line, sizeof(line), pr, seconds_since(&p->begun, &now),
                        false);
        if (n > columns())
            n = columns();
        line[n] = '\0';
        /* spaces over what is left of a longer line before */
        fprintf(stderr, "\r%s%*s", line,
                p->shown > n ? (int)(p->shown - n) : 0, "");
        p->shown = n;
    } else {
        /* a log: every few seconds, and once at the end of the stage */
        if (finished ? p->ended :
            seconds_since(&p->drawn, &now) * 1000 < PLAIN_INTERVAL_MS)
            return 0;
        p->ended = finished;
        n = format_line(line, sizeof(line), pr, seconds_since(&p->begun, &now),
                        true);
        fprintf(stderr, "%s\n", line);
    }
    p->drawn = now;
    fflush(stderr);
    return 0;
}

void cli_progress_clear(cli_progress *p)
{
    if (p->on && p->tty && p->shown > 0) {
        fprintf(stderr, "\r%*s\r", (int)p->shown, "");
        fflush(stderr);
    }
    p->shown = 0;
}

void cli_progress_end(cli_progress *p)
{
    int sig = interrupted;

    cli_progress_clear(p);
    if (sig == 0)
        return;
    cli_error("interrupted (%s); nothing was left half-written",
              sig == SIGINT ? "Ctrl-C" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
    fflush(stderr);
    signal(sig, SIG_DFL);
    raise(sig);
}
