package dev.seccheck.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.fields.FieldDesc;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointDesc;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkRegistry;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * MetadataCommand lists every point with the fields it offers, then every sink, in the format of
 * {@code runsc trace metadata}, or as JSON.
 */
@Command(name = "metadata", mixinStandardHelpOptions = true,
        description = "List every point with its optional and context fields, then every sink.")
final class MetadataCommand implements Runnable {

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
            for (PointDesc p : catalog.points()) {
                out.println("Name: " + p.name() + ", optional fields: [" + names(p.optionalFields())
                        + "], context fields: [" + names(p.contextFields()) + "]");
            }
            out.println("SINKS (" + sinks.size() + ")");
            for (SinkDescriptor<?> s : sinks) {
                out.println("Name: " + s.name());
            }
        }
        out.flush();
    }

    private static String names(List<FieldDesc> fields) {
        return fields.stream().map(FieldDesc::name).collect(Collectors.joining("|"));
    }

    private static String toJson(Catalog catalog, List<SinkDescriptor<?>> sinks) {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ArrayNode points = root.putArray("points");
        for (PointDesc p : catalog.points()) {
            ObjectNode n = points.addObject();
            n.put("name", p.name());
            n.put("id", p.point().id());
            ArrayNode opt = n.putArray("optional_fields");
            p.optionalFields().forEach(f -> opt.add(f.name()));
            ArrayNode ctx = n.putArray("context_fields");
            p.contextFields().forEach(f -> ctx.add(f.name()));
        }
        ArrayNode s = root.putArray("sinks");
        sinks.forEach(d -> s.addObject().put("name", d.name()));
        return root.toPrettyString();
    }
}
