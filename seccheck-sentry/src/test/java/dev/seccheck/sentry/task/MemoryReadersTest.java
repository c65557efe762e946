package dev.seccheck.sentry.task;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * An exec's wait for the process_vm_readv callers aimed at its process kills a recorded caller
 * still running past the wait (fail closed), and only that caller: never one of seccheck's own
 * threads, which take freed numbers like any task (the red team's {@code mr3.c}: the tracer
 * SIGKILLed a thread of its own, and seccheck died), and never a caller whose end was seen. Here
 * this JVM plays seccheck, and a spinning process or thread the caller ("running" in /proc, as a
 * caller on its way to its call).
 */
class MemoryReadersTest {

    /** The process a recorded call names, whose exec waits. */
    private static final int TARGET = 4_000_000;

    @Test
    void aCallerStillRunningPastTheWaitIsKilled() throws Exception {
        Process caller = spinning();
        try {
            int tid = (int) caller.pid();
            MemoryReaders readers = new MemoryReaders();
            readers.calling(tid, TARGET, () -> true);

            List<Integer> killed = readers.awaitNoneAt(TARGET, pid -> pid == tid ? tid : -1);

            assertThat(killed).containsExactly(tid);
            assertThat(caller.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(caller.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
        } finally {
            caller.destroyForcibly();
        }
    }

    @Test
    void aCallerWhoseEndWasSeenIsForgotten() throws Exception {
        Process caller = spinning();
        try {
            int tid = (int) caller.pid();
            MemoryReaders readers = new MemoryReaders();
            readers.calling(tid, TARGET, () -> true);
            readers.gone(tid); // as the tracer reaps it: the number may be another's from now on

            assertThat(readers.awaitNoneAt(TARGET, pid -> pid == tid ? tid : -1)).isEmpty();
            assertThat(caller.isAlive()).isTrue();
        } finally {
            caller.destroyForcibly();
        }
    }

    @Test
    void aCallerNoLongerWaitingInItsCallWhenRecordedIsNotRecorded() throws Exception {
        Process caller = spinning();
        try {
            int tid = (int) caller.pid();
            MemoryReaders readers = new MemoryReaders();
            readers.calling(tid, TARGET, () -> false); // its notification was gone: the number may be another's

            assertThat(readers.awaitNoneAt(TARGET, pid -> pid == tid ? tid : -1)).isEmpty();
            assertThat(caller.isAlive()).isTrue();
        } finally {
            caller.destroyForcibly();
        }
    }

    @Test
    void aThreadOfSecchecksOwnIsNeverKilled() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> ownTid = new CompletableFuture<>();
        Thread own = Thread.ofPlatform().daemon().name("own-spinner").start(() -> {
            try {
                ownTid.complete(Integer.parseInt(Path.of("/proc/thread-self").toRealPath().getFileName().toString()));
            } catch (IOException | RuntimeException e) {
                ownTid.completeExceptionally(e);
            }
            while (!stop.get()) {
                Thread.onSpinWait();
            }
        });
        try {
            int tid = ownTid.get(10, TimeUnit.SECONDS);
            MemoryReaders readers = new MemoryReaders();
            readers.calling(tid, TARGET, () -> true);

            // Even with a table that takes the number for a task of the run (a stale entry).
            assertThat(readers.awaitNoneAt(TARGET, pid -> pid == tid ? tid : -1)).isEmpty();
            assertThat(own.isAlive()).isTrue();
        } finally {
            stop.set(true);
            own.join();
        }
    }

    @Test
    void aNumberNoTaskOfTheRunHoldsIsNeverKilled() throws Exception {
        Process outside = spinning();
        try {
            int tid = (int) outside.pid();
            MemoryReaders readers = new MemoryReaders();
            readers.calling(tid, TARGET, () -> true);

            assertThat(readers.awaitNoneAt(TARGET, pid -> -1)).isEmpty();
            assertThat(outside.isAlive()).isTrue();
        } finally {
            outside.destroyForcibly();
        }
    }

    /** A process that spins on the CPU, once /proc/PID/syscall says "running" (its start-up's calls made). */
    private static Process spinning() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        Path syscall = Path.of("/proc/" + p.pid() + "/syscall");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.readString(syscall).strip().equals("running")) {
            assertThat(System.nanoTime()).as("sh spinning").isLessThan(deadline);
            Thread.sleep(1);
        }
        return p;
    }
}
