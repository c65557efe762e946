package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FIFO open seccheck performs waits on a thread of its pool for the other end; a program that
 * killed the task meanwhile left that thread waiting for the rest of the run, and 1,024 such made
 * every later call that may wait fail with EAGAIN. Seen from outside: the FIFO still had a reader
 * (seccheck's thread), so an open for writing without waiting succeeded, where natively it fails
 * with ENXIO once the readers are gone. Now seccheck ends the wait of a task that is gone
 * ({@code Waits}). The program: 20 children each open a FIFO of their own for reading and are
 * killed while they wait; then it counts the FIFOs that still have a reader.
 */
class KilledFifoOpenersTest {

    private static final String PROGRAM = String.join("\n",
            "import os, signal, sys, time",
            "d = sys.argv[1]",
            "kids = []",
            "for i in range(20):",
            "    os.mkfifo(os.path.join(d, 'f%d' % i))",
            "    pid = os.fork()",
            "    if pid == 0:",
            "        os.open(os.path.join(d, 'f%d' % i), os.O_RDONLY)",
            "        os._exit(0)",
            "    kids.append(pid)",
            "time.sleep(1)",
            "for pid in kids:",
            "    os.kill(pid, signal.SIGKILL)",
            "    os.waitpid(pid, 0)",
            "time.sleep(3)  # a second for a repeat that does not come, then the fd kept for it is closed",
            "left = 0",
            "for i in range(20):",
            "    try:",
            "        os.close(os.open(os.path.join(d, 'f%d' % i), os.O_WRONLY | os.O_NONBLOCK))",
            "        left += 1",
            "    except OSError:",
            "        pass",
            "print('readers left: %d' % left)",
            "");

    @TempDir
    Path tmp;

    @Test
    void theWaitOfAKilledOpenerEnds() throws Exception {
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path fifos = Files.createDirectory(tmp.resolve(underSeccheck ? "under" : "native"));
            PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck,
                    List.of("/usr/bin/python3", "-c", PROGRAM, fifos.toString()));
            assertThat(r.out()).as(underSeccheck ? "under seccheck: " + r.err() : "natively").isEqualTo("readers left: 0\n");
        }
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void theWaitOfAKilledOpenerEndsUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        for (boolean underSeccheck : new boolean[] {false, true}) {
            Path fifos = PackagedCli.nobodysDir(tmp.resolve(underSeccheck ? "under" : "native"));
            PackagedCli.Result r = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck,
                    List.of("/usr/bin/python3", "-c", PROGRAM, fifos.toString()));
            assertThat(r.out()).as(underSeccheck ? "under seccheck: " + r.err() : "natively").isEqualTo("readers left: 0\n");
        }
    }
}
