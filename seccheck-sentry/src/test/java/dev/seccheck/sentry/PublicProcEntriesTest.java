package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the kernel shows any user of another process in /proc/PID/ (its threads, cgroup, mounts,
 * limits, scheduling, OOM score, user namespace maps, network, LSM labels), with no ptrace-mode
 * check, is what the program reads of a process outside the run under seccheck too, byte for byte
 * where it stays still; what the kernel guards with a ptrace-mode check (fds, memory, environment,
 * stack, I/O counters...) stays refused, and none of those entries can be written through. A
 * process outside the run of the program's own user holds four threads; pid 1 is root's. Run as
 * root and as uid 65534, natively then under seccheck. Before, every entry but stat, status,
 * cmdline, comm and statm was refused (EACCES): {@code ps -L} listed no thread of such a process,
 * and its limits could not be read, through /proc or prlimit64.
 */
class PublicProcEntriesTest {

    private static final String[] POINTS = {"syscall/openat/enter", "syscall/openat/exit"};
    private static final String NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups ";

    /** Entries whose bytes stay the same from one read to the next. */
    private static final String STILL = "cgroup limits mountinfo mounts cpuset uid_map gid_map projid_map setgroups"
            + " oom_score_adj oom_adj loginuid sessionid arch_status coredump_filter timens_offsets attr/current";
    /** Entries any user may read whose bytes move (counters, the kernel function a thread waits in). */
    private static final String MOVING = "sched schedstat wchan oom_score autogroup net/dev task/TID/stat"
            + " task/TID/children task/TID/cgroup task/TID/limits";
    /** Entries the kernel guards with a ptrace-mode check. */
    private static final String GUARDED = "environ auxv maps smaps smaps_rollup numa_maps mem pagemap stack syscall io"
            + " personality timers mountstats task/TID/environ task/TID/mem task/TID/io";

    /**
     * For each entry of process $1: its bytes' sum for a still one, "ok" for a moving one, or the
     * error; the task/ listing; what ps shows of its threads; its limit of open files (prlimit64
     * with no new limit); then the writes tried ($2: through its name or a reopened descriptor).
     */
    private static final String PROBE = """
            P=$1
            err() { sed 's/.*: //' | head -n 1; }
            for f in %s; do f=$(echo $f | sed "s/TID/$P/")
              if s=$(cat /proc/$P/$f 2>/tmp/procpub.$$); then echo "$f $(echo "$s" | md5sum | cut -c1-8)"
              else echo "$f $(err </tmp/procpub.$$)"; fi
            done
            for f in %s %s; do f=$(echo $f | sed "s/TID/$P/")
              if head -c 65536 /proc/$P/$f >/dev/null 2>/tmp/procpub.$$; then echo "$f ok"
              else echo "$f $(err </tmp/procpub.$$)"; fi
            done
            for d in task task/$P net attr fd fdinfo ns map_files; do
              if l=$(ls /proc/$P/$d 2>/tmp/procpub.$$); then echo "$d/ $(echo $l | md5sum | cut -c1-8)"
              else echo "$d/ $(err </tmp/procpub.$$)"; fi
            done
            echo "task listing: $(ls /proc/$P/task | tr '\\n' ' ')"
            echo "ps -L: $(ps -L -o lwp= -p $P | wc -l) of $(ps -o nlwp= -p $P | tr -d ' ')"
            echo "prlimit: $(prlimit --pid $P --nofile -o SOFT,HARD --raw --noheadings 2>&1 | sed 's/.*: //')"
            if [ "$2" = write ]; then
              (echo 500 > /proc/$P/oom_score_adj) 2>/tmp/procpub.$$ && echo "write: done" || echo "write: $(err </tmp/procpub.$$)"
              (exec 3</proc/$P/oom_score_adj && echo 600 > /proc/self/fd/3) 2>/tmp/procpub.$$ && echo "reopen: done" \\
                || echo "reopen: $(err </tmp/procpub.$$)"
              (exec 4</proc/$P/task && echo 700 > /proc/self/fd/4/$P/oom_score_adj) 2>/tmp/procpub.$$ \\
                && echo "below: done" || echo "below: $(err </tmp/procpub.$$)"
              (echo 0 > /proc/$P/task/$P/sched) 2>/tmp/procpub.$$ && echo "sched: done" || echo "sched: $(err </tmp/procpub.$$)"
              echo "oom_score_adj now $(cat /proc/$P/oom_score_adj)"
            fi
            rm -f /tmp/procpub.$$
            """.formatted(STILL, MOVING, GUARDED);

    private Path dir;
    private Path script;
    private Process outside;

