package dev.seccheck.points;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldDesc;
import dev.seccheck.proto.common.MessageType;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CatalogTest {

    private final Catalog catalog = Catalog.standard();

    private static final List<String> ALL_CONTEXT = Arrays.stream(ContextField.values())
            .map(ContextField::fieldName).toList();

    private static List<String> names(List<FieldDesc> fields) {
        return fields.stream().map(FieldDesc::name).toList();
    }

    @Test
    void hasNineHundredNinetyEightPoints() {
        List<PointDesc> points = catalog.points();
        assertThat(catalog.size()).isEqualTo(998);
        assertThat(points).hasSize(998);
        long nonSyscall = points.stream().filter(p -> !p.point().isSyscall()).count();
        long schematized = points.stream().filter(p -> p.point().isSyscall() && !p.point().syscallType().isRaw()).count();
        long raw = points.stream().filter(p -> p.point().isSyscall() && p.point().syscallType().isRaw()).count();
        assertThat(nonSyscall).isEqualTo(6);
        assertThat(schematized).isEqualTo(108);
        assertThat(raw).isEqualTo(884);
    }

    @Test
    void pointsAreSortedByNameAndUnique() {
        List<String> names = catalog.points().stream().map(PointDesc::name).toList();
        assertThat(names).isSorted().doesNotHaveDuplicates();
        Set<Integer> ids = new HashSet<>();
        catalog.points().forEach(p -> assertThat(ids.add(p.point().id())).as(p.name()).isTrue());
    }

    @Test
    void nonSyscallPointsHaveGvisorIds() {
        assertThat(catalog.byName("sentry/clone").orElseThrow().point().id()).isZero();
        assertThat(catalog.byName("container/start").orElseThrow().point().id()).isEqualTo(1);
        assertThat(catalog.byName("sentry/execve").orElseThrow().point().id()).isEqualTo(2);
        assertThat(catalog.byName("sentry/exit_notify_parent").orElseThrow().point().id()).isEqualTo(3);
        assertThat(catalog.byName("sentry/task_exit").orElseThrow().point().id()).isEqualTo(4);
        assertThat(catalog.byName("sentry/mmap").orElseThrow().point().id()).isEqualTo(5);
        for (int id = 0; id < 6; id++) {
            assertThat(catalog.byId(id).orElseThrow().point().isSyscall()).isFalse();
        }
    }

    @Test
    void syscallIdsAreSixPlusSysnoTimesFourPlusType() {
        assertThat(catalog.byName("syscall/read/enter").orElseThrow().point().id()).isEqualTo(6);
        assertThat(catalog.byName("syscall/read/exit").orElseThrow().point().id()).isEqualTo(7);
        assertThat(catalog.byName("syscall/sysno/0/enter").orElseThrow().point().id()).isEqualTo(8);
        assertThat(catalog.byName("syscall/sysno/0/exit").orElseThrow().point().id()).isEqualTo(9);
        assertThat(catalog.byName("syscall/openat/enter").orElseThrow().point().id()).isEqualTo(6 + 257 * 4);
        assertThat(catalog.byName("syscall/openat/exit").orElseThrow().point().id()).isEqualTo(6 + 257 * 4 + 1);
        assertThat(catalog.byName("syscall/sysno/441/exit").orElseThrow().point().id()).isEqualTo(6 + 441 * 4 + 3);
        assertThat(Point.ID_LIMIT).isEqualTo(6 + 442 * 4);
        for (PointDesc d : catalog.points()) {
            Point p = d.point();
            if (!p.isSyscall()) {
                continue;
            }
            assertThat(p.id()).isEqualTo(6 + p.sysno() * 4 + p.syscallType().ordinal());
            String expected = p.syscallType().isRaw()
                    ? "syscall/sysno/" + p.sysno() + "/" + p.syscallType().suffix()
                    : "syscall/" + catalog.schema(p.sysno()).orElseThrow().name() + "/" + p.syscallType().suffix();
            assertThat(p.name()).isEqualTo(expected);
            assertThat(catalog.byId(p.id())).contains(d);
        }
    }

    @Test
    void rawPointsCoverEverySyscallNumberBothWays() {
        for (int sysno = 0; sysno <= 441; sysno++) {
            assertThat(catalog.byName("syscall/sysno/" + sysno + "/enter")).isPresent();
            assertThat(catalog.byName("syscall/sysno/" + sysno + "/exit")).isPresent();
        }
        assertThat(catalog.byName("syscall/sysno/442/enter")).isEmpty();
        assertThat(catalog.byName("syscall/sysno/-1/enter")).isEmpty();
    }

    @Test
    void syscallTypeOrdinalsAreGvisorNumbers() {
        assertThat(SyscallType.ENTER.ordinal()).isZero();
        assertThat(SyscallType.EXIT.ordinal()).isEqualTo(1);
        assertThat(SyscallType.RAW_ENTER.ordinal()).isEqualTo(2);
        assertThat(SyscallType.RAW_EXIT.ordinal()).isEqualTo(3);
        assertThat(SyscallType.EXIT.isExit()).isTrue();
        assertThat(SyscallType.RAW_ENTER.isExit()).isFalse();
        assertThat(SyscallType.RAW_ENTER.isRaw()).isTrue();
        assertThat(SyscallType.ENTER.isRaw()).isFalse();
    }

    @Test
    void pointKnowsItsSyscall() {
        Point p = catalog.byName("syscall/sysno/59/exit").orElseThrow().point();
        assertThat(p.sysno()).isEqualTo(59);
        assertThat(p.syscallType()).isEqualTo(SyscallType.RAW_EXIT);
        assertThatThrownBy(Point.EXECVE::sysno).isInstanceOf(IllegalStateException.class)
                .hasMessage("sentry/execve is not a syscall point");
        assertThatThrownBy(() -> new Point(Point.ID_LIMIT, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("point id " + Point.ID_LIMIT + " out of range");
        assertThatThrownBy(() -> new Point(-1, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyPointButExitNotifyParentOffersAllElevenContextFields() {
        for (PointDesc d : catalog.points()) {
            if (d.point().equals(Point.EXIT_NOTIFY_PARENT)) {
                continue;
            }
            assertThat(names(d.contextFields())).as(d.name()).isEqualTo(ALL_CONTEXT);
        }
    }

    @Test
    void exitNotifyParentOffersItsNineContextFields() {
        PointDesc d = catalog.byName("sentry/exit_notify_parent").orElseThrow();
        assertThat(names(d.contextFields())).containsExactlyInAnyOrder(
                "time", "thread_id", "task_start_time", "group_id", "thread_group_start_time",
                "container_id", "credentials", "process_name", "parent_thread_group_id");
        assertThat(d.contextField("cwd")).isEmpty();
        assertThat(d.contextField("is_exec_session")).isEmpty();
        assertThat(d.contextField("time")).contains(ContextField.TIME.desc());
    }

    @Test
    void nonSyscallPointsOfferTheirOptionalFields() {
        assertThat(catalog.byName("container/start").orElseThrow().optionalFields())
                .containsExactly(new FieldDesc(0, "env"));
        assertThat(catalog.byName("sentry/execve").orElseThrow().optionalFields()).containsExactly(
                new FieldDesc(0, "binary_info"), new FieldDesc(1, "binary_sha256"), new FieldDesc(2, "binary_sha1"),
                new FieldDesc(3, "fd_info"), new FieldDesc(4, "pipe_proc_info"));
        for (String name : List.of("sentry/clone", "sentry/exit_notify_parent", "sentry/task_exit", "sentry/mmap")) {
            assertThat(catalog.byName(name).orElseThrow().optionalFields()).as(name).isEmpty();
        }
    }

    @Test
    void syscallPointsOfferTheirSchemasOptionalFieldsOnBothSides() {
        assertThat(names(catalog.byName("syscall/openat/enter").orElseThrow().optionalFields())).containsExactly("fd_path");
        assertThat(names(catalog.byName("syscall/openat/exit").orElseThrow().optionalFields())).containsExactly("fd_path");
        assertThat(catalog.byName("syscall/open/enter").orElseThrow().optionalFields()).isEmpty();
        assertThat(names(catalog.byName("syscall/execve/enter").orElseThrow().optionalFields())).containsExactly("envv");
        assertThat(catalog.byName("syscall/execveat/exit").orElseThrow().optionalFields())
                .containsExactly(new FieldDesc(0, "fd_path"), new FieldDesc(1, "envv"));
        assertThat(catalog.byName("syscall/sysno/257/enter").orElseThrow().optionalFields()).isEmpty();
        for (SyscallSchema s : SyscallSchema.ALL) {
            for (String side : List.of("enter", "exit")) {
                PointDesc d = catalog.byName("syscall/" + s.name() + "/" + side).orElseThrow();
                assertThat(d.optionalFields()).as(d.name()).isEqualTo(s.optionalFields());
            }
        }
    }

    @Test
    void schemaTableMatchesTheReference() {
        assertThat(SyscallSchema.ALL).hasSize(54);
        assertThat(SyscallSchema.ALL.stream().mapToInt(SyscallSchema::sysno)).isSorted();
        long withFdPath = SyscallSchema.ALL.stream()
                .filter(s -> s.optionalFields().stream().anyMatch(f -> f.name().equals("fd_path"))).count();
        assertThat(withFdPath).isEqualTo(31);
        SyscallSchema openat = catalog.schema(257).orElseThrow();
        assertThat(openat.name()).isEqualTo("openat");
        assertThat(openat.messageType()).isEqualTo(MessageType.MESSAGE_SYSCALL_OPEN);
        assertThat(catalog.schema(85).orElseThrow().messageType()).isEqualTo(MessageType.MESSAGE_SYSCALL_OPEN);
        assertThat(catalog.schema(9).orElseThrow().messageType()).isEqualTo(MessageType.MESSAGE_SYSCALL_MMAP);
        assertThat(catalog.schema(101).orElseThrow().messageType()).isEqualTo(MessageType.MESSAGE_SYSCALL_PTRACE);
        assertThat(catalog.schema(328).orElseThrow().name()).isEqualTo("pwritev2");
        assertThat(catalog.schema(4)).isEmpty();
        assertThat(catalog.schema(-1)).isEmpty();
        assertThat(catalog.schema(100_000)).isEmpty();
    }

    @Test
    void pointForSyscallFindsSchematizedOnlyWhereASchemaExists() {
        assertThat(catalog.pointForSyscall(SyscallType.ENTER, 257)).map(Point::name).contains("syscall/openat/enter");
        assertThat(catalog.pointForSyscall(SyscallType.EXIT, 0)).map(Point::name).contains("syscall/read/exit");
        assertThat(catalog.pointForSyscall(SyscallType.ENTER, 4)).isEmpty();
        assertThat(catalog.pointForSyscall(SyscallType.EXIT, 441)).isEmpty();
        assertThat(catalog.pointForSyscall(SyscallType.RAW_ENTER, 4)).map(Point::name).contains("syscall/sysno/4/enter");
        assertThat(catalog.pointForSyscall(SyscallType.RAW_EXIT, 441)).map(Point::name).contains("syscall/sysno/441/exit");
        assertThat(catalog.pointForSyscall(SyscallType.RAW_ENTER, 442)).isEmpty();
        assertThat(catalog.pointForSyscall(SyscallType.RAW_ENTER, -1)).isEmpty();
    }

    @Test
    void lookupsOfUnknownPointsAreEmpty() {
        assertThat(catalog.byName("syscall/openat/middle")).isEmpty();
        assertThat(catalog.byName("")).isEmpty();
        assertThat(catalog.byId(-1)).isEmpty();
        assertThat(catalog.byId(Point.ID_LIMIT)).isEmpty();
        // ids of schematized types for syscalls without a schema are holes, not points
        assertThat(catalog.byId(Point.syscallId(SyscallType.ENTER, 4))).isEmpty();
    }

    /** Returns a catalog's refusal of two bare points (no fields). */
    private static String refusalOf(Point first, Point second) {
        List<PointDesc> points = List.of(
                new PointDesc(first, List.of(), List.of()), new PointDesc(second, List.of(), List.of()));
        return catchThrowableOfType(IllegalArgumentException.class, () -> new Catalog(points)).getMessage();
    }

    @Test
    void duplicateNamesAreRejected() {
        assertThat(refusalOf(new Point(0, "sentry/clone"), new Point(1, "sentry/clone")))
                .isEqualTo("duplicate point name sentry/clone");
    }

    @Test
    void duplicateIdsAreRejected() {
        assertThat(refusalOf(new Point(7, "a"), new Point(7, "b"))).isEqualTo("duplicate point id 7: a and b");
    }
}
