package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Ptrace binds ptrace(2). The kernel ties a tracee to the thread that attached it, so every
 * method must be called from that one thread; an instance owns the segments it reuses and is not
 * thread-safe.
 */
public final class Ptrace {

    /** Creates the binding for the thread that will own the tracees (it reuses its buffers). */
    public Ptrace() {}

    public static final int PTRACE_POKEDATA = 5;
    public static final int PTRACE_CONT = 7;
    public static final int PTRACE_SINGLESTEP = 9;
    public static final int PTRACE_GETREGS = 12;
    public static final int PTRACE_SETREGS = 13;
    public static final int PTRACE_DETACH = 17;
    public static final int PTRACE_SYSCALL = 24;
    public static final int PTRACE_SETOPTIONS = 0x4200;
    public static final int PTRACE_GETEVENTMSG = 0x4201;
    public static final int PTRACE_GETSIGINFO = 0x4202;
    public static final int PTRACE_SETSIGINFO = 0x4203;
    public static final int PTRACE_SEIZE = 0x4206;
    public static final int PTRACE_INTERRUPT = 0x4207;
    public static final int PTRACE_LISTEN = 0x4208;
    public static final int PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG = 0x4210;
    public static final int PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG = 0x4211;

    public static final int O_TRACESYSGOOD = 1;
    public static final int O_TRACEFORK = 2;
    public static final int O_TRACEVFORK = 4;
    public static final int O_TRACECLONE = 8;
    public static final int O_TRACEEXEC = 0x10;
    public static final int O_TRACEEXIT = 0x40;
    public static final int O_TRACESECCOMP = 0x80;
    public static final int O_EXITKILL = 0x100000;

    public static final int EVENT_FORK = 1;
    public static final int EVENT_VFORK = 2;
    public static final int EVENT_CLONE = 3;
    public static final int EVENT_EXEC = 4;
    public static final int EVENT_EXIT = 6;
    public static final int EVENT_SECCOMP = 7;
    public static final int EVENT_STOP = 128;

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment regsBuf = arena.allocate(Layouts.USER_REGS);
    private final MemorySegment msgBuf = arena.allocate(ValueLayout.JAVA_LONG);
    /** A whole siginfo_t (128 bytes on every Linux ABI). */
    private final MemorySegment siginfoBuf = arena.allocate(SIGINFO_SIZE, 8);
    private static final long SIGINFO_SIZE = 128;
    /** struct ptrace_sud_config: mode, selector, offset, len, a u64 each. */
    private static final long SUD_CONFIG_SIZE = 32;
    private final MemorySegment sudBuf = arena.allocate(SUD_CONFIG_SIZE, 8);
    /** siginfo_t's si_code, and the si_pid and si_uid of a signal a process sent (kill, sigqueue, tgkill). */
    private static final long SI_CODE = 8;
    private static final long SI_PID = 16;
    private static final long SI_UID = 20;

    /**
     * SignalInfo is the head of the siginfo of the signal a tracee is stopped to take: its number,
     * its code (SI_USER for a kill(2), SI_KERNEL for one the kernel sent on its own...), and, for a
     * signal a process sent, the sender's pid and uid as the tracee's namespaces see them.
     */
    public record SignalInfo(int signal, int code, int senderPid, int senderUid) {}

    /**
     * SyscallUserDispatch is a thread's syscall user dispatch ({@code PR_SET_SYSCALL_USER_DISPATCH})
     * as ptrace reads and writes it: {@code mode} 0 for off; while on, a syscall made outside
     * {@code [offset, offset + length)} while the byte at {@code selector} says block is not made
     * but sent to the thread as SIGSYS.
     */
    public record SyscallUserDispatch(long mode, long selector, long offset, long length) {
        /** Dispatch off, as a thread has it unless it asked for it. */
        public static final SyscallUserDispatch OFF = new SyscallUserDispatch(0, 0, 0, 0);

        /** Whether syscalls may be dispatched. */
        public boolean on() {
            return mode != 0;
        }
    }

    private static long call(int request, int pid, long addr, long data) throws LinuxException {
        // ptrace requests used here do not block, so they are never interrupted: no restart.
        return NativeCall.call(slot -> Libc.syscall(slot, Sysno.PTRACE, request, pid, addr, data),
                NativeCall.Restart.NEVER, "ptrace", () -> name(request) + ", " + pid);
    }

    /** Attaches to {@code pid} without stopping it, with these options. */
    public void seize(int pid, int options) throws LinuxException {
        call(PTRACE_SEIZE, pid, 0, options);
    }

    /** Resumes a stopped tracee, delivering {@code signal} (0 for none). */
    public void cont(int pid, int signal) throws LinuxException {
        call(PTRACE_CONT, pid, 0, signal);
    }

    /** Resumes a tracee until its next syscall entry or exit. */
    public void syscall(int pid, int signal) throws LinuxException {
        call(PTRACE_SYSCALL, pid, 0, signal);
    }

    /** Executes one instruction of a stopped tracee. */
    public void singleStep(int pid) throws LinuxException {
        call(PTRACE_SINGLESTEP, pid, 0, 0);
    }

