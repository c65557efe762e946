package dev.seccheck.sentry.trace;

import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Mman;
import dev.seccheck.abi.Sysno;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.Seccomp;
import dev.seccheck.points.Point;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.sentry.emulate.RealPath;
import dev.seccheck.sentry.filter.Assembler;
import dev.seccheck.sentry.filter.Bpf;
import dev.seccheck.sentry.filter.Fragment;
import dev.seccheck.sentry.filter.SeccompData;
import dev.seccheck.sentry.task.Task;
import dev.seccheck.sentry.task.TaskTable;
import dev.seccheck.sink.Missing;
import dev.seccheck.state.PointState;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * MmapPoints fires sentry/mmap when a program makes a mapping executable with {@code mmap}, as
 * gVisor does: every mmap with PROT_EXEC, of a file or anonymous (then without a path). The
 * mappings an exec makes by itself are not reported (gVisor reports none either);
 * {@code is_initial_mmap} says that the file mapped is the program's own executable (as when
 * {@code ld.so} maps the program it was asked to run). Only those calls reach seccheck: the
 * spawner's filter gets {@link #FILTER_FRAGMENT}, an argument test that holds exactly such calls
 * for the notifier, so the many non-executable mmaps of a program cost nothing. The point fires
 * at the call's enter, when the file descriptor still names the file; a denial fails the mmap.
 */
final class MmapPoints {

    /**
     * The argument test, for a filter's fragment slot (after the architecture check): mmap with
     * PROT_EXEC in prot (args[2]) returns USER_NOTIF; anything else falls through to the
     * per-number decision. PROT_EXEC lives in the low word of its argument.
     */
    static final Fragment FILTER_FRAGMENT = fragment();

    private final PointState state;
    private final ContextFactory context;
    /** Where the mapped file and the binary are stat'ed: never held by a filesystem the program serves. */
    private final FileLooks looks;

    MmapPoints(PointState state, ContextFactory context, FileLooks looks) {
        this.state = state;
        this.context = context;
        this.looks = looks;
    }

    /** Returns whether this mmap makes an executable mapping (the calls sentry/mmap reports). */
    static boolean isExecutableMapping(long prot) {
        return (prot & Mman.PROT_EXEC) != 0;
    }

    /**
     * Fires sentry/mmap for an executable mapping about to be made, of {@code fd} unless
     * {@code flags} hold MAP_ANONYMOUS.
     */
    int onMmap(Task task, long flags, int fd) {
        if (!state.enabled(Point.MMAP)) {
            return 0;
        }
        long now = TaskTable.nowNs();
        if ((flags & Mman.MAP_ANONYMOUS) != 0) {
            return fire(task, null, null, null, now, Missing.NONE);
        }
        Path link = Path.of("/proc", Integer.toString(task.tid()), "fd", Integer.toString(fd));
        String path = Procfs.link(task.tid(), "fd/" + fd).orElse(null);
        if (path == null) {
            try {
                path = Procfs.readLink(task.tid(), "fd/" + fd);
            } catch (NoSuchFileException badFd) {
                return 0; // a bad fd: the kernel fails the call with EBADF, nothing is mapped
            } catch (IOException unreadable) {
                // A process that executed a file its user cannot read is not dumpable: seccheck run
                // as that user cannot name its descriptors. The file is then missing, not absent.
                return fire(task, null, null, null, now,
                        Missing.NONE.with("mapped_path", "the mapped file could not be looked at"));
            }
        }
        Missing missing = Missing.NONE;
        if (state.decided(Point.MMAP)) {
            // A sink decides on the name: seccheck's, as for an open; a bind mount of the program's
            // own mount namespace showed a kept file under a name no rule denied.
            // A file of a tmpfs only the program's namespace has is named as the program chose
            // (RealPath.Name#vouched): a tmpfs over /usr made its bytes pass an allow list of /usr.
            Optional<RealPath.Name> named = realName(task.tid(), fd);
            Optional<String> real = named.flatMap(RealPath.Name::vouched);
            if (real.isPresent()) {
                path = real.get();
            } else if (named.isPresent()) {
                missing = missing.with("mapped_path", "the mapped file is on a mount seccheck cannot vouch for: "
                        + RealPath.PROGRAMS_OWN);
            } else {
                missing = missing.with("mapped_path", "the mapped file is on a mount seccheck cannot name: one of the"
                        + " program's own mount namespace, or a detached one");
            }
        }
        return fire(task, path, link, Path.of("/proc", Integer.toString(task.tgid()), "exe"), now, missing);
    }

    /** This thread's buffers and mount table for {@link #realName}. */
    private static final ThreadLocal<PathCalls> CALLS = ThreadLocal.withInitial(PathCalls::new);
    private static final ThreadLocal<RealPath> NAMES = ThreadLocal.withInitial(() -> new RealPath(CALLS.get()));

    /** The name of task {@code tid}'s descriptor {@code fd}'s file ({@link RealPath#name}); empty when it has none. */
    private static Optional<RealPath.Name> realName(int tid, int fd) {
        int ours = CALLS.get().openat(Fcntl.AT_FDCWD, "/proc/" + tid + "/fd/" + fd, Fcntl.O_PATH | Fcntl.O_CLOEXEC);
        if (ours < 0) {
            return Optional.empty();
        }
        try {
            return NAMES.get().name(ours, tid);
        } finally {
            PathCalls.close(ours);
        }
    }

    private int fire(Task task, String path, Path statPath, Path exe, long now, Missing missing) {
        PathCalls.Stat st = statPath == null ? null
                : looks.statAt(task.tid(), statPath.toString()).orElse(null);
        PathCalls.Stat exeSt = exe == null || st == null ? null
                : looks.statAt(task.tid(), exe.toString()).orElse(null);
        boolean initial = exeSt != null && exeSt.ino() == st.ino() && exeSt.dev() == st.dev();
        return state.fire(Point.MMAP, fields -> {
            MmapInfo.Builder b = MmapInfo.newBuilder().setIsInitialMmap(initial);
            if (path != null) {
                b.setMappedPath(path);
            }
            if (st != null) {
                b.setMappedIno(st.ino()).setMappedMode(st.mode()).setMappedUid(st.uid()).setMappedGid(st.gid())
                        .setMappedCtime(FileStat.timespec(st.ctimeNs()));
            }
            var c = context.build(task, fields, now);
            if (c != null) {
                b.setContextData(c);
            }
            return b.build();
        }, (sink, fields, msg) -> {
            if (missing.isEmpty()) {
                sink.mmap(fields, msg);
            } else {
                sink.mmap(fields, msg, missing);
            }
        });
    }

    private static Fragment fragment() {
        Assembler a = new Assembler();
        Assembler.Label other = a.label();
        a.load(SeccompData.NR);
        a.jump(Bpf.Cond.EQ, Sysno.MMAP, null, other);
        a.load(SeccompData.argLow(2));
        a.jump(Bpf.Cond.SET, Mman.PROT_EXEC, null, other);
        a.ret(Seccomp.RET_USER_NOTIF);
        a.bind(other);
        return a.fragment();
    }
}
