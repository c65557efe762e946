package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy sink enforcing rules on real programs run by {@code seccheck run} (a separate JVM). */
class PolicyEnforcementTest {

    @TempDir
    Path tmp;

    @Test
    void denyFailsTheSyscallWithTheErrnoAndLogsAnAlert() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.key"), "hunter2");
        Path other = Files.writeString(tmp.resolve("notes.txt"), "hello");
        Path alerts = tmp.resolve("alerts.jsonl");
        Path config = config(alerts, """
                {"name": "no keys", "point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                 "action": "deny", "errno": "EACCES"}""");

        Result r = run(config, "sh", "-c", "cat " + other + "; cd " + tmp + " && cat ./secret.key; echo status=$?");

        assertThat(r.code).isZero();
        assertThat(r.out).contains("hello").contains("Permission denied").contains("status=1").doesNotContain("hunter2");
        JsonNode alert = new ObjectMapper().readTree(Files.readAllLines(alerts).get(0));
        assertThat(alert.path("action").asText()).isEqualTo("deny");
        assertThat(alert.path("errno").asText()).isEqualTo("EACCES");
        assertThat(alert.path("rule_name").asText()).isEqualTo("no keys");
        assertThat(alert.path("process_name").asText()).isEqualTo("cat");
        assertThat(alert.path("matched").path("resolved_path").asText()).isEqualTo(secret.toString());
    }

    /**
     * A path rule holds for the files it named at load under any later name: the program hard-links
     * one out of the rule's glob and opens the new name. Renaming them (or their
     * directory) out of the glob is refused: it would take the names away as rm would. Each route
     * succeeds natively, so the test cannot pass vacuously.
     */
    /**
     * A path made to be slow to match does not hold the run. The rule's glob has five stars, and
     * the program opens a path of 2,000 levels none of which ends in {@code .pem}: a backtracking
     * regex tried every way of splitting the path among the stars, and the open (with every other
     * open of the run, waiting behind it on the notifier) was held for far longer than the test's
     * 60 s. Natively the open fails with ENOENT at once, and so it does under the policy, which
     * then still denies the file it names.
     */
    @Test
    void aPathCraftedAgainstTheRulesGlobDoesNotHoldTheRun() throws Exception {
        craftedPath(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aPathCraftedAgainstTheRulesGlobDoesNotHoldTheRunUnprivileged() throws Exception {
        unprivileged(this::craftedPath);
    }

    private void craftedPath(Path base, String nobodysClasspath) throws Exception {
        Path dir = Files.createDirectories(base.resolve("keys/web"));
        Path pem = Files.writeString(dir.resolve("server.pem"), "hunter2");
        String program = """
                import sys
                for p in (sys.argv[1] + '/' + 'a/' * 2000 + 'b', sys.argv[2]):
                    try:
                        print('read', open(p).read())
                    except OSError as e:
                        print('errno', e.errno)
                """;
        String[] command = {"/usr/bin/python3", "-c", program, base.toString(), pem.toString()};
        ProcessResult natively = ProcessResult.of(natively(nobodysClasspath != null, command), base, 60);
        assertThat(natively.out()).isEqualTo("errno 2\nread hunter2\n");

        Path config = config(base.resolve("alerts.jsonl"), """
                {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "%s/**/**/*.pem"}},
                 "action": "deny", "errno": "EACCES"}""".formatted(base));
        ProcessResult r = ProcessResult.of(runCommand(cli(nobodysClasspath), config, command), base, 60);
        assertThat(r.out()).as(r.out()).startsWith("errno 2\nerrno 13\n");
        assertThat(r.code()).as(r.out()).isZero();
    }

    @Test
    void hardLinksAndRenamesOfADeniedFileAreDenied() throws Exception {
        Path denied = Files.createDirectory(tmp.resolve("s"));
        for (String f : List.of("a", "b", "c")) {
            Files.writeString(denied.resolve(f), "SECRET-" + f + "\n");
        }
        Path alerts = tmp.resolve("alerts.jsonl");
        Path config = noSecretsBelow(denied, alerts);
        String routes = "cd " + tmp + " && ln s/a l/linked && cat l/linked; mv s/b l/renamed && cat l/renamed;"
                + " mv s t && cat t/c; echo done";
        String undo = "cd " + tmp + " && rm l/linked && mv l/renamed t/b && mv t s";

        ProcessBuilder natively = new ProcessBuilder("sh", "-c", routes).redirectErrorStream(true);
        Process p = natively.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as("natively").contains("SECRET-a", "SECRET-b", "SECRET-c");
        assertThat(new ProcessBuilder("sh", "-c", undo).start().waitFor()).isZero();

        Result r = run(config, "sh", "-c", routes);

        // The link and the renames would give files the rule keeps names it does not reach: refused
        // (EPERM). Before, the link was made, the open through it denied: the rule knew the file by
        // device and inode, which kept it from this run only, not from other users.
        assertThat(r.out).doesNotContain("SECRET").contains("done");
        assertThat(r.out.lines().filter(l -> l.contains("Permission denied"))).isEmpty();
        assertThat(r.out.lines().filter(l -> l.contains("Operation not permitted"))).hasSize(3);
        List<JsonNode> denials = new ArrayList<>();
        for (String line : Files.readAllLines(alerts)) {
            denials.add(new ObjectMapper().readTree(line));
        }
        assertThat(denials).hasSize(3).allMatch(a -> a.path("rule_name").asText().equals("no secrets"));
        List<String> what = denials.stream().map(a -> a.path("renaming").path("from").asText() + " -> "
                + a.path("renaming").path("to").asText()).toList();
        assertThat(what.subList(0, 2)).containsExactly(tmp + "/s/a -> " + tmp + "/l/linked",
                tmp + "/s/b -> " + tmp + "/l/renamed");
        assertThat(what.get(2)).as("mv s t: the first name below s/ checked").startsWith(tmp + "/s/")
                .contains(" -> " + tmp + "/t/");
        assertThat(tmp.resolve("l/linked")).doesNotExist();
        assertThat(denied.resolve("b")).exists();
        assertThat(tmp.resolve("t")).doesNotExist();
    }

    /**
     * Rules whose names cannot be listed at load (a negated matcher, a glob without a literal
     * start, a glob on a directory's contents) keep their files in reach: a hard link or a move that
     * would give a denied file a name the rule does not reach is refused with EPERM, and an alert
     * names the rule, the old and the new name. Moves the rules still reach go through. Every route
     * reads its secret natively (in a tree of its own), so the test cannot pass vacuously.
     */
    @Test
    void linksAndRenamesOutOfANegatedOrRelativeRulesReachAreRefused() throws Exception {
        linksAndRenamesRefused(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534), the files theirs. */
    @Test
    void linksAndRenamesOutOfANegatedOrRelativeRulesReachAreRefusedUnprivileged() throws Exception {
        unprivileged(this::linksAndRenamesRefused);
    }

    /**
     * A thread rewrites the string execve gets as argv[2] and as the environment while the kernel
     * copies it (src/test/c/hostile.c, race-exec: 1,000 execs, rewritten 0-990 us into the call). A
     * policy killing at sentry/execve on that string kills every exec that got it: sentry/execve
     * reads what the new program got. Read from the caller at the enter, 217 of 2,000 passed.
     * Natively the string reaches some of the new programs, so the test cannot pass vacuously.
     */
    @Test
    void rewritingAnExecsArgumentsCannotWalkAroundAnExecRule() throws Exception {
        execRace(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void rewritingAnExecsArgumentsCannotWalkAroundAnExecRuleUnprivileged() throws Exception {
        unprivileged(this::execRace);
    }

    private void execRace(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path hostile = TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-sentry/src/test/c/hostile.c"),
                base.resolve("hostile"));
        String n = "1000";
        // The race is won natively only now and then (CI once saw 0 of 1,000): up to three tries show it can be.
        Result natively = null;
        for (int i = 0; i < 3 && (natively == null || natively.out.strip().startsWith("wins 0 ")); i++) {
            natively = finish(new ProcessBuilder(natively(nobody, hostile.toString(), "race-exec", n))
                    .redirectErrorStream(true).start());
        }
        assertThat(natively.out.strip()).startsWith("wins ").doesNotStartWith("wins 0 ");

        Path config = Files.writeString(base.resolve("exec-policy.json"), """
                {"name": "exec guard",
                 "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"point": "sentry/execve", "match": {"argv": "SECCHECK_RACE=forbidden"}, "action": "kill"},
                   {"point": "sentry/execve", "match": {"env": "SECCHECK_RACE=forbidden"}, "action": "kill"}]}}]}"""
                .formatted(base.resolve("alerts.jsonl")));
        List<String> java = cli(nobodysClasspath);
        Result r = finish(new ProcessBuilder(runCommand(java, config, hostile.toString(), "race-exec", n))
                .redirectErrorStream(true).start());
        assertThat(r.out.strip()).startsWith("wins 0 of " + n + ",");
        assertThat(r.out.strip()).as("the execs that got the allowed string ran").doesNotEndWith(" 0 clean");
        assertThat(Files.readAllLines(base.resolve("alerts.jsonl"))).as("the execs that got the string were killed")
                .anyMatch(l -> l.contains("\"action\":\"kill\""));
    }

    /**
     * Runs the link and rename routes in trees below {@code base}, natively and supervised, as root
     * when {@code nobodysClasspath} is null, else as uid 65534 with that class path.
     */
    private void linksAndRenamesRefused(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        String routes = "cd %s && ln o/s1 p/s1 && cat p/s1; mv o/s2 p/s2 && cat p/s2; mv o/d p/d && cat p/d/s3;"
                + " mv p/a.key p/a.txt && cat p/a.txt; ln p/b.key p/b.txt && cat p/b.txt;"
                + " mv p/secret p/open && cat p/open/s4; mv o/x o/y && echo moved-within;"
                + " mv p/c.txt p/c2.txt && cat p/c2.txt; echo done";
        Path nativeTree = renamingTree(Files.createDirectory(base.resolve("n")), nobody);
        String sh = routes.formatted(nativeTree);
        Result natively = finish(new ProcessBuilder(natively(nobody, "sh", "-c", sh)).redirectErrorStream(true).start());
        assertThat(natively.out).contains("SECRET-1", "SECRET-2", "SECRET-3", "SECRET-A", "SECRET-B", "SECRET-4",
                "moved-within", "open-c", "done");

        Path tree = renamingTree(Files.createDirectory(base.resolve("w")), nobody);
        Path alerts = base.resolve("alerts.jsonl");
        Path config = config(alerts, """
                {"name": "project only", "point": "syscall/openat/enter",
                 "match": {"pathname": {"glob": "%1$s/**"}, "resolved_path": {"not": {"glob": "%1$s/p/**"}}},
                 "action": "deny", "errno": "EACCES"},
                {"name": "no keys", "point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                 "action": "deny", "errno": "EACCES"},
                {"name": "no secret dirs", "point": "syscall/openat/enter",
                 "match": {"resolved_path": {"glob": "*/secret/*"}}, "action": "deny", "errno": "EACCES"}"""
                .formatted(tree));

        List<String> java = cli(nobodysClasspath);
        Result r = finish(new ProcessBuilder(runCommand(java, config, "sh", "-c", routes.formatted(tree)))
                .redirectErrorStream(true).start());

        // A move within names the rule denies: the task could not make the new name by opening it either.
        assertThat(r.out).doesNotContain("SECRET").doesNotContain("moved-within").contains("open-c", "done");
        assertThat(r.out.lines().filter(l -> l.contains("Operation not permitted"))).hasSize(7);
        List<JsonNode> refusals = new ArrayList<>();
        for (String line : Files.readAllLines(alerts)) {
            JsonNode a = new ObjectMapper().readTree(line);
            if (a.has("renaming")) {
                refusals.add(a);
            }
        }
        assertThat(refusals).extracting(a -> a.path("rule_name").asText() + " " + a.path("syscall").asText() + " "
                + a.path("renaming").path("from").asText() + " -> " + a.path("renaming").path("to").asText())
                .containsExactly(
                        "project only linkat " + tree + "/o/s1 -> " + tree + "/p/s1",
                        "project only renameat2 " + tree + "/o/s2 -> " + tree + "/p/s2",
                        "project only renameat2 " + tree + "/o/d -> " + tree + "/p/d",
                        "no keys renameat2 " + tree + "/p/a.key -> " + tree + "/p/a.txt",
                        "no keys linkat " + tree + "/p/b.key -> " + tree + "/p/b.txt",
                        "no secret dirs renameat2 " + tree + "/p/secret/s4 -> " + tree + "/p/open/s4",
                        "project only renameat2 " + tree + "/o/x -> " + tree + "/o/y");
        assertThat(refusals).allMatch(a -> a.path("errno").asText().equals("EPERM"));
        assertThat(tree.resolve("o/x")).exists();
    }

    /**
     * o/ (outside the project: s1, s2, d/s3, x) and p/ (the project: a.key, b.key, secret/s4, c.txt)
     * in {@code base}, every file and directory given to uid 65534 when {@code nobody}.
     */
    private static Path renamingTree(Path base, boolean nobody) throws Exception {
        return tree(base, nobody, "o/s1", "SECRET-1\n", "o/s2", "SECRET-2\n", "o/d/s3", "SECRET-3\n", "o/x", "x\n",
                "p/a.key", "SECRET-A\n", "p/b.key", "SECRET-B\n", "p/secret/s4", "SECRET-4\n", "p/c.txt", "open-c\n");
    }

    /**
     * Writes the files {@code namesAndContents} names (a path below {@code base}, then its
     * content; directories made as needed) and returns {@code base}, every file and directory
     * given to uid 65534 when {@code nobody}.
     */
    private static Path tree(Path base, boolean nobody, String... namesAndContents) throws Exception {
        for (int i = 0; i < namesAndContents.length; i += 2) {
            Path f = base.resolve(namesAndContents[i]);
            Files.createDirectories(f.getParent());
            Files.writeString(f, namesAndContents[i + 1]);
        }
        try (var all = Files.walk(base)) {
            for (Path p : all.toList()) {
                owned(p, nobody);
            }
        }
        return base;
    }

    /**
     * A name a deny rule on opening files reaches cannot be given another file, removed or its file
     * changed without an open either: a file renamed over {@code ssh/authorized_keys}, a hard link
     * made as {@code ssh/new_key}, {@code ssh/known} removed, {@code authorized_keys} truncated by
     * truncate(2), made writable to all by chmod and by an access ACL (setxattr), {@code ssh/known}
     * given away by chown, a
     * directory made as {@code ssh/sub}, a FIFO made as {@code ssh/fifo}, a unix socket bound as
     * {@code ssh/agent.sock} (where it could pose as the agent), {@code authorized_keys} renamed
     * out of {@code ssh/} and {@code ssh/} itself renamed (each takes the protected names away as
     * rm would), and a symlink made where
     * the directory of a protected name ({@code cfg/app.conf}) does not exist yet, which would lead
     * that name into the program's own directory. Each is refused with EPERM and an alert; the same
     * calls in the program's own directory go through. Natively every route succeeds (in a tree of
     * its own), so the test cannot pass vacuously.
     */
    @Test
    void aProtectedNameCannotBeReplacedRemovedOrEmptied() throws Exception {
        protectedNames(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534), the files theirs. */
    @Test
    void aProtectedNameCannotBeReplacedRemovedOrEmptiedUnprivileged() throws Exception {
        unprivileged(this::protectedNames);
    }

    /**
     * A thread moves the directory {@code ok} to {@code prot}, whose names a rule denies, and back,
     * while another makes {@code ok/x} 10,000 times (src/test/c/hostile.c, race-dir-move). Before,
     * the mkdir was decided on {@code ok/x} and then made after the move, as {@code prot/x}: a few
     * in 5,000 won. A directory moved above names the rule denies is refused now, so none does.
     * Natively {@code prot/x} is made at once, so the test cannot pass vacuously.
     */
    @Test
    void aDirectoryMovedUnderACallCannotCarryItIntoDeniedNames() throws Exception {
        dirMoveRace(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534), the files theirs. */
    @Test
    void aDirectoryMovedUnderACallCannotCarryItIntoDeniedNamesUnprivileged() throws Exception {
        unprivileged(this::dirMoveRace);
    }

    private void dirMoveRace(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path hostile = TestPrograms.compile(TestPrograms.repoRoot().resolve("seccheck-sentry/src/test/c/hostile.c"),
                base.resolve("hostile"));
        Path nativeDir = owned(Files.createDirectory(base.resolve("n")), nobody);
        Result natively = finish(new ProcessBuilder(natively(nobody, "sh", "-c",
                "cd " + nativeDir + " && mkdir prot && mkdir prot/x && echo made")).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("made");

        Path dir = owned(Files.createDirectory(base.resolve("w")), nobody);
        Path alerts = base.resolve("alerts.jsonl");
        Path config = config(alerts, """
                {"name": "prot", "point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "%s/prot/*"}},
                 "action": "deny", "errno": "EACCES"}""".formatted(dir));
        Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, "sh", "-c",
                "cd " + dir + " && " + hostile + " race-dir-move 10000")).redirectErrorStream(true).start());

        assertThat(r.out).contains("wins 0 of 10000").as("the mkdirs in ok/ went on").doesNotContain(", 0 made");
        assertThat(dir.resolve("prot/x")).doesNotExist();
        assertThat(Files.readString(alerts)).contains("a directory moved there");
    }

    /**
     * Python setting an access ACL that lets every user read and write the file named by the
     * format argument: the extended attribute {@code system.posix_acl_access}, which grants what
     * chmod would.
     */
    private static final String ACL_OTHERS_RW = "import os, struct; os.setxattr(\"%s\", \"system.posix_acl_access\","
            + " struct.pack(\"<I\", 2) + b\"\".join(struct.pack(\"<HHI\", tag, perm, 0xffffffff)"
            + " for tag, perm in ((1, 6), (4, 4), (0x20, 6))))";

    /** Python setting the times of the file the format argument names to the epoch (utimensat by name). */
    private static final String TIMES_TO_EPOCH = "import os; os.utime(\"%s\", (0, 0))";

    /** Python binding a unix socket to the path the format argument names, which makes a socket file there. */
    private static final String BIND_UNIX = "import socket; socket.socket(socket.AF_UNIX).bind(\"%s\")";

    private void protectedNames(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        String routes = "cd %s && echo EVIL > work/k && mv work/k ssh/authorized_keys && echo replaced;"
                + " ln work/k2 ssh/new_key && echo linked-in; chown $(id -u) ssh/known && echo chowned;"
                + " rm ssh/known && echo removed;"
                + " /usr/bin/python3 -c 'import os; os.truncate(\"ssh/authorized_keys\", 0)' && echo emptied;"
                + " mkdir ssh/sub && echo made-dir; mkfifo ssh/fifo && echo made-fifo;"
                + " chmod 666 ssh/authorized_keys && echo chmodded;"
                + " /usr/bin/python3 -c '" + ACL_OTHERS_RW.formatted("ssh/authorized_keys") + "' && echo acl-set;"
                + " /usr/bin/python3 -c '" + BIND_UNIX.formatted("ssh/agent.sock") + "' && echo bound-in;"
                + " /usr/bin/python3 -c '" + TIMES_TO_EPOCH.formatted("ssh/authorized_keys") + "' && echo times-set;"
                + " mv ssh/authorized_keys work/ak && echo moved-out; mv ssh ssh.old && echo moved-dir-out;"
                + " ln -s work cfg && echo linked-above;"
                + " mv work/a work/b && rm work/b && ln -s x work/l && mkdir work/d && rmdir work/d"
                + " && /usr/bin/python3 -c 'import os; os.truncate(\"work/k2\", 0)' && chmod 600 work/k2"
                + " && chown $(id -u) work/k2 && /usr/bin/python3 -c '" + ACL_OTHERS_RW.formatted("work/k2") + "'"
                + " && /usr/bin/python3 -c '" + BIND_UNIX.formatted("work/s") + "' && mv work/s work/s2"
                + " && /usr/bin/python3 -c '" + TIMES_TO_EPOCH.formatted("work/k2") + "'"
                + " && mv work work2 && mv work2 work && echo own-work; echo done";
        Path nativeTree = protectedTree(Files.createDirectory(base.resolve("n")), nobody);
        Result natively = finish(new ProcessBuilder(natively(nobody, "sh", "-c", routes.formatted(nativeTree)))
                .redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("replaced", "linked-in", "removed", "emptied", "made-dir",
                "made-fifo", "chmodded", "acl-set", "chowned", "bound-in", "times-set", "moved-out", "moved-dir-out",
                "linked-above", "own-work", "done");

        Path tree = protectedTree(Files.createDirectory(base.resolve("w")), nobody);
        Path alerts = base.resolve("alerts.jsonl");
        Path config = config(alerts, """
                {"name": "keys", "point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "%1$s/ssh/*"}},
                 "action": "deny", "errno": "EACCES"},
                {"name": "config", "point": "syscall/openat/enter", "match": {"resolved_path": "%1$s/cfg/app.conf"},
                 "action": "deny", "errno": "EACCES"}""".formatted(tree));
        Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, "sh", "-c", routes.formatted(tree)))
                .redirectErrorStream(true).start());

        assertThat(r.out).contains("own-work", "done").doesNotContain("replaced", "linked-in", "removed", "emptied",
                "made-dir", "made-fifo", "chmodded", "acl-set", "chowned", "bound-in", "times-set", "moved-out",
                "moved-dir-out", "linked-above");
        assertThat(Files.readString(tree.resolve("ssh/authorized_keys"))).isEqualTo("GOOD\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tree.resolve("ssh/authorized_keys"))))
                .isEqualTo("rw-r--r--");
        assertThat(Files.getLastModifiedTime(tree.resolve("ssh/authorized_keys")).toMillis()).as("its times kept")
                .isPositive();
        assertThat(tree.resolve("ssh/known")).exists();
        try (var names = Files.list(tree.resolve("ssh"))) {
            assertThat(names.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("authorized_keys", "known");
        }
        assertThat(tree.resolve("cfg")).doesNotExist();
        List<String> refused = new ArrayList<>();
        for (String line : Files.readAllLines(alerts)) {
            JsonNode a = new ObjectMapper().readTree(line);
            for (String kind : List.of("renaming", "creating", "removing", "altering")) {
                if (a.has(kind)) {
                    JsonNode what = a.path(kind);
                    refused.add(a.path("rule_name").asText() + " " + a.path("errno").asText() + " " + kind + " "
                            + (what.has("to") ? what.path("to") : what.path("name")).asText().replace(tree + "/", ""));
                }
            }
        }
        // Moved out (mv ssh/authorized_keys work/ak; mv ssh ssh.old, whichever name below it is
        // checked first), a kept file would have a name the rule does not reach: refused as such.
        assertThat(refused.stream().map(line -> line.replaceAll("ssh\\.old/.*", "ssh.old/*")))
                .containsOnly("keys EPERM renaming ssh/authorized_keys", "keys EPERM renaming ssh/new_key",
                        "keys EPERM removing ssh/known", "keys EPERM altering ssh/authorized_keys",
                        "keys EPERM creating ssh/sub", "keys EPERM creating ssh/fifo", "keys EPERM altering ssh/known",
                        "keys EPERM altering ssh/authorized_keys", "keys EPERM creating ssh/agent.sock",
                        "keys EPERM renaming work/ak", "keys EPERM renaming ssh.old/*", "config EPERM creating cfg");
    }

    /** ssh/ (authorized_keys, known) and work/ (a, k2) in {@code base}, given to uid 65534 when {@code nobody}. */
    private static Path protectedTree(Path base, boolean nobody) throws Exception {
        return tree(base, nobody, "ssh/authorized_keys", "GOOD\n", "ssh/known", "GOOD\n", "work/a", "a\n", "work/k2",
                "k2\n");
    }

    /**
     * A protected file replaced after the policy loaded (a new file renamed over its name, as passwd
     * and editors write) is protected too: the program, started before the replacement, tries to
     * hard-link the new file out of the rule's names twice and open it there, and to rename it out.
     * Each link and the rename are refused (EPERM): the new name is judged as a name, whatever the
     * rule knows the file by. Before, the links were made (the open through them denied, the file
     * known by device and inode), and other users, and a later run once {@code s/a} held another
     * file, could read it through them. Natively every route reads or moves it, so the test cannot
     * pass vacuously.
     */
    @Test
    void aDeniedFileReplacedAfterTheLoadIsDeniedUnderItsNewNames() throws Exception {
        replacedAfterTheLoad(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534), the files theirs. */
    @Test
    void aDeniedFileReplacedAfterTheLoadIsDeniedUnderItsNewNamesUnprivileged() throws Exception {
        unprivileged(this::replacedAfterTheLoad);
    }

    /**
     * Runs the replacement routes in {@code base}, natively and supervised, as root when
     * {@code nobodysClasspath} is null, else as uid 65534 with that class path.
     */
    private void replacedAfterTheLoad(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path denied = owned(Files.createDirectory(base.resolve("s")), nobody);
        Path alerts = base.resolve("alerts.jsonl");
        Path config = noSecretsBelow(denied, alerts);
        owned(base.resolve("l"), nobody);
        String routes = "cd " + base + " && touch started && while [ ! -e go ]; do sleep 0.05; done;"
                + " ln s/a l/linked && cat l/linked; ln s/a l/second && cat l/second; mv s/a l/moved && echo renamed-out;"
                + " echo done";

        for (boolean supervised : new boolean[] {false, true}) {
            owned(Files.writeString(denied.resolve("a"), "OLD-a\n"), nobody);
            List<String> cmd;
            if (!supervised) {
                cmd = natively(nobody, "sh", "-c", routes);
            } else {
                List<String> java = cli(nobodysClasspath);
                cmd = runCommand(java, config, "sh", "-c", routes);
            }
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            awaitFile(base.resolve("started"));
            Path fresh = owned(Files.writeString(denied.resolve(".new"), "SECRET-new\n"), nobody);
            Files.move(fresh, denied.resolve("a"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(base.resolve("go"), "");
            Result r = finish(p);
            if (supervised) {
                // Linked or renamed out, the file would have a name the rule does not reach.
                assertThat(r.out).doesNotContain("SECRET").doesNotContain("renamed-out").contains("done");
                assertThat(r.out.lines().filter(l -> l.contains("Permission denied"))).isEmpty();
                assertThat(r.out.lines().filter(l -> l.contains("Operation not permitted"))).hasSize(3);
                assertThat(Files.readAllLines(alerts)).hasSize(3)
                        .allMatch(a -> a.contains("\"rule_name\":\"no secrets\"") && a.contains("\"renaming\""));
                assertThat(base.resolve("l/linked")).doesNotExist();
                assertThat(base.resolve("l/second")).doesNotExist();
            } else {
                assertThat(r.out).as("natively").contains("SECRET-new", "renamed-out", "done").doesNotContain("OLD");
            }
            for (String f : List.of("started", "go", "l/linked", "l/second", "l/moved")) {
                Files.deleteIfExists(base.resolve(f));
            }
        }
    }

    /** Gives {@code p} to uid 65534 when {@code nobody}; returns it. */
    private static Path owned(Path p, boolean nobody) throws Exception {
        if (nobody) {
            Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
        }
        return p;
    }

    /** A policy denying opens of every name below {@code denied} (rule "no secrets"), and an empty directory "l" beside it. */
    private Path noSecretsBelow(Path denied, Path alerts) throws Exception {
        Files.createDirectory(denied.resolveSibling("l"));
        return config(alerts, """
                {"name": "no secrets", "point": "syscall/openat/enter", "match": {"pathname": {"glob": "%s/*"}},
                 "action": "deny", "errno": "EACCES"}""".formatted(denied));
    }

    private static void awaitFile(Path f) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(f)) {
            assertThat(System.nanoTime()).as("waiting for %s", f).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void outboundConnectionsAreLimitedToTheAllowedPort() throws Exception {
        try (ServerSocket allowed = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                ServerSocket blocked = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Path config = config(tmp.resolve("alerts.jsonl"), """
                    {"point": "syscall/connect/enter", "match": {"family": "AF_INET", "port": %d}, "action": "allow"},
                    {"point": "syscall/connect/enter", "match": {"family": ["AF_INET", "AF_INET6"]},
                     "action": "deny", "errno": "ECONNREFUSED"}""".formatted(allowed.getLocalPort()));
            String client = "import socket,sys\n"
                    + "for port in sys.argv[1:]:\n"
                    + "    s = socket.socket()\n"
                    + "    try:\n"
                    + "        s.connect(('127.0.0.1', int(port))); print(port, 'connected')\n"
                    + "    except OSError as e:\n"
                    + "        print(port, 'refused', e.errno)\n";

            Result r = run(config, "/usr/bin/python3", "-c", client,
                    Integer.toString(allowed.getLocalPort()), Integer.toString(blocked.getLocalPort()));

            assertThat(r.out).contains(allowed.getLocalPort() + " connected").contains(blocked.getLocalPort() + " refused 111");
        }
    }

    /**
     * Under "allow the workspace, deny the rest of the tree", the program hard-links a file the
     * deny rule keeps into the workspace, where the allow rule, tried first, would let it be read.
     * Before, the link was made and the secret read through it; now the link is refused (EPERM).
     * Natively the script reads the secret, so the test cannot pass vacuously.
     */
    @Test
    void aFileKeptByADenyRuleIsNotLinkedUnderAnEarlierAllowRule() throws Exception {
        Path tree = tmp.toRealPath();
        Files.createDirectories(tree.resolve("pub"));
        Files.writeString(Files.createDirectories(tree.resolve("secret")).resolve("key.txt"), "TOPSECRET\n");
        String script = "ln " + tree + "/secret/key.txt " + tree + "/pub/y; echo ln=$?; cat " + tree + "/pub/y; rm -f "
                + tree + "/pub/y";
        Result natively = finish(new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("ln=0", "TOPSECRET");

        Path config = Files.writeString(tmp.resolve("workspace.json"), """
                {"name": "workspace",
                 "points": [{"name": "syscall/open/enter", "context_fields": ["cwd"]},
                            {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                            {"name": "syscall/creat/enter", "context_fields": ["cwd"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "workspace", "effect": "open_file", "match": {"resolved_path": {"prefix": "%1$s/pub/"}},
                    "action": "allow"},
                   {"name": "the tree", "effect": "open_file", "match": {"resolved_path": {"prefix": "%1$s/"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""".formatted(tree));
        Result r = run(config, "sh", "-c", script);

        assertThat(r.out).as(r.out).contains("Operation not permitted", "ln=1").doesNotContain("TOPSECRET");
        assertThat(r.out).contains("\"why\":\"rule 0, before it, lets every task open the file under the new name\"");
    }

    /**
     * The README's guard policy, read from the README, keeps /etc/shadow from every call that opens
     * by name: openat, openat2 and the older open(2), which musl's open() makes. Its first version
     * named openat's point alone, and open(2) read the file. Natively each call reads it (as root,
     * as CI runs the suite), so the test cannot pass vacuously.
     */
    @Test
    void theReadmesGuardPolicyKeepsTheSecretFromEveryOpenCall() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "reading /etc/shadow natively needs root");
        String client = String.join("\n",
                "import ctypes, os",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "def show(name, fd):",
                "    if fd < 0:",
                "        print(name, 'errno', ctypes.get_errno())",
                "    else:",
                "        print(name, 'read', len(os.read(fd, 64)) > 0); os.close(fd)",
                "path = ctypes.c_char_p(b'/etc/shadow')",
                "show('openat', libc.syscall(ctypes.c_long(257), ctypes.c_long(-100), path, ctypes.c_long(0)))",
                "show('open', libc.syscall(ctypes.c_long(2), path, ctypes.c_long(0)))",
                "how = ctypes.create_string_buffer(24)",
                "show('openat2', libc.syscall(ctypes.c_long(437), ctypes.c_long(-100), path, how, ctypes.c_long(24)))",
                "");
        Result natively = finish(new ProcessBuilder("/usr/bin/python3", "-c", client).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("openat read True", "open read True", "openat2 read True");

        Path config = Files.writeString(tmp.resolve("guard.json"), readmeGuardPolicy());
        Result r = run(config, "/usr/bin/python3", "-c", client);

        assertThat(r.out).as(r.out).contains("openat errno 13", "open errno 13", "openat2 errno 13").doesNotContain("read True");
        assertThat(r.out).contains("\"rule_name\":\"no secrets\",\"point\":\"syscall/open/enter\"");
    }

    /**
     * A fanotify group whose events carry descriptors is handed, for each open of a file it marked
     * by any process, a descriptor the kernel opened for it: no open call of the program's to
     * decide. Root marks the secret and waits; this JVM, outside the run, then reads the secret as
     * an administrator would. Before, the program read the secret through the event's descriptor
     * under the README's guard policy; now fanotify_init is refused (EPERM) while a sink decides on
     * opening files, and a group reporting file handles (FAN_REPORT_FID) is still made.
     */
    @Test
    void aFanotifyGroupCannotBeHandedTheSecretWhenSomeoneElseOpensIt() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "fanotify_init needs CAP_SYS_ADMIN");
        Path secret = Files.writeString(tmp.toRealPath().resolve("shadow-key"), "TOPSECRET\n");
        Path marked = tmp.resolve("marked");
        String program = String.join("\n",
                "import ctypes, os, struct, sys, time",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "fid = libc.fanotify_init(0x200, 0)",
                "print('fid group', 'made' if fid >= 0 else 'errno %d' % ctypes.get_errno())",
                "fa = libc.fanotify_init(0x2, 0)", // FAN_NONBLOCK, events with descriptors, O_RDONLY
                "if fa < 0:",
                "    print('group errno', ctypes.get_errno()); open(sys.argv[2], 'w').close(); sys.exit(0)",
                "r = libc.fanotify_mark(fa, 1, ctypes.c_uint64(0x20), -100, sys.argv[1].encode())", // FAN_MARK_ADD, FAN_OPEN
                "print('mark', r)",
                "open(sys.argv[2], 'w').close()",
                "deadline = time.time() + 30",
                "while time.time() < deadline:",
                "    try:",
                "        buf = os.read(fa, 4096)",
                "    except BlockingIOError:",
                "        time.sleep(0.05); continue",
                "    fd = struct.unpack_from('i', buf, 16)[0]",
                "    if fd >= 0:",
                "        print('event read', os.pread(fd, 64, 0).decode().strip()); break",
                "");
        for (boolean supervised : new boolean[] {false, true}) {
            Files.deleteIfExists(marked);
            List<String> cmd = List.of("/usr/bin/python3", "-c", program, secret.toString(), marked.toString());
            Process p;
            if (supervised) {
                Path policy = tmp.resolve("guard.json");
                Files.writeString(policy, readmeGuardPolicy().replace("/etc/shadow*", secret.toString()));
                p = start(policy, cmd.toArray(String[]::new));
            } else {
                p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            }
            awaitFile(marked);
            assertThat(Files.readString(secret)).isEqualTo("TOPSECRET\n"); // an open from outside the run
            Result r = finish(p);
            if (supervised) {
                assertThat(r.out).as(r.out).contains("fid group made", "group errno 1").doesNotContain("TOPSECRET");
                assertThat(r.out).contains("refused fanotify_init from task ");
            } else {
                assertThat(r.out).as("natively").contains("fid group made", "mark 0", "event read TOPSECRET");
            }
        }
    }

    /**
     * The README's guard policy, read from the README, keeps the network to loopback on every
     * route: a program reaches other machines without IP too, by AF_VSOCK (the host of a virtual
     * machine: CID 2) and by raw frames on AF_PACKET (root's CAP_NET_RAW). Its first version denied
     * AF_INET and AF_INET6 alone: both routes went through, and IPv6's loopback was refused.
     * Natively the frame is sent and the host's vsock answers (where the machine has one), so the
     * test cannot pass vacuously.
     */
    @Test
    void theReadmesGuardPolicyKeepsEveryFamilyOffTheNetworkButLoopback() throws Exception {
        try (ServerSocket v4 = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
                ServerSocket v6 = new ServerSocket(0, 5, InetAddress.getByName("::1"))) {
            String client = String.join("\n",
                    "import socket",
                    "def attempt(name, family, kind, act):",
                    "    s = socket.socket(family, kind)",
                    "    s.settimeout(5)",
                    "    try:",
                    "        act(s); print(name, 'passed')",
                    "    except OSError as e:",
                    "        print(name, 'errno', e.errno)",
                    "attempt('vsock-host', socket.AF_VSOCK, socket.SOCK_STREAM, lambda s: s.connect((2, 5555)))",
                    "frame = b'\\xff' * 6 + b'\\x02' * 6 + b'\\x88\\xb5' + bytes(46)",
                    "attempt('raw-frame', socket.AF_PACKET, socket.SOCK_RAW, lambda s: s.sendto(frame, ('lo', 0)))",
                    "attempt('v4-loopback', socket.AF_INET, socket.SOCK_STREAM, lambda s: s.connect(('127.0.0.1', "
                            + v4.getLocalPort() + ")))",
                    "attempt('v6-loopback', socket.AF_INET6, socket.SOCK_STREAM, lambda s: s.connect(('::1', "
                            + v6.getLocalPort() + ")))",
                    "attempt('mapped-loopback', socket.AF_INET6, socket.SOCK_STREAM, lambda s: s.connect(('::ffff:127.0.0.1', "
                            + v4.getLocalPort() + ")))",
                    "attempt('v4-away', socket.AF_INET, socket.SOCK_DGRAM, lambda s: s.sendto(b'x', ('10.1.2.3', 9)))",
                    "attempt('mapped-away', socket.AF_INET6, socket.SOCK_DGRAM, lambda s: s.sendto(b'x', ('::ffff:10.1.2.3', 9)))",
                    "print('resolved', socket.getaddrinfo('localhost', 80, flags=socket.AI_ADDRCONFIG)[0][4][0])",
                    "");
            Result natively = finish(new ProcessBuilder("/usr/bin/python3", "-c", client).redirectErrorStream(true).start());
            assertThat(natively.out).as("natively").contains("v4-loopback passed", "v6-loopback passed", "v4-away passed");
            // EAFNOSUPPORT, ENODEV: a machine without vsock, where that route reaches nothing to refuse.
            boolean vsock = !natively.out.contains("vsock-host errno 97") && !natively.out.contains("vsock-host errno 19");
            // Raw frames need CAP_NET_RAW: root, as CI runs the suite.
            boolean raw = natively.out.contains("raw-frame passed");
            assertThat(raw || !"root".equals(System.getProperty("user.name"))).as("natively, as root: " + natively.out)
                    .isTrue();

            Path config = Files.writeString(tmp.resolve("guard.json"), readmeGuardPolicy());
            Result r = run(config, "/usr/bin/python3", "-c", client);

            assertThat(r.out).contains("v4-loopback passed", "v6-loopback passed", "mapped-loopback passed",
                    "v4-away errno 101", "mapped-away errno 101", "resolved ");
            if (raw) {
                assertThat(r.out).contains("raw-frame errno 101");
            }
            if (vsock) {
                assertThat(r.out).contains("vsock-host errno 101");
            }
        }
    }

    /**
     * Under the README's guard policy a program sends only to loopback, but a source route sends
     * its packets to another host first: an IPv4 LSRR option or an IPv6 routing header, set as a
     * socket option (for later sendtos, connects and plain sends on a connected socket, an IPv6
     * socket's mapped sends too) or passed with one message. And a raw socket that takes the
     * program's IP header (IPPROTO_RAW, IP_HDRINCL, IPV6_HDRINCL) is routed by the address sendto
     * names but delivered to the header's; a packet socket bound to a device sends frames there
     * with no address at all (before: passed under the policy, now refused at its bind by the
     * policy's family rule). {@code source_route.c} sends each way to 127.0.0.1 or
     * ::1 in a network namespace of its own (where its user namespace gives it CAP_NET_RAW), where
     * 10.1.2.3 and fd00::1234 are its loopback's, and reads the packets' IP destination off the
     * device. Natively each packet goes to 10.1.2.3 or fd00::1234 (a message's IPv6 header only on
     * kernels with Mobile IPv6; others refuse it with EINVAL); before, every route but the message
     * with an address did under the policy too. Now each is refused with EPERM (a header the
     * kernel refuses gets its EINVAL), and options,
     * ancillary data and raw sockets that route nothing (record route, a TTL sent with a message,
     * which seccheck now sends, a raw UDP socket whose header the kernel writes) still go where
     * they went natively.
     */
    @Test
    void aSourceRouteOrARawHeaderCannotTakeAPacketPastTheReadmesGuardPolicy() throws Exception {
        sourceRoutes(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534): its user namespace gives it its network. */
    @Test
    void aSourceRouteOrARawHeaderCannotTakeAPacketPastTheReadmesGuardPolicyUnprivileged() throws Exception {
        unprivileged(this::sourceRoutes);
    }

    /**
     * Runs {@code source_route.c} from {@code base}, natively and under the README's guard policy,
     * as this JVM's user when {@code nobodysClasspath} is null, else as uid 65534 with that class path.
     */
    private void sourceRoutes(Path base, String nobodysClasspath) throws Exception {
        Runs runs = inOwnNetwork("src/test/c/source_route.c", base, nobodysClasspath);
        Result natively = runs.natively();
        List<String> routes = List.of("v4-option-sendto", "v4-option-send", "v4-option-tcp", "v4-message",
                "v4-message-to", "v6-option-sendto", "v6-option-tcp", "mapped-option-sendto", "v4-raw",
                "v4-raw-hdrincl", "v6-raw", "v6-raw-hdrincl");
        for (String route : routes) {
            assertThat(natively.out).as("natively")
                    .containsPattern("(?m)^" + route + " passed to (10\\.1\\.2\\.3|fd00::1234)$");
        }
        for (String route : List.of("v6-pktoptions", "v6-message")) {
            assertThat(natively.out).as("natively").containsPattern("(?m)^" + route + " (passed to fd00::1234|errno 22)$");
        }
        assertThat(natively.out).as("natively").contains("packet-bound passed to 10.1.2.3");
        List<String> harmless = List.of("v4-record-route passed to 127.0.0.1", "v4-message-ttl passed to 127.0.0.1",
                "v4-raw-kernel-header passed to 127.0.0.1");
        assertThat(natively.out).as("natively").contains(harmless);

        Result r = runs.guarded();
        for (String route : routes) {
            assertThat(r.out).as("under the guard policy").containsPattern("(?m)^" + route + " errno 1$");
        }
        // A packet socket's bind picks the device its frames go out on: decided at connect's points,
        // where the policy's family rule refuses it.
        assertThat(r.out).containsPattern("(?m)^packet-bound errno 101$")
                .contains("\"errno\":\"ENETUNREACH\"", "\"matched\":{\"family\":17}");
        // A kernel built without Mobile IPv6 refuses its routing header as packet options and with
        // a message (EINVAL), and seccheck, which asks the kernel first, answers so too; where it
        // is taken, it is refused.
        boolean pktoptionsTaken = natively.out.contains("v6-pktoptions passed to fd00::1234");
        boolean messageTaken = natively.out.contains("v6-message passed to fd00::1234");
        assertThat(r.out).containsPattern("(?m)^v6-pktoptions errno " + (pktoptionsTaken ? "1" : "22") + "$")
                .containsPattern("(?m)^v6-message errno " + (messageTaken ? "1" : "22") + "$")
                .contains(harmless).doesNotContain("passed to 10.1.2.3").doesNotContain("passed to fd00::1234")
                .contains("refused setsockopt from task", "an IPv4 loose source route (LSRR) would send the socket's"
                        + " packets to hosts no connect or send names (EPERM)")
                .contains("refused sendmsg from task")
                .contains("refused socket from task", "a raw socket writing its own IP header (IPPROTO_RAW)");
    }

    /**
     * A server that listens on every address is reached from other hosts, which no connect rule
     * sees: the README's guard policy keeps them out with its rules on accept. {@code inbound.c}
     * listens in a network namespace of its own, where 10.1.2.3 and fd00::1234 are its loopback's,
     * and a child bound to one of them connects in (to 127.0.0.1, which the connect rules allow):
     * bound to 0.0.0.0, never bound (listen binds it), bound to :: for IPv6 and for both families
     * (an IPv4-mapped peer), and non-blocking. Natively the server reads each peer's "hi"; under
     * the policy each accept fails with ECONNABORTED, the peer's connection ends, and peers on
     * loopback and unix sockets still come in.
     */
    @Test
    void aPeerOnAnotherHostCannotReachAServerPastTheReadmesGuardPolicy() throws Exception {
        inbound(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aPeerOnAnotherHostCannotReachAServerPastTheReadmesGuardPolicyUnprivileged() throws Exception {
        unprivileged(this::inbound);
    }

    /** Runs {@code inbound.c} from {@code base} natively and under the README's guard policy, as {@link #sourceRoutes} does. */
    private void inbound(Path base, String nobodysClasspath) throws Exception {
        Runs runs = inOwnNetwork("src/test/c/inbound.c", base, nobodysClasspath);
        Result natively = runs.natively();
        List<String> routes = List.of("v4-any-accept reached by 10.1.2.3", "v4-listen-only reached by 10.1.2.3",
                "v6-any-accept4 reached by fd00::1234", "mapped-accept reached by ::ffff:10.1.2.3",
                "v4-nonblocking reached by 10.1.2.3");
        List<String> local = List.of("v4-loopback reached by 127.0.0.1", "unix reached by a unix socket");
        assertThat(natively.out.lines().toList()).as("natively").containsExactlyElementsOf(
                java.util.stream.Stream.concat(routes.stream(), local.stream()).toList());

        Result r = runs.guarded();
        for (String route : routes) {
            assertThat(r.out).as("under the guard policy")
                    .containsPattern("(?m)^" + route.substring(0, route.indexOf(' ')) + " errno 103$");
        }
        assertThat(r.out).contains(local).doesNotContain("reached by 10.1.2.3", "reached by fd00::1234",
                "reached by ::ffff:10.1.2.3").contains("\"errno\":\"ECONNABORTED\"", "\"point\":\"syscall/accept4/enter\"");
    }

    /** A test program's output natively and under the README's guard policy. */
    private record Runs(Result natively, Result guarded) {}

    /**
     * Builds the C program {@code source} (which makes a network namespace of its own,
     * own_network.h) in {@code base} and runs it there natively and under the README's guard
     * policy, as this JVM's user when {@code nobodysClasspath} is null, else as uid 65534 with that
     * class path; skips the test where a user gets no network namespace.
     */
    private Runs inOwnNetwork(String source, Path base, String nobodysClasspath) throws Exception {
        Path program = CPrograms.compile(source, base);
        Result natively = finish(new ProcessBuilder(natively(nobodysClasspath != null, program.toString()))
                .redirectErrorStream(true).start());
        org.junit.jupiter.api.Assumptions.assumeFalse(natively.out.startsWith("setup unshare"),
                "this machine gives no network namespace to a user: " + natively.out);
        Path config = Files.writeString(base.resolve("guard.json"), readmeGuardPolicy());
        Result guarded = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, program.toString()))
                .redirectErrorStream(true).start());
        return new Runs(natively, guarded);
    }

    /**
     * A rule on a unix socket's path holds for every name that reaches the socket: a symlink to it,
     * a symlinked directory, "./", a relative name, {@code /proc/self/cwd/...}, and a datagram sent
     * there by sendto and by sendmsg. Before, the rule matched the name the program gave: every
     * route but the first reached the server. A hard link to the socket, a name the rule cannot
     * know, is decided by {@code on_missing}; and the socket renamed out of the rule's directory is
     * still denied (the rule names it by device and inode too: before, the renamed socket was reached). A socket
     * the rule does not name is still reached through a symlink. Natively every route reaches its
     * server, so the test cannot pass vacuously.
     */
    @Test
    void aRuleOnAUnixSocketsPathHoldsForEveryNameThatReachesIt() throws Exception {
        unixSocketRoutes(tmp, null);
    }

    /** The same with seccheck, its program and the servers unprivileged (uid 65534), the sockets theirs. */
    @Test
    void aRuleOnAUnixSocketsPathHoldsForEveryNameThatReachesItUnprivileged() throws Exception {
        unprivileged(this::unixSocketRoutes);
    }

    /**
     * Runs the unix socket routes in {@code base}, natively and supervised, as root when
     * {@code nobodysClasspath} is null, else as uid 65534 with that class path.
     */
    private void unixSocketRoutes(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path dir = owned(Files.createDirectory(base.resolve("s")), nobody);
        Files.createSymbolicLink(dir.resolve("link.sock"), dir.resolve("denied.sock"));
        Files.createSymbolicLink(dir.resolve("other-link.sock"), dir.resolve("other.sock"));
        Files.createSymbolicLink(base.resolve("dirlink"), dir);
        String client = String.join("\n",
                "import socket",
                "def attempt(name, kind, act):",
                "    s = socket.socket(socket.AF_UNIX, kind)",
                "    try:",
                "        act(s); print(name, 'reached')",
                "    except OSError as e:",
                "        print(name, 'errno', e.errno)",
                "def dgram(path):",
                "    return path.replace('denied.sock', 'denied-dgram.sock').replace('link.sock', 'link-dgram.sock')",
                "for name, path in (('direct', '" + dir + "/denied.sock'), ('symlink', '" + dir + "/link.sock'),",
                "        ('dirlink', '" + base + "/dirlink/denied.sock'), ('dot', '" + dir + "/./denied.sock'),",
                "        ('relative', 'denied.sock'), ('proc-cwd', '/proc/self/cwd/denied.sock')):",
                "    attempt(name, socket.SOCK_STREAM, lambda s: s.connect(path))",
                "    attempt(name + '-dgram', socket.SOCK_DGRAM, lambda s: s.sendto(b'x', dgram(path)))",
                "attempt('sendmsg', socket.SOCK_DGRAM, lambda s: s.sendmsg([b'x'], [], 0, '" + dir + "/link-dgram.sock'))",
                "attempt('other', socket.SOCK_STREAM, lambda s: s.connect('" + dir + "/other-link.sock'))",
                "attempt('hardlink', socket.SOCK_STREAM, lambda s: s.connect('" + base + "/hard.sock'))",
                "import os",
                "os.rename('" + dir + "/denied-dgram.sock', '" + base + "/moved.sock')",
                "attempt('renamed', socket.SOCK_DGRAM, lambda s: s.sendto(b'x', '" + base + "/moved.sock'))",
                "os.rename('" + base + "/moved.sock', '" + dir + "/denied-dgram.sock')",
                "");
        Files.createSymbolicLink(dir.resolve("link-dgram.sock"), dir.resolve("denied-dgram.sock"));
        String server = "import socket, time\n"
                + "servers = []\n"
                + "for name in ('denied.sock', 'other.sock'):\n"
                + "    s = socket.socket(socket.AF_UNIX); s.bind('" + dir + "/' + name); s.listen(64); servers.append(s)\n"
                + "d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); d.bind('" + dir + "/denied-dgram.sock')\n"
                + "print('ready', flush=True)\n"
                + "time.sleep(120)\n";
        Process listening = new ProcessBuilder(natively(nobody, "/usr/bin/python3", "-c", server))
                .redirectErrorStream(true).start();
        try {
            assertThat(new String(listening.getInputStream().readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("ready\n");
            Files.createLink(base.resolve("hard.sock"), dir.resolve("denied.sock"));
            String[] routes = {"direct", "symlink", "dirlink", "dot", "relative", "proc-cwd"};
            Result natively = finish(new ProcessBuilder(natively(nobody, "/usr/bin/python3", "-c", client))
                    .directory(dir.toFile()).redirectErrorStream(true).start());
            for (String route : routes) {
                assertThat(natively.out).as("natively").contains(route + " reached", route + "-dgram reached");
            }
            assertThat(natively.out).as("natively").contains("sendmsg reached", "other reached", "hardlink reached",
                    "renamed reached");

            Path alerts = base.resolve("alerts.jsonl");
            Path config = config(alerts, """
                    {"name": "no agent", "point": "syscall/connect/enter", "match": {"unix_path": {"glob": "%s/denied*"}},
                     "action": "deny", "errno": "EACCES"}""".formatted(dir));
            List<String> supervised = runCommand(cli(nobodysClasspath), config, "/usr/bin/python3", "-c", client);
            Result r = finish(new ProcessBuilder(supervised).directory(dir.toFile()).redirectErrorStream(true).start());

            for (String route : routes) {
                assertThat(r.out).contains(route + " errno 13", route + "-dgram errno 13");
            }
            // A hard link is another name the rule cannot know by path, but the socket is one it
            // named at load by device and inode: denied whatever on_missing says, as when renamed.
            assertThat(r.out).contains("sendmsg errno 13", "other reached", "hardlink errno 13", "renamed errno 13");
            List<String> lines = Files.readAllLines(alerts);
            assertThat(lines).hasSize(15);
            assertThat(lines.subList(0, 13)).allMatch(l -> l.contains("\"unix_path\":\"" + dir + "/denied"));
            assertThat(lines.get(13)).contains("/hard.sock\"").doesNotContain("\"missing\"");
            assertThat(lines.get(14)).contains("\"unix_path\":\"" + base.toRealPath() + "/moved.sock\"");
        } finally {
            listening.destroy();
            listening.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** A rule on a local server's address holds when the program names it by the unspecified address. */
    @Test
    void aLocalServerDeniedByAddressIsNotReachedThroughTheUnspecifiedAddress() throws Exception {
        unspecifiedAddressRoutes(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aLocalServerDeniedByAddressIsNotReachedThroughTheUnspecifiedAddressUnprivileged() throws Exception {
        unprivileged(this::unspecifiedAddressRoutes);
    }

    /**
     * The kernel sends what is addressed to 0.0.0.0 or :: to the local host (to the socket's own
     * address when it is bound, else to loopback), so a rule denying a local server's address
     * and port must hold for those names too. A TCP server on 127.0.0.1 and ::1 and a UDP one on
     * 127.0.0.1 (both in this test) are reached natively by connects to 127.0.0.1, 0.0.0.0, ::,
     * ::ffff:0.0.0.0 and from a socket bound to 127.0.0.1, and by datagrams sent (sendto,
     * sendmsg) to 0.0.0.0; under a rule on 127.0.0.0/8 and ::1 with that port, none is. Before,
     * the rule was decided on the address as named: every route but the first went through.
     */
    private void unspecifiedAddressRoutes(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        try (ServerSocket v4 = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
                ServerSocket v6 = new ServerSocket(v4.getLocalPort(), 50, InetAddress.getByName("::1"));
                DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
            int port = v4.getLocalPort();
            String client = String.join("\n",
                    "import socket, sys",
                    "port, uport = int(sys.argv[1]), int(sys.argv[2])",
                    "def attempt(name, family, act):",
                    "    s = socket.socket(family, socket.SOCK_STREAM if name.startswith('tcp') else socket.SOCK_DGRAM)",
                    "    try:",
                    "        act(s); print(name, 'reached', flush=True)",
                    "    except OSError as e:",
                    "        print(name, 'errno', e.errno, flush=True)",
                    "    s.close()",
                    "def bound(s):",
                    "    s.bind(('127.0.0.1', 0)); s.connect(('0.0.0.0', port))",
                    "attempt('tcp-loopback', socket.AF_INET, lambda s: s.connect(('127.0.0.1', port)))",
                    "attempt('tcp-any', socket.AF_INET, lambda s: s.connect(('0.0.0.0', port)))",
                    "attempt('tcp-any6', socket.AF_INET6, lambda s: s.connect(('::', port)))",
                    "attempt('tcp-mapped-any', socket.AF_INET6, lambda s: s.connect(('::ffff:0.0.0.0', port)))",
                    "attempt('tcp-bound-any', socket.AF_INET, bound)",
                    "attempt('udp-sendto-any', socket.AF_INET, lambda s: s.sendto(b'sendto', ('0.0.0.0', uport)))",
                    "attempt('udp-sendmsg-any', socket.AF_INET, lambda s: s.sendmsg([b'sendmsg'], [], 0, ('0.0.0.0', uport)))",
                    "");
            String[] routes = {"tcp-loopback", "tcp-any", "tcp-any6", "tcp-mapped-any", "tcp-bound-any",
                "udp-sendto-any", "udp-sendmsg-any"};
            String[] args = {"/usr/bin/python3", "-c", client, Integer.toString(port), Integer.toString(udp.getLocalPort())};
            udp.setSoTimeout(200);

            Result natively = finish(new ProcessBuilder(natively(nobody, args)).redirectErrorStream(true).start());
            for (String route : routes) {
                assertThat(natively.out).as("natively").contains(route + " reached");
            }
            assertThat(received(udp)).as("natively").containsExactlyInAnyOrder("sendto", "sendmsg");

            Path alerts = base.resolve("alerts.jsonl");
            Path config = config(alerts, """
                    {"effect": "connect_network", "match": {"ip": ["127.0.0.0/8", "::1/128"], "port": [%d, %d]},
                     "action": "deny", "errno": "EACCES"}""".formatted(port, udp.getLocalPort()));
            Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, args))
                    .redirectErrorStream(true).start());

            for (String route : routes) {
                assertThat(r.out).as("under the policy").contains(route + " errno 13");
            }
            assertThat(received(udp)).as("under the policy").isEmpty();
            List<String> lines = Files.readAllLines(alerts);
            assertThat(lines).hasSize(routes.length);
            assertThat(lines.subList(1, routes.length)).allMatch(l -> l.contains("\"named_address\":"));
        }
    }

    /** The datagrams {@code udp} has received, as text, until none comes within its timeout. */
    static List<String> received(DatagramSocket udp) throws IOException {
        List<String> got = new ArrayList<>();
        byte[] buf = new byte[64];
        while (true) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                udp.receive(p);
            } catch (SocketTimeoutException none) {
                return got;
            }
            got.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
        }
    }

    /**
     * An SCTP association reaches addresses no connect names (sctp_connectx's setsockopt, the
     * peer's other addresses), so under the README's guard policy no SCTP socket is made: every
     * socket() that would make one fails as on a kernel without SCTP, with a line on the run's log,
     * and the sockets beside it (TCP, UDP, a unix SOCK_SEQPACKET, a raw socket of protocol 132)
     * are made, or refused, as natively. This
     * machine's kernel has no SCTP, so natively the same calls fail with the same errnos: what the
     * test shows is that seccheck holds them (the log line, missing before), not a packet stopped.
     */
    @Test
    void noSctpSocketIsMadeUnderTheReadmesGuardPolicy() throws Exception {
        sctpSockets(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void noSctpSocketIsMadeUnderTheReadmesGuardPolicyUnprivileged() throws Exception {
        unprivileged(this::sctpSockets);
    }

    /** Makes the sockets natively and under the README's guard policy, as uid 65534 when {@code nobodysClasspath} is set. */
    private void sctpSockets(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        String program = String.join("\n",
                "import socket",
                "for name, family, kind, proto in [('v4-sctp', socket.AF_INET, socket.SOCK_STREAM, 132),",
                "        ('v6-sctp', socket.AF_INET6, socket.SOCK_SEQPACKET, 132),",
                "        ('v4-seqpacket', socket.AF_INET, socket.SOCK_SEQPACKET, 0),",
                "        ('v6-seqpacket-nonblock', socket.AF_INET6, socket.SOCK_SEQPACKET | socket.SOCK_NONBLOCK, 0),",
                "        ('tcp', socket.AF_INET, socket.SOCK_STREAM, 0), ('udp', socket.AF_INET6, socket.SOCK_DGRAM, 0),",
                "        ('unix-seqpacket', socket.AF_UNIX, socket.SOCK_SEQPACKET, 0),",
                "        ('raw-132', socket.AF_INET, socket.SOCK_RAW, 132)]:",
                "    try:",
                "        socket.socket(family, kind, proto).close()",
                "        print(name, 'made')",
                "    except OSError as e:",
                "        print(name, 'errno', e.errno)");
        String[] args = {"/usr/bin/python3", "-c", program};
        Result natively = finish(new ProcessBuilder(natively(nobody, args)).redirectErrorStream(true).start());
        Path config = Files.writeString(base.resolve("guard.json"), readmeGuardPolicy());
        Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, args)).redirectErrorStream(true)
                .start());

        List<String> sockets = natively.out.lines().toList();
        assertThat(sockets).as("natively").hasSize(8).contains("tcp made", "udp made", "unix-seqpacket made");
        boolean sctp = natively.out.contains("v4-sctp made");
        for (String line : sockets) {
            String name = line.substring(0, line.indexOf(' '));
            if (!name.contains("sctp") && !name.endsWith("seqpacket") && !name.contains("seqpacket-")
                    || name.equals("unix-seqpacket")) {
                assertThat(r.out).as("a socket beside SCTP, as natively").contains(line);
            } else if (sctp) {
                assertThat(r.out).as("where the kernel has SCTP, refused as where it has none")
                        .containsPattern("(?m)^" + name + " errno 9[34]$");
            } else {
                assertThat(r.out).as("as on this kernel, which has no SCTP").contains(line);
            }
        }
        assertThat(r.out.lines().filter(l -> l.startsWith("seccheck: refused socket from task")
                && l.contains("an SCTP association reaches addresses no connect or send names"))).hasSize(4);
    }

    /** The guard policy of the README's "Enforcement" section, as it stands there. */
    static String readmeGuardPolicy() throws Exception {
        String readme = Files.readString(TestPrograms.repoRoot().resolve("README.md"));
        int start = readme.indexOf("{\"name\": \"guard\",");
        int end = readme.indexOf("\n```", start);
        assertThat(start).as("the guard policy in README.md").isNotNegative();
        return readme.substring(start, end);
    }

    @Test
    void killEndsTheOffendingProcessAndLogAllowsIt() throws Exception {
        Path alerts = tmp.resolve("alerts.jsonl");
        Path config = config(alerts, """
                {"point": "syscall/openat/enter", "match": {"pathname": {"prefix": "/etc/host"}}, "action": "log"},
                {"point": "syscall/openat/enter", "match": {"pathname": "/etc/passwd"}, "action": "kill"}""");

        Result r = run(config, "sh", "-c", "cat /etc/hostname >/dev/null; echo log=$?; cat /etc/passwd; echo kill=$?");

        assertThat(r.out).contains("log=0").contains("kill=137").doesNotContain("root:x:0:0");
        List<String> lines = Files.readAllLines(alerts);
        assertThat(lines).anyMatch(l -> l.contains("\"action\":\"log\"") && l.contains("/etc/hostname"));
        assertThat(lines).anyMatch(l -> l.contains("\"action\":\"kill\"") && l.contains("/etc/passwd"));
    }

    /**
     * The kernel runs the ELF interpreter a binary names (its {@code PT_INTERP}) before the binary,
     * with no exec of its own: a denied program made another's interpreter ran in its place. The
     * policy now decides on the interpreter as on the file executed, as for a {@code #!} script's.
     * The denied program is a static one with no libc (a dynamic one needs the dynamic loader to
     * relocate it); natively both routes run it, and an ordinary dynamic binary still runs under
     * the policy (its interpreter, the system's dynamic loader, is let through).
     */
    @Test
    void aDeniedProgramNamedAsAnotherProgramsElfInterpreterIsKilled() throws Exception {
        interpreterRoutes(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aDeniedProgramNamedAsAnotherProgramsElfInterpreterIsKilledUnprivileged() throws Exception {
        unprivileged(this::interpreterRoutes);
    }

    private void interpreterRoutes(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path raw = CPrograms.compile("src/test/c/raw_marker.c", base, "-static", "-nostdlib", "-fno-stack-protector");
        Path wrapped = Files.move(CPrograms.compile("src/test/c/embedded_key.c", base,
                "-Wl,--dynamic-linker=" + raw.toRealPath()), base.resolve("wrapped"));
        for (Path p : List.of(raw, wrapped)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String routes = raw + "; echo direct=$?; " + wrapped + "; echo interpreter=$?; /bin/echo OTHER-RAN";
        Result natively = finish(new ProcessBuilder(natively(nobody, "sh", "-c", routes)).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("RAW-RAN\ndirect=0", "RAW-RAN\ninterpreter=0", "OTHER-RAN");
        Path alerts = base.resolve("alerts.jsonl");
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "no raw", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}]}}]}"""
                .formatted(alerts, raw.toRealPath()));

        Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, "sh", "-c", routes))
                .redirectErrorStream(true).start());

        assertThat(r.out).as(r.out).doesNotContain("RAW-RAN").contains("direct=137", "interpreter=137", "OTHER-RAN");
        String interpreterOf = "\"interpreter_of\":\"" + wrapped.toRealPath() + "\"";
        assertThat(Files.readAllLines(alerts)).hasSize(2).anyMatch(l -> l.contains(interpreterOf));
    }

    /**
     * A program executed from a memfd (fexecve) is on no mount a path reaches, and holds only what
     * its maker wrote: it is named {@code /memfd:NAME (deleted)} as before, not taken for a file
     * on a mount seccheck cannot name (the first version of the exec checks killed it under an
     * exec rule and under a rule on opening files; a deny rule on {@code /memfd:*} still holds).
     */
    @Test
    void aProgramRunFromAMemfdRunsUnderExecAndOpenRulesThatDoNotNameIt() throws Exception {
        String program = String.join("\n",
                "import os",
                "fd = os.memfd_create('tool', 0)",
                "os.write(fd, open('/usr/bin/true', 'rb').read())",
                "pid = os.fork()",
                "if pid == 0:",
                "    os.execve(fd, ['tool'], {})",
                "print('memfd exec status', os.waitpid(pid, 0)[1])",
                "fd = os.memfd_create('script', 0)",
                "os.write(fd, b'#!/bin/sh\\nexit 0\\n')",
                "pid = os.fork()",
                "if pid == 0:",
                "    os.execve(fd, ['script'], {'PATH': '/usr/bin:/bin'})",
                "print('memfd script status', os.waitpid(pid, 0)[1])",
                "");
        Path exec = Files.writeString(tmp.resolve("exec.json"), """
                {"name": "noexec", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": "/nonexistent/tool"}, "action": "kill"}]}}]}""");
        Path memfds = Files.writeString(tmp.resolve("memfds.json"), """
                {"name": "nomemfd", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": {"glob": "/memfd:*"}}, "action": "kill"}]}}]}""");
        Path guard = Files.writeString(tmp.resolve("guard.json"), readmeGuardPolicy());

        assertThat(run(exec, "/usr/bin/python3", "-c", program).out).contains("memfd exec status 0", "memfd script status 0");
        assertThat(run(guard, "/usr/bin/python3", "-c", program).out).contains("memfd exec status 0", "memfd script status 0");
        assertThat(run(memfds, "/usr/bin/python3", "-c", program).out).contains("memfd exec status 9", "memfd script status 9");
    }

    /**
     * Executing a file reads it: the kernel maps it into the program, whose code (or a library it
     * preloads) can read every byte. A binary holding a key, which a rule keeps from being opened,
     * printed the key when run. Now a program is killed at its exec, before its first instruction,
     * when a rule on opening files denies it the file executed. Natively it prints the key. And
     * while seccheck holds the child at its exec event, the new image is out of the reach of the
     * program's other processes: a parent read the key out of it (/proc/PID/mem, process_vm_readv)
     * before the child was killed.
     */
    @Test
    void aFileARuleKeepsFromBeingOpenedCannotBeReadByExecutingIt() throws Exception {
        executeKept(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aFileARuleKeepsFromBeingOpenedCannotBeReadByExecutingItUnprivileged() throws Exception {
        unprivileged(this::executeKept);
    }

    private void executeKept(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path kept = owned(Files.createDirectory(base.resolve("kept")), nobody);
        Path fixed = owned(Files.move(CPrograms.compile("src/test/c/embedded_key.c", kept, "-static", "-no-pie"),
                kept.resolve("fixed")), nobody);
        Files.setPosixFilePermissions(fixed, PosixFilePermissions.fromString("rwx------"));
        Path tool = owned(CPrograms.compile("src/test/c/embedded_key.c", kept), nobody);
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx------"));
        Path peek = CPrograms.compile("src/test/c/exec_peek.c", base);
        // The parent reads its child's new image while seccheck holds the child at its exec event.
        String routes = "cat " + tool + " | grep -c EMBEDDED-KEY; " + tool + "; echo ran=$?; /bin/echo OTHER-RAN; "
                + peek + " " + fixed + " | grep -v EMBEDDED-KEY=";
        Result natively = finish(new ProcessBuilder(natively(nobody, "sh", "-c", routes)).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("EMBEDDED-KEY=sk_0123456789", "ran=0", "OTHER-RAN", "peeked by ",
                "child exited 0");
        Path alerts = base.resolve("alerts.jsonl");
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "kept",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                            {"name": "syscall/open/enter", "context_fields": ["cwd"]},
                            {"name": "syscall/creat/enter", "context_fields": ["cwd"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "open_file", "match": {"resolved_path": {"prefix": "%s/"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""".formatted(alerts, kept.toRealPath()));

        Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, "sh", "-c", routes))
                .redirectErrorStream(true).start());

        assertThat(r.out).as(r.out).doesNotContain("EMBEDDED-KEY=", "peeked by").contains("Permission denied", "ran=137",
                "OTHER-RAN");
        // The reader fails its read, or, still in its call past the exec shield's wait (a loaded
        // machine: CI at a load of 25), is killed: either way it never reads the new image.
        assertThat(r.out).as(r.out).containsPattern("not peeked\nchild killed by 9|killed task \\d+: its "
                + "process_vm_readv or process_vm_writev aimed at process \\d+, whose exec a sink decides, did not leave"
                + " the call in time");
        String real = tool.toRealPath().toString();
        assertThat(r.out).contains("at its exec, before its first instruction: a rule on opening files denies it " + real);
        assertThat(Files.readAllLines(alerts)).anyMatch(l -> l.contains("\"action\":\"kill\"")
                && l.contains("\"executing\":{\"name\":\"" + real + "\""));
    }

    /**
     * A rule on the executed file holds whatever name the program runs it by: a {@code #!} script
     * run through the program's own descriptor ({@code /dev/fd/3}, a symlink to /proc/self/fd, and
     * {@code /proc/self/fd/3}) is that script, not its interpreter. Before, seccheck resolved those
     * names from itself: it looked at its own descriptor 3, took the script for no script, and the
     * rule on the script's path did not hold. Each route runs natively, so the test cannot pass
     * vacuously.
     */
    @Test
    void aScriptRunThroughTheProgramsOwnDescriptorIsStillTheScript() throws Exception {
        scriptRoutes(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aScriptRunThroughTheProgramsOwnDescriptorIsStillTheScriptUnprivileged() throws Exception {
        unprivileged(this::scriptRoutes);
    }

    /**
     * Runs a script by its path, by {@code /dev/fd/3}, by {@code /proc/self/fd/3} and by a relative
     * name, natively and under a kill rule on its {@code binary_path}, as root when
     * {@code nobodysClasspath} is null, else as uid 65534 with that class path.
     */
    private void scriptRoutes(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path script = Files.writeString(base.resolve("payload.sh"), "#!/bin/sh\necho RAN-$1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String routes = "exec 3<" + script + "; " + script + " direct; /dev/fd/3 devfd; /proc/self/fd/3 procfd; cd "
                + base + " && ./payload.sh relative; /bin/echo OTHER-RAN";
        Result natively = finish(new ProcessBuilder(natively(nobody, "bash", "-c", routes)).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("RAN-direct", "RAN-devfd", "RAN-procfd", "RAN-relative");
        Path alerts = base.resolve("alerts.jsonl");
        String real = script.toRealPath().toString();
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "no payload", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"point": "sentry/execve", "match": {"binary_path": "%s"}, "action": "kill"}]}}]}"""
                .formatted(alerts, real));

        Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, "bash", "-c", routes))
                .redirectErrorStream(true).start());

        assertThat(r.out).as("under the policy").doesNotContain("RAN-direct", "RAN-devfd", "RAN-procfd", "RAN-relative")
                .as("a file the rule does not name still runs").contains("OTHER-RAN");
        assertThat(Files.readAllLines(alerts)).hasSize(4).allMatch(l -> l.contains("\"action\":\"kill\"") && l.contains(real));
    }

    /** A program a rule forbids running, run under another name or as a script's interpreter, as root. */
    @Test
    void aDeniedProgramRunsUnderNoOtherNameNorAsAnInterpreter() throws Exception {
        executedRoutes(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aDeniedProgramRunsUnderNoOtherNameNorAsAnInterpreterUnprivileged() throws Exception {
        unprivileged(this::executedRoutes);
    }

    /**
     * Runs a copy of echo that a kill rule names by path ({@code tool}) through a hard link, as the
     * interpreter of a {@code #!} script, and as the end of a chain of two scripts: natively each
     * route runs it; under the rule none does, each is killed with an alert, and a program the
     * rule does not name still runs. Before, a rule on {@code binary_path} was decided on the name
     * executed (the script's, the link's) only.
     */
    private void executedRoutes(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path tool = base.resolve("tool");
        Files.copy(Path.of("/bin/echo"), tool);
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path alias = Files.createLink(base.resolve("alias"), tool);
        Path wrapped = Files.writeString(base.resolve("wrapped"), "#!" + tool + "\n");
        Path nested = Files.writeString(base.resolve("nested"), "#!" + wrapped + "\n");
        for (Path script : List.of(wrapped, nested)) {
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String routes = alias + " ALIAS-RAN; " + wrapped + " WRAPPED-RAN; " + nested + " NESTED-RAN; /bin/echo OTHER-RAN";
        Result natively = finish(new ProcessBuilder(natively(nobody, "sh", "-c", routes)).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("ALIAS-RAN", "WRAPPED-RAN", "NESTED-RAN", "OTHER-RAN");
        Path alerts = base.resolve("alerts.jsonl");
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "no tool", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}]}}]}"""
                .formatted(alerts, tool.toRealPath()));

        Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, "sh", "-c", routes))
                .redirectErrorStream(true).start());

        assertThat(r.out).as("under the policy").doesNotContain("ALIAS-RAN", "WRAPPED-RAN", "NESTED-RAN")
                .as("a program the rule does not name still runs").contains("OTHER-RAN");
        List<String> lines = Files.readAllLines(alerts);
        assertThat(lines).hasSize(3).allMatch(l -> l.contains("\"action\":\"kill\""));
        assertThat(lines.get(0)).contains(alias.toRealPath().toString()).doesNotContain("interpreter_of");
        assertThat(lines.get(1)).contains("\"interpreter_of\":\"" + wrapped.toRealPath() + "\"");
        assertThat(lines.get(2)).contains("\"interpreter_of\":\"" + nested.toRealPath() + "\"");
    }

    /** A script the kernel ran because another script's {@code #!} line names it is decided too. */
    @Test
    void aScriptInTheMiddleOfAChainIsDecided() throws Exception {
        chainRoutes(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aScriptInTheMiddleOfAChainIsDecidedUnprivileged() throws Exception {
        unprivileged(this::chainRoutes);
    }

    /**
     * A kill rule names a shell script by path ({@code middle}). Three scripts lead the kernel to
     * it: one whose {@code #!} line names it by its absolute path, one by a name relative to the
     * cwd through a symlink, one naming the first (a chain of three), and one whose {@code #!}
     * line has no newline in the 256 bytes the kernel reads, the name running up to the last of
     * them. Natively each runs it; under the rule none does, each is killed with an alert naming
     * the script executed, and a script the rule does not name still runs. Before, only the script
     * passed and the binary the chain ended in were decided: the rule held for running the script
     * by name alone; and until session 32 the last line was taken for no script, and ran.
     */
    private void chainRoutes(Path base, String nobodysClasspath) throws Exception {
        boolean nobody = nobodysClasspath != null;
        Path middle = Files.writeString(base.resolve("middle"), "#!/bin/sh\necho RAN-VIA \"$@\"\n");
        Files.createSymbolicLink(base.resolve("link"), middle.getFileName());
        Path direct = Files.writeString(base.resolve("direct"), "#!" + middle + " \n");
        Path relative = Files.writeString(base.resolve("relative"), "#! ./link\n");
        Path twice = Files.writeString(base.resolve("twice"), "#!" + direct + "\n");
        // No newline in the 256 bytes the kernel reads: the name runs up to their last, a space.
        String name = middle.toString().substring(1);
        Path padded = Files.writeString(base.resolve("padded"), "#!" + "/".repeat(253 - name.length()) + name + " -\n");
        Path other = Files.writeString(base.resolve("other"), "#!/bin/sh\necho OTHER-RAN\n");
        for (Path script : List.of(middle, direct, relative, twice, padded, other)) {
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        String routes = "cd " + base + " && ./direct; ./relative; ./twice; ./padded; ./other";
        Result natively = finish(new ProcessBuilder(natively(nobody, "sh", "-c", routes)).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("RAN-VIA ./direct", "RAN-VIA ./relative",
                "RAN-VIA " + direct + " ./twice", "RAN-VIA ./padded", "OTHER-RAN");
        Path alerts = base.resolve("alerts.jsonl");
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "no middle", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}]}}]}"""
                .formatted(alerts, middle.toRealPath()));

        Result r = finish(new ProcessBuilder(runCommand(cli(nobodysClasspath), config, "sh", "-c", routes))
                .redirectErrorStream(true).start());

        assertThat(r.out).as("under the policy").doesNotContain("RAN-VIA")
                .as("a script the rule does not name still runs").contains("OTHER-RAN");
        List<String> lines = Files.readAllLines(alerts);
        String middlesPath = "\"binary_path\":\"" + middle.toRealPath() + "\"";
        assertThat(lines).hasSize(4).allMatch(l -> l.contains("\"action\":\"kill\"") && l.contains(middlesPath));
        assertThat(lines.get(0)).contains("\"interpreter_of\":\"" + direct.toRealPath() + "\"");
        assertThat(lines.get(1)).contains("\"interpreter_of\":\"" + relative.toRealPath() + "\"");
        assertThat(lines.get(2)).contains("\"interpreter_of\":\"" + twice.toRealPath() + "\"");
        assertThat(lines.get(3)).contains("\"interpreter_of\":\"" + padded.toRealPath() + "\"");
    }

    /**
     * A program its user may run but not read (mode 0711, root's) is not dumpable, so seccheck run
     * as that user cannot read its {@code /proc/PID/exe}: its {@code binary_path} is unknown. A kill
     * rule on that path was then decided on an empty one, and the program ran, directly and as a
     * script's interpreter. Now the path is missing and {@code on_missing} (deny: a kill at an exec)
     * decides, with an alert naming the gap; natively both routes run.
     */
    @Test
    void anExecuteOnlyProgramIsDecidedOnEvenWhenItsPathCannotBeReadUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path base = PackagedCli.nobodysDir(tmp.resolve("u"));
        Path tool = base.resolve("tool");
        Files.copy(Path.of("/bin/echo"), tool);
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx--x--x"));
        Path wrapped = Files.writeString(base.resolve("wrapped"), "#!" + tool + "\n");
        Files.setPosixFilePermissions(wrapped, PosixFilePermissions.fromString("rwxr-xr-x"));
        String routes = tool + " DIRECT-RAN; " + wrapped + " WRAPPED-RAN; /bin/echo OTHER-RAN";
        Result natively = finish(new ProcessBuilder(natively(true, "sh", "-c", routes)).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("DIRECT-RAN", "WRAPPED-RAN", "OTHER-RAN");
        Path alerts = base.resolve("alerts.jsonl");
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "no tool", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}]}}]}"""
                .formatted(alerts, tool));

        Result r = finish(new ProcessBuilder(runCommand(cli(classpath), config, "sh", "-c", routes))
                .redirectErrorStream(true).start());

        assertThat(r.out).as("under the policy").doesNotContain("DIRECT-RAN", "WRAPPED-RAN").contains("OTHER-RAN");
        assertThat(Files.readAllLines(alerts)).hasSize(2)
                .allMatch(l -> l.contains("\"missing\":\"binary_path (the executed file could not be looked at)\""));
    }

    /**
     * The same program's executable mappings: seccheck run as its user cannot name the file behind
     * its descriptor, and took it for a bad one, firing no sentry/mmap, so a deny rule on
     * {@code mapped_path} let it load every library. Now the path is missing and {@code on_missing}
     * denies the mapping (the loader fails); natively the program runs.
     */
    @Test
    void anExecuteOnlyProgramsMappingsAreDecidedOnUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        Path base = PackagedCli.nobodysDir(tmp.resolve("u"));
        Path tool = base.resolve("tool");
        Files.copy(Path.of("/bin/echo"), tool);
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwx--x--x"));
        String routes = tool + " TOOL-RAN; /bin/echo OTHER-RAN";
        Result natively = finish(new ProcessBuilder(natively(true, "sh", "-c", routes)).redirectErrorStream(true).start());
        assertThat(natively.out).as("natively").contains("TOOL-RAN", "OTHER-RAN");
        Path alerts = base.resolve("alerts.jsonl");
        Path config = Files.writeString(base.resolve("policy.json"), """
                {"name": "no libraries for tool", "points": [{"name": "sentry/mmap", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"point": "sentry/mmap", "match": {"process_name": "tool", "mapped_path": {"prefix": "/usr/lib/"}},
                    "action": "deny"}]}}]}""".formatted(alerts));

        Result r = finish(new ProcessBuilder(runCommand(cli(classpath), config, "sh", "-c", routes))
                .redirectErrorStream(true).start());

        assertThat(r.out).as("under the policy").doesNotContain("TOOL-RAN").contains("OTHER-RAN");
        assertThat(Files.readAllLines(alerts)).isNotEmpty()
                .allMatch(l -> l.contains("\"missing\":\"mapped_path (the mapped file could not be looked at)\""));
    }

    @Test
    void aBadRuleFailsTheRunBeforeAnythingStarts() throws Exception {
        Path marker = tmp.resolve("ran");
        Path config = config(tmp.resolve("alerts.jsonl"), """
                {"point": "syscall/openat/enter", "match": {"port": 22}, "action": "deny"}""");

        Result r = run(config, "touch", marker.toString());

        assertThat(r.code).isEqualTo(1);
        assertThat(r.out).contains("rules[0].match.port").contains("needs a socket address");
        assertThat(marker).doesNotExist();
    }

    private Path config(Path alerts, String rules) throws Exception {
        return Files.writeString(alerts.resolveSibling("policy.json"), """
                {"name": "guard",
                 "points": [
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name", "group_id"]},
                   {"name": "syscall/connect/enter", "context_fields": ["process_name"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [%s]}}]}""".formatted(alerts, rules));
    }

    /** A test's routes, run from {@code base} by seccheck as this JVM's user, or as uid 65534 from its classpath. */
    @FunctionalInterface
    private interface Routes {
        void run(Path base, String nobodysClasspath) throws Exception;
    }

    /** Runs {@code routes} with seccheck and its program unprivileged (uid 65534). */
    private void unprivileged(Routes routes) throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        routes.run(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private record Result(int code, String out) {}

    /** {@code command} as uid 65534 when {@code nobody}, else as this JVM's user. */
    private static List<String> natively(boolean nobody, String... command) {
        return nobody ? PackagedCli.nobody(command) : List.of(command);
    }

    /** The CLI's JVM command line: as uid 65534 from {@code nobodysClasspath}, or this JVM's class path when null. */
    private static List<String> cli(String nobodysClasspath) {
        return nobodysClasspath != null ? PackagedCli.asNobody(nobodysClasspath)
                : PackagedCli.java(System.getProperty("java.class.path"));
    }

    private static Result run(Path config, String... command) throws Exception {
        return finish(start(config, command));
    }

    private static Process start(Path config, String... command) throws Exception {
        List<String> java = PackagedCli.java(System.getProperty("java.class.path"));
        return new ProcessBuilder(runCommand(java, config, command)).redirectErrorStream(true).start();
    }

    /** {@code java} (a JVM command line for the CLI) running {@code command} under the policy in {@code config}. */
    private static List<String> runCommand(List<String> java, Path config, String... command) {
        List<String> cmd = new ArrayList<>(java);
        cmd.addAll(List.of("run", "--quiet", "--root", config.getParent().resolve("root").toString(),
                "--config", config.toString(), "--"));
        cmd.addAll(List.of(command));
        return cmd;
    }

    private static Result finish(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
