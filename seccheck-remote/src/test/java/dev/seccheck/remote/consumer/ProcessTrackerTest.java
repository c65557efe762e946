package dev.seccheck.remote.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.remote.Sockets;
import dev.seccheck.remote.sink.RemoteConfig;
import dev.seccheck.remote.sink.RemoteSink;
import dev.seccheck.remote.wire.Protocol;
import dev.seccheck.sink.OnDrop;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tracker fed by our remote sink through a real server connection. */
class ProcessTrackerTest {

    @TempDir
    Path tmp;

    static ContextData ctx(int tid, int tgid, int ppid) {
        return ContextData.newBuilder().setThreadId(tid).setThreadGroupId(tgid).setParentThreadGroupId(ppid)
                .setProcessName("p" + tgid).build();
    }

    @Test
    void tracksForkExecAndForgetsOnExit() throws Exception {
        Path path = tmp.resolve("s");
        ProcessTracker tracker = new ProcessTracker();
        List<String> snapshots = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        EventHandler handler = new EventHandler() {
            @Override
            public void onEvent(Event e) {
                tracker.onEvent(e);
                snapshots.add(tracker.size() + " " + tracker.chain(e.connection(), 20).stream()
                        .map(p -> p.pid() + ":" + p.binary() + p.argv()).collect(Collectors.joining(" <- ")));
            }

            @Override
            public void onDisconnect(Connection c) {
                tracker.onDisconnect(c);
                done.countDown();
            }
        };
        try (EventServer _ = EventServer.start(path, handler)) {
            UnixSeqpacket socket = UnixSeqpacket.connect(path);
            Protocol.clientHandshake(socket);
            RemoteSink sink = new RemoteSink(new RemoteConfig(path, 10, RemoteConfig.DEFAULT_BACKOFF,
                    RemoteConfig.DEFAULT_BACKOFF_MAX, OnDrop.COUNT), socket);
            sink.write(MessageType.MESSAGE_CONTAINER_START, Start.newBuilder().setContextData(ctx(10, 10, 1))
                    .addArgs("/bin/sh").addArgs("-c").addArgs("cat f").build());
            sink.write(MessageType.MESSAGE_SENTRY_CLONE, CloneInfo.newBuilder().setContextData(ctx(10, 10, 1))
                    .setCreatedThreadId(20).setCreatedThreadGroupId(20).build());
            sink.write(MessageType.MESSAGE_SENTRY_EXEC, ExecveInfo.newBuilder().setContextData(ctx(20, 20, 10))
                    .setBinaryPath("/bin/cat").addArgv("cat").addArgv("f").build());
            sink.write(MessageType.MESSAGE_SENTRY_CLONE, CloneInfo.newBuilder().setContextData(ctx(20, 20, 10))
                    .setCreatedThreadId(21).setCreatedThreadGroupId(20).build());
            sink.write(MessageType.MESSAGE_SENTRY_TASK_EXIT, TaskExit.newBuilder().setContextData(ctx(21, 20, 10)).build());
            sink.write(MessageType.MESSAGE_SENTRY_TASK_EXIT, TaskExit.newBuilder().setContextData(ctx(20, 20, 10)).build());
            assertThat(sink.status().dropped()).isZero();
            sink.stop();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(snapshots).containsExactly(
                "1 ",
                "2 20:/bin/sh[/bin/sh, -c, cat f] <- 10:/bin/sh[/bin/sh, -c, cat f]",
                "2 20:/bin/cat[cat, f] <- 10:/bin/sh[/bin/sh, -c, cat f]",
                "2 20:/bin/cat[cat, f] <- 10:/bin/sh[/bin/sh, -c, cat f]",
                "2 20:/bin/cat[cat, f] <- 10:/bin/sh[/bin/sh, -c, cat f]",
                "1 ");
        assertThat(tracker.size()).isZero();
    }
}
