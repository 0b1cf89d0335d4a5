/*
 * lpi_lesson.h - a lesson's insides, for lesson.c and answer.c.
 */
#ifndef LPI_LESSON_H
#define LPI_LESSON_H

#include "lpi_runtime.h"

struct lp_node {
    lp_node_type type;
    bool header;              /* a cell: a header cell */
    int element;              /* MATH, MATHML: its number in base's
                                 MathML table (mathml.c) */
    const char *text;         /* a text run */
    json_object *obj;         /* its object, for lp_node_attr() */
    lp_node *kids;            /* contiguous */
    size_t nkids;
};

struct lp_activity {
    const lp_lesson *lesson;
    lp_activity_type type;
    const char *id, *prompt, *correct, *incorrect;
    json_object *options;     /* multiple-choice */
    json_object *answers;     /* multiple-choice: option ids; short-answer:
                                 accepted answers */
    bool truth;               /* true-false */
    const char *value, *tolerance; /* numeric: number strings */
    const char *unit;         /* numeric: NULL if none */
};

/* A needed entry */
typedef struct lpi_need {
    const char *path;         /* into the JSON tree or the catalog's */
    uint64_t size;
    char hash[LP_HASH_HEX_BYTES + 1];
} lpi_need;

struct lp_lesson {
    lp_ctx *ctx;
    json_object *root;
    const char *id, *language, *body_language, *title;
    lp_direction dir, body_dir;
    uint64_t duration;
    json_object *requires, *objectives, *assignments;
    lp_node *blocks;          /* the first nblocks of nodes */
    size_t nblocks;
    lp_node *nodes;
    size_t nnodes;
    lp_activity *acts;
    size_t nacts;
    lpi_need *needs;
    size_t nneeds;
    uint64_t need_total;
};

#endif /* LPI_LESSON_H */
