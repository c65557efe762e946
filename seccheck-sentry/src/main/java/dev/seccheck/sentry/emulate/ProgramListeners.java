package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixDiag;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ProgramListeners knows the unix listeners seccheck made for its programs ({@link Listens}), so
 * that a program's connect to its own server is made as natively. The kernel records such a
 * listen as seccheck's (SO_PEERCRED names this process, {@code seccheck-run}), the very mark
 * seccheck's own control socket bears; told apart by that mark alone, the program's clients were
 * refused with EPERM as if they had reached the run's control socket. The mark still decides for
 * every other listener: one reached here is the program's only when the kernel's socket
 * diagnostics ({@link UnixDiag}) tie the connection just made to a socket recorded here, never by
 * its name, which another thread could have rebound meanwhile.
 *
 * <p>Process-wide, as the mark is: every listen this process made for a program is one. A socket
 * is recorded by its inode number, which the kernel does not give again while the socket lives;
 * an entry whose socket is gone is dropped when next looked at.
 */
final class ProgramListeners {
    private ProgramListeners() {}

    /** How often a check starts over when the connection moved from the queue to an accepted socket meanwhile. */
    private static final int ATTEMPTS = 3;

    /** The inodes (low 32 bits, as the diagnostics give them) of the unix listeners made for programs. */
    private static final Set<Long> LISTENERS = ConcurrentHashMap.newKeySet();

    /** Records the unix socket of inode {@code ino}, just made to listen for a program. */
    static void listened(long ino) {
        LISTENERS.add(ino & 0xffffffffL);
    }

    /**
     * Whether the connected unix socket of inode {@code client} reached a listener recorded here:
     * its connection waits in that listener's queue (the client's inode is among the listener's
     * {@code UNIX_DIAG_ICONS}), or was accepted, and the accepted socket is bound where that
     * listener is (the same socket file, or the same abstract name: a connection's socket takes
     * its listener's address). False when the diagnostics cannot tell (another network namespace's
     * sockets, a connection already closed by its server): the caller then refuses as before.
     */
    static boolean reached(long client) {
        if (LISTENERS.isEmpty()) {
            return false;
        }
        try {
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                UnixDiag.Socket self = UnixDiag.describe(client, UnixDiag.SHOW_PEER);
                if (self == null) {
                    return false;
                }
                if (self.peer() == 0) {
                    if (inAQueue(self.ino())) {
                        return true;
                    }
                    continue; // accepted since: its peer has an inode now
                }
                UnixDiag.Socket accepted = UnixDiag.describe(self.peer(), UnixDiag.SHOW_NAME | UnixDiag.SHOW_VFS);
                return accepted != null && boundAsOne(accepted);
            }
            return false;
        } catch (LinuxException e) {
            return false;
        }
    }

    /** Whether the client of inode {@code client} waits in the queue of a recorded listener. */
    private static boolean inAQueue(long client) throws LinuxException {
        for (Long ino : LISTENERS) {
            UnixDiag.Socket l = UnixDiag.describe(ino, UnixDiag.SHOW_ICONS);
            if (l == null) {
                LISTENERS.remove(ino);
            } else if (Arrays.stream(l.icons()).anyMatch(i -> i == client)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code accepted} is bound where a recorded listener is: to its socket file (a bind
     * makes a new file, so no other listener has it), or to its abstract name (which one socket of
     * a network namespace holds at a time, and seccheck listens on none of its own).
     */
    private static boolean boundAsOne(UnixDiag.Socket accepted) throws LinuxException {
        boolean isAbstract = accepted.name().length > 0 && accepted.name()[0] == 0;
        if (accepted.file() == null && !isAbstract) {
            return false;
        }
        for (Long ino : LISTENERS) {
            UnixDiag.Socket l = UnixDiag.describe(ino, UnixDiag.SHOW_NAME | UnixDiag.SHOW_VFS);
            if (l == null) {
                LISTENERS.remove(ino);
            } else if (accepted.file() != null ? Arrays.equals(accepted.file(), l.file())
                    : l.file() == null && Arrays.equals(accepted.name(), l.name())) {
                return true;
            }
        }
        return false;
    }
}
