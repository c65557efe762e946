package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.google.protobuf.Message;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.testing.Datagrams;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EmulationTest runs the hostile program ({@code src/test/c/hostile.c}) along each route around a
 * path or address rule, natively (where the forbidden object is reached, so the test cannot pass
 * vacuously) and under seccheck with a sink denying the secret file's path and a forbidden port,
 * where emulation must leave the program nothing.
 */
class EmulationTest {

    private static final String[] POINTS = {"syscall/openat/enter", "syscall/openat/exit", "syscall/open/enter",
        "syscall/creat/enter", "syscall/connect/enter", "syscall/bind/enter"};

    @TempDir
    Path dir;
    private Path secretDir;
    private Path secret;
    private Path out;

    @BeforeEach
    void files() throws IOException {
        secretDir = Files.createDirectory(dir.resolve("s"));
        secret = Files.writeString(secretDir.resolve("secret"), "SECRET\n");
        Files.writeString(secretDir.resolve("allowed"), "allowed\n");
        out = dir.resolve("out");
    }

    /** The deny rule: the secret by its real name, and the forbidden port. */
    private SupervisorTest.Run guarded(int forbiddenPort) throws Exception {
        SupervisorTest.Run r = new SupervisorTest.Run(POINTS);
        String secretName = secret.toRealPath().toString();
        r.sink.verdict = (p, m) -> denies(m, secretName, forbiddenPort) ? new SecurityCheckException(13, "rule") : null;
        r.sink.deciding = true; // it denies, as a policy sink with deny rules says it may
        // A name seccheck could not verify (a detached mount's) is decided as a policy's on_missing does by default.
        r.sink.refusingMissing = m -> m.get("pathname").isPresent();
        return r;
    }

    private static boolean denies(Message m, String secretName, int port) {
        return switch (m) {
            case Open o -> !o.hasExit() && o.getPathname().startsWith(secretName);
            case Connect c -> portOf(c) == port;
            case Bind b -> portOf(b.getAddress().toByteArray()) == port;
            default -> false;
        };
    }

    private static int portOf(Connect c) {
        return portOf(c.getAddress().toByteArray());
    }

    private static int portOf(byte[] a) {
        return a.length >= 4 ? ByteBuffer.wrap(a, 2, 2).getShort() & 0xffff : -1;
    }

