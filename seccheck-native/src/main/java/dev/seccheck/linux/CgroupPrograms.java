package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * CgroupPrograms asks the kernel which BPF programs decide device access for a cgroup (v2):
 * {@code bpf(BPF_PROG_QUERY)} of the effective {@code BPF_CGROUP_DEVICE} programs, those attached
 * to it and inherited from its ancestors. The kernel runs them for the cgroup of the thread that
 * opens a device node, so two cgroups with the same programs have the same device policy. Needs
 * CAP_NET_ADMIN.
 */
public final class CgroupPrograms {
    private CgroupPrograms() {}

    private static final int BPF_PROG_QUERY = 16;
    private static final int BPF_CGROUP_DEVICE = 6;
    private static final int BPF_F_QUERY_EFFECTIVE = 1;
    /** The query's part of {@code union bpf_attr}, up to and with its reserved fields. */
    private static final int ATTR_SIZE = 64;
    /** More device programs than a cgroup's ancestry could sensibly hold. */
    private static final int MAX_PROGRAMS = 64;

    /**
     * What a query found: the ids of the programs, sorted (empty when none decides), or the errno
     * of a query the kernel refused (EPERM without CAP_NET_ADMIN, EINVAL without cgroup BPF).
     */
    public record Query(long[] ids, int errno) {
        /** Whether this query and {@code other} both found the same programs. */
        public boolean sameAs(Query other) {
            return errno == 0 && other.errno == 0 && Arrays.equals(ids, other.ids);
        }
    }

    /** The device programs in effect for the cgroup directory {@code cgroupFd}. */
    public static Query devicePrograms(int cgroupFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            MemorySegment ids = arena.allocate(ValueLayout.JAVA_INT, MAX_PROGRAMS);
            attr.set(ValueLayout.JAVA_INT, 0, cgroupFd);
            attr.set(ValueLayout.JAVA_INT, 4, BPF_CGROUP_DEVICE);
            attr.set(ValueLayout.JAVA_INT, 8, BPF_F_QUERY_EFFECTIVE);
            attr.set(ValueLayout.JAVA_LONG, 16, ids.address());
            attr.set(ValueLayout.JAVA_INT, 24, MAX_PROGRAMS);
            long r = Direct.call(Sysno.BPF, BPF_PROG_QUERY, attr.address(), ATTR_SIZE, 0);
            if (r < 0) {
                return new Query(new long[0], (int) -r);
            }
            int count = attr.get(ValueLayout.JAVA_INT, 24);
            long[] out = new long[count];
            for (int i = 0; i < count; i++) {
                out[i] = Integer.toUnsignedLong(ids.getAtIndex(ValueLayout.JAVA_INT, i));
            }
            Arrays.sort(out);
            return new Query(out, 0);
        }
    }
}
