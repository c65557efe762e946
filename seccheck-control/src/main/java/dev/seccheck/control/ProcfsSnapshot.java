package dev.seccheck.control;

import dev.seccheck.procfs.NulStrings;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        Path proc = Path.of("/proc", Long.toString(pid));
        try {
            ObjectNode n = Wire.JSON.createObjectNode();
            n.put("pid", pid);
            String[] stat = ProcStat.fieldsAfterComm(pid);
            n.put("ppid", Long.parseLong(stat[1]));
            n.put("exe", link(proc.resolve("exe")));
            nulSeparated(n.putArray("args"), proc.resolve("cmdline"));
            nulSeparated(n.putArray("env"), proc.resolve("environ"));
            n.put("cwd", link(proc.resolve("cwd")));
            n.set("status", status(proc.resolve("status")));
            n.put("start_time_ns", startTimeNs(Long.parseLong(stat[19])));
            n.set("fds", fds(proc.resolve("fd")));
            n.set("limits", limits(proc.resolve("limits")));
            return Optional.of(n);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            return "[err: " + e.getClass().getSimpleName() + "]";
        }
    }

    private static void nulSeparated(ArrayNode out, Path p) throws IOException {
        byte[] data;
        try {
            data = Files.readAllBytes(p);
        } catch (java.nio.file.AccessDeniedException e) {
            return;
        }
        NulStrings.split(data).forEach(out::add);
    }

    private static ObjectNode status(Path p) throws IOException {
        ObjectNode s = Wire.JSON.createObjectNode();
        for (String line : Files.readAllLines(p)) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
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
        long bootSeconds = -1;
        for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
            if (line.startsWith("btime ")) {
                bootSeconds = Long.parseLong(line.substring(6).trim());
            }
        }
        if (bootSeconds < 0) {
            throw new IOException("/proc/stat has no btime");
        }
        return bootSeconds * 1_000_000_000L + ticks * (1_000_000_000L / TICKS_PER_SECOND);
    }

    private static ArrayNode fds(Path dir) throws IOException {
        ArrayNode fds = Wire.JSON.createArrayNode();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            List<Path> sorted = new java.util.ArrayList<>();
            entries.forEach(sorted::add);
            sorted.sort(java.util.Comparator.comparingInt(e -> Integer.parseInt(e.getFileName().toString())));
            for (Path e : sorted) {
                ObjectNode fd = fds.addObject();
                fd.put("fd", Integer.parseInt(e.getFileName().toString()));
                fd.put("path", link(e));
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
