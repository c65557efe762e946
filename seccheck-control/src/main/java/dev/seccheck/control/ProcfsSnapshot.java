package dev.seccheck.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * ProcfsSnapshot reads what {@code trace procfs} reports about one process, so that a consumer
 * attaching late can catch up: pid, ppid, exe, args, env, cwd, status with credentials, start
 * time, open fds with their paths, and limits. A process that vanishes midway yields nothing.
 */
public final class ProcfsSnapshot {
    private ProcfsSnapshot() {}

    /** Linux reports process times in USER_HZ ticks, 100 per second on every x86-64 kernel. */
    private static final long TICKS_PER_SECOND = 100;

    /** Returns the snapshot of a process, or empty if it is gone. */
    public static Optional<ObjectNode> of(long pid) {
        Path proc = Procfs.dir(pid);
        try {
            ObjectNode n = Wire.JSON.createObjectNode();
            n.put("pid", pid);
            String[] stat = Procfs.statFieldsAfterComm(pid);
            n.put("ppid", Procfs.statPpid(stat));
            n.put("exe", link(pid, "exe"));
            nulSeparated(n.putArray("args"), pid, "cmdline");
            nulSeparated(n.putArray("env"), pid, "environ");
            n.put("cwd", link(pid, "cwd"));
            n.set("status", status(Procfs.readStatus(pid)));
            n.put("start_time_ns", startTimeNs(Procfs.statStartTicks(stat)));
            n.set("fds", fds(pid, proc.resolve("fd")));
            n.set("limits", limits(proc.resolve("limits")));
            return Optional.of(n);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String link(long pid, String name) {
        try {
            return Procfs.readLink(pid, name);
        } catch (IOException e) {
            return "[err: " + e.getClass().getSimpleName() + "]";
        }
    }

    private static void nulSeparated(ArrayNode out, long pid, String file) throws IOException {
        try {
            Procfs.readStrings(pid, file).forEach(out::add);
        } catch (java.nio.file.AccessDeniedException e) {
            // Another user's process: its environment is not ours to read.
        }
    }

    private static ObjectNode status(Procfs.Status status) {
        ObjectNode s = Wire.JSON.createObjectNode();
        for (var line : status.fields().entrySet()) {
            String key = line.getKey();
            String value = line.getValue();
            switch (key) {
                case "Name", "State", "Tgid", "PPid", "Threads", "Umask", "CapEff", "CapPrm", "NoNewPrivs", "Seccomp" ->
                    s.put(key.toLowerCase(), value);
                case "Uid", "Gid" -> {
                    ArrayNode ids = s.putArray(key.toLowerCase());
                    for (String id : value.split("\\s+")) {
                        ids.add(Long.parseLong(id));
                    }
                }
                default -> { }
            }
        }
        return s;
    }

    private static long startTimeNs(long ticks) throws IOException {
        long bootSeconds = Procfs.bootTimeSeconds();
        return bootSeconds * 1_000_000_000L + ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }

    private static ArrayNode fds(long pid, Path dir) throws IOException {
        ArrayNode fds = Wire.JSON.createArrayNode();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            List<Path> sorted = new java.util.ArrayList<>();
            entries.forEach(sorted::add);
            sorted.sort(java.util.Comparator.comparingInt(e -> Integer.parseInt(e.getFileName().toString())));
            for (Path e : sorted) {
                ObjectNode fd = fds.addObject();
                fd.put("fd", Integer.parseInt(e.getFileName().toString()));
                fd.put("path", link(pid, "fd/" + e.getFileName()));
            }
        } catch (java.nio.file.AccessDeniedException e) {
            return fds;
        }
        return fds;
    }

    private static ArrayNode limits(Path p) throws IOException {
        ArrayNode out = Wire.JSON.createArrayNode();
        List<String> lines = Files.readAllLines(p);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            // Columns are fixed-width: name (26), soft (21), hard (21), units.
            if (line.length() < 47) {
                continue;
            }
            ObjectNode l = out.addObject();
            l.put("name", line.substring(0, 26).trim());
            l.put("soft", line.substring(26, 47).trim());
            l.put("hard", line.substring(47, Math.min(68, line.length())).trim());
            if (line.length() > 68) {
                l.put("units", line.substring(68).trim());
            }
        }
        return out;
    }
}
