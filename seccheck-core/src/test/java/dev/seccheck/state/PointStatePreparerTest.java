package dev.seccheck.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.testing.RecordingSink;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Preparers see the new points before anyone else, and a refusal leaves the state as it was. */
class PointStatePreparerTest {

    private static final Point OPENAT = Catalog.standard().byName("syscall/openat/enter").orElseThrow().point();
    private static final FieldSet TIME = new FieldSet(FieldMask.EMPTY, FieldMask.of(ContextField.TIME.id()));

    private final PointState state = new PointState();

    private Subscriber openat() {
        return new Subscriber(new Gate(), List.of(new RecordingSink("a", new ArrayList<>())),
                List.of(new PointReq(OPENAT, TIME)));
    }

    @Test
    void aPreparerSeesThePreviewBeforeThePointsArePublished() {
        List<String> seen = new ArrayList<>();
        state.addPreparer(next -> seen.add("preview " + next.enabled(OPENAT) + ", live " + state.enabled(OPENAT)));
        state.addListener(s -> seen.add("told, live " + s.enabled(OPENAT)));
        state.publish(List.of(openat()));
        assertThat(seen).containsExactly("preview true, live false", "told, live true");
    }

    @Test
    void aRefusingPreparerLeavesEverythingAsItWas() {
        Subscriber before = openat();
        state.publish(List.of(before));
        long[] bits = state.enabledBits();
        List<String> told = new ArrayList<>();
        state.addListener(s -> told.add("told"));
        state.addPreparer(next -> {
            throw new IllegalStateException("task 42 cannot take the new filter layer");
        });
        assertThatThrownBy(() -> state.publish(List.of()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("task 42");
        assertThat(state.enabledBits()).isEqualTo(bits);
        assertThat(state.enabled(OPENAT)).isTrue();
        assertThat(state.fieldSet(OPENAT)).isEqualTo(TIME);
        assertThat(told).isEmpty();
    }

    @Test
    void aRemovedPreparerIsNotAsked() {
        SyscallPointsPreparer refuse = next -> {
            throw new IllegalStateException("refused");
        };
        state.addPreparer(refuse);
        state.removePreparer(refuse);
        state.publish(List.of(openat()));
        assertThat(state.enabled(OPENAT)).isTrue();
    }
}
