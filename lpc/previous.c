/*
 * previous.c - lpc --previous: the lessons of the last release, read from
 * its compiled catalog through the runtime API (lp_catalog_*) and handed
 * to the check as plain data (lp_previous), so that the curriculum part of
 * liblp never depends on the runtime part.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include <lp.h>

#include "common/cli.h"
#include "common/exit.h"
#include "lpc/lpc.h"

int lpc_previous_open(lpc_previous *pv, lp_ctx *ctx, const char *path)
{
    lp_previous init = LP_PREVIOUS_INIT;
    size_t n;
    int rc;

    memset(pv, 0, sizeof(*pv));
    pv->prev = init;
    rc = lp_package_open(&pv->pkg, ctx, path);
    if (rc == 0)
        rc = lp_catalog_open(&pv->cat, ctx, pv->pkg);
    if (rc == LP_ENOTFOUND) {
        cli_error("'%s' has no compiled catalog: --previous takes a "
                  "package that lpc build wrote", path);
        lpc_previous_close(pv);
        return LP_EXIT_INVALID;
    }
    if (rc < 0) {
        cli_error("cannot read the previous release '%s': %s", path,
                  cli_lp_msg(ctx, rc));
        lpc_previous_close(pv);
        return cli_exit_code(rc);
    }
    n = lp_catalog_lesson_count(pv->cat);
    pv->lessons = calloc(n + 1, sizeof(*pv->lessons));
    if (!pv->lessons) {
        cli_error("out of memory");
        lpc_previous_close(pv);
        return LP_EXIT_IO;
    }
    for (size_t i = 0; i < n; i++) {
        const lp_catnode *l = lp_catalog_lesson(pv->cat, i);

        pv->lessons[i].id = lp_catnode_id(l);
        pv->lessons[i].source = lp_catnode_source(l);
        pv->lessons[i].fingerprint = lp_catnode_fingerprint(l);
    }
    pv->prev.name = path;
    pv->prev.id = lp_catalog_id(pv->cat);
    pv->prev.release = lp_catalog_version(pv->cat);
    pv->prev.lessons = pv->lessons;
    pv->prev.nlessons = n;
    return LP_EXIT_OK;
}

void lpc_previous_close(lpc_previous *pv)
{
    free(pv->lessons);
    pv->lessons = NULL;
    lp_catalog_free(pv->cat);
    pv->cat = NULL;
    lp_package_free(pv->pkg);
    pv->pkg = NULL;
}
