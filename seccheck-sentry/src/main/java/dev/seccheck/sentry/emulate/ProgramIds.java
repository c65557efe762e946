package dev.seccheck.sentry.emulate;

import dev.seccheck.abi.Errno;
import dev.seccheck.sentry.defense.UserIdMaps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ProgramIds turns the user and group ids a thread names in a call into the ids seccheck's user
 * namespace gives the same users, for the calls seccheck makes for it: the kernel reads the
 * owner of a chown, the users and groups of a POSIX ACL and the root of a namespaced file
 * capability in the caller's user namespace ({@code make_kuid(current_user_ns(), id)}), and
 * seccheck's thread is in seccheck's. Passed on raw, root of a namespace mapping 0-65535 onto
 * the host's 100000-165535 gave the host's user 5 access with {@code setfacl -m u:5:rw}
 * (natively user 100005), and its chown to its own ids named the host's root.
 *
 * <p>A thread in seccheck's namespace names its ids as seccheck does (nothing is read while no
 * task of the run has left it). Another's go through its namespace's {@code uid_map} and
 * {@code gid_map}, read from outside, where their ranges start at seccheck's numbers; they are read
 * once per call, while the thread waits in it, so it cannot change namespaces in between. A
 * namespace is a descendant of seccheck's (a task can only enter one it holds CAP_SYS_ADMIN over),
 * and the kernel writes each range of a map within one range of its parent's, so a range's ids
 * follow each other in seccheck's numbering too. An id the map does not cover (or a map not yet
 * written) names no user: EINVAL, as the kernel answers; a map that cannot be read (the thread
 * ended) refuses the call (EPERM) rather than guess.
 */
final class ProgramIds {

    /** The ids of a thread in seccheck's user namespace: each is itself. */
    static final ProgramIds SAME = new ProgramIds(null, null, false);
    /** The ids of a thread whose namespace or maps could not be read: none can be told. */
    private static final ProgramIds UNREADABLE = new ProgramIds(null, null, true);

    /** A user or group id given as -1, which chown takes for "leave it", and which names no user elsewhere. */
    static final int KEEP = -1;

    private final String uidMap;
    private final String gidMap;
    private final boolean unreadable;

    private ProgramIds(String uidMap, String gidMap, boolean unreadable) {
        this.uidMap = uidMap;
        this.gidMap = gidMap;
        this.unreadable = unreadable;
    }

    /** The ids thread {@code tid}, waiting in a call, names: {@link #SAME} in seccheck's user namespace. */
    static ProgramIds of(TaskFiles tasks, int tid) {
        if (!tasks.anyLeftOwnUserNamespace()) {
            return SAME;
        }
        long own = tasks.ownUserNamespace();
        long theirs = tasks.userNamespace(tid);
        if (own < 0 || theirs < 0) {
            return UNREADABLE;
        }
        if (own == theirs) {
            return SAME;
        }
        try {
            Path proc = Path.of("/proc", Integer.toString(tid));
            return new ProgramIds(Files.readString(proc.resolve("uid_map")), Files.readString(proc.resolve("gid_map")),
                    false);
        } catch (IOException e) {
            return UNREADABLE;
        }
    }

    /** The ids of a thread whose namespace's maps, read from seccheck's, are {@code uidMap} and {@code gidMap}. */
    static ProgramIds ofMaps(String uidMap, String gidMap) {
        return new ProgramIds(uidMap, gidMap, false);
    }

    /** User id {@code id} (unsigned) as seccheck numbers it, or -errno (EINVAL: it names no user; EPERM: not known). */
    long uid(int id) {
        return through(uidMap, id);
    }

    /** Group id {@code id} (unsigned) as seccheck numbers it, or -errno as {@link #uid}. */
    long gid(int id) {
        return through(gidMap, id);
    }

    private long through(String map, int id) {
        if (unreadable) {
            return -Errno.EPERM;
        }
        if (map == null) {
            return Integer.toUnsignedLong(id);
        }
        long seen = UserIdMaps.throughMap(map, Integer.toUnsignedLong(id));
        if (seen == UserIdMaps.UNKNOWN) {
            return -Errno.EPERM;
        }
        // (u32) -1 is no id in any namespace (the kernel's uid_valid).
        return seen < 0 || seen >= 0xffffffffL ? -Errno.EINVAL : seen;
    }

    /** The extended attributes whose value names users: the two POSIX ACLs and a file capability. */
    static boolean namesIds(String attribute) {
        return attribute.equals(ACCESS_ACL) || attribute.equals(DEFAULT_ACL) || attribute.equals(CAPABILITY);
    }

    private static final String ACCESS_ACL = "system.posix_acl_access";
    private static final String DEFAULT_ACL = "system.posix_acl_default";
    private static final String CAPABILITY = "security.capability";

    /** An ACL's version (POSIX_ACL_XATTR_VERSION), the length of its header and of an entry. */
    private static final int ACL_VERSION = 2;
    private static final int ACL_HEADER = 4;
    private static final int ACL_ENTRY = 8;
    /** The tags of the entries that name a user and a group (ACL_USER, ACL_GROUP). */
    private static final int ACL_USER = 2;
    private static final int ACL_GROUP = 8;
    /** A file capability's third version (VFS_CAP_REVISION_3), its mask and size, and where its root's id is. */
    private static final int CAP_REVISION_3 = 0x03000000;
    private static final int CAP_REVISION_MASK = 0xff000000;
    private static final int CAP_V3_SIZE = 24;
    private static final int CAP_ROOTID = 20;

    /**
     * The value of extended attribute {@code attribute} with its ids as seccheck numbers them, or
     * -errno in {@code errno[0]} and null. A POSIX ACL's entries for a user or group
     * ({@code posix_acl_from_xattr}) and a version-3 capability's root are translated; a value the
     * kernel would refuse for its form (a wrong version or length) and a version-2 capability,
     * which names nobody, are left as they are, for the kernel to answer. Any other attribute is
     * returned as it is.
     */
    byte[] value(String attribute, byte[] value, int[] errno) {
        if (this == SAME || value == null || !namesIds(attribute)) {
            return value;
        }
        byte[] out = value.clone();
        ByteBuffer b = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        if (attribute.equals(CAPABILITY)) {
            if (out.length == CAP_V3_SIZE && (b.getInt(0) & CAP_REVISION_MASK) == CAP_REVISION_3) {
                return put(b, CAP_ROOTID, uid(b.getInt(CAP_ROOTID)), out, errno);
            }
            return value;
        }
        if (out.length < ACL_HEADER || (out.length - ACL_HEADER) % ACL_ENTRY != 0 || b.getInt(0) != ACL_VERSION) {
            return value;
        }
        for (int at = ACL_HEADER; at < out.length; at += ACL_ENTRY) {
            int tag = Short.toUnsignedInt(b.getShort(at));
            if (tag != ACL_USER && tag != ACL_GROUP) {
                continue; // the owner's, the owning group's, the mask's and others' entries name nobody
            }
            int id = at + 4;
            if (put(b, id, tag == ACL_USER ? uid(b.getInt(id)) : gid(b.getInt(id)), out, errno) == null) {
                return null;
            }
        }
        return out;
    }

    /** Writes {@code id} (an unsigned id) at {@code at} and returns {@code out}; a negative one (-errno) goes to {@code errno[0]}, and null. */
    private static byte[] put(ByteBuffer b, int at, long id, byte[] out, int[] errno) {
        if (id < 0) {
            errno[0] = (int) -id;
            return null;
        }
        b.putInt(at, (int) id);
        return out;
    }
}
