/* fuzz_draws.h: the draws of the fuzz programs (argument_fuzz.c, route_fuzz.c), a xorshift
 * generator seeded from the command line, so that a seed makes the same calls natively and under
 * seccheck, on every machine. */
#ifndef FUZZ_DRAWS_H
#define FUZZ_DRAWS_H

#include <stdint.h>
#include <stdlib.h>

static uint64_t state;

/* Starts the draws of SEED (a number as strtoull reads it). */
static void seed_draws(const char *seed) { state = strtoull(seed, NULL, 0) * 0x9E3779B97F4A7C15ull + 1; }

static uint64_t next(void) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* A number below N. */
static unsigned below(unsigned n) { return (unsigned)(next() % n); }

/* True once in N draws. */
static inline int one_in(unsigned n) { return below(n) == 0; }

#endif
