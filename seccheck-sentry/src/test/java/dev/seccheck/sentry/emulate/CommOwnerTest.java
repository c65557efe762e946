package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The task whose comm an opened /proc name is ({@link OpenEmulation#commOwner}). */
class CommOwnerTest {

    @Test
    void theNumberBeforeCommIsTheTask() {
        assertThat(OpenEmulation.commOwner("/proc/1234/comm")).isEqualTo(1234);
        assertThat(OpenEmulation.commOwner("/proc/1234/task/1240/comm")).isEqualTo(1240);
        assertThat(OpenEmulation.commOwner("/mnt/proc/7/comm")).isEqualTo(7);
    }

    @Test
    void aNameWithNoTaskNumberHasNone() {
        assertThat(OpenEmulation.commOwner(null)).isEqualTo(-1);
        assertThat(OpenEmulation.commOwner("/proc/self/comm")).isEqualTo(-1);
        assertThat(OpenEmulation.commOwner("/comm")).isEqualTo(-1);
        assertThat(OpenEmulation.commOwner("/proc/1234/status")).isEqualTo(-1);
    }
}
