package dev.seccheck.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StrictJsonTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsOneObject() throws IOException {
        assertThat(StrictJson.readObject(utf8(" {\"op\": \"info\", \"n\": 2}\n"), "bad", () -> "not an object")
                .path("op").asText()).isEqualTo("info");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1} trailing", "{\"a\":1} {\"b\":2}", "{\"a\":1}]", "{\"a\":", "hello"})
    void refusesWhatIsNotExactlyOneJsonValueWithTheCallersWordsAndJacksonsReason(String text) {
        assertThatThrownBy(() -> StrictJson.readObject(utf8(text), "the thing is not JSON", () -> "unused"))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("the thing is not JSON: ")
                .hasMessageNotContaining("unused");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1, 2]", "42", "\"text\"", "null", "", "  "})
    void refusesAValueThatIsNotAnObject(String text) {
        assertThatThrownBy(() -> StrictJson.readObject(utf8(text), "not JSON", () -> "not one object: " + text))
                .isInstanceOf(IOException.class)
                .hasMessage("not one object: " + text);
    }

    @Test
    void refusesBytesThatAreNotUtf8AsNotJson() {
        byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xc3, (byte) 0x28, '"', '}'};
        assertThatThrownBy(() -> StrictJson.readObject(bad, "not JSON", () -> "unused"))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("not JSON: ");
    }

    /** Two readers must agree on a message: a second "op" or "config" is refused, not kept last. */
    @Test
    void refusesAKeyGivenTwiceNamingIt() {
        assertThatThrownBy(() -> StrictJson.readObject(utf8("{\"op\": \"info\", \"a\": {\"b\": [{\"c\": 1, \"c\": 2}]}}"),
                "not JSON", () -> "unused"))
                .isInstanceOf(IOException.class)
                .hasMessage("not JSON: a.b[0].c: key given twice in one object (the second would silently replace the first)");
    }
}
