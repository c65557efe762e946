package dev.seccheck.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link Selection#wrap} filters the sinks that observe and leaves whole those that decide: a
 * display filter ({@code --comm}, {@code --pid}, {@code --path}) must not switch a policy off for
 * the processes it does not show.
 */
class SelectionTest {

    private static final Point OPENAT = Catalog.standard().byName("syscall/openat/enter").orElseThrow().point();
    private static final List<PointReq> POINTS = List.of(new PointReq(OPENAT, FieldSet.EMPTY));
    private static final Selection ONLY_MAKE = new Selection(List.of(), List.of("make"), List.of());

    /** Records the names of the processes whose points it receives; decides at openat when told to. */
    private record Recorder(boolean deciding, List<String> seen) implements Sink {
        @Override
        public String name() {
            return "rec";
        }

        @Override
        public void syscall(Point point, FieldSet fields, MessageType type, com.google.protobuf.Message msg) {
            seen.add(((Open) msg).getContextData().getProcessName());
        }

        @Override
        public boolean decides(Point point) {
            return deciding && point.equals(OPENAT);
        }
    }

    @Test
    void aSinkThatObservesSeesOnlyTheSelectedProcesses() throws Exception {
        assertThat(receivedBehindOnlyMake(false)).containsExactly("make");
    }

    @Test
    void aSinkThatDecidesReceivesEveryPointWhateverTheSelection() throws Exception {
        assertThat(receivedBehindOnlyMake(true)).containsExactly("make", "cat");
    }

    private static List<String> receivedBehindOnlyMake(boolean deciding) throws Exception {
        List<String> seen = new ArrayList<>();
        SinkDescriptor.Plain plain = new SinkDescriptor.Plain() {
            @Override
            public String name() {
                return "rec";
            }

            @Override
            public Sink create(SinkConfig config, SinkSetup setup) {
                return new Recorder(deciding, seen);
            }
        };
        SinkDescriptor<SinkConfig> d = ONLY_MAKE.wrap(plain, POINTS);
        Sink sink = d.create(null, SinkSetup.NONE);
        for (String comm : List.of("make", "cat")) {
            Open open = Open.newBuilder().setPathname("/etc/shadow")
                    .setContextData(ContextData.newBuilder().setProcessName(comm)).build();
            sink.syscall(OPENAT, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open);
        }
        return seen;
    }
}
