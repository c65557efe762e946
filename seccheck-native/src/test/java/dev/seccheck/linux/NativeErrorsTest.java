package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import org.junit.jupiter.api.Test;

class NativeErrorsTest {
    @Test
    void ptraceErrorNamesRequestPidAndErrno() {
        // This process is no tracee of its own: the kernel answers ESRCH.
        int self = (int) ProcessHandle.current().pid();
        assertThatThrownBy(() -> new Ptrace().getRegs(self, new Regs()))
                .isInstanceOf(LinuxException.class)
                .hasMessage("ptrace(PTRACE_GETREGS, " + self + "): ESRCH (No such process)");
    }

    @Test
    void waitpidWithoutChildrenIsEchild() {
        assertThatThrownBy(() -> new Wait().waitpid(1, Wait.WNOHANG))
                .isInstanceOf(LinuxException.class)
                .hasMessage("waitpid(1): ECHILD (No child processes)")
                .satisfies(e -> assertThat(((LinuxException) e).errno()).isEqualTo(Errno.ECHILD));
    }

    @Test
    void describeCoversTheWholeErrnoTable() {
        assertThat(LinuxException.describe(Errno.EOVERFLOW)).isEqualTo("EOVERFLOW (Value too large for defined data type)");
        assertThat(LinuxException.name(999)).isEqualTo("errno 999");
    }

    @Test
    void nativeErrnoNamesAreTheAbiTable() {
        assertThat(dev.seccheck.linux.Errno.ESRCH).isEqualTo(Errno.ESRCH);
        assertThat(Signals.SIGKILL).isEqualTo(dev.seccheck.abi.Signal.SIGKILL);
        assertThat(Syscalls.SYS_SECCOMP).isEqualTo(dev.seccheck.abi.Sysno.SECCOMP);
    }
}
