package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An alert's values tell different events apart: no silent cut, list elements each a string. */
class AlertValuesTest {

    @Test
    void twoPathsThatDifferOnlyAfterTheOldCutAreToldApart() {
        String dir = "/d/" + "d".repeat(300) + "/";
        assertThat(AlertValues.string(dir + "harmless.txt")).isEqualTo(dir + "harmless.txt");
        assertThat(AlertValues.string(dir + "secret-key!!")).isEqualTo(dir + "secret-key!!");
    }

    @Test
    void aStringPastPathMaxEndsWithTheBytesLeftOutInAMarkerNoContentCanHold() {
        String longer = "é".repeat(AlertValues.MAX_CHARS + 3);
        assertThat(AlertValues.string(longer)).isEqualTo("é".repeat(AlertValues.MAX_CHARS) + "\\...(6 more bytes)");
        // The same text written by the program has its backslash doubled.
        assertThat(AlertValues.string("a\\...(6 more bytes)")).isEqualTo("a\\\\...(6 more bytes)");
    }

    @Test
    void aListIsAnArrayOfEscapedStringsSoACommaInsideAnElementIsNotASeparator() {
        JsonNode one = AlertValues.value(List.of("rm", "-f", "victim/keep, victim/x"));
        JsonNode two = AlertValues.value(List.of("rm", "-f", "victim/keep", "victim/x"));
        assertThat(one.toString()).isEqualTo("[\"rm\",\"-f\",\"victim/keep, victim/x\"]");
        assertThat(two.toString()).isEqualTo("[\"rm\",\"-f\",\"victim/keep\",\"victim/x\"]");
        assertThat(AlertValues.value(List.of("a\"b\n")).get(0).asText()).isEqualTo("a\\\"b\\n");
    }

    @Test
    void aListPastItsBoundEndsWithTheCountOfElementsLeftOut() {
        JsonNode a = AlertValues.value(Collections.nCopies(AlertValues.MAX_ELEMENTS + 5, "X=1"));
        assertThat(a).hasSize(AlertValues.MAX_ELEMENTS + 1);
        assertThat(a.get(AlertValues.MAX_ELEMENTS).asText()).isEqualTo("\\...(5 more elements)");
    }

    @Test
    void numbersStayNumbers() {
        assertThat(AlertValues.value(2).toString()).isEqualTo("2");
        assertThat(AlertValues.value(List.of(80, 443)).toString()).isEqualTo("[80,443]");
    }
}
