package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * seccheck side by side with strace on a fixed C program (src/test/c/fixed_calls.c, built static
 * so no loader opens differ): the strace-like lines equal {@code strace -f}'s for the calls both
 * decode, and {@code --summary}'s counts equal {@code strace -c -f}'s.
 */
class StraceComparisonTest {

    /** The calls both decode the same way (read's buffer is strace's alone, so read is only counted). */
    private static final String DECODED = "openat,close,socket,dup,chdir";
    /** The calls counted: the decoded ones, read, and wait4 (a raw point for seccheck). */
    private static final String COUNTED = DECODED + ",read,wait4";
    /** One row of a {@code strace -c} table (seccheck's has the same layout): calls, errors, name. */
    private static final Pattern ROW = Pattern.compile("^\\s*[\\d.]+\\s+[\\d.]+\\s+\\d+\\s+(\\d+)\\s+(\\d+)?\\s*([a-z0-9_]+)$");

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @TempDir
    Path tmp;

    private Path program() throws Exception {
        return CPrograms.compile("src/test/c/fixed_calls.c", tmp, "-static");
    }

    private int seccheck(String... args) {
        List<String> all = new ArrayList<>(List.of("run", "--root", tmp.resolve("root").toString(), "--quiet"));
        all.addAll(List.of(args));
        return Main.execute(all.toArray(String[]::new));
    }

    @Test
    void linesEqualStraceFForTheCallsBothDecode() throws Exception {
        Path prog = program();
        Path input = Files.writeString(tmp.resolve("in.txt"), "hello\n");
        Path straced = tmp.resolve("strace.txt");
        assertThat(CPrograms.strace("-f", "-o", straced.toString(), "-e", "trace=" + DECODED, prog.toString(),
                input.toString())).isZero();
        Path ours = tmp.resolve("seccheck.txt");
        assertThat(seccheck("-e", "trace=" + DECODED, "--comm", "fixed_calls", "-o", ours.toString(), "--",
                prog.toString(), input.toString())).isZero();

        Map<String, List<String>> expected = byProcess(Files.readAllLines(straced), 1);
        Map<String, List<String>> actual = byProcess(Files.readAllLines(ours), 2);
        assertThat(new ArrayList<>(actual.values())).as("seccheck's lines per process, in order")
                .isEqualTo(new ArrayList<>(expected.values()));
        assertThat(expected.values()).hasSize(2);
        assertThat(expected.values().iterator().next()).contains(
                "openat(AT_FDCWD, \"/nonexistent/seccheck-fixed-calls\", O_RDONLY) = -1 ENOENT (No such file or directory)",
                "socket(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0) = 4", "close(1000) = -1 EBADF (Bad file descriptor)");
    }

    @Test
    void summaryCountsEqualStraceC() throws Exception {
        Path prog = program();
        Path input = Files.writeString(tmp.resolve("in.txt"), "hello\n");
        Path straced = tmp.resolve("strace-c.txt");
        assertThat(CPrograms.strace("-c", "-f", "-o", straced.toString(), "-e", "trace=" + COUNTED, prog.toString(),
                input.toString())).isZero();
        Path ours = tmp.resolve("summary.txt");
        assertThat(seccheck("--summary", "-e", "trace=" + COUNTED, "-o", ours.toString(), "--",
                prog.toString(), input.toString())).isZero();

        List<String> summary = Files.readAllLines(ours);
        int processTable = summary.indexOf("");
        assertThat(processTable).as("a blank line between the syscall and the process tables").isPositive();
        Map<String, List<Long>> theirs = table(Files.readAllLines(straced));
        Map<String, List<Long>> mine = table(summary.subList(0, processTable));
        assertThat(mine).isEqualTo(theirs);
        assertThat(mine).containsEntry("openat", List.of(6L, 1L)).containsEntry("close", List.of(7L, 1L))
                .containsEntry("wait4", List.of(1L, 0L));
        // The per-process table: both processes of the program, each with its own calls.
        List<String> processes = summary.subList(processTable + 1, summary.size());
        assertThat(processes).filteredOn(l -> l.endsWith(" fixed_calls")).hasSize(2);
    }

    /** Returns each process's lines in order, without the pid (and comm) columns and strace's alignment. */
    private static Map<String, List<String>> byProcess(List<String> lines, int prefixWords) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String line : lines) {
            String[] parts = line.split(" +", prefixWords + 1);
            if (parts.length <= prefixWords || parts[prefixWords].startsWith("+++") || parts[prefixWords].startsWith("---")) {
                continue;
            }
            String call = parts[prefixWords].replaceAll("\\) +=", ") =");
            out.computeIfAbsent(parts[0], k -> new ArrayList<>()).add(call);
        }
        return out;
    }

    /** Returns name to [calls, errors] for the rows of a strace -c table. */
    private static Map<String, List<Long>> table(List<String> lines) {
        Map<String, List<Long>> out = new LinkedHashMap<>();
        for (String line : lines) {
            Matcher m = ROW.matcher(line);
            if (m.matches() && !m.group(3).equals("total")) {
                out.put(m.group(3), List.of(Long.parseLong(m.group(1)), m.group(2) == null ? 0L : Long.parseLong(m.group(2))));
            }
        }
        return out;
    }
}
