package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointReq;
import dev.seccheck.session.JsonSinkConfig;
import dev.seccheck.sink.SinkException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rules that loaded but could never hold, or held for something else than written: each is now
 * refused at load with the rule and key named, and the rules beside them that mean what they say
 * still load.
 */
class PolicyConfigErrorsTest {

    private static final Catalog CATALOG = Catalog.standard();
    private static final FieldSet ALL = new FieldSet(FieldMask.of(0), ContextField.all());
    private static final List<PointReq> POINTS = List.of(
            new PointReq(CATALOG.byName("syscall/openat/enter").orElseThrow().point(), ALL),
            new PointReq(CATALOG.byName("syscall/connect/enter").orElseThrow().point(), ALL),
            new PointReq(CATALOG.byName("sentry/execve").orElseThrow().point(), ALL));

    private static void validate(String rule) throws SinkException {
        new PolicySinkDescriptor().validate(JsonSinkConfig.parse("{\"rules\": [" + rule + "]}", "sinks[0].config"), POINTS);
    }

    private static String connect(String match) {
        return "{\"point\": \"syscall/connect/enter\", \"match\": " + match + ", \"action\": \"deny\"}";
    }

    private static String openat(String match) {
        return "{\"point\": \"syscall/openat/enter\", \"match\": " + match + ", \"action\": \"deny\"}";
    }

    /** A port given as "AF_INET" was read as 2, and true as 1: a rule on a port nobody meant. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"port": "AF_INET"}           | sinks[0].config.rules[0].match.port: expected a whole number, got "AF_INET" (only family and domain take a family's name)
            {"port": true}                | sinks[0].config.rules[0].match.port: expected a whole number, got true ("port" is not a true/false field)
            {"port": {"min": false}}      | sinks[0].config.rules[0].match.port: expected a whole number, got false
            {"port": ["22", 23]}          | sinks[0].config.rules[0].match.port: expected a whole number, got "22"
            {"family": "AF_NOPE"}         | sinks[0].config.rules[0].match.family: expected a number or an address family
            {"ip": "127.0.0.0/-8"}        | sinks[0].config.rules[0].match.ip: bad prefix length in "127.0.0.0/-8" (decimal digits: 0 to 32 for IPv4, 0 to 128 for IPv6)
            {"ip": "127.0.0.0/+8"}        | sinks[0].config.rules[0].match.ip: bad prefix length in "127.0.0.0/+8"
            {"ip": "127.0.0.0/ 8"}        | sinks[0].config.rules[0].match.ip: bad prefix length
            {"ip": "127.0.0.0/"}          | sinks[0].config.rules[0].match.ip: bad prefix length
            {"ip": "::1/-128"}            | sinks[0].config.rules[0].match.ip: bad prefix length
            {"ip": "127.0.0.0/33"}        | sinks[0].config.rules[0].match.ip: prefix length 33 is too long
            """)
    void refusesANumberOrPrefixThatIsNotOne(String match, String error) {
        assertThatThrownBy(() -> validate(connect(match))).isInstanceOf(SinkException.class).hasMessageStartingWith(error);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"port\": 22}", "{\"port\": {\"min\": 1, \"max\": 1023}}", "{\"family\": \"AF_INET\"}",
            "{\"family\": [\"AF_INET\", 10]}", "{\"ip\": \"127.0.0.0/8\"}", "{\"ip\": \"::1/128\"}", "{\"ip\": \"10.0.0.1\"}"})
    void acceptsNumbersFamiliesAndPrefixes(String match) {
        assertThatCode(() -> validate(connect(match))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"binary_in_memfd\": true}", "{\"is_exec_session\": false}"})
    void acceptsTrueAndFalseOnTrueFalseFields(String match) {
        assertThatCode(() -> validate("{\"point\": \"sentry/execve\", \"match\": " + match + ", \"action\": \"deny\"}"))
                .doesNotThrowAnyException();
    }

    /** resolved_path is absolute: a relative value never matched, and a deny rule written so protected nothing. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"resolved_path": "work/x/secret"}              | work/x/secret
            {"resolved_path": {"prefix": "work/"}}          | work/
            {"resolved_path": {"exact": "secret"}}          | secret
            {"resolved_path": {"glob": "work/*.key"}}       | work/*.key
            {"resolved_path": ["/etc/shadow", "secret"]}    | secret
            {"resolved_path": {"not": {"prefix": "tmp/"}}}  | tmp/
            {"cwd": {"prefix": "home"}}                     | home
            """)
    void refusesARelativePathOnAnAbsoluteKey(String match, String relative) {
        String key = match.substring(2, match.indexOf('"', 2));
        assertThatThrownBy(() -> validate(openat(match))).isInstanceOf(SinkException.class)
                .hasMessage("sinks[0].config.rules[0].match." + key + ": \"" + relative + "\" is a relative path, and "
                        + key + " values are absolute: it could never match (start it with / or a wildcard)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"resolved_path\": \"/work/x/secret\"}", "{\"resolved_path\": {\"glob\": \"*.key\"}}",
            "{\"resolved_path\": {\"glob\": \"?tmp/*\"}}", "{\"resolved_path\": {\"prefix\": \"/tmp/\"}}",
            "{\"pathname\": \"work/x/secret\"}", "{\"fd_path\": {\"prefix\": \"pipe:\"}}"})
    void acceptsAbsolutePathsWildcardStartsAndTheProgramsOwnPaths(String match) {
        assertThatCode(() -> validate(openat(match))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"sh\"", "{\"prefix\": \"usr/bin/\"}"})
    void refusesARelativeBinaryPath(String value) {
        assertThatThrownBy(() -> validate("{\"point\": \"sentry/execve\", \"match\": {\"binary_path\": " + value
                + "}, \"action\": \"deny\"}"))
                .hasMessageStartingWith("sinks[0].config.rules[0].match.binary_path: ")
                .hasMessageContaining("is a relative path");
    }

    /** "match": null read as absent: the rule matched every point, an allow rule let everything through. */
    @ParameterizedTest
    @ValueSource(strings = {"allow", "deny"})
    void refusesANullMatch(String action) {
        assertThatThrownBy(() -> validate("{\"point\": \"syscall/openat/enter\", \"match\": null, \"action\": \"" + action + "\"}"))
                .isInstanceOf(SinkException.class)
                .hasMessage("sinks[0].config.rules[0].match: must be a JSON object, got null (leave the key out to "
                        + "match every point)");
    }
}
