/*
 * xsd.c - the curriculum schema's text, compiled in (Makefile.am generates
 * curriculum_xsd.h from schemas/curriculum.xsd).  Its own file so that the
 * validator (schema.c) and the messages (explain.c) both read it without
 * either calling the other.
 */
#include "lpi_source.h"

#include "liblp/curriculum/curriculum_xsd.h"

const unsigned char *lpi_schema_text(size_t *len)
{
    *len = sizeof(lpi_curriculum_xsd) - 1;
    return lpi_curriculum_xsd;
}
