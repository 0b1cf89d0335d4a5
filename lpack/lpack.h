/*
 * lpack.h - the lpack commands
 *
 * main.c's table, run by cli_dispatch() (common/dispatch.c), sends
 * "lpack VERB ARGS..." to cmd_VERB(argc - 1, argv + 1): argv[0] is the verb.
 * Each command parses its own options, prints its own messages
 * (cli_error) and returns an exit status from common/exit.h.
 */
#ifndef LPACK_LPACK_H
#define LPACK_LPACK_H

#include <stdio.h>

#include <lp.h>

int cmd_create(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_manifest(int argc, char **argv);
int cmd_sign_manifest(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_trust(int argc, char **argv);
int cmd_delta(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_publish(int argc, char **argv);
int cmd_update(int argc, char **argv);
int cmd_mirror(int argc, char **argv);
int cmd_html(int argc, char **argv);
int cmd_serve(int argc, char **argv);

/* delta_info.c: what a delta does, as text or one JSON object */
/* sig_info.c: what a signer signs, what signatures a package carries */
void manifest_info_text(FILE *f, const lp_manifest_info *mi);
void manifest_info_json(FILE *f, const lp_manifest_info *mi);
/* A manifest file's bytes (free()); a package is refused with a hint.
 * Failures are reported; returns an exit status. */
int manifest_read(const char *path, unsigned char **out, size_t *len);
/* Print pkg's signature entries, unchecked (one line each, or JSON
 * members), with holder names from trust if not NULL; an lp code */
int signatures_list(FILE *f, lp_package *pkg, const lp_trust *trust,
                    int json, size_t *count);

void delta_info_text(FILE *f, const lp_delta_info *info);
void delta_info_json(FILE *f, const char *path, const lp_delta_info *info);

#endif /* LPACK_LPACK_H */
