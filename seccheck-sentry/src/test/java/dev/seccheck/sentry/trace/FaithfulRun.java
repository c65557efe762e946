package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import dev.seccheck.fields.FieldDesc;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointDesc;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.sentry.Supervisor;
import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.state.Gate;
import dev.seccheck.state.PointState;
import dev.seccheck.state.Subscriber;
import dev.seccheck.testing.RecordingSink;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * FaithfulRun runs the {@code faithful} C workload (or another, {@code stdio_sockets}) once under
 * the supervisor with the points it exercises enabled, every optional and context field each offers asked for, and keeps what
 * arrived in order, with what the workload wrote about itself (its pids, tids, descriptors and
 * port). {@link GvisorFieldsTest} compares each message with the one gVisor's sentry would send.
 */
final class FaithfulRun {

    static final String RUN_ID = "faithful-run";

    /** The points the workload's operations fire. */
    static final List<String> POINTS = List.of("container/start", "sentry/clone", "sentry/execve",
            "sentry/exit_notify_parent", "sentry/task_exit", "sentry/mmap", "syscall/clone/enter", "syscall/clone/exit",
            "syscall/fork/enter", "syscall/fork/exit", "syscall/vfork/enter", "syscall/vfork/exit",
            "syscall/execve/enter", "syscall/execve/exit", "syscall/execveat/enter", "syscall/execveat/exit",
            "syscall/openat/enter", "syscall/openat/exit", "syscall/socket/enter", "syscall/socket/exit",
            "syscall/bind/enter", "syscall/bind/exit", "syscall/listen/enter", "syscall/listen/exit",
            "syscall/sysno/435/enter", "syscall/sysno/435/exit", "syscall/chdir/enter", "syscall/chdir/exit",
            "syscall/pipe2/enter", "syscall/pipe2/exit", "syscall/dup2/enter", "syscall/dup2/exit", "syscall/read/enter",
            "syscall/read/exit", "syscall/write/enter", "syscall/write/exit", "syscall/close/enter", "syscall/close/exit",
            "syscall/mmap/enter", "syscall/mmap/exit", "syscall/fcntl/enter", "syscall/fcntl/exit",
            "syscall/prlimit64/enter", "syscall/prlimit64/exit");

    /** One message as a sink got it: the point that fired it and the message. */
    record Got(String point, Message msg) {
        ContextData context() {
            return (ContextData) msg.getField(msg.getDescriptorForType().findFieldByName("context_data"));
        }

        /** The message without its context, to compare whole with an expected one. */
        Message bare() {
            return msg.toBuilder().clearField(msg.getDescriptorForType().findFieldByName("context_data")).build();
        }
    }

    final List<Got> got;
    final Map<String, Long> ids = new HashMap<>();
    final Path scratch;
    final String jvmCwd = Path.of("").toAbsolutePath().toString();
    final int status;
    final long before;
    final long after;

    FaithfulRun(Path scratch) throws Exception {
        this(scratch, "faithful", POINTS);
    }

    /** Runs the C workload {@code workload} (src/test/c) with {@code points} enabled, as {@code faithful} is run. */
    FaithfulRun(Path scratch, String workload, List<String> points) throws Exception {
        this.scratch = scratch.toRealPath();
        Catalog catalog = Catalog.standard();
        List<PointReq> reqs = new ArrayList<>();
        for (String name : points) {
            PointDesc d = catalog.byName(name).orElseThrow();
            reqs.add(new PointReq(d.point(), new FieldSet(mask(d.optionalFields()), mask(d.contextFields()))));
        }
        RecordingSink recording = new RecordingSink("recording");
        PointState state = new PointState();
        state.publish(List.of(new Subscriber(new Gate(), List.of(recording), reqs)));
        before = System.currentTimeMillis() * 1_000_000L;
        status = new Supervisor(state, catalog, RUN_ID, line -> {})
                .run(List.of(CWorkloads.binary(workload).toString(), this.scratch.toString()));
        got = recording.received().stream().map(r -> new Got(r.point(), r.msg())).toList();
        after = System.currentTimeMillis() * 1_000_000L + 1_000_000L;
        for (String line : Files.readAllLines(this.scratch.resolve("ids"))) {
            String[] kv = line.split(" ");
            ids.put(kv[0], Long.valueOf(kv[1]));
        }
    }

    private static FieldMask mask(List<FieldDesc> fields) {
        return FieldMask.of(fields.stream().mapToInt(FieldDesc::id).toArray());
    }

    int id(String name) {
        return Math.toIntExact(number(name));
    }

    /** What the workload wrote as {@code name}: a pid, a descriptor, an inode number. */
    long number(String name) {
        Long v = ids.get(name);
        assertThat(v).as("the workload's %s", name).isNotNull();
        return v;
    }

    /** The messages of {@code point} whose context passes {@code which}, in arrival order. */
    List<Got> of(String point, Predicate<ContextData> which) {
        return got.stream().filter(g -> g.point().equals(point) && which.test(g.context())).toList();
    }

    /** The messages of {@code point} fired by thread {@code tid}. */
    List<Got> of(String point, int tid) {
        return of(point, c -> c.getThreadId() == tid);
    }

    /**
     * Asserts every field of {@code c}: the ids, name, parent, container, cwd and credentials
     * given, times within the run (a thread started no earlier than its group), and returns it.
     */
    ContextData assertContext(ContextData c, int tid, int tgid, String name, int parent, String cwd) throws IOException {
        assertThat(c.getTimeNs()).as("time").isBetween(before, after);
        assertThat(c.getThreadStartTimeNs()).as("thread start").isBetween(before, c.getTimeNs());
        assertThat(c.getThreadGroupStartTimeNs()).as("group start").isBetween(before, c.getThreadStartTimeNs());
        ContextData.Builder want = ContextData.newBuilder().setTimeNs(c.getTimeNs()).setThreadId(tid)
                .setThreadStartTimeNs(c.getThreadStartTimeNs()).setThreadGroupId(tgid)
                .setThreadGroupStartTimeNs(c.getThreadGroupStartTimeNs()).setContainerId(RUN_ID)
                .setCredentials(credentials()).setProcessName(name).setParentThreadGroupId(parent);
        if (cwd != null) {
            want.setCwd(cwd);
        }
        assertThat(c).isEqualTo(want.build());
        return c;
    }

    /** The test JVM's ids, which the workload inherits: gVisor's Credentials message. */
    static Credentials credentials() throws IOException {
        long[] uid = null;
        long[] gid = null;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                uid = ids(line);
            } else if (line.startsWith("Gid:")) {
                gid = ids(line);
            }
        }
        return Credentials.newBuilder().setRealUid((int) uid[0]).setEffectiveUid((int) uid[1]).setSavedUid((int) uid[2])
                .setRealGid((int) gid[0]).setEffectiveGid((int) gid[1]).setSavedGid((int) gid[2]).build();
    }

    private static long[] ids(String line) {
        String[] f = line.substring(4).trim().split("\\s+");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])};
    }
}
