package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.fields.FieldDesc;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.MessageTypes;
import dev.seccheck.points.PointDesc;
import dev.seccheck.proto.common.MessageType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The all-points workload (the sentry's every_syscall) with every schematized and lifecycle point,
 * every field, and a raw point, through the text sink's JSON lines: Jackson parses every line, and
 * every message type the wire knows arrives with its documented keys (docs/json.md).
 */
class JsonEveryMessageTypeTest {

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @TempDir
    Path tmp;

    @Test
    void everyMessageTypeOfTheAllPointsWorkloadParsesWithItsKeys() throws Exception {
        Path program = CPrograms.compile("../seccheck-sentry/src/test/c/every_syscall.c", tmp);
        Path scratch = Files.createDirectory(tmp.resolve("scratch"));
        Path log = tmp.resolve("all.jsonl");
        ObjectMapper json = new ObjectMapper();
        ObjectNode session = json.createObjectNode().put("name", "all");
        session.putObject("options").put("allow_ptrace", true); // every_syscall calls ptrace(PTRACE_TRACEME)
        ArrayNode points = session.putArray("points");
        for (PointDesc d : Catalog.standard().points()) {
            // Every point but the raw ones, of which brk (12) stands for all: the loader calls it.
            if (d.name().startsWith("syscall/sysno/") && !d.name().startsWith("syscall/sysno/12/")) {
                continue;
            }
            ObjectNode p = points.addObject().put("name", d.name());
            d.optionalFields().stream().map(FieldDesc::name).forEach(p.putArray("optional_fields")::add);
            d.contextFields().stream().map(FieldDesc::name).forEach(p.putArray("context_fields")::add);
        }
        session.putArray("sinks").addObject().put("name", "text").putObject("config")
                .put("path", log.toString()).put("format", "json");
        Path config = Files.writeString(tmp.resolve("all.json"), json.writeValueAsString(session));

        assertThat(Main.execute("run", "--root", tmp.resolve("root").toString(), "--quiet", "--config", config.toString(),
                "--", program.toString(), scratch.toString())).as("%s", err).isZero();

        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            lines.add(json.readTree(line)); // Throws, failing the test, on any line that is not one JSON object.
        }
        Set<String> types = lines.stream().map(n -> n.path("type").asText()).collect(Collectors.toSet());
        Set<String> wanted = Arrays.stream(MessageType.values()).filter(t -> MessageTypes.descriptor(t).isPresent())
                .map(Enum::name).collect(Collectors.toSet());
        assertThat(types).as("every message type the wire knows").containsAll(wanted);
        assertThat(wanted).hasSizeGreaterThan(35);
        assertThat(lines).allSatisfy(n -> {
            assertThat(n.path("point").asText()).matches("(container|sentry|syscall)/.+");
            assertThat(n.path("context").path("thread_id").asLong()).as("%s", n).isPositive();
            assertThat(n.path("context").path("time").asText()).as("%s", n).matches("\\d{4}-.*Z");
            assertThat(n.path("fields").isObject()).isTrue();
            if (n.path("point").asText().endsWith("/exit")) {
                assertThat(n.has("result")).as("an exit has its result: %s", n).isTrue();
            }
        });
        assertThat(lines).anySatisfy(n -> {
            assertThat(n.path("point").asText()).isEqualTo("syscall/connect/exit");
            assertThat(n.path("fields").path("address").path("family_name").asText()).isEqualTo("AF_UNIX");
        });
        assertThat(lines).anySatisfy(n -> assertThat(n.path("fields").path("binary_sha256").asText()).matches("[0-9a-f]{64}"));
    }
}
