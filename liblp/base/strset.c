/*
 * strset.c - a set of strings, by open addressing.
 *
 * For "have we seen this path already?" over as many paths as a package
 * or a curriculum holds, where a linear search would be quadratic.  The
 * set holds pointers: the strings belong to the caller and must outlive
 * it.
 */
#include "lpi.h"

#include <string.h>

size_t lpi_str_hash(const char *s)
{
    size_t h = 1469598103934665603u; /* FNV-1a */

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211u;
    return h;
}

/* The slot holding s, or the empty slot where it would go */
static size_t slot_of(const lpi_strset *set, const char *s)
{
    size_t i;

    for (i = lpi_str_hash(s) & set->mask; set->slots[i];
         i = (i + 1) & set->mask)
        if (strcmp(set->slots[i], s) == 0)
            break;
    return i;
}

const char *lpi_strset_get(const lpi_strset *set, const char *s)
{
    return set->slots ? set->slots[slot_of(set, s)] : NULL;
}

int lpi_strset_add(lp_ctx *ctx, lpi_strset *set, const char *s,
                   const char **had)
{
    size_t i;

    if (had)
        *had = NULL;
    /* at most half full: probes stay short */
    if (2 * (set->n + 1) > set->mask) {
        size_t cap = set->mask ? 2 * (set->mask + 1) : 256;
        lpi_strset bigger = { lpi_calloc(ctx, cap, sizeof(char *)), cap - 1,
                              set->n };

        if (!bigger.slots)
            return LP_ENOMEM;
        for (size_t k = 0; set->slots && k <= set->mask; k++)
            if (set->slots[k])
                bigger.slots[slot_of(&bigger, set->slots[k])] =
                    set->slots[k];
        lpi_free(ctx, (void *)set->slots);
        *set = bigger;
    }
    i = slot_of(set, s);
    if (set->slots[i]) {
        if (had)
            *had = set->slots[i];
        return 0;
    }
    set->slots[i] = s;
    set->n++;
    return 0;
}

void lpi_strset_dispose(lp_ctx *ctx, lpi_strset *set)
{
    lpi_free(ctx, (void *)set->slots);
    memset(set, 0, sizeof(*set));
}