    @BeforeEach
    void writeTheProbe() throws Exception {
        dir = Files.createTempDirectory("procpub");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        script = dir.resolve("probe.sh");
        Files.writeString(script, PROBE);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterEach
    void stopTheOutsideProcess() throws Exception {
        if (outside != null) {
            outside.destroyForcibly();
            outside.waitFor(10, TimeUnit.SECONDS);
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** Starts, outside the run and as {@code as} (a setpriv prefix or none), a process of four threads; its pid. */
    private long startOutside(String as) throws Exception {
        String threads = "import threading,time,sys\n"
                + "for _ in range(3): threading.Thread(target=time.sleep, args=(600,), daemon=True).start()\n"
                + "print('up', flush=True); time.sleep(600)";
        List<String> cmd = new java.util.ArrayList<>(List.of(as.isEmpty() ? new String[0] : as.strip().split(" ")));
        cmd.addAll(List.of("/usr/bin/python3", "-c", threads));
        outside = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(new String(outside.getInputStream().readNBytes(3), StandardCharsets.UTF_8)).isEqualTo("up\n");
        return outside.pid();
    }

    private String nativeRun(String as, String... args) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", as + "/bin/sh " + script + " " + String.join(" ", args))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    private String supervisedRun(String as, String... args) throws Exception {
        Path out = dir.resolve("out");
        SupervisorTest.Run r = new SupervisorTest.Run(POINTS);
        String command = as + "/bin/sh " + script + " " + String.join(" ", args) + " > '" + out + "' 2>&1";
        assertThat(Supervised.Background.start(r.sup, List.of("/bin/sh", "-c", command)).await(60, command)).isIn(0, 1);
        return Files.readString(out).strip();
    }

    private static String line(String output, String key) {
        return output.lines().filter(l -> l.startsWith(key)).findFirst().orElse(key + " (no line)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", "nobody"})
    void pid1ShowsUnderSeccheckWhatItShowsNatively(String user) throws Exception {
        String as = user.equals("root") ? "" : NOBODY;
        String natively = nativeRun(as, "1");
        String supervised = supervisedRun(as, "1");
        for (String f : STILL.split(" ")) {
            assertThat(line(supervised, f + " ")).as("%s, /proc/1/%s", user, f).isEqualTo(line(natively, f + " "));
        }
        for (String f : MOVING.replace("TID", "1").split(" ")) {
            assertThat(line(supervised, f + " ")).as("%s, /proc/1/%s", user, f).isEqualTo(line(natively, f + " "));
        }
        assertThat(line(natively, "cgroup ")).doesNotContain("denied"); // readable natively: the test can fail
        for (String d : List.of("task/", "task/1/", "net/", "attr/")) {
            assertThat(line(supervised, d + " ")).as("%s, /proc/1/%s", user, d).isEqualTo(line(natively, d + " "));
        }
        assertThat(line(supervised, "prlimit:")).as("%s, prlimit64 reading pid 1's limit", user)
                .isEqualTo(line(natively, "prlimit:"));
        for (String f : GUARDED.replace("TID", "1").split(" ")) {
            assertThat(line(supervised, f + " ")).as("%s, /proc/1/%s", user, f).isEqualTo(f + " Permission denied");
        }
        for (String d : List.of("fd/", "fdinfo/", "ns/", "map_files/")) {
            assertThat(line(supervised, d + " ")).as("%s, /proc/1/%s", user, d).isEqualTo(d + " Permission denied");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"root", "nobody"})
    void theThreadsOfAProcessOutsideTheRunAreListedAndItsEntriesNotWritten(String user) throws Exception {
        String as = user.equals("root") ? "" : NOBODY;
        String pid = Long.toString(startOutside(as));
        String listing;
        try (var tasks = Files.list(Path.of("/proc", pid, "task"))) {
            listing = String.join(" ", tasks.map(p -> p.getFileName().toString())
                    .sorted(java.util.Comparator.comparingLong(Long::parseLong)).toList());
        }
        String supervised = supervisedRun(as, pid, "write");
        assertThat(line(supervised, "task listing:")).as(user).isEqualTo("task listing: " + listing + " ");
        assertThat(line(supervised, "ps -L:")).as(user).isEqualTo("ps -L: 4 of 4");
        assertThat(line(supervised, "prlimit:")).as(user).matches("prlimit: \\d+ \\d+");
        // Natively the program may write the entries of its user's other processes: under seccheck it may not.
        assertThat(line(supervised, "write:")).as(user).isEqualTo("write: Permission denied");
        assertThat(line(supervised, "reopen:")).as(user).isEqualTo("reopen: Permission denied");
        assertThat(line(supervised, "below:")).as(user).isEqualTo("below: Permission denied");
        assertThat(line(supervised, "sched:")).as(user).isEqualTo("sched: Permission denied");
        assertThat(line(supervised, "oom_score_adj now")).as(user).isEqualTo("oom_score_adj now 0");
        String natively = nativeRun(as, pid, "write");
        assertThat(line(natively, "task listing:")).isEqualTo("task listing: " + listing + " ");
        assertThat(line(natively, "ps -L:")).isEqualTo("ps -L: 4 of 4");
        assertThat(line(natively, "prlimit:")).isEqualTo(line(supervised, "prlimit:"));
        assertThat(line(natively, "write:")).as("natively, %s", user).isEqualTo("write: done");
        assertThat(line(natively, "below:")).as("natively, %s", user).isEqualTo("below: done");
        assertThat(line(natively, "oom_score_adj now")).isEqualTo("oom_score_adj now 700");
    }
}
