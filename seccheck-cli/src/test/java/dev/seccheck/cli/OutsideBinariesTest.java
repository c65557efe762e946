package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process outside the run runs a binary that was then deleted (a copy of cat); the program
 * executes it through that process's {@code /proc/PID/exe}, directly or as the interpreter a
 * script's {@code #!} line names. Red-team round 21: the exec ran the outside process's file, and
 * the program could read it through its own {@code /proc/self/exe} and its memory. While seccheck
 * performs the opens, the names an exec leads the kernel to open are walked first, as an open's,
 * and the exec fails with EACCES; natively both routes run the file, as root and as uid 65534.
 * Two routes past that walk too: a second thread rewrites the exec's name after the walk (the
 * program is then killed at its exec event, before its first instruction), and a binary's
 * {@code PT_INTERP} names an outside process's deleted dynamic loader (walked at the enter too).
 * The raced exec is killed too when the outside binary is not deleted but has its only name in a
 * directory that seccheck, run as root, may search and the program, run as uid 65534, may not.
 */
class OutsideBinariesTest {

    @TempDir
    Path tmp;

    @RegisterExtension
    final OutsideProcess outside = new OutsideProcess();

    @Test
    void anOutsideProcesssDeletedBinaryIsNotExecutedAsRoot() throws Exception {
        execs(null);
    }

