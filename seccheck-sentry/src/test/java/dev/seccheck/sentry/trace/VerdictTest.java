package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Pidfd;
import dev.seccheck.state.PointState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One verdict path: what fire() returned becomes allow, deny or kill, applied the same way everywhere. */
class VerdictTest {

    @Test
    void fireResultsMapToVerdicts() {
        assertThat(Verdict.of(0)).isEqualTo(Verdict.ALLOW);
        assertThat(Verdict.of(Errno.EACCES)).isEqualTo(new Verdict.Deny(Errno.EACCES));
        assertThat(Verdict.of(PointState.KILL)).isEqualTo(Verdict.KILL);
    }

    @Test
    void allowLeavesTheSyscallAloneAndDenyFailsItWithItsErrno() throws Exception {
        List<Integer> failed = new ArrayList<>();
        assertThat(Verdict.enforce(Verdict.ALLOW, Verdict.stopped(1), failed::add)).isFalse();
        assertThat(failed).isEmpty();
        assertThat(Verdict.enforce(new Verdict.Deny(Errno.ECONNREFUSED), Verdict.stopped(1), failed::add)).isTrue();
        assertThat(failed).containsExactly(Errno.ECONNREFUSED);
    }

    @Test
    void aKillWithoutAThreadGroupIsRefusedRatherThanSignallingOurOwnGroup() {
        List<Integer> failed = new ArrayList<>();
        assertThatThrownBy(() -> Verdict.enforce(Verdict.KILL, Verdict.stopped(0), failed::add)).hasMessageContaining("no thread group");
        assertThatThrownBy(() -> Verdict.enforceAfter(Verdict.KILL, Verdict.stopped(-1))).hasMessageContaining("no thread group");
        Verdict.enforceAfter(new Verdict.Deny(Errno.EPERM), Verdict.stopped(0)); // nothing to undo after the fact
        assertThat(failed).isEmpty();
    }

    @Test
    void aKillThroughAPidfdReachesItsProcessAndNothingOnceItIsGone() throws Exception {
        Process p = new ProcessBuilder("sleep", "60").start();
        try (Pidfd pidfd = Pidfd.ofProcess((int) p.pid())) {
            List<Integer> failed = new ArrayList<>();
            assertThat(Verdict.enforce(Verdict.KILL, Verdict.through(pidfd), failed::add)).isTrue();
            assertThat(failed).containsExactly(Errno.EPERM);
            assertThat(p.waitFor()).isEqualTo(128 + 9);
            assertThat(pidfd.signal(9)).as("gone: the pidfd names no one else").isEqualTo(-Errno.ESRCH);
        } finally {
            p.destroyForcibly();
        }
        Verdict.enforceAfter(Verdict.KILL, Verdict.through(null)); // no pidfd could be had: nothing to kill
    }
}
