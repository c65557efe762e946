package dev.seccheck.bench;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.points.SyscallSchema;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sentry.syscalls.FdPaths;
import dev.seccheck.sentry.syscalls.MemoryFault;
import dev.seccheck.sentry.syscalls.SyscallDecoder;
import dev.seccheck.sentry.syscalls.SyscallEvent;
import dev.seccheck.sentry.syscalls.TaskMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * DecodeBenchmark asks what turning one syscall into its gVisor message costs in Java, with the
 * task's memory already in hand (an in-process array stands in for process_vm_readv, which is
 * measured with the supervisor). {@link #handBuiltOpenat} builds the same Open message with the
 * generated builder directly, so {@code openatEnter / handBuiltOpenat} is the price of the
 * decoder's generality (dispatch, reflection for the common header, null checks).
 *
 * <p>Run: {@code ./build -q -o -pl seccheck-bench -am package -DskipTests &&
 * java -jar seccheck-bench/target/benchmarks.jar DecodeBenchmark -f 2 -wi 3 -i 5 -w 1s -r 1s}
 */
public class DecodeBenchmark extends AverageTimeBenchmark {

    private static final long BASE = 0x7ffd_0000_0000L;
    private static final FieldSet NO_FIELDS = FieldSet.EMPTY;
    private static final FieldSet FD_PATH = new FieldSet(FieldMask.of(OptionalFields.SYSCALL_FD_PATH.id()), FieldMask.EMPTY);
    private static final FdPaths FDS = fd -> fd == FdPaths.AT_FDCWD ? "/home/user/project" : "/home/user/project/data.bin";

    private final ContextData ctx = ContextData.newBuilder()
        .setTimeNs(1_764_374_400_000_000_000L).setThreadId(4242).setThreadGroupId(4242)
        .setProcessName("bench").setCwd("/home/user/project").build();

    private ArrayMemory mem;
    private SyscallSchema openat;
    private SyscallSchema read;
    private SyscallSchema execve;
    private SyscallSchema connect;
    private SyscallEvent openatEv;
    private SyscallEvent readEv;
    private SyscallEvent execveEv;
    private SyscallEvent connectEv;
    private long pathAddr;

    @Setup
    public void setup() {
        ByteBuffer space = ByteBuffer.allocate(8192).order(ByteOrder.LITTLE_ENDIAN);
        pathAddr = BASE + put(space, "/usr/include/x86_64-linux-gnu/sys/types.h");
        long[] argv = new long[9];
        String[] args = {"gcc", "-O2", "-c", "-o", "main.o", "-Iinclude", "-DNDEBUG", "main.c"};
        for (int i = 0; i < args.length; i++) {
            argv[i] = BASE + put(space, args[i]);
        }
        long binary = BASE + put(space, "/usr/bin/gcc");
        space.position((space.position() + 7) & ~7);
        long argvAddr = BASE + space.position();
        for (long p : argv) {
            space.putLong(p);
        }
        long sockaddr = BASE + space.position();
        space.put(new byte[] {2, 0, 0x1f, (byte) 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0});
        mem = new ArrayMemory(BASE, space.array());

        openat = schema("openat");
        read = schema("read");
        execve = schema("execve");
        connect = schema("connect");
        openatEv = SyscallEvent.enter(4242, 257, FdPaths.AT_FDCWD, pathAddr, 0x80000, 0);
        readEv = SyscallEvent.exit(4242, 0, 4096, 3, BASE, 4096);
        execveEv = SyscallEvent.enter(4242, 59, binary, argvAddr, 0);
        connectEv = SyscallEvent.enter(4242, 42, 3, sockaddr, 16);
    }

    private static long put(ByteBuffer space, String s) {
        long at = space.position();
        space.put(s.getBytes(StandardCharsets.UTF_8)).put((byte) 0);
        return at;
    }

    private static SyscallSchema schema(String name) {
        return SyscallSchema.ALL.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /** The raw point: six registers copied, no memory read. The floor. */
    @Benchmark
    public Message raw() {
        return SyscallDecoder.raw(openatEv, ctx);
    }

    /** read's exit: registers only, plus the exit. */
    @Benchmark
    public Message readExit() {
        return decode(read, readEv, NO_FIELDS);
    }

    /** openat's enter: one path string read from task memory. */
    @Benchmark
    public Message openatEnter() {
        return decode(openat, openatEv, NO_FIELDS);
    }

    /** openat's enter with fd_path (resolution is a constant here; /proc readlink is the supervisor's). */
    @Benchmark
    public Message openatEnterFdPath() {
        return decode(openat, openatEv, FD_PATH);
    }

    /** The same Open message as openatEnter, built by hand: the baseline for the decoder's overhead. */
    @Benchmark
    public Message handBuiltOpenat() {
        Open.Builder b = Open.newBuilder().setContextData(ctx).setSysno(257).setFd((int) openatEv.arg1())
            .setFlags((int) openatEv.arg3());
        try {
            b.setPathname(mem.readString(openatEv.arg2(), 4096));
        } catch (MemoryFault e) {
            // Left out, as the decoder does.
        }
        return b.build();
    }

    /** connect's enter: a 16-byte sockaddr copied. */
    @Benchmark
    public Message connectEnter() {
        return decode(connect, connectEv, NO_FIELDS);
    }

    /** execve's enter: the path and an 8-element argv vector. */
    @Benchmark
    public Message execveEnter() {
        return decode(execve, execveEv, NO_FIELDS);
    }

    /** Decodes one schematized syscall event with the shared context, memory and descriptor paths. */
    private Message decode(SyscallSchema schema, SyscallEvent ev, FieldSet fields) {
        return SyscallDecoder.schematized(schema, ev, ctx, fields, mem, FDS).message();
    }

    /** ArrayMemory is a task address space held in one array starting at {@code base}. */
    private record ArrayMemory(long base, byte[] bytes) implements TaskMemory {
        @Override
        public byte[] read(long addr, int len) throws MemoryFault {
            long off = addr - base;
            if (off < 0 || len < 0 || off + len > bytes.length) {
                throw new MemoryFault(addr, "EFAULT");
            }
            byte[] out = new byte[len];
            System.arraycopy(bytes, (int) off, out, 0, len);
            return out;
        }

        @Override
        public String readString(long addr, int max) throws MemoryFault {
            long off = addr - base;
            if (off < 0 || off >= bytes.length) {
                throw new MemoryFault(addr, "EFAULT");
            }
            int start = (int) off;
            int end = start;
            int limit = (int) Math.min(bytes.length, (long) start + max);
            while (end < limit && bytes[end] != 0) {
                end++;
            }
            if (end == bytes.length && end - start < max) {
                throw new MemoryFault(base + end, "EFAULT");
            }
            return new String(bytes, start, end - start, StandardCharsets.UTF_8);
        }
    }
}
