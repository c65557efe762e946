package dev.seccheck.sinks.policy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.abi.Errno;
import dev.seccheck.points.Point;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.sink.Destination;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.NameChange;
import dev.seccheck.sink.SharedLines;
import dev.seccheck.sink.TrailStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * AlertLog writes one JSON object per line for every rule that denies, kills or logs: when, which
 * rule and point, what the task was, and the values the rule matched on ({@link AlertValues}).
 * Each write says whether the line reached the stream ({@link TrailStream}), and the lines that
 * did not are counted.
 */
final class AlertLog {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the lines go; closed with the log when the sink owns it. */
    private final Destination.Stream stream;
    /** The alerts whose line the stream did not take (a full disk). */
    private final LongAdder dropped = new LongAdder();

    AlertLog(Destination.Stream stream) {
        this.stream = stream;
    }

    /**
     * Why a message decided on is not the point's own, said in its alerts as {@code key: value}:
     * {@code interpreter_of} the script executed, for a program the kernel ran for it;
     * {@code named_address} the address named, for the peer it reaches.
     */
    record Because(String key, String value) {}

    /**
     * Writes the alert of a rule that matched {@code msg}; {@code because}, when not null, says why
     * {@code msg} is not the point's own message.
     */
    boolean alert(Rule rule, Point point, Message msg, Because because) {
        return write(rule, point, msg, rule.action(), null, because);
    }

    /**
     * Writes the alert of a rule that could not be checked because {@code gap} was not obtained:
     * {@code taken} is what {@code on_missing} did, and {@code missing} names the field and why.
     */
    boolean missing(Rule rule, Point point, Message msg, Action taken, Missing.Field gap, Because because) {
        return write(rule, point, msg, taken, gap, because);
    }

    /** Writes the alert of a refused change of names ({@link PolicySink#refuses}), and {@code why}. */
    boolean nameChange(Rule rule, NameChange c, String why) {
        // A file executed has been mapped already: the program is killed before its first instruction.
        ObjectNode n = head(rule, c.kind() == NameChange.Kind.READ ? new Action.Kill() : new Action.Deny(Errno.EPERM), null);
        n.put("syscall", c.syscall());
        task(n, c.pid(), c.tid(), c.processName());
        ObjectNode what = n.putObject(switch (c.kind()) {
            case MOVE -> "renaming";
            case CREATE -> "creating";
            case REMOVE -> "removing";
            case ALTER, ACCESS -> "altering";
            case READ -> "executing";
        });
        if (c.kind() == NameChange.Kind.MOVE) {
            what.put("from", AlertValues.string(c.from()));
            what.put("to", AlertValues.string(c.to()));
        } else {
            what.put("name", AlertValues.string(c.kind() == NameChange.Kind.CREATE ? c.to() : c.from()));
        }
        if (c.symlink()) {
            what.put("symlink", true);
        }
        what.put("why", why);
        return print(n);
    }

    /**
     * Writes the alert of a name refused as a bind of a socket there ({@link PolicySink#decideSocketName}):
     * the rule's own action and errno, as its alert at bind's point has, the change, and {@code why}.
     */
    boolean socketName(Rule rule, NameChange c, String why) {
        ObjectNode n = head(rule, rule.action(), null);
        n.put("point", "syscall/bind/enter");
        n.put("syscall", c.syscall());
        task(n, c.pid(), c.tid(), c.processName());
        ObjectNode what = n.putObject(c.kind() == NameChange.Kind.MOVE ? "renaming" : "creating");
        if (c.kind() == NameChange.Kind.MOVE) {
            what.put("from", AlertValues.string(c.from()));
            what.put("to", AlertValues.string(c.to()));
        } else {
            what.put("name", AlertValues.string(c.to()));
        }
        if (c.symlink()) {
            what.put("symlink", true);
        }
        if (c.directory()) {
            what.put("directory", true);
        }
        what.put("why", why);
        n.putObject("matched").put("unix_path", AlertValues.string(c.to()));
        return print(n);
    }

    /** The fields every alert starts with: when, what was done, and by which rule. */
    private static ObjectNode head(Rule rule, Action taken, Missing.Field gap) {
        ObjectNode n = JSON.createObjectNode();
        n.put("time", Instant.now().toString());
        n.put("alert", "seccheck policy");
        n.put("action", switch (taken) {
            case Action.Allow a -> "allow";
            case Action.Deny d -> "deny";
            case Action.Kill k -> "kill";
            case Action.Log l -> "log";
        });
        if (taken instanceof Action.Deny d) {
            n.put("errno", Errno.name(d.errno()));
        }
        if (gap != null) {
            n.put("missing", AlertValues.string(gap.toString()));
        }
        n.put("rule", rule.index());
        if (rule.label() != null) {
            n.put("rule_name", rule.label());
        }
        return n;
    }

    /** The task the alert is about, as far as it is known (0 and "" are not). */
    private static void task(ObjectNode n, int pid, int tid, String processName) {
        if (pid != 0) {
            n.put("pid", pid);
        }
        if (tid != 0) {
            n.put("tid", tid);
        }
        if (!processName.isEmpty()) {
            n.put("process_name", AlertValues.string(processName));
        }
    }

    private boolean write(Rule rule, Point point, Message msg, Action taken, Missing.Field gap, Because because) {
        ObjectNode n = head(rule, taken, gap);
        n.put("point", point.name());
        if (because != null) {
            n.put(because.key(), AlertValues.string(because.value()));
        }
        FieldDescriptor ctx = msg.getDescriptorForType().findFieldByName("context_data");
        if (ctx != null && msg.hasField(ctx)) {
            ContextData c = (ContextData) msg.getField(ctx);
            task(n, c.getThreadGroupId(), c.getThreadId(), c.getProcessName());
            if (!c.getContainerId().isEmpty()) {
                n.put("container_id", AlertValues.string(c.getContainerId()));
            }
        }
        ObjectNode matched = n.putObject("matched");
        for (Rule.Condition c : rule.conditions()) {
            // Strings the program chose are escaped like the text sink's, so an alert read with jq -r
            // cannot print a forged line either, and kept whole (lists element by element), so two
            // different events never give the same alert.
            matched.set(c.key().name(), AlertValues.value(c.key().value(msg)));
        }
        return print(n);
    }

    /** Writes the alert's line; returns whether the stream took it (a line it did not is counted). */
    private boolean print(ObjectNode n) {
        String line;
        try {
            line = JSON.writeValueAsString(n);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            line = "{\"alert\":\"seccheck policy\",\"error\":\"cannot encode alert\"}";
        }
        String alert = line;
        PrintStream out = stream.out();
        // A call line another sink left open on the same stream is ended first, not split; the
        // alert and its line end are one write.
        boolean written = SharedLines.written(out, null, () -> {
            out.print(alert + System.lineSeparator());
            return TrailStream.wrote(out);
        });
        if (!written) {
            dropped.increment();
        }
        return written;
    }

    /** Returns how many alerts the stream did not take. */
    long dropped() {
        return dropped.sum();
    }

    void close() {
        stream.close();
    }
}
