package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;
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
 * <p>{@link #spawnUnderFilter} installs a seccomp filter on the calling thread and spawns at once:
 * everything it needs is prepared in native memory beforehand and it allocates nothing, because a
 * syscall this thread makes under the filter waits for the listener, and one made by JVM code
 * holding a VM lock (class linking, heap growth) could wait for a server that needs that lock.
 */
public final class Spawn {
    private Spawn() {}

    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final int SIG_BLOCK_ALL = 2; // SIG_SETMASK

    // The C types of the posix_spawn parameters, short so that the table below reads as the prototypes.
    private static final AddressLayout P = Libc.C_POINTER;
    private static final ValueLayout.OfInt I = Libc.C_INT;
    private static final MethodHandle SPAWN = spawnCall("posix_spawn", P, P, P, P, P, P);
    private static final MethodHandle ACTIONS_INIT = spawnCall("posix_spawn_file_actions_init", P);
    private static final MethodHandle ACTIONS_CLOSEFROM = spawnCall("posix_spawn_file_actions_addclosefrom_np", P, I);
    private static final MethodHandle ACTIONS_CLOSE = spawnCall("posix_spawn_file_actions_addclose", P, I);
    private static final MethodHandle ACTIONS_DUP2 = spawnCall("posix_spawn_file_actions_adddup2", P, I, I);
    private static final MethodHandle ACTIONS_CHDIR = spawnCall("posix_spawn_file_actions_addchdir_np", P, P);
    private static final MethodHandle ATTR_INIT = spawnCall("posix_spawnattr_init", P);
    private static final MethodHandle ATTR_SETFLAGS = spawnCall("posix_spawnattr_setflags", P, ValueLayout.JAVA_SHORT);
    private static final MethodHandle ATTR_SETSIGMASK = spawnCall("posix_spawnattr_setsigmask", P, P);
    private static final MethodHandle ATTR_SETSIGDEFAULT = spawnCall("posix_spawnattr_setsigdefault", P, P);
    private static final MethodHandle SYSCALL3 = Libc.withErrno("syscall", FunctionDescriptor.of(Libc.C_LONG,
            Libc.C_LONG, Libc.C_LONG, Libc.C_LONG, Libc.C_LONG));
    private static final MethodHandle SIGMASK = Libc.plain("pthread_sigmask",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_INT, Libc.C_POINTER, Libc.C_POINTER));
    private static final MethodHandle PAUSE = Libc.plain("pause", FunctionDescriptor.of(Libc.C_INT));

    /**
     * Prepared is a spawn whose arguments, attributes and file actions are already in native
     * memory, so that a seccomp filter can recognise the child's execve by the exact address of
     * its path argument, and so that spawning allocates nothing. It belongs to the thread that
     * prepared it; its memory lives as long as the process (the spawner thread never ends, see
     * {@link #parkForever}).
     */
    public static final class Prepared {
        private final Arena arena = Arena.ofAuto();
        private final MemorySegment path;
        private final MemorySegment args;
        private final MemorySegment env;
        private final MemorySegment attr;
        private final MemorySegment actions;
        private final MemorySegment pid;
        private final MemorySegment errno;
        private MemorySegment fprog = MemorySegment.NULL;

        private Prepared(String file, List<String> argv, List<byte[]> environment, String directory, int[] stdio,
                int[] inherited, long blocked, long ignored) throws LinuxException {
            path = arena.allocateFrom(file);
            args = strings(argv.stream().map(a -> a.getBytes(StandardCharsets.UTF_8)).toList());
            env = strings(environment);
            attr = arena.allocate(Layouts.POSIX_SPAWNATTR);
            actions = arena.allocate(Layouts.POSIX_SPAWN_FILE_ACTIONS);
            pid = arena.allocate(ValueLayout.JAVA_INT);
            errno = arena.allocate(Linker.Option.captureStateLayout());
            MemorySegment mask = arena.allocate(Layouts.SIGSET);
            MemorySegment defaults = arena.allocate(Layouts.SIGSET);
            mask.set(ValueLayout.JAVA_LONG, 0, blocked);
            // Every signal, glibc's internal 32 and 33 included (sigfillset leaves them out and the
            // spawn would then ignore them), to default: all but those the caller ignored.
            defaults.set(ValueLayout.JAVA_LONG, 0, ~ignored);
            try {
                check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
                check("posix_spawn_file_actions_init", (int) ACTIONS_INIT.invokeExact(actions));
                check("posix_spawnattr_setsigmask", (int) ATTR_SETSIGMASK.invokeExact(attr, mask));
                check("posix_spawnattr_setsigdefault", (int) ATTR_SETSIGDEFAULT.invokeExact(attr, defaults));
                check("posix_spawnattr_setflags", (int) ATTR_SETFLAGS.invokeExact(attr,
                        (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)));
                if (stdio != null) {
                    for (int i = 0; i < 3; i++) {
                        check("posix_spawn_file_actions_adddup2", (int) ACTIONS_DUP2.invokeExact(actions, stdio[i], i));
                    }
                }
                if (directory != null) {
                    check("posix_spawn_file_actions_addchdir_np",
                            (int) ACTIONS_CHDIR.invokeExact(actions, arena.allocateFrom(directory)));
                }
                // The caller's descriptors pass to the program; the JVM's (any other) stay here.
                int next = 3;
                for (int fd : inherited) {
                    for (; next < fd; next++) {
                        check("posix_spawn_file_actions_addclose", (int) ACTIONS_CLOSE.invokeExact(actions, next));
                    }
                    next = Math.max(next, fd + 1);
                }
                check("posix_spawn_file_actions_addclosefrom_np", (int) ACTIONS_CLOSEFROM.invokeExact(actions, next));
            } catch (LinuxException e) {
                throw e;
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }

        private MemorySegment strings(List<byte[]> list) {
            MemorySegment v = arena.allocate(AddressLayout.ADDRESS, list.size() + 1L);
            for (int i = 0; i < list.size(); i++) {
                byte[] b = list.get(i);
                MemorySegment s = arena.allocate(b.length + 1L);
                MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
                v.setAtIndex(ValueLayout.ADDRESS, i, s);
            }
            v.setAtIndex(ValueLayout.ADDRESS, list.size(), MemorySegment.NULL);
            return v;
        }

        /**
         * Returns the address of this spawn's path string, the value the child's execve passes
         * as its first argument. It is a value to match in a seccomp filter (so a tracer can
         * catch that one execve), never to be dereferenced.
         */
        public long execPathPointer() {
            return path.address();
        }

        /** Copies the seccomp filter (8-byte {@code sock_filter}s) that {@link #spawnUnderFilter} installs. */
        public void filter(byte[] program) {
            fprog = Seccomp.fprog(arena, program);
        }
    }

    /** Prepares {@code seccheck run}'s spawn of {@code file} (an absolute path: no PATH search) in the caller's world. */
    public static Prepared prepare(String file, List<String> argv, CallerWorld caller) throws LinuxException {
        return new Prepared(file, argv, caller.environment(), null, null, caller.fds(), caller.blockedSignals(),
                caller.ignoredSignals());
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
                stdio, new int[] {0, 1, 2}, 0, 0);
    }

    /**
     * Blocks every signal in the calling thread: a thread that will run under a notifying filter
     * must not run a signal handler, whose syscalls would wait for a listener that may be gone.
     */
    public static void blockAllSignals() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(Layouts.SIGSET);
            all.fill((byte) -1);
            int r = (int) SIGMASK.invokeExact(SIG_BLOCK_ALL, all, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * Installs the prepared filter on the calling thread with a new listener, then spawns. Sets
     * no_new_privs first. Allocates nothing and links nothing once the filter is on (the call
     * sites were linked by a dry run when this class was initialised).
     *
     * @param listenerOut receives the listener's descriptor as soon as it exists, before the spawn
     * @return {@link Spawned#of} decodes it: the listener's descriptor, and the child's pid or
     *     posix_spawn's errno (the listener exists then too, and must be served and closed)
     * @throws LinuxException if the filter cannot be installed
     */
    public static long spawnUnderFilter(Prepared p, AtomicInteger listenerOut) throws LinuxException {
        Seccomp.setNoNewPrivs();
        long result = install(p, p.fprog.address(), listenerOut);
        if (result >>> 32 == 0xffffffffL) {
            throw new LinuxException("seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER)", (int) result);
        }
        return result;
    }

    /** The filter install and the spawn, with nothing between them that could allocate or link. */
    private static long install(Prepared p, long fprog, AtomicInteger listenerOut) {
        try {
            long listener = (long) SYSCALL3.invokeExact(p.errno, (long) Sysno.SECCOMP, 1L /* SET_MODE_FILTER */,
                    (long) Seccomp.FILTER_FLAG_NEW_LISTENER, fprog);
            if (listener < 0 && fprog != 0) {
                return 0xffffffffL << 32 | Libc.errno(p.errno);
            }
            // Whoever serves the listener needs it now: the child's execve waits for an answer.
            listenerOut.set((int) listener);
            int r = (int) SPAWN.invokeExact(p.pid, p.path, p.actions, p.attr, p.args, p.env);
            return listener << 32 | ((r != 0 ? -r : p.pid.get(ValueLayout.JAVA_INT, 0)) & 0xffffffffL);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static {
        // Links install's two call sites: a filter address of 0 makes seccomp fail with EFAULT,
        // and a path that cannot exist makes posix_spawn's child fail, which glibc reaps.
        try {
            install(new Prepared("/nonexistent/seccheck-spawn-warm-up", List.of("warm-up"), List.of(), null, null,
                    new int[] {0, 1, 2}, 0, 0), 0, new AtomicInteger());
        } catch (LinuxException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Spawned decodes {@link #spawnUnderFilter}'s result.
     *
     * @param listenerFd the new listener
     * @param pid the child, or 0 when posix_spawn failed
     * @param errno posix_spawn's error, or 0
     */
    public record Spawned(int listenerFd, int pid, int errno) {
        /** Decodes a result of {@link #spawnUnderFilter}. */
        public static Spawned of(long result) {
            int low = (int) result;
            return new Spawned((int) (result >>> 32), Math.max(low, 0), low < 0 ? -low : 0);
        }
    }

    /**
     * Never returns: the thread waits in pause(2) with every signal blocked. A spawner thread ends
     * here instead of exiting, since a thread's exit runs JVM code whose syscalls, under the
     * thread's filter, would wait for the listener while holding VM locks.
     */
    public static void parkForever() {
        while (true) {
            try {
                int r = (int) PAUSE.invokeExact();
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    /** Links a posix_spawn function of glibc: each returns 0 or an error number, and leaves errno alone. */
    private static MethodHandle spawnCall(String name, MemoryLayout... args) {
        return Libc.plain(name, FunctionDescriptor.of(Libc.C_INT, args));
    }

    private static void check(String what, int r) throws LinuxException {
        if (r != 0) {
            throw new LinuxException(what, r);
        }
    }
}
