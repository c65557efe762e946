package dev.seccheck.abi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FlagsTest {
    @Test
    void compositeFlagsMatchTheHeaders() {
        assertThat(Fcntl.O_SYNC).isEqualTo(04010000);
        assertThat(Fcntl.O_TMPFILE).isEqualTo(020200000);
        assertThat(Fcntl.O_TMPFILE & Fcntl.O_DIRECTORY).isEqualTo(Fcntl.O_DIRECTORY);
        assertThat(Fcntl.AT_FDCWD).isEqualTo(-100);
        assertThat(Fcntl.O_CLOEXEC).isEqualTo(0x80000);
    }

    @Test
    void mappingTypeAndFlagsDoNotOverlap() {
        assertThat(Mman.MAP_TYPE & (Mman.MAP_SHARED | Mman.MAP_PRIVATE | Mman.MAP_SHARED_VALIDATE))
                .isEqualTo(Mman.MAP_SHARED_VALIDATE);
        assertThat(Mman.MAP_TYPE & (Mman.MAP_FIXED | Mman.MAP_ANONYMOUS)).isZero();
        assertThat(Mman.MAP_ANONYMOUS).isEqualTo(0x20);
    }

    @Test
    void cloneFlagsPastBit31AreLong() {
        assertThat(CloneFlags.CLONE_IO).isPositive().isEqualTo(1L << 31);
        assertThat(CloneFlags.CLONE_INTO_CGROUP).isEqualTo(1L << 33);
        assertThat(CloneFlags.CLONE_THREAD).isEqualTo(0x10000);
    }

    @Test
    void everyCloneFlagIsNamedAfterItsConstantAndNothingElseIs() throws Exception {
        int named = 0;
        for (var f : CloneFlags.class.getFields()) {
            if (f.getName().startsWith("CLONE_")) {
                assertThat(CloneFlags.name(f.getLong(null))).as(f.getName()).isEqualTo(f.getName());
                named++;
            }
        }
        assertThat(named).isEqualTo(27);
        assertThat(CloneFlags.name(CloneFlags.CSIGNAL)).isNull();
        assertThat(CloneFlags.name(CloneFlags.CLONE_VM | CloneFlags.CLONE_FS)).isNull();
        assertThat(CloneFlags.name(1L << 34)).isNull();
        assertThat(CloneFlags.name(0)).isNull();
    }
}
