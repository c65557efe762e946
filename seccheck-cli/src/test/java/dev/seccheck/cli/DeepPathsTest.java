package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files whose path from the root is longer than PATH_MAX ({@code src/test/c/deep_names.c}: 25
 * directories of 200 characters, reached a chdir at a time and opened by a relative name). The
 * kernel names no such file, and seccheck took it for one on "a mount seccheck cannot name": under
 * {@code on_missing: allow} a kept file was read (the rule's inodes were never consulted, and its
 * tree walk stopped at PATH_MAX), under {@code deny} the alert gave a false reason, and a deep
 * mkdir or chmod was refused with no word. Now the kept file is refused by its inode whatever
 * {@code on_missing} says, the reason says PATH_MAX, and the mkdir's and chmod's refusals are logged. Every
 * route is taken natively first, so the test cannot pass vacuously; as root and as uid 65534.
 */
class DeepPathsTest {

    @TempDir
    Path tmp;

    @Test
    void deepFilesAreDecidedByInodeAndTheirReasonIsTrue() throws Exception {
        deep(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void deepFilesAreDecidedByInodeAndTheirReasonIsTrueUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        deep(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private static void deep(Path base, String nobodysClasspath) throws Exception {
        Path real = base.toRealPath();
        Path program = CPrograms.compile("src/test/c/deep_names.c", real);
        Path kept = Files.createDirectory(real.resolve("kept"));
        Path own = Files.createDirectory(real.resolve("own"));
        Path made = Files.createDirectory(real.resolve("made"));
        Files.setPosixFilePermissions(made, PosixFilePermissions.fromString("rwxrwxrwx"));
        try {
            for (Path tree : List.of(kept, own)) {
                assertThat(exec(program.toString(), "make", tree.toString(), "DEEP-" + tree.getFileName()))
                        .isEqualTo("made\n");
            }
            Path allowing = policy(real, "allow");
            Path denying = policy(real, "deny");

            assertThat(run(real, nobodysClasspath, false, List.of(program.toString(), "read", kept.toString()), denying))
                    .as("natively").contains("read DEEP-kept");
            assertThat(run(real, nobodysClasspath, false, List.of(program.toString(), "read", own.toString()), denying))
                    .as("natively").contains("read DEEP-own");
            assertThat(run(real, nobodysClasspath, false, List.of(program.toString(), "mkdir", made.resolve("n").toString()),
                    denying)).as("natively").isEqualTo("made\n");
            assertThat(run(real, nobodysClasspath, false, List.of(program.toString(), "chmod", made.resolve("n").toString()),
                    denying)).as("natively").isEqualTo("chmod ok\n");

            // on_missing allow: the kept file is known by its inode, and refused all the same.
            assertThat(run(real, nobodysClasspath, true, List.of(program.toString(), "read", kept.toString()), allowing))
                    .as("the kept file under on_missing allow").contains("open: EACCES").doesNotContain("DEEP-kept");
            assertThat(run(real, nobodysClasspath, true, List.of(program.toString(), "read", own.toString()), allowing))
                    .as("the program's own file under on_missing allow").contains("read DEEP-own");
            assertThat(Files.readString(real.resolve("alerts-allow.jsonl"))).as("the alert")
                    .contains("\"rule_name\":\"kept\"").doesNotContain("missing");

            // on_missing deny: the program's own deep file is refused, for the true reason.
            assertThat(run(real, nobodysClasspath, true, List.of(program.toString(), "read", kept.toString()), denying))
                    .contains("open: EACCES").doesNotContain("DEEP-kept");
            assertThat(run(real, nobodysClasspath, true, List.of(program.toString(), "read", own.toString()), denying))
                    .contains("open: EACCES");
            List<String> alerts = Files.readAllLines(real.resolve("alerts-deny.jsonl"));
            assertThat(alerts).hasSize(2);
            assertThat(alerts.get(0)).doesNotContain("missing");
            assertThat(alerts.get(1)).contains("\"missing\":\"pathname (longer than PATH_MAX")
                    .doesNotContain("cannot name");

            // A deep mkdir is refused (no rule can be checked on the name), and says why.
            String mkdir = run(real, nobodysClasspath, true,
                    List.of(program.toString(), "mkdir", made.resolve("u").toString()), allowing);
            assertThat(mkdir).containsPattern("mkdir [0-9]+: EACCES")
                    .containsPattern("seccheck: refused mkdir from task [0-9]+ \\(deep_names\\): .*longer than PATH_MAX");
            // So is a chmod there, which was refused with no word.
            String chmod = run(real, nobodysClasspath, true,
                    List.of(program.toString(), "chmod", made.resolve("n").toString()), allowing);
            assertThat(chmod).contains("chmod: EACCES")
                    .containsPattern("seccheck: refused chmod from task [0-9]+ \\(deep_names\\): .*longer than PATH_MAX");
        } finally {
            exec("rm", "-rf", kept.toString(), own.toString(), made.toString()); // too deep for Java's delete
        }
    }

    /** A policy denying opens below {@code kept/}, with {@code on_missing} as given and its alerts in alerts-ON.jsonl. */
    private static Path policy(Path real, String onMissing) throws Exception {
        Path alerts = Files.createFile(real.resolve("alerts-" + onMissing + ".jsonl"));
        Files.setPosixFilePermissions(alerts, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path policy = Files.writeString(real.resolve("policy-" + onMissing + ".json"), """
                {"name": "deep", "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "on_missing": "%s", "rules": [
                   {"name": "kept", "point": "syscall/openat/enter",
                    "match": {"resolved_path": {"prefix": "%s/kept/"}}, "action": "deny", "errno": "EACCES"}]}}]}"""
                .formatted(alerts, onMissing, real));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }

    /** Runs {@code command} here, as this user, and returns what it printed; fails unless it exits 0. */
    static String exec(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
        return out;
    }

    /** {@code command} natively or under seccheck with {@code config}, as uid 65534 when a class path is given. */
    static String run(Path base, String nobodysClasspath, boolean underSeccheck, List<String> command, Path config)
            throws Exception {
        PackagedCli.Result r = nobodysClasspath == null
                ? PackagedCli.nativeOrUnderSeccheck(Files.createTempDirectory(base, "run"), underSeccheck, command, config)
                : PackagedCli.asNobodyNativeOrUnderSeccheck(base, nobodysClasspath, underSeccheck, command, config);
        return r.out() + r.err();
    }
}
