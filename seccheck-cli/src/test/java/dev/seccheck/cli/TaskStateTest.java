package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TaskStateTest: what seccheck remembers of a task stays true when the program changes it behind
 * seccheck's back ({@code task_state.c}), as root and as uid 65534, each route run natively first
 * so that a test cannot pass for want of it. Before: a chdir by a {@code clone(CLONE_FS)} child, or
 * a rename of the cwd, left the cwd of the caller's process as it was, and a deny rule on an exec's
 * {@code resolved_path} let the tool run; a process whose parent exited named the dead one as its
 * parent; a thread renamed by {@code prctl(PR_SET_NAME)} or a write to {@code /proc/self/comm} kept
 * the name of its exec in every point.
 */
class TaskStateTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aChdirByACloneFsChildMovesTheCwdRulesResolveFrom() throws Exception {
        cloneFsChdir(tmp, null);
    }

    @Test
    void aChdirByACloneFsChildMovesTheCwdRulesResolveFromUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        cloneFsChdir(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    @Test
    void aRenameOfTheCwdMovesTheCwdRulesResolveFrom() throws Exception {
        renamedCwd(tmp, null);
    }

    @Test
    void aRenameOfTheCwdMovesTheCwdRulesResolveFromUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        renamedCwd(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    @Test
    void aProcessWhoseParentExitedNamesItsNewParent() throws Exception {
        reparented(tmp, null);
    }

    @Test
    void aProcessWhoseParentExitedNamesItsNewParentUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        reparented(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    @Test
    void aThreadRenamedByPrctlIsReportedByItsNewName() throws Exception {
        renamedThread(tmp, null, "prctl");
    }

    @Test
    void aThreadRenamedByPrctlIsReportedByItsNewNameUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        renamedThread(PackagedCli.nobodysDir(tmp.resolve("u")), classpath, "prctl");
    }

    @Test
    void aThreadRenamedThroughItsCommFileIsReportedByItsNewName() throws Exception {
        renamedThread(tmp, null, "comm");
    }

    @Test
    void aThreadRenamedThroughItsCommFileIsReportedByItsNewNameUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        renamedThread(PackagedCli.nobodysDir(tmp.resolve("u")), classpath, "comm");
    }

    private static void cloneFsChdir(Path base, String nobodysClasspath) throws Exception {
        Path pub = Files.createDirectory(base.resolve("pub"));
        Path priv = Files.createDirectory(base.resolve("priv"));
        Files.copy(Path.of("/bin/echo"), priv.resolve("tool"), StandardCopyOption.COPY_ATTRIBUTES);
        deniedTool(base, nobodysClasspath, priv, "share", pub.toString(), priv.toString());
    }

    private static void renamedCwd(Path base, String nobodysClasspath) throws Exception {
        Path renamed = Files.createDirectories(base.resolve("r"));
        Files.createDirectory(renamed.resolve("d1"));
        Files.copy(Path.of("/bin/echo"), renamed.resolve("d1/tool"), StandardCopyOption.COPY_ATTRIBUTES);
        if (nobodysClasspath != null) {
            owned(renamed);
        }
        deniedTool(base, nobodysClasspath, renamed.resolve("d2"), "rename", renamed.toString());
        // natively the rename was made: the next run starts afresh
    }

    /**
     * Runs task_state with {@code args}, natively (the tool in {@code denied} runs) and under a
     * rule denying the exec of anything in {@code denied} by its resolved path (refused).
     */
    private static void deniedTool(Path base, String nobodysClasspath, Path denied, String... args) throws Exception {
        Path program = CPrograms.compile("src/test/c/task_state.c", base);
        List<String> command = new ArrayList<>(List.of(program.toString()));
        command.addAll(List.of(args));
        ProcessResult natively = ProcessResult.of(natively(nobodysClasspath, command), base, 60);
        assertThat(natively.out()).as("natively").contains("PRIV TOOL RAN");
        if (args[0].equals("rename")) { // put the directory back as it was
            Path dir = Path.of(args[1]);
            Files.delete(dir.resolve("d1"));
            Files.move(dir.resolve("d2"), dir.resolve("d1"));
        }
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "guard", "points": [{"name": "syscall/execve/enter", "context_fields": ["cwd", "process_name"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"name": "no priv tools", "point": "syscall/execve/enter",
                    "match": {"resolved_path": {"prefix": "%s/"}}, "action": "deny", "errno": "EACCES"}]}}]}"""
                .formatted(base.resolve("alerts.jsonl"), denied));
        ProcessResult r = ProcessResult.of(underSeccheck(base, nobodysClasspath, config, command), base, 120);
        assertThat(r.out()).as(r.out()).doesNotContain("PRIV TOOL RAN").contains("exec: Permission denied");
        assertThat(Files.readString(base.resolve("alerts.jsonl"))).contains(denied + "/tool");
    }

    private static void reparented(Path base, String nobodysClasspath) throws Exception {
        Path program = CPrograms.compile("src/test/c/task_state.c", base);
        List<String> command = List.of(program.toString(), "reparent");
        Pattern ids = Pattern.compile("A=(\\d+) C=(\\d+) ppid=(\\d+)");
        Matcher n = ids.matcher(ProcessResult.of(natively(nobodysClasspath, command), base, 60).out());
        assertThat(n.find()).isTrue();
        assertThat(n.group(3)).as("natively C's parent is A, the subreaper").isEqualTo(n.group(1));

        Path trail = base.resolve("trail.jsonl");
        Path config = Files.writeString(base.resolve("observe.json"), """
                {"name": "observe", "points": [{"name": "sentry/execve",
                   "context_fields": ["group_id", "parent_thread_group_id", "process_name"]}],
                 "sinks": [{"name": "text", "config": {"format": "json", "path": "%s"}}]}""".formatted(trail));
        ProcessResult r = ProcessResult.of(underSeccheck(base, nobodysClasspath, config, command), base, 120);
        Matcher m = ids.matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        assertThat(m.group(3)).isEqualTo(m.group(1));
        JsonNode exec = points(trail, "sentry/execve").stream()
                .filter(p -> p.path("context").path("thread_group_id").asText().equals(m.group(2)))
                .findFirst().orElseThrow(() -> new AssertionError("no sentry/execve of C in the trail"));
        assertThat(exec.path("context").path("parent_thread_group_id").asText())
                .as("C's parent: A, not the exited B").isEqualTo(m.group(1));
    }

    private static void renamedThread(Path base, String nobodysClasspath, String how) throws Exception {
        Path program = CPrograms.compile("src/test/c/task_state.c", base);
        Path marker = Files.writeString(base.resolve("marker"), "x");
        List<String> command = List.of(program.toString(), how, marker.toString());
        assertThat(ProcessResult.of(natively(nobodysClasspath, command), base, 60).out())
                .as("natively").contains("name innocent", "open ok");

        // A policy deciding on opens, so that seccheck performs them: that is where a write to comm is seen.
        Path trail = base.resolve("trail.jsonl");
        Path config = Files.writeString(base.resolve("observe.json"), """
                {"name": "observe", "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"],
                   "context_fields": ["group_id", "process_name"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [{"point": "syscall/openat/enter",
                     "match": {"resolved_path": {"prefix": "/nonexistent/"}}, "action": "deny"}]}},
                   {"name": "text", "config": {"format": "json", "path": "%s"}}]}""".formatted(trail));
        ProcessResult r = ProcessResult.of(underSeccheck(base, nobodysClasspath, config, command), base, 120);
        assertThat(r.out()).as(r.out()).contains("name innocent", "open ok");
        JsonNode open = points(trail, "syscall/openat/enter").stream()
                .filter(p -> p.path("fields").path("pathname").asText().equals(marker.toString()))
                .findFirst().orElseThrow(() -> new AssertionError("no open of the marker in the trail"));
        assertThat(open.path("context").path("process_name").asText()).isEqualTo("innocent");
    }

    /** The points named {@code point} in the JSON trail {@code trail}. */
    private static List<JsonNode> points(Path trail, String point) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(trail)) {
            JsonNode n = JSON.readTree(line);
            if (n.path("point").asText().equals(point)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Gives {@code dir} and what is in it to uid 65534, which renames it. */
    private static void owned(Path dir) throws Exception {
        var nobody = dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY));
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                Files.setOwner(p, nobody);
            }
        }
    }

    private static List<String> natively(String nobodysClasspath, List<String> command) {
        return nobodysClasspath != null ? PackagedCli.nobody(command.toArray(String[]::new)) : command;
    }

    /** {@code command} under seccheck with the session of {@code config}, as uid 65534 from {@code nobodysClasspath} when set. */
    private static List<String> underSeccheck(Path base, String nobodysClasspath, Path config, List<String> command) {
        List<String> cmd = new ArrayList<>(nobodysClasspath != null ? PackagedCli.asNobody(nobodysClasspath)
                : PackagedCli.java(System.getProperty("java.class.path")));
        cmd.addAll(List.of("run", "--quiet", "--root", base.resolve("root").toString(), "--config", config.toString(),
                "--"));
        cmd.addAll(command);
        return cmd;
    }
}