    @Test
    void anOutsideProcesssDeletedBinaryIsNotExecutedAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        execs(PackagedCli.nobodyClasspath());
    }

    private void execs(String nobody) throws Exception {
        Path bin = openDirectory("bin");
        Path copy = heldCopy(bin, Path.of("/bin/cat"), "heldcat");
        // It reads its standard input, a pipe the test holds open, until the test ends it.
        String pid = outside.start(nobody != null, "heldcat", List.of(copy.toString()));
        Files.delete(copy);
        Path script = Files.writeString(bin.resolve("script"), "#!/proc/" + pid + "/exe\nSCRIPT-RAN\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path policy = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);
        List<String> cmd = List.of("sh", "-c", "/proc/" + pid + "/exe --version; \"$0\"; echo done", script.toString());

        PackagedCli.Result natively = PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, policy);
        assertThat(natively.out()).as("natively").contains("(GNU coreutils)").contains("SCRIPT-RAN");

        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "under", nobody, true, cmd, policy);
        assertThat(r.out()).as("under seccheck: %s", r.out() + r.err()).doesNotContain("GNU coreutils")
                .doesNotContain("SCRIPT-RAN").contains("done");
        assertThat(r.err()).as("the shell's report of both refusals").contains("Permission denied");
    }

    @Test
    void aRacedExecNameDoesNotRunAnOutsideBinaryAsRoot() throws Exception {
        racedExecs(null);
    }

    @Test
    void aRacedExecNameDoesNotRunAnOutsideBinaryAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        racedExecs(PackagedCli.nobodyClasspath());
    }

    /** How many raced execs each run makes: about a quarter ran the outside binary natively, and under seccheck before the check. */
    private static final int TRIES = 200;

    private static final Pattern COUNTS = Pattern.compile(
            "tries=(\\d+) refused=(\\d+) failed=(\\d+) killed=(\\d+) exited=(\\d+)\n");

    /**
     * {@code src/test/c/exec_name_race.c}: each child execs a name a second thread keeps rewriting
     * between {@code /bin/true} and the outside process's {@code /proc/PID/exe}, with a marker file
     * to print as its argument (cat prints it, true does not). Under seccheck before the check at
     * the exec event, 76 of 300 execs ran the outside binary (the walk at the enter saw the harmless
     * name); now those are killed at their exec event and none prints the marker.
     */
    private void racedExecs(String nobody) throws Exception {
        Path bin = openDirectory("bin");
        Path copy = heldCopy(bin, Path.of("/bin/cat"), "heldcat");
        String pid = outside.start(nobody != null, "heldcat", List.of(copy.toString()));
        Files.delete(copy);
        Path marker = marker(bin);
        Path program = PackagedCli.compiledFor(tmp, nobody != null, "src/test/c/exec_name_race.c", "-pthread");
        raceOnto(nobody, List.of(program.toString(), "/bin/true", "/proc/" + pid + "/exe", marker.toString(),
                Integer.toString(TRIES)));
    }

    /**
     * The same race onto an outside binary that is not deleted but kept in a directory only root
     * may search (closed once the outside process, uid 65534, ran it from there), with seccheck run
     * as root and the program as uid 65534. The check at the exec event asks whether a name reaches
     * the file the kernel ran, and asked it with seccheck's identity: root found the file by its
     * name, and 49 of 200 raced execs ran it under seccheck (natively, through the link, the
     * program runs it too). That look is now made with the program's identity, which the
     * directory refuses.
     */
    @Test
    void aRacedExecNameDoesNotRunAnOutsideBinaryOnlySeccheckCanReachByName() throws Exception {
        PackagedCli.assumeNobody(tmp);
        Path hidden = Files.createDirectory(tmp.resolve("hidden"));
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path copy = heldCopy(hidden, Path.of("/bin/cat"), "heldcat");
        // It reads its standard input, a pipe the test holds open, until the test ends it.
        String pid = outside.start(true, "heldcat", List.of(copy.toString()));
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rwx------"));
        Path marker = marker(openDirectory("bin"));
        Path program = PackagedCli.compiledFor(tmp, true, "src/test/c/exec_name_race.c", "-pthread");
        raceOnto(null, PackagedCli.nobody(program.toString(), "/bin/true", "/proc/" + pid + "/exe",
                marker.toString(), Integer.toString(TRIES)));
    }

    /**
     * Runs {@code cmd} (an {@code exec_name_race.c} racing onto an outside process's binary)
     * natively and under seccheck, seccheck run as uid 65534 when {@code nobody} is set
     * ({@link PackagedCli#nobodyClasspath}), and checks that the raced name runs that binary
     * natively and never under seccheck, where such an exec is killed at its exec event.
     */
    private void raceOnto(String nobody, List<String> cmd) throws Exception {
        Path policy = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);

        PackagedCli.Result natively = PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, policy);
        Matcher n = counts(natively, "natively");
        // A torn read of the name (half rewritten) names nothing: such an exec fails natively too.
        assertThat(List.of(n.group(2), n.group(4))).as("natively, refused and killed execs: %s", natively.out())
                .containsOnly("0");
        assertThat(natively.out()).as("natively, the raced name runs the outside binary").contains("TARGET-RAN");

        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "under", nobody, true, cmd, policy);
        Matcher m = counts(r, "under seccheck");
        assertThat(r.out()).as("under seccheck: %s", r.out() + r.err()).doesNotContain("TARGET-RAN");
        assertThat(Integer.parseInt(m.group(4))).as("execs raced to the outside binary, killed: %s", r.out() + r.err())
                .isPositive();
        assertThat(r.err()).contains("killed task").contains("is not the file its name reached");
    }

    @Test
    void anOutsideProcesssDeletedDynamicLoaderIsNotAnInterpreterAsRoot() throws Exception {
        outsideLoader(null);
    }

    @Test
    void anOutsideProcesssDeletedDynamicLoaderIsNotAnInterpreterAsUid65534() throws Exception {
        PackagedCli.assumeNobody(tmp);
        outsideLoader(PackagedCli.nobodyClasspath());
    }

    /** The dynamic loader cat names as its ELF interpreter here (Debian's, x86-64). */
    private static final String LOADER = "/lib64/ld-linux-x86-64.so.2";

    /**
     * An outside process runs a copy of the dynamic loader (running cat), deleted then; the program
     * runs a copy of cat whose {@code PT_INTERP} names that process's {@code /proc/PID/exe}
     * (padded with slashes to the loader's length). Natively the kernel maps the deleted loader as
     * the interpreter and cat runs; under seccheck before the walk of {@code PT_INTERP} it ran too;
     * now the exec fails with EACCES.
     */
    private void outsideLoader(String nobody) throws Exception {
        Path bin = openDirectory("bin");
        Path loader = heldCopy(bin, Path.of(LOADER), "heldld");
        String pid = outside.start(nobody != null, "heldld", List.of(loader.toString(), "/bin/cat"));
        Files.delete(loader);
        byte[] cat = Files.readAllBytes(Path.of("/bin/cat"));
        byte[] named = (LOADER + "\0").getBytes(StandardCharsets.ISO_8859_1);
        String through = "/proc/" + pid + "/exe";
        byte[] now = ("/".repeat(LOADER.length() - through.length()) + through + "\0").getBytes(StandardCharsets.ISO_8859_1);
        int at = indexOf(cat, named);
        assertThat(at).as("/bin/cat names %s as its ELF interpreter", LOADER).isNotNegative();
        System.arraycopy(now, 0, cat, at, now.length);
        Path program = Files.write(bin.resolve("viald"), cat);
        Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path marker = marker(bin);
        Path policy = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);
        List<String> cmd = List.of("sh", "-c", "\"$0\" \"$1\"; echo done", program.toString(), marker.toString());

        PackagedCli.Result natively = PackagedCli.nativeOrUnderSeccheck(tmp, "native", nobody, false, cmd, policy);
        assertThat(natively.out()).as("natively: %s", natively.err()).contains("TARGET-RAN");

        PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, "under", nobody, true, cmd, policy);
        assertThat(r.out()).as("under seccheck: %s", r.out() + r.err()).doesNotContain("TARGET-RAN").contains("done");
        assertThat(r.err()).as("the shell's report of the refusal").contains("Permission denied");
    }

    /** A directory of {@code tmp} every user may write. */
    private Path openDirectory(String name) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        return dir;
    }

    /** A copy of {@code original} in {@code dir}, named {@code name}, every user may run. */
    private static Path heldCopy(Path dir, Path original, String name) throws Exception {
        Path copy = Files.copy(original, dir.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
        Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rwxr-xr-x"));
        return copy;
    }

    /** A file every user may read, which the outside binary (cat) prints when it runs. */
    private static Path marker(Path dir) throws Exception {
        Path marker = Files.writeString(dir.resolve("marker"), "TARGET-RAN\n");
        Files.setPosixFilePermissions(marker, PosixFilePermissions.fromString("rw-r--r--"));
        return marker;
    }

    private static Matcher counts(PackagedCli.Result r, String where) {
        Matcher m = COUNTS.matcher(r.out().lines().filter(l -> l.startsWith("tries=")).findFirst().orElse("") + "\n");
        assertThat(m.matches()).as("%s: %s", where, r.out() + r.err()).isTrue();
        return m;
    }

    /** Where {@code needle} first starts in {@code hay}, or -1. */
    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
