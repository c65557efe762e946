package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.seccheck.points.SyscallSchema;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Pipe;
import dev.seccheck.proto.syscall.Prlimit;
import dev.seccheck.proto.syscall.Syscall;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SyscallDecoderTest {
    /** The message each MessageType names, from the reference's message list. */
    private static final Map<MessageType, String> MESSAGE_OF_TYPE = Map.ofEntries(
        Map.entry(MessageType.MESSAGE_SYSCALL_OPEN, "gvisor.syscall.Open"),
        Map.entry(MessageType.MESSAGE_SYSCALL_CLOSE, "gvisor.syscall.Close"),
        Map.entry(MessageType.MESSAGE_SYSCALL_READ, "gvisor.syscall.Read"),
        Map.entry(MessageType.MESSAGE_SYSCALL_WRITE, "gvisor.syscall.Write"),
        Map.entry(MessageType.MESSAGE_SYSCALL_CONNECT, "gvisor.syscall.Connect"),
        Map.entry(MessageType.MESSAGE_SYSCALL_EXECVE, "gvisor.syscall.Execve"),
        Map.entry(MessageType.MESSAGE_SYSCALL_SOCKET, "gvisor.syscall.Socket"),
        Map.entry(MessageType.MESSAGE_SYSCALL_CHDIR, "gvisor.syscall.Chdir"),
        Map.entry(MessageType.MESSAGE_SYSCALL_SETID, "gvisor.syscall.Setid"),
        Map.entry(MessageType.MESSAGE_SYSCALL_SETRESID, "gvisor.syscall.Setresid"),
        Map.entry(MessageType.MESSAGE_SYSCALL_PRLIMIT64, "gvisor.syscall.Prlimit"),
        Map.entry(MessageType.MESSAGE_SYSCALL_PIPE, "gvisor.syscall.Pipe"),
        Map.entry(MessageType.MESSAGE_SYSCALL_FCNTL, "gvisor.syscall.Fcntl"),
        Map.entry(MessageType.MESSAGE_SYSCALL_DUP, "gvisor.syscall.Dup"),
        Map.entry(MessageType.MESSAGE_SYSCALL_SIGNALFD, "gvisor.syscall.Signalfd"),
        Map.entry(MessageType.MESSAGE_SYSCALL_CHROOT, "gvisor.syscall.Chroot"),
        Map.entry(MessageType.MESSAGE_SYSCALL_EVENTFD, "gvisor.syscall.Eventfd"),
        Map.entry(MessageType.MESSAGE_SYSCALL_CLONE, "gvisor.syscall.Clone"),
        Map.entry(MessageType.MESSAGE_SYSCALL_BIND, "gvisor.syscall.Bind"),
        Map.entry(MessageType.MESSAGE_SYSCALL_ACCEPT, "gvisor.syscall.Accept"),
        Map.entry(MessageType.MESSAGE_SYSCALL_TIMERFD_CREATE, "gvisor.syscall.TimerfdCreate"),
        Map.entry(MessageType.MESSAGE_SYSCALL_TIMERFD_SETTIME, "gvisor.syscall.TimerfdSetTime"),
        Map.entry(MessageType.MESSAGE_SYSCALL_TIMERFD_GETTIME, "gvisor.syscall.TimerfdGetTime"),
        Map.entry(MessageType.MESSAGE_SYSCALL_FORK, "gvisor.syscall.Fork"),
        Map.entry(MessageType.MESSAGE_SYSCALL_INOTIFY_INIT, "gvisor.syscall.InotifyInit"),
        Map.entry(MessageType.MESSAGE_SYSCALL_INOTIFY_ADD_WATCH, "gvisor.syscall.InotifyAddWatch"),
        Map.entry(MessageType.MESSAGE_SYSCALL_INOTIFY_RM_WATCH, "gvisor.syscall.InotifyRmWatch"),
        Map.entry(MessageType.MESSAGE_SYSCALL_SOCKETPAIR, "gvisor.syscall.SocketPair"),
        Map.entry(MessageType.MESSAGE_SYSCALL_MMAP, "gvisor.syscall.Mmap"),
        Map.entry(MessageType.MESSAGE_SYSCALL_LISTEN, "gvisor.syscall.Listen"),
        Map.entry(MessageType.MESSAGE_SYSCALL_PTRACE, "gvisor.syscall.Ptrace"));

    private final Decoding d = new Decoding().with(Decoding.ALL);

    static Stream<SyscallSchema> schemas() {
        return SyscallSchema.ALL.stream();
    }

    @Test
    void allFiftyFourSchematizedSyscallsAreCovered() {
        assertThat(SyscallSchema.ALL).hasSize(54);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemas")
    void enterMessageHasTheSchemasTypeContextAndSysnoButNoExit(SyscallSchema s) {
        DecodedSyscall m = d.decoded(SyscallEvent.enter(Decoding.TID, s.sysno(), 3, 0, 0, 0, 0, 0));
        assertThat(m.type()).isEqualTo(s.messageType());
        assertThat(m.message().getDescriptorForType().getFullName()).isEqualTo(MESSAGE_OF_TYPE.get(s.messageType()));
        assertThat(field(m.message(), "sysno")).isEqualTo((long) s.sysno());
        assertThat(field(m.message(), "context_data")).isEqualTo(Decoding.CTX);
        assertThat(has(m.message(), "exit")).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemas")
    void exitMessageCarriesResultOrZeroAndErrnoAsGvisorDoes(SyscallSchema s) {
        Message ok = d.decoded(SyscallEvent.exit(Decoding.TID, s.sysno(), 7, 3)).message();
        assertThat(field(ok, "exit")).isEqualTo(Exit.newBuilder().setResult(7).build());
        Message failed = d.decoded(SyscallEvent.exit(Decoding.TID, s.sysno(), -13, 3)).message();
        assertThat(field(failed, "exit")).isEqualTo(Exit.newBuilder().setResult(0).setErrorno(13).build());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemas")
    void fdPathAppearsOnlyWhenRequestedAndOffered(SyscallSchema s) {
        boolean offersFdPath = s.optionalFields().stream().anyMatch(f -> f.name().equals("fd_path"));
        SyscallEvent ev = SyscallEvent.enter(Decoding.TID, s.sysno(), 3, 0, 0, 0, 3, 0);
        Message without = new Decoding().decoded(ev).message();
        Message with = new Decoding().with(Decoding.FD_PATH).decoded(ev).message();
        if (s.messageType() == MessageType.MESSAGE_SYSCALL_OPEN && (s.name().equals("open") || s.name().equals("creat"))) {
            assertThat(has(with, "fd_path")).as("AT_FDCWD names no open file").isFalse();
            return;
        }
        boolean hasFdPathField = with.getDescriptorForType().findFieldByName("fd_path") != null;
        if (hasFdPathField) {
            assertThat(has(without, "fd_path")).isFalse();
            assertThat(has(with, "fd_path")).isEqualTo(offersFdPath);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemas")
    void garbageArgumentsNeverThrowAndLeaveUnreadableFieldsOut(SyscallSchema s) {
        Random random = new Random(s.sysno());
        for (int i = 0; i < 200; i++) {
            long[] args = new long[6];
            for (int a = 0; a < 6; a++) {
                args[a] = switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> -1;
                    case 2 -> random.nextInt(4096);
                    default -> random.nextLong();
                };
            }
            long result = random.nextBoolean() ? -random.nextInt(4096) : random.nextLong();
            SyscallEvent ev = random.nextBoolean()
                ? SyscallEvent.enter(Decoding.TID, s.sysno(), args)
                : SyscallEvent.exit(Decoding.TID, s.sysno(), result, args);
            DecodedSyscall m = d.decoded(ev);
            assertThat(m.type()).isEqualTo(s.messageType());
            for (String pointerField : new String[] {"pathname", "address", "new_limit", "old_limit", "new_value", "old_value", "cur_value"}) {
                if (m.message().getDescriptorForType().findFieldByName(pointerField) != null) {
                    assertThat(has(m.message(), pointerField)).as(pointerField + " of an empty address space").isFalse();
                }
            }
        }
    }

    @Test
    void aSchemaOfAnotherSyscallIsAProgrammingError() {
        SyscallEvent ev = SyscallEvent.enter(1, 257);
        assertThatThrownBy(() -> SyscallDecoder.schematized(Decoding.schema("open"), ev, null, Decoding.NONE, d.mem, Decoding.FDS))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("event of syscall 257 decoded with the schema of open (2)");
    }

    @Test
    void nullContextLeavesContextDataOut() {
        DecodedSyscall m = SyscallDecoder.schematized(Decoding.schema("close"), SyscallEvent.enter(1, 3, 4), null,
            Decoding.NONE, d.mem, Decoding.FDS);
        assertThat(has(m.message(), "context_data")).isFalse();
    }

    @Test
    void rawCarriesAllSixArgumentsAndExitOnlyOnExit() {
        SyscallEvent enter = SyscallEvent.enter(9, 435, 1, 2, 3, 4, 5, -6);
        Syscall raw = SyscallDecoder.raw(enter, Decoding.CTX);
        assertThat(raw.getSysno()).isEqualTo(435);
        assertThat(raw.getArg1()).isEqualTo(1);
        assertThat(raw.getArg2()).isEqualTo(2);
        assertThat(raw.getArg3()).isEqualTo(3);
        assertThat(raw.getArg4()).isEqualTo(4);
        assertThat(raw.getArg5()).isEqualTo(5);
        assertThat(raw.getArg6()).isEqualTo(-6);
        assertThat(raw.getContextData()).isEqualTo(Decoding.CTX);
        assertThat(raw.hasExit()).isFalse();

        Syscall exit = SyscallDecoder.raw(SyscallEvent.exit(9, 0, -4, 0, 0, 0), null);
        assertThat(exit.getExit().getResult()).isZero();
        assertThat(exit.getExit().getErrorno()).isEqualTo(4);
        assertThat(exit.hasContextData()).isFalse();
        Syscall big = SyscallDecoder.raw(SyscallEvent.exit(9, 9, 0x7f12_3456_7000L), null);
        assertThat(big.getExit().getResult()).isEqualTo(0x7f12_3456_7000L);
        assertThat(big.getExit().getErrorno()).isZero();
    }

    @Test
    void completeAtExitKeepsEnterDataWhenTheAddressSpaceIsGone() {
        long path = d.mem.string("/bin/echo");
        long argv = d.mem.vector("echo", "hi");
        long envp = d.mem.vector("X=1");
        SyscallSchema execve = Decoding.schema("execve");
        DecodedSyscall atEnter = d.decoded(SyscallEvent.enter(Decoding.TID, 59, path, argv, envp));
        FakeMemory newImage = new FakeMemory();
        var exitCtx = Decoding.CTX.toBuilder().setProcessName("echo").build();
        DecodedSyscall done = SyscallDecoder.completeAtExit(execve, atEnter,
            SyscallEvent.exit(Decoding.TID, 59, 0, path, argv, envp), exitCtx, Decoding.ALL, newImage);
        Execve m = (Execve) done.message();
        assertThat(m.getPathname()).isEqualTo("/bin/echo");
        assertThat(m.getArgvList()).containsExactly("echo", "hi");
        assertThat(m.getEnvvList()).containsExactly("X=1");
        assertThat(m.getExit().getResult()).isZero();
        assertThat(m.getContextData().getProcessName()).isEqualTo("echo");
        assertThat(newImage.reads).as("execve's exit reads no memory").isZero();
    }

    @Test
    void completeAtExitReadsOnlyWhatTheKernelWrote() {
        long fds = d.mem.ints(3, 4);
        SyscallSchema pipe = Decoding.schema("pipe2");
        DecodedSyscall atEnter = d.decoded(SyscallEvent.enter(Decoding.TID, 293, fds, 0x80000));
        Pipe m = (Pipe) SyscallDecoder.completeAtExit(pipe, atEnter, SyscallEvent.exit(Decoding.TID, 293, 0, fds, 0x80000),
            Decoding.CTX, Decoding.NONE, d.mem).message();
        assertThat(m.getReader()).isEqualTo(3);
        assertThat(m.getWriter()).isEqualTo(4);
        assertThat(m.getFlags()).isEqualTo(0x80000);

        long newLimit = d.mem.longs(1, 2);
        long oldLimit = d.mem.longs(3, 4);
        DecodedSyscall prEnter = d.decoded(SyscallEvent.enter(Decoding.TID, 302, 0, 7, newLimit, oldLimit));
        d.mem.put(newLimit, new byte[16]);
        Prlimit pr = (Prlimit) SyscallDecoder.completeAtExit(Decoding.schema("prlimit64"), prEnter,
            SyscallEvent.exit(Decoding.TID, 302, 0, 0, 7, newLimit, oldLimit), Decoding.CTX, Decoding.NONE, d.mem).message();
        assertThat(pr.getNewLimit().getCur()).as("new_limit is what the call was asked, at enter").isEqualTo(1);
        assertThat(pr.getOldLimit().getMax()).isEqualTo(4);
    }

    @Test
    void completeAtExitOfAFailedCallClearsResultFields() {
        SyscallSchema dup = Decoding.schema("dup");
        DecodedSyscall atEnter = d.decoded(SyscallEvent.enter(Decoding.TID, 32, 3));
        Message m = SyscallDecoder.completeAtExit(dup, atEnter, SyscallEvent.exit(Decoding.TID, 32, -24, 3),
            Decoding.CTX, Decoding.NONE, d.mem).message();
        assertThat(field(m, "new_fd")).isEqualTo(0);
        assertThat(field(m, "exit")).isEqualTo(Exit.newBuilder().setResult(0).setErrorno(24).build());
        assertThat(field(m, "fd_path")).isEqualTo("/fd/3");
    }

    @Test
    void completeAtExitRejectsAnEnterEventOrAMismatchedSchema() {
        DecodedSyscall atEnter = d.decoded(SyscallEvent.enter(Decoding.TID, 257, 0, 0, 0, 0));
        assertThatThrownBy(() -> SyscallDecoder.completeAtExit(Decoding.schema("openat"), atEnter,
            SyscallEvent.enter(Decoding.TID, 257), null, Decoding.NONE, d.mem))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("completeAtExit needs an exit event, got the enter of openat");
        assertThatThrownBy(() -> SyscallDecoder.completeAtExit(Decoding.schema("close"), atEnter,
            SyscallEvent.exit(Decoding.TID, 3, 0), null, Decoding.NONE, d.mem))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("message of type MESSAGE_SYSCALL_OPEN completed with the schema of close");
    }

    @Test
    void completeAtExitMatchesAFullExitDecodeForOpenat() {
        long path = d.mem.string("/etc/hosts");
        SyscallEvent enter = SyscallEvent.enter(Decoding.TID, 257, -100, path, 0, 0);
        SyscallEvent exit = SyscallEvent.exit(Decoding.TID, 257, 3, -100, path, 0, 0);
        Open completed = (Open) SyscallDecoder.completeAtExit(Decoding.schema("openat"), d.decoded(enter), exit,
            Decoding.CTX, Decoding.ALL, d.mem).message();
        assertThat(completed).isEqualTo(d.decoded(exit).message());
    }

    private static Object field(Message m, String name) {
        return m.getField(m.getDescriptorForType().findFieldByName(name));
    }

    private static boolean has(Message m, String name) {
        var f = m.getDescriptorForType().findFieldByName(name);
        return f.isRepeated() ? m.getRepeatedFieldCount(f) > 0 : m.hasField(f);
    }
}
