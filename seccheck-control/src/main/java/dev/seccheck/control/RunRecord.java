package dev.seccheck.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.seccheck.linux.Procfs;
import java.io.ByteArrayOutputStream;
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

    /**
     * Writes the record with jackson-core's generator alone: an ObjectMapper's first use costs a
     * run tens of milliseconds before its program starts (its class initialisation builds date
     * formats and loads the locale data), and only the readers of records ({@code seccheck list})
     * need one ({@link Reader}).
     */
    private static final JsonFactory WRITER = new JsonFactory();

    /** The mapper {@link #parse} reads with, made on first use. */
    private static final class Reader {
        // A record holds each key once: a second "pid" must not silently name another process.
        static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    }

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

    /** Returns whether {@code other} describes the same run: its id, made by the same process. */
    public boolean sameProcess(RunRecord other) {
        return id.equals(other.id) && pid == other.pid && pidStartTicks == other.pidStartTicks;
    }

    /** Returns the record as {@code run.json} holds it. */
    byte[] toJson() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = WRITER.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeNumberField("pid", pid);
            g.writeNumberField("pid_start_ticks", pidStartTicks);
            g.writeArrayFieldStart("command");
            for (String c : command) {
                g.writeString(c);
            }
            g.writeEndArray();
            g.writeStringField("started", started.toString());
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /** Parses a record made by {@link #toJson}; {@code where} names it in errors. */
    static RunRecord parse(byte[] data, String where) throws IOException {
        JsonNode n = Reader.JSON.readTree(data);
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
