package dev.seccheck.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GoDurationTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "-0, 0",
        "0s, 0",
        "1ns, 1",
        "25us, 25000",
        "25µs, 25000",
        "25μs, 25000",
        "10ms, 10000000",
        "1s, 1000000000",
        "1.5s, 1500000000",
        ".5s, 500000000",
        "2m, 120000000000",
        "1h30m, 5400000000000",
        "1h1m1s1ms1us1ns, 3661001001001",
        "+3ms, 3000000",
        "-3ms, -3000000",
        "1.0000000001s, 1000000000",
    })
    // Go's Duration.String output (with us for µs): what a session file copied from Go holds.
    @CsvSource({
        "0s, 0",
        "1ns, 1",
        "25us, 25000",
        "1.5us, 1500",
        "10ms, 10000000",
        "1.5s, 1500000000",
        "1m30s, 90000000000",
        "1h30m0s, 5400000000000",
        "-25us, -25000",
    })
    void parsesGoDurations(String text, long nanos) {
        assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofNanos(nanos));
    }

    @Test
    void rejectsWhatGoRejects() {
        assertThatThrownBy(() -> GoDuration.parse("")).hasMessage("empty duration");
        assertThatThrownBy(() -> GoDuration.parse("10")).hasMessage("missing unit in duration \"10\"");
        assertThatThrownBy(() -> GoDuration.parse("10 ms")).hasMessage("unknown unit \" ms\" in duration \"10 ms\"");
        assertThatThrownBy(() -> GoDuration.parse("10d")).hasMessage("unknown unit \"d\" in duration \"10d\"");
        assertThatThrownBy(() -> GoDuration.parse("1MS")).hasMessage("unknown unit \"MS\" in duration \"1MS\"");
        assertThatThrownBy(() -> GoDuration.parse("ms")).hasMessage("invalid duration \"ms\"");
        assertThatThrownBy(() -> GoDuration.parse("-")).hasMessage("invalid duration \"-\"");
        assertThatThrownBy(() -> GoDuration.parse(".s")).hasMessage("invalid duration \".s\"");
        assertThatThrownBy(() -> GoDuration.parse("1.2.3s")).hasMessage("invalid duration \"1.2.3s\"");
        assertThatThrownBy(() -> GoDuration.parse("9999999999h")).hasMessage("duration out of range: \"9999999999h\"");
    }
}
