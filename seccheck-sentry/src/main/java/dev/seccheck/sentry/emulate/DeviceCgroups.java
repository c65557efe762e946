package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_DIRECTORY;
import static dev.seccheck.abi.Fcntl.O_RDONLY;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.CgroupPrograms;
import dev.seccheck.linux.Mountinfo;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * DeviceCgroups keeps a task's device policy when seccheck opens a device node for it. The kernel
 * checks the open of a character or block device against the cgroups of the thread that opens it:
 * the v1 devices controller's rules, and the BPF device programs of its v2 cgroup. Opened by
 * seccheck's thread, those were seccheck's: a program in a cgroup that may open no device (a
 * container, or a program that moved itself into one) opened any device node through seccheck,
 * the raw disk of a container that can mknod included.
 *
 * <p>For a task in the same cgroups as the opening thread nothing changes. Otherwise:
 * <ul>
 *   <li>v2: the open goes on only if the task's cgroup and the thread's have the same device
 *       programs in effect ({@link CgroupPrograms}); if not, or if that cannot be told, it is
 *       refused with EPERM and a line, since a thread cannot join another cgroup alone. Without
 *       CAP_NET_ADMIN seccheck cannot ask; it then goes on: attaching device programs needs that
 *       privilege, which a program that seccheck runs unprivileged does not have.</li>
 *   <li>v1: the open is made by a thread of its own that joined the task's devices cgroup (v1
 *       lets a single thread move), took the program's identity, and ends after the call. That
 *       needs the right to write the cgroup's {@code tasks} (root); without it the open is
 *       refused with EPERM and a line.</li>
 * </ul>
 * Cgroup paths are read from /proc as seen from seccheck's cgroup namespace, and the hierarchies
 * found in seccheck's mount table; a path or hierarchy that cannot be found refuses the open.
 */
final class DeviceCgroups {

    /** The largest cgroup file read (one line per hierarchy, each a path). */
    private static final int MAX_CGROUP_FILE = 16 << 10;

    private final PathCalls calls;
    private final Identity.Own own;
    private final Consumer<String> log;
    private final byte[] theirBytes = new byte[MAX_CGROUP_FILE];
    private final byte[] ourBytes = new byte[MAX_CGROUP_FILE];

    DeviceCgroups(PathCalls calls, Identity.Own own, Consumer<String> log) {
        this.calls = calls;
        this.own = own;
        this.log = log;
    }

    /** Whether the kernel checks an open of this file against the opener's device cgroups. */
    static boolean is(PathCalls.Stat st) {
        return st != null && (st.isCharDevice() || st.isBlockDevice());
    }

    /** Reads the cgroup file {@code name} into {@code into} in one read: its length, or -errno (-EFBIG when it fills it). */
    private int read(String name, byte[] into) {
        int fd = calls.openat(AT_FDCWD, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return fd;
        }
        try {
            int n = calls.pread(fd, into, 0);
            return n == into.length ? -Errno.EFBIG : n;
        } finally {
            PathCalls.close(fd);
        }
    }

    private static List<String> lines(byte[] bytes, int length) {
        return new String(bytes, 0, length, StandardCharsets.UTF_8).lines().toList();
    }

    /** Where a thread stands, from its /proc cgroup file: its v1 devices cgroup and its v2 cgroup (null: none). */
    record Membership(String devices, String unified) {
        /** The membership /proc/TID/cgroup's lines give ("ID:controllers:path"). */
        static Membership parse(List<String> lines) {
            String devices = null;
            String unified = null;
            for (String line : lines) {
                String[] f = line.split(":", 3);
                if (f.length < 3) {
                    continue;
                }
                if (f[0].equals("0") && f[1].isEmpty()) {
                    unified = f[2];
                } else if (List.of(f[1].split(",")).contains("devices")) {
                    devices = f[2];
                }
            }
            return new Membership(devices, unified);
        }
    }

    /**
     * What opening a device for task {@code tid} needs: {@link Way#AS_USUAL} when its cgroups
     * decide as the calling thread's do, {@link Way#JOINED} when the open must be made from its
     * v1 devices cgroup ({@link #joined}), or {@link Way#REFUSED} (logged) when seccheck cannot make
     * it as the task's own would be made ({@code confined}: the task's calls are made on threads of
     * its Landlock domain, which cannot join a cgroup too).
     */
    Way way(int tid, PathCalls.Stat device, boolean confined) {
        int theirLength = read("/proc/" + tid + "/cgroup", theirBytes);
        int ourLength = read("/proc/thread-self/cgroup", ourBytes);
        if (theirLength < 0 || ourLength < 0) {
            return refuse(tid, device, "its cgroups cannot be read");
        }
        if (Arrays.equals(theirBytes, 0, theirLength, ourBytes, 0, ourLength)) {
            return Way.AS_USUAL; // the common case, told without parsing
        }
        Membership t = Membership.parse(lines(theirBytes, theirLength));
        Membership o = Membership.parse(lines(ourBytes, ourLength));
        if (!Objects.equals(t.unified(), o.unified())) {
            String why = sameDevicePrograms(t.unified(), o.unified());
            if (why != null) {
                return refuse(tid, device, why);
            }
        }
        if (Objects.equals(t.devices(), o.devices())) {
            return Way.AS_USUAL;
        }
        if (!own.privileged() || confined) {
            return refuse(tid, device, "its devices cgroup " + t.devices() + " is not seccheck's, which seccheck cannot join"
                    + (confined ? " on a thread of the task's Landlock domain" : " without privilege"));
        }
        return hierarchy("cgroup", "devices", t.devices()).isPresent() ? Way.JOINED
                : refuse(tid, device, "its devices cgroup " + t.devices() + " is not in seccheck's mount table");
    }

