package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An exec rule is decided on the names the binary had when the kernel executed it, not on a name
 * the program gives it afterwards (red team R2, finding 1). {@code renamed_exec} makes a binary in
 * a denied directory after seccheck loaded its policy (so no device and inode of the policy's
 * load knows it), executes it in a child and, once the child's comm shows the kernel executed it,
 * renames it out of the directory, or links it elsewhere and unlinks it, before seccheck names it
 * at the exec event. Natively every exec runs; under a kill rule none may. Before the fix 18 to 43
 * of 100 renamed and about 20 of 100 linked-and-unlinked binaries ran. A symlink flipped between
 * an allowed and the denied binary while the child executes it (the kernel may then run another
 * file than the one the name reached at the call's enter) is killed too, and an allowed binary
 * executed through a symlink that stays put runs every time. As root and as uid 65534.
 */
class RenamedBinaryExecTest {

    private static final int EXECS = 100;
    private static final Pattern COUNTS = Pattern.compile(
            "ran=(\\d+) allowed=(\\d+) killed=(\\d+) enoent=(\\d+) other=(\\d+)");
    /** seccheck's line for an exec whose file changed between the call's enter and the exec. */
    private static final String CHANGED = "changed while it was executed";

    @TempDir
    Path tmp;

    @Test
    void aBinaryRenamedOutOfADeniedDirectoryOnceExecutedIsStillKilled() throws Exception {
        moved(tmp, null, "rename", true);
    }

    @Test
    void aBinaryRenamedOutOfADeniedDirectoryOnceExecutedIsStillKilledUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        moved(PackagedCli.nobodysDir(tmp.resolve("u")), classpath, "rename", true);
    }

    @Test
    void aDeniedBinaryLinkedElsewhereAndUnlinkedOnceExecutedIsStillKilled() throws Exception {
        moved(tmp, null, "link", false);
    }

    @Test
    void aDeniedBinaryLinkedElsewhereAndUnlinkedOnceExecutedIsStillKilledUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        moved(PackagedCli.nobodysDir(tmp.resolve("u")), classpath, "link", false);
    }

    @Test
    void aSymlinkFlippedBetweenTheCallAndTheExecIsKilled() throws Exception {
        flipped(tmp, null);
    }

    @Test
    void aSymlinkFlippedBetweenTheCallAndTheExecIsKilledUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        flipped(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    @Test
    void anAllowedBinaryExecutedThroughASymlinkRunsEveryTime() throws Exception {
        plain(tmp, null);
    }

    @Test
    void anAllowedBinaryExecutedThroughASymlinkRunsEveryTimeUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        plain(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    /**
     * {@code mode} rename or link: the denied binary is moved away once executed, under a kill rule
     * on its directory ({@code glob}) or on its exact path (a link's unlinked name reads
     * {@code (deleted)}, which a glob on the directory still matches).
     */
    private static void moved(Path base, String nobodysClasspath, String mode, boolean glob) throws Exception {
        Layout l = layout(base);
        List<String> command = List.of(l.program().toString(), mode, Integer.toString(EXECS), l.denied().toString(),
                l.elsewhere().toString());
        int[] natively = counts(run(l.dir(), nobodysClasspath, false, command, null).out());
        assertThat(natively[0]).as("natively the denied binary runs every time").isEqualTo(EXECS);

        String match = glob ? "{\"glob\": \"" + l.denied().getParent() + "/**\"}" : "\"" + l.denied() + "\"";
        PackagedCli.Result under = run(l.dir(), nobodysClasspath, true, command, policy(l.dir(), match));
        int[] c = counts(under.out());
        assertThat(c[0]).as("runs of the denied binary under the rule: " + under.out() + under.err()).isZero();
        assertThat(c[2]).as("its execs were killed: " + under.out() + under.err()).isEqualTo(EXECS);
    }

    /**
     * The child executes a symlink another process keeps flipping between an allowed binary and
     * the denied one, which is renamed away once executed: the denied one never runs, the allowed
     * one still does.
     */
    private static void flipped(Path base, String nobodysClasspath) throws Exception {
        Layout l = layout(base);
        List<String> command = List.of(l.program().toString(), "flip", Integer.toString(EXECS), l.denied().toString(),
                l.elsewhere().toString(), l.allowed().toString());
        int[] natively = counts(run(l.dir(), nobodysClasspath, false, command, null).out());
        assertThat(natively[0]).as("natively the denied binary runs").isPositive();
        assertThat(natively[1]).as("natively the allowed binary runs").isPositive();

        String match = "{\"glob\": \"" + l.denied().getParent() + "/**\"}";
        PackagedCli.Result under = run(l.dir(), nobodysClasspath, true, command, policy(l.dir(), match));
        int[] c = counts(under.out());
        assertThat(c[0]).as("runs of the denied binary under the rule: " + under.out() + under.err()).isZero();
        assertThat(c[1]).as("the allowed binary still runs: " + under.out() + under.err()).isPositive();
    }

    /** An allowed binary executed through a symlink that stays put runs every time, with no line about it. */
    private static void plain(Path base, String nobodysClasspath) throws Exception {
        Layout l = layout(base);
        List<String> command = List.of(l.program().toString(), "plain", Integer.toString(EXECS), l.denied().toString(),
                l.elsewhere().toString(), l.allowed().toString());
        String match = "{\"glob\": \"" + l.denied().getParent() + "/**\"}";
        PackagedCli.Result under = run(l.dir(), nobodysClasspath, true, command, policy(l.dir(), match));
        int[] c = counts(under.out());
        assertThat(c[1]).as("runs of the allowed binary: " + under.out() + under.err()).isEqualTo(EXECS);
        assertThat(under.err()).doesNotContain(CHANGED);
    }

    /** Where the test's files are: the program, the denied directory E, and O beside it (writable by the runner). */
    private record Layout(Path dir, Path program, Path denied, Path elsewhere, Path allowed) {}

    private static Layout layout(Path base) throws Exception {
        Path dir = base.toRealPath();
        Path program = CPrograms.compile("src/test/c/renamed_exec.c", dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path e = Files.createDirectory(dir.resolve("E"));
        Path o = Files.createDirectory(dir.resolve("O"));
        for (Path d : List.of(e, o)) {
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        return new Layout(dir, program, e.resolve("evil"), o.resolve("evil"), o.resolve("ok"));
    }

    private static Path policy(Path dir, String match) throws Exception {
        return Files.writeString(dir.resolve("kill-" + System.nanoTime() + ".json"), """
                {"name": "no-exec-from-E", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": %s}, "action": "kill"}],
                  "on_missing": "deny"}}]}""".formatted(match));
    }

    /** ran, allowed, killed, enoent, other, as {@code renamed_exec} printed them. */
    private static int[] counts(String out) {
        Matcher m = COUNTS.matcher(out);
        assertThat(m.find()).as("renamed_exec's counts in: " + out).isTrue();
        int[] c = new int[5];
        for (int i = 0; i < c.length; i++) {
            c[i] = Integer.parseInt(m.group(i + 1));
        }
        return c;
    }

    private static PackagedCli.Result run(Path dir, String nobodysClasspath, boolean underSeccheck,
            List<String> command, Path config) throws Exception {
        Path[] configs = config == null ? new Path[0] : new Path[] {config};
        return nobodysClasspath == null
                ? PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck, command, configs)
                : PackagedCli.asNobodyNativeOrUnderSeccheck(dir, nobodysClasspath, underSeccheck, command, configs);
    }
}
