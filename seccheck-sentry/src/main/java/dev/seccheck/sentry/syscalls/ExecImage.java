package dev.seccheck.sentry.syscalls;

import dev.seccheck.abi.Fcntl;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ExecImage is what the kernel gave a program it has just executed, read from the new program's
 * stack at the exec event, before its first instruction: the argv and envp strings the exec
 * copied there (within the kernel's limits, so whole), and the file name it was executed
 * by (the auxiliary vector's AT_EXECFN). Unlike the caller's memory at the call's enter, nothing
 * of the program can change these between seccheck's look and the kernel's use: the kernel has
 * copied them already, the exec ended every other thread of the process, and the new program has
 * not run. The stack as the x86-64 ABI lays it out at a program's entry: argc at the stack
 * pointer, then argc argv pointers and a NULL, the envp pointers and a NULL, the auxiliary
 * vector's (type, value) pairs up to AT_NULL.
 *
 * @param execfn the file name the kernel executed (its {@code bprm->filename}: the path as passed,
 *     or {@code /dev/fd/N/path} and {@code /dev/fd/N} for execveat through a descriptor); null
 *     when the auxiliary vector could not be read
 * @param argvCut why {@code argv} stops short of what the kernel gave, or null when it does not
 * @param envCut the same for {@code envv}
 */
public record ExecImage(List<String> argv, List<String> envv, String execfn, String argvCut, String envCut) {

    /** AT_EXECFN: the auxiliary vector entry that points to the executed file name. */
    static final long AT_EXECFN = 31;
    /** AT_NULL: the end of the auxiliary vector. */
    private static final long AT_NULL = 0;
    /** The kernel writes some twenty auxiliary entries; a vector longer than this is not one. */
    private static final int MAX_AUXV = 64;
    /**
     * How far into argv the kernel can put the executed file's name: after an interpreter and its
     * optional argument for each level of {@code #!} (a script's interpreter may be a script, four
     * levels deep at most).
     */
    private static final int NAME_AT_MOST = 8;
    /** More pointers than the 6 MiB of strings the exec limits allow cannot be a real vector. */
    private static final long MAX_POINTERS = Abi.EXEC_MAX_TOTAL;

    public ExecImage {
        argv = List.copyOf(argv);
        envv = List.copyOf(envv);
    }

    /** An image read whole. */
    public ExecImage(List<String> argv, List<String> envv, String execfn) {
        this(argv, envv, execfn, null, null);
    }

    /**
     * Reads the image of the program whose stack pointer at its entry is {@code sp}; empty when
     * even argc cannot be read (a program whose binary its user cannot read is not dumpable, and
     * its memory is closed to an unprivileged supervisor).
     */
    public static Optional<ExecImage> read(TaskMemory mem, long sp) {
        long argc;
        try {
            argc = word(mem, sp);
        } catch (MemoryFault e) {
            return Optional.empty();
        }
        if (argc < 0 || argc > MAX_POINTERS) {
            return Optional.empty();
        }
        long argvAt = sp + Long.BYTES;
        long envpAt = argvAt + (argc + 1) * Long.BYTES;
        StringVector.Strings args = StringVector.read(mem, argvAt);
        StringVector.Strings env = StringVector.read(mem, envpAt, Abi.EXEC_MAX_ELEMENT,
                Abi.EXEC_MAX_TOTAL - args.bytes());
        return Optional.of(new ExecImage(args.strings(), env.strings(), execfn(mem, envpAt), args.cut(), env.cut()));
    }

    /** The string AT_EXECFN points to, found past the envp pointers; null when unreadable. */
    private static String execfn(TaskMemory mem, long envpAt) {
        try {
            long at = envpAt;
            for (long n = 0; word(mem, at) != 0; n++) {
                if (n > MAX_POINTERS) {
                    return null;
                }
                at += Long.BYTES;
            }
            at += Long.BYTES;
            for (int i = 0; i < MAX_AUXV; i++, at += 2 * Long.BYTES) {
                long type = word(mem, at);
                if (type == AT_NULL) {
                    return null;
                }
                if (type == AT_EXECFN) {
                    return mem.readString(word(mem, at + Long.BYTES), Fcntl.PATH_MAX);
                }
            }
            return null;
        } catch (MemoryFault e) {
            return null;
        }
    }

    private static long word(TaskMemory mem, long addr) throws MemoryFault {
        return ByteBuffer.wrap(mem.read(addr, Long.BYTES)).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /**
     * Whether the kernel may have run this program as the interpreter of a {@code #!} script (or of
     * a binfmt_misc format): it then put the file name it executed into argv, after the interpreter.
     * False when that name is nowhere it could be: the kernel ran the file passed itself. True when
     * the name is unknown.
     */
    public boolean mayNameAScript() {
        if (execfn == null) {
            return true;
        }
        for (int i = 1; i < argv.size() && i <= NAME_AT_MOST; i++) {
            if (argv.get(i).equals(execfn)) {
                return true;
            }
        }
        return false;
    }

    /** The longest task name: the kernel keeps 16 bytes, the last a NUL. */
    private static final int COMM_MAX = 15;

    /**
     * The name the kernel gave the task at this exec ({@code /proc/PID/comm}), told without
     * reading /proc: the base name of {@link #execfn}, cut to 15 bytes, as the kernel sets it
     * (then stripped of surrounding blanks, as {@code Procfs.comm} reads it). Empty where that may
     * not be the name: no file name; a name through a descriptor alone ({@code /dev/fd/N}, which
     * kernels since 6.14 replace by the file's own name); a base name that is not all printable
     * ASCII (cut at 15 bytes, a character could split).
     */
    public Optional<String> taskName() {
        if (execfn == null || throughDescriptorAlone(execfn)) {
            return Optional.empty();
        }
        String base = execfn.substring(execfn.lastIndexOf('/') + 1);
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return Optional.empty();
            }
        }
        String name = base.substring(0, Math.min(base.length(), COMM_MAX)).strip();
        return name.isEmpty() ? Optional.empty() : Optional.of(name);
    }

    /** Whether {@code name} is {@code /dev/fd/N}: the name execveat gives a file run by its descriptor alone. */
    private static boolean throughDescriptorAlone(String name) {
        String prefix = "/dev/fd/";
        if (!name.startsWith(prefix) || name.length() == prefix.length()) {
            return false;
        }
        for (int i = prefix.length(); i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /**
     * The arguments of a {@code #!} script as the caller passed them. The kernel ran the
     * interpreter with {@code [interpreter, optional argument, file name, argv[1]...]}, having
     * dropped argv[0]: this returns {@code argv0} (the one element the kernel did not keep, as
     * read at the call's enter) and the image's elements after the file name. The file name is
     * found by {@link #execfn}, the one the kernel inserted, in the two places a script's can be;
     * anywhere else (an interpreter that is itself a script, or a file that was no script when the
     * kernel opened it) the image is returned whole, as the new program got it.
     */
    public List<String> scriptArgv(String argv0) {
        for (int nameAt = 1; nameAt <= 2 && execfn != null && argv0 != null; nameAt++) {
            if (argv.size() > nameAt && argv.get(nameAt).equals(execfn)) {
                List<String> passed = new ArrayList<>();
                passed.add(argv0);
                passed.addAll(argv.subList(nameAt + 1, argv.size()));
                return passed;
            }
        }
        return argv;
    }

    /**
     * The path the caller passed, from the kernel's file name: execveat through descriptor
     * {@code dirfd} named it {@code /dev/fd/DIRFD/path} ({@code /dev/fd/DIRFD} for AT_EMPTY_PATH),
     * which becomes {@code path} (empty), as gVisor's execfn is; {@code fromDescriptor} says the
     * call named a descriptor other than AT_FDCWD. Null when the image has no file name.
     */
    public String passedPath(boolean fromDescriptor, int dirfd) {
        if (execfn == null || !fromDescriptor) {
            return execfn;
        }
        String prefix = "/dev/fd/" + dirfd;
        if (execfn.equals(prefix)) {
            return "";
        }
        return execfn.startsWith(prefix + "/") ? execfn.substring(prefix.length() + 1) : execfn;
    }
}
