package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.UnixSeqpacket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program under {@code seccheck run} with a deny policy tries to switch the policy off through
 * its run's control socket, with the CLI and with raw requests: every request is refused, the
 * refusal is logged on the run's stderr, and the policy still denies afterwards.
 */
class WorkloadControlTest {

    @TempDir
    Path tmp;

    private static final String RAW = """
            import socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            try:
                s.connect(sys.argv[1])
            except OSError as e:
                print('raw: connect refused:', e.strerror)
                sys.exit(0)
            s.sendall(sys.argv[2].encode() + b'\\n')
            print('raw:', s.recv(65536).decode().strip())
            """;

    @Test
    void theWorkloadCannotDeleteOrReplaceItsOwnPolicy() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.key"), "hunter2-the-secret");
        Path root = tmp.resolve("root");
        Path policy = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "guard",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""".formatted(tmp.resolve("alerts.jsonl")));
        Path open = Files.writeString(tmp.resolve("open.json"), """
                {"name": "guard", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}]}""");
        Path raw = Files.writeString(tmp.resolve("raw.py"), RAW);
        Path sock = root.resolve("w1").resolve("control.sock");
        String cli = String.join(" ", java());
        String script = String.join("\n",
                "cat " + secret + "; echo first=$?",
                cli + " trace delete --root " + root + " --name guard w1; echo delete=$?",
                cli + " trace create --root " + root + " --force --config " + open + " w1; echo create=$?",
                "python3 " + raw + " " + sock + " '{\"op\": \"session_delete\", \"name\": \"guard\"}'",
                "python3 " + raw + " " + sock + " '{\"op\": \"session_create\", \"force\": true, \"config\": "
                        + "\"{\\\"name\\\": \\\"guard\\\", \\\"points\\\": [], \\\"sinks\\\": []}\"}'",
                "cat " + secret + "; echo second=$?");

        Result r = run(root, policy, "w1", "sh", "-c", script);

        assertThat(r.out).contains("first=1", "delete=1", "create=1", "second=1").doesNotContain("hunter2");
        String refusal = "refused: the request comes from pid ";
        assertThat(r.out.lines().filter(l -> !l.startsWith("seccheck: control socket:"))
                .filter(l -> l.contains(refusal) && l.contains("a task supervised by run w1"))).as(r.out).hasSize(4);
        assertThat(r.out).contains("seccheck trace delete: " + refusal).contains("seccheck trace create: " + refusal)
                .contains("raw: {\"ok\":false,\"error\":\"" + refusal);
        assertThat(r.out.lines().filter(l -> l.startsWith("seccheck: control socket: \"session_delete\" " + refusal)))
                .hasSize(2);
        assertThat(r.out.lines().filter(l -> l.startsWith("seccheck: control socket: \"session_create\" " + refusal)))
                .hasSize(2);
        assertThat(Files.readString(tmp.resolve("alerts.jsonl")).lines().filter(l -> l.contains("\"deny\""))).hasSize(2);
    }

    /**
     * The program connects to its run's control socket from a child, hands the connection to
     * itself and lets the child exit, then waits until a process outside the run holds the child's
     * pid: the kernel still names the child as the peer. On a host the program would cycle the pids
     * with thread starts (32,768 of them here, about two seconds under seccheck) and wait for one of
     * the user's own processes to take that number; here a pid namespace of the test's own hands the
     * number to a {@code sleep} of the test's. Before, the request was judged by that pid, found to
     * come from outside the run, and the policy was deleted.
     */
    @Test
    void aRequestWhoseSenderLeftItsPidToAProcessOutsideTheRunIsRefused() throws Exception {
        PidHandoff.assumeRoot();
        Path secret = Files.writeString(tmp.resolve("secret.key"), "hunter2-the-secret");
        Path root = tmp.resolve("root");
        Path policy = denyKeys();
        Path program = Files.writeString(tmp.resolve("handoff.py"), HANDOFF);
        Path handoff = Files.createDirectories(tmp.resolve("handoff"));
        Path out = tmp.resolve("w6.out");
        PidHandoff.run(handoff, List.of(
                String.join(" ", java()) + " run --quiet --root " + root + " --id w6 --config " + policy
                        + " -- python3 " + program + " " + root.resolve("w6").resolve("control.sock") + " " + handoff
                        + " " + secret + " > " + out + " 2>&1 &",
                "run=$!"), 120);
        String run = Files.readString(out);

        assertThat(run).as(run).contains("handoff: {\"ok\":false,\"error\":\"refused: the process that connected, pid ")
                .contains("secret: Permission denied").doesNotContain("hunter2");
        assertThat(run).contains("seccheck: control socket: \"session_delete\" refused: the process that connected");
    }

    /**
     * The run's orphans go to a process outside the run that does not reap them at once (a
     * subreaper, as a container's first process may be). The program connects from a grandchild,
     * lets its parent exit so that the grandchild is reparented there, lets the grandchild exit
     * (a zombie: traced by no one, its parent outside the run), then sends the request on the
     * socket it shares. Before, the request was judged by that zombie's tracer and parents, found
     * to come from outside the run, and the policy deleted.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aRequestFromAZombieReparentedOutsideTheRunIsRefused(boolean nobody) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path secret = Files.writeString(tmp.resolve("secret.key"), "hunter2-the-secret");
        Path root = nobody ? PackagedCli.nobodysDir(tmp.resolve("root-nobody")) : tmp.resolve("root");
        Path policy = denyKeys();
        Path program = Files.writeString(tmp.resolve("zombie.py"), """
                import os, socket, sys, time
                sock, secret = sys.argv[1:3]
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                r, w = os.pipe()
                middle = os.fork()
                if middle == 0:
                    grandchild = os.fork()
                    if grandchild == 0:
                        time.sleep(0.3)  # the middle process exits first: this one is reparented outside the run
                        s.connect(sock)
                        os._exit(0)
                    os.write(w, str(grandchild).encode())
                    os._exit(0)
                os.waitpid(middle, 0)
                grandchild = int(os.read(r, 32))
                # Until it is a zombie that seccheck's tracer has let go (TracerPid 0): a fixed second
                # was not always enough for its sleep, connect and exit on a busy machine, and a
                # zombie whose exit the tracer has not taken yet is still a supervised task; in both
                # cases its request was refused as a supervised task's, not as this test's zombie.
                deadline = time.time() + 60
                def zombie_or_gone():
                    try:
                        with open("/proc/%d/status" % grandchild) as f:
                            fields = dict(l.split(":", 1) for l in f if ":" in l)
                        return fields["State"].split()[0] == "Z" and fields["TracerPid"].strip() == "0"
                    except FileNotFoundError:
                        return True  # reaped already: nothing left to wait for
                while time.time() < deadline and not zombie_or_gone():
                    time.sleep(0.05)
                s.send(b'{"op": "session_delete", "name": "guard"}\\n')
                print("zombie:", s.recv(65536).decode().strip(), flush=True)
                try:
                    print("secret:", open(secret).read(), flush=True)
                except OSError as e:
                    print("secret:", e.strerror, flush=True)
                """);
        // Outside the run: takes the run's orphans and reaps none until the run has ended.
        Path subreaper = Files.writeString(tmp.resolve("subreaper.py"), """
                import ctypes, os, subprocess, sys
                ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
                status = subprocess.call(sys.argv[1:])
                while True:
                    try:
                        os.waitpid(-1, 0)
                    except ChildProcessError:
                        break
                sys.exit(status)
                """);
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", subreaper.toString()));
        cmd.addAll(nobody ? PackagedCli.java(PackagedCli.nobodyClasspath()) : java());
        if (nobody) {
            cmd = PackagedCli.nobody(cmd.toArray(String[]::new));
        }
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", "w7", "--config", policy.toString(), "--",
                "/usr/bin/python3", program.toString(), root.resolve("w7").resolve("control.sock").toString(),
                secret.toString()));
        Path out = tmp.resolve("w7.out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the run to end").isTrue();
        String run = Files.readString(out);

        assertThat(run).as(run).contains("zombie: {\"ok\":false,\"error\":\"refused: the process that connected, pid ")
                .contains("secret: Permission denied").doesNotContain("hunter2");
    }

    /** Writes a session "guard" whose policy denies opening any *.key (EACCES), and returns its path. */
    private Path denyKeys() throws java.io.IOException {
        return Files.writeString(tmp.resolve("policy.json"), """
                {"name": "guard",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""");
    }

    private static final String HANDOFF = """
            import os, socket, sys, time
            sock, d, secret = sys.argv[1:4]
            a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
            child = os.fork()
            if child == 0:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.connect(sock)
                socket.send_fds(a, [b'x'], [s.fileno()])
                os._exit(0)
            os.waitpid(child, 0)
            _, fds, _, _ = socket.recv_fds(b, 1, 1)
            s = socket.socket(fileno=fds[0])
            with open(d + '/child.tmp', 'w') as f:
                f.write(str(child))
            os.rename(d + '/child.tmp', d + '/child')
            while not os.path.exists(d + '/go'):
                time.sleep(0.02)
            s.sendall(b'{"op": "session_delete", "name": "guard"}\\n')
            print('handoff:', s.recv(65536).decode().strip(), flush=True)
            try:
                print('secret:', open(secret).read(), flush=True)
            except OSError as e:
                print('secret:', e.strerror, flush=True)
            """;

    @Test
    void theWorkloadOfOneRunCannotControlAnotherRunOfTheSameRoot() throws Exception {
        String[] out = askAnotherRunToDelete("w2", """
                {"name": "watch", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}]}""");

        assertThat(out[0]).contains("raw: {\"ok\":false,\"error\":\"refused: the request comes from pid ")
                .contains("a task supervised by another seccheck run");
        assertThat(out[1]).contains("control socket: \"session_delete\" refused: the request comes from pid ");
    }

    /**
     * Runs a looping run "other" with a session "watch", then a run {@code id} under
     * {@code config} whose program asks the other's control socket to delete "watch"; returns
     * what the asking run and the other run printed.
     */
    private String[] askAnotherRunToDelete(String id, String config) throws Exception {
        Path root = tmp.resolve("root");
        Path quiet = Files.writeString(tmp.resolve("quiet.json"), """
                {"name": "watch", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}]}""");
        Path asking = Files.writeString(tmp.resolve(id + ".json"), config);
        Path raw = Files.writeString(tmp.resolve("raw.py"), RAW);
        Path stop = tmp.resolve("stop");
        Process target = startLooping(root, quiet, "other", stop);
        try {
            Path sock = awaitServing(root.resolve("other").resolve("control.sock"));
            Result r = run(root, asking, id, "python3", raw.toString(), sock.toString(),
                    "{\"op\": \"session_delete\", \"name\": \"watch\"}");
            Files.writeString(stop, "");
            assertThat(target.waitFor(30, TimeUnit.SECONDS)).isTrue();
            return new String[] {r.out, Files.readString(tmp.resolve("other.out"))};
        } finally {
            stopLooping(target, stop);
        }
    }

    /**
     * While a session has a connect point, seccheck performs the program's connects, and the
     * control socket sees seccheck's own pid as the client: the run refuses to make such a connect
     * to a seccheck process at all, and the control socket refuses its own pid. Before, the
     * workload deleted its policy this way and read the secret.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void theWorkloadCannotDeleteItsOwnPolicyThroughAConnectSeccheckPerforms(boolean nobody) throws Exception {
        if (nobody) {
            PackagedCli.assumeNobody(tmp);
        }
        Path secret = Files.writeString(tmp.resolve("secret.key"), "hunter2-the-secret");
        Path root = nobody ? PackagedCli.nobodysDir(tmp.resolve("root-nobody")) : tmp.resolve("root");
        Path policy = Files.writeString(tmp.resolve("policy.json"), """
                {"name": "guard",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                            {"name": "syscall/connect/enter"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*.key"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""");
        Path raw = Files.writeString(tmp.resolve("raw.py"), RAW);
        Path sock = root.resolve("w3").resolve("control.sock");
        String script = String.join("\n",
                "cat " + secret + "; echo first=$?",
                "/usr/bin/python3 " + raw + " " + sock + " '{\"op\": \"session_delete\", \"name\": \"guard\"}'",
                "cat " + secret + "; echo second=$?");

        Result r = run(nobody, root, policy, "w3", "sh", "-c", script);

        assertThat(r.out).as(r.out).contains("first=1", "raw: connect refused: Operation not permitted", "second=1")
                .doesNotContain("hunter2");
        assertThat(r.out).containsPattern("seccheck: refused connect from task \\d+ \\(python3\\): " + sock
                + " is served by pid \\d+ \\(seccheck-run\\)");
    }

    /** The same through a connect seccheck performs: the other run's process is a seccheck-run too. */
    @Test
    void theWorkloadOfOneRunCannotControlAnotherThroughAConnectSeccheckPerforms() throws Exception {
        String[] out = askAnotherRunToDelete("w4", """
                {"name": "net", "points": [{"name": "syscall/connect/enter"}], "sinks": [{"name": "null"}]}""");

        assertThat(out[0]).contains("raw: connect refused: Operation not permitted").contains("(seccheck-run)");
        assertThat(out[1]).doesNotContain("deleted");
    }

    /**
     * Every run of a user keeps its directory in one runtime directory, which the user's supervised
     * programs can rename in. A program swaps its run's directory with another run's (and the ids
     * in their run.json) and waits: the operator then deletes the session "guard" of the other run,
     * which both runs have. Before, the request reached the program's run, which deleted its own
     * policy, and the program read the secret; the client said the session was deleted. Each
     * request now names its run, and the swap itself is refused: a session deciding on names has
     * seccheck make the program's renames, and none is made in the runtime root.
     */
    @Test
    void aRunDirectorySwappedByTheWorkloadDoesNotMisdirectTheOperatorsRequests() throws Exception {
        Path root = tmp.resolve("root");
        Path kept = Files.createDirectory(tmp.resolve("s"));
        Path secret = Files.writeString(kept.resolve("secret.txt"), "hunter2-the-secret");
        Path guard = Files.writeString(tmp.resolve("guard.json"), """
                {"name": "guard",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"prefix": "%s/"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""".formatted(kept.toRealPath()));
        Path watch = Files.writeString(tmp.resolve("watch.json"), """
                {"name": "guard", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}]}""");
        Path stop = tmp.resolve("stop");
        Path swapped = tmp.resolve("swapped");
        Path go = tmp.resolve("go");
        String swap = String.join("\n",
                "cd " + root,
                "mv hostile .x && mv other hostile && mv .x other",
                "sed -i 's/\"id\":\"other\"/\"id\":\"hostile\"/' hostile/run.json",
                "sed -i 's/\"id\":\"hostile\"/\"id\":\"other\"/' other/run.json",
                "touch " + swapped,
                "while [ ! -e " + go + " ]; do sleep 0.05; done",
                "cat " + secret + "; echo after=$?");
        Process other = startLooping(root, watch, "other", stop);
        try {
            awaitServing(root.resolve("other").resolve("control.sock"));
            List<String> cmd = new ArrayList<>(java());
            cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", "hostile", "--config", guard.toString(),
                    "--", "sh", "-c", swap));
            Process hostile = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("hostile.out").toFile()).start();
            awaitFile(swapped, tmp.resolve("hostile.out"));

            Result delete = cli("trace", "delete", "--root", root.toString(), "--name", "guard", "other");
            Files.writeString(go, "");
            assertThat(hostile.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = Files.readString(tmp.resolve("hostile.out"));

            assertThat(out).as(out).contains("after=1").doesNotContain("hunter2");
            // The guard decides on names, so seccheck makes the program's renames, and refuses
            // those in the runtime root: the swap never happens, and the request reaches the run
            // it names. A swap made where it is not refused is answered by the request naming its
            // run (ControlServerTest).
            assertThat(out).contains("Operation not permitted").containsPattern("refused rename\\w* from task");
            assertThat(delete.code).as(delete.out).isZero();
            assertThat(delete.out).contains("deleted");
        } finally {
            stopLooping(other, stop);
        }
    }

    /**
     * The program rewrites its run's run.json (its command holding a newline, a whole forged row
     * and a terminal sequence) and copies it as a second run's record. Before, {@code seccheck
     * list} printed the forged row and the escape to the operator's terminal, and listed the
     * planted run. Now the command is escaped, and a record whose id is not its directory's name
     * names no run.
     */
    @Test
    void aRunsRecordRewrittenByItsProgramCannotForgeTheList() throws Exception {
        Path root = tmp.resolve("root");
        Path done = tmp.resolve("done");
        Path go = tmp.resolve("go");
        String forge = String.join("\n",
                "import json, os, sys, time",
                "root, done, go = sys.argv[1:4]",
                "p = os.path.join(root, 'victim', 'run.json')",
                "r = json.load(open(p))",
                "r['command'] = ['sleep', '1\\ndb-backup                4242     guard                    /usr/bin/pg_dump\\x1b]0;owned\\x07']",
                "open(p + '.new', 'w').write(json.dumps(r)); os.rename(p + '.new', p)",
                "os.makedirs(os.path.join(root, 'planted'), mode=0o700, exist_ok=True)",
                "r['id'] = 'prod-web'",
                "open(os.path.join(root, 'planted', 'run.json'), 'w').write(json.dumps(r))",
                "open(done, 'w').close()",
                "while not os.path.exists(go): time.sleep(0.05)",
                "");
        Path script = Files.writeString(tmp.resolve("forge.py"), forge);
        Path quiet = Files.writeString(tmp.resolve("quiet.json"), """
                {"name": "watch", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}]}""");
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", "victim", "--config", quiet.toString(),
                "--", "/usr/bin/python3", script.toString(), root.toString(), done.toString(), go.toString()));
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("victim.out").toFile())
                .start();
        try {
            awaitFile(done, tmp.resolve("victim.out"));
            Result list = cli("list", "--root", root.toString());

            assertThat(list.out).as(list.out).doesNotContain("\u001b").doesNotContain("\u0007")
                    .doesNotContain("prod-web").contains("its run.json names another run");
            assertThat(list.out.lines().filter(l -> l.startsWith("db-backup"))).as(list.out).isEmpty();
            assertThat(list.out.lines().filter(l -> l.startsWith("victim"))).singleElement().asString()
                    .contains("\\ndb-backup", "\\x1b]0;owned\\x07");
        } finally {
            Files.writeString(go, "");
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
    }

    /**
     * {@code seccheck exec} runs the operator's command inside the run, with the operator's
     * environment and descriptors (a terminal). The program watched for it among the run's tasks
     * and read its {@code /proc/PID/environ} (the operator's token) and opened its descriptor 0,
     * which it could keep and read the operator's typing from after the command ended. Now the
     * operator's command is out of the program's reach, as a process outside the run is. The
     * default session (opens performed by seccheck) is the run's.
     */
    @Test
    void theProgramCannotReachTheOperatorsExecCommand() throws Exception {
        Path root = tmp.resolve("root");
        Path out = tmp.resolve("watch.txt");
        Path stop = tmp.resolve("stop");
        String watch = String.join("\n",
                "import os, sys, time",
                "out, stop = sys.argv[1:3]",
                "me = os.getpid()",
                "tracer = [l for l in open('/proc/self/status') if l.startswith('TracerPid:')][0]",
                "seen = set()",
                "while not os.path.exists(stop):",
                "    for d in os.listdir('/proc'):",
                "        if not d.isdigit() or int(d) == me or d in seen:",
                "            continue",
                "        try:",
                "            st = open('/proc/%s/status' % d).read()",
                "            if tracer not in st or 'OPERATOR-CMD' not in open('/proc/%s/cmdline' % d).read():",
                "                continue",
                "        except OSError:",
                "            continue",
                "        seen.add(d)",
                "        for what, f in (('environ', lambda: open('/proc/%s/environ' % d, 'rb').read()),",
                "                        ('fd0', lambda: os.open('/proc/%s/fd/0' % d, os.O_RDONLY))):",
                "            try:",
                "                r = f()",
                "                open(out, 'a').write('%s read %s\\n' % (what, b'OPERATOR_TOKEN' in r if isinstance(r, bytes) else r >= 0))",
                "            except OSError as e:",
                "                open(out, 'a').write('%s errno %d\\n' % (what, e.errno))",
                "    time.sleep(0.01)",
                "");
        Path script = Files.writeString(tmp.resolve("watch.py"), watch);
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", "watched", "-o", "/dev/null", "--",
                "/usr/bin/python3", script.toString(), out.toString(), stop.toString()));
        Process run = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("watched.out").toFile())
                .start();
        try {
            awaitServing(root.resolve("watched").resolve("control.sock"));
            List<String> exec = new ArrayList<>(java());
            exec.addAll(List.of("exec", "--root", root.toString(), "watched", "--", "sh", "-c", "sleep 2 # OPERATOR-CMD"));
            Path said = tmp.resolve("exec.out");
            ProcessBuilder pb = new ProcessBuilder(exec).redirectErrorStream(true).redirectOutput(said.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            pb.environment().put("OPERATOR_TOKEN", "s3cr3t");
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("seccheck exec did not end within 60 s: " + Files.readString(said));
            }
            assertThat(p.exitValue()).as(Files.readString(said)).isZero();
        } finally {
            Files.writeString(stop, "");
            if (!run.waitFor(30, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
        }
        String seen = Files.exists(out) ? Files.readString(out) : "";
        assertThat(seen).as(Files.readString(tmp.resolve("watched.out"))).contains("environ errno 13", "fd0 errno 13")
                .doesNotContain("read True");
    }

    @Test
    void aSessionLockedInItsRunConfigOutlivesTheOperatorsDeleteAndReplace() throws Exception {
        Path root = tmp.resolve("root");
        Path locked = Files.writeString(tmp.resolve("locked.json"), """
                {"name": "pinned", "points": [{"name": "sentry/execve"}], "sinks": [{"name": "null"}],
                 "options": {"locked": true}}""");
        Path stop = tmp.resolve("stop");
        Process run = startLooping(root, locked, "pin", stop);
        try {
            awaitServing(root.resolve("pin").resolve("control.sock"));

            Result delete = cli("trace", "delete", "--root", root.toString(), "--name", "pinned", "pin");
            Result replace = cli("trace", "create", "--root", root.toString(), "--force", "--config", locked.toString(), "pin");
            Result list = cli("trace", "list", "--root", root.toString(), "pin");

            assertThat(delete.code).isEqualTo(1);
            assertThat(delete.out).contains("seccheck trace delete: session \"pinned\" is locked: it cannot be deleted "
                    + "while the run lives; it ends when the run stops");
            assertThat(replace.code).isEqualTo(1);
            assertThat(replace.out).contains("session \"pinned\" is locked: it cannot be replaced");
            assertThat(list.out).contains("\"pinned\" (1 points, locked)");
        } finally {
            stopLooping(run, stop);
        }
        assertThat(run.exitValue()).isZero();
    }

    /**
     * Starts {@code seccheck run --id ID} under {@code config} of a shell that loops until
     * {@code stop} exists, its output in {@code ID.out}.
     */
    private Process startLooping(Path root, Path config, String id, Path stop) throws Exception {
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of("run", "--quiet", "--root", root.toString(), "--id", id, "--config", config.toString(), "--",
                "sh", "-c", "while [ ! -e " + stop + " ]; do /bin/sleep 0.05; done"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(id + ".out").toFile()).start();
    }

    /** Ends a run of {@link #startLooping}: creates its stop file and waits 30 s, then kills it. */
    private static void stopLooping(Process run, Path stop) throws Exception {
        Files.writeString(stop, "");
        if (!run.waitFor(30, TimeUnit.SECONDS)) {
            run.destroyForcibly();
        }
    }

    /** Waits up to 60 s for {@code file}, which a run's program makes; {@code log} is the run's output, for the failure. */
    private static void awaitFile(Path file, Path log) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!Files.exists(file)) {
            assertThat(Instant.now()).as(Files.readString(log)).isBefore(deadline);
            Thread.sleep(20);
        }
    }

    /** Waits until the socket accepts a connection (it exists a moment before it listens). */
    static Path awaitServing(Path sock) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            try (UnixSeqpacket _ = UnixSeqpacket.connect(sock)) {
                return sock;
            } catch (LinuxException e) {
                assertThat(Instant.now()).as("the run to serve " + sock).isBefore(deadline);
                Thread.sleep(50);
            }
        }
    }

    private Result cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(java());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "cli", ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("seccheck " + String.join(" ", args) + " did not end within 60 s");
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    private record Result(int code, String out) {}

    private Result run(Path root, Path config, String id, String... command) throws Exception {
        return run(false, root, config, id, command);
    }

    /** {@code seccheck run} of {@code command}, as uid 65534 when {@code nobody} (from a class path it can read). */
    private Result run(boolean nobody, Path root, Path config, String id, String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--quiet", "--root", root.toString(), "--id", id, "--config",
                config.toString(), "--"));
        args.addAll(List.of(command));
        List<String> cmd = new ArrayList<>(nobody ? PackagedCli.asNobody(PackagedCli.nobodyClasspath())
                : java());
        cmd.addAll(args);
        Path out = tmp.resolve(id + ".out");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("seccheck run did not end within 120 s: " + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    }

    private static List<String> java() {
        return PackagedCli.java(System.getProperty("java.class.path"));
    }
}
