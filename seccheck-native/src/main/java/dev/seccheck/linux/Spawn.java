package dev.seccheck.linux;

import dev.seccheck.abi.FileTypes;
import dev.seccheck.abi.Sysno;
import dev.seccheck.abi.Fcntl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spawn starts a program with posix_spawn(3), which glibc implements with a vfork-style clone
 * that runs no Java code in the child: the only safe way for a JVM to start a process it then
 * controls itself.
 *
 * <p>The program of {@code seccheck run} gets the caller's world ({@link CallerWorld}): its
 * environment, its descriptors (no descriptor of the JVM), its blocked signals, every other signal
 * at its default action except those the caller ignored. A command of {@code seccheck exec} gets
 * the environment, cwd and stdio given, and an empty mask with every signal at its default.
 *
 * <p>Every spawn is <em>held</em> before its execve: its last file actions open, for writing, a
 * FIFO of its own that nobody reads yet (the open blocks in the kernel), then close it. A tracer
 * finds the child ({@link Prepared#child}), attaches to it and installs its seccomp filter by
 * injecting the calls (the child still shares this process's memory, so the filter prepared here
 * by {@link Prepared#filter} is read in place); {@link Prepared#release} then opens the FIFO's
 * read end and the child goes on to its execve. No thread of the JVM ever carries a supervised
 * program's filter, so the spawning thread may end like any other.
 */
public final class Spawn {
    private Spawn() {}

    private static final int POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final int POSIX_SPAWN_SETSIGMASK = 0x08;
    /** The kernel's {@code struct sigaction} on x86-64 (rt_sigaction's, not glibc's). */
    private static final java.lang.foreign.StructLayout KERNEL_SIGACTION = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("sa_handler"), ValueLayout.JAVA_LONG.withName("sa_flags"),
            ValueLayout.JAVA_LONG.withName("sa_restorer"), ValueLayout.JAVA_LONG.withName("sa_mask"));
    private static final StructField.OfLong SA_HANDLER =
            StructField.longs(KERNEL_SIGACTION, MemoryLayout.PathElement.groupElement("sa_handler"));
    private static final long SIG_IGN = 1;

    // glibc's posix_spawn functions: each returns 0 or an error number, and leaves errno alone.
    private static final Libc.Function SPAWN = Libc.function("posix_spawn");
    private static final Libc.Function ACTIONS_INIT = Libc.function("posix_spawn_file_actions_init");
    private static final Libc.Function ACTIONS_CLOSEFROM = Libc.function("posix_spawn_file_actions_addclosefrom_np");
    private static final Libc.Function ACTIONS_CLOSE = Libc.function("posix_spawn_file_actions_addclose");
    private static final Libc.Function ACTIONS_DUP2 = Libc.function("posix_spawn_file_actions_adddup2");
    private static final Libc.Function ACTIONS_OPEN = Libc.function("posix_spawn_file_actions_addopen");
    private static final Libc.Function ACTIONS_CHDIR = Libc.function("posix_spawn_file_actions_addchdir_np");
    private static final Libc.Function ATTR_INIT = Libc.function("posix_spawnattr_init");
    private static final Libc.Function ATTR_SETFLAGS = Libc.function("posix_spawnattr_setflags");
    private static final Libc.Function ATTR_SETSIGMASK = Libc.function("posix_spawnattr_setsigmask");
    private static final Libc.Function ATTR_SETSIGDEFAULT = Libc.function("posix_spawnattr_setsigdefault");

    /**
     * Prepared is a spawn whose arguments, attributes, file actions and seccomp filter are already
     * in native memory, so that a seccomp filter can recognise the child's execve by the exact
     * address of its path argument, and so that the held child can install the filter straight
     * from this memory. It owns the hold: a private directory with one FIFO, removed once the
     * spawn is over.
     */
    public static final class Prepared {
        private final Arena arena = Arena.ofAuto();
        private final MemorySegment path;
        private final MemorySegment args;
        private final MemorySegment env;
        private final MemorySegment attr;
        private final MemorySegment actions;
        private final MemorySegment pid;
        private final Path holdDir;
        private final Path fifo;
        /** The FIFO's read end once released (-1 before, -2 once the spawn is over and it is closed). */
        private final AtomicInteger reader = new AtomicInteger(-1);
        /** The spawning thread's id, once it is about to spawn (0 before). */
        private volatile int spawner;
        private MemorySegment fprog = MemorySegment.NULL;
        private byte[] trap;
        /** The caller's soft RLIMIT_NOFILE and this process's hard one, for the held child; NULL to keep this process's. */
        private final MemorySegment descriptorLimit;
        /** The coredump_filter the child executes with, or -1 for this process's. */
        private final long coredumpFilter;
        /** The signals the caller ignored, and an action that ignores one, for the held child. */
        private final long ignored;
        private final MemorySegment ignoreAction;

        /**
         * Creates the private directory (0700) that holds the child's FIFO. Not
         * Files.createTempDirectory: its random name comes from SecureRandom, whose providers take
         * about 20 ms to set up on the way to every launch. The name need not be secret: mkdir
         * fails on any name that exists (a planted file or link included), and the next is tried.
         */
        private static Path holdDirectory() {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            FileAttribute<Set<PosixFilePermission>> owner = PosixFilePermissions.asFileAttribute(
                    EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.OWNER_EXECUTE));
            IOException last = null;
            for (int attempt = 0; attempt < 100; attempt++) {
                Path dir = tmp.resolve("seccheck-hold-" + ProcessHandle.current().pid() + "-"
                        + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36));
                try {
                    return Files.createDirectory(dir, owner);
                } catch (FileAlreadyExistsException taken) {
                    last = taken;
                } catch (IOException e) {
                    throw new UncheckedIOException("creating the directory that holds a spawned child: " + e.getMessage(), e);
                }
            }
            throw new UncheckedIOException("creating the directory that holds a spawned child in " + tmp
                    + ": 100 names taken", last);
        }

        private Prepared(String file, List<String> argv, List<byte[]> environment, String directory, int[] stdio,
                int[] inherited, long blocked, long ignored, long descriptorLimit, long coredumpFilter)
                throws LinuxException {
            // Byte for byte: an argument that is no UTF-8 (FileNames) is passed as the caller gave it.
            path = terminated(FileNames.encode(file));
            args = strings(argv.stream().map(FileNames::encode).toList());
            env = strings(environment);
            attr = arena.allocate(Layouts.POSIX_SPAWNATTR);
            actions = arena.allocate(Layouts.POSIX_SPAWN_FILE_ACTIONS);
            pid = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment mask = arena.allocate(Layouts.SIGSET);
            MemorySegment defaults = arena.allocate(Layouts.SIGSET);
            mask.set(ValueLayout.JAVA_LONG, 0, blocked);
            this.ignored = ignored;
            ignoreAction = arena.allocate(KERNEL_SIGACTION);
            SA_HANDLER.set(ignoreAction, SIG_IGN);
            // Every signal, glibc's internal 32 and 33 included (sigfillset leaves them out and the
            // spawn would then ignore them), to default: all but those the caller ignored.
            defaults.set(ValueLayout.JAVA_LONG, 0, ~ignored);
            this.coredumpFilter = coredumpFilter;
            MemorySegment limits = arena.allocate(Layouts.RLIMIT);
            long r0 = Direct.call(Sysno.PRLIMIT64, 0, PathCalls.RLIMIT_NOFILE, 0, limits.address());
            if (r0 < 0) {
                throw new LinuxException("prlimit64(0, RLIMIT_NOFILE)", (int) -r0);
            }
            // Unsigned: RLIM_INFINITY is all ones. A descriptor at or above this process's soft limit
            // was not opened by this JVM (the kernel allocates none there, and the JVM only ever
            // raises its limit): it is one of the caller's, or was closed before main() ran.
            long ownLimit = Layouts.RLIM_CUR.get(limits);
            long hard = Layouts.RLIM_MAX.get(limits);
            if (descriptorLimit >= 0 && Long.compareUnsigned(descriptorLimit, ownLimit) != 0) {
                this.descriptorLimit = limits;
                Layouts.RLIM_CUR.set(limits, Long.compareUnsigned(descriptorLimit, hard) < 0 ? descriptorLimit : hard);
            } else {
                this.descriptorLimit = MemorySegment.NULL;
            }
            holdDir = holdDirectory();
            fifo = holdDir.resolve("fifo");
            try {
                long r = Direct.call(Sysno.MKNODAT, Fcntl.AT_FDCWD, arena.allocateFrom(fifo.toString()).address(),
                        FileTypes.S_IFIFO | 0600, 0);
                if (r < 0) {
                    throw new LinuxException("mknodat(" + fifo + ", S_IFIFO)", (int) -r);
                }
                check(ATTR_INIT, attr.address());
                check(ACTIONS_INIT, actions.address());
                check(ATTR_SETSIGMASK, attr.address(), mask.address());
                check(ATTR_SETSIGDEFAULT, attr.address(), defaults.address());
                check(ATTR_SETFLAGS, attr.address(), POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
                if (stdio != null) {
                    for (int i = 0; i < 3; i++) {
                        check(ACTIONS_DUP2, actions.address(), stdio[i], i);
                    }
                }
                if (directory != null) {
                    check(ACTIONS_CHDIR, actions.address(), arena.allocateFrom(directory).address());
                }
                // The caller's descriptors pass to the program, and those it had closed (0, 1 or 2
                // too) stay closed: the JVM's (any other) stay here. glibc refuses a close at or
                // above this process's soft limit (EBADF), where nothing of the JVM's can be.
                int next = 0;
                for (int fd : inherited) {
                    for (; next < fd && Long.compareUnsigned(next, ownLimit) < 0; next++) {
                        check(ACTIONS_CLOSE, actions.address(), next);
                    }
                    next = Math.max(next, fd + 1);
                }
                if (Long.compareUnsigned(next, ownLimit) < 0) {
                    check(ACTIONS_CLOSEFROM, actions.address(), next);
                }
                // The hold, last, then closed: the listener the tracer installs meanwhile may take
                // the number the open would have had, and glibc then moves the FIFO with a dup2,
                // which drops O_CLOEXEC.
                int hold = lowestFree(inherited);
                check(ACTIONS_OPEN, actions.address(), hold, arena.allocateFrom(fifo.toString()).address(),
                        Fcntl.O_WRONLY | Fcntl.O_CLOEXEC, 0);
                check(ACTIONS_CLOSE, actions.address(), hold);
            } catch (LinuxException e) {
                removeHold();
                throw e;
            } catch (Throwable t) {
                removeHold();
                throw new AssertionError(t);
            }
        }

        private static int lowestFree(int[] inherited) {
            int free = 0;
            for (int fd : inherited) { // ascending
                if (fd == free) {
                    free++;
                } else if (fd > free) {
                    break;
                }
            }
            return free;
        }

        /** {@code b} and a NUL, in this spawn's arena. */
        private MemorySegment terminated(byte[] b) {
            MemorySegment s = arena.allocate(b.length + 1L);
            MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
            return s;
        }

        private MemorySegment strings(List<byte[]> list) {
            MemorySegment v = arena.allocate(AddressLayout.ADDRESS, list.size() + 1L);
            for (int i = 0; i < list.size(); i++) {
                v.setAtIndex(ValueLayout.ADDRESS, i, terminated(list.get(i)));
            }
            v.setAtIndex(ValueLayout.ADDRESS, list.size(), MemorySegment.NULL);
            return v;
        }

        /**
         * Returns the address of this spawn's path string, the value the child's execve passes
         * as its first argument. It is a value to compare with a held syscall's argument, never
         * to be dereferenced.
         */
        public long execPathPointer() {
            return path.address();
        }

        /**
         * Sets the filter (8-byte {@code sock_filter}s) {@link #spawn} installs on the spawning
         * thread, which the child inherits: one without a listener, that nothing JVM code does
         * matches, so the thread may run on and end.
         */
        public void trap(byte[] program) {
            trap = program.clone();
        }

        /**
         * Returns the signals the caller ignored (bit N-1 for signal N). posix_spawn can only reset
         * a disposition to default, so the child keeps one ignored only where this process ignores
         * it; the JVM cannot ignore some (USR2, its suspend signal; the faults it handles), and the
         * tracer sets those in the held child ({@link #ignoreActionAddress}).
         */
        public long ignoredSignals() {
            return ignored;
        }

        /**
         * Returns the address of a kernel {@code struct sigaction} that ignores its signal, for an
         * rt_sigaction made by the held child, which shares this process's memory until its execve.
         */
        public long ignoreActionAddress() {
            return ignoreAction.address();
        }

        /**
         * Gives the held child {@code pid} the caller's soft descriptor limit (the JVM raised its
         * own to the hard one, and the child has a copy of it), keeping the hard one; nothing when
         * they are the same. Its limits are its own: the child shares this process's memory, not
         * its limits.
         */
        public void limitDescriptors(int pid) throws LinuxException {
            if (descriptorLimit.equals(MemorySegment.NULL)) {
                return;
            }
            long r = Direct.call(Sysno.PRLIMIT64, pid, PathCalls.RLIMIT_NOFILE, descriptorLimit.address(), 0);
            if (r < 0) {
                throw new LinuxException("prlimit64(" + pid + ", RLIMIT_NOFILE, " + Layouts.RLIM_CUR.get(descriptorLimit)
                        + ")", (int) -r);
            }
        }

        /** Copies the seccomp filter (8-byte {@code sock_filter}s) that the held child is to install. */
        public void filter(byte[] program) {
            fprog = Seccomp.fprog(arena, program);
        }

        /**
         * Returns the address of the filter's {@code sock_fprog}: valid in the held child too,
         * which shares this process's memory until its execve.
         */
        public long filterAddress() {
            return fprog.address();
        }

        /**
         * Returns the held child's pid once it exists (the spawning thread's child, read from
         * {@code /proc/self/task/TID/children}), empty while it does not yet.
         */
        public java.util.OptionalInt child() {
            int tid = spawner;
            if (tid == 0) {
                return java.util.OptionalInt.empty();
            }
            try {
                String list = Files.readString(Path.of("/proc/self/task/" + tid + "/children")).trim();
                return list.isEmpty() ? java.util.OptionalInt.empty()
                        : java.util.OptionalInt.of(Integer.parseInt(list.split(" ")[0]));
            } catch (IOException e) {
                return java.util.OptionalInt.empty(); // the spawning thread has ended: the spawn is over
            }
        }

        /**
         * Lets the held child go on to its execve: opens the FIFO's read end without blocking. The
         * read end and the FIFO stay until the spawn returns: the child's open, interrupted by the
         * tracer's stops, is restarted from its path lookup and must then find a reader at once.
         */
        public void release() throws LinuxException {
            MemorySegment name = Arena.ofAuto().allocateFrom(fifo.toString());
            long fd = Direct.call(Sysno.OPENAT, Fcntl.AT_FDCWD, name.address(),
                    Fcntl.O_RDONLY | Fcntl.O_NONBLOCK | Fcntl.O_CLOEXEC, 0);
            if (fd < 0) {
                throw new LinuxException("open(" + fifo + ", O_RDONLY|O_NONBLOCK)", (int) -fd);
            }
            if (!reader.compareAndSet(-1, (int) fd)) {
                PathCalls.close((int) fd); // the spawn is already over
            }
        }

        /**
         * The spawn will not be made (its filter or trap could not be set): removes the hold
         * directory, which would otherwise stay in the temporary directory.
         */
        public void abandon() {
            removeHold();
        }

        /** The spawn is over (the child executed or ended): closes the read end, removes the hold. */
        private void finish() {
            int fd = reader.getAndSet(-2);
            PathCalls.close(fd);
            removeHold();
        }

        private void removeHold() {
            // Whatever is in it goes too: another process of the user may have put a file there.
            try (java.util.stream.Stream<Path> all = Files.walk(holdDir)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException | UncheckedIOException e) {
                // A temporary directory left behind is harmless; a failure here must not fail the spawn.
            }
        }
    }

    /**
     * Prepares {@code seccheck run}'s spawn of {@code file} in the caller's world. {@code file} is
     * executed as it is (no PATH search): a relative name is the kernel's to resolve from the cwd.
     */
    public static Prepared prepare(String file, List<String> argv, CallerWorld caller) throws LinuxException {
        return new Prepared(file, argv, caller.environment(), null, null, caller.fds(), caller.blockedSignals(),
                caller.ignoredSignals(), caller.descriptorLimit(), caller.coredumpFilter());
    }

    /**
     * Prepares a spawn with its own environment, working directory and standard descriptors
     * ({@code stdio[i]} becomes descriptor i of the child), no other descriptor.
     */
    public static Prepared prepare(String file, List<String> argv, List<String> env, String cwd, int[] stdio)
            throws LinuxException {
        if (stdio.length != 3) {
            throw new IllegalArgumentException("stdio needs 3 descriptors, got " + stdio.length);
        }
        return new Prepared(file, argv, env.stream().map(e -> e.getBytes(StandardCharsets.UTF_8)).toList(), cwd,
                stdio, new int[] {0, 1, 2}, 0, 0, -1, -1);
    }

    /**
     * Spawns, on the calling thread, which stays blocked until the child has executed or ended:
     * a child still held must be released ({@link Prepared#release}) or killed. Installs the
     * {@linkplain Prepared#trap trap} on the calling thread first (with no_new_privs, which the
     * child inherits too): that thread should do nothing else afterwards but end.
     */
    public static Spawned spawn(Prepared p) throws LinuxException {
        p.spawner = (int) Direct.call(Sysno.GETTID, 0, 0, 0, 0);
        if (p.trap != null) {
            Seccomp.setNoNewPrivs();
            Seccomp.installFilter(p.trap, 0);
        }
        // The child shares this process's memory until its execve, and the kernel gives the new
        // program's memory the coredump_filter of the memory it executes from: this process's,
        // which is the caller's for the time of the spawn (HotSpot sets bits of its own).
        String ownFilter = p.coredumpFilter < 0 ? null : CoredumpFilter.set(p.coredumpFilter);
        try {
            int r = (int) Libc.call(Libc.errnoSlot(), SPAWN, p.pid.address(), p.path.address(), p.actions.address(),
                    p.attr.address(), p.args.address(), p.env.address());
            return new Spawned(r == 0 ? p.pid.get(ValueLayout.JAVA_INT, 0) : 0, r);
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            if (ownFilter != null) {
                CoredumpFilter.restore(ownFilter);
            }
            p.finish();
        }
    }

    /**
     * Spawned is what posix_spawn said.
     *
     * @param pid the child, or 0 when posix_spawn failed
     * @param errno posix_spawn's error, or 0
     */
    public record Spawned(int pid, int errno) {}

    /** Calls one of the posix_spawn functions with up to five arguments; throws the error it returns. */
    private static void check(Libc.Function fn, long... args) throws Throwable {
        long[] a = Arrays.copyOf(args, 5);
        int r = (int) Libc.call(Libc.errnoSlot(), fn, a[0], a[1], a[2], a[3], a[4], 0);
        if (r != 0) {
            throw new LinuxException(fn.name(), r);
        }
    }
}
