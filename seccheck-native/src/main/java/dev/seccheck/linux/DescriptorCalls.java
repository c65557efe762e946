package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * DescriptorCalls changes a file's attributes through a descriptor of the calling thread, with no
 * name: fchmod, fchown, fsetxattr, fremovexattr, utimensat with no name (futimens) and an ioctl
 * that takes a small structure ({@link IoctlArgument}: FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR,
 * FS_IOC_SETVERSION, FS_IOC_SET_ENCRYPTION_POLICY, FS_IOC_ENABLE_VERITY). Each returns the kernel's
 * result or {@code -errno} ({@link Direct}), so that a call made for a program answers as the
 * program's own would have: the kernel checks the descriptor (an O_PATH one is EBADF), the
 * arguments and the caller's rights, in its order. Stateless: any thread may use one.
 */
public final class DescriptorCalls {

    /** Creates the calls. */
    public DescriptorCalls() {}

    /**
     * Whether {@code fd} is an O_PATH descriptor (its open file has FMODE_PATH): every call here
     * answers EBADF for one before it looks at anything else, the file's rights included. False
     * when fcntl(F_GETFL) fails (no descriptor: the call itself then says so).
     */
    public boolean pathOnly(int fd) {
        long flags = Direct.call(Sysno.FCNTL, fd, dev.seccheck.abi.Fcntl.F_GETFL, 0, 0);
        return flags >= 0 && (flags & dev.seccheck.abi.Fcntl.O_PATH) != 0;
    }

    /** fchmod(fd, mode): 0 or -errno. */
    public int fchmod(int fd, int mode) {
        return (int) Direct.call(Sysno.FCHMOD, fd, mode, 0, 0);
    }

    /** fchown(fd, uid, gid): 0 or -errno. */
    public int fchown(int fd, int uid, int gid) {
        return (int) Direct.call(Sysno.FCHOWN, fd, uid, gid, 0);
    }

    /**
     * utimensat(fd, NULL, times, flags), which changes the times of the file {@code fd} holds:
     * {@code times} as four longs (seconds, nanoseconds, seconds, nanoseconds), or null for now;
     * 0 or -errno.
     */
    public int futimens(int fd, long[] times, int flags) {
        try (Arena call = Arena.ofConfined()) {
            return (int) Direct.call(Sysno.UTIMENSAT, fd, 0, PathCalls.timespecs(call, times), flags);
        }
    }

    /** fsetxattr(fd, attribute, value, flags): 0 or -errno. */
    public int fsetxattr(int fd, String attribute, byte[] value, int flags) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment v = call.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            return (int) Direct.call(Sysno.FSETXATTR, fd, name(call, attribute), v.address(), value.length, flags, 0);
        }
    }

    /** fremovexattr(fd, attribute): 0 or -errno. */
    public int fremovexattr(int fd, String attribute) {
        try (Arena call = Arena.ofConfined()) {
            return (int) Direct.call(Sysno.FREMOVEXATTR, fd, name(call, attribute), 0, 0);
        }
    }

    /**
     * ioctl(fd, request, arg) with {@code arg} pointing to a copy of {@code argument}'s bytes,
     * zero-padded to its size, each of its pointers set to a copy of what it names; or, when
     * {@code argument} is null, to address 0, which no process maps, so that the kernel's copy of it
     * fails (EFAULT) where a program's of unreadable memory would, after the kernel's own checks of
     * the descriptor. {@link IoctlArgument#NONE} is address 0 too. 0 (or what the request returns)
     * or -errno.
     */
    public int ioctl(int fd, int request, IoctlArgument argument) {
        if (argument == null || (argument.bytes().length == 0 && argument.size() == 0)) {
            return (int) Direct.call(Sysno.IOCTL, fd, Integer.toUnsignedLong(request), 0, 0);
        }
        try (Arena call = Arena.ofConfined()) {
            byte[] bytes = argument.bytes();
            MemorySegment a = call.allocate(Math.max(argument.size(), bytes.length), Long.BYTES);
            MemorySegment.copy(bytes, 0, a, ValueLayout.JAVA_BYTE, 0, bytes.length);
            for (IoctlArgument.Pointed p : argument.pointed()) {
                MemorySegment to = call.allocate(Math.max(1, p.bytes().length));
                MemorySegment.copy(p.bytes(), 0, to, ValueLayout.JAVA_BYTE, 0, p.bytes().length);
                a.set(ValueLayout.JAVA_LONG_UNALIGNED, p.offset(), to.address());
            }
            return (int) Direct.call(Sysno.IOCTL, fd, Integer.toUnsignedLong(request), a.address(), 0);
        }
    }

    private static long name(Arena call, String attribute) {
        byte[] b = FileNames.encode(attribute);
        MemorySegment s = call.allocate(b.length + 1L);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
        return s.address(); // allocate zeroes the segment: the last byte ends the name
    }
}