    /** Runs the hostile program natively; returns its one line of output. */
    private String nativeRun(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CWorkloads.binary("hostile").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("native hostile %s ended", args[0]).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    /** Runs the hostile program under seccheck with the deny rule; returns its output. */
    private String guardedRun(int forbiddenPort, String... args) throws Exception {
        return guardedRun(guarded(forbiddenPort), args);
    }

    /** Runs the hostile program under seccheck with the run {@code r} (a deny rule's sink); returns its output. */
    private String guardedRun(SupervisorTest.Run r, String... args) throws Exception {
        StringBuilder cmd = new StringBuilder("cd '" + dir + "' && exec '" + CWorkloads.binary("hostile") + "'");
        for (String a : args) {
            cmd.append(" '").append(a).append("'");
        }
        cmd.append(" > '").append(out).append("' 2>&1");
        r.run("/bin/sh", "-c", cmd.toString());
        return Files.readString(out).strip();
    }

    private void assertRouteClosed(String... args) throws Exception {
        assertThat(nativeRun(args)).as("natively").isEqualTo("GOT SECRET");
        assertThat(guardedRun(-1, args)).as("under seccheck").startsWith("NO ");
    }

    @Test
    void aSymlinkToTheSecretIsDenied() throws Exception {
        Files.createSymbolicLink(dir.resolve("link"), secret);
        assertRouteClosed("openat", "link");
    }

    @Test
    void aSymlinkedDirectoryAndDotDotAreDenied() throws Exception {
        Files.createDirectories(dir.resolve("a/b"));
        Files.createSymbolicLink(dir.resolve("a/b/up"), secretDir);
        assertRouteClosed("openat", "a/b/up/../s/secret");
        assertRouteClosed("openat", "a/b/up/./secret");
    }

    @Test
    void procSelfRootCwdAndFdAreTheProgramsNotSecchecks() throws Exception {
        assertRouteClosed("openat", "/proc/self/root" + secret);
        assertRouteClosed("openat", "/proc/thread-self/root" + secret);
        assertRouteClosed("cwd", secretDir.toString(), "/proc/self/cwd/secret");
        assertRouteClosed("fdlink", secretDir.toString(), "secret");
    }

    @Test
    void everyOpeningSyscallIsCovered() throws Exception {
        assertRouteClosed("open", secret.toString());
        assertRouteClosed("openat2", secret.toString());
        assertRouteClosed("dirfd", secretDir.toString(), "secret");
        assertThat(nativeRun("creat", secret.toString())).isEqualTo("GOT created");
        Files.writeString(secret, "SECRET\n");
        assertThat(guardedRun(-1, "creat", secret.toString())).startsWith("NO EACCES");
        assertThat(Files.readString(secret)).as("a denied creat truncates nothing").isEqualTo("SECRET\n");
    }

    /**
     * The program installs a seccomp filter of its own whose listener answers "go on"
     * (SECCOMP_USER_NOTIF_FLAG_CONTINUE) to every openat and clone. The kernel asks the newest
     * filter's listener first and takes its answer, so such a listener would decide before
     * seccheck's: the open would run unchecked, and a clone the guard refuses (CLONE_UNTRACED)
     * would leave supervision. The kernel allows one listener per filter chain, and every task of
     * a run has seccheck's from its first instruction, whatever the sessions: the program's is
     * refused (EBUSY). Natively the listener works and the program reads the secret.
     */
    @Test
    void aSeccompListenerOfTheProgramsOwnCannotAnswerBeforeSeccheck() throws Exception {
        for (String route : List.of("listener", "listener-untraced")) {
            assertThat(nativeRun(route, secret.toString())).as("natively, %s", route).isEqualTo("GOT SECRET");
        }
        assertThat(guardedRun(-1, "listener", secret.toString())).isEqualTo("listener NO EBUSY\nNO EACCES");
        assertThat(guardedRun(-1, "listener-untraced", secret.toString())).isEqualTo("listener NO EBUSY\nNO clone EPERM");
    }

    @Test
    void openByHandleAtIsRefused() throws Exception {
        String natively = nativeRun("handle", secret.toString());
        assumeThat(natively).as("open_by_handle_at needs CAP_DAC_READ_SEARCH").isEqualTo("GOT SECRET");
        assertThat(guardedRun(-1, "handle", secret.toString())).isEqualTo("NO EPERM");
    }

    @Test
    void aCloneFsSiblingsChdirIsSeen() throws Exception {
        assertRouteClosed("clonefs", secretDir.toString(), "secret");
    }

    /**
     * A bind mount in the program's own namespace is named where seccheck sees its filesystem; a
     * detached mount has no name seccheck can give: its points carry the path the program gave,
     * recorded as missing, and a sink deciding on paths refuses it.
     */
    @Test
    void mountsOnlyTheProgramSeesAreNamedOrRefused() throws Exception {
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        String bind = nativeRun("bindmount", secretDir.toString(), "secret", mnt.toString());
        assumeThat(bind).as("unprivileged user namespaces with mounts").isEqualTo("GOT SECRET");
        assertThat(guardedRun(-1, "bindmount", secretDir.toString(), "secret", mnt.toString())).startsWith("NO ");
        assertRouteClosed("opentree", secretDir.toString(), "secret", mnt.toString());
    }

    /**
     * A thread held in an emulated open (a FIFO without a writer) is interrupted by signals whose
     * handler has SA_RESTART: the kernel repeats the open after each, and each repeat is a new
     * notification. Its enter point fires once, not once per attempt (issue 9).
     */
    @Test
    void anOpenRestartedAfterASignalFiresItsEnterPointOnce() throws Exception {
        String natively = nativeRun("restart", dir.resolve("native-fifo").toString(), "3");
        assertThat(natively).isEqualTo("GOT opened");
        Path fifo = dir.resolve("fifo");
        SupervisorTest.Run r = guarded(-1);
        StringBuilder cmd = new StringBuilder("cd '" + dir + "' && exec timeout -s KILL 60 '" + CWorkloads.binary("hostile")
                + "' restart '" + fifo + "' 3 > '" + out + "' 2>&1"); // before the fix the run hung: a deadline
        r.run("/bin/sh", "-c", cmd.toString());
        assertThat(Files.readString(out).strip()).isEqualTo("GOT opened");
        List<Open> reads = r.sink.of("syscall/openat/enter").stream().map(Open.class::cast)
                .filter(o -> o.getPathname().equals(fifo.toString()) && (o.getFlags() & 3) == 0).toList();
        assertThat(reads).as("enter points of the reader's open").hasSize(1);
    }

    /**
     * Opens of regular files are served on the notifier thread, which must never wait: here the
     * program holds a lease on its own file, a second thread opens it for writing (which waits for
     * the lease to be given up), and the holder needs an open of its own before it lets go. Had
     * the notifier waited in the first open, the second would wait behind it until the kernel
     * breaks the lease by force (lease-break-time, 45 s here).
     */
    @Test
    void anOpenWaitingOnALeaseDoesNotHoldTheNotifier() throws Exception {
        Path file = Files.writeString(dir.resolve("leased"), "x");
        assertThat(nativeRun("lease", file.toString(), secretDir.resolve("allowed").toString())).isEqualTo("GOT opened");
        long t0 = System.nanoTime();
        assertThat(guardedRun(-1, "lease", file.toString(), secretDir.resolve("allowed").toString()))
                .isEqualTo("GOT opened");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).as("seconds under seccheck").isLessThan(30);
    }

