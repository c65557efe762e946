package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Mman;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.points.Point;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;
import dev.seccheck.proto.common.Timespec;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.state.PointState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * MmapPoints fires sentry/mmap when a program maps a file executable.
 *
 * <p>Two sources: the mappings an exec creates by itself (the binary and its interpreter), read
 * from /proc/PID/maps at the exec stop and reported with {@code is_initial_mmap}; and every later
 * {@code mmap} with PROT_EXEC of a file. Only those reach seccheck: the spawner's filter gets
 * {@link #FILTER_FRAGMENT}, an argument test that holds exactly such calls for the notifier, so
 * the many anonymous and non-executable mmaps of a program cost nothing. The point fires at the
 * call's enter, when the file descriptor still names the file; a denial fails the mmap.
 */
final class MmapPoints {


    /**
     * The argument test, for a filter's fragment slot (after the architecture check): mmap with
     * PROT_EXEC in prot (args[2]) and without MAP_ANONYMOUS in flags (args[3]) returns
     * USER_NOTIF; anything else falls through to the per-number decision. Both flags live in the
     * low words of their arguments.
     */
    static final Fragment FILTER_FRAGMENT = fragment();

    private final PointState state;
    private final ContextFactory context;

    MmapPoints(PointState state, ContextFactory context) {
        this.state = state;
        this.context = context;
    }

    /** Returns whether this mmap maps a file executable (the calls sentry/mmap reports). */
    static boolean isExecutableFileMapping(long prot, long flags) {
        return (prot & Mman.PROT_EXEC) != 0 && (flags & Mman.MAP_ANONYMOUS) == 0;
    }

    /** Fires sentry/mmap for an executable file mapping about to be made with {@code fd}. */
    int onMmap(Task task, int fd) {
        if (!state.enabled(Point.MMAP)) {
            return 0;
        }
        long now = TaskTable.nowNs();
        Path link = Path.of("/proc", Integer.toString(task.tid()), "fd", Integer.toString(fd));
        String path;
        try {
            path = Files.readSymbolicLink(link).toString();
        } catch (IOException e) {
            return 0; // a bad fd: the kernel fails the call with EBADF, nothing is mapped
        }
        return fire(task, path, link, false, now);
    }

    /** Fires sentry/mmap for each executable file mapping an exec has just made (binary, interpreter). */
    int initial(Task task) {
        if (!state.enabled(Point.MMAP)) {
            return 0;
        }
        long now = TaskTable.nowNs();
        for (String path : executableFiles(task.tgid())) {
            int verdict = fire(task, path, Path.of(path), true, now);
            if (verdict != 0) {
                return verdict;
            }
        }
        return 0;
    }

    private int fire(Task task, String path, Path statPath, boolean initial, long now) {
        Map<String, Object> st;
        try {
            st = Files.readAttributes(statPath, "unix:mode,uid,gid,ino,ctime");
        } catch (IOException | UnsupportedOperationException e) {
            st = null;
        }
        Map<String, Object> attrs = st;
        return state.fire(Point.MMAP, fields -> {
            MmapInfo.Builder b = MmapInfo.newBuilder().setMappedPath(path).setIsInitialMmap(initial);
            if (attrs != null) {
                Instant ct = ((FileTime) attrs.get("ctime")).toInstant();
                b.setMappedIno((Long) attrs.get("ino")).setMappedMode((Integer) attrs.get("mode"))
                        .setMappedUid((Integer) attrs.get("uid")).setMappedGid((Integer) attrs.get("gid"))
                        .setMappedCtime(Timespec.newBuilder().setSec(ct.getEpochSecond()).setNsec(ct.getNano()));
            }
            var c = context.build(task, fields, now);
            if (c != null) {
                b.setContextData(c);
            }
            return b.build();
        }, (sink, fields, msg) -> sink.mmap(fields, msg));
    }

    /** Returns the files mapped executable in a process, in address order, each once. */
    static Set<String> executableFiles(int pid) {
        Set<String> out = new LinkedHashSet<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", Integer.toString(pid), "maps"));
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            // address perms offset dev inode pathname
            String[] f = line.split("\\s+", 6);
            if (f.length == 6 && f[1].indexOf('x') >= 0 && f[5].startsWith("/")) {
                out.add(f[5].endsWith(" (deleted)") ? f[5].substring(0, f[5].length() - 10) : f[5]);
            }
        }
        return out;
    }

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label other = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.MMAP, null, other);
        a.load(SeccompData.argLow(2));
        a.jump(Bpf.Cond.SET, Mman.PROT_EXEC, null, other);
        a.load(SeccompData.argLow(3));
        a.jump(Bpf.Cond.SET, Mman.MAP_ANONYMOUS, other, null);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(other);
        return a.fragment();
    }
}
