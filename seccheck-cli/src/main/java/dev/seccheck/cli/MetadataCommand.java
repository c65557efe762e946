package dev.seccheck.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.fields.FieldDesc;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointDesc;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkRegistry;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * MetadataCommand lists every point with the fields it offers, then every sink with its config
 * keys, in the format of {@code runsc trace metadata} (points by name, context fields in runsc's
 * order, a blank line before the sinks; each sink's keys follow it, indented), or as JSON.
 */
@Command(name = "metadata", mixinStandardHelpOptions = true,
        description = "List every point with its optional and context fields, then every sink with its config keys.",
        footer = {"", "Examples:",
            "  seccheck metadata | grep 'syscall/openat/'",
            "  seccheck metadata --json | jq -r '.sinks[] | .name as $s | .keys[] | \"\\($s).\\(.name): \\(.description)\"'"})
final class MetadataCommand implements Runnable {

    /** The context fields in the order runsc lists them; fields runsc lacks follow in catalog order. */
    private static final List<String> RUNSC_CONTEXT_ORDER = List.of("time", "thread_id", "task_start_time", "group_id",
            "thread_group_start_time", "container_id", "credentials", "cwd", "process_name");

    @Option(names = "--json", description = "Print one JSON document instead of text.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        PrintWriter out = spec.commandLine().getOut();
        Catalog catalog = Catalog.standard();
        List<SinkDescriptor<?>> sinks = SinkRegistry.discover().all();
        if (json) {
            out.println(toJson(catalog, sinks));
        } else {
            out.println("POINTS (" + catalog.size() + ")");
            for (PointDesc p : byName(catalog)) {
                out.println("Name: " + p.name() + ", optional fields: [" + names(p.optionalFields())
                        + "], context fields: [" + names(runsc(p.contextFields())) + "]");
            }
            out.println();
            out.println("SINKS (" + sinks.size() + ")");
            for (SinkDescriptor<?> s : sinks) {
                out.println("Name: " + s.name());
                for (ConfigKey k : s.keys()) {
                    out.println("    " + k.name() + ": " + k.description());
                }
            }
        }
        out.flush();
    }

    private static List<PointDesc> byName(Catalog catalog) {
        return catalog.points().stream().sorted(Comparator.comparing(PointDesc::name)).toList();
    }

    /** Returns the fields in runsc's order (a stable sort: the others keep their catalog order, last). */
    static List<FieldDesc> runsc(List<FieldDesc> context) {
        return context.stream().sorted(Comparator.comparingInt(f -> {
            int i = RUNSC_CONTEXT_ORDER.indexOf(f.name());
            return i < 0 ? RUNSC_CONTEXT_ORDER.size() : i;
        })).toList();
    }

    private static String names(List<FieldDesc> fields) {
        return fields.stream().map(FieldDesc::name).collect(Collectors.joining("|"));
    }

    private static String toJson(Catalog catalog, List<SinkDescriptor<?>> sinks) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ArrayNode points = root.putArray("points");
        for (PointDesc p : byName(catalog)) {
            ObjectNode n = points.addObject();
            n.put("name", p.name());
            n.put("id", p.point().id());
            ArrayNode opt = n.putArray("optional_fields");
            p.optionalFields().forEach(f -> opt.add(f.name()));
            ArrayNode ctx = n.putArray("context_fields");
            runsc(p.contextFields()).forEach(f -> ctx.add(f.name()));
        }
        ArrayNode s = root.putArray("sinks");
        for (SinkDescriptor<?> d : sinks) {
            ObjectNode n = s.addObject().put("name", d.name());
            ArrayNode keys = n.putArray("keys");
            d.keys().forEach(k -> keys.addObject().put("name", k.name()).put("description", k.description()));
        }
        return root.toPrettyString();
    }
}
