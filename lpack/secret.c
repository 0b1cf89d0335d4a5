/*
 * secret.c - passphrases for the signing commands
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpack/secret.h"

#define PASS_BUF (LP_MAX_PASSPHRASE_BYTES + 2u)

void secret_free(char *pass)
{
    if (pass) {
        sodium_memzero(pass, PASS_BUF);
        sodium_free(pass);
    }
}

/* Read one line from fd into buf (PASS_BUF bytes): -1 on error, -2 if too
 * long, else its length without the line end */
static int read_line(int fd, char *buf)
{
    size_t n = 0;

    for (;;) {
        char c;
        ssize_t k = read(fd, &c, 1);

        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0 || c == '\n')
            break;
        if (n + 1 >= PASS_BUF)
            return -2;
        buf[n++] = c;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    return (int)n;
}

static int ask(int fd, const char *prompt, char *buf)
{
    struct termios old, quiet;
    int n, saved;

    if (tcgetattr(fd, &old) < 0)
        return -1;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    if (write(fd, prompt, strlen(prompt)) < 0 ||
        tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
        return -1;
    n = read_line(fd, buf);
    saved = errno;
    tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* nothing to do: the prompt line just stays open */
    }
    errno = saved;
    return n;
}

int secret_passphrase(char **out, const char *file, int confirm)
{
    char *pass = sodium_malloc(PASS_BUF), *again = NULL;
    int fd, n, status = LP_EXIT_OK;

    *out = NULL;
    if (!pass) {
        cli_error("out of memory");
        return LP_EXIT_IO;
    }
    if (file) {
        fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            cli_error("cannot open '%s': %s", file, strerror(errno));
            secret_free(pass);
            return LP_EXIT_IO;
        }
        n = read_line(fd, pass);
        close(fd);
        if (n == -1) {
            cli_error("cannot read '%s': %s", file, strerror(errno));
            status = LP_EXIT_IO;
        } else if (n == -2) {
            cli_error("passphrase in '%s' is longer than %u bytes", file,
                      LP_MAX_PASSPHRASE_BYTES);
            status = LP_EXIT_USAGE;
        } else if (n == 0) {
            cli_error("passphrase file '%s' is empty", file);
            status = LP_EXIT_USAGE;
        }
    } else {
        fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
            cli_error("no terminal to ask for the passphrase; use "
                      "--passphrase-file");
            secret_free(pass);
            return LP_EXIT_USAGE;
        }
        n = ask(fd, "Passphrase: ", pass);
        if (n > 0 && confirm) {
            again = sodium_malloc(PASS_BUF);
            if (!again)
                n = -1;
            else if (ask(fd, "Passphrase (again): ", again) < 0 ||
                     strcmp(pass, again) != 0)
                n = -3;
        }
        close(fd);
        if (n == -1) {
            cli_error("cannot read the passphrase: %s", strerror(errno));
            status = LP_EXIT_IO;
        } else if (n == -2) {
            cli_error("passphrase longer than %u bytes",
                      LP_MAX_PASSPHRASE_BYTES);
            status = LP_EXIT_USAGE;
        } else if (n == -3) {
            cli_error("the passphrases do not match");
            status = LP_EXIT_USAGE;
        } else if (n == 0) {
            cli_error("empty passphrase (use --no-passphrase for a key "
                      "without one)");
            status = LP_EXIT_USAGE;
        }
        secret_free(again);
    }
    if (status != LP_EXIT_OK) {
        secret_free(pass);
        return status;
    }
    *out = pass;
    return LP_EXIT_OK;
}

/* Tries at a wrong passphrase typed on the terminal */
#define TERMINAL_TRIES 3

int secret_load_key(lp_key **out, lp_ctx *ctx, const char *path,
                    const char *passfile)
{
    char *pass = NULL;
    int rc, status, tries = passfile ? 1 : TERMINAL_TRIES;

    *out = NULL;
    rc = lp_key_secret_encrypted(ctx, path);
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        return cli_exit_code(rc);
    }
    if (rc == 0)
        tries = 1;
    for (int i = 1; i <= tries; i++) {
        if (rc == 1 || i > 1) {
            status = secret_passphrase(&pass, passfile, 0);
            if (status != LP_EXIT_OK)
                return status;
        }
        rc = lp_key_load_secret(out, ctx, path, pass);
        secret_free(pass);
        pass = NULL;
        if (rc != LP_EPASSPHRASE || i == tries)
            break;
        cli_error("%s; try again (%d more)", cli_lp_msg(ctx, rc),
                  tries - i);
    }
    if (rc < 0) {
        cli_error("%s", cli_lp_msg(ctx, rc));
        return cli_exit_code(rc);
    }
    return LP_EXIT_OK;
}
