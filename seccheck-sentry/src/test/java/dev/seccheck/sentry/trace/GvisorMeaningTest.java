package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Listen;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sentry.Supervisor;
import dev.seccheck.state.Gate;
import dev.seccheck.state.PointState;
import dev.seccheck.state.Subscriber;
import dev.seccheck.testing.RecordingSink;
import dev.seccheck.testing.RecordingSink.Received;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real programs under seccheck get the values gVisor's sentry fills in for the same operations
 * (issue 11's table): a {@code #!} script run by env, a fork by the shell, a failing open, a
 * listen on a bound socket, and container/start.
 */
class GvisorMeaningTest {

    private static final FieldSet CONTEXT = new FieldSet(FieldMask.EMPTY, FieldMask.of(ContextField.THREAD_ID.id(),
            ContextField.GROUP_ID.id(), ContextField.PROCESS_NAME.id(), ContextField.PARENT_THREAD_GROUP_ID.id()));

    private final RecordingSink recording = new RecordingSink("recording");

    @TempDir
    Path tmp;

    private int run(List<String> argv, String... points) throws Exception {
        Catalog catalog = Catalog.standard();
        List<PointReq> reqs = new ArrayList<>();
        for (String name : points) {
            reqs.add(new PointReq(catalog.byName(name).orElseThrow().point(), CONTEXT));
        }
        PointState state = new PointState();
        state.publish(List.of(new Subscriber(new Gate(), List.of(recording), reqs)));
        return new Supervisor(state, catalog, "gvisor-meaning", line -> {}).run(argv);
    }

    @Test
    void aScriptRunByEnvIsReportedAsPassedWithTheCallersContextAfterTheExecveExit() throws Exception {
        Path script = tmp.resolve("hello.sh");
        Files.writeString(script, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));

        int status = run(List.of("/usr/bin/env", "GREETING=hi", script.toString(), "one"),
                "sentry/execve", "syscall/execve/enter", "syscall/execve/exit", "container/start");

        assertThat(status).isZero();
        List<Received> got = recording.received();
        Start start = (Start) got.stream().filter(g -> g.point().equals("container/start")).findFirst().orElseThrow().msg();
        assertThat(start.getContextData().getProcessName()).as("the program's name, not the spawner thread's").isEqualTo("env");
        assertThat(start.getContextData().getParentThreadGroupId()).as("a sandbox's init has no parent").isZero();

        List<Received> calls = got.stream().filter(g -> !g.point().equals("container/start")).toList();
        // The program seccheck started has its sentry/execve too (gVisor reports none for a
        // sandbox's init): a rule on what runs decides the first command as any other.
        assertThat(calls).extracting(Received::point).as("gVisor's order, after the started program's exec")
                .containsExactly("sentry/execve", "syscall/execve/enter", "syscall/execve/exit", "sentry/execve");
        assertThat(((ExecveInfo) calls.get(0).msg()).getBinaryPath()).as("the started program")
                .isEqualTo(Path.of("/usr/bin/env").toRealPath().toString());
        Execve exit = (Execve) calls.get(2).msg();
        ExecveInfo info = (ExecveInfo) calls.get(3).msg();
        assertThat(exit.getExit().getResult()).isZero();
        assertThat(exit.getContextData().getProcessName()).as("exit before the new program").isEqualTo("env");
        assertThat(info.getArgvList()).as("argv as passed").containsExactly(script.toString(), "one");
        assertThat(info.getEnvList()).as("envp as passed").contains("GREETING=hi");
        assertThat(info.getBinaryPath()).as("the script, not /bin/sh").isEqualTo(script.toRealPath().toString());
        assertThat(info.getExecfn()).isEqualTo(script.toString());
        assertThat(info.getContextData().getProcessName()).as("the caller before the exec").isEqualTo("env");
        assertThat(info.getContextData().getThreadId()).isEqualTo(exit.getContextData().getThreadId());
    }

    @Test
    void forkFlagsFailedOpenAndListenCarryGvisorsValues() throws Exception {
        String py = "import socket\ns = socket.socket()\ns.bind(('127.0.0.1', 0))\ns.listen(5)\n";
        int status = run(List.of("/bin/sh", "-c", "cat /nonexistent-gvisor-meaning 2>/dev/null; python3 -c \"" + py + "\"; true"),
                "sentry/clone", "syscall/openat/exit", "syscall/listen/enter");

        assertThat(status).isZero();
        List<Received> got = recording.received();
        List<CloneInfo> clones = got.stream().filter(g -> g.point().equals("sentry/clone"))
                .map(g -> (CloneInfo) g.msg()).toList();
        // The shell's children come from glibc's fork (a clone with CLONE_CHILD_SETTID |
        // CLONE_CHILD_CLEARTID | SIGCHLD) or its vfork/posix_spawn (CLONE_VM | CLONE_VFORK | SIGCHLD):
        // the real flags, exit signal cleared, never the made-up 17 or 0x4111.
        assertThat(clones).as("the shell's children").isNotEmpty()
                .allSatisfy(c -> assertThat(c.getFlags()).isIn(0x1200000L, 0x4100L));
        Open failed = got.stream().filter(g -> g.msg() instanceof Open o && o.getPathname().endsWith("nonexistent-gvisor-meaning"))
                .map(g -> (Open) g.msg()).findFirst().orElseThrow();
        assertThat(failed.getExit().getResult()).isZero();
        assertThat(failed.getExit().getErrorno()).isEqualTo(2);
        Listen listen = got.stream().filter(g -> g.msg() instanceof Listen).map(g -> (Listen) g.msg()).findFirst().orElseThrow();
        assertThat(listen.getSocketFamily()).isEqualTo(2);  // AF_INET
        assertThat(listen.getSocketType()).isEqualTo(1);    // SOCK_STREAM
        assertThat(listen.getAddress().size()).isEqualTo(16);
        assertThat(listen.getAddress().byteAt(0)).isEqualTo((byte) 2);
        assertThat(listen.getAddress().byteAt(4)).as("127.0.0.1").isEqualTo((byte) 127);
        ContextData c = listen.getContextData();
        assertThat(c.getProcessName()).startsWith("python");
    }
}
