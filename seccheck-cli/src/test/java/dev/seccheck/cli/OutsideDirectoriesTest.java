package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process outside the run holds a directory open on its descriptor 3, whose parent the program
 * may not search; the program makes it its working directory or root through that process's
 * {@code /proc/PID/fd/3} and reads a file below it by a relative name ({@code src/test/c/cwd_reach.c}).
 * Red-team round 21: seccheck did not look at chdir, fchdir or chroot, and names below the working
 * directory were walked from there as ordinary names, so the program read (and could write) files
 * the direct open cannot reach, as root and as uid 65534. Now each call is decided on the
 * directory it reaches, as an open's walk is: a direct chdir or chroot through the link is refused
 * (EACCES), an fchdir to an O_PATH descriptor a raced open got of that directory is refused, and a
 * chdir whose name a second thread rewrites after the decision kills the program at the call's
 * exit, before it reads anything. A name opened relative to such a descriptor (openat) is refused
 * where the directory's own name does not reach it (as root, which searches any directory, the
 * parent is hidden under a mount). Each route reads the file natively (so no test passes for want
 * of a working route or a race).
 */
class OutsideDirectoriesTest {

    private static final Pattern COUNTS =
            Pattern.compile("tries=(\\d+) other=(\\d+) entered=(\\d+) read=(\\d+) harmless=(\\d+)");
    private static final String SECRET = "held by a process outside the run";

    @TempDir
    Path tmp;

    @RegisterExtension
    final OutsideProcess outside = new OutsideProcess();

    @Test
    void aChdirThroughAnOutsideProcesssDescriptorIsRefusedAsRoot() throws Exception {
        direct(null, "chdir");
    }

