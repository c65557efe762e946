/* now: prints CLOCK_REALTIME as seconds.nanoseconds, first thing in main. bench/perprocess.sh's
 * "first" block subtracts the time taken just before launching it, natively or under seccheck:
 * the time until the supervised program runs its own first instruction. */
#include <stdio.h>
#include <time.h>

int main(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    printf("%lld.%09ld\n", (long long)t.tv_sec, t.tv_nsec);
    return 0;
}
