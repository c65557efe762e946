package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An exec by a thread other than the leader takes the leader's number, and the kernel kills the
 * leader, which may be waiting in a FIFO open seccheck performs on a pool thread. The new image's
 * first act ({@code src/test/c/fifo_open_across_exec.c}, a static binary exec'ing itself) is the
 * same open, same path pointer and flags, on the same tid: seccheck took it for a repeat of the old
 * leader's interrupted open, which then answered it (red-team report R4, finding 1). The new
 * image's points never fired (one O_RDONLY open in the trail where natively there are two), a rule
 * denying the new image the FIFO was not applied, and a new image that had dropped to uid 65534
 * read a root-only FIFO through the old image's open (natively EACCES at once), or waited for
 * good. Now the exec ends what the old threads had pending.
 */
class FifoOpenAcrossExecTest {

    private static final String PROGRAM = "src/test/c/fifo_open_across_exec.c";
    private static final int ROUNDS = 8;
    private static final String RULE = "the new image may not read the fifo";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theNewImagesOpenIsItsOwnCallWithItsOwnPoints(boolean nobody) throws Exception {
        Path program = program(nobody);
        Path dir = dir(nobody, "open");
        String done = "exec: " + ROUNDS + " rounds, opened " + ROUNDS + ", EACCES 0, other 0, hung 0\n";
        assertThat(natively(nobody, program, "exec", dir)).isEqualTo(done);
        Path trail = dir.resolve("trail.txt");
        PackagedCli.Result r = underSeccheck(nobody, List.of("-o", trail.toString()), command(program, "exec", dir));
        assertThat(r.out()).as(r.err()).isEqualTo(done);
        String opens = "openat(AT_FDCWD, \"" + dir.resolve("fifo") + "\", O_RDONLY";
        assertThat(Files.readAllLines(trail).stream().filter(l -> l.contains(opens)).count())
                .as("O_RDONLY opens of the FIFO in the trail (the old leader's and the new image's, per round)")
                .isEqualTo(2L * ROUNDS);
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aRuleDenyingTheNewImageTheFifoIsEnforcedWithAnAlert(boolean nobody) throws Exception {
        Path program = program(nobody);
        Path dir = dir(nobody, "denied");
        PackagedCli.Result r = underSeccheck(nobody, List.of("-o", "/dev/null", "--config", policy(dir).toString()),
                command(program, "exec", dir));
        assertThat(r.out()).as(r.err())
                .isEqualTo("exec: " + ROUNDS + " rounds, opened 0, EACCES " + ROUNDS + ", other 0, hung 0\n");
        assertThat(r.err().split(RULE, -1).length - 1).as("alerts: " + r.err()).isEqualTo(ROUNDS);
    }

    /** The exec'ing thread drops to uid 65534 first (so seccheck runs as root), and the FIFO is root's, mode 0600. */
    @Test
    void aNewImageThatDroppedItsPrivilegesGetsEaccesAtOnce() throws Exception {
        PackagedCli.assumeNobody(tmp);
        Path program = program(false);
        Path dir = Files.createDirectory(tmp.resolve("drop"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String refused = "drop: " + ROUNDS + " rounds, opened 0, EACCES " + ROUNDS + ", other 0, hung 0\n";
        assertThat(natively(false, program, "drop", dir)).isEqualTo(refused);
        PackagedCli.Result r = underSeccheck(false, List.of("-o", "/dev/null"), command(program, "drop", dir));
        assertThat(r.out()).as(r.err()).isEqualTo(refused);
    }

    private Path program(boolean nobody) throws Exception {
        return PackagedCli.compiledFor(tmp, nobody, PROGRAM, "-static", "-no-pie", "-pthread");
    }

    private Path dir(boolean nobody, String name) throws Exception {
        return nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
    }

    private static List<String> command(Path program, String mode, Path dir) {
        return List.of(program.toString(), mode, Integer.toString(ROUNDS), dir.toString());
    }

    private String natively(boolean nobody, Path program, String mode, Path dir) throws Exception {
        List<String> command = command(program, mode, dir);
        return nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), false, command).out()
                : PackagedCli.nativeOrUnderSeccheck(tmp, false, command).out();
    }

    /** Runs {@code command} under {@code seccheck run --quiet OPTIONS --}, as this user or uid 65534; fails unless it exits 0. */
    private PackagedCli.Result underSeccheck(boolean nobody, List<String> options, List<String> command) throws Exception {
        List<String> cmd = new ArrayList<>();
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (nobody) {
            List<String> run = new ArrayList<>(List.of("run", "--quiet"));
            run.addAll(options);
            cmd.addAll(PackagedCli.asNobody(PackagedCli.nobodyClasspath(), run.toArray(String[]::new)));
            pb.environment().put("XDG_RUNTIME_DIR", PackagedCli.nobodysDir(tmp.resolve("xdg-" + System.nanoTime())).toString());
        } else {
            cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "--root", tmp.resolve("root").toString()));
            cmd.addAll(options);
        }
        cmd.add("--");
        cmd.addAll(command);
        PackagedCli.Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as("under seccheck: " + r.out() + r.err()).isZero();
        return r;
    }

    /** Denies the FIFO to a task named {@code exe} (the new image: it was exec'd as /proc/self/exe), for reading. */
    private Path policy(Path dir) throws Exception {
        Path policy = dir.resolve("policy.json");
        Files.writeString(policy, """
                {"name": "guard",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "RULE", "effect": "open_file",
                    "match": {"resolved_path": "FIFO", "process_name": "exe", "flags": {"min": 0, "max": 0}},
                    "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}
                """.replace("RULE", RULE).replace("FIFO", dir.resolve("fifo").toString()));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }
}
