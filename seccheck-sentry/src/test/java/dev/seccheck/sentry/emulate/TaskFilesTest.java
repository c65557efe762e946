package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.ThreadCredentials;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * TaskFiles keeps the program's status files and pidfds open between emulated calls, and what it
 * reads through them is always current: a credential changed between two reads shows in the
 * second, a status longer than its buffer is read whole and a short one after it alone, and an fd
 * of a task or process that is gone is never taken for whoever has its number now.
 */
class TaskFilesTest {

    /** A platform thread of this JVM that runs what it is sent, so its credentials can be changed between reads. */
    private static final class Helper implements AutoCloseable {
        private final SynchronousQueue<IntSupplier> work = new SynchronousQueue<>();
        private final SynchronousQueue<Integer> done = new SynchronousQueue<>();
        private final Thread thread = Thread.ofPlatform().daemon().start(this::serve);

        private void serve() {
            try {
                while (true) {
                    IntSupplier w = work.take();
                    done.put(w.getAsInt());
                }
            } catch (InterruptedException e) {
                // closed
            }
        }

        int run(IntSupplier w) throws InterruptedException {
            assertThat(work.offer(w, 10, TimeUnit.SECONDS)).as("helper thread alive").isTrue();
            Integer r = done.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("helper thread answered").isNotNull();
            return r;
        }

        int tid() throws InterruptedException {
            return run(TaskFilesTest::ownTid);
        }

        /** Ends the thread; close() throws no InterruptedException, which javac's try-with-resources lint warns of. */
        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The calling thread's number, or -1 when /proc cannot tell. */
    private static int ownTid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    private static Identity read(TaskFiles files, int tid) {
        int len = files.readStatus(tid);
        assertThat(len).as("status of %d read", tid).isPositive();
        return Identity.parse(files.status(), len).orElseThrow();
    }

