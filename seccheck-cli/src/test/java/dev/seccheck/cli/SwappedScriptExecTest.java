package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code #!} script whose name is swapped for another script's between the kernel's open and
 * seccheck's look is not taken for that other script (red team rt8, finding 1). {@code flip_exec}
 * keeps renaming a symlink between a denied and an allowed script while its children exec it; the
 * two differ only in their {@code #!} line, which prints which one the kernel ran and its pid.
 * Natively the denied one runs; under a kill rule on its {@code binary_path} it must never run, and
 * in a trail with no deciding sink no process that ran the denied script may be reported as the
 * allowed one. Before the fix 84 of 400 denied runs went through, and the trail named the allowed
 * script for them. As root and as uid 65534.
 */
class SwappedScriptExecTest {

    /** Denied runs went through in 38 to 42 of 200 execs before the fix: 100 show it. */
    private static final int EXECS = 100;
    private static final Pattern RAN = Pattern.compile("(DENIED|allowed)-SCRIPT pid=(\\d+)");

    @TempDir
    Path tmp;

    @Test
    void aScriptSwappedAfterTheKernelsOpenIsNeitherRunNorMisreported() throws Exception {
        swapped(tmp, null);
    }

    @Test
    void aScriptSwappedAfterTheKernelsOpenIsNeitherRunNorMisreportedUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        swapped(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private static void swapped(Path base, String nobodysClasspath) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")), "/usr/bin/perl");
        Path dir = base.toRealPath();
        Path flip = CPrograms.compile("src/test/c/flip_exec.c", dir);
        Path denied = script(dir, "denied.sh", "DENIED");
        Path allowed = script(dir, "allowed.sh", "allowed");
        Path links = dir.resolve("flip");
        Files.createDirectory(links);
        Files.setPosixFilePermissions(links, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> command = List.of(flip.toString(), links.toString(), Integer.toString(EXECS),
                denied.toString(), allowed.toString());

        String natively = run(dir, nobodysClasspath, false, command, null);
        assertThat(count(natively, "DENIED")).as("natively the denied script runs: " + natively).isPositive();

        Path trail = dir.resolve("trail.txt");
        Path deciding = Files.writeString(dir.resolve("deny.json"), """
                {"name": "deny-script", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}],
                  "on_missing": "deny"}}]}""".formatted(denied));
        String under = run(dir, nobodysClasspath, true, command, deciding);
        assertThat(count(under, "DENIED")).as("denied runs under the rule: " + under).isZero();
        assertThat(count(under, "allowed")).as("the allowed script still runs").isPositive();

        Path reporting = Files.writeString(dir.resolve("trail.json"), """
                {"name": "trail", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(trail));
        String reported = run(dir, nobodysClasspath, true, command, reporting);
        Set<String> deniedPids = pids(reported, "DENIED");
        assertThat(deniedPids).as("the denied script ran in the trail's run").isNotEmpty();
        for (String line : Files.readAllLines(trail)) {
            String pid = line.split(" ", 2)[0];
            if (line.contains(" --- execve ") && deniedPids.contains(pid)) {
                assertThat(line).as("a run of the denied script").doesNotContain(allowed.toString());
            }
        }
    }

    /** A script whose {@code #!} line alone prints {@code what} and the pid of the process the kernel ran it in. */
    private static Path script(Path dir, String name, String what) throws Exception {
        Path s = dir.resolve(name);
        Files.writeString(s, "#!/usr/bin/perl -eprint\"" + what + "-SCRIPT pid=$$\\n\"\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        return s;
    }

    private static long count(String out, String what) {
        return out.lines().filter(l -> l.startsWith(what + "-SCRIPT")).count();
    }

    private static Set<String> pids(String out, String what) {
        Set<String> pids = new HashSet<>();
        Matcher m = RAN.matcher(out);
        while (m.find()) {
            if (m.group(1).equals(what)) {
                pids.add(m.group(2));
            }
        }
        return pids;
    }

    private static String run(Path dir, String nobodysClasspath, boolean underSeccheck, List<String> command,
            Path config) throws Exception {
        Path[] configs = config == null ? new Path[0] : new Path[] {config};
        PackagedCli.Result r = nobodysClasspath == null
                ? PackagedCli.nativeOrUnderSeccheck(dir, underSeccheck, command, configs)
                : PackagedCli.asNobodyNativeOrUnderSeccheck(dir, nobodysClasspath, underSeccheck, command, configs);
        return r.out();
    }
}
