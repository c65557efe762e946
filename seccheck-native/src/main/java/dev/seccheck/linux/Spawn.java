package dev.seccheck.linux;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Spawn starts a program with posix_spawn(3), which glibc implements with a vfork-style clone
 * that runs no Java code in the child: the only safe way for a JVM to start a process it then
 * controls itself. The child inherits this process's environment, cwd and stdio (no other file
 * descriptor), with every signal unblocked and reset to its default action.
 */
public final class Spawn {
    private Spawn() {}

    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    private static final long ATTR_SIZE = 512; // posix_spawnattr_t is 336 bytes on x86-64 glibc
    private static final long SIGSET_SIZE = 128;

    private static final MethodHandle SPAWN = Libc.plain("posix_spawn", FunctionDescriptor.of(Libc.C_INT,
            Libc.C_POINTER, Libc.C_POINTER, Libc.C_POINTER, Libc.C_POINTER, Libc.C_POINTER, Libc.C_POINTER));
    private static final long FILE_ACTIONS_SIZE = 128; // posix_spawn_file_actions_t is 80 bytes on x86-64 glibc
    private static final MethodHandle ACTIONS_INIT = Libc.plain("posix_spawn_file_actions_init",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER));
    private static final MethodHandle ACTIONS_CLOSEFROM = Libc.plain("posix_spawn_file_actions_addclosefrom_np",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER, Libc.C_INT));
    private static final MethodHandle ACTIONS_DUP2 = Libc.plain("posix_spawn_file_actions_adddup2",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER, Libc.C_INT, Libc.C_INT));
    private static final MethodHandle ACTIONS_CHDIR = Libc.plain("posix_spawn_file_actions_addchdir_np",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER, Libc.C_POINTER));
    private static final MethodHandle ACTIONS_DESTROY = Libc.plain("posix_spawn_file_actions_destroy",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER));
    private static final MethodHandle ATTR_INIT = Libc.plain("posix_spawnattr_init",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER));
    private static final MethodHandle ATTR_DESTROY = Libc.plain("posix_spawnattr_destroy",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER));
    private static final MethodHandle ATTR_SETFLAGS = Libc.plain("posix_spawnattr_setflags",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER, ValueLayout.JAVA_SHORT));
    private static final MethodHandle ATTR_SETSIGMASK = Libc.plain("posix_spawnattr_setsigmask",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER, Libc.C_POINTER));
    private static final MethodHandle ATTR_SETSIGDEFAULT = Libc.plain("posix_spawnattr_setsigdefault",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER, Libc.C_POINTER));
    private static final MethodHandle SIGEMPTYSET = Libc.plain("sigemptyset",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER));
    private static final MethodHandle SIGFILLSET = Libc.plain("sigfillset",
            FunctionDescriptor.of(Libc.C_INT, Libc.C_POINTER));
    private static final MemorySegment ENVIRON = Libc.LOOKUP.find("environ").orElseThrow()
            .reinterpret(8);

    /**
     * Prepared is a spawn whose arguments are already in native memory, so that a seccomp filter
     * can recognise the child's execve by the exact address of its path argument. It belongs to
     * the thread that prepared it.
     */
    public static final class Prepared implements AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment path;
        private final MemorySegment args;
        private final MemorySegment env;
        private final MemorySegment cwd;
        private final int[] stdio;

        private Prepared(String file, List<String> argv, List<String> environment, String directory, int[] stdio) {
            path = arena.allocateFrom(file);
            args = strings(argv);
            env = environment == null ? null : strings(environment);
            cwd = directory == null ? null : arena.allocateFrom(directory);
            this.stdio = stdio == null ? null : stdio.clone();
        }

        private MemorySegment strings(List<String> list) {
            MemorySegment v = arena.allocate(AddressLayout.ADDRESS, list.size() + 1L);
            for (int i = 0; i < list.size(); i++) {
                v.setAtIndex(ValueLayout.ADDRESS, i, arena.allocateFrom(list.get(i)));
            }
            v.setAtIndex(ValueLayout.ADDRESS, list.size(), MemorySegment.NULL);
            return v;
        }

        /**
         * Returns the address of this spawn's path string, the value the child's execve passes
         * as its first argument. It is a value to match in a seccomp filter (so a tracer can
         * catch that one execve), never to be dereferenced: the memory belongs to this Prepared
         * and is freed by {@link #close}.
         */
        public long execPathPointer() {
            return path.address();
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /** Prepares a spawn of {@code file} (an absolute path: no PATH search) with these arguments. */
    public static Prepared prepare(String file, List<String> argv) {
        return new Prepared(file, argv, null, null, null);
    }

    /**
     * Prepares a spawn with its own environment, working directory and standard descriptors
     * ({@code stdio[i]} becomes descriptor i of the child).
     */
    public static Prepared prepare(String file, List<String> argv, List<String> env, String cwd, int[] stdio) {
        if (stdio.length != 3) {
            throw new IllegalArgumentException("stdio needs 3 descriptors, got " + stdio.length);
        }
        return new Prepared(file, argv, env, cwd, stdio);
    }

    /**
     * Starts the prepared program. Blocks until the child has called execve (vfork semantics).
     *
     * @return the child's pid
     * @throws LinuxException with the errno posix_spawn returned (e.g. ENOENT, EACCES)
     */
    public static int spawn(Prepared p) throws LinuxException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 16);
            MemorySegment empty = arena.allocate(SIGSET_SIZE, 8);
            MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
            MemorySegment pid = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment env = p.env != null ? p.env : ENVIRON.get(ValueLayout.ADDRESS, 0);
            MemorySegment actions = arena.allocate(FILE_ACTIONS_SIZE, 16);
            check("posix_spawnattr_init", (int) ATTR_INIT.invokeExact(attr));
            check("posix_spawn_file_actions_init", (int) ACTIONS_INIT.invokeExact(actions));
            try {
                if (p.stdio != null) {
                    for (int i = 0; i < 3; i++) {
                        check("posix_spawn_file_actions_adddup2", (int) ACTIONS_DUP2.invokeExact(actions, p.stdio[i], i));
                    }
                }
                if (p.cwd != null) {
                    check("posix_spawn_file_actions_addchdir_np", (int) ACTIONS_CHDIR.invokeExact(actions, p.cwd));
                }
                // Only stdin, stdout and stderr pass to the program; the JVM's other descriptors stay here.
                check("posix_spawn_file_actions_addclosefrom_np", (int) ACTIONS_CLOSEFROM.invokeExact(actions, 3));
                check("sigemptyset", (int) SIGEMPTYSET.invokeExact(empty));
                check("sigfillset", (int) SIGFILLSET.invokeExact(all));
                check("posix_spawnattr_setsigmask", (int) ATTR_SETSIGMASK.invokeExact(attr, empty));
                check("posix_spawnattr_setsigdefault", (int) ATTR_SETSIGDEFAULT.invokeExact(attr, all));
                check("posix_spawnattr_setflags", (int) ATTR_SETFLAGS.invokeExact(attr,
                        (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)));
                int r = (int) SPAWN.invokeExact(pid, p.path, actions, attr, p.args, env);
                if (r != 0) {
                    throw new LinuxException("posix_spawn(" + p.path.getString(0) + ")", r);
                }
                return pid.get(ValueLayout.JAVA_INT, 0);
            } finally {
                int ignored = (int) ATTR_DESTROY.invokeExact(attr);
                ignored = (int) ACTIONS_DESTROY.invokeExact(actions);
            }
        } catch (LinuxException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void check(String what, int r) throws LinuxException {
        if (r != 0) {
            throw new LinuxException(what, r < 0 ? Libc.lastErrno() : r);
        }
    }
}
