package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.cli.PackagedCli.Result;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that uses up the tasks the kernel allows it does not take seccheck down. The program
 * runs as seccheck's user and in its cgroup, so its threads count against the same limits as
 * seccheck's: the user's {@code RLIMIT_NPROC} (uid 65534 under {@code prlimit --nproc}) and a
 * cgroup's {@code pids.max} (root, which no rlimit binds). Before, the first call seccheck had to
 * perform on a new thread (a connect, under a session with a connect point) threw
 * OutOfMemoryError in the notifier, which died: every call it served failed with ENOSYS from then
 * on, and the run still ended with status 0. Now a few threads are started before the program runs,
 * so calls go on as natively; a call that finds them all busy (opens of FIFOs that wait for their
 * writers hold them) fails with EAGAIN and a line saying why, and the run serves again once the
 * program lets its threads go. Opens that natively never wait need no thread (/dev/null), or one
 * kept in reserve for them (a FIFO's write end with O_NONBLOCK, or without it and a reader there): a
 * FIFO rendezvous at the limit completes, its readers released (the {@code aFifoRendezvous} tests). Runs alone ({@code alone.tests}): other tests' processes of uid 65534
 * would count against the limit.
 */
class ThreadLimitTest {

    private static final String PY = "/usr/bin/python3";
    /** Tasks the limit allows: seccheck's JVM takes about 25 of them, the program the rest. */
    private static final int LIMIT = 120;

    /**
     * The program: {@code hold} threads each open a FIFO that has no writer yet (waiting in the
     * open), then threads are started until the kernel refuses one, then two connects to the port
     * are made; the threads are let go, the FIFOs opened for writing, and a last connect made.
     * Given a fifth argument, a path, it waits for that file before it lets the threads go, and
     * for that path with {@code .end} added before it ends.
     */
    private static final String PROGRAM = """
            import os, socket, sys, threading
            port, fifos, hold = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
            threading.stack_size(256 * 1024)
            def connect(tag):
                s = socket.socket()
                try:
                    s.connect(('127.0.0.1', port))
                    print(tag, 'ok', flush=True)
                except OSError as e:
                    print(tag, 'errno=%d' % e.errno, flush=True)
                finally:
                    s.close()
            waiting, readers = [], []
            def read(path):
                waiting.append(threading.get_native_id())
                with open(path) as f:
                    f.read()
            for i in range(hold):
                path = os.path.join(fifos, 'f%d' % i)
                os.mkfifo(path)
                t = threading.Thread(target=read, args=(path,))
                t.start()
                readers.append((path, t))
            def in_open(tid):
                try:
                    with open('/proc/self/task/%d/syscall' % tid) as f:
                        return f.read().split()[0] == '257'
                except OSError:
                    return False
            while len(waiting) < hold or not all(in_open(t) for t in waiting):
                threading.Event().wait(0.01)
            stop, sleepers = threading.Event(), []
            while True:
                t = threading.Thread(target=stop.wait)
                try:
                    t.start()
                except RuntimeError:
                    break
                sleepers.append(t)
            print('threads', 'refused' if sleepers else 'none', flush=True)
            connect('exhausted')
            connect('exhausted-again')
            if len(sys.argv) > 4:
                print('waiting', flush=True)
                while not os.path.exists(sys.argv[4]):
                    stop.wait(0.05)
            stop.set()
            for t in sleepers:
                t.join()
            for path, t in readers:
                with open(path, 'w') as f:
                    f.write('x')
                t.join()
            connect('released')
            if len(sys.argv) > 4:
                while not os.path.exists(sys.argv[4] + '.end'):
                    stop.wait(0.05)
            """;

    @TempDir
    Path tmp;

    @Test
    void anUnprivilegedProgramAtItsUsersProcessLimitLeavesSeccheckServing() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        checkAt(limit -> PackagedCli.nobody("prlimit", "--nproc=" + limit), classpath, true);
    }

    /**
     * While the program holds every task its user may have, a control request (from a process of
     * the same user not under that limit) is answered "busy" with the reason; once the program lets
     * its threads go, the run is controlled as usual.
     */
    @Test
    void theControlSocketSaysWhyItCannotServeWhileTheProgramHoldsEveryTask() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path config = writeConfig();
        Path script = writeScript();
        Path root = PackagedCli.nobodysDir(tmp.resolve("root"));
        Path fifos = PackagedCli.nobodysDir(tmp.resolve("fifos"));
        Path release = tmp.resolve("release");
        List<String> cmd = new ArrayList<>(PackagedCli.nobody("prlimit", "--nproc=" + LIMIT));
        cmd.addAll(seccheckRun(classpath, root, config, "--id", "held", "--", PY, script.toString(), "1",
                fifos.toString(), "0", release.toString()));
        Path out = tmp.resolve("run.out");
        Path err = tmp.resolve("run.err");
        Process run = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        try {
            PackagedCli.await("the program to hold every task", Duration.ofSeconds(60),
                    () -> Files.readString(out).contains("waiting"));
            List<String> list = PackagedCli.asNobody(classpath, "trace", "list", "--root", root.toString(), "held");
            Result busy = PackagedCli.run(new ProcessBuilder(list), tmp, Duration.ofSeconds(60));
            assertThat(busy.status()).as(busy.out() + busy.err()).isNotZero();
            assertThat(busy.err()).as(busy.out() + busy.err())
                    .contains("busy: the kernel refused a new thread (the user's limit on processes");
            assertThat(Files.readString(err)).contains("control socket: a request was not served: the kernel refused");

            Files.writeString(release, "");
            PackagedCli.await("the program to let its threads go", Duration.ofSeconds(60),
                    () -> Files.readString(out).contains("released"));
            Result served = PackagedCli.run(new ProcessBuilder(list), tmp, Duration.ofSeconds(60));
            assertThat(served.status()).as(served.out() + served.err()).isZero();
            assertThat(served.out()).contains("\"net\"");
            Files.writeString(tmp.resolve("release.end"), "");
            assertThat(run.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(run.exitValue()).as(Files.readString(err)).isZero();
        } finally {
            run.destroyForcibly();
            run.waitFor();
        }
    }

    @Test
    void aProgramAtItsCgroupsPidsLimitLeavesSeccheckServing() throws Exception {
        PackagedCli.assumeNobody(tmp); // root, and the test directory open to all
        PidsCgroup cgroup = PidsCgroup.make("seccheck-thread-limit-" + ProcessHandle.current().pid());
        try {
            checkAt(limit -> {
                cgroup.limit(limit);
                return new ArrayList<>(List.of("sh", "-c", "echo $$ > " + cgroup.procs() + " && exec \"$@\"", "in-cgroup"));
            }, System.getProperty("java.class.path"), false);
        } finally {
            cgroup.remove();
        }
    }

    /**
     * The C program of the rendezvous tests: children forked until the kernel refuses a task, each
     * waiting in an open of its FIFO for reading; then the parent's opens of /dev/null, of the first
     * child's FIFO for writing without O_NONBLOCK and of each other FIFO's write end with O_NONBLOCK,
     * which natively never wait (the reader is there).
     */
    private static final String RENDEZVOUS = "src/test/c/fifo_rendezvous.c";

    /**
     * At its user's process limit, a program whose children wait in FIFO opens for their writer
     * still opens /dev/null and the FIFOs' write ends, as natively: /dev/null's open never waits,
     * and the notifier makes it itself; a FIFO's open, which waits for the FIFO's lock, goes to one
     * of the threads kept in reserve for that, and a blocking one whose peer waits completes there
     * at once. Before, the write ends' opens went to a thread of seccheck's that the kernel refused,
     * and failed with EAGAIN: the children waited for good (the red team's {@code fifoex.c}: a
     * blocking write end's open failed so, natively it succeeds).
     */
    @Test
    void aFifoRendezvousAtTheUsersProcessLimitCompletesUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        rendezvousAt(limit -> PackagedCli.nobody("prlimit", "--nproc=" + limit), classpath, true);
    }

    /** The same as root, in a pids cgroup. */
    @Test
    void aFifoRendezvousAtTheCgroupsPidsLimitCompletes() throws Exception {
        PackagedCli.assumeNobody(tmp); // root, and the test directory open to all
        PidsCgroup cgroup = PidsCgroup.make("seccheck-rendezvous-" + ProcessHandle.current().pid());
        try {
            rendezvousAt(limit -> {
                cgroup.limit(limit);
                return new ArrayList<>(List.of("sh", "-c", "echo $$ > " + cgroup.procs() + " && exec \"$@\"", "in-cgroup"));
            }, System.getProperty("java.class.path"), false);
        } finally {
            cgroup.remove();
        }
    }

    private void rendezvousAt(Within within, String classpath, boolean nobody) throws Exception {
        Path program = CPrograms.compile(RENDEZVOUS, tmp);
        Path fifos = fifoDir("rendezvous-native", nobody);
        Result natively = run(within.prefix(LIMIT), List.of(program.toString(), fifos.toString(), "500"));
        String children = children(natively.out());
        assertThat(natively.out().lines()).as("natively").containsExactly("forked until EAGAIN",
                "/dev/null opens failed: 0", "blocking writer open: ok", "children: " + children,
                "writer opens: ok " + children + ", ENXIO 0, other 0",
                "readers: ok " + children + ", EAGAIN 0, other 0");

        fifos = fifoDir("rendezvous-supervised", nobody);
        List<String> cmd = new ArrayList<>(within.prefix(LIMIT));
        cmd.addAll(seccheckRun(classpath, runtimeDir("root-rendezvous", nobody), writeConfig(), "--",
                program.toString(), fifos.toString(), "500"));
        Result r = run(cmd, List.of());
        String all = r.out() + r.err();
        assertThat(r.out()).as(all).doesNotContain("HUNG").startsWith("forked until EAGAIN\n")
                .contains("/dev/null opens failed: 0\n")
                // the first child's reader waits: a blocking open of its write end needs no waiting thread
                .contains("blocking writer open: ok\n");
        // A child whose open found every thread of seccheck's waiting and the kernel refusing another
        // fails with EAGAIN (README, "Using up the user's tasks"): its FIFO then has no reader, and the
        // writer's open fails with ENXIO, as natively. Every other child reads what the parent wrote.
        children = children(r.out());
        java.util.regex.Matcher readers = java.util.regex.Pattern
                .compile("readers: ok (\\d+), EAGAIN (\\d+), other 0\n").matcher(r.out());
        assertThat(readers.find()).as(all).isTrue();
        int refused = Integer.parseInt(readers.group(2));
        assertThat(Integer.parseInt(readers.group(1)) + refused).as(all).isEqualTo(Integer.parseInt(children));
        assertThat(r.out()).as(all).contains("writer opens: ok " + readers.group(1) + ", ENXIO " + refused + ", other 0\n");
        // Not a warning of the JVM's per thread it could not start: seccheck's own line says why.
        assertThat(r.err()).as(all).doesNotContain("pthread_create failed", "OutOfMemoryError");
        assertThat(r.status()).as(all).isZero();
    }

    /** The number of children the rendezvous program forked, from its output. */
    private static String children(String out) {
        return out.lines().filter(l -> l.startsWith("children: ")).map(l -> l.substring("children: ".length()))
                .findFirst().orElseThrow(() -> new AssertionError("no children line in: " + out));
    }

    /** How a command is started within the limit: the prefix that puts it there. */
    @FunctionalInterface
    private interface Within {
        List<String> prefix(int limit) throws IOException;
    }

    /** The session: connects and opens performed by seccheck, their points to the null sink. */
    private Path writeConfig() throws IOException {
        return readable(Files.writeString(tmp.resolve("net.json"), """
                {"name": "net", "points": [{"name": "syscall/connect/enter"}, {"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "null"}]}"""));
    }

    private Path writeScript() throws IOException {
        return readable(Files.writeString(tmp.resolve("exhaust.py"), PROGRAM));
    }

    private static Path readable(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        return p;
    }

    private void checkAt(Within within, String classpath, boolean nobody) throws Exception {
        Path config = writeConfig();
        Path script = writeScript();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    try (Socket s = server.accept()) {
                        // each connection is closed at once
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            String port = Integer.toString(server.getLocalPort());
            for (int hold : new int[] {0, 6}) {
                Path fifos = fifoDir("native-" + hold, nobody);
                Result natively = run(within.prefix(LIMIT), List.of(PY, script.toString(), port, fifos.toString(),
                        Integer.toString(hold)));
                assertThat(natively.status()).as("natively: " + natively.err()).isZero();
                assertThat(natively.out().lines()).as("natively, holding %d FIFO opens", hold)
                        .containsExactly("threads refused", "exhausted ok", "exhausted-again ok", "released ok");

                fifos = fifoDir("supervised-" + hold, nobody);
                List<String> cmd = new ArrayList<>(within.prefix(LIMIT));
                cmd.addAll(seccheckRun(classpath, runtimeDir("root-" + hold, nobody), config, "--", PY,
                        script.toString(), port, fifos.toString(), Integer.toString(hold)));
                Result r = run(cmd, List.of());
                String all = r.out() + r.err();
                assertThat(r.err()).as(all).doesNotContain("OutOfMemoryError", "notifier stopped");
                if (hold == 0) {
                    // The threads started before the program serve its calls as natively.
                    assertThat(r.out().lines()).as(all)
                            .containsExactly("threads refused", "exhausted ok", "exhausted-again ok", "released ok");
                } else {
                    // Every thread waits on a FIFO: the call fails, closed, and says why; the run goes on.
                    assertThat(r.out().lines()).as(all).containsExactly("threads refused", "exhausted errno=11",
                            "exhausted-again errno=11", "released ok");
                    assertThat(r.err()).as(all).containsPattern("seccheck: refused connect of task \\d+ with EAGAIN:"
                            + " every emulation thread of seccheck's is busy and the kernel refused a new thread");
                }
                assertThat(r.status()).as(all).isZero();
            }
            server.close();
            acceptor.join(Duration.ofSeconds(10));
        }
    }

    /**
     * {@code seccheck run --quiet} of the CLI on {@code classpath} (the kit's or this JVM's: started
     * with the launcher's JVM flags, scripts/jvm.sh, whose JVM warnings go to stderr and leave out
     * each thread the JVM could not start), its runtime directory {@code root}, the session in
     * {@code config}, then {@code rest}.
     */
    private static List<String> seccheckRun(String classpath, Path root, Path config, String... rest) {
        List<String> cmd = new ArrayList<>(PackagedCli.java(classpath));
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--config", config.toString()));
        cmd.addAll(List.of(rest));
        return cmd;
    }

    private Path fifoDir(String name, boolean nobody) throws IOException {
        return nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : Files.createDirectory(tmp.resolve(name));
    }

    private Path runtimeDir(String name, boolean nobody) throws IOException {
        return nobody ? PackagedCli.nobodysDir(tmp.resolve(name)) : tmp.resolve(name);
    }

    private Result run(List<String> prefix, List<String> command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(command);
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(120));
    }

    /** A pids cgroup of its own (v1's pids hierarchy, or v2 with the pids controller), removed at the end. */
    private record PidsCgroup(Path dir) {
        static PidsCgroup make(String name) throws IOException {
            Path v1 = Path.of("/sys/fs/cgroup/pids");
            Path v2 = Path.of("/sys/fs/cgroup");
            Path parent;
            if (Files.isDirectory(v1)) {
                parent = v1;
            } else if (Files.exists(v2.resolve("cgroup.controllers"))
                    && Files.readString(v2.resolve("cgroup.controllers")).contains("pids")) {
                try {
                    Files.writeString(v2.resolve("cgroup.subtree_control"), "+pids");
                } catch (IOException e) {
                    Assumptions.abort("cannot enable the pids controller: " + e);
                }
                parent = v2;
            } else {
                Assumptions.abort("no pids cgroup controller here");
                return null;
            }
            Path dir = parent.resolve(name);
            try {
                Files.createDirectory(dir);
            } catch (IOException e) {
                Assumptions.abort("cannot make a pids cgroup: " + e);
            }
            return new PidsCgroup(dir);
        }

        void limit(int tasks) throws IOException {
            Files.writeString(dir.resolve("pids.max"), Integer.toString(tasks));
        }

        Path procs() {
            return dir.resolve("cgroup.procs");
        }

        /** Removes the cgroup once the tasks in it have ended (they were waited for). */
        void remove() throws IOException, InterruptedException {
            for (int i = 0; i < 100 && Files.exists(dir); i++) {
                try {
                    Files.delete(dir);
                } catch (IOException busy) {
                    Thread.sleep(50);
                }
            }
        }
    }
}
