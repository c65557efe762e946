package dev.seccheck.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.testing.TestSinks;
import java.util.List;
import org.junit.jupiter.api.Test;

class SinkRegistryTest {

    @Test
    void allIsSortedByName() {
        SinkRegistry r = new SinkRegistry(List.of(new TestSinks("b"), new TestSinks("c"), new TestSinks("a")));
        assertThat(r.all()).extracting(SinkDescriptor::name).containsExactly("a", "b", "c");
    }

    @Test
    void twoSinksWithOneNameAreRejected() {
        assertThatThrownBy(() -> new SinkRegistry(List.of(new TestSinks("x"), new TestSinks("x"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("two sinks are named \"x\"");
    }

    @Test
    void securityCheckNeedsAPositiveErrno() {
        assertThat(new SecurityCheckException(13, "no").errno()).isEqualTo(13);
        assertThatThrownBy(() -> new SecurityCheckException(0, "no"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("errno must be positive, got 0");
    }
}
