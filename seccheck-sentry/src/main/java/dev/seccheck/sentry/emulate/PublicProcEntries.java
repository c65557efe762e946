package dev.seccheck.sentry.emulate;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * PublicProcEntries says which names below {@code /proc/PID/} the kernel shows any user of any
 * process: the entries it serves with no ptrace-mode check (fs/proc/base.c), so that a process
 * outside the run (or seccheck) shows the program, through the opens seccheck makes for it, what
 * it shows anyone natively. Their bytes are the kernel's: seccheck opens the entry with the
 * program's credentials, and the program reads it (a read-time check, as wchan's or stat's, is the
 * program's own).
 *
 * <p>Public for reading: the entries of {@link #FILES} in the process's directory and in each
 * thread's ({@code task/TID/}, where {@code children} is too), the {@code task/} listing and the
 * thread directories, and the trees {@code net/} (the process's network namespace, which anyone
 * may read) and {@code attr/} (its LSM labels; writes the kernel lets the process itself only).
 * Everything the kernel guards with a ptrace-mode check stays out: fd/, fdinfo/, ns/, map_files/,
 * cwd, root, exe, environ, auxv, maps, smaps, smaps_rollup, numa_maps, mem, pagemap, clear_refs,
 * stack, syscall, io, personality, timers, mountstats, ksm_stat, ksm_merging_pages; and
 * timerslack_ns, which asks CAP_SYS_NICE.
 *
 * <p>Public for writing, as before: only the five entries of {@link #ANY_ACCESS}, whose writes the
 * kernel refuses to anyone but the process itself (comm) or altogether. The others are written by
 * their owner natively (oom_score_adj, sched, coredump_filter, autogroup, the user namespace maps
 * of a process that has none yet): for the program's user, that is the processes of the operator's
 * session, which the program must not alter, as it must not change their limits (prlimit64).
 */
final class PublicProcEntries {
    private PublicProcEntries() {}

    /** Files directly in /proc/PID/ (and task/TID/) that the kernel serves any user. */
    static final Set<String> FILES = Set.of("stat", "status", "cmdline", "comm", "statm", "limits", "wchan",
            "cgroup", "cpuset", "mountinfo", "mounts", "sched", "schedstat", "autogroup", "oom_score", "oom_adj",
            "oom_score_adj", "loginuid", "sessionid", "coredump_filter", "uid_map", "gid_map", "projid_map",
            "setgroups", "timens_offsets", "arch_status");

    /** The files of {@link #FILES} that any open may name, whatever its access (see the class comment). */
    static final Set<String> ANY_ACCESS = Set.of("stat", "status", "cmdline", "comm", "statm");

    /** The directories below /proc/PID/ (and task/TID/) whose whole tree any user may read. */
    private static final Set<String> TREES = Set.of("net", "attr");

    /**
     * Whether the names {@code rest}, looked up from /proc/PID/ on, stay among the public entries
     * ({@code writes}: for an open that may write), each directory on the way included. "." and
     * ".." are taken as the kernel takes them there, where no name is a symlink but the magic
     * links (none of them public); a ".." that climbs out of /proc/PID/ ends what is looked at
     * here, as the walk looks at what follows from procfs's root itself.
     */
    static boolean reaches(Iterable<String> rest, boolean writes) {
        List<String> at = new ArrayList<>();
        for (String comp : rest) {
            if (comp.equals(".")) {
                continue;
            }
            if (comp.equals("..")) {
                if (at.isEmpty()) {
                    return true;
                }
                at.removeLast();
                continue;
            }
            at.add(comp);
            if (!isPublic(at, writes)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the path {@code at} below /proc/PID/ names a public entry (or a file below a public one). */
    private static boolean isPublic(List<String> at, boolean writes) {
        if (writes) {
            return at.size() == 1 && ANY_ACCESS.contains(at.getFirst());
        }
        String first = at.getFirst();
        if (FILES.contains(first) || TREES.contains(first)) {
            return true; // below a file: the kernel says ENOTDIR
        }
        if (!first.equals("task")) {
            return false;
        }
        if (at.size() <= 2) {
            return true; // the listing, and a thread's directory
        }
        String third = at.get(2);
        return FILES.contains(third) || third.equals("children") || TREES.contains(third);
    }
}
