package dev.seccheck.sentry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sentry.testing.CWorkloads;
import dev.seccheck.testing.Victim;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The program runs as the user who started seccheck, and the kernel lets a process reach the
 * memory of that user's other processes: the shell that started the run, an editor, a daemon.
 * Code written there runs out of supervision. A victim outside the run holds "ORIGINAL" in its
 * memory; the hostile program ({@code src/test/c/hostile.c}) writes "INJECTED" over it, reads it,
 * or reads the victim's environment, natively (where each succeeds, so the test cannot pass
 * vacuously) and under seccheck, where each is refused and the victim keeps what it held. The
 * program's own children stay in its reach.
 */
class OutsideProcessesTest {

    private static final String[] POINTS = {"syscall/openat/enter", "syscall/openat/exit"};

    @TempDir
    Path dir;

    private static String pid(Victim v) {
        return Long.toString(v.pid());
    }

    private static String address(Victim v) {
        return Long.toString(v.address());
    }

    private String nativeRun(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CWorkloads.binary("hostile").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    private String supervisedRun(SupervisorTest.Run r, String... args) throws Exception {
        StringBuilder cmd = new StringBuilder("exec '" + CWorkloads.binary("hostile") + "'");
        for (String a : args) {
            cmd.append(" '").append(a).append("'");
        }
        return supervisedShell(r, cmd.toString());
    }

    /** Runs {@code command} with /bin/sh under {@code r}; returns what it printed. */
    private String supervisedShell(SupervisorTest.Run r, String command) throws Exception {
        Path out = dir.resolve("out");
        assertThat(Supervised.Background.start(r.sup, List.of("/bin/sh", "-c", command + " > '" + out + "' 2>&1"))
                .await(60, command)).isIn(0, 1);
        return Files.readString(out).strip();
    }

    @Test
    void theMemoryOfAProcessOutsideTheRunIsOutOfReach() throws Exception {
        for (String route : List.of("vm-write", "mem-write")) {
            Victim v = Victim.start(List.of());
            assertThat(nativeRun(route, pid(v), address(v))).as("natively, %s", route)
                    .isEqualTo("GOT written");
            assertThat(v.holds()).as("natively, %s", route).isEqualTo("INJECTED");

            Victim w = Victim.start(List.of());
            SupervisorTest.Run r = new SupervisorTest.Run(POINTS);
            String got = supervisedRun(r, route, pid(w), address(w));
            assertThat(w.holds()).as("under seccheck, %s: %s", route, got).isEqualTo("ORIGINAL");
            assertThat(got).as(route).isEqualTo(route.startsWith("vm") ? "NO EPERM" : "NO EACCES");
            if (route.startsWith("vm")) {
                assertThat(r.warnings).anyMatch(l -> l.matches("refused process_vm_writev from task \\d+ \\(hostile\\):"
                        + " aimed at seccheck or at a process outside the run \\(EPERM\\)"));
            }
        }
    }

    /** A check of one route against a victim of its own. */
    @FunctionalInterface
    private interface RouteCheck {
        void check(String route, Victim v) throws Exception;
    }

    /** Runs {@code check} for each route, each against a new victim, which is let go after. */
    private static void againstVictims(List<String> routes, RouteCheck check) throws Exception {
        for (String route : routes) {
            Victim v = Victim.start(List.of());
            try {
                check.check(route, v);
            } finally {
                v.holds();
            }
        }
    }

    @Test
    void whatAProcessOutsideTheRunHoldsCannotBeRead() throws Exception {
        againstVictims(List.of("vm-read", "mem-read", "environ"), (route, v) -> {
            String natively = nativeRun(route, pid(v), address(v));
            assertThat(natively).as("natively, %s", route).startsWith("GOT ");
            if (!route.equals("environ")) {
                assertThat(natively).isEqualTo("GOT ORIGINAL");
            }
            String got = supervisedRun(new SupervisorTest.Run(POINTS), route, pid(v), address(v));
            assertThat(got).as("under seccheck, %s", route).startsWith("NO ").doesNotContain("ORIGINAL");
        });
    }

    /**
     * /proc/PID/ named from elsewhere than the procfs root: a descriptor of the directory, or the
     * directory as the working directory. What anyone may read stays readable.
     */
    @Test
    void procPidReachedFromADescriptorOrTheCwdIsOutOfReachToo() throws Exception {
        againstVictims(List.of("procat", "proccwd"), (route, v) -> {
            assertThat(nativeRun(route, pid(v), "environ")).as("natively, %s", route).startsWith("GOT ");
            assertThat(supervisedRun(new SupervisorTest.Run(POINTS), route, pid(v), "environ"))
                    .as("under seccheck, %s", route).isEqualTo("NO EACCES");
            assertThat(supervisedRun(new SupervisorTest.Run(POINTS), route, pid(v), "task/" + v.pid() + "/environ"))
                    .as("under seccheck, %s, a thread's", route).isEqualTo("NO EACCES");
            assertThat(supervisedRun(new SupervisorTest.Run(POINTS), route, pid(v), "comm"))
                    .as("under seccheck, %s, what anyone may read", route).isEqualTo("GOT python3");
        });
    }

    /**
     * A process of the user's in namespaces of its own (a rootless container) is outside the run
     * too: the program joins its user namespace and its mounts, where /proc is the procfs of the
     * container's pid namespace, numbered otherwise than seccheck's (its first process is 1). Before,
     * seccheck did not look at the processes of such a procfs, and the container's environment was
     * read. The program's own namespaces stay its own.
     */
    @Test
    void aProcessInAContainerOfTheUsersIsOutOfReachThroughTheContainersProcfs() throws Exception {
        Victim v = Victim.start(List.of("unshare", "--user", "--map-root-user", "--pid", "--fork", "--mount-proc"));
        try {
            assertThat(nativeRun("container", pid(v), "environ")).as("natively").startsWith("GOT ");
            assertThat(supervisedRun(new SupervisorTest.Run(POINTS), "container", pid(v), "environ"))
                    .as("under seccheck").isEqualTo("NO EACCES");
            assertThat(supervisedRun(new SupervisorTest.Run(POINTS), "container", pid(v), "comm"))
                    .as("what anyone may read").isEqualTo("GOT python3");
        } finally {
            v.holds();
        }
        assertThat(supervisedShell(new SupervisorTest.Run(POINTS), "exec unshare --user --map-root-user --pid --fork"
                + " --mount-proc sh -c 'cat /proc/1/environ > /dev/null && echo READ'")).as("its own").isEqualTo("READ");
    }

    /** Sampling another process (perf_event_open) or changing its limits (prlimit64). */
    @Test
    void aProcessOutsideTheRunCanBeNeitherSampledNorLimited() throws Exception {
        againstVictims(List.of("perf", "prlimit"), (route, v) -> {
            assertThat(nativeRun(route, pid(v))).as("natively, %s", route).startsWith("GOT ");
            assertThat(supervisedRun(new SupervisorTest.Run(POINTS), route, pid(v))).as("under seccheck, %s", route)
                    .isEqualTo("NO EPERM");
            assertThat(supervisedShell(new SupervisorTest.Run(POINTS), "exec '" + CWorkloads.binary("hostile") + "' "
                    + route + " $$")).as("its own, %s", route).startsWith("GOT ");
        });
        // seccheck itself (this JVM here) is no process of the run either: before, a program could
        // take its limits (RLIMIT_NOFILE, RLIMIT_CPU) down under it.
        String self = Long.toString(ProcessHandle.current().pid());
        assertThat(supervisedRun(new SupervisorTest.Run(POINTS), "prlimit", self)).isEqualTo("NO EPERM");
    }

    /**
     * Calls that reach another process without its memory or its /proc files, which the kernel
     * allows on any process of the same user: kcmp (which lists its descriptors, one number at a
     * time), get_robust_list and move_pages (where its C library lies, which of its pages are
     * mapped), migrate_pages, and process_madvise through a pidfd (paging seccheck's memory out,
     * as root, slowed every call it holds by half). Natively each reaches the victim; under
     * seccheck each is refused, with a line, and still reaches the program's own process.
     */
    @Test
    void aProcessOutsideTheRunCanBeNeitherComparedNorMappedNorPagedOut() throws Exception {
        againstVictims(List.of("kcmp", "robust", "movepages", "migrate", "madvise"), (route, v) -> {
            assertThat(nativeRun(route, pid(v), address(v))).as("natively, %s", route).isEqualTo("GOT " + route);
            SupervisorTest.Run r = new SupervisorTest.Run(POINTS);
            assertThat(supervisedRun(r, route, pid(v), address(v))).as("under seccheck, %s", route).isEqualTo("NO EPERM");
            assertThat(r.warnings).as(route).anyMatch(l -> l.matches("refused \\w+ from task \\d+ \\(hostile\\): aimed at"
                    + " seccheck or at a process outside the run \\(EPERM\\)"));
            assertThat(supervisedShell(new SupervisorTest.Run(POINTS), "exec '" + CWorkloads.binary("hostile") + "' "
                    + route + " $$ " + address(v))).as("its own, %s", route).isEqualTo("GOT " + route);
        });
    }

    /** The program's own processes are of the run: their memory stays within its reach. */
    @Test
    void aChildOfTheProgramStaysInItsReach() throws Exception {
        for (String route : List.of("vm-write", "mem-write")) {
            assertThat(nativeRun(route, "child")).as("natively, %s", route).isEqualTo("GOT INJECTED");
            assertThat(supervisedRun(new SupervisorTest.Run(POINTS), route, "child")).as("under seccheck, %s", route)
                    .isEqualTo("GOT INJECTED");
        }
    }

    /**
     * With {@code allow_ptrace} the kernel's ptrace is open to the program, and the run's own
     * tasks cannot take a second tracer: an attach could only take a process outside the run.
     */
    @Test
    void allowPtraceAttachesNoProcessOutsideTheRun() throws Exception {
        Victim v = Victim.start(List.of());
        try {
            assertThat(nativeRun("seize", pid(v))).isEqualTo("GOT seized");
        } finally {
            v.holds();
        }
        Victim w = Victim.start(List.of());
        try {
            SupervisorTest.Run r = new SupervisorTest.Run(POINTS);
            r.sup.allowPtrace(true);
            assertThat(supervisedRun(r, "seize", pid(w))).isEqualTo("NO EPERM");
            assertThat(r.warnings).anyMatch(l -> l.startsWith("refused ptrace from task "));
        } finally {
            w.holds();
        }
    }
}
