package dev.seccheck.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.abi.Sysno;
import dev.seccheck.format.Escape;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointDesc;
import dev.seccheck.points.SyscallSchema;
import dev.seccheck.sink.Selection;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * TraceOptions are the strace-shaped options of {@code run} and {@code exec}: what to trace
 * ({@code -e}), whom ({@code --pid}, {@code --comm}, {@code --path}), where and how to write it
 * ({@code -o}, {@code --format}, {@code -s}, {@code -t}, {@code -T}, {@code -v}). They build one
 * session as JSON, which joins the {@code --config} sessions, and which {@code --print-config} shows.
 */
final class TraceOptions {
    @Option(names = {"-e", "--trace"}, paramLabel = "EXPR",
            description = "What to trace, as strace's -e: [trace=]NAME,... with syscall names, groups "
                    + "(%%file, %%desc, %%network, %%process, %%signal, %%memory, %%creds, %%lifecycle) and lifecycle points "
                    + "(sentry/execve...). Repeatable. Default with other trace options: every syscall seccheck decodes.")
    List<String> trace = new ArrayList<>();

    @Option(names = "-o", paramLabel = "FILE", description = "Write the trace to FILE (appending) instead of stderr.")
    Path output;

    @Option(names = "-s", paramLabel = "N", description = "Cut strings after N characters, visibly (default 256; 0: never).")
    Integer stringLimit;

    @Option(names = "-t", description = "Start lines with the time of day; -tt with microseconds.")
    boolean[] time = new boolean[0];

    @Option(names = "-T", description = "End each call line with the time the call took.")
    boolean durations;

    @Option(names = "-v", description = "Show each executed program's environment in full (by default its count, "
            + "as strace shows it).")
    boolean verbose;

    @Option(names = "--format", paramLabel = "FMT", description = "text (strace-like, default), raw (E/X lines) or json (JSON lines, docs/json.md).")
    String format;

    @Option(names = "--pid", paramLabel = "PID", split = ",", description = "Show only these processes (thread group ids); "
            + "a policy still checks every process.")
    List<Integer> pids = new ArrayList<>();

    @Option(names = "--comm", paramLabel = "NAME", split = ",", description = "Show only processes with this name (comm); "
            + "a policy still checks every process.")
    List<String> comms = new ArrayList<>();

    @Option(names = "--path", paramLabel = "PREFIX", description = "Show only points touching a path under PREFIX "
            + "(a policy still checks every point). Repeatable.")
    List<String> paths = new ArrayList<>();

    @Option(names = {"-c", "--summary"}, description = "Count calls, errors and time per syscall and per process, "
            + "and print the tables at the end (to stderr or -o) instead of the lines, like strace -c. "
            + "With --format, print both.")
    boolean summary;

    @Option(names = "--print-config", description = "Print the session the options make, as JSON, and exit.")
    boolean printConfig;

    /** Says whether any option asks for the trace session. */
    boolean active() {
        return !trace.isEmpty() || output != null || stringLimit != null || time.length > 0 || durations || verbose
                || format != null || !pids.isEmpty() || !comms.isEmpty() || !paths.isEmpty() || summary;
    }

    /**
     * Returns the selection {@code --pid}, {@code --comm} and {@code --path} make (everything when
     * none is given); fails on a value that could never select anything (it selected nothing, silently).
     */
    Selection selection() {
        checkSelection();
        return new Selection(pids.stream().map(Integer::longValue).toList(), comms, paths);
    }

    /** The longest process name the kernel keeps (TASK_COMM_LEN less its NUL), in bytes. */
    private static final int COMM_MAX = 15;

    /** Fails naming a {@code --pid} that is no process id, or a {@code --comm} no process can have. */
    private void checkSelection() {
        for (int pid : pids) {
            if (pid <= 0) {
                throw new IllegalArgumentException("--pid: " + pid + " is no process id (they are above 0)");
            }
        }
        for (String comm : comms) {
            if (comm.isEmpty()) {
                throw new IllegalArgumentException("--comm: empty name");
            }
            if (comm.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > COMM_MAX) {
                throw new IllegalArgumentException("--comm: \"" + Escape.line(comm) + "\" is longer than the " + COMM_MAX
                        + " bytes of a process name (the kernel keeps the first 15)");
            }
        }
    }

    /** Returns the session the options make, as JSON, writing to stderr unless {@code -o}; empty when no option is given. */
    Optional<String> session(Catalog catalog) {
        return session(catalog, "trace", "stderr");
    }