    /** Lets a tracee in group-stop stay stopped while still reporting events (PTRACE_LISTEN). */
    public void listen(int pid) throws LinuxException {
        call(PTRACE_LISTEN, pid, 0, 0);
    }

    /** Stops a running tracee (a PTRACE_EVENT_STOP follows). */
    public void interrupt(int pid) throws LinuxException {
        call(PTRACE_INTERRUPT, pid, 0, 0);
    }

    /** Reads the registers of a stopped tracee into {@code into}. */
    public void getRegs(int pid, Regs into) throws LinuxException {
        call(PTRACE_GETREGS, pid, 0, regsBuf.address());
        into.load(regsBuf);
    }

    /** Writes the registers of a stopped tracee. */
    public void setRegs(int pid, Regs regs) throws LinuxException {
        regs.store(regsBuf);
        call(PTRACE_SETREGS, pid, 0, regsBuf.address());
    }

    /** Returns the message of the last ptrace event (a new tid, an exit status, a former tid). */
    public long eventMessage(int pid) throws LinuxException {
        call(PTRACE_GETEVENTMSG, pid, 0, msgBuf.address());
        return msgBuf.get(ValueLayout.JAVA_LONG, 0);
    }

    /** Returns the siginfo of the signal a tracee in a signal-delivery stop is about to take. */
    public SignalInfo signalInfo(int pid) throws LinuxException {
        call(PTRACE_GETSIGINFO, pid, 0, siginfoBuf.address());
        return new SignalInfo(siginfoBuf.get(ValueLayout.JAVA_INT, 0), siginfoBuf.get(ValueLayout.JAVA_INT, SI_CODE),
                siginfoBuf.get(ValueLayout.JAVA_INT, SI_PID), siginfoBuf.get(ValueLayout.JAVA_INT, SI_UID));
    }

    /**
     * Makes the signal a tracee in a signal-delivery stop is about to take come from {@code senderPid}
     * and {@code senderUid}, its code and the rest of its siginfo as they are.
     */
    public void setSender(int pid, int senderPid, int senderUid) throws LinuxException {
        call(PTRACE_GETSIGINFO, pid, 0, siginfoBuf.address());
        siginfoBuf.set(ValueLayout.JAVA_INT, SI_PID, senderPid);
        siginfoBuf.set(ValueLayout.JAVA_INT, SI_UID, senderUid);
        call(PTRACE_SETSIGINFO, pid, 0, siginfoBuf.address());
    }

    /**
     * Returns a stopped tracee's syscall user dispatch (Linux 6.4's
     * PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG; older kernels refuse it with EIO).
     */
    public SyscallUserDispatch syscallUserDispatch(int pid) throws LinuxException {
        call(PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG, pid, SUD_CONFIG_SIZE, sudBuf.address());
        return new SyscallUserDispatch(sudBuf.get(ValueLayout.JAVA_LONG, 0), sudBuf.get(ValueLayout.JAVA_LONG, 8),
                sudBuf.get(ValueLayout.JAVA_LONG, 16), sudBuf.get(ValueLayout.JAVA_LONG, 24));
    }

    /** Sets a stopped tracee's syscall user dispatch. */
    public void syscallUserDispatch(int pid, SyscallUserDispatch dispatch) throws LinuxException {
        sudBuf.set(ValueLayout.JAVA_LONG, 0, dispatch.mode());
        sudBuf.set(ValueLayout.JAVA_LONG, 8, dispatch.selector());
        sudBuf.set(ValueLayout.JAVA_LONG, 16, dispatch.offset());
        sudBuf.set(ValueLayout.JAVA_LONG, 24, dispatch.length());
        call(PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG, pid, SUD_CONFIG_SIZE, sudBuf.address());
    }

    /** Writes one word into the tracee's memory, even into read-only (text) mappings. */
    public void pokeData(int pid, long addr, long word) throws LinuxException {
        call(PTRACE_POKEDATA, pid, addr, word);
    }

    private static String name(int request) {
        return switch (request) {
            case PTRACE_POKEDATA -> "PTRACE_POKEDATA";
            case PTRACE_CONT -> "PTRACE_CONT";
            case PTRACE_SETOPTIONS -> "PTRACE_SETOPTIONS";
            case PTRACE_SINGLESTEP -> "PTRACE_SINGLESTEP";
            case PTRACE_GETREGS -> "PTRACE_GETREGS";
            case PTRACE_SETREGS -> "PTRACE_SETREGS";
            case PTRACE_DETACH -> "PTRACE_DETACH";
            case PTRACE_SYSCALL -> "PTRACE_SYSCALL";
            case PTRACE_GETEVENTMSG -> "PTRACE_GETEVENTMSG";
            case PTRACE_GETSIGINFO -> "PTRACE_GETSIGINFO";
            case PTRACE_SETSIGINFO -> "PTRACE_SETSIGINFO";
            case PTRACE_SEIZE -> "PTRACE_SEIZE";
            case PTRACE_INTERRUPT -> "PTRACE_INTERRUPT";
            case PTRACE_LISTEN -> "PTRACE_LISTEN";
            case PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG -> "PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG";
            case PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG -> "PTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG";
            default -> "request " + request;
        };
    }
}
