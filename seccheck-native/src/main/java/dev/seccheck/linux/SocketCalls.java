package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * SocketCalls performs connect, bind and sendto on a socket seccheck took from a program
 * ({@code pidfd_getfd}), with the address seccheck read, and returns the kernel's answer
 * ({@code -errno} on failure, see {@link Direct}): EINPROGRESS, a short count and ECONNREFUSED
 * go back to the program unchanged.
 */
public final class SocketCalls {
    private SocketCalls() {}

    /** connect(fd, addr): 0 or -errno. */
    public static long connect(int fd, byte[] addr) {
        try (Arena arena = Arena.ofConfined()) {
            return Direct.call(Sysno.CONNECT, fd, copy(arena, addr).address(), addr.length, 0);
        }
    }

    /** bind(fd, addr): 0 or -errno. */
    public static long bind(int fd, byte[] addr) {
        try (Arena arena = Arena.ofConfined()) {
            return Direct.call(Sysno.BIND, fd, copy(arena, addr).address(), addr.length, 0);
        }
    }

    /** sendto(fd, data, flags, addr): the count sent or -errno. */
    public static long sendto(int fd, byte[] data, int flags, byte[] addr) {
        try (Arena arena = Arena.ofConfined()) {
            return Direct.call(Sysno.SENDTO, fd, copy(arena, data).address(), data.length, flags,
                    copy(arena, addr).address(), addr.length);
        }
    }

    private static MemorySegment copy(Arena arena, byte[] b) {
        MemorySegment s = arena.allocate(Math.max(1, b.length), 8);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
        return s;
    }
}
