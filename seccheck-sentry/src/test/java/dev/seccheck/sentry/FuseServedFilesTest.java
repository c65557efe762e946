package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.sentry.testing.CWorkloads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program serves its own filesystem (FUSE) and leaves requests unanswered: a thread of
 * seccheck waiting on one would hold the tracer, and every task of the run with it, for good (the
 * thread could not even be killed). seccheck looks at files a program executes (is it a
 * {@code #!} script, its attributes and hash for sentry/execve): such a look is given up after a
 * bound, and the run goes on (src/test/c/fuse_hang.c). Before, the run hung until the server
 * died. Needs root (the mount) and /dev/fuse.
 */
class FuseServedFilesTest {

    private static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    @TempDir
    Path dir;

    /**
     * The program executes a file whose lookup its server never answers: natively that exec
     * waits, and nothing else. seccheck looks at the file passed only at the exec event, after the
     * kernel found it (when the new image shows a script's shape), so this exec, which never gets
     * there, has seccheck look at nothing. Before, seccheck looked the name up at the exec's enter
     * and waited on the server with it, first for good, then for the bound below.
     */
    @Test
    void aFilesystemTheProgramServesDoesNotHoldTheTracer() throws Exception {
        Served s = serve("", "sentry/execve", "sentry/clone");
        assertThat(s.status()).isZero();
        assertThat(s.out()).contains("others ran 3", "done");
        assertThat(s.warnings()).noneMatch(w -> w.contains("did not answer within"));
    }

    /**
     * The program's server serves a {@code #!} script to the child that executes it and to no one
     * else, not even the attributes of its mount's root: the exec succeeds, and seccheck's own look
     * at the file (is it a script?) is left unanswered. The look is given up after its bound,
     * sentry/execve reports what the kernel ran without the script's fields, and the run goes on.
     * Before, the tracer's walk to the file asked the attributes of the mount's root (fstat) to
     * learn its filesystem, and waited there for good.
     */
    @Test
    void aScriptWhoseServerLeavesSeccheckUnansweredIsGivenUpAfterABound() throws Exception {
        Served s = serve("--script", "sentry/execve", "sentry/clone");
        assertThat(s.status()).isZero();
        assertThat(s.out()).contains("script ran", "others ran 3", "done");
        assertThat(s.warnings()).anyMatch(w -> w.contains("did not answer within"));
    }

    /**
     * The same server, and a sink that decides on what runs: the script's look given up, the exec
     * was reported as its interpreter's and decided on that, and a rule on the script (behind a
     * symlink on the program's mount) did not hold: the denied script ran. Now {@code binary_path}
     * is missing for the sink, which decides (deny, as a policy's {@code on_missing} does by
     * default): the child is killed.
     */
    @Test
    void aScriptSeccheckCouldNotLookAtIsMissingForASinkThatDecides() throws Exception {
        Served s = serve("--script", sink -> {
            sink.decidingAt = p -> p.name().equals("sentry/execve");
            sink.refusingMissing = m -> m.get("binary_path").isPresent();
        }, "sentry/execve", "sentry/clone");
        assertThat(s.status()).isZero();
        assertThat(s.out()).contains("script failed", "others ran 3", "done");
        assertThat(s.warnings()).anyMatch(w -> w.contains("did not answer within"));
    }

    /**
     * The same server, and a session whose opens seccheck performs: the interpreter's open of the
     * script is one of them. Telling that the mount is FUSE asks the kernel's record of the mount,
     * not the server, so the notifier hands that open to a thread of its own, which waits on the
     * server, and the other processes' opens go on. Before, the notifier asked the mount's root
     * for its attributes and filesystem type (fstat, fstatfs), waited for good, and every open of
     * the run with it. The open that waits is the program's own: its server answers seccheck no
     * more than it does (natively the script runs).
     */
    @Test
    void anOpenOnAServerThatLeavesSeccheckUnansweredHoldsThatOpenAlone() throws Exception {
        Served s = serve("--script", "syscall/openat/enter", "syscall/openat/exit");
        assertThat(s.status()).isZero();
        assertThat(s.out()).contains("others ran 3", "done");
    }

    /** How a supervised fuse_hang ended: its status, what it printed, seccheck's warnings. */
    private record Served(int status, String out, List<String> warnings) {}

    /**
     * Runs {@code fuse_hang MODE DIR} (no mode: the plain one) under the points named, aborting
     * its filesystem if the run hangs ({@link #runAbortingOnHang}). Needs root and /dev/fuse.
     */
    private Served serve(String mode, String... points) throws Exception {
        return serve(mode, sink -> {}, points);
    }

    /** {@link #serve(String, String...)} with the recording sink set up by {@code decides}. */
    private Served serve(String mode, java.util.function.Consumer<SupervisorTest.Recorder> decides, String... points)
            throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Path out = dir.resolve("out");
        SupervisorTest.Run r = new SupervisorTest.Run(points);
        decides.accept(r.sink);
        String program = "'" + CWorkloads.binary("fuse_hang") + "' " + mode + " '" + mnt + "'";
        int status = runAbortingOnHang(r, List.of("/bin/sh", "-c", program + " > '" + out + "' 2>&1"), out);
        return new Served(status, Files.readString(out), r.warnings);
    }

    /**
     * The program maps a file of its filesystem shared and passes a path that lies in the page it
     * never lets be read: to openat (read by the notifier, which performs the open) and to execve
     * (read by the tracer at the call's enter). The reading thread waits in the kernel, where no
     * signal reaches it; before, the run hung there for good. seccheck aborts the filesystem's
     * connection after 2 s (StuckReads; root: fusectl), the read fails, and the run goes on: the
     * call fails with EFAULT, as it would were the page unreadable. For the tracer that also needs
     * every thread to end without waiting for it (no ptrace exit event): a server killed (by
     * seccheck where it cannot abort) would otherwise wait at its exit for the tracer that waits
     * on it.
     */
    @Test
    void aPathInAPageTheProgramsFilesystemNeverSuppliesDoesNotHoldSeccheck() throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        for (String call : List.of("open", "exec")) {
            Path mnt = Files.createDirectory(dir.resolve("mnt-" + call));
            Path out = dir.resolve("out-" + call);
            SupervisorTest.Run r = new SupervisorTest.Run("syscall/openat/enter", "syscall/openat/exit",
                    "syscall/execve/enter", "syscall/execve/exit", "sentry/task_exit");
            String program = "'" + CWorkloads.binary("fuse_hang") + "' --memory " + call + " '" + mnt + "'";
            int status = runAbortingOnHang(r, List.of("/bin/sh", "-c", program + " > '" + out + "' 2>&1"), out);
            assertThat(status).as(call).isZero();
            assertThat(Files.readString(out)).as(call).contains("others ran 3", "done");
            assertThat(r.warnings).as(call).anyMatch(w -> w.startsWith("aborted the FUSE connection ")
                    && w.contains(mnt.toString()));
        }
    }

    /**
     * The same attack by a server that hides its FUSE device: {@code inflight} parks its
     * descriptor in an SCM_RIGHTS message on a socket pair it keeps and closes its own (no process
     * has the device open), {@code mknod} opens it through a node of its own (its
     * {@code /proc/PID/fd} link does not read {@code /dev/fuse}). The notifier's read of the
     * child's path waits on that filesystem; seccheck finds it from the read itself (the mapping
     * the address lies in), sees that the run mounted it, and aborts that connection (fusectl): the
     * read fails, the child's openat fails with EFAULT, and the run goes on, its server alive.
     * Before, seccheck looked for a {@code /proc/PID/fd} link reading {@code /dev/fuse}, found
     * none, and waited: the run hung for good, its own kill of its server held with it.
     */
    @Test
    void aServerThatHidesItsFuseDeviceDoesNotHoldSeccheck() throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        for (String mode : List.of("inflight", "mknod")) {
            Path mnt = Files.createDirectory(dir.resolve("mnt-" + mode));
            Path out = dir.resolve("out-" + mode);
            SupervisorTest.Run r = new SupervisorTest.Run("syscall/openat/enter", "syscall/openat/exit");
            String program = "'" + CWorkloads.binary("fuse_hidden") + "' " + mode + " '" + mnt + "'";
            int status = runAbortingOnHang(r, List.of("/bin/sh", "-c", program + " > '" + out + "' 2>&1"), out, 30);
            assertThat(status).as(mode).isZero();
            assertThat(Files.readString(out)).as(mode)
                    .contains("others ran 3", "child's call: Bad address", "child ended", "done");
            assertThat(r.warnings).as(mode).anyMatch(w -> w.startsWith("aborted the FUSE connection ")
                    && w.contains(mnt.toString()));
            assertThat(r.warnings).as(mode).noneMatch(w -> w.startsWith("killed process "));
        }
    }

    /**
     * The same, the device in flight, by a caller whose process ends (a thread of it calls
     * exit_group) 300 ms into the call whose path seccheck reads: its maps are gone when the
     * watchdog looks, so the read cannot be placed on a filesystem. The run's processes that hold
     * a socket, where a FUSE device may be parked, are killed as for a read placed on a FUSE
     * filesystem the run mounted that cannot be aborted: the server is, the device's last
     * descriptor goes with its socket, the connection ends and the read fails. Before, only
     * processes holding a FUSE device were killed, there were none, and the run hung for good
     * (red-team round 22, 5 of 5 runs as root).
     */
    @Test
    void aServerThatHidesItsFuseDeviceDoesNotHoldSeccheckOnceItsCallerIsGone() throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Path out = dir.resolve("out");
        SupervisorTest.Run r = new SupervisorTest.Run("syscall/openat/enter", "syscall/openat/exit");
        String program = "FUSE_CALLER_EXITS=1 '" + CWorkloads.binary("fuse_hidden") + "' inflight '" + mnt + "'";
        int status = runAbortingOnHang(r, List.of("/bin/sh", "-c", program + " > '" + out + "' 2>&1"), out, 30);
        assertThat(status).isZero();
        assertThat(Files.readString(out)).contains("others ran 3", "child ended", "done")
                .doesNotContain("child's call");
        assertThat(r.warnings).anyMatch(w -> w.startsWith("killed process ") && w.contains("could not be told"));
    }

    private int runAbortingOnHang(SupervisorTest.Run r, List<String> argv, Path out) throws Exception {
        return runAbortingOnHang(r, argv, out, 60);
    }

    /**
     * Runs {@code argv} under {@code r}; a run still going after {@code seconds} s is taken for
     * hung on the program's filesystem: the FUSE connections of the mounts under this test's
     * directory are aborted (fusectl, mounted for that if it is not), which lets every thread
     * waiting on them go on, and the test fails. fusectl is not mounted while the run goes, so
     * that seccheck finds it as it would on a host that does not mount it.
     */
    private int runAbortingOnHang(SupervisorTest.Run r, List<String> argv, Path out, int seconds) throws Exception {
        Supervised.Background run = Supervised.Background.start(r.sup, argv);
        try {
            return run.status().get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException hung) {
            abortMountsUnder(dir);
            run.thread().join(TimeUnit.SECONDS.toMillis(30));
            throw new AssertionError("the run hung on the program's filesystem: " + Files.readString(out), hung);
        }
    }

    /**
     * With a FUSE filesystem mounted in the namespace, a binary on a local mount is looked at in
     * place (its name reached in one openat2 that cannot leave the root's mount, its attributes
     * through /proc/PID/exe), with no helper thread started: a hand-off per exec cost a short
     * process ~150 us. A script on a local mount is still told a script (its attributes, by its
     * path, are looked at the bounded way).
     */
    @Test
    void localFilesAreLookedAtInPlaceWhereTheNamespaceHasAFuseMount() throws Exception {
        Assumptions.assumeTrue(Files.isWritable(Path.of("/dev/fuse")) && "root".equals(System.getProperty("user.name")),
                "needs root and /dev/fuse");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        Path script = Files.writeString(dir.resolve("s.sh"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process server = new ProcessBuilder(CWorkloads.binary("fuse_hang").toString(), "--idle", mnt.toString())
                .redirectErrorStream(true).start();
        try {
            assertThat(new BufferedReader(new InputStreamReader(server.getInputStream())).readLine()).isEqualTo("mounted");
            Set<Long> helpers = helperThreads();
            SupervisorTest.Run binary = new SupervisorTest.Run("sentry/execve");
            assertThat(Supervised.Background.start(binary.sup, List.of("/bin/sh", "-c", "/bin/true; /bin/true"))
                    .await(60, "binaries run beside a FUSE mount")).isZero();
            assertThat(binary.sink.of("sentry/execve")).map(m -> ((ExecveInfo) m).getBinaryIno()).doesNotContain(0L);
            assertThat(helperThreads()).as("no look went to a helper").isEqualTo(helpers);

            SupervisorTest.Run scripts = new SupervisorTest.Run("sentry/execve");
            assertThat(Supervised.Background.start(scripts.sup, List.of("/bin/sh", "-c", script.toString()))
                    .await(60, "a script run beside a FUSE mount")).isZero();
            assertThat(scripts.sink.of("sentry/execve")).map(m -> ((ExecveInfo) m).getBinaryPath())
                    .contains(script.toRealPath().toString());
            assertThat(binary.warnings).noneMatch(w -> w.contains("did not answer"));
            assertThat(scripts.warnings).noneMatch(w -> w.contains("did not answer"));
        } finally {
            server.destroyForcibly().waitFor();
            new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
        }
    }

    private static Set<Long> helperThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("seccheck-file-look"))
                .map(Thread::threadId).collect(Collectors.toSet());
    }

    private static boolean mounted() throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).lines()
                .anyMatch(l -> l.contains(" " + CONNECTIONS + " "));
    }

    /** Aborts the FUSE connection of every FUSE mount under {@code top}, mounting fusectl for it if need be. */
    private static void abortMountsUnder(Path top) throws Exception {
        boolean ours = !mounted();
        if (ours) {
            new ProcessBuilder("mount", "-t", "fusectl", "none", CONNECTIONS.toString()).start().waitFor();
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f[4].startsWith(top.toString()) && line.substring(line.indexOf(" - ") + 3).startsWith("fuse")) {
                    String[] dev = f[2].split(":");
                    // fusectl names a connection by its superblock's device number, the kernel's encoding.
                    long number = (Long.parseLong(dev[0]) << 20) | Long.parseLong(dev[1]);
                    Files.writeString(CONNECTIONS.resolve(Long.toString(number)).resolve("abort"), "1");
                }
            }
        } finally {
            if (ours) {
                new ProcessBuilder("umount", CONNECTIONS.toString()).start().waitFor();
            }
        }
    }
}
