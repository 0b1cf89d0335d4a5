/*
 * secret.h - passphrases and secret keys for the lpack signing commands
 *
 * Passphrases live in sodium_malloc'd memory, are wiped before it is
 * freed, and are never printed.
 */
#ifndef LPACK_SECRET_H
#define LPACK_SECRET_H

#include <lp.h>

/**
 * Get a passphrase: the first line of file (without its line end) if file
 * is not NULL, else asked on the terminal without echo (twice if confirm).
 * Failures are reported.
 *
 * @param[out] out  the passphrase; free with secret_free()
 * @return an exit status (LP_EXIT_OK on success).
 */
int secret_passphrase(char **out, const char *file, int confirm);

/** Wipe and free a passphrase.  NULL is accepted. */
void secret_free(char *pass);

/**
 * Load a secret key, getting its passphrase (from passfile, or the
 * terminal) only if it is encrypted.  Failures are reported.
 *
 * @return an exit status.
 */
int secret_load_key(lp_key **out, lp_ctx *ctx, const char *path,
                    const char *passfile);

#endif /* LPACK_SECRET_H */
