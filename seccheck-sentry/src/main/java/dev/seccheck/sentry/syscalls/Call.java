package dev.seccheck.sentry.syscalls;

import com.google.protobuf.Message;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.points.SyscallSchema;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.sink.Missing;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * Call is one decoding in progress: the event, the task's memory and fds, and which optional
 * fields were asked for. Its readers turn every unreadable pointer into {@code null} so that a
 * bad pointer in a traced program only leaves a field empty.
 */
final class Call {
    final SyscallSchema schema;
    final SyscallEvent ev;
    final ContextData ctx;
    final TaskMemory mem;
    final FdPaths fds;
    private final boolean fdPath;
    final boolean envv;
    /** The fields left out because they could not be read, and why: sinks must not take absence for a value. */
    Missing missing = Missing.NONE;

    Call(SyscallSchema schema, SyscallEvent ev, ContextData ctx, FieldSet fields, TaskMemory mem, FdPaths fds) {
        this.schema = schema;
        this.ev = ev;
        this.ctx = ctx;
        this.mem = mem;
        this.fds = fds;
        this.fdPath = offered(schema, fields, OptionalFields.SYSCALL_FD_PATH.id());
        this.envv = offered(schema, fields, OptionalFields.SYSCALL_ENVV.id());
    }

    /** A field counts only when both the schema offers it and a session asked for it. */
    private static boolean offered(SyscallSchema schema, FieldSet fields, int id) {
        if (!fields.hasLocal(id)) {
            return false;
        }
        for (var f : schema.optionalFields()) {
            if (f.id() == id) {
                return true;
            }
        }
        return false;
    }

    long arg(int i) {
        return ev.arg(i);
    }

    /** Argument {@code i} as the C {@code int} the kernel sees (the low 32 bits, sign-extended). */
    int intArg(int i) {
        return (int) ev.arg(i);
    }

    /** Whether this is the exit of a syscall that succeeded: only then did the kernel write results. */
    boolean succeeded() {
        return ev.exit() && !ev.isError();
    }

    /** Sets context_data (when given), exit (on exit events) and sysno, and returns the builder. */
    <B extends Message.Builder> B head(B b, Header<B> h) {
        if (ctx != null) {
            h.context(b, ctx);
        }
        if (ev.exit()) {
            h.exit(b, exit());
        }
        h.sysno(b, Integer.toUnsignedLong(ev.sysno()));
        return b;
    }

    /**
     * {@link #head}, then the fd the call names and, when asked for, its fd_path: how every
     * message about one file descriptor starts.
     */
    <B extends Message.Builder> B fdHead(B b, Header<B> h, int fd) {
        head(b, h);
        h.fd(b, fd);
        String path = fdPath(fd);
        if (path != null) {
            h.fdPath(b, path);
        }
        return b;
    }

    Exit exit() {
        return exitOf(ev);
    }

    /**
     * The exit of {@code ev} in gVisor's meaning: a failed call has result 0 and the errno in
     * errorno (gVisor's syscalls return (0, err)); a consumer tells failure by errorno alone.
     */
    static Exit exitOf(SyscallEvent ev) {
        return ev.isError()
            ? Exit.newBuilder().setErrorno(ev.errno()).build()
            : Exit.newBuilder().setResult(ev.result()).build();
    }

    /**
     * The path of {@code fd} when fd_path is requested and offered, else null. A negative fd
     * (AT_FDCWD, mmap's -1, signalfd's "make a new one") names no open file: gVisor reports an
     * empty path for it, which proto3 sends as no field.
     */
    String fdPath(int fd) {
        if (!fdPath || fd < 0) {
            return null;
        }
        String path = fds.path(fd);
        if (path.startsWith("[err: ")) {
            missing = missing.with("fd_path", (fd == Fcntl.AT_FDCWD ? "cwd" : "fd " + fd) + ": "
                    + path.substring(6, path.length() - 1));
        }
        return path;
    }

    /** The NUL-terminated string at {@code addr} (up to PATH_MAX), or null when unreadable. */
    String path(long addr) {
        if (addr == 0) {
            missing = missing.with("pathname", "NULL pointer");
            return null;
        }
        try {
            String s = mem.readString(addr, Fcntl.PATH_MAX);
            // The kernel counts the NUL in PATH_MAX: a string this long was cut, and is not what the call names.
            if (s.length() * 3 >= Fcntl.PATH_MAX && s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= Fcntl.PATH_MAX) {
                missing = missing.with("pathname", "longer than PATH_MAX");
            }
            String doubt = mem.doubt(addr);
            if (doubt != null) {
                missing = missing.with("pathname", doubt);
            }
            return s;
        } catch (MemoryFault e) {
            missing = missing.with("pathname", e.reason() + " at 0x" + Long.toHexString(e.address()));
            return null;
        }
    }

    /**
     * A socket address of {@code len} bytes at {@code addr}, or null when none or unreadable (then
     * recorded missing); a unix path the memory doubts ({@link TaskMemory#doubt}) is recorded as
     * a missing {@code unix_path}.
     */
    byte[] address(long addr, int len) {
        if (len <= 0) {
            return null;
        }
        if (addr == 0) {
            missing = missing.with("address", "NULL pointer");
            return null;
        }
        try {
            byte[] bytes = mem.read(addr, len);
            // A unix path seccheck could not make the socket's real one: the family, an IP and a port stay sure.
            String doubt = mem.doubt(addr);
            if (doubt != null) {
                missing = missing.with("unix_path", doubt);
            }
            return bytes;
        } catch (MemoryFault e) {
            missing = missing.with("address", e.reason() + " at 0x" + Long.toHexString(e.address()));
            return null;
        }
    }

    /** {@code len} bytes at {@code addr}, or null when unreadable. */
    byte[] bytes(long addr, int len) {
        if (addr == 0 || len <= 0) {
            return null;
        }
        try {
            return mem.read(addr, len);
        } catch (MemoryFault e) {
            return null;
        }
    }

    /** The little-endian 64-bit words at {@code addr}, or null when unreadable. */
    long[] longs(long addr, int count) {
        ByteBuffer b = littleEndian(addr, count * Long.BYTES);
        return b == null ? null : IntStream.range(0, count).mapToLong(i -> b.getLong(i * Long.BYTES)).toArray();
    }

    /** The little-endian 32-bit ints at {@code addr}, or null when unreadable. */
    int[] ints(long addr, int count) {
        ByteBuffer b = littleEndian(addr, count * Integer.BYTES);
        return b == null ? null : IntStream.range(0, count).map(i -> b.getInt(i * Integer.BYTES)).toArray();
    }

    /** {@code len} bytes at {@code addr} in the x86-64 byte order, or null when unreadable. */
    private ByteBuffer littleEndian(long addr, int len) {
        byte[] b = bytes(addr, len);
        return b == null ? null : ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Sets a field only when its value could be read: absent beats wrong. */
    static <T> void setIfNotNull(T value, Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}
