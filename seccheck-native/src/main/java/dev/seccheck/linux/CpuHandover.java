package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * CpuHandover keeps a blocked task on the calling thread's CPU while the two wake each other, then
 * puts the task's CPU mask back. The kernel wakes a task whose fd a seccomp supervisor installs
 * ({@code SECCOMP_IOCTL_NOTIF_ADDFD}) with a plain wake-up, and the task wakes the supervisor the
 * same way once it has installed it; a plain wake-up of a task whose CPU is busy goes to an idle
 * CPU, and on a virtual machine without halt polling waking an idle vCPU costs tens of
 * microseconds (bench/addfd-wake.c: 46 us an install-and-answer, 17-20 us an install held here and
 * its answer). The task held on this CPU runs there as soon as this thread blocks for the
 * install; this thread, woken by a task on its own CPU, stays there too, so its own mask is left
 * alone (in seccheck tasks migrated once per 140 installs so, once per 200 with this thread
 * narrowed too, 1.7 times per install without a hold: BENCHMARKS.md, "Session 11").
 *
 * <p>Only the mask of a task that is blocked from {@link #hold} to {@link #release} may be
 * narrowed this way: a thread running with the narrowed mask would see it (sched_getaffinity,
 * nproc). Resuming a ptrace-stopped tracee is not such a hand-over: it runs at once, before the
 * tracer could put its mask back.
 *
 * <p>Nothing is narrowed when this CPU is not in the task's mask (the program pinned itself
 * elsewhere), when the mask has one CPU, or when the calls fail (a task of another user, gone).
 * The task's mask is put back only if it is still the one set here, so a mask another thread of
 * the program sets meanwhile is kept, unless it is that very CPU (one that thread reads meanwhile
 * shows the single CPU). One per thread: the buffers are its own.
 */
final class CpuHandover {

    /** Bytes of a CPU mask: 1024 CPUs, glibc's cpu_set_t; larger kernels make the calls fail, and nothing is held. */
    private static final int MASK_BYTES = 128;
    private final Arena arena = Arena.ofAuto(); // freed with its owner
    private final MemorySegment taskMask = arena.allocate(MASK_BYTES, 8);
    private final MemorySegment here = arena.allocate(MASK_BYTES, 8);
    private final MemorySegment now = arena.allocate(MASK_BYTES, 8);
    private final MemorySegment cpu = arena.allocate(ValueLayout.JAVA_INT);
    private long taskBytes;
    private int heldTid;

    /**
     * Narrows the CPU mask of {@code tid}, which must stay blocked until {@link #release}, to the
     * calling thread's CPU, if that is a narrowing. Returns whether it did; if so {@link #release}
     * must follow.
     */
    boolean hold(int tid) {
        if (Direct.call(Sysno.GETCPU, cpu.address(), 0, 0, 0) != 0) {
            return false;
        }
        int c = cpu.get(ValueLayout.JAVA_INT, 0);
        long bytes = Direct.call(Sysno.SCHED_GETAFFINITY, tid, MASK_BYTES, taskMask.address(), 0);
        if (bytes <= 0 || c < 0 || c / 8 >= bytes || !isSet(taskMask, c) || count(taskMask, bytes) < 2) {
            return false;
        }
        here.fill((byte) 0);
        here.set(ValueLayout.JAVA_BYTE, c / 8, (byte) (1 << (c % 8)));
        if (Direct.call(Sysno.SCHED_SETAFFINITY, tid, bytes, here.address(), 0) != 0) {
            return false;
        }
        taskBytes = bytes;
        heldTid = tid;
        return true;
    }

    /** Puts back the mask {@link #hold} narrowed, if it was not changed since. */
    void release() {
        long bytes = Direct.call(Sysno.SCHED_GETAFFINITY, heldTid, MASK_BYTES, now.address(), 0);
        if (bytes == taskBytes && now.asSlice(0, bytes).mismatch(here.asSlice(0, bytes)) == -1) {
            Direct.call(Sysno.SCHED_SETAFFINITY, heldTid, taskBytes, taskMask.address(), 0);
        }
        heldTid = 0;
    }

    private static boolean isSet(MemorySegment mask, int c) {
        return (mask.get(ValueLayout.JAVA_BYTE, c / 8) & (1 << (c % 8))) != 0;
    }

    private static int count(MemorySegment mask, long bytes) {
        int n = 0;
        for (long i = 0; i < bytes; i++) {
            n += Integer.bitCount(mask.get(ValueLayout.JAVA_BYTE, i) & 0xff);
        }
        return n;
    }
}
