package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Procfs reads this JVM's own /proc entries as the kernel and the JDK see them. */
class ProcfsTest {

    private static final long SELF = ProcessHandle.current().pid();
    /** A pid that cannot exist: above the kernel's pid_max limit (4194304). */
    private static final long GONE = 99_999_999L;

    @Test
    void statusGivesIdsAndCredentials() {
        Procfs.Status st = Procfs.status(SELF).orElseThrow();
        assertThat(st.tgid()).isEqualTo((int) SELF);
        assertThat(st.ppid()).isEqualTo((int) ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(st.ids("Uid")).hasSize(4);
        assertThat(st.ids("Gid")).hasSize(4);
        assertThat(st.ids("NoSuchLine")).isNull();
        assertThat(st.fields()).containsKey("Name");
    }

    @Test
    void idsAreTheLinesNumbersWhateverTheWhitespace() {
        Procfs.Status st = new Procfs.Status(java.util.Map.of("Uid", "0\t1000  2\t 3", "Groups", "4 24 27 30 46 100 118 1000 1001", "Gid", ""));
        assertThat(st.ids("Uid")).containsExactly(0, 1000, 2, 3);
        assertThat(st.ids("Groups")).containsExactly(4, 24, 27, 30, 46, 100, 118, 1000, 1001);
        assertThat(st.ids("Gid")).isEmpty();
    }

    @Test
    void idsAreTheUidAndGidLinesTheWholeStatusHas() {
        Procfs.Ids ids = Procfs.ids(SELF).orElseThrow();
        Procfs.Status st = Procfs.status(SELF).orElseThrow();
        assertThat(ids.uid()).containsExactly(st.ids("Uid"));
        assertThat(ids.gid()).containsExactly(st.ids("Gid"));
        assertThat(Procfs.ids(GONE)).isEmpty();
    }

    @Test
    void aThreadNamedLikeTheUidLineCannotPoseAsIt() throws Exception {
        // The name comes first in status; a program may name itself "Uid: 7 7 7 7".
        java.util.concurrent.atomic.AtomicReference<Object> ids = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Files.writeString(Path.of("/proc/thread-self/comm"), "Uid:\t7\t7\t7\t7");
                String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
                ids.set(Procfs.ids(Long.parseLong(self.substring(self.lastIndexOf('/') + 1))).orElseThrow());
            } catch (IOException | RuntimeException e) {
                ids.set(e);
            }
        });
        t.start();
        t.join(10_000);
        assertThat(ids.get()).isInstanceOf(Procfs.Ids.class);
        assertThat(((Procfs.Ids) ids.get()).uid()).containsExactly(Procfs.status(SELF).orElseThrow().ids("Uid"));
    }

    @Test
    void aNameThatIsNotUtf8IsStillReadWithReplacementCharacters() throws Exception {
        // A program may name itself with any bytes; it must not come out nameless.
        java.util.concurrent.atomic.AtomicReference<String> name = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                Files.write(Path.of("/proc/thread-self/comm"), new byte[] {'a', (byte) 0xff, 'b'});
                String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
                name.set(Procfs.comm(Long.parseLong(self.substring(self.lastIndexOf('/') + 1))));
            } catch (IOException e) {
                name.set("failed: " + e);
            }
        });
        t.start();
        t.join(10_000);
        assertThat(name.get()).isEqualTo("a\uFFFDb");
    }

    @Test
    void statGivesParentAndStartTicks() throws IOException {
        String[] f = Procfs.statFieldsAfterComm(SELF);
        assertThat(Procfs.statPpid(f)).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
        assertThat(Procfs.startTicks(SELF)).hasValue(Procfs.statStartTicks(f));
        assertThat(Procfs.bootTimeSeconds()).isPositive();
    }

    @Test
    void linksCommAndNulSeparatedLists() {
        assertThat(Procfs.link(SELF, "cwd")).hasValue(Path.of("").toAbsolutePath().toString());
        assertThat(Procfs.link(SELF, "exe").orElseThrow()).endsWith("/java");
        assertThat(Procfs.comm(SELF)).isNotEmpty().doesNotContain("\n");
        assertThat(Procfs.strings(SELF, "cmdline")).isNotEmpty();
        assertThat(Procfs.strings(SELF, "environ")).allMatch(e -> e.contains("="));
    }

    @Test
    void nulSeparatedKeepsALastStringWithoutItsNul() {
        assertThat(Procfs.nulSeparated("a\0bé\0c".getBytes(StandardCharsets.UTF_8))).containsExactly("a", "bé", "c");
        assertThat(Procfs.nulSeparated("a\0\0".getBytes(StandardCharsets.UTF_8))).containsExactly("a", "");
        assertThat(Procfs.nulSeparated(new byte[0])).isEmpty();
    }

    @Test
    void aGoneProcessGivesEmptyValues() {
        assertThat(Files.exists(Procfs.dir(GONE))).isFalse();
        assertThat(Procfs.status(GONE)).isEmpty();
        assertThat(Procfs.link(GONE, "cwd")).isEmpty();
        assertThat(Procfs.comm(GONE)).isEmpty();
        assertThat(Procfs.strings(GONE, "cmdline")).isEmpty();
        assertThat(Procfs.startTicks(GONE)).isEmpty();
    }
}
