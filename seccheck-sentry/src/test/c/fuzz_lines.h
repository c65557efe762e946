/* fuzz_lines.h: the line each call of a fuzz program (argument_fuzz.c, guard_fuzz.c) prints, built
 * piece by piece as its arguments are drawn: what it was given, by name, never by an address or a
 * number that differs from run to run. */
#ifndef FUZZ_LINES_H
#define FUZZ_LINES_H

#include <stdarg.h>
#include <stdio.h>

/* What the current call was given, by name. */
static char what[1024];
static size_t what_len;

/* Adds to the line, as printf formats. */
static void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(what + what_len, sizeof what - what_len, fmt, ap);
    va_end(ap);
    if (n > 0) what_len += (size_t)n < sizeof what - what_len ? (size_t)n : sizeof what - what_len - 1;
}

/* Starts the line of call I. */
static void new_line(long i) {
    what_len = 0;
    what[0] = 0;
    say("%ld ", i);
}

#endif
