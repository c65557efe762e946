// An accept that a timer signal interrupts (no SA_RESTART: it fails EINTR), after which the
// program closes its listener and listens anew on another port under the same fd number, and
// accepts again with the very same arguments. A client process connects in a loop to whichever
// port is current. Natively every connection accepted is one to the current listener: a
// connection queued on the closed one was reset with it.
// Usage: swapped_listener SECONDS INTERVAL_US
// Prints "accepted N, swaps S, crossed C" (crossed: connections to an earlier listener) and exits
// 0; exits 1 when a call fails otherwise than a native run would.
// The client's connects give up after 50 ms: when the program stops accepting with its listener's
// queue full, a blocking connect would otherwise wait out TCP's SYN retries (about 127 s), and the
// run with it.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void ignore(int sig) { (void)sig; }

// [0]: the port the client connects to; [1]: set when the client is to end.
static volatile int *shared;

static int listen_anew(int *port) {
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) != 0 || listen(l, 64) != 0
            || getsockname(l, (struct sockaddr *)&a, &len) != 0) {
        perror("listener");
        shared[1] = 1; // the client ends too: a run under seccheck waits for it
        exit(1);
    }
    *port = ntohs(a.sin_port);
    return l;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: swapped_listener SECONDS INTERVAL_US\n");
        return 2;
    }
    int seconds = atoi(argv[1]);
    long interval = atol(argv[2]);
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int port;
    int l = listen_anew(&port);
    shared[0] = port;
    pid_t client = fork();
    if (client == 0) {
        close(l);
        while (!shared[1]) {
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct timeval patience = {0, 50000};
            setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &patience, sizeof patience);
            struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(shared[0]),
                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            connect(s, (struct sockaddr *)&a, sizeof a);
            usleep(200);
            close(s);
        }
        _exit(0);
    }
    struct sigaction sa = {.sa_handler = ignore};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval timer = {{0, interval}, {0, interval}};
    setitimer(ITIMER_REAL, &timer, NULL);
    long accepted = 0, swaps = 0, crossed = 0;
    int failed = 0;
    time_t end = time(NULL) + seconds;
    while (time(NULL) < end && !failed) {
        int c = accept(l, NULL, NULL);
        if (c >= 0) {
            struct sockaddr_in a;
            socklen_t len = sizeof a;
            getsockname(c, (struct sockaddr *)&a, &len);
            accepted++;
            if (ntohs(a.sin_port) != port) {
                crossed++;
            }
            close(c);
        } else if (errno == EINTR) {
            int old = l;
            close(l);
            l = listen_anew(&port);
            if (l != old) {
                fprintf(stderr, "the new listener took fd %d, not %d\n", l, old);
                failed = 1;
            }
            shared[0] = port;
            swaps++;
        } else {
            perror("accept");
            failed = 1;
        }
    }
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    shared[1] = 1;
    waitpid(client, NULL, 0);
    printf("accepted %ld, swaps %ld, crossed %ld\n", accepted, swaps, crossed);
    return failed;
}