    @Test
    void rewritingOpenatsPathAfterTheCheckNeverWins() throws Exception {
        String n = "100000";
        raceWinsNatively("race-open", "s/allowed", "s/secret", n);
        assertThat(guardedRun(-1, "race-open", "s/allowed", "s/secret", n)).isEqualTo("wins 0 of " + n);
    }

    /**
     * A moved directory is checked with every name below it, up to 100,000 (NameEmulation.MAX_BELOW):
     * a larger tree is refused with EPERM and a line saying why (fail closed), a tree within the
     * bound is moved, its names shown to the sink. Natively both moves succeed.
     */
    @Test
    void aDirectoryMovedIsCheckedNameByNameAndOneTooLargeToCheckIsRefused() throws Exception {
        // In memory when /dev/shm is there: a hundred thousand files are made and removed in a
        // second instead of several on a disk.
        Path shm = Path.of("/dev/shm");
        Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "seccheck-tree")
                : Files.createDirectory(dir.resolve("tree"));
        try {
            movesOfTrees(base);
        } finally {
            try (var all = Files.walk(base)) {
                for (Path f : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }

    private void movesOfTrees(Path base) throws Exception {
        Path big = Files.createDirectories(base.resolve("big/sub"));
        for (int i = 0; i < 100_001; i++) { // NameEmulation.MAX_BELOW + 1
            Files.createFile(big.resolve("f" + i));
        }
        Path small = Files.createDirectories(base.resolve("small/sub"));
        Files.writeString(small.resolve("f"), "x");
        String moves = "cd '" + base + "' && mv big big2; echo big $?; mv small small2; echo small $?";
        Process p = new ProcessBuilder("sh", "-c", moves.replace("mv big big2; ", "mv big big2 && mv big2 big; ")
                .replace("mv small small2;", "mv small small2 && mv small2 small;")).redirectErrorStream(true).start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).as("natively")
                .contains("big 0", "small 0");
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        SupervisorTest.Run r = guarded(-1);
        r.sink.deciding = true;
        r.run("/bin/sh", "-c", "{ " + moves + "; } > '" + out + "' 2>&1");
        assertThat(Files.readString(out)).contains("big 1", "small 0").contains("Operation not permitted");
        assertThat(r.warnings).anyMatch(w -> w.contains("refused: more than 100000 names below it"));
        String real = base.toRealPath().toString();
        assertThat(r.sink.renamings).extracting(NameChange::from)
                .contains(real + "/small", real + "/small/sub", real + "/small/sub/f");
        assertThat(base.resolve("big")).exists();
        assertThat(base.resolve("small2/sub/f")).exists();
    }

    /**
     * RENAME_EXCHANGE moves both files: swapping an allowed file with the secret gives the secret
     * the allowed name, so the sink is asked about that direction too and refuses it.
     */
    @Test
    void exchangingTheSecretWithAnAllowedNameIsRefused() throws Exception {
        Files.writeString(dir.resolve("moved"), "allowed\n");
        assertThat(nativeRun("exchange", "moved", "s/secret")).isEqualTo("GOT SECRET");
        Files.writeString(secret, "SECRET\n");
        Files.writeString(dir.resolve("moved"), "allowed\n");
        SupervisorTest.Run r = guarded(-1);
        String secretName = secret.toRealPath().toString();
        r.sink.deciding = true;
        r.sink.refusing = rn -> rn.from().equals(secretName);
        r.run("/bin/sh", "-c", "cd '" + dir + "' && exec '" + CWorkloads.binary("hostile") + "' exchange moved s/secret > '"
                + out + "' 2>&1");
        assertThat(Files.readString(out).strip()).isEqualTo("NO EPERM");
        // Each direction is asked as the move, then as the old name taken away (after each exec's
        // files, asked as read: the kernel mapped them into the program).
        assertThat(r.sink.renamings).filteredOn(c -> c.kind() != NameChange.Kind.READ)
                .extracting(c -> c.kind() + " " + c.from())
                .containsExactly("MOVE " + dir.toRealPath() + "/moved", "REMOVE " + dir.toRealPath() + "/moved",
                        "MOVE " + secretName);
    }

    /**
     * A second thread rewrites rename's old name between an allowed file and the secret while
     * the first renames it to a name no rule denies: the sink refuses moving the secret, and the
     * kernel renames the name seccheck read, never the one the program wrote after.
     */
    @Test
    void rewritingRenamesPathAfterTheCheckNeverWins() throws Exception {
        String n = "20000";
        raceWinsNatively("race-rename", "s/allowed", "s/secret", "moved", n);
        Files.writeString(secret, "SECRET\n");
        Files.writeString(secretDir.resolve("allowed"), "allowed\n");
        Files.deleteIfExists(dir.resolve("moved"));
        SupervisorTest.Run r = guarded(-1);
        String secretName = secret.toRealPath().toString();
        r.sink.deciding = true;
        r.sink.refusing = rn -> rn.from().equals(secretName);
        String cmd = "cd '" + dir + "' && exec '" + CWorkloads.binary("hostile") + "' race-rename s/allowed s/secret moved "
                + n + " > '" + out + "' 2>&1";
        r.run("/bin/sh", "-c", cmd);
        assertThat(Files.readString(out).strip()).isEqualTo("wins 0 of " + n);
        assertThat(r.sink.renamings).anyMatch(rn -> rn.from().equals(secretName));
    }

    /**
     * A second thread rewrites the string execve gets as argv[2] and as the environment while the
     * exec copies it: sentry/execve reports what the kernel gave the new program (read from the new
     * image at the exec event), so a sink killing on the forbidden string catches every exec that
     * got it. Natively the forbidden string reaches the new program.
     */
    @Test
    void rewritingExecsArgumentsAfterTheCheckNeverWins() throws Exception {
        String n = "1000";
        raceWinsNatively("race-exec", n);
        SupervisorTest.Run r = new SupervisorTest.Run("sentry/execve");
        r.sink.verdict = (p, m) -> m instanceof ExecveInfo e
                && (e.getArgvList().contains(FORBIDDEN_EXEC) || e.getEnvList().contains(FORBIDDEN_EXEC))
                ? new SecurityCheckException(1, "rule") : null;
        String cmd = "cd '" + dir + "' && exec '" + CWorkloads.binary("hostile") + "' race-exec " + n
                + " > '" + out + "' 2>&1";
        r.run("/bin/sh", "-c", cmd);
        String result = Files.readString(out).strip();
        assertThat(result).startsWith("wins 0 of " + n + ",");
        assertThat(result).as("the execs that got the allowed string ran: the sink kills only the forbidden one")
                .doesNotEndWith(" 0 clean");
    }

    private static final String FORBIDDEN_EXEC = "SECCHECK_RACE=forbidden";

    @Test
    void rewritingConnectsAddressAfterTheCheckNeverWins() throws Exception {
        try (DatagramSocket ok = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket bad = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String n = "100000";
            String[] args = {"race-connect", "" + ok.getLocalPort(), "" + bad.getLocalPort(), n};
            raceWinsNatively(args);
            assertThat(guardedRun(bad.getLocalPort(), args)).isEqualTo("wins 0 of " + n);
        }
    }

    /**
     * A message with ancillary data and no address was sent as the program made it: a second
     * thread adding the forbidden port's address after seccheck's read had the kernel send there
     * (natively about a tenth of 100,000 such sends reach it). seccheck now sends every message
     * itself, with its own copy of the message.
     */
    @Test
    void addingAnAddressToAMessageAfterTheReadNeverWins() throws Exception {
        try (DatagramSocket ok = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             DatagramSocket bad = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            bad.setReceiveBufferSize(8 << 20);
            String n = "100000";
            String[] args = {"race-sendmsg-control", "" + ok.getLocalPort(), "" + bad.getLocalPort(), n};
            int reached = 0;
            for (int run = 0; run < NATIVE_RACE_RUNS && reached == 0; run++) {
                assertThat(nativeRun(args)).isEqualTo("sent " + n + " of " + n);
                reached = Datagrams.drain(bad);
            }
            assertThat(reached).as("natively").isPositive();
            assertThat(guardedRun(bad.getLocalPort(), args)).startsWith("sent ");
            assertThat(Datagrams.drain(bad)).as("under seccheck").isZero();
        }
    }

    /**
     * A netlink call was decided on seccheck's copy and then let run as the program made it: a
     * second thread pointing the descriptor number at a UDP socket, and the address at the
     * forbidden port, after the check had the kernel send, connect or bind there (under seccheck
     * 2,046 of 20,000 sendtos and 2,526 of 20,000 connects did). A task sharing its descriptor table
     * now has its netlink calls made by seccheck on its copy of the socket, while a sink decides at
     * connect or bind.
     */
    @Test
    void swappingANetlinkSocketForAnotherAfterTheCheckNeverWins() throws Exception {
        try (DatagramSocket bad = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            bad.setReceiveBufferSize(8 << 20);
            String port = "" + bad.getLocalPort();
            String n = "100000";
            for (String call : List.of("sendto", "sendmsg")) {
                int reached = 0;
                for (int run = 0; run < NATIVE_RACE_RUNS && reached == 0; run++) {
                    nativeRun("race-netlink-swap", call, port, n);
                    reached = Datagrams.drain(bad);
                }
                assertThat(reached).as(call + " natively").isPositive();
                assertThat(guardedRun(bad.getLocalPort(), "race-netlink-swap", call, port, n))
                        .isEqualTo("wins 0 of " + n);
                assertThat(Datagrams.drain(bad)).as(call + " under seccheck").isZero();
            }
            raceWinsNatively("race-netlink-swap", "connect", port, n);
            assertThat(guardedRun(bad.getLocalPort(), "race-netlink-swap", "connect", port, n))
                    .isEqualTo("wins 0 of " + n);
        }
        // A bind, under a sink that decides at bind alone: to a port free for the program, which it denies.
        int free;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            free = probe.getLocalPort();
        }
        raceWinsNatively("race-netlink-swap", "bind", "" + free, "100000");
        SupervisorTest.Run bindRule = guarded(free);
        bindRule.sink.deciding = false;
        bindRule.sink.decidingAt = p -> p.name().equals("syscall/bind/enter");
        assertThat(guardedRun(bindRule, "race-netlink-swap", "bind", "" + free, "100000")).isEqualTo("wins 0 of 100000");
    }

