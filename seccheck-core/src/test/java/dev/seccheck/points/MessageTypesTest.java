package dev.seccheck.points;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MessageTypesTest {

    private final Catalog catalog = Catalog.standard();

    @Test
    void everyKnownTypeHasADescriptorAndAParser() {
        Arrays.stream(MessageType.values())
                .filter(t -> t != MessageType.MESSAGE_UNKNOWN && t != MessageType.UNRECOGNIZED)
                .forEach(t -> {
                    assertThat(MessageTypes.descriptor(t)).as("%s", t).isPresent();
                    assertThat(MessageTypes.parser(t)).as("%s", t).isPresent();
                });
        assertThat(MessageTypes.descriptor(MessageType.MESSAGE_UNKNOWN)).isEmpty();
        assertThat(MessageTypes.parser(MessageType.MESSAGE_UNKNOWN)).isEmpty();
    }

    @Test
    void everyMessageCarriesContextDataAsFieldOne() {
        Arrays.stream(MessageType.values()).map(MessageTypes::descriptor).flatMap(java.util.Optional::stream)
                .forEach(d -> {
                    FieldDescriptor f = d.findFieldByNumber(1);
                    assertThat(f).as(d.getFullName()).isNotNull();
                    assertThat(f.getName()).as(d.getFullName()).isEqualTo("context_data");
                    assertThat(f.getMessageType()).isEqualTo(ContextData.getDescriptor());
                });
    }

    @Test
    void everyPointSendsATypeWithADescriptorInTheRightPackage() {
        for (PointDesc p : catalog.points()) {
            MessageType t = MessageTypes.forPoint(p.point(), catalog);
            Descriptor d = MessageTypes.descriptor(t).orElseThrow();
            String pkg = p.name().startsWith("syscall/") ? "gvisor.syscall"
                    : p.name().startsWith("container/") ? "gvisor.container" : "gvisor.sentry";
            assertThat(d.getFile().getPackage()).as(p.name()).isEqualTo(pkg);
            if (p.point().isSyscall()) {
                assertThat(d.findFieldByName("sysno")).as(p.name()).isNotNull();
            }
        }
    }

    @Test
    void pointsMapToTheirGvisorTypes() {
        assertThat(MessageTypes.forPoint(Point.CLONE, catalog)).isEqualTo(MessageType.MESSAGE_SENTRY_CLONE);
        assertThat(MessageTypes.forPoint(Point.CONTAINER_START, catalog)).isEqualTo(MessageType.MESSAGE_CONTAINER_START);
        assertThat(MessageTypes.forPoint(Point.EXECVE, catalog)).isEqualTo(MessageType.MESSAGE_SENTRY_EXEC);
        assertThat(MessageTypes.forPoint(Point.EXIT_NOTIFY_PARENT, catalog))
                .isEqualTo(MessageType.MESSAGE_SENTRY_EXIT_NOTIFY_PARENT);
        assertThat(MessageTypes.forPoint(Point.TASK_EXIT, catalog)).isEqualTo(MessageType.MESSAGE_SENTRY_TASK_EXIT);
        assertThat(MessageTypes.forPoint(Point.MMAP, catalog)).isEqualTo(MessageType.MESSAGE_SENTRY_MMAP);
        Point openatExit = catalog.byName("syscall/openat/exit").orElseThrow().point();
        assertThat(MessageTypes.forPoint(openatExit, catalog)).isEqualTo(MessageType.MESSAGE_SYSCALL_OPEN);
        assertThat(MessageTypes.descriptor(MessageType.MESSAGE_SYSCALL_OPEN)).contains(Open.getDescriptor());
        Point raw = catalog.byName("syscall/sysno/257/enter").orElseThrow().point();
        assertThat(MessageTypes.forPoint(raw, catalog)).isEqualTo(MessageType.MESSAGE_SYSCALL_RAW);
    }
}
