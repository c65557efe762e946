package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program whose thread has syscall user dispatch on ({@code syscall_dispatch.c}, as Wine's
 * threads running Windows code have it) takes the sessions an operator creates on its run and the
 * commands {@code seccheck exec} runs in it, and is not harmed by them (red-team round 23). The
 * tracer makes a stopped thread run a seccomp(2) of its own from the vDSO to give it a session's
 * new filter layer; with dispatch on, the kernel made that a SIGSYS, the injected call never ran,
 * the create failed after a thousand stops and the held-back signals (a SIGTRAP among them) were
 * sent again: the program was killed by SIGTRAP and the operator told only that the peer closed
 * the connection. Dispatch is now off while injected calls run and given back after.
 */
class SyscallUserDispatchTest {

    @TempDir
    Path tmp;

    @Test
    void sessionsAndExecsReachAProgramWithSyscallUserDispatch() throws Exception {
        String printed = BlockedSignalsControlTest.control(tmp, tmp,
                PackagedCli.java(System.getProperty("java.class.path")), "src/test/c/syscall_dispatch.c");
        assertThat(printed).as("none of the program's own calls dispatched").contains("dispatched 0");
    }

    /** The same with seccheck, its CLI and the program unprivileged (uid 65534). */
    @Test
    void sessionsAndExecsReachAProgramWithSyscallUserDispatchUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        String printed = BlockedSignalsControlTest.control(tmp, PackagedCli.nobodysDir(tmp.resolve("u")),
                PackagedCli.asNobody(classpath), "src/test/c/syscall_dispatch.c");
        assertThat(printed).as("none of the program's own calls dispatched").contains("dispatched 0");
    }
}