    /** How many runs a race's native half gets to win once: a loaded machine can lose every attempt of one. */
    private static final int NATIVE_RACE_RUNS = 3;

    /** Runs a race natively (its output "wins N of M") until it wins once, in {@link #NATIVE_RACE_RUNS} runs. */
    private void raceWinsNatively(String... args) throws Exception {
        String out = "";
        for (int run = 0; run < NATIVE_RACE_RUNS; run++) {
            out = nativeRun(args);
            if (out.startsWith("wins ") && !out.startsWith("wins 0 ")) {
                return;
            }
        }
        assertThat(out).as("natively, in %d runs", NATIVE_RACE_RUNS).startsWith("wins ").doesNotStartWith("wins 0 ");
    }

    /**
     * A signal that interrupts an accept seccheck waits in for the program: repeated by the kernel
     * (SA_RESTART, 15 times), the wait goes on and the accept fires its points once; failed with
     * EINTR, seccheck stops waiting and takes no connection, which the program's next accept
     * finds, as natively. Before a connection comes, an accept fires nothing.
     */
    @Test
    void aSignalDuringAnAcceptNeitherFiresItTwiceNorTakesAConnection() throws Exception {
        for (String mode : List.of("accept-restart", "accept-eintr")) {
            String natively = nativeRun(mode, "-");
            assertThat(natively).as("natively").isIn("accepted, interrupted many times", "first accept EINTR\nthen accepted");
            SupervisorTest.Run r = new SupervisorTest.Run("syscall/accept/enter", "syscall/accept/exit",
                    "syscall/accept4/enter");
            r.sink.deciding = true; // a sink that may deny at accept: seccheck accepts for the program
            assertThat(guardedRun(r, mode, "-")).as(mode + " under seccheck").isEqualTo(natively);
            boolean restart = mode.equals("accept-restart");
            assertThat(r.sink.of("syscall/accept/enter")).as(mode).hasSize(restart ? 1 : 0);
            assertThat(r.sink.of("syscall/accept/exit")).as(mode).hasSize(restart ? 1 : 0);
            assertThat(r.sink.of("syscall/accept4/enter")).as(mode).hasSize(restart ? 0 : 1);
        }
    }