    /**
     * Returns the session the options make, as JSON, named {@code name}, writing to
     * {@code defaultPath} unless {@code -o}; empty when no option is given.
     */
    Optional<String> session(Catalog catalog, String name, String defaultPath) {
        if (!active()) {
            return Optional.empty();
        }
        checkSelection();
        // A node factory, not an ObjectMapper: a mapper's class initialisation alone costs every run,
        // options or not, tens of milliseconds (its date formats load the locale data).
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("name", name);
        ArrayNode points = s.putArray("points");
        for (String point : pointNames(catalog)) {
            PointDesc d = catalog.byName(point).orElseThrow();
            ObjectNode p = points.addObject();
            p.put("name", point);
            if (!paths.isEmpty() && d.optionalField("fd_path").isPresent()) {
                p.putArray("optional_fields").add("fd_path");
            }
            ArrayNode ctx = p.putArray("context_fields");
            for (String f : List.of("group_id", "thread_id", "process_name", "time")) {
                if (d.contextField(f).isPresent() && (!f.equals("time") || time.length > 0)) {
                    ctx.add(f);
                }
            }
        }
        ArrayNode sinks = s.putArray("sinks");
        String path = output == null ? defaultPath : output.toString();
        if (summary) {
            ObjectNode c = sinks.addObject().put("name", "summary").putObject("config");
            c.put("path", path);
            only(c);
        }
        if (!summary || format != null) {
            text(sinks.addObject().put("name", "text").putObject("config"), path);
        }
        return Optional.of(s.toPrettyString());
    }

    private void text(ObjectNode c, String path) {
        c.put("path", path);
        c.put("format", switch (format == null ? "text" : format) {
            case "text", "strace" -> "strace";
            case "raw" -> "raw";
            case "json" -> "json";
            default -> throw new IllegalArgumentException("--format: must be text, raw or json, got \"" + format + "\"");
        });
        if (stringLimit != null) {
            c.put("string_limit", stringLimit);
        }
        if (time.length > 0) {
            c.put("time", time.length > 1 ? "us" : "s");
        }
        if (durations) {
            c.put("durations", true);
        }
        if (verbose) {
            c.put("verbose", true);
        }
        only(c);
    }

    /** Adds the selection keys the text and summary sinks share, so the printed session selects alike. */
    private void only(ObjectNode c) {
        if (!pids.isEmpty()) {
            pids.forEach(c.putArray("only_pids")::add);
        }
        if (!comms.isEmpty()) {
            comms.forEach(c.putArray("only_comms")::add);
        }
        if (!paths.isEmpty()) {
            paths.forEach(c.putArray("only_paths")::add);
        }
    }

    /** Expands {@code -e} into point names: each syscall's enter and exit, groups, lifecycle points. */
    private List<String> pointNames(Catalog catalog) {
        Set<String> items = new LinkedHashSet<>();
        Set<String> grouped = new LinkedHashSet<>();
        if (trace.isEmpty()) {
            SyscallSchema.ALL.forEach(x -> items.add(x.name()));
            items.addAll(TraceGroups.LIFECYCLE);
        }
        for (String expr : trace) {
            String list = expr.startsWith("trace=") ? expr.substring("trace=".length()) : expr;
            for (String item : list.split(",")) {
                if (item.isBlank()) {
                    continue;
                }
                if (item.startsWith("%")) {
                    List<String> g = TraceGroups.GROUPS.get(item.substring(1));
                    if (g == null) {
                        throw new IllegalArgumentException("-e " + expr + ": unknown group \"" + item + "\" (known: %"
                                + String.join(", %", TraceGroups.GROUPS.keySet().stream().sorted().toList()) + ")");
                    }
                    items.addAll(g);
                    grouped.addAll(g);
                } else {
                    items.add(item);
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (String item : items) {
            if (item.contains("/")) {
                if (catalog.byName(item).isEmpty()) {
                    throw new IllegalArgumentException("-e: unknown point \"" + item + "\"");
                }
                out.add(item);
                continue;
            }
            var nr = Sysno.byName(item);
            if (nr.isEmpty() && grouped.contains(item)) {
                continue; // A group member this architecture lacks, as strace skips it too.
            }
            if (nr.isEmpty()) {
                throw new IllegalArgumentException("-e: unknown syscall \"" + item + "\"");
            }
            String base = catalog.byName("syscall/" + item + "/enter").isPresent()
                    ? "syscall/" + item : "syscall/sysno/" + nr.getAsInt();
            if (catalog.byName(base + "/enter").isEmpty()) {
                continue; // A syscall seccheck cannot stop at (none on x86_64 today); nothing to enable.
            }
            out.add(base + "/enter");
            out.add(base + "/exit");
        }
        return out;
    }
}
