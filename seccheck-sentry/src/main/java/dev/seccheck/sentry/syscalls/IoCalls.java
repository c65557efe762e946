package dev.seccheck.sentry.syscalls;

import static dev.seccheck.sentry.syscalls.Call.setIfNotNull;

import com.google.protobuf.Message;
import dev.seccheck.proto.syscall.Read;
import dev.seccheck.proto.syscall.Write;

/**
 * IoCalls decodes the read and write families into Read and Write messages. Both messages
 * have the same fields, so one description of a call fills either.
 */
final class IoCalls {
    private IoCalls() {}

    /** What a read or write call asks for, before it becomes a message. */
    private record Io(int fd, Long count, boolean hasOffset, long offset, int flags) {}

    /** read/write(fd, buf, count). */
    static Message plain(Call c, boolean write) {
        return build(c, write, new Io(c.intArg(1), c.arg(3), false, 0, 0));
    }

    /** pread64/pwrite64(fd, buf, count, offset). */
    static Message positioned(Call c, boolean write) {
        return build(c, write, new Io(c.intArg(1), c.arg(3), true, c.arg(4), 0));
    }

    /** readv/writev(fd, iov, iovcnt). */
    static Message vector(Call c, boolean write) {
        return build(c, write, new Io(c.intArg(1), iovecBytes(c), false, 0, 0));
    }

    /**
     * preadv/pwritev(fd, iov, iovcnt, pos_l, pos_h). On x86-64 pos_l already holds the whole
     * 64-bit offset (the kernel shifts pos_h out entirely), so the offset is arg4.
     */
    static Message vectorPositioned(Call c, boolean write) {
        return build(c, write, new Io(c.intArg(1), iovecBytes(c), true, c.arg(4), 0));
    }

    /** preadv2/pwritev2(fd, iov, iovcnt, pos_l, pos_h, flags): offset -1 means the file position. */
    static Message vectorPositioned2(Call c, boolean write) {
        long offset = c.arg(4);
        boolean hasOffset = offset != -1;
        return build(c, write, new Io(c.intArg(1), iovecBytes(c), hasOffset, hasOffset ? offset : 0, c.intArg(6)));
    }

    /**
     * The bytes an iovec array asks for (the sum of its iov_len), as gVisor reports it; null
     * when iovcnt is out of the kernel's range or the array is unreadable.
     */
    private static Long iovecBytes(Call c) {
        long iovcnt = c.arg(3);
        if (iovcnt < 0 || iovcnt > Abi.UIO_MAXIOV) {
            return null;
        }
        if (iovcnt == 0) {
            return 0L;
        }
        long[] iov = c.longs(c.arg(2), (int) iovcnt * 2);
        if (iov == null) {
            return null;
        }
        long total = 0;
        for (int i = 1; i < iov.length; i += 2) {
            total += iov[i];
        }
        return total;
    }

    private static Message build(Call c, boolean write, Io io) {
        if (write) {
            var b = c.fdHead(Write.newBuilder(), Header.WRITE, io.fd()).setHasOffset(io.hasOffset())
                .setOffset(io.offset()).setFlags(io.flags());
            setIfNotNull(io.count(), b::setCount);
            return b.build();
        }
        var b = c.fdHead(Read.newBuilder(), Header.READ, io.fd()).setHasOffset(io.hasOffset())
            .setOffset(io.offset()).setFlags(io.flags());
        setIfNotNull(io.count(), b::setCount);
        return b.build();
    }
}
