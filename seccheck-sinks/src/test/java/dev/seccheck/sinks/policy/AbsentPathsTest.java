package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.session.JsonSinkConfig;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Selection;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key whose values are always absolute paths ({@code mapped_path}, {@code binary_path}) is
 * absent, not empty, when its message names no file: an anonymous executable mapping has no
 * {@code mapped_path}. Absent never matches, {@code not} included. The README's allow-list pair
 * ({@code mapped_path} not under {@code /usr/**}: kill) killed every JIT that maps anonymous
 * memory executable ({@code java -version}) on the empty string, while the same JIT through
 * {@code mprotect} passed.
 */
class AbsentPathsTest {

    private static final Point MMAP = Catalog.standard().byName("sentry/mmap").orElseThrow().point();
    private static final String OUTSIDE_USR_KILLED = """
            {"point": "sentry/mmap", "match": {"mapped_path": {"not": {"glob": "/usr/**"}}}, "action": "kill"}""";

    @TempDir
    Path tmp;

    @Test
    void anAnonymousMappingHasNoMappedPathForNotToMatch() throws Exception {
        Sink sink = sink(OUTSIDE_USR_KILLED);
        sink.mmap(FieldSet.EMPTY, MmapInfo.newBuilder().setMappedPath("/usr/lib/x86_64-linux-gnu/libc.so.6").build());
        sink.mmap(FieldSet.EMPTY, MmapInfo.getDefaultInstance());
        assertThat(Files.readAllLines(alerts())).isEmpty();
        assertThatThrownBy(() -> sink.mmap(FieldSet.EMPTY, MmapInfo.newBuilder().setMappedPath("/tmp/evil.so").build()))
                .isInstanceOfSatisfying(SecurityCheckException.class, e -> assertThat(e.killTask()).isTrue());
        assertThat(Files.readAllLines(alerts())).hasSize(1);
    }

    private Sink sink(String rules) throws Exception {
        String json = "{\"alerts\": \"" + alerts() + "\", \"rules\": [" + rules + "]}";
        List<PointReq> points = List.of(new PointReq(MMAP, FieldSet.EMPTY));
        SinkDescriptor<PolicySinkDescriptor.Policy> d = Selection.ALL.wrap(new PolicySinkDescriptor(), points);
        PolicySinkDescriptor.Policy policy = d.validate(JsonSinkConfig.parse(json, "sinks[0].config"), points);
        return d.create(policy, d.setup(policy));
    }

    private Path alerts() {
        return tmp.resolve("alerts.jsonl");
    }
}
