package dev.seccheck.sentry.syscalls;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.points.SyscallSchema;
import dev.seccheck.proto.common.ContextData;

/** Decoding runs the decoder the way the supervisor will, against a FakeMemory and fake fds. */
final class Decoding {
    static final int TID = 4242;
    static final ContextData CTX = ContextData.newBuilder().setThreadId(TID).setProcessName("workload").build();
    static final FieldSet NONE = FieldSet.EMPTY;
    static final FieldSet FD_PATH = new FieldSet(FieldMask.of(OptionalFields.SYSCALL_FD_PATH.id()), FieldMask.EMPTY);
    static final FieldSet ENVV = new FieldSet(FieldMask.of(OptionalFields.SYSCALL_ENVV.id()), FieldMask.EMPTY);
    static final FieldSet ALL = FD_PATH.union(ENVV);

    /** fd n is "/fd/n", AT_FDCWD is the cwd, fd 99 is not open. */
    static final FdPaths FDS = fd -> switch (fd) {
        case dev.seccheck.abi.Fcntl.AT_FDCWD -> "/home/cwd";
        case 99 -> "[err: FD not found]";
        default -> "/fd/" + fd;
    };

    final FakeMemory mem = new FakeMemory();
    FieldSet fields = NONE;

    Decoding with(FieldSet f) {
        this.fields = f;
        return this;
    }

    static SyscallSchema schema(String name) {
        return SyscallSchema.ALL.stream().filter(s -> s.name().equals(name)).findFirst()
            .orElseThrow(() -> new AssertionError("no schema " + name));
    }

    DecodedSyscall decoded(SyscallEvent ev) {
        SyscallSchema s = SyscallSchema.ALL.stream().filter(x -> x.sysno() == ev.sysno()).findFirst().orElseThrow();
        return SyscallDecoder.schematized(s, ev, CTX, fields, mem, FDS);
    }

    @SuppressWarnings("unchecked")
    <M extends Message> M enter(String name, long... args) {
        return (M) decoded(SyscallEvent.enter(TID, schema(name).sysno(), args)).message();
    }

    @SuppressWarnings("unchecked")
    <M extends Message> M exit(String name, long result, long... args) {
        return (M) decoded(SyscallEvent.exit(TID, schema(name).sysno(), result, args)).message();
    }
}
