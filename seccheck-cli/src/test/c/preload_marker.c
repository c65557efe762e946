/* preload_marker: a library whose constructor says it ran, for LD_PRELOAD tests. */
#include <unistd.h>

__attribute__((constructor)) static void said(void) {
    static const char m[] = "PRELOADED CODE RAN\n";
    write(2, m, sizeof m - 1);
}
