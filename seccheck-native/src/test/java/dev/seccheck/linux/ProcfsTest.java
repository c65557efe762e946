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

    /** A capability line is hexadecimal, 64 bits; a missing or malformed one reads as nothing. */
    @Test
    void hexReadsACapabilityLineAndRefusesWhatIsNotOne() {
        byte[] raw = ("Name:\tCapEff:\t1\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
                + "CapEff:\tffffffffffffffff\nCapBnd:\t00000000a80425fb x\nCapAmb:\t00000000000000000\n")
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(Procfs.hex(raw, raw.length, "CapInh:")).hasValue(0);
        assertThat(Procfs.hex(raw, raw.length, "CapPrm:")).hasValue(0x1ffffffffffL);
        assertThat(Procfs.hex(raw, raw.length, "CapEff:")).as("the line, not the name").hasValue(-1L);
        assertThat(Procfs.hex(raw, raw.length, "CapBnd:")).isEmpty();
        assertThat(Procfs.hex(raw, raw.length, "CapAmb:")).as("17 digits").isEmpty();
        assertThat(Procfs.hex(raw, raw.length, "NoSuch:")).isEmpty();
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
    void idsAreTheThreadsOwnRealEffectiveSavedAndFilesystemIds() throws Exception {
        // The raw system calls change the calling thread's ids only (glibc's wrappers would change every thread's).
        org.junit.jupiter.api.Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "setting ids 1, 2, 3 needs root");
        java.util.concurrent.atomic.AtomicLong tid = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CountDownLatch changed = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch read = new java.util.concurrent.CountDownLatch(1);
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
                tid.set(Long.parseLong(self.substring(self.lastIndexOf('/') + 1)));
                assertThat(Direct.call(dev.seccheck.abi.Sysno.SETRESGID, 4, 5, 6, 0)).isZero();
                assertThat(Direct.call(dev.seccheck.abi.Sysno.SETRESUID, 1, 2, 3, 0)).isZero();
                changed.countDown();
                read.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            assertThat(changed.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            Procfs.Ids ids = Procfs.ids(tid.get()).orElseThrow();
            assertThat(ids.uid()).containsExactly(1, 2, 3, 2);
            assertThat(ids.gid()).containsExactly(4, 5, 6, 5);
            Procfs.Ids lines = Procfs.idsFromStatus(tid.get()).orElseThrow();
            assertThat(lines.uid()).containsExactly(ids.uid());
            assertThat(lines.gid()).containsExactly(ids.gid());
            assertThat(Procfs.ids(SELF).orElseThrow().uid()).as("the main thread's, unchanged").containsExactly(0, 0, 0, 0);
        } finally {
            read.countDown();
            t.join(10_000);
        }
    }

    @Test
    void aStatusLongerThanOneReadIsReadWhole() throws Exception {
        // 1,500 supplementary groups make the Groups line alone some 8 KB, past the first read's 4 KB.
        org.junit.jupiter.api.Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "setgroups needs root");
        java.util.concurrent.atomic.AtomicReference<Object> got = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = Thread.ofPlatform().start(() -> {
            try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
                java.lang.foreign.MemorySegment gids = arena.allocate(java.lang.foreign.ValueLayout.JAVA_INT, 1500);
                for (int i = 0; i < 1500; i++) {
                    gids.setAtIndex(java.lang.foreign.ValueLayout.JAVA_INT, i, 100_000 + i);
                }
                assertThat(Direct.call(dev.seccheck.abi.Sysno.SETGROUPS, 1500, gids.address(), 0, 0)).isZero();
                String self = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
                got.set(Procfs.status(Long.parseLong(self.substring(self.lastIndexOf('/') + 1))).orElseThrow());
            } catch (IOException | RuntimeException e) {
                got.set(e);
            }
        });
        t.join(10_000);
        assertThat(got.get()).isInstanceOf(Procfs.Status.class);
        Procfs.Status st = (Procfs.Status) got.get();
        assertThat(st.ids("Groups")).hasSize(1500).startsWith(100_000).endsWith(101_499);
        assertThat(st.fields()).containsKey("Threads").containsKey("voluntary_ctxt_switches");
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
    void aNamespaceLinkNamesItsInodeOnlyForItsOwnType() throws IOException {
        String user = Procfs.link(SELF, "ns/user").orElseThrow();
        assertThat(Procfs.namespaceInode(user, "user")).hasValue((Long) Files.getAttribute(Path.of("/proc/self/ns/user"), "unix:ino"));
        assertThat(Procfs.namespaceInode("mnt:[4026531841]", "mnt")).hasValue(4026531841L);
        assertThat(Procfs.namespaceInode("mnt:[4026531841]", "mn")).isEmpty();
        assertThat(Procfs.namespaceInode("user:[4026531837]", "mnt")).isEmpty();
        assertThat(Procfs.namespaceInode("mnt:[]", "mnt")).isEmpty();
        assertThat(Procfs.namespaceInode("mnt:[12x]", "mnt")).isEmpty();
        assertThat(Procfs.namespaceInode("/tmp/mnt:[1]", "mnt")).isEmpty();
        assertThat(Procfs.namespaceInode(null, "mnt")).isEmpty();
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

    /** A test's JVM has no controlling terminal unless run from one; a process that is gone gives nothing. */
    @Test
    void theControllingTerminalIsStatsSeventhField() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        long tty = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[4]);
        assertThat(Procfs.controllingTty(SELF)).hasValue(tty);
        assertThat(Procfs.controllingTty(GONE)).isEmpty();
    }
}
