package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * README's allow list of what runs ({@code binary_path} and {@code mapped_path} kept under
 * {@code /usr/**}) against a program that mounts a tmpfs of its own over a directory under /usr,
 * in a mount namespace of its own, and copies a binary there. seccheck named a file of such a
 * tmpfs as the program sees it, so the copy passed as {@code /usr/local/games/evil} and ran
 * (executed, or mapped by the dynamic loader run as the program). Now that name, the program's
 * choice, is no path a rule on what runs may match: the field is missing and {@code on_missing}
 * (deny) decides. An honest program's own tmpfs still works under the same policy. Each runs
 * natively first; as root in {@code unshare -m} and as uid 65534 in {@code unshare -Urm}.
 */
class ProgramsOwnTmpfsExecTest {

    /** The directory under /usr the program mounts its tmpfs over, in its own namespace only. */
    private static final Path OVER = Path.of("/usr/local/games");

    @TempDir
    Path tmp;

    private Path policy;
    /** The CLI's class path for uid 65534, made once per test. */
    private String nobodyClasspath;

    @BeforeEach
    void rootAndPolicy() throws Exception {
        PackagedCli.assumeNobody(tmp); // root, for the namespaces and to switch to uid 65534
        assumeThat(OVER).as("a directory under /usr to mount over").isDirectory();
        policy = Files.writeString(tmp.resolve("usr-only.json"), """
                {"name": "usr-only",
                 "points": [{"name": "sentry/execve"}, {"name": "sentry/mmap"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": {"not": {"glob": "/usr/**"}}}, "action": "kill"},
                   {"point": "sentry/mmap", "match": {"mapped_path": {"not": {"glob": "/usr/**"}}}, "action": "kill"}],
                  "on_missing": "deny"}}]}""");
    }

    /** Runs {@code script} in a mount namespace of its own (and a user namespace as uid 65534), natively or not. */
    private PackagedCli.Result run(String script, boolean nobody, boolean underSeccheck) throws Exception {
        List<String> cmd = new ArrayList<>(nobody ? List.of("unshare", "-U", "-r", "-m")
                : List.of("unshare", "-m", "--propagation", "private"));
        cmd.addAll(List.of("sh", "-c", script, "script", tmp.toString()));
        Path[] configs = underSeccheck ? new Path[] {policy} : new Path[0];
        if (nobody && nobodyClasspath == null) {
            nobodyClasspath = PackagedCli.nobodyClasspath();
        }
        return nobody ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobodyClasspath, underSeccheck,
                cmd, configs) : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, cmd, configs);
    }

    /** Mounts the tmpfs over {@link #OVER}, copies {@code echo} there as {@code evil} and runs {@code how} it. */
    private static String copiedAndRun(String how) {
        return "mount -t tmpfs own " + OVER + " && cp /usr/bin/echo " + OVER + "/evil && chmod 755 " + OVER + "/evil\n"
                + how + OVER + "/evil TMPFS-BINARY-RAN\necho \"rc=$?\"\n";
    }

    @ParameterizedTest(name = "as uid 65534 in a user namespace: {0}")
    @ValueSource(booleans = {false, true})
    void aBinaryCopiedIntoItsOwnTmpfsOverUsrIsKilledAtItsExec(boolean nobody) throws Exception {
        String script = copiedAndRun("");
        assertThat(run(script, nobody, false).out()).as("natively").isEqualTo("TMPFS-BINARY-RAN\nrc=0\n");
        PackagedCli.Result r = run(script, nobody, true);
        assertThat(r.out()).as(r.err()).isEqualTo("rc=137\n");
        assertThat(r.err()).contains("\"missing\":\"binary_path (the executed file is on a mount"
                + " seccheck cannot vouch for: the file is on a tmpfs or ramfs only the program's mount namespace has");
    }

    @ParameterizedTest(name = "as uid 65534 in a user namespace: {0}")
    @ValueSource(booleans = {false, true})
    void aBinaryCopiedIntoItsOwnTmpfsOverUsrIsNotMappedByTheDynamicLoader(boolean nobody) throws Exception {
        String script = copiedAndRun("/lib64/ld-linux-x86-64.so.2 ");
        assertThat(run(script, nobody, false).out()).as("natively").isEqualTo("TMPFS-BINARY-RAN\nrc=0\n");
        PackagedCli.Result r = run(script, nobody, true);
        assertThat(r.out()).as(r.err()).doesNotContain("TMPFS-BINARY-RAN").doesNotContain("rc=0").contains("rc=");
        assertThat(r.err()).contains("\"missing\":\"mapped_path (the mapped file is on a mount seccheck cannot vouch"
                + " for: the file is on a tmpfs or ramfs only the program's mount namespace has");
    }

    @ParameterizedTest(name = "as uid 65534 in a user namespace: {0}")
    @ValueSource(booleans = {false, true})
    void anHonestProgramsOwnTmpfsWorksUnderTheAllowList(boolean nobody) throws Exception {
        Files.createDirectory(tmp.resolve("mnt"));
        String script = """
                cd "$1" && mount -t tmpfs own mnt
                echo written > mnt/file && cat mnt/file && ls mnt && /usr/bin/true
                echo "rc=$?"
                """;
        String natively = run(script, nobody, false).out();
        assertThat(natively).as("natively").isEqualTo("written\nfile\nrc=0\n");
        PackagedCli.Result r = run(script, nobody, true);
        assertThat(r.out()).as(r.err()).isEqualTo(natively);
    }
}