    @Test
    void aChdirThroughAnOutsideProcesssDescriptorIsRefusedAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        direct(PackagedCli.nobodyClasspath(), "chdir");
    }

    @Test
    void aChrootThroughAnOutsideProcesssDescriptorIsRefused() throws Exception {
        direct(null, "chroot"); // unprivileged, chroot is refused natively (EPERM)
    }

    @Test
    void anFchdirToARacedOPathDescriptorOfTheDirectoryIsRefusedAsRoot() throws Exception {
        racedFchdir(null);
    }

    @Test
    void anFchdirToARacedOPathDescriptorOfTheDirectoryIsRefusedAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        racedFchdir(PackagedCli.nobodyClasspath());
    }

    @Test
    void aRacedChdirOntoTheDirectoryKillsTheProgramBeforeItReadsAsRoot() throws Exception {
        racedChdir(null);
    }

    @Test
    void aRacedChdirOntoTheDirectoryKillsTheProgramBeforeItReadsAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        racedChdir(PackagedCli.nobodyClasspath());
    }

    @Test
    void aNameBelowARacedOPathDescriptorOfTheDirectoryIsNotOpenedAsRoot() throws Exception {
        racedOpenat(null);
    }

    @Test
    void aNameBelowARacedOPathDescriptorOfTheDirectoryIsNotOpenedAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        racedOpenat(PackagedCli.nobodyClasspath());
    }

    private void racedOpenat(String nobody) throws Exception {
        Setup s = setUp(nobody);
        if (nobody != null) {
            racedOpenat(nobody, s);
            return;
        }
        // Root searches any directory: the held one is out of its reach by name only when hidden,
        // here under a tmpfs mounted over its parent.
        Path hidden = tmp.resolve("hidden");
        mount("mount", "-t", "tmpfs", "-o", "size=1m", "seccheck-test", hidden.toString());
        try {
            racedOpenat(null, s);
        } finally {
            mount("umount", hidden.toString());
        }
    }

    /**
     * seccheck runs as root and the program drops to uid 65534 (a service's worker). The tracer
     * walks a chdir's name with seccheck's identity: before, a chdir to the held directory's own
     * name, which the kernel then refused the program (its parent is not searchable), left that
     * directory among those decided, and names below a raced O_PATH descriptor of it were opened.
     */
    @Test
    void aChdirTheKernelRefusesDecidesNothing() throws Exception {
        PackagedCli.assumeNobody(tmp);
        Setup s = setUp(PackagedCli.nobodyClasspath());
        String held = tmp.resolve("hidden").resolve("held").toString();
        List<String> cmd = PackagedCli.nobody(s.program.toString(), "poison", s.target, "secret", s.harmless.toString(),
                "3000", held);
        long[] natively = counts(PackagedCli.nativeOrUnderSeccheck(tmp, "native", null, false, cmd, s.policy));
        assertThat(natively[3]).as("natively, reads below the directory").isPositive();

        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "under", null, true, cmd, s.policy);
        long[] c = counts(r);
        assertThat(c[1]).as("under seccheck, O_PATH descriptors of the directory the race got").isPositive();
        assertThat(c[3]).as("under seccheck, reads below them (of %d)", c[1]).isZero();
        assertThat(r.out()).doesNotContain("READ");
    }

    private static void mount(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }

    private void racedOpenat(String nobody, Setup s) throws Exception {
        List<String> cmd = List.of(s.program.toString(), "openat", s.target, "secret", s.harmless.toString(), "3000");
        long[] natively = counts(PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, s.policy));
        assertThat(natively[3]).as("natively, reads below the directory").isPositive();

        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "under", nobody, true, cmd, s.policy);
        long[] c = counts(r);
        assertThat(c[1]).as("under seccheck, O_PATH descriptors of the directory the race got (else the openat"
                + " calls prove nothing)").isPositive();
        assertThat(c[3]).as("under seccheck, reads below them (of %d)", c[1]).isZero();
        assertThat(r.out()).doesNotContain("READ");
        assertThat(c[4]).as("under seccheck, reads below the harmless directory's descriptors").isPositive();
    }

    private void direct(String nobody, String mode) throws Exception {
        Setup s = setUp(nobody);
        List<String> cmd = List.of(s.program.toString(), mode, s.target, "secret");
        PackagedCli.Result natively = PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, s.policy);
        assertThat(natively.out()).as("natively").contains("READ " + SECRET);

        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "under", nobody, true, cmd, s.policy);
        long[] c = counts(r);
        assertThat(c[2]).as("under seccheck, %s calls that entered the directory: %s", mode, r.out() + r.err()).isZero();
        assertThat(r.out()).doesNotContain("READ");
        assertThat(r.err()).as("the program's own report of the refusal").contains(mode + ": Permission denied");
    }

    private void racedFchdir(String nobody) throws Exception {
        Setup s = setUp(nobody);
        List<String> cmd = List.of(s.program.toString(), "fchdir", s.target, "secret", s.harmless.toString(), "3000");
        long[] natively = counts(PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, s.policy));
        assertThat(natively[3]).as("natively, reads below the directory").isPositive();

        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "under", nobody, true, cmd, s.policy);
        long[] c = counts(r);
        assertThat(c[1]).as("under seccheck, O_PATH descriptors of the directory the race got (else the fchdir"
                + " calls prove nothing)").isPositive();
        assertThat(c[2]).as("under seccheck, fchdir calls onto them that worked (of %d)", c[1]).isZero();
        assertThat(r.out()).doesNotContain("READ");
    }

    private void racedChdir(String nobody) throws Exception {
        Setup s = setUp(nobody);
        List<String> cmd = List.of(s.program.toString(), "race", s.target, "secret", s.harmless.toString(), "20000");
        long[] natively = counts(PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, s.policy));
        assertThat(natively[3]).as("natively, reads below the directory").isPositive();

        Path dir = Files.createDirectory(tmp.resolve("under"));
        ProcessBuilder pb = nobody != null
                ? PackagedCli.asNobodyNativeOrUnderSeccheckProcess(dir, nobody, true, cmd, s.policy)
                : PackagedCli.nativeOrUnderSeccheckProcess(dir, true, cmd, s.policy);
        PackagedCli.Result r = PackagedCli.run(pb, dir, Duration.ofSeconds(120));
        assertThat(r.out()).as("under seccheck: reads below the directory: %s", r.out() + r.err()).doesNotContain("READ");
        assertThat(r.err()).as("under seccheck: the race hit, and the program was killed at the call's exit")
                .contains("reached another directory than the one seccheck decided on");
        assertThat(r.status()).isNotZero();
    }

    /** The program, the outside process's directory link, the harmless directory and the policy. */
    private record Setup(Path program, String target, Path harmless, Path policy) {}

    private Setup setUp(String nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody != null, "src/test/c/cwd_reach.c", "-pthread");
        Path hidden = Files.createDirectory(tmp.resolve("hidden"));
        Path held = Files.createDirectory(hidden.resolve("held"));
        Files.setPosixFilePermissions(held, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path secret = Files.writeString(held.resolve("secret"), SECRET + "\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path harmless = Files.createDirectory(tmp.resolve("harmless"));
        Files.setPosixFilePermissions(harmless, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(Files.writeString(harmless.resolve("secret"), "harmless\n"),
                PosixFilePermissions.fromString("rw-r--r--"));
        String pid = outside.start(nobody != null, "sleep",
                List.of("sh", "-c", "exec 3<\"$0\"; exec sleep 300", held.toString()));
        // From now on the program cannot search the held directory's parent (root still can).
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("---------"));
        Path policy = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);
        return new Setup(program, "/proc/" + pid + "/fd/3", harmless, policy);
    }

    private static long[] counts(PackagedCli.Result r) {
        Matcher m = COUNTS.matcher(r.out());
        assertThat(m.find()).as(r.out() + r.err()).isTrue();
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
                Long.parseLong(m.group(4)), Long.parseLong(m.group(5))};
    }
}
