package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A session the operator creates while the program runs ({@code trace create}) writes its trail
 * to a path the program can reach: the program could make a FIFO there first. seccheck opened a
 * sink's path with a blocking open on the thread that serves control requests, so a FIFO without
 * a reader held that thread in the kernel for good: the create failed after the client's 5 s
 * ("the peer closed the connection without a message"), {@code trace list} and {@code seccheck
 * list} no longer answered, and the run outlived its program until killed (the red team's
 * repro_fifo.sh). A FIFO whose reader the program was had the open succeed and the program read
 * every line of the trail (steal.sh). Now the path is opened without waiting and a FIFO is
 * refused at once, with the reason; the control plane answers, the run ends with its program, and
 * the program's reader gets nothing. As root and as uid 65534.
 */
class TrailFifoCreateTest {

    @TempDir
    Path tmp;

    @Test
    void aFifoTheProgramMadeAtASessionsPathIsRefusedAtOnce() throws Exception {
        refused(tmp, PackagedCli.java(System.getProperty("java.class.path")), false);
    }

    @Test
    void aFifoTheProgramMadeAtASessionsPathIsRefusedAtOnceUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        refused(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.asNobody(classpath), false);
    }

    @Test
    void theProgramReadingAFifoAtASessionsPathGetsNoTrail() throws Exception {
        refused(tmp, PackagedCli.java(System.getProperty("java.class.path")), true);
    }

    @Test
    void theProgramReadingAFifoAtASessionsPathGetsNoTrailUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        refused(PackagedCli.nobodysDir(tmp.resolve("u")), PackagedCli.asNobody(classpath), true);
    }

    /**
     * Runs a program in {@code base} under {@code cli} that makes a FIFO at the path of the session
     * the operator creates next (and, when {@code reads}, reads it from then on), creates that
     * session, and checks that it is refused at once, that the control plane still answers and
     * that the run ends with its program, which read nothing of the trail.
     */
    private void refused(Path base, List<String> cli, boolean reads) throws Exception {
        Path dir = Files.createDirectories(base.resolve("work"));
        Files.setOwner(dir, Files.getOwner(base));
        Path root = base.resolve("root");
        Path fifo = dir.resolve("later.txt");
        Path stolen = dir.resolve("stolen.txt");
        Path stop = dir.resolve("stop");
        Path later = Files.writeString(base.resolve("later.json"), """
                {"name": "later", "points": [{"name": "syscall/openat/enter"}],
                 "sinks": [{"name": "text", "config": {"path": "%s"}}]}""".formatted(fifo));
        // The reader, left waiting for a writer when the create is refused, is ended with the program.
        String program = "mkfifo " + fifo + (reads ? "; cat " + fifo + " > " + stolen + " & c=$!" : "")
                + "; touch " + dir.resolve("made") + "; while [ ! -e " + stop + " ]; do cat /etc/hostname > /dev/null;"
                + " sleep 0.1; done; for i in 1 2 3 4 5; do cat /etc/hostname > /dev/null; done"
                + (reads ? "; kill $c 2>/dev/null; wait" : "");
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", "fifo", "-o", "/dev/null", "--",
                "/bin/sh", "-c", program));
        Path out = tmp.resolve("run-" + System.nanoTime() + ".out");
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended;
        try {
            WorkloadControlTest.awaitServing(root.resolve("fifo").resolve("control.sock"));
            PackagedCli.await("the program's FIFO", Duration.ofSeconds(20), () -> Files.exists(dir.resolve("made")));
            // The client waits 5 s for the run's answer: the reason in it is the run's, given in time
            // (a CLI's start alone takes seconds on a loaded host, so its time says little).
            PackagedCli.Result created = run(cli, "trace", "create", "--root", root.toString(), "--config",
                    later.toString(), "fifo");
            assertThat(created.status()).as("trace create: " + created.out() + created.err()).isNotZero();
            assertThat(created.err()).as("trace create's error").contains("cannot open \"" + fifo + "\" for writing: it is a FIFO")
                    .doesNotContain("did not answer");
            PackagedCli.Result listed = run(cli, "trace", "list", "--root", root.toString(), "fifo");
            assertThat(listed.status()).as("trace list: " + listed.out() + listed.err()).isZero();
            assertThat(listed.out()).doesNotContain("later");
            PackagedCli.Result runs = run(cli, "list", "--root", root.toString());
            assertThat(runs.out().lines()).as("seccheck list: " + runs.err()).anyMatch(l -> l.startsWith("fifo "));
        } finally {
            Files.writeString(stop, "");
            ended = run.waitFor(30, TimeUnit.SECONDS);
            if (!ended) {
                run.destroyForcibly();
                run.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertThat(ended).as("the run ended within 30 s of its program: " + Files.readString(out)).isTrue();
        assertThat(run.exitValue()).as(Files.readString(out)).isZero();
        if (reads) {
            // The program's reader ends at the FIFO's end of file, or is left waiting for a writer.
            assertThat(Files.exists(stolen) ? Files.readAllLines(stolen) : List.of()).as("lines the program read").isEmpty();
        }
    }

    /** Runs the CLI of {@code cli} with {@code args}, at most a minute. */
    private PackagedCli.Result run(List<String> cli, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(cli);
        cmd.addAll(List.of(args));
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(60));
    }
}
