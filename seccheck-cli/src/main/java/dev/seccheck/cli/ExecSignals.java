package dev.seccheck.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.control.ControlClient;
import dev.seccheck.control.ControlException;
import dev.seccheck.control.RuntimeRoot;
import dev.seccheck.linux.CallerWorld;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * ExecSignals forwards the signals a user sends to {@code seccheck exec} to its command, the way
 * {@link RunSignals} does for {@code seccheck run}: each one becomes a {@code signal} request to
 * the run, which signals the commands it runs for this process only. The command's end, by the
 * signal or not, decides how this process ends (killed by signal N when signal N killed it).
 * After a stop signal (TSTP, TTIN, TTOU) this process stops itself once the command has stopped,
 * so the shell sees the job stopped; its CONT, forwarded, resumes the command. QUIT is forwarded
 * too, taken from HotSpot as for {@code run} (see {@link RunSignals}).
 *
 * <p>Requests go out one at a time, in the order the signals came (a CONT must not overtake the
 * TSTP before it), from a thread of their own: the JVM's signal thread must not block.
 */
final class ExecSignals {

    /** How long a signal that arrived before the run registered the command keeps being retried. */
    private static final long RETRY_MS = 5000;

    private final RuntimeRoot.RunAddress run;
    private final Duration timeout;
    private final PrintWriter err;
    private final ExecutorService sender = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("seccheck-exec-signals").factory());

    ExecSignals(RuntimeRoot.RunAddress run, Duration timeout, PrintWriter err) {
        this.run = run;
        this.timeout = timeout;
        this.err = err;
    }

    /**
     * Routes the forwardable signals the caller did not ignore to the command, a terminal's too:
     * the command runs in the run, in no process group of this terminal's.
     */
    void install(CallerWorld caller) {
        SignalForwarding.install(RunSignals.forwarded(caller, RunSignals.jvmOptions()), c -> received(c.signal()));
    }

    /** Handles one signal on the JVM's signal thread: queued for the sender. */
    void received(int sig) {
        sender.execute(() -> forward(sig));
    }

    /** Stops forwarding (the command has ended). */
    void close() {
        sender.shutdownNow();
    }

    private void forward(int sig) {
        ObjectNode req = ControlClient.request("signal");
        req.put("signal", sig);
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RETRY_MS);
        try {
            while (true) {
                JsonNode pids = ControlClient.call(run, req, timeout).path("pids");
                if (!pids.isEmpty()) {
                    if (RunSignals.isStop(sig)) {
                        RunSignals.stopOnceStopped(pids.get(0).asInt());
                    }
                    return;
                }
                // The exec request may not have reached the run yet: the command is not registered.
                if (System.nanoTime() - end > 0) {
                    return;
                }
                Thread.sleep(20);
            }
        } catch (ControlException e) {
            err.println("seccheck: exec: cannot forward signal " + sig + ": " + e.getMessage());
            err.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
