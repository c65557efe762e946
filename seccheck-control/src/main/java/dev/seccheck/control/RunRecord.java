package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * RunRecord describes a running workload in its runtime directory ({@code run.json}): its id, the
 * supervisor's pid and that process's start time (so a reused pid is not mistaken for it), the
 * command, and when it started.
 */
public record RunRecord(String id, long pid, long pidStartTicks, List<String> command, Instant started) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public RunRecord {
        command = List.copyOf(command);
    }

    /** Returns a record for the current process. */
    public static RunRecord forThisProcess(String id, List<String> command) throws IOException {
        long pid = ProcessHandle.current().pid();
        return new RunRecord(id, pid, Procfs.startTicks(pid).orElseThrow(
                () -> new IOException("cannot read /proc/" + pid + "/stat")), command, Instant.now());
    }

    /** Returns whether the process that wrote this record is still alive (same pid, same start time). */
    public boolean alive() {
        return Procfs.startTicks(pid).stream().anyMatch(t -> t == pidStartTicks);
    }

    /** Returns the record as {@code run.json} holds it. */
    byte[] toJson() throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("pid", pid);
        n.put("pid_start_ticks", pidStartTicks);
        command.forEach(n.putArray("command")::add);
        n.put("started", started.toString());
        return JSON.writeValueAsBytes(n);
    }

    /** Parses a record made by {@link #toJson}; {@code where} names it in errors. */
    static RunRecord parse(byte[] data, String where) throws IOException {
        JsonNode n = JSON.readTree(data);
        if (n == null || !n.hasNonNull("id") || !n.hasNonNull("pid") || !n.hasNonNull("pid_start_ticks")) {
            throw new IOException(where + ": not a run record");
        }
        List<String> cmd = new ArrayList<>();
        n.path("command").forEach(c -> cmd.add(c.asText()));
        Instant started;
        try {
            started = Instant.parse(n.path("started").asText());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IOException(where + ": bad start time", e);
        }
        return new RunRecord(n.get("id").asText(), n.get("pid").asLong(), n.get("pid_start_ticks").asLong(), cmd, started);
    }
}
