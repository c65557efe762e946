package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * {@link ProgramIds} without a kernel: ids named in a namespace mapping 0-65535 onto seccheck's
 * 100000-165535, in a chown and in the values of a POSIX ACL and a file capability.
 */
class ProgramIdsTest {

    private static final ProgramIds MAPPED = ProgramIds.ofMaps("0 100000 65536\n", "0 200000 65536\n");

    @Test
    void idsGoThroughTheirOwnMapAndUnmappedOnesAreEinval() {
        assertThat(MAPPED.uid(5)).isEqualTo(100005);
        assertThat(MAPPED.gid(5)).isEqualTo(200005);
        assertThat(MAPPED.uid(70000)).isEqualTo(-Errno.EINVAL);
        assertThat(MAPPED.uid(-1)).as("(u32) -1 names nobody").isEqualTo(-Errno.EINVAL);
        assertThat(ProgramIds.ofMaps("", "").uid(0)).as("no map written yet").isEqualTo(-Errno.EINVAL);
        assertThat(ProgramIds.SAME.uid(5)).isEqualTo(5);
    }

    @Test
    void anAclsUsersAndGroupsAreTranslatedItsOtherEntriesKept() {
        int[] errno = {0};
        byte[] out = MAPPED.value("system.posix_acl_access", acl(5, 7), errno);
        assertThat(errno[0]).isZero();
        assertThat(out).isEqualTo(acl(100005, 200007, -1));
        assertThat(MAPPED.value("system.posix_acl_default", acl(0, 0), errno)).isEqualTo(acl(100000, 200000, -1));
    }

    @Test
    void anAclNamingAnUnmappedIdIsEinval() {
        int[] errno = {0};
        assertThat(MAPPED.value("system.posix_acl_access", acl(70000, 0), errno)).isNull();
        assertThat(errno[0]).isEqualTo(Errno.EINVAL);
        errno[0] = 0;
        assertThat(MAPPED.value("system.posix_acl_access", acl(0, 70000), errno)).isNull();
        assertThat(errno[0]).isEqualTo(Errno.EINVAL);
    }

    @Test
    void aValueOfTheWrongFormIsLeftForTheKernelToAnswer() {
        int[] errno = {0};
        byte[] odd = new byte[] {2, 0, 0, 0, 2, 0};
        assertThat(MAPPED.value("system.posix_acl_access", odd, errno)).isSameAs(odd);
        byte[] version1 = acl(5, 5);
        version1[0] = 1;
        assertThat(MAPPED.value("system.posix_acl_access", version1, errno)).isSameAs(version1);
        byte[] user = acl(5, 5);
        assertThat(MAPPED.value("user.note", user, errno)).isSameAs(user);
        assertThat(ProgramIds.SAME.value("system.posix_acl_access", user, errno)).isSameAs(user);
        assertThat(errno[0]).isZero();
    }

    @Test
    void aVersion3CapabilitysRootIsTranslatedAVersion2OneKept() {
        int[] errno = {0};
        ByteBuffer v3 = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x03000001).putInt(4, 1 << 13)
                .putInt(20, 0);
        byte[] out = MAPPED.value("security.capability", v3.array(), errno);
        assertThat(ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).getInt(20)).isEqualTo(100000);
        v3.putInt(20, 70000);
        assertThat(MAPPED.value("security.capability", v3.array(), errno)).isNull();
        assertThat(errno[0]).isEqualTo(Errno.EINVAL);
        byte[] v2 = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x02000001).array();
        assertThat(MAPPED.value("security.capability", v2, new int[1])).isSameAs(v2);
    }

    /** An ACL granting user {@code user} and group {@code group}, its other entries' ids -1. */
    private static byte[] acl(int user, int group) {
        return acl(user, group, -1);
    }

    private static byte[] acl(int user, int group, int none) {
        ByteBuffer b = ByteBuffer.allocate(52).order(ByteOrder.LITTLE_ENDIAN).putInt(2);
        int[][] entries = {{1, 6, none}, {2, 6, user}, {4, 4, none}, {8, 6, group}, {0x10, 6, none}, {0x20, 0, none}};
        for (int[] e : entries) {
            b.putShort((short) e[0]).putShort((short) e[1]).putInt(e[2]);
        }
        return b.array();
    }
}
