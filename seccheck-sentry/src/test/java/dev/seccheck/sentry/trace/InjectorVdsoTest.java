package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which line of a process's maps {@link Injector} runs its injected calls from. */
class InjectorVdsoTest {

    private static final String VDSO = "7f49c9d43000-7f49c9d45000 r-xp 00000000 00:00 0                          [vdso]";

    @Test
    void theKernelsMappingIsFound() {
        assertThat(Injector.vdso(List.of(
                "5616f5fca000-5616f5fd0000 r-xp 00002000 fe:00 260386                     /usr/bin/head",
                "7f49c9d41000-7f49c9d43000 r--p 00000000 00:00 0                          [vvar]",
                VDSO,
                "7ffd1a3e2000-7ffd1a403000 rw-p 00000000 00:00 0                          [stack]")))
                .isEqualTo(new Injector.Mapping(0x7f49c9d43000L, 0x7f49c9d45000L));
    }

    @Test
    void aFileOfTheProgramNamedLikeItIsNot() {
        // Before, the last line ending in "[vdso]" was taken: a mapping of the program's own file,
        // whose bytes and size the program chooses.
        assertThat(Injector.vdso(List.of(
                VDSO,
                "7f0000000000-7f0080000000 r-xp 00000000 fe:00 4242                       /tmp/x/[vdso]",
                "7f1000000000-7f1000001000 r-xp 00000000 fe:00 4243                       /tmp/x/a [vdso]",
                "7f2000000000-7f2000001000 r-xp 00000000 00:00 0                          [anon:[vdso]]")))
                .isEqualTo(new Injector.Mapping(0x7f49c9d43000L, 0x7f49c9d45000L));
        assertThat(Injector.vdso(List.of(
                "7f0000000000-7f0080000000 r-xp 00000000 fe:00 4242                       /tmp/x/[vdso]"))).isNull();
    }

    @Test
    void onlyAnExecutableMappingOfAVdsosSize() {
        assertThat(Injector.vdso(List.of(
                "7f49c9d43000-7f49c9d45000 r--p 00000000 00:00 0                          [vdso]"))).isNull();
        assertThat(Injector.vdso(List.of(
                "7f0000000000-7f0080000000 r-xp 00000000 00:00 0                          [vdso]"))).isNull();
        assertThat(Injector.vdso(List.of("garbage", "", VDSO))).isNotNull();
    }

    @Test
    void thisProcesssOwnIsFound() throws IOException {
        Injector.Mapping m = Injector.vdso(Files.readAllLines(Path.of("/proc/self/maps")));
        assertThat(m).isNotNull();
        assertThat(m.end() - m.start()).isBetween(4096L, Injector.MAX_VDSO);
    }
}
