package dev.seccheck.fields;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FieldMaskTest {

    @Test
    void ofHoldsExactlyTheGivenIds() {
        FieldMask m = FieldMask.of(0, 5, 63);
        assertThat(m.bits()).isEqualTo(1L | 1L << 5 | 1L << 63);
        assertThat(m.contains(0)).isTrue();
        assertThat(m.contains(5)).isTrue();
        assertThat(m.contains(63)).isTrue();
        assertThat(m.contains(1)).isFalse();
        assertThat(m.contains(62)).isFalse();
        assertThat(m.size()).isEqualTo(3);
        assertThat(m.isEmpty()).isFalse();
    }

    @Test
    void emptyMaskHasNothing() {
        assertThat(FieldMask.EMPTY.isEmpty()).isTrue();
        assertThat(FieldMask.EMPTY.size()).isZero();
        assertThat(FieldMask.of()).isEqualTo(FieldMask.EMPTY);
        for (int id = 0; id <= FieldMask.MAX_FIELD_ID; id++) {
            assertThat(FieldMask.EMPTY.contains(id)).isFalse();
        }
    }

    @Test
    void withAddsOneFieldAndLeavesTheOriginalUnchanged() {
        FieldMask a = FieldMask.of(1);
        FieldMask b = a.with(2);
        assertThat(a).isEqualTo(FieldMask.of(1));
        assertThat(b).isEqualTo(FieldMask.of(1, 2));
        assertThat(b.with(2)).isEqualTo(b);
    }

    @Test
    void unionHasTheFieldsOfEither() {
        assertThat(FieldMask.of(1, 3).union(FieldMask.of(3, 40))).isEqualTo(FieldMask.of(1, 3, 40));
        assertThat(FieldMask.of(7).union(FieldMask.EMPTY)).isEqualTo(FieldMask.of(7));
    }

    @Test
    void allSixtyFourIdsFit() {
        int[] all = new int[64];
        Arrays.setAll(all, i -> i);
        FieldMask m = FieldMask.of(all);
        assertThat(m.bits()).isEqualTo(-1L);
        assertThat(m.size()).isEqualTo(64);
    }

    @Test
    void idsOutsideZeroToSixtyThreeAreRejected() {
        assertThatThrownBy(() -> FieldMask.of(64)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("field id 64 out of range 0..63");
        assertThatThrownBy(() -> FieldMask.of(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("field id -1 out of range 0..63");
        assertThatThrownBy(() -> FieldMask.EMPTY.contains(64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FieldMask.EMPTY.with(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FieldDesc(64, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("field id 64 out of range");
    }

    @Test
    void fieldSetUnionIsPerKind() {
        FieldSet a = new FieldSet(FieldMask.of(0), FieldMask.of(ContextField.TIME.id()));
        FieldSet b = new FieldSet(FieldMask.of(1), FieldMask.of(ContextField.CWD.id()));
        FieldSet u = a.union(b);
        assertThat(u.local()).isEqualTo(FieldMask.of(0, 1));
        assertThat(u.context()).isEqualTo(FieldMask.of(ContextField.TIME.id(), ContextField.CWD.id()));
        assertThat(u.hasLocal(0)).isTrue();
        assertThat(u.hasLocal(2)).isFalse();
        assertThat(u.hasContext(ContextField.CWD)).isTrue();
        assertThat(u.hasContext(ContextField.THREAD_ID)).isFalse();
        assertThat(FieldSet.EMPTY.union(a)).isEqualTo(a);
    }

    @Test
    void localAndContextIdsDoNotMix() {
        // Optional field 2 and context field 2 (cwd) share a number but not a meaning.
        FieldSet s = new FieldSet(FieldMask.of(2), FieldMask.EMPTY);
        assertThat(s.hasLocal(2)).isTrue();
        assertThat(s.hasContext(ContextField.CWD)).isFalse();
    }

    @Test
    void contextFieldsHaveGvisorIdsAndNames() {
        String[] names = {
            "container_id", "credentials", "cwd", "process_name", "group_id", "thread_group_start_time",
            "thread_id", "task_start_time", "time", "parent_thread_group_id", "is_exec_session",
        };
        assertThat(ContextField.values()).hasSize(11);
        for (int id = 0; id < names.length; id++) {
            ContextField f = ContextField.byId(id);
            assertThat(f.id()).isEqualTo(id);
            assertThat(f.fieldName()).isEqualTo(names[id]);
            assertThat(ContextField.byName(names[id])).contains(f);
            assertThat(f.desc()).isEqualTo(new FieldDesc(id, names[id]));
        }
        assertThat(ContextField.byName("pid")).isEmpty();
        assertThat(ContextField.all()).isEqualTo(new FieldMask(0x7ff));
    }

    @Test
    void optionalFieldIdsFollowGvisor() {
        assertThat(OptionalFields.CONTAINER_START_ENV).isEqualTo(new FieldDesc(0, "env"));
        assertThat(OptionalFields.EXECVE_BINARY_INFO).isEqualTo(new FieldDesc(0, "binary_info"));
        assertThat(OptionalFields.EXECVE_BINARY_SHA256).isEqualTo(new FieldDesc(1, "binary_sha256"));
        assertThat(OptionalFields.EXECVE_BINARY_SHA1).isEqualTo(new FieldDesc(2, "binary_sha1"));
        assertThat(OptionalFields.EXECVE_FD_INFO).isEqualTo(new FieldDesc(3, "fd_info"));
        assertThat(OptionalFields.EXECVE_PIPE_PROC_INFO).isEqualTo(new FieldDesc(4, "pipe_proc_info"));
        assertThat(OptionalFields.SYSCALL_FD_PATH).isEqualTo(new FieldDesc(0, "fd_path"));
        assertThat(OptionalFields.SYSCALL_ENVV).isEqualTo(new FieldDesc(1, "envv"));
    }
}
