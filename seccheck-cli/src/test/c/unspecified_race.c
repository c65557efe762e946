// unspecified_race PORT N SPINMAX [bound-first]: N times, a TCP connect to 0.0.0.0:PORT while a
// second thread binds the same socket to 127.0.0.2 after a random spin below SPINMAX (with
// bound-first, the connect waits for the bind). The kernel sends 0.0.0.0 to the socket's source
// address, so when the bind lands first the connect reaches 127.0.0.2:PORT. Listeners on
// 127.0.0.1:PORT and 127.0.0.2:PORT are the program's own; it prints how many connects reached each.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static atomic_int go, done;
static int sock;
static long spin;

static struct sockaddr_in inet(const char *ip, int port) {
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static int listener(const char *ip, int port) {
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = inet(ip, port);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (void *)&a, sizeof a) < 0 || listen(s, 4096) < 0) {
        perror(ip);
        exit(2);
    }
    return s;
}

// Accepts and closes connections on the listener passed, so that its queue never fills.
static void *acceptor(void *arg) {
    int l = (int)(long)arg;
    for (;;) {
        int c = accept(l, 0, 0);
        if (c >= 0) close(c);
    }
    return 0;
}

// Binds the socket the main thread connects, after a spin of the main thread's choosing.
static void *binder(void *arg) {
    (void)arg;
    for (;;) {
        while (atomic_load(&go) == 0) sched_yield();
        if (atomic_load(&go) < 0) return 0;
        for (volatile long i = 0; i < spin; i++) ;
        struct sockaddr_in b = inet("127.0.0.2", 0);
        bind(sock, (void *)&b, sizeof b);
        atomic_store(&go, 0);
        atomic_store(&done, 1);
    }
}

int main(int argc, char **argv) {
    int port = atoi(argv[1]), n = atoi(argv[2]), boundFirst = argc > 4;
    long spinmax = atol(argv[3]);
    pthread_t t;
    pthread_create(&t, 0, acceptor, (void *)(long)listener("127.0.0.1", port));
    pthread_create(&t, 0, acceptor, (void *)(long)listener("127.0.0.2", port));
    pthread_create(&t, 0, binder, 0);
    int forbidden = 0, loopback = 0, refused = 0, other = 0;
    for (int i = 0; i < n; i++) {
        sock = socket(AF_INET, SOCK_STREAM, 0);
        spin = random() % spinmax;
        struct sockaddr_in to = inet("0.0.0.0", port);
        atomic_store(&done, 0);
        atomic_store(&go, 1);
        while (boundFirst && !atomic_load(&done)) sched_yield();
        int r = connect(sock, (void *)&to, sizeof to), e = errno;
        while (!atomic_load(&done)) sched_yield();
        if (r == 0) {
            struct sockaddr_in p;
            socklen_t l = sizeof p;
            getpeername(sock, (void *)&p, &l);
            if (p.sin_addr.s_addr == htonl(0x7f000002)) forbidden++; else loopback++;
        } else if (e == ENETUNREACH) refused++; else other++;
        close(sock);
    }
    printf("reached 127.0.0.2: %d, reached 127.0.0.1: %d, refused: %d, other errors: %d\n",
           forbidden, loopback, refused, other);
    return 0;
}
