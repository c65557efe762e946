package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which names below /proc/PID/ of a process outside the run {@link PublicProcEntries} lets through. */
class PublicProcNamesTest {

    private static boolean reads(String rest) {
        return PublicProcEntries.reaches(List.of(rest.split("/")), false);
    }

    private static boolean writes(String rest) {
        return PublicProcEntries.reaches(List.of(rest.split("/")), true);
    }

    @Test
    void whatAnyUserMayReadIsReadHereAndInEachThread() {
        for (String name : List.of("limits", "cgroup", "mountinfo", "wchan", "task", "task/12", "task/12/sched",
                "task/12/children", "net/dev", "net/stat/arp_cache", "attr/current", "task/12/attr/apparmor/current")) {
            assertThat(reads(name)).as(name).isTrue();
        }
    }

    @Test
    void whatTheKernelGuardsWithAPtraceCheckIsNot() {
        for (String name : List.of("environ", "mem", "maps", "fd", "fd/0", "fdinfo/0", "ns/mnt", "cwd", "root", "exe",
                "io", "stack", "syscall", "personality", "timerslack_ns", "task/12/environ", "task/12/fd/1",
                "task/12/../../environ", "net/../environ", "task/./12/../12/mem")) {
            assertThat(reads(name)).as(name).isFalse();
        }
    }

    @Test
    void aDotDotOutOfTheProcessDirectoryIsLeftToTheLookUpsFromTheRoot() {
        assertThat(reads("task/../../2")).isTrue();
        assertThat(reads("./status")).isTrue();
    }

    @Test
    void onlyTheFiveFilesOfOldAreOpenedForWriting() {
        for (String name : List.of("stat", "status", "cmdline", "comm", "statm")) {
            assertThat(writes(name)).as(name).isTrue();
        }
        for (String name : List.of("oom_score_adj", "sched", "coredump_filter", "uid_map", "setgroups", "attr/current",
                "task/12/comm", "task/12/oom_score_adj", "net/dev", "task")) {
            assertThat(writes(name)).as(name).isFalse();
        }
    }
}
