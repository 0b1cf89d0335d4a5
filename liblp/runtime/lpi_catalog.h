/*
 * lpi_catalog.h - the catalog's insides, for catalog.c and lesson.c.
 */
#ifndef LPI_CATALOG_H
#define LPI_CATALOG_H

#include "lpi_runtime.h"

/* A language of the catalog */
typedef struct lpi_clang {
    const char *tag, *name;          /* into the JSON tree */
    lp_direction dir;
    json_object *fallback;
    /* where its texts may come from: its fallbacks, then the default
     * language (indexes into langs, itself excluded) */
    size_t chain[LP_MAX_LANGUAGES];
    size_t nchain;
    lp_catnode **index;              /* lessons sorted by title */
} lpi_clang;

struct lp_catnode {
    const lp_catalog *cat;
    lp_catnode_kind kind;
    const char *id;
    json_object *title;              /* a text map */
    lp_catnode *parent;
    lp_catnode **kids;
    size_t nkids;
    /* lessons only: their entry in "lessons" */
    json_object *entry, *requires, *objectives, *documents;
    json_object *renamed_from;       /* NULL if it has none */
    const char *source, *fingerprint; /* NULL if the catalog has none */
    uint64_t duration, activities, assignments;
};

struct lp_catalog {
    lp_ctx *ctx;
    lp_package *pkg;                 /* NULL for lp_catalog_parse() */
    json_object *root, *asg_root;
    const char *id, *label, *country, *spdx, *attribution;
    uint64_t version;
    lpi_clang *langs;
    size_t nlangs, def;
    json_object *title, *description, *media, *assignments;
    lp_catnode **subjects;
    size_t nsubjects;
    lp_catnode *lessons;             /* one per lesson, in map order */
    lp_catnode **byid, **teach;      /* sorted by id; in teaching order */
    size_t nlessons, nteach;
    lp_catnode **nodes;              /* subjects, grades and units */
    size_t nnodes, capnodes;
};

/* The language of the catalog with tag (any case), the default for NULL;
 * NULL if there is none */
const lpi_clang *lpi_catalog_lang(const lp_catalog *cat, const char *tag);
/* A checked text map's text in lang, and the language it is really in */
const char *lpi_catalog_text(const lp_catalog *cat, json_object *map,
                             const char *lang, const char **in_lang);

#endif /* LPI_CATALOG_H */