    @Test
    void aCredentialChangedBetweenTwoReadsShowsInTheSecond() throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "changing another thread's fsuid to 4242 needs root");
        try (Helper h = new Helper(); TaskFiles files = new TaskFiles(new PathCalls())) {
            int tid = h.tid();
            assertThat(read(files, tid).fsuid()).isZero();
            h.run(() -> ThreadCredentials.setfsuid(4242));
            assertThat(read(files, tid).fsuid()).isEqualTo(4242);
            h.run(() -> (int) ThreadCredentials.setgroups(new int[] {77, 88}));
            assertThat(read(files, tid).groups()).containsExactly(77, 88);
            h.run(() -> ThreadCredentials.setfsuid(0));
            assertThat(read(files, tid).fsuid()).isZero();
        }
    }

    /**
     * As root, a thread with root's own ids and capabilities is called for as seccheck (its groups
     * do not matter: holding CAP_SETGID it could take any); one whose ids or capabilities differ
     * in any way is read whole from its status, read anew: groups and capabilities too.
     */
    @Test
    void asRootAThreadWhoseCredentialsDifferInAnyWayIsReadWholeFromTheStatus() throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "changing another thread's ids needs root");
        Identity.Own own = Identity.Own.current();
        try (Helper h = new Helper(); TaskFiles files = new TaskFiles(new PathCalls())) {
            int tid = h.tid();
            assertThat(own.sameCredentials(Identity.of(files, tid, own, false).orElseThrow())).isTrue();
            h.run(() -> (int) ThreadCredentials.setgroups(new int[] {77, 88}));
            Identity groupsOnly = Identity.of(files, tid, own, false).orElseThrow();
            assertThat(groupsOnly.groups()).containsExactly(own.groups());
            h.run(() -> ThreadCredentials.setfsgid(4343));
            Identity otherGroup = Identity.of(files, tid, own, false).orElseThrow();
            assertThat(otherGroup.fsuid()).isZero();
            assertThat(otherGroup.fsgid()).isEqualTo(4343);
            assertThat(otherGroup.groups()).containsExactly(77, 88);
            h.run(() -> ThreadCredentials.setfsgid(own.gids()[3]));
            long dacOverride = 1L << 1;
            h.run(() -> (int) ThreadCredentials.capset(own.effective() & ~dacOverride, own.permitted(), own.inheritable()));
            Identity fewerCaps = Identity.of(files, tid, own, false).orElseThrow();
            assertThat(fewerCaps.caps()).isEqualTo(own.effective() & ~dacOverride);
            assertThat(fewerCaps.groups()).containsExactly(77, 88);
            assertThat(own.sameCredentials(fewerCaps)).isFalse();
            h.run(() -> ThreadCredentials.setfsuid(4242));
            Identity dropped = Identity.of(files, tid, own, false).orElseThrow();
            assertThat(dropped.fsuid()).isEqualTo(4242);
            assertThat(dropped.uids()).containsExactly(0, 0, 0, 4242);
        }
    }

    /**
     * Root in a user namespace of its own has no capability in seccheck's, whatever its status
     * says; for an open, CAP_SETFCAP (which only the write of its own uid_map asks of the opener),
     * and for no other call (a setxattr of security.capability would make one valid everywhere).
     */
    @Test
    void asRootAProcessInAUserNamespaceOfItsOwnHasNoCapabilityHere() throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "the check is made as root");
        Identity.Own own = Identity.Own.current();
        Process plain = new ProcessBuilder("sleep", "30").start();
        Process nested = new ProcessBuilder("unshare", "--user", "--map-root-user", "sleep", "30").start();
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            assertThat(Identity.of(files, (int) plain.pid(), own, false).orElseThrow().caps()).isEqualTo(own.effective());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + nested.pid() + "/exe"))
                    .toString().endsWith("/sleep") && System.nanoTime() < deadline) {
                Thread.sleep(10); // unshare has not exec'd sleep yet
            }
            Assumptions.assumeTrue(nested.isAlive(), "user namespaces");
            assertThat(files.inOwnUserNamespace((int) nested.pid())).isFalse();
            Identity inNs = Identity.of(files, (int) nested.pid(), own, false).orElseThrow();
            assertThat(inNs.uids()).containsExactly(0, 0, 0, 0);
            assertThat(inNs.caps()).as("none for a call that is no open").isZero();
            assertThat(Identity.of(files, (int) nested.pid(), own, false, true).orElseThrow().caps())
                    .as("CAP_SETFCAP alone, for an open of its own uid_map").isEqualTo(1L << 31);
            assertThat(own.sameCredentials(inNs)).isFalse();
        } finally {
            plain.destroy();
            nested.destroy();
            plain.waitFor(10, TimeUnit.SECONDS);
            nested.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theIdsOfAThreadThatIsGoneAreNotReadForAnother() throws Exception {
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            int tid;
            try (Helper h = new Helper()) {
                tid = h.tid();
                int r = files.readIds(tid);
                Assumptions.assumeFalse(r == -Errno.ENOSYS, "PIDFD_GET_INFO needs Linux 6.13");
                assertThat(r).isZero();
                assertThat(files.uids()[3]).isEqualTo(ThreadCredentials.setfsuid(-1));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int r = files.readIds(tid);
            while (r == 0 && System.nanoTime() < deadline) { // join returns before the task is released
                Thread.sleep(5);
                r = files.readIds(tid);
            }
            assertThat(r).isEqualTo(-Errno.ESRCH);
        }
    }

    @Test
    void aStatusLongerThanTheBufferIsReadWholeAndAShortOneAfterItAlone() throws Exception {
        Assumptions.assumeTrue(ThreadCredentials.setfsuid(-1) == 0, "setgroups needs root");
        try (Helper many = new Helper(); Helper few = new Helper(); TaskFiles files = new TaskFiles(new PathCalls())) {
            int[] groups = new int[3000];
            for (int i = 0; i < groups.length; i++) {
                groups[i] = 100_000 + i;
            }
            assertThat(many.run(() -> (int) ThreadCredentials.setgroups(groups))).isZero();
            assertThat(few.run(() -> (int) ThreadCredentials.setgroups(new int[] {5}))).isZero();
            Identity big = read(files, many.tid());
            assertThat(files.status().length).isGreaterThan(16_384);
            assertThat(big.groups()).hasSize(3000).startsWith(100_000).endsWith(102_999);
            Identity small = read(files, few.tid());
            assertThat(small.groups()).containsExactly(5);
        }
    }

    @Test
    void theFilesOfATaskThatIsGoneAreDroppedNotReadForAnother() throws Exception {
        int tid;
        int pid;
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            try (Helper h = new Helper()) {
                tid = h.tid();
                read(files, tid);
            }
            // The kept fd names the task that ended: it fails (ESRCH), and the number, opened again, is gone.
            // A Java thread's join returns while the kernel may still be releasing its task, whose
            // status stays readable (state X) for that moment: wait for it, within a deadline.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int r = files.readStatus(tid);
            while (r >= 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
                r = files.readStatus(tid);
            }
            assertThat(r).isIn(-Errno.ESRCH, -Errno.ENOENT);

            Process p = new ProcessBuilder("sleep", "30").start();
            pid = (int) p.pid();
            int fd = files.getfd(pid, pid, 0);
            assertThat(fd).as("stdin of a live process").isNotNegative();
            PathCalls.close(fd);
            assertThat(files.getfd(pid, pid, 999)).isEqualTo(-Errno.EBADF);
            p.destroyForcibly();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(files.getfd(pid, pid, 0)).isEqualTo(-Errno.ESRCH);
        }
    }

    /**
     * A sweep closes the status files, thread pidfds and process pidfds of tasks that have
     * exited, and keeps a live process's.
     */
    @Test
    void aSweepClosesTheFilesOfTasksThatHaveExited() throws Exception {
        Process live = new ProcessBuilder("sleep", "60").start();
        int alive = (int) live.pid();
        long before = openFds(); // after the live process's pipes
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            // 4 threads (a status and a thread pidfd each), 4 processes (a pidfd each), then the
            // live one's 2 files: 14 files opened, under SWEEP_EVERY, so only dropGone closes any.
            int[] gone = new int[4];
            for (int i = 0; i < gone.length; i++) {
                try (Helper h = new Helper()) {
                    gone[i] = h.tid();
                    read(files, gone[i]);
                    files.readIds(gone[i]);
                }
            }
            for (int i = 0; i < 4; i++) {
                Process q = new ProcessBuilder("sleep", "60").start();
                PathCalls.close(files.getfd((int) q.pid(), (int) q.pid(), 0));
                q.destroyForcibly();
                assertThat(q.waitFor(10, TimeUnit.SECONDS)).isTrue();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (int tid : gone) { // a Java thread's join returns before the kernel has released its task
                while (dev.seccheck.linux.Syscalls.threadExists(tid) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
            }
            assertThat(TaskFiles.SWEEP_EVERY).isGreaterThan(14);
            assertThat(openFds() - before).as("kept for the gone tasks").isGreaterThanOrEqualTo(8);
            PathCalls.close(files.getfd(alive, alive, 0));
            read(files, alive);
            files.dropGone();
            // Left: the live process's status and pidfd.
            assertThat(openFds() - before).as("after the sweep").isEqualTo(2L);
        } finally {
            live.destroyForcibly();
            live.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The sweep runs by itself once files were opened for SWEEP_EVERY tasks not kept: a build's
     * short processes would otherwise leave up to 3 x KEPT files per emulation thread until pushed
     * out.
     */
    @Test
    void filesOpenedForNewTasksBringTheSweep() throws Exception {
        long before = openFds();
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            int[] gone = new int[TaskFiles.SWEEP_EVERY - 1];
            for (int i = 0; i < gone.length; i++) {
                try (Helper h = new Helper()) {
                    gone[i] = h.tid();
                    read(files, gone[i]);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (int tid : gone) {
                while (dev.seccheck.linux.Syscalls.threadExists(tid) && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
            }
            assertThat(openFds() - before).as("one status kept for each").isEqualTo(gone.length);
            read(files, ownTid()); // the SWEEP_EVERYth new task: the sweep runs before its file is opened
            assertThat(openFds() - before).as("this thread's status alone").isEqualTo(1);
        }
    }

    @Test
    void pastTheLimitTheLeastRecentlyUsedIsClosed() throws Exception {
        long before = openFds();
        try (TaskFiles files = new TaskFiles(new PathCalls())) {
            Helper[] helpers = new Helper[TaskFiles.KEPT + 8];
            try {
                for (int i = 0; i < helpers.length; i++) {
                    helpers[i] = new Helper();
                    read(files, helpers[i].tid());
                }
                assertThat(openFds() - before).isBetween((long) TaskFiles.KEPT, (long) TaskFiles.KEPT + 4);
            } finally {
                for (Helper h : helpers) {
                    if (h != null) {
                        h.close();
                    }
                }
            }
        }
        assertThat(openFds()).isLessThanOrEqualTo(before + 4);
    }

    private static long openFds() throws Exception {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
