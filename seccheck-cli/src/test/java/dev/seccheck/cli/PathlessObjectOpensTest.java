package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opens that reach an object no path reaches (a pipe, a socket, an anonymous inode, through a
 * {@code /proc/PID/fd/N} link: {@code /dev/stdin}, process substitution's {@code /dev/fd/63},
 * {@code /dev/stderr}) under the README's guard policy, a rule on {@code resolved_path} with
 * {@code on_missing} deny. Before, seccheck took such an object for a file on a mount it cannot
 * name and {@code on_missing} refused each open with EACCES: {@code echo hi | cat /dev/stdin},
 * {@code cat <(echo x)} and {@code echo x > /dev/stderr} with stderr a pipe failed, and a socket's
 * reopen gave EACCES where the kernel gives ENXIO. Now each opens as natively, the pipe's
 * {@code pathname} the kernel's name ({@code pipe:[N]}, which a rule on {@code pathname} decides);
 * a FIFO on disk keeps its name (a rule on it holds, and its reopen through {@code /proc/self/fd/N}
 * is decided on its path). Natively first, as root and as uid 65534.
 */
class PathlessObjectOpensTest {

    @TempDir
    Path tmp;

    private static final String SHELL_IDIOMS = """
            echo hi | cat /dev/stdin; echo "stdin=$?"
            cat <(echo procsub); echo "procsub=$?"
            { echo x > /dev/stderr; } 2>&1 | cat; echo "stderr=${PIPESTATUS[0]}"
            """;

    @Test
    void shellIdiomsOnPipesWorkUnderTheReadmesGuardPolicy() throws Exception {
        shellIdioms(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534), the pipes theirs. */
    @Test
    void shellIdiomsOnPipesWorkUnderTheReadmesGuardPolicyUnprivileged() throws Exception {
        shellIdioms(PackagedCli.forNobody(tmp));
    }

    @Test
    void reopeningAPipeSocketOrAnonymousInodeGetsTheKernelsAnswer() throws Exception {
        reopens(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void reopeningAPipeSocketOrAnonymousInodeGetsTheKernelsAnswerUnprivileged() throws Exception {
        reopens(PackagedCli.forNobody(tmp));
    }

    private void shellIdioms(String nobodysClasspath) throws Exception {
        Path real = tmp.toRealPath();
        Path config = Files.writeString(real.resolve("guard.json"), PolicyEnforcementTest.readmeGuardPolicy());
        List<String> command = List.of("/bin/bash", "-c", SHELL_IDIOMS);
        String expected = "hi\nstdin=0\nprocsub\nprocsub=0\nx\nstderr=0\n";
        for (boolean under : new boolean[] {false, true}) {
            assertThat(DeepPathsTest.run(real, nobodysClasspath, under, command, config))
                    .as(under ? "under seccheck (no alert either)" : "natively").isEqualTo(expected);
        }
    }

    private void reopens(String nobodysClasspath) throws Exception {
        Path real = tmp.toRealPath();
        Path program = CPrograms.compile("src/test/c/pathless_reopen.c", real);
        Path kept = real.resolve("kept-fifo");
        Path other = real.resolve("other-fifo");
        for (Path fifo : List.of(kept, other)) {
            assertThat(new ProcessBuilder("mkfifo", "-m", "666", fifo.toString()).start().waitFor()).isZero();
        }
        // The README's policy with its rule on the kept FIFO, and rules logging the opens of pipes
        // by their name and of the other FIFO by its path.
        String policy = PolicyEnforcementTest.readmeGuardPolicy().replace("/etc/shadow*", real + "/kept*")
                .replace("\"rules\": [", "\"rules\": [\n   {\"effect\": \"open_file\", \"match\": {\"pathname\": "
                        + "{\"glob\": \"pipe:*\"}}, \"action\": \"log\"},\n   {\"effect\": \"open_file\", \"match\": "
                        + "{\"resolved_path\": \"" + other + "\"}, \"action\": \"log\"},");
        Path config = Files.writeString(real.resolve("guard.json"), policy);
        List<String> command = List.of(program.toString(), kept.toString(), other.toString());

        String natively = DeepPathsTest.run(real, nobodysClasspath, false, command, config);
        String anonymous = nobodysClasspath == null ? "ENXIO" : "EACCES"; // the anonymous inode is root's, mode 0600
        assertThat(natively).as("natively").isEqualTo(String.join("\n",
                "pipe-read-end-for-reading ok", "pipe-read-end-for-writing wrote 1 read 1 a", "socket ENXIO",
                "eventfd " + anonymous, "epoll " + anonymous, "fifo-by-name ok", "other-fifo-through-proc ok", ""));

        String guarded = DeepPathsTest.run(real, nobodysClasspath, true, command, config);
        List<String> alerts = guarded.lines().filter(l -> l.startsWith("{")).toList();
        assertThat(guarded.lines().filter(l -> !l.startsWith("{")).toList()).as(guarded)
                .isEqualTo(natively.replace("fifo-by-name ok", "fifo-by-name EACCES").lines().toList());
        assertThat(alerts).as(guarded).hasSize(5);
        assertThat(alerts.stream().filter(a -> a.contains("\"action\":\"log\"") && a.contains("\"matched\":{\"pathname\":\"pipe:[")))
                .as("the pipe's opens, named as the kernel names it").hasSize(2);
        assertThat(alerts.stream().filter(a -> a.contains("\"action\":\"log\"")
                && a.contains("\"matched\":{\"resolved_path\":\"" + other + "\"}"))).as("the other FIFO's, by its path").hasSize(2);
        assertThat(alerts.stream().filter(a -> a.contains("\"action\":\"deny\"")
                && a.contains("\"matched\":{\"resolved_path\":\"" + kept + "\"}"))).as("the kept FIFO's").hasSize(1);
        assertThat(guarded).doesNotContain("missing");
    }
}
