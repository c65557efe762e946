package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file a rule keeps from being opened cannot be read by executing it through a binfmt_misc
 * handler registered with flag O (red team rt10, r2): the kernel opens the file itself and hands it
 * to the handler as the AT_EXECFD descriptor of its auxiliary vector, which the handler reads, with
 * no open of the program's to decide. The program is now killed at its exec, before the handler's
 * first instruction, and the alert names the file; a handler with flag O given an allowed file still
 * reads it. A kill rule on {@code execute_file} with the kept file's {@code binary_path} holds under
 * flag O too (README, "Not guaranteed", said such an exec was decided on the handler alone).
 *
 * <p>The binfmt_misc instance is one seccheck sees, mounted around seccheck's run: as root in a
 * mount namespace of its own ({@code unshare -m}; the instance is the host's, so the format has a
 * name and a magic of this run's and is removed again, even on failure), and as uid 65534 with
 * seccheck in a user and mount namespace of its own ({@code unshare -Urm}, a binfmt_misc instance
 * of its own since Linux 6.7). Natively the handler reads the kept file.
 */
class BinfmtMiscOpenBinaryTest {

    /** Registers $5 (magic $6) for handler $2 with flag O, runs the kept file $3 and the allowed $4, removes $5. */
    private static final String PROGRAM = """
            printf ':%s:M::%s::%s:O\\n' "$5" "$6" "$2" > "$1/register" || exit 97
            trap 'echo -1 > "$1/$5"' EXIT
            cat "$3" >/dev/null; echo "cat=$?"
            "$4"; echo "allowed=$?"
            "$3"; echo "kept=$?"
            """;
    /** Mounts a binfmt_misc at $1, then runs the rest of its arguments (seccheck, or the program natively). */
    private static final String AROUND = """
            mount -t binfmt_misc none "$1" || exit 97
            shift
            exec "$@"
            """;

    @TempDir
    Path tmp;

    @Test
    void aKeptFileHandedToAHandlerOpenIsNotRead() throws Exception {
        Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "root mounts binfmt_misc");
        handedOpen(tmp.toRealPath(), null);
    }

    @Test
    void aKeptFileHandedToAHandlerOpenIsNotReadUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        handedOpen(PackagedCli.nobodysDir(tmp.resolve("u")).toRealPath(), classpath);
    }

    private static void handedOpen(Path dir, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        String name = "sc" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        String magic = "BFO" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        Path handler = CPrograms.compile("src/test/c/execfd_handler.c", dir);
        Path kept = Files.writeString(dir.resolve("kept.bfo"), magic + " KEPT-SECRET-4711\n");
        Path allowed = Files.writeString(dir.resolve("allowed.bfo"), magic + " ALLOWED-CONTENT\n");
        Path bfm = Files.createDirectory(dir.resolve("bfm"));
        for (Path p : List.of(handler, kept, allowed, bfm)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (nobody) {
                Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
            }
        }
        List<String> program = List.of("sh", "-c", PROGRAM, "program", bfm.toString(), handler.toString(),
                kept.toString(), allowed.toString(), name, magic);
        Path alerts = dir.resolve("alerts.jsonl");
        Path keep = Files.writeString(dir.resolve("keep.json"), """
                {"name": "keep",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                            {"name": "syscall/open/enter", "context_fields": ["cwd"]},
                            {"name": "syscall/creat/enter", "context_fields": ["cwd"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "open_file", "match": {"resolved_path": "%s"}, "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}""".formatted(alerts, kept));
        Path noExec = Files.writeString(dir.resolve("noexec.json"), """
                {"name": "noexec", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}],
                  "on_missing": "deny"}}]}""".formatted(kept));
        try {
            PackagedCli.Result natively = run(dir, bfm, nobodysClasspath, program, null);
            Assumptions.assumeTrue(natively.status() != 97, "the kernel refuses this binfmt_misc: " + natively.err());
            assertThat(natively.out()).as("natively: " + natively.err()).isEqualTo("cat=0\nexecfd=3\n"
                    + "READ VIA EXECFD: " + magic + " ALLOWED-CONTENT\nallowed=0\nexecfd=3\n"
                    + "READ VIA EXECFD: " + magic + " KEPT-SECRET-4711\nkept=0\n");

            PackagedCli.Result kept1 = run(dir, bfm, nobodysClasspath, program, keep);
            assertThat(kept1.out()).as("under the open rule: " + kept1.err()).isEqualTo("cat=1\nexecfd=3\n"
                    + "READ VIA EXECFD: " + magic + " ALLOWED-CONTENT\nallowed=0\nkept=137\n");
            assertThat(kept1.err()).contains("at its exec, before its first instruction: a rule on opening files"
                    + " denies it " + kept);
            assertThat(Files.readAllLines(alerts)).anyMatch(l -> l.contains("\"action\":\"kill\"")
                    && l.contains("\"executing\":{\"name\":\"" + kept + "\""));

            PackagedCli.Result noExec1 = run(dir, bfm, nobodysClasspath, program, noExec);
            assertThat(noExec1.out()).as("under the rule on what runs: " + noExec1.err()).isEqualTo("cat=0\nexecfd=3\n"
                    + "READ VIA EXECFD: " + magic + " ALLOWED-CONTENT\nallowed=0\nkept=137\n");
        } finally {
            if (!nobody) {
                removeFromTheHost(dir, name);
            }
        }
    }

    /** Runs {@code program} with a binfmt_misc mounted at {@code bfm}, natively or under seccheck with {@code config}. */
    private static PackagedCli.Result run(Path dir, Path bfm, String nobodysClasspath, List<String> program,
            Path config) throws Exception {
        List<String> cmd = new ArrayList<>(nobodysClasspath == null
                ? List.of("unshare", "-m", "--propagation", "private", "sh", "-c", AROUND, "around", bfm.toString())
                : PackagedCli.nobody("unshare", "-Urm", "sh", "-c", AROUND, "around", bfm.toString()));
        if (config != null) {
            cmd.addAll(PackagedCli.java(nobodysClasspath == null ? System.getProperty("java.class.path")
                    : nobodysClasspath));
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--config", config.toString()));
            if (nobodysClasspath == null) {
                cmd.addAll(List.of("--root", dir.resolve("root").toString()));
            }
            cmd.add("--");
        }
        cmd.addAll(program);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (nobodysClasspath != null && config != null) {
            pb.environment().put("XDG_RUNTIME_DIR", PackagedCli.nobodysDir(dir.resolve("xdg-" + System.nanoTime()))
                    .toString());
        }
        return PackagedCli.run(pb, dir, Duration.ofSeconds(120));
    }

    /**
     * Removes format {@code name} from the host's binfmt_misc (root's registrations are the init user
     * namespace's, whichever mount shows them) if the program left it there.
     */
    private static void removeFromTheHost(Path dir, String name) throws Exception {
        Path bfm = Files.createDirectories(dir.resolve("cleanup"));
        PackagedCli.run(new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
                "mount -t binfmt_misc none \"$1\" && if [ -e \"$1/$2\" ]; then echo -1 > \"$1/$2\"; fi",
                "cleanup", bfm.toString(), name), dir, Duration.ofSeconds(30));
    }
}
