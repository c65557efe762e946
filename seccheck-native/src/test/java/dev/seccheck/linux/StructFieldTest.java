package dev.seccheck.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Struct fields read and write where their layouts put them, and refuse what their layouts refuse. */
class StructFieldTest {

    @Test
    void aFieldReadsAndWritesAtItsLayoutsOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment notif = arena.allocate(Layouts.SECCOMP_NOTIF);
            Layouts.NOTIF_PID.set(notif, 4242);
            assertThat(notif.get(ValueLayout.JAVA_INT, 8)).isEqualTo(4242);
            notif.set(ValueLayout.JAVA_INT, 16, 257); // data.nr
            assertThat(Layouts.NOTIF_NR.get(notif)).isEqualTo(257);
            assertThat(Layouts.NOTIF_PID.get(notif)).isEqualTo(4242);
        }
    }

    @Test
    void anArrayFieldsElementsAreItsElements() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment notif = arena.allocate(Layouts.SECCOMP_NOTIF);
            for (int i = 0; i < 6; i++) {
                notif.set(ValueLayout.JAVA_LONG, 32 + 8L * i, 100 + i); // data.args[i]
            }
            for (int i = 0; i < 6; i++) {
                assertThat(Layouts.NOTIF_ARG.getElement(notif, i)).isEqualTo(100 + i);
            }
            assertThat(Layouts.NOTIF_ARG.stride()).isEqualTo(8);
        }
    }

    @Test
    void elementsOfAnArrayOfStructsStepByTheStructsSize() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment events = arena.allocate(Layouts.EPOLL_EVENT, 3);
            Layouts.EPOLL_DATA.setElement(events, 2, 0x1122334455667788L);
            Layouts.EPOLL_EVENTS.setElement(events, 1, 5);
            assertThat(events.get(ValueLayout.JAVA_LONG_UNALIGNED, 2 * 12 + 4)).isEqualTo(0x1122334455667788L);
            assertThat(Layouts.EPOLL_DATA.getElement(events, 2)).isEqualTo(0x1122334455667788L);
            assertThat(Layouts.EPOLL_EVENTS.getElement(events, 1)).isEqualTo(5);
        }
    }

    @Test
    void aRecordAtABaseOffsetIsReadThere() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dirents = arena.allocate(64);
            dirents.set(ValueLayout.JAVA_SHORT, 24 + 16, (short) 24); // the second record's d_reclen
            assertThat(Layouts.D_RECLEN.get(dirents, 24)).isEqualTo((short) 24);
        }
    }

    @Test
    void aFieldOfTheWrongTypeIsRefusedWhenMade() {
        assertThatThrownBy(() -> StructField.ints(Layouts.STAT, groupElement("st_size")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("st_size")
                .hasMessageContaining("not a OfInt");
        assertThatThrownBy(() -> StructField.elements(Layouts.STAT, groupElement("st_size")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no array of long");
    }

    @Test
    void anUnalignedAccessIsRefusedAsTheLayoutSays() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(Layouts.STAT).asSlice(4);
            assertThatThrownBy(() -> Layouts.ST_SIZE.get(stat)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
