/*
 * fuzz_lesson.c - a lesson document from arbitrary bytes, through the
 * public API (lp_lesson_parse).  Properties: no crash, leak or undefined
 * behaviour; a lesson that opens answers every accessor over its whole
 * tree of nodes; and the answer rules agree with the document: the
 * activity's own answer (the option set, the number, each accepted text)
 * is marked correct, and every answer is marked without an error but
 * LP_EINVAL.
 */
#include "lp.h"
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void walk(const lp_node *n, unsigned depth)
{
    lp_node_type t = lp_node_get_type(n);

    if (depth > 200 || !lp_node_type_name(n) ||
        (t == LP_NODE_TEXT) != (lp_node_text(n) != NULL))
        abort();
    if (t >= LP_NODE_IMAGE && t <= LP_NODE_ATTACHMENT &&
        !lp_node_attr(n, "src"))
        abort();
    if (t == LP_NODE_LINK &&
        !lp_node_attr(n, "lesson") == !lp_node_attr(n, "href"))
        abort();
    (void)lp_node_is_header(n);
    /* math nodes: an element of the list, attributes of it with values */
    if ((t == LP_NODE_MATH || t == LP_NODE_MATHML) !=
        (lp_node_math_element(n) != NULL))
        abort();
    for (size_t i = 0; i < lp_node_math_attr_count(n); i++) {
        const char *name = lp_node_math_attr_name(n, i);

        if (!name || !lp_node_math_attr_value(n, i) ||
            strcmp(lp_node_attr(n, name), lp_node_math_attr_value(n, i)))
            abort();
    }
    for (size_t i = 0; i < lp_node_child_count(n); i++)
        walk(lp_node_child(n, i), depth + 1);
}

static void expect(const lp_activity *a, const char *answer, int want)
{
    int correct = -1, rc = lp_activity_check(a, answer, &correct);

    if (rc < 0 && rc != LP_EINVAL)
        abort();
    if (want >= 0 && (rc != 0 || correct != want))
        abort();
}

static void activity(const lp_activity *a)
{
    static const char *const tries[] = { "", "true", "a b", "2.5", "٢٫٥",
                                         "  Straße ", "\xff" };
    char buf[4200] = "";
    size_t used = 0;

    if (!lp_activity_id(a) || !lp_activity_prompt(a))
        abort();
    for (size_t i = 0; i < sizeof(tries) / sizeof(*tries); i++)
        expect(a, tries[i], -1);
    for (size_t i = 0; i < lp_activity_option_count(a); i++)
        if (!lp_activity_option_id(a, i) || !lp_activity_option_text(a, i))
            abort();
    /* the answer key the document gives is marked correct */
    switch (lp_activity_get_type(a)) {
    case LP_ACTIVITY_MULTIPLE_CHOICE:
        for (size_t i = 0; i < lp_activity_answer_count(a); i++) {
            const char *id = lp_activity_answer(a, i);
            if (strlen(id) + 2 > sizeof(buf) - used)
                return;    /* longer than the test's buffer */
            used += (size_t)snprintf(buf + used, sizeof(buf) - used, " %s",
                                     id);
        }
        expect(a, buf, used > LP_MAX_ANSWER_BYTES ? -1 : 1);
        break;
    case LP_ACTIVITY_SHORT_ANSWER:
        for (size_t i = 0; i < lp_activity_answer_count(a); i++)
            expect(a, lp_activity_answer(a, i), 1);
        break;
    case LP_ACTIVITY_NUMERIC:
        if (!lp_activity_tolerance(a))
            abort();
        /* fall through */
    case LP_ACTIVITY_TRUE_FALSE:
        if (lp_activity_answer_count(a) != 1)
            abort();
        expect(a, lp_activity_answer(a, 0), 1);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lp_ctx *ctx;
    lp_lesson *l;

    if (lp_ctx_new(&ctx, NULL) < 0)
        return 0;
    if (lp_lesson_parse(&l, ctx, data, size) == 0) {
        if (!lp_lesson_id(l) || !lp_lesson_title(l) ||
            !lp_lesson_body_language(l))
            abort();
        for (size_t i = 0; i < lp_lesson_block_count(l); i++)
            walk(lp_lesson_block(l, i), 0);
        for (size_t i = 0; i < lp_lesson_objective_count(l); i++)
            if (!lp_lesson_objective_text(l, i))
                abort();
        for (size_t i = 0; i < lp_lesson_assignment_count(l); i++)
            if (!lp_lesson_assignment_task(l, i) ||
                !lp_lesson_assignment_kind(l, i))
                abort();
        for (size_t i = 0; i < lp_lesson_activity_count(l); i++)
            activity(lp_lesson_activity(l, i));
        lp_lesson_free(l);
    } else if (lp_ctx_errmsg(ctx)[0] == '\0') {
        abort();
    }
    lp_ctx_free(ctx);
    return 0;
}
