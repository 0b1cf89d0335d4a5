/*
 * fuzz.h - the entry point every fuzz target defines (libFuzzer's).
 * Built with clang -fsanitize=fuzzer for real fuzzing (see README.md), and
 * with driver.c into plain programs that `make check` runs over the corpus
 * and deterministic mutations of it.
 */
#ifndef LP_FUZZ_H
#define LP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
