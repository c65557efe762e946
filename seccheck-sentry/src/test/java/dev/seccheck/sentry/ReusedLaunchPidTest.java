package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Chdir;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.session.SessionManager;
import dev.seccheck.sink.Sink;
import dev.seccheck.state.PointState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code seccheck exec} whose command dies before its exec (a file the kernel cannot execute, a
 * script whose interpreter is missing, a command the program kills) leaves its number free, and a
 * task of the program may get it next. seccheck marked a launch as "before its first exec", which
 * lets its one traced stop (the launch's exec trap) go unreported, and forgot that mark only at the
 * launch's exec: a later task with the number had its traced calls resumed unseen, no exit point,
 * and no shield of its exec (a red team read a kept binary's bytes that way, 4 of 4 runs as root).
 * Now a task's end forgets it. The run's program ({@code pid_reuse.c}) forks until a child gets the
 * failed launch's number, which {@code pid_cycle.c}, run natively, brings near; that child's chdir
 * must be reported with its exit.
 */
class ReusedLaunchPidTest {

    /** Keeps the thread ids of the chdir exits reported. */
    static final class Chdirs implements Sink {
        final List<Integer> threads = new CopyOnWriteArrayList<>();

        @Override
        public void syscall(Point point, FieldSet fields, MessageType type, Message msg) {
            if (msg instanceof Chdir c && c.hasExit()) {
                threads.add(c.getContextData().getThreadId());
            }
        }

        @Override
        public String name() {
            return "chdirs";
        }
    }

    @Test
    void aTaskWithTheNumberOfALaunchThatDiedIsSupervisedAsAnyOther(@TempDir Path dir) throws Exception {
        Path garbage = dir.resolve("garbage");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rwx------"));
        Chdirs chdirs = new Chdirs();
        PointState state = new PointState();
        new SessionManager(state, w -> {}).create(Supervised.parser("chdirs", () -> chdirs).parse(
                "{\"name\":\"chdirs\",\"points\":[{\"name\":\"syscall/chdir/exit\",\"context_fields\":[\"thread_id\"]}],"
                        + "\"sinks\":[{\"name\":\"chdirs\"}]}"), false);
        Supervisor sup = new Supervisor(state, Catalog.standard(), "reused", line -> {});
        Path out = dir.resolve("out");
        Supervised.Background bg = Supervised.Background.start(sup,
                List.of("/bin/sh", "-c", CWorkloads.binary("pid_reuse") + " " + dir + " > " + out));
        int launch;
        try {
            bg.awaitStarted(20);
            int[] pid = new int[1];
            assertThatThrownBy(() -> sup.exec(List.of(garbage.toString()), List.of("PATH=/usr/bin:/bin"), "/",
                    new int[] {0, 1, 2}, p -> pid[0] = p)).isInstanceOf(SentryException.class)
                    .hasMessageContaining("cannot execute");
            launch = pid[0];
            assertThat(launch).as("the failed launch's pid").isPositive();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (Files.exists(Path.of("/proc/" + launch)) && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            Process cycle = new ProcessBuilder(CWorkloads.binary("pid_cycle").toString(), Integer.toString(launch))
                    .redirectErrorStream(true).start();
            assertThat(cycle.waitFor(60, TimeUnit.SECONDS)).as("pid_cycle ended").isTrue();
            Assumptions.assumeTrue(cycle.exitValue() == 0, "other processes kept taking the numbers near " + launch);
            Files.writeString(dir.resolve("target"), Integer.toString(launch));
            assertThat(bg.await(120, "pid_reuse")).isZero();
        } finally {
            bg.finish(30);
        }
        String printed = Files.readString(out);
        Assumptions.assumeTrue(printed.startsWith("got "), "another process took " + launch + ": " + printed);
        assertThat(chdirs.threads).as("threads whose chdir exit was reported").contains(launch);
    }
}
