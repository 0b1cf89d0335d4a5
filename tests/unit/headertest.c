/* The public header compiles on its own, strictly (see Makefile.am). */
#include "lp.h"

int main(void)
{
    lp_writer_opts w = LP_WRITER_OPTS_INIT;
    lp_verify_opts v = LP_VERIFY_OPTS_INIT;
    return (int)(w.version + v.version) - 2;
}
