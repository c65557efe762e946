package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.points.SyscallSchema;
import dev.seccheck.proto.syscall.Dup;
import org.junit.jupiter.api.Test;

class SyscallsToReadTest {

    @Test
    void syscallsWhoseKernelWrittenDataOnlyExistsAtExit() {
        for (String name : new String[] {"pipe", "pipe2", "socketpair", "accept", "accept4", "prlimit64",
                                         "timerfd_settime", "timerfd_gettime"}) {
            assertThat(SyscallsToRead.exitData(Decoding.schema(name).sysno())).as(name).isEqualTo(SyscallsToRead.ExitData.MEMORY);
        }
        assertThat(SyscallsToRead.exitData(32)).isEqualTo(SyscallsToRead.ExitData.RESULT);
        assertThat(SyscallsToRead.exitData(56)).isEqualTo(SyscallsToRead.ExitData.RESULT);
        assertThat(SyscallsToRead.exitData(257)).isEqualTo(SyscallsToRead.ExitData.NONE);
        assertThat(SyscallsToRead.exitData(59)).isEqualTo(SyscallsToRead.ExitData.NONE);
    }

    @Test
    void exitFieldsNameRealFieldsOfEachMessage() {
        for (SyscallSchema s : SyscallSchema.ALL) {
            var descriptor = new Decoding().decoded(SyscallEvent.enter(1, s.sysno())).message().getDescriptorForType();
            for (String f : SyscallsToRead.exitFields(s.sysno())) {
                assertThat(descriptor.findFieldByName(f)).as(s.name() + "." + f).isNotNull();
            }
            assertThat(SyscallsToRead.exitFields(s.sysno()).isEmpty())
                .as(s.name()).isEqualTo(SyscallsToRead.exitData(s.sysno()) == SyscallsToRead.ExitData.NONE);
        }
        assertThat(Dup.getDescriptor().findFieldByName("new_fd")).isNotNull();
    }

    @Test
    void execAndCloseLoseTheirEnterDataAtExit() {
        assertThat(SyscallsToRead.lostAtExit(59)).isTrue();
        assertThat(SyscallsToRead.lostAtExit(322)).isTrue();
        assertThat(SyscallsToRead.lostAtExit(3)).isTrue();
        assertThat(SyscallsToRead.lostAtExit(257)).isFalse();
    }
}
