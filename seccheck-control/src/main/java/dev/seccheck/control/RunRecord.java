package dev.seccheck.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** Writes the record atomically (write a temporary file, then rename). */
    void write(Path file) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", id);
        n.put("pid", pid);
        n.put("pid_start_ticks", pidStartTicks);
        command.forEach(n.putArray("command")::add);
        n.put("started", started.toString());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, JSON.writeValueAsString(n));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads a record written by {@link #write}. */
    static RunRecord read(Path file) throws IOException {
        JsonNode n = JSON.readTree(file.toFile());
        if (n == null || !n.hasNonNull("id") || !n.hasNonNull("pid") || !n.hasNonNull("pid_start_ticks")) {
            throw new IOException(file + ": not a run record");
        }
        List<String> cmd = new ArrayList<>();
        n.path("command").forEach(c -> cmd.add(c.asText()));
        Instant started;
        try {
            started = Instant.parse(n.path("started").asText());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IOException(file + ": bad start time", e);
        }
        return new RunRecord(n.get("id").asText(), n.get("pid").asLong(), n.get("pid_start_ticks").asLong(), cmd, started);
    }
}