    /**
     * Under a sink deciding at connect alone, binds are held to see whether they pick a link (a
     * packet socket's, decided at connect's points: PolicyEnforcementTest), and a unix one of a
     * task alone with its descriptors is then made by the kernel as the program made it: the
     * socket keeps the whole name the program gave (bound by seccheck, it keeps the last component).
     */
    @Test
    void aUnixBindHeldUnderAConnectRuleKeepsItsName() throws Exception {
        Files.createDirectory(dir.resolve("d"));
        assertThat(nativeRun("unix-bind-name", "d/sock-a")).isEqualTo("bound as d/sock-a");
        SupervisorTest.Run r = new SupervisorTest.Run("syscall/connect/enter");
        r.sink.decidingAt = p -> p.name().equals("syscall/connect/enter");
        assertThat(guardedRun(r, "unix-bind-name", "d/sock-b")).isEqualTo("bound as d/sock-b");
    }

    @Test
    void datagramsWithAnAddressAreCheckedLikeConnect() throws Exception {
        try (DatagramSocket bad = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = bad.getLocalPort();
            for (String mode : List.of("sendto", "sendmsg", "sendmmsg")) {
                assertThat(nativeRun(mode, "" + port)).as(mode + " natively").startsWith("GOT sent");
                assertThat(guardedRun(port, mode, "" + port)).as(mode + " under seccheck").isEqualTo("NO EACCES");
                assertThat(guardedRun(-1, mode, "" + port)).as(mode + " allowed").isEqualTo(nativeRun(mode, "" + port));
            }
        }
    }

    @Test
    void tcpFastOpenIsCheckedLikeConnect() throws Exception {
        try (ServerSocket bad = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = bad.getLocalPort();
            assertThat(nativeRun("fastopen", "" + port)).isEqualTo("GOT sent 5");
            assertThat(guardedRun(port, "fastopen", "" + port)).isEqualTo("NO EACCES");
        }
    }
}
