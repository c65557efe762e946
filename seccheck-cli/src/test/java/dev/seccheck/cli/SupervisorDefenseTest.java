package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.testing.Victim;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The supervised program is hostile: each attack of issue 9 on the supervisor, or on supervision
 * itself, made by a real program ({@code attack.py}) under {@code seccheck run} in its own JVM
 * with the launcher's flags and a deny policy, and the same attack made natively on a child of
 * its own to show it works there (so the refusal is seccheck's). After the attack the program
 * reads a file the policy denies: seccheck must still be there to refuse it.
 */
class SupervisorDefenseTest {

    private static final String PY = "/usr/bin/python3";
    private static final String NO_PERF_DATA = "-J-XX:-UsePerfData";

    @TempDir
    Path tmp;

    private Path secret;
    private Path config;
    private Path script;

    @BeforeEach
    void files() throws IOException {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        secret = Files.writeString(tmp.resolve("secret.key"), "hunter2");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        config = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "guard",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""".formatted(tmp.resolve("alerts.jsonl")));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        // Written by seccheck as this user and as uid 65534.
        Files.setPosixFilePermissions(Files.createFile(tmp.resolve("alerts.jsonl")),
                PosixFilePermissions.fromString("rw-rw-rw-"));
        script = tmp.resolve("attack.py");
        try (InputStream in = SupervisorDefenseTest.class.getResourceAsStream("attack.py")) {
            Files.copy(in, script);
        }
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
    }

    /**
     * Attacks refused by the program's filter, as this user and as uid 65534. Those refused
     * because seccheck is not dumpable ({@code /proc/PID/mem}, {@code /proc/PID/fd}) are in
     * {@link #readingTheSupervisorThroughProcIsRefusedWithoutPrivileges}: a workload with
     * CAP_SYS_PTRACE (root) passes that kernel check by design. A kill of seccheck's process group
     * ({@code kill_group}) is no longer refused: it reaches the run's processes in it and never
     * seccheck ({@link #aSignalToTheProcessGroupReachesTheRunOnceAndNotSeccheck}).
     */
    @ParameterizedTest(name = "{0} is refused with {1}")
    @CsvSource({
        "kill, EPERM", "kill_all, EPERM", "tkill, EPERM", "tgkill, EPERM",
        "kill_threads, EPERM", "tkill_threads, EPERM", "sigqueue_threads, EPERM", "setown_threads, EPERM",
        "renice_threads, EPERM", "affinity_threads, EPERM",
        "sigqueue, EPERM", "tgsigqueue, EPERM", "pidfd_open, EPERM", "pidfd_threads, EPERM", "pidfd_send_signal, ENOSYS",
        "pidfd_getfd, EPERM", "ptrace, EPERM", "vm_readv, EPERM", "vm_writev, EPERM",
        "clone_untraced, EPERM", "clone3, ENOSYS",
        "io_uring, ENOSYS", "undumpable, EPERM", "setown, EPERM", "setown_ex, EPERM", "fiosetown, EPERM"})
    void attackIsRefusedAndSupervisionHolds(String attack, String errno) throws Exception {
        attack(attack, errno, asWhom());
    }

    /**
     * A program that made a user namespace of its own, where its user (seccheck's) is user 5, names
     * every process of seccheck's user by 5: {@code setpriority(PRIO_USER, 5, 19)} reniced every
     * thread of seccheck, and {@code ioprio_set(IOPRIO_WHO_USER, 5)} gave them the idle I/O class,
     * as root and as uid 65534. The native run is made as a user no other process has, so that the
     * attack reaches its own processes alone.
     */
    @ParameterizedTest(name = "{0} is refused with EPERM")
    @ValueSource(strings = {"renice_user_ns", "ioprio_user_ns"})
    void seccheckSUserNamedFromAUserNamespaceOfTheProgramSIsNotReached(String attack) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(isRoot(), "the native run needs a user of its own: root");
        String lone = "54321";
        Result natively = exec(List.of("setpriv", "--reuid=" + lone, "--regid=" + lone, "--clear-groups",
                PY, script.toString(), attack, "child", secret.toString()));
        org.junit.jupiter.api.Assumptions.assumeFalse(natively.out().contains("NO USER NAMESPACE"),
                () -> "user namespaces are closed to users here: " + natively.out());
        assertThat(natively.out()).as(natively.out()).contains("RESULT ok").contains("SECRET hunter2");

        for (boolean nobody : asWhom()) {
            Result r = exec(seccheck(nobody, PY, script.toString(), attack, "parent", secret.toString()));
            assertHeld(r, nobody ? "uid 65534" : "this user", "RESULT errno=1 EPERM");
            assertThat(r.out()).containsPattern("seccheck: refused (setpriority|ioprio_set) from task \\d+ \\(python3\\)");
        }
    }

    @ParameterizedTest(name = "{0} is refused with EACCES")
    @CsvSource({"proc_mem", "proc_fd"})
    void readingTheSupervisorThroughProcIsRefusedWithoutPrivileges(String attack) throws Exception {
        attack(attack, "EACCES", List.of(isRoot()));
    }

    private void attack(String attack, String errno, List<Boolean> asWhom) throws Exception {
        Result natively = exec(List.of(PY, script.toString(), attack, "child", secret.toString()));
        assertThat(natively.out()).as(natively.out()).contains("RESULT ok").contains("SECRET hunter2");

        for (boolean nobody : asWhom) {
            Result r = exec(seccheck(nobody, PY, script.toString(), attack, "parent", secret.toString()));
            assertHeld(r, nobody ? "uid 65534" : "this user", "RESULT errno=\\d+ " + errno);
        }
    }

    /**
     * Asserts that supervision held after an attack: the attack reported {@code resultPattern},
     * the policy still refused the secret afterwards, and the run ended normally.
     */
    private static void assertHeld(Result r, String asWhom, String resultPattern) {
        assertThat(r.out()).as("as %s: %s", asWhom, r.out())
                .containsPattern(resultPattern)
                .contains("SECRET denied errno=13")
                .doesNotContain("hunter2");
        assertThat(r.code()).as(r.out()).isZero();
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theHotspotAttachApiIsClosed(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        // Natively, jcmd reaches a JVM that does not disable attach: a fresh one, since a run
        // started in this test JVM by another test took QUIT, jcmd's attach trigger, for its program.
        // jcmd is a JVM too: without perf data it leaves no /tmp/hsperfdata_<user> behind.
        Path idle = Files.writeString(tmp.resolve("Idle.java"), "class Idle { public static void main(String[] a) "
                + "throws Exception { System.out.println(\"ready\"); Thread.sleep(120_000); } }");
        Process target = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", idle.toString()).redirectErrorStream(true).start();
        try {
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(target.getInputStream(),
                    java.nio.charset.StandardCharsets.UTF_8)).readLine()).isEqualTo("ready");
            Result control = exec(List.of(jcmd, NO_PERF_DATA, Long.toString(target.pid()), "VM.version"));
            assertThat(control.out()).contains("JDK");
        } finally {
            target.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            // The attach listener's socket outlives a JVM that is killed: HotSpot puts it in /tmp.
            Files.deleteIfExists(Path.of("/tmp/.java_pid" + target.pid()));
        }
        // From inside the run, against seccheck itself. jcmd's attach trigger is a QUIT, which
        // seccheck forwards to the program as any QUIT sent to it: the shell ignores it to report.
        Result r = exec(seccheck(nobody, "/bin/sh", "-c", "trap '' QUIT; " + jcmd + " " + NO_PERF_DATA
                + " $PPID VM.version; echo jcmd=$?; cat " + secret));
        assertThat(r.out()).as(r.out()).doesNotContain("JDK 25").contains("jcmd=1").doesNotContain("hunter2");
    }

    /**
     * kill(0) and kill(-its group) from the program, which shares the process group of seccheck
     * (as it shares the caller's, for job control): the signal reaches every process of the run
     * in that group once, as natively, and never seccheck, whose USR1 would be forwarded to the
     * program a second time (and whose KILL would end supervision). seccheck runs in a session of
     * its own here, so that a failure reaches it and not this test's JVM. Before, both calls
     * failed with EPERM and the program's child ran on.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aSignalToTheProcessGroupReachesTheRunOnceAndNotSeccheck(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        String program = """
                import os, signal, subprocess, time
                got = []
                signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
                for target in (0, -os.getpgrp()):
                    child = subprocess.Popen(['sleep', '60'])
                    time.sleep(0.3)
                    try:
                        os.kill(target, signal.SIGUSR1); r = 'ok'
                    except OSError as e:
                        r = 'errno=%d' % e.errno
                    time.sleep(0.5)
                    try:
                        child.wait(timeout=5); c = child.returncode
                    except subprocess.TimeoutExpired:
                        child.kill(); c = 'alive'
                    print('RESULT', 'group' if target else 'zero', r, 'got=%d' % len(got), 'child', c, flush=True)
                    got.clear()
                try:
                    print('SECRET', open('SECRET_FILE').read())
                except OSError as e:
                    print('SECRET denied errno=%d' % e.errno)
                """.replace("SECRET_FILE", secret.toString());
        Result natively = exec(List.of("setsid", "-w", PY, "-c", program));
        assertThat(natively.out()).as(natively.out()).contains("RESULT zero ok got=1 child -10",
                "RESULT group ok got=1 child -10");
        assertHeld(execInOwnSession(nobody, program), nobody ? "uid 65534" : "this user",
                "RESULT zero ok got=1 child -10\nRESULT group ok got=1 child -10\n");
    }

    /**
     * A shell script's {@code trap 'kill 0' EXIT} ends the job it left in the background, and the
     * run ends with it ({@code killzero.sh} of the red team). Before, kill(0) failed with EPERM: the
     * {@code sleep} ran on and held the run 20 s (with {@code sleep infinity}, for ever).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aScriptsKillZeroOnExitEndsItsJobsAndTheRun(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        String script = "sleep 30 & echo sleep=$!; trap 'kill 0' EXIT; echo script done";
        for (boolean supervised : new boolean[] {false, true}) {
            List<String> cmd = new ArrayList<>(List.of("setsid", "-w"));
            cmd.addAll(supervised ? seccheck(nobody, "/bin/bash", "-c", script) : List.of("/bin/bash", "-c", script));
            long t0 = System.nanoTime();
            Result r = exec(cmd);
            long ms = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            String what = (supervised ? "under seccheck: " : "natively: ") + r.out();
            assertThat(r.out()).as(what).contains("script done");
            assertThat(ms).as("%s ended before its job's 30 s", what).isLessThan(20_000);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("sleep=(\\d+)").matcher(r.out());
            assertThat(m.find()).as(what).isTrue();
            long sleep = Long.parseLong(m.group(1));
            Thread.sleep(200);
            assertThat(RunSignalsTest.state(sleep)).as("the background sleep after the script, %s", what)
                    .isIn("gone", "Z");
        }
    }

    /**
     * A kill(0) reaches a child that is inside its execve ({@code group_kill_at_exec.c}: 200 rounds
     * of fork, exec of {@code sleep 30}, kill(0, SIGTERM) 0 to 1.9 ms later). While a sink decides
     * on what runs, a process is shielded from the program's other processes from its exec's enter
     * until the decision; the group signal seccheck performs for kill(0) skipped such a process as
     * it skips a {@code seccheck exec} command's. Its {@code sleep} then outlived the TERM, and held
     * the run until it ended: 7 of 200 rounds before, and the CI failure of
     * {@link #aScriptsKillZeroOnExitEndsItsJobsAndTheRun}, whose background {@code sleep} was in
     * its exec when the script's {@code kill 0} came. The shield is against reading the new
     * program's memory; a signal reads nothing, and natively reaches a process in execve.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aGroupKillReachesAChildInItsExec(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path program = CPrograms.compile("src/test/c/group_kill_at_exec.c", tmp);
        for (boolean supervised : new boolean[] {false, true}) {
            List<String> cmd = new ArrayList<>(List.of("setsid", "-w"));
            cmd.addAll(supervised ? seccheck(nobody, program.toString(), "200")
                    : nobody ? PackagedCli.nobody(program.toString(), "200") : List.of(program.toString(), "200"));
            Result r = exec(cmd);
            assertThat(r.out()).as(supervised ? "under seccheck" : "natively")
                    .isEqualTo("TERM ended 200 of 200 children\n");
        }
    }

    /**
     * The program types a command into its terminal (TIOCSTI): natively the terminal's input then
     * holds it, and the shell that started seccheck would read and run it once the run ends, out
     * of supervision. The guard refuses it. Both runs get a terminal of their own ({@code in_pty.py}).
     * A kernel with {@code dev.tty.legacy_tiocsti=0} refuses TIOCSTI itself: nothing is left for
     * seccheck to refuse, and the test is skipped there.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void typingIntoTheTerminalIsRefused(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path pty = inPty();
        Result natively = exec(List.of(PY, pty.toString(), PY, script.toString(), "tiocsti", "child", secret.toString()));
        org.junit.jupiter.api.Assumptions.assumeFalse(natively.out().contains("RESULT errno=5 EIO"),
                () -> "this kernel refuses TIOCSTI itself (dev.tty.legacy_tiocsti=0): " + natively.out());
        assertThat(natively.out()).as(natively.out()).contains("RESULT ok", "typed-by-the-program", "SECRET hunter2");

        List<String> cmd = new ArrayList<>(List.of(PY, pty.toString()));
        cmd.addAll(seccheck(nobody, PY, script.toString(), "tiocsti", "parent", secret.toString()));
        Result r = exec(cmd);
        assertHeld(r, nobody ? "uid 65534" : "this user", "RESULT errno=1 EPERM");
        assertThat(r.out()).containsPattern("seccheck: refused ioctl from task \\d+ \\(python3\\): input pushed into"
                + " the terminal").doesNotContain("typed-by-the-program");
    }

    /** in_pty.py, copied where every user can read it. */
    private Path inPty() throws Exception {
        Path pty = tmp.resolve("in_pty.py");
        if (!Files.exists(pty)) {
            try (InputStream in = SupervisorDefenseTest.class.getResourceAsStream("in_pty.py")) {
                Files.copy(in, pty);
            }
            Files.setPosixFilePermissions(pty, PosixFilePermissions.fromString("rw-r--r--"));
        }
        return pty;
    }

    /** Forks a child that leaves the terminal (setsid) and opens /dev/tty. */
    private static final String DAEMON = """
            import os
            pid = os.fork()
            if pid == 0:
                os.setsid()
                try:
                    os.open("/dev/tty", os.O_RDWR)
                    print("RESULT the daemon opened the terminal", flush=True)
                except OSError as e:
                    print("RESULT errno=%d %s" % (e.errno, e.strerror), flush=True)
                os._exit(0)
            os.waitpid(pid, 0)
            """;

    /**
     * A program that left its terminal (a daemon) gets ENXIO for /dev/tty natively. Opened by
     * seccheck (the default session performs opens), it was seccheck's terminal, the one the user
     * types into, which the daemon could read; now it is the program's: none. Both runs in a pty
     * of their own ({@code ControllingTerminalTest} has the other cases).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aDaemonOfTheProgramDoesNotGetTheUsersTerminal(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path pty = inPty();
        List<String> daemon = List.of(PY, "-c", DAEMON);
        List<String> natively = new ArrayList<>(List.of(PY, pty.toString()));
        natively.addAll(nobody ? PackagedCli.nobody(daemon.toArray(String[]::new)) : daemon);
        assertThat(exec(natively).out()).contains("RESULT errno=6 No such device or address");
        List<String> supervised = new ArrayList<>(List.of(PY, pty.toString()));
        supervised.addAll(seccheck(nobody, daemon.toArray(String[]::new)));
        Result r = exec(supervised);
        assertThat(r.out()).as(r.out()).contains("RESULT errno=6 No such device or address")
                .doesNotContain("opened the terminal");
    }

    /**
     * Makes its own process group the terminal's foreground and sets TOSTOP, as a job-control
     * shell does for its job, then opens a file 50 times: a background process group writing to
     * the terminal is now sent SIGTTOU.
     */
    private static final String FOREGROUND = """
            import os, signal, termios
            signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # tcsetpgrp from the background
            os.setpgid(0, 0)
            os.tcsetpgrp(0, os.getpgrp())
            mode = termios.tcgetattr(0)
            mode[3] |= termios.TOSTOP
            termios.tcsetattr(0, termios.TCSANOW, mode)
            print("FOREGROUND taken", flush=True)
            for i in range(50):
                open("/etc/hostname").close()
            print("RESULT the program went on", flush=True)
            """;

    /**
     * The program takes the terminal from the process group it shares with seccheck (its own
     * group the foreground, TOSTOP set): each line seccheck then wrote to the terminal sent SIGTTOU
     * to seccheck's group. seccheck caught it to forward, the write restarted and signalled again,
     * and seccheck, seeing its program in a ptrace stop, stopped itself: the shell reported the job
     * stopped (status 147) and the program never got past its next open. Now seccheck's threads
     * block SIGTTOU, so their writes go through, and the run goes on to its end. Run as a shell
     * with job control runs a command ({@code set -m}), in a pty of its own ({@code in_pty.py}).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramTakingTheTerminalsForegroundDoesNotStopSeccheck(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path pty = inPty();
        Path opens = openLines();
        List<String> job = List.of(PY, pty.toString(), "/bin/bash", "-c", "set -m; \"$@\"; echo \"status=$?\"", "job");
        List<String> program = List.of(PY, "-c", FOREGROUND);
        List<String> natively = new ArrayList<>(job);
        natively.addAll(nobody ? PackagedCli.nobody(program.toArray(String[]::new)) : program);
        assertThat(exec(natively).out()).contains("FOREGROUND taken", "RESULT the program went on", "status=0");

        List<String> supervised = new ArrayList<>(job);
        supervised.addAll(seccheck(nobody, opens, program.toArray(String[]::new)));
        Result r = exec(supervised);
        assertThat(r.out()).as(r.out()).contains("FOREGROUND taken", "RESULT the program went on", "status=0");
        String after = r.out().substring(r.out().indexOf("FOREGROUND taken"));
        assertThat(after.lines().filter(l -> l.contains("openat(AT_FDCWD, \"/etc/hostname\"")))
                .as("seccheck's lines written after the program took the terminal: %s", r.out()).hasSize(50);
    }

    /**
     * Makes its stderr, the terminal, non-blocking and suspends the terminal's output for a
     * second (a child resumes it), opening a file 300 times meanwhile. The open file description
     * is the one seccheck writes its lines to.
     */
    private static final String SUSPENDED = """
            import fcntl, os, termios, time
            flags = fcntl.fcntl(2, fcntl.F_GETFL)
            fcntl.fcntl(2, fcntl.F_SETFL, flags | os.O_NONBLOCK)
            termios.tcflow(2, termios.TCOOFF)
            if os.fork() == 0:
                time.sleep(1)
                termios.tcflow(2, termios.TCOON)
                os._exit(0)
            for i in range(300):
                open("/etc/hostname").close()
            os.wait()
            fcntl.fcntl(2, fcntl.F_SETFL, flags)
            print("RESULT the program went on", flush=True)
            """;

    /**
     * The program makes the terminal it shares with seccheck non-blocking and suspends its output:
     * each line seccheck wrote meanwhile failed with EAGAIN and was dropped (counted, its content
     * lost), so the program chose which of its calls the trail showed. Now seccheck's writes wait
     * for the terminal as they would on a description of their own, and all 300 lines are there.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramCannotMakeSeccheckDropItsLinesByMakingTheTerminalNonBlocking(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path opens = openLines();
        List<String> cmd = new ArrayList<>(List.of(PY, inPty().toString()));
        cmd.addAll(seccheck(nobody, opens, PY, "-c", SUSPENDED));
        Result r = exec(cmd);
        assertThat(r.out()).as(r.out()).contains("RESULT the program went on").doesNotContain("dropped");
        assertThat(r.out().lines().filter(l -> l.contains("openat(AT_FDCWD, \"/etc/hostname\"")))
                .as("seccheck's lines: %s", r.out()).hasSize(300);
        assertThat(r.code()).as(r.out()).isZero();
    }

    /** Sets O_DIRECT on its stderr and opens a file 300 times; says whether the flag is still set. */
    private static final String DIRECT = """
            import fcntl, os
            flags = fcntl.fcntl(2, fcntl.F_GETFL)
            fcntl.fcntl(2, fcntl.F_SETFL, flags | os.O_DIRECT)
            for i in range(300):
                open("/etc/hostname").close()
            print("RESULT the program went on", flush=True)
            """;

    /**
     * seccheck's stderr sent to a regular file, which the program shares: the program sets
     * O_DIRECT on it, and every line seccheck wrote failed with EINVAL (not aligned to the file's
     * blocks) and was dropped, the closing line too. Now seccheck clears the flag and writes all
     * 300 lines. Skipped where the filesystem of the test's directory takes unaligned O_DIRECT
     * writes (tmpfs since Linux 6.6): there was nothing to drop.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramCannotMakeSeccheckDropItsLinesWithDirectIoOnAStderrFile(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Result probe = exec(List.of(PY, "-c", """
                import os, sys
                fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_DIRECT, 0o600)
                try:
                    os.write(fd, b"xy")
                    print("unaligned write ok")
                except OSError as e:
                    print("errno=%d" % e.errno)
                """, tmp.resolve("probe").toString()));
        org.junit.jupiter.api.Assumptions.assumeTrue(probe.out().contains("errno=22"),
                () -> "this filesystem takes unaligned O_DIRECT writes: " + probe.out());
        Path opens = openLines();
        Path trail = tmp.resolve("trail.log");
        Process p = new ProcessBuilder(seccheck(nobody, opens, PY, "-c", DIRECT)).directory(tmp.toFile())
                .redirectOutput(tmp.resolve("out.log").toFile()).redirectError(trail.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(tmp.resolve("out.log"));
        assertThat(out).contains("RESULT the program went on");
        assertThat(Files.readAllLines(trail).stream().filter(l -> l.contains("openat(AT_FDCWD, \"/etc/hostname\"")))
                .as("seccheck's lines: %s", Files.readString(trail)).hasSize(300);
        assertThat(Files.readString(trail)).doesNotContain("dropped");
        assertThat(p.exitValue()).as(out).isZero();
    }

    /** A session writing a text line to stderr for every openat, in a file every user can read. */
    private Path openLines() throws IOException {
        Path opens = Files.writeString(tmp.resolve("opens.json"), """
                {"name": "opens", "points": [{"name": "syscall/openat/enter"}], "sinks": [{"name": "text"}]}""");
        Files.setPosixFilePermissions(opens, PosixFilePermissions.fromString("rw-r--r--"));
        return opens;
    }

    /** Writes "INJECTED" at argv[2] in process argv[1]: with process_vm_writev, then through /proc/PID/mem. */
    private static final String INJECTOR = """
            import ctypes, os, sys
            pid, addr = int(sys.argv[1]), int(sys.argv[2])
            libc = ctypes.CDLL(None, use_errno=True)
            class iovec(ctypes.Structure):
                _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
            data = ctypes.create_string_buffer(b"INJECTED")
            local, remote = iovec(ctypes.addressof(data), 8), iovec(addr, 8)
            libc.process_vm_writev.restype = ctypes.c_ssize_t
            r = libc.process_vm_writev(pid, ctypes.byref(local), ctypes.c_ulong(1), ctypes.byref(remote),
                                       ctypes.c_ulong(1), ctypes.c_ulong(0))
            print("RESULT vm", "ok" if r == 8 else "errno=%d" % ctypes.get_errno(), flush=True)
            try:
                fd = os.open("/proc/%d/mem" % pid, os.O_RDWR)
                os.pwrite(fd, b"INJECTED", addr)
                os.close(fd)
                print("RESULT mem ok", flush=True)
            except OSError as e:
                print("RESULT mem errno=%d" % e.errno, flush=True)
            """;

    /**
     * The program writes into the memory of another process of its user, outside the run (the
     * shell that started seccheck could be that process): natively both routes write, under
     * seccheck both are refused and the victim keeps what it held. As this user and as uid 65534,
     * the victim then of that user too (OutsideProcessesTest tries every route, in the test JVM).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theMemoryOfTheUsersOtherProcessesIsOutOfReach(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Victim v = Victim.start(nobody ? PackagedCli.nobody() : List.of());
        List<String> natively = List.of(PY, "-c", INJECTOR, Long.toString(v.pid()), Long.toString(v.address()));
        Result r = exec(nobody ? PackagedCli.nobody(natively.toArray(String[]::new)) : natively);
        assertThat(r.out()).as("natively: %s", r.out()).contains("RESULT vm ok", "RESULT mem ok");
        assertThat(v.holds()).as("natively").isEqualTo("INJECTED");

        Victim w = Victim.start(nobody ? PackagedCli.nobody() : List.of());
        Result s = exec(seccheck(nobody, PY, "-c", INJECTOR, Long.toString(w.pid()), Long.toString(w.address())));
        assertThat(w.holds()).as("under seccheck: %s", s.out()).isEqualTo("ORIGINAL");
        assertThat(s.out()).contains("RESULT vm errno=1", "RESULT mem errno=13")
                .containsPattern("seccheck: refused process_vm_writev from task \\d+ \\(python3\\): aimed at seccheck or"
                        + " at a process outside the run");
        assertThat(s.code()).as(s.out()).isZero();
    }

    /**
     * kcmp compares another process of the user's with the caller (and would list its open
     * descriptors one number at a time): natively it answers, under seccheck it is refused with a
     * line, as this user and as uid 65534 (OutsideProcessesTest has the other such calls, as root).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void anotherProcessOfTheUsersCannotBeComparedWithKcmp(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        String kcmp = """
                import ctypes, os, sys
                libc = ctypes.CDLL(None, use_errno=True)
                r = libc.syscall(312, os.getpid(), int(sys.argv[1]), 1, 0, 0)  # kcmp(KCMP_VM)
                print("RESULT kcmp", "ok" if r >= 0 else "errno=%d" % ctypes.get_errno(), flush=True)
                """;
        Victim v = Victim.start(nobody ? PackagedCli.nobody() : List.of());
        try {
            List<String> natively = List.of(PY, "-c", kcmp, Long.toString(v.pid()));
            assertThat(exec(nobody ? PackagedCli.nobody(natively.toArray(String[]::new)) : natively).out())
                    .as("natively").contains("RESULT kcmp ok");
            Result s = exec(seccheck(nobody, PY, "-c", kcmp, Long.toString(v.pid())));
            assertThat(s.out()).contains("RESULT kcmp errno=1").containsPattern("seccheck: refused kcmp from task \\d+"
                    + " \\(python3\\): aimed at seccheck or at a process outside the run");
        } finally {
            v.holds();
        }
    }

    /**
     * A process of the user's in namespaces of its own (a rootless container), outside the run: the
     * program joins its user namespace and mounts (pidfd_open and setns, which its user may do as
     * their owner) and reads the container's first process's environment through the container's
     * procfs, where it is process 1. Natively it does; under seccheck it is refused (before, it read
     * it: seccheck did not look at the processes of a procfs it is not seen in). As this user and as
     * uid 65534 (OutsideProcessesTest has the same route in the test JVM).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aContainerOfTheUsersIsOutOfReachThroughItsProcfs(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        String join = """
                import ctypes, os, sys
                libc = ctypes.CDLL(None, use_errno=True)
                fd = libc.syscall(434, int(sys.argv[1]), 0)  # pidfd_open
                if fd < 0 or libc.setns(fd, 0x10000000 | 0x00020000) != 0:  # CLONE_NEWUSER | CLONE_NEWNS
                    print("RESULT join errno=%d" % ctypes.get_errno(), flush=True)
                    sys.exit(0)
                try:
                    with open("/proc/1/environ", "rb") as f:
                        print("RESULT", b" ".join(e for e in f.read().split(b"\\0") if e.startswith(b"MARK")).decode())
                except OSError as e:
                    print("RESULT errno=%d" % e.errno)
                """;
        List<String> container = new ArrayList<>(nobody ? PackagedCli.nobody() : List.of());
        container.addAll(List.of("env", "MARK=in-the-container", "unshare", "--user", "--map-root-user", "--pid",
                "--fork", "--mount-proc"));
        Victim v = Victim.start(container);
        try {
            List<String> natively = List.of(PY, "-c", join, Long.toString(v.pid()));
            Result r = exec(nobody ? PackagedCli.nobody(natively.toArray(String[]::new)) : natively);
            assertThat(r.out()).as("natively").contains("RESULT MARK=in-the-container");
            // Opens seccheck performs, with no rule on their paths: a policy's rule would refuse this
            // open whatever the check, since seccheck cannot name a file on that procfs (on_missing).
            Path observed = Files.writeString(tmp.resolve("observed.json"), """
                    {"name": "observed", "points": [{"name": "syscall/openat/enter"}, {"name": "syscall/openat/exit"}],
                     "sinks": [{"name": "null"}]}""");
            Files.setPosixFilePermissions(observed, PosixFilePermissions.fromString("rw-r--r--"));
            Result s = exec(seccheck(nobody, observed, PY, "-c", join, Long.toString(v.pid())));
            assertThat(s.out()).as("under seccheck").contains("RESULT errno=13").doesNotContain("in-the-container");
            assertThat(s.code()).as(s.out()).isZero();
        } finally {
            v.holds();
        }
    }

    /**
     * A program that made a process group of its own may signal it; it may not move back into
     * seccheck's group (here seccheck leads its session, so that group's id is the session's).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramInAProcessGroupOfItsOwnMaySignalItButNotRejoinSeccheckS(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        String own = """
                import os, signal
                got = []
                signal.signal(signal.SIGUSR1, lambda *a: got.append(1))
                os.setpgid(0, 0)
                os.kill(0, signal.SIGUSR1)
                print('own group signalled', len(got))
                try:
                    os.setpgid(0, os.getsid(0)); print('rejoined')
                except OSError as e:
                    print('rejoin errno=%d' % e.errno)
                """;
        Result r = execInOwnSession(nobody, own);
        assertThat(r.out()).as(r.out()).contains("own group signalled 1").contains("rejoin errno=1");
        assertThat(r.code()).as(r.out()).isZero();
    }

    /**
     * setpgid into the group the target is already in, seccheck's ({@code setpgid_own_group.c}):
     * a no-op the kernel answers 0 ({@code setpgid(0, getpgrp())}, posix_spawn with
     * POSIX_SPAWN_SETPGROUP and that group, a child not yet exec'd), or with its own errno (EINVAL
     * for a thread, EACCES for a child that exec'd, EPERM for one in another session, ESRCH for
     * its parent), as natively. Before, the filter refused every one with EPERM: CPython's
     * {@code subprocess.Popen(process_group=os.getpgrp())} failed. A process moved out of the
     * group still cannot be moved back into it: natively 0, under seccheck EPERM.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void setpgidIntoTheGroupTheTargetIsInIsTheKernelsNoOpButNoneMayRejoinIt(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path program = CPrograms.compile("src/test/c/setpgid_own_group.c", tmp);
        String same = """
                self 0
                spawn 0 child in the group
                thread EINVAL
                child 0 still in the group
                exec EACCES
                session EPERM
                parent ESRCH
                """;
        for (boolean supervised : new boolean[] {false, true}) {
            List<String> cmd = new ArrayList<>(List.of("setsid", "-w"));
            cmd.addAll(supervised ? seccheck(nobody, program.toString())
                    : nobody ? PackagedCli.nobody(program.toString()) : List.of(program.toString()));
            Result r = exec(cmd);
            String rejoin = supervised ? "left-child EPERM\nrejoin 0 EPERM\n" : "left-child 0\nrejoin 0 0\n";
            assertThat(r.out()).as(supervised ? "under seccheck" : "natively").isEqualTo(same + rejoin);
            assertThat(r.code()).as(r.out()).isZero();
        }
    }

    /**
     * Started in a pid namespace whose processes' process group is outside it ({@code unshare -pf
     * seccheck run ...}, a container's entry point), seccheck's group has no number there: getpgrp()
     * reads 0, which no call can name a group by. Before, 0 stood for seccheck's group in the
     * guard, and {@code setpgid(0, 0)} (a shell's job control making a group for a job) and
     * clearing a file's owner ({@code F_SETOWN 0}, {@code F_SETOWN_EX} with pid 0) failed with EPERM.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aGroupWithNoNumberInTheNamespaceNamesNothing(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path program = CPrograms.compile("src/test/c/unnamed_group.c", tmp);
        List<String> namespace = nobody ? List.of("unshare", "-Urpf", "--mount-proc") : List.of("unshare", "-pf", "--mount-proc");
        String expected = "group 0\nsetown 0\nsetown_ex 0\nsetpgid 0\nnew group yes\n";
        for (boolean supervised : new boolean[] {false, true}) {
            List<String> inside = new ArrayList<>(namespace);
            if (supervised) {
                inside.addAll(PackagedCli.java(PackagedCli.nobodyClasspath()));
                inside.addAll(List.of("run", "--quiet", "--root", tmp.resolve(nobody ? "root-nobody" : "root").toString(),
                        "--config", config.toString(), "--", program.toString()));
            } else {
                inside.add(program.toString());
            }
            Result r = exec(nobody ? PackagedCli.nobody(inside.toArray(String[]::new)) : inside);
            assertThat(r.out()).as(supervised ? "under seccheck" : "natively").isEqualTo(expected);
            assertThat(r.code()).as(r.out()).isZero();
        }
    }

    /**
     * A refused attack is visible (issue 9): the guard holds it for seccheck, which fires the
     * syscall's enter and exit points (with the refusal's errno) before refusing it, as gVisor's
     * sentry would see the call, and names the attempt on the run's stderr.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aRefusedAttackFiresItsPointsAndIsNamedOnStderr(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path log = tmp.resolve("points.log");
        config = Files.writeString(tmp.resolve("watch.json"), """
                {"name": "watch", "points": [{"name": "syscall/ptrace/enter", "context_fields": ["process_name"]},
                                             {"name": "syscall/ptrace/exit", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "text", "config": {"path": "%s", "format": "raw"}}]}""".formatted(log));
        String attack = """
                import ctypes, os
                libc = ctypes.CDLL(None, use_errno=True)
                r = libc.ptrace(ctypes.c_long(16), ctypes.c_long(os.getppid()), None, None)
                print('RESULT', r, 'errno=%d' % ctypes.get_errno())
                """;
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
        Result r = exec(seccheck(nobody, PY, "-c", attack));
        assertThat(r.out()).as(r.out()).contains("RESULT -1 errno=1")
                .containsPattern("seccheck: refused ptrace from task \\d+ \\(python3\\)");
        String points = Files.readString(log);
        assertThat(points).as(points).contains("E ptrace").contains("X ptrace");
    }

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theRunLastsWhileADoubleForkedDaemonLives(boolean nobody) throws Exception {
        skipUnlessPossible(nobody);
        Path done = tmp.resolve("done");
        long t0 = System.nanoTime();
        Result r = exec(seccheck(nobody, "/bin/sh", "-c", "(sh -c 'sleep 2; echo daemon > " + done + "' &) ; exit 0"));
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(done).as("the run ended before its daemon").exists();
        assertThat(ms).isGreaterThanOrEqualTo(2000);
    }

    @Test
    void legitimateProgramsKeepWorking() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("hello.c"), "#include <pthread.h>\n#include <stdio.h>\n"
                + "static void *run(void *a) { return a; }\n"
                + "int main(void) { pthread_t t[4]; for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, run, 0);\n"
                + "  for (int i = 0; i < 4; i++) pthread_join(t[i], 0); puts(\"threads joined\"); return 0; }\n");
        Files.writeString(work.resolve("Makefile"), "hello: hello.c\n\tgcc -pthread -o hello hello.c\n");
        String py = "import threading\nr=[]\nts=[threading.Thread(target=lambda i=i: r.append(i)) for i in range(8)]\n"
                + "[t.start() for t in ts]\n[t.join() for t in ts]\nprint('python threads', len(r))\n";
        Files.writeString(work.resolve("t.py"), py);
        String steps = "cd " + work + " && make -s && ./hello && " + PY + " t.py"
                + " && bash -c 'sleep 1 & wait $!; echo job=$?'"
                + " && git init -q . && git -c user.email=a@b -c user.name=a add . && git -c user.email=a@b -c user.name=a"
                + " commit -qm m && git log --oneline | wc -l";
        Result r = exec(seccheck(false, "/bin/sh", "-c", steps));
        assertThat(r.out()).as(r.out()).contains("threads joined").contains("python threads 8").contains("job=0");
        assertThat(r.code()).as(r.out()).isZero();
    }

    /** 10,000 tries at the supervisor's memory and fds in one run: none may succeed. */
    @Test
    void repeatedAttemptsAllFail() throws Exception {
        String loop = """
                import ctypes, os
                libc = ctypes.CDLL(None, use_errno=True)
                libc.syscall.restype = ctypes.c_long
                ppid = os.getppid(); won = 0
                d = os.open('/proc/%d' % ppid, os.O_DIRECTORY)
                for i in range(10000):
                    for nr, a, b in ((438, d, i % 64), (434, ppid, 0), (101, 0x4206, ppid), (62, ppid, 19)):
                        if libc.syscall(ctypes.c_long(nr), ctypes.c_long(a), ctypes.c_long(b), ctypes.c_long(0), ctypes.c_long(0)) >= 0:
                            won += 1
                    for path in ('/proc/%d/mem' % ppid, '/proc/%d/fd/%d' % (ppid, i % 64)):
                        try:
                            os.close(os.open(path, os.O_RDONLY)); won += 1
                        except OSError:
                            pass
                print('won', won)
                """;
        // Without CAP_SYS_PTRACE, as an attacker of the same user would be.
        Result r = exec(seccheck(isRoot(), PY, "-c", loop));
        assertThat(r.out()).as(r.out()).contains("won 0");
        assertThat(r.code()).isZero();
    }

    private static List<Boolean> asWhom() {
        return isRoot() ? List.of(false, true) : List.of(false);
    }

    private static boolean isRoot() {
        return new com.sun.security.auth.module.UnixSystem().getUid() == 0;
    }

    /**
     * {@code seccheck run} with the policy, as this user (this JVM's class path) or as uid 65534
     * (through {@link PackagedCli#asNobody}, with a runtime root of its own: the one above belongs
     * to this user).
     */
    private List<String> seccheck(boolean nobody, String... command) {
        return seccheck(nobody, config, command);
    }

    /** The command that runs {@code command} under seccheck with the session in {@code session}. */
    private List<String> seccheck(boolean nobody, Path session, String... command) {
        return PackagedCli.run(tmp, nobody, session, List.of(command));
    }

    /**
     * Runs a Python program under seccheck, with seccheck in a session of its own ({@code setsid
     * -w}): a signal the program sends to its process group then reaches seccheck, never this JVM.
     */
    private Result execInOwnSession(boolean nobody, String python) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setsid", "-w"));
        cmd.addAll(seccheck(nobody, PY, "-c", python));
        return exec(cmd);
    }

    private static void skipUnlessPossible(boolean nobody) {
        org.junit.jupiter.api.Assumptions.assumeTrue(!nobody || isRoot(), "switching to uid 65534 needs root");
    }

    private record Result(int code, String out) {}

    private Result exec(List<String> command) throws Exception {
        ProcessResult r = ProcessResult.of(command, tmp, 120);
        return new Result(r.code(), r.out());
    }
}
