/*
 * main.c - lpack: its command table; common/dispatch.c does the rest
 */
#include <config.h>

#include "common/cli.h"
#include "lpack/lpack.h"

static const cli_command commands[] = {
    { "create", cmd_create, "package every file below a folder" },
    { "info", cmd_info, "show a package's identity and sizes" },
    { "ls", cmd_ls, "list the entries of a package" },
    { "cat", cmd_cat, "write one entry's content to standard output" },
    { "extract", cmd_extract, "extract every entry into a folder" },
    { "verify", cmd_verify, "check every object against the manifest" },
    { "keygen", cmd_keygen, "make a signing key pair" },
    { "sign", cmd_sign, "sign a package's manifest and add the signature" },
    { "manifest", cmd_manifest, "write a package's manifest, for signing" },
    { "sign-manifest", cmd_sign_manifest, "sign a manifest file" },
    { "attach", cmd_attach, "add a signature file to a package" },
    { "trust", cmd_trust, "sign a new trust file, or move to one" },
    { "delta", cmd_delta, "make a delta from old releases to a new one" },
    { "apply", cmd_apply, "rebuild a new release from an old one and deltas" },
    { "publish", cmd_publish, "add signed releases to an update repository" },
    { "update", cmd_update, "take the newest release from a repository" },
    { "html", cmd_html, "write a package's lessons as a static web site" },
    { "mirror", cmd_mirror, "copy a repository, or what a hub needs, checked" },
    { "serve", cmd_serve, "serve packages to browsers over HTTP (a hub)" },
};

int main(int argc, char **argv)
{
    static const cli_tool lpack = {
        "lpack", "Read, check and write lp curriculum packages (.lpk files).\n",
        commands, sizeof(commands) / sizeof(commands[0])
    };

    return cli_dispatch(&lpack, argc, argv);
}
