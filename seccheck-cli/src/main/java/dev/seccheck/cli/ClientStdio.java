package dev.seccheck.cli;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.linux.Syscalls;

/**
 * ClientStdio holds copies of the standard descriptors of a {@code seccheck exec} client,
 * taken with pidfd_getfd so the command it asked for reads and writes the client's own terminal
 * or pipes. The pid is the requesting process's own, from SO_PEERCRED, and only peers the control
 * socket accepted (the run's user or root, and not a supervised task) get here; taking a
 * descriptor needs the same rights as ptrace over the client, which such a peer already has.
 */
final class ClientStdio implements AutoCloseable {

    private final int[] fds;

    private ClientStdio(int[] fds) {
        this.fds = fds;
    }

    /** Copies descriptors 0, 1 and 2 of process {@code pid}. */
    static ClientStdio of(long pid) throws LinuxException {
        int pidfd = Syscalls.pidfdOpen((int) pid);
        int[] fds = {-1, -1, -1};
        try {
            for (int i = 0; i < 3; i++) {
                fds[i] = Syscalls.pidfdGetfd(pidfd, i);
            }
            return new ClientStdio(fds);
        } catch (LinuxException e) {
            new ClientStdio(fds).close();
            throw e;
        } finally {
            Seccomp.close(pidfd);
        }
    }

    int[] fds() {
        return fds.clone();
    }

    @Override
    public void close() {
        for (int fd : fds) {
            if (fd >= 0) {
                try {
                    Seccomp.close(fd);
                } catch (LinuxException e) {
                    // Already closed.
                }
            }
        }
    }
}