    /** How a device open is made for a task. */
    enum Way {
        /** As any other open: the task's cgroups decide as the opening thread's. */
        AS_USUAL,
        /** From a thread that joined the task's v1 devices cgroup ({@link #joined}). */
        JOINED,
        /** Not at all: EPERM (logged). */
        REFUSED
    }

    /**
     * Null when the v2 cgroups {@code theirs} and {@code ours} have the same device programs in
     * effect (or seccheck may not ask, see the class comment), else why not.
     */
    private String sameDevicePrograms(String theirs, String ours) {
        Optional<Path> t = hierarchy("cgroup2", null, theirs);
        Optional<Path> o = hierarchy("cgroup2", null, ours);
        if (t.isEmpty() || o.isEmpty()) {
            return "its cgroup " + theirs + " is not in seccheck's mount table";
        }
        CgroupPrograms.Query a = query(t.get());
        CgroupPrograms.Query b = query(o.get());
        if (!own.privileged() && (a.errno() == Errno.EPERM || b.errno() == Errno.EPERM)) {
            return null;
        }
        return a.sameAs(b) ? null : "its cgroup " + theirs + " has other device programs than seccheck's (or they cannot"
                + " be told: " + (a.errno() != 0 ? Errno.name(a.errno()) : b.errno() != 0 ? Errno.name(b.errno()) : "they differ")
                + "), which a thread of seccheck's cannot join";
    }

    private CgroupPrograms.Query query(Path dir) {
        int fd = calls.openat(AT_FDCWD, dir.toString(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            return new CgroupPrograms.Query(new long[0], -fd);
        }
        try {
            return CgroupPrograms.devicePrograms(fd);
        } finally {
            PathCalls.close(fd);
        }
    }

    /**
     * The directory of cgroup {@code path} in the hierarchy mounted with filesystem {@code type}
     * (and the controller {@code controller} among its options), from seccheck's mount table: a
     * mount of the hierarchy's root, as the paths in /proc are from it. Empty when there is none,
     * or the path leaves it.
     */
    private static Optional<Path> hierarchy(String type, String controller, String path) {
        if (path == null || !path.startsWith("/") || path.contains("/..")) {
            return Optional.empty();
        }
        List<Mountinfo.Mount> mounts;
        try {
            mounts = Mountinfo.read("/proc/self/mountinfo");
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        for (Mountinfo.Mount m : mounts) {
            if (m.type().equals(type) && m.root().equals("/")
                    && (controller == null || List.of(m.superOptions().split(",")).contains(controller))) {
                return Optional.of(Path.of(m.mountPoint(), path));
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code open} on a thread of its own that joined task {@code tid}'s v1 devices cgroup and
     * assumed {@code who}, while this thread waits: its result, or -errno when the task is gone or
     * the cgroup could not be joined ({@link Way#JOINED}).
     */
    int joined(int tid, Identity who, IntSupplier open) {
        int length = read("/proc/" + tid + "/cgroup", theirBytes);
        Optional<Path> dir = length < 0 ? Optional.empty()
                : hierarchy("cgroup", "devices", Membership.parse(lines(theirBytes, length)).devices());
        if (dir.isEmpty()) {
            return -Errno.ESRCH;
        }
        Path tasks = dir.get().resolve("tasks");
        return CallThread.run("seccheck-in-task-devices", own, who, () -> {
            try {
                Files.writeString(tasks, "0"); // in v1, this thread alone
                return 0;
            } catch (IOException e) {
                log.accept("could not join devices cgroup " + dir.get() + " for task " + tid + ": " + e);
                return CallThread.REFUSED;
            }
        }, open);
    }

    private Way refuse(int tid, PathCalls.Stat device, String why) {
        log.accept("refused openat from task " + tid + " (" + Procfs.comm(tid) + ") of device "
                + (device.isCharDevice() ? "c " : "b ") + PathCalls.major(device.rdev()) + ":"
                + PathCalls.minor(device.rdev()) + ": the kernel checks it against the opener's cgroups, and " + why
                + " (EPERM)");
        return Way.REFUSED;
    }
}
