package dev.seccheck.linux;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Sizes and offsets as the x86-64 C headers lay the structures out (checked with offsetof). */
class LayoutsTest {
    @Test
    void socketStructures() {
        assertThat(Layouts.IOVEC.byteSize()).isEqualTo(16);
        assertThat(Layouts.MSGHDR.byteSize()).isEqualTo(56);
        assertThat(Layouts.MSGHDR.byteOffset(groupElement("msg_iov"))).isEqualTo(16);
        assertThat(Layouts.MSGHDR.byteOffset(groupElement("msg_iovlen"))).isEqualTo(24);
        assertThat(Layouts.MSGHDR.byteOffset(groupElement("msg_control"))).isEqualTo(32);
        assertThat(Layouts.MSGHDR.byteOffset(groupElement("msg_controllen"))).isEqualTo(40);
        assertThat(Layouts.MSGHDR.byteOffset(groupElement("msg_flags"))).isEqualTo(48);
        assertThat(Layouts.SOCKADDR_UN.byteSize()).isEqualTo(110);
        assertThat(Layouts.SUN_PATH_OFFSET).isEqualTo(2);
        assertThat(Layouts.POLLFD.byteSize()).isEqualTo(8);
        assertThat(Layouts.UCRED.byteSize()).isEqualTo(12);
    }

    @Test
    void seccompStructures() {
        assertThat(Layouts.SOCK_FILTER.byteSize()).isEqualTo(8);
        assertThat(Layouts.SOCK_FPROG.byteSize()).isEqualTo(16);
        assertThat(Layouts.SOCK_FPROG.byteOffset(groupElement("filter"))).isEqualTo(8);
        assertThat(Layouts.SECCOMP_DATA.byteSize()).isEqualTo(64);
        assertThat(Layouts.SECCOMP_DATA.byteOffset(groupElement("args"))).isEqualTo(16);
        assertThat(Layouts.SECCOMP_NOTIF.byteSize()).isEqualTo(80);
        assertThat(Layouts.SECCOMP_NOTIF.byteOffset(groupElement("data"))).isEqualTo(16);
        assertThat(Layouts.SECCOMP_NOTIF_RESP.byteSize()).isEqualTo(24);
        assertThat(Seccomp.NOTIF_SIZE).isGreaterThanOrEqualTo(80);
    }

    @Test
    void fileAndPidfdStructures() {
        assertThat(Layouts.STAT.byteSize()).isEqualTo(144);
        assertThat(Layouts.STAT.byteOffset(groupElement("st_mode"))).isEqualTo(24);
        assertThat(Layouts.STAT.byteOffset(groupElement("st_size"))).isEqualTo(48);
        assertThat(Layouts.STAT.byteOffset(groupElement("st_mtime"))).isEqualTo(88);
        assertThat(Layouts.STAT.byteOffset(groupElement("st_ctime_nsec"))).isEqualTo(112);
        assertThat(Layouts.OPEN_HOW.byteSize()).isEqualTo(24);
        assertThat(Layouts.STATX.byteSize()).isEqualTo(256);
        assertThat(Layouts.STATX.byteOffset(groupElement("stx_mnt_id"))).isEqualTo(144);
        assertThat(Layouts.STATX.byteOffset(groupElement("stx_mode"))).isEqualTo(28);
        assertThat(Layouts.STATX.byteOffset(groupElement("stx_ino"))).isEqualTo(32);
        assertThat(Layouts.STATX.byteOffset(groupElement("stx_ctime_sec"))).isEqualTo(96);
        assertThat(Layouts.STATX.byteOffset(groupElement("stx_mtime_sec"))).isEqualTo(112);
        assertThat(Layouts.STATX.byteOffset(groupElement("stx_dev_major"))).isEqualTo(136);
        assertThat(Layouts.MNT_ID_REQ.byteSize()).isEqualTo(24);
        assertThat(Layouts.MNT_ID_REQ_V1.byteSize()).isEqualTo(32);
        assertThat(Layouts.MNT_ID_REQ_V1.byteOffset(groupElement("mnt_ns_id"))).isEqualTo(24);
        assertThat(Layouts.STATMOUNT.byteSize()).isEqualTo(512);
        assertThat(Layouts.STATMOUNT.byteOffset(groupElement("sb_magic"))).isEqualTo(24);
        assertThat(Layouts.STATMOUNT.byteOffset(groupElement("mnt_attr"))).isEqualTo(64);
        assertThat(Layouts.STATMOUNT.byteOffset(groupElement("fs_type"))).isEqualTo(36);
        assertThat(Layouts.STATMOUNT.byteOffset(groupElement("mnt_id"))).isEqualTo(40);
        assertThat(Layouts.STATMOUNT.byteOffset(groupElement("mnt_root"))).isEqualTo(104);
        assertThat(Layouts.STATMOUNT.byteOffset(groupElement("mnt_point"))).isEqualTo(108);
        assertThat(Layouts.STATMOUNT.byteOffset(groupElement("mnt_ns_id"))).isEqualTo(112);
        assertThat(Layouts.STATFS.byteSize()).isEqualTo(120);
        assertThat(Layouts.PIDFD_INFO.byteSize()).isEqualTo(64);
        assertThat(Layouts.PIDFD_INFO.byteOffset(groupElement("ruid"))).isEqualTo(28);
        assertThat(Layouts.PIDFD_INFO.byteOffset(groupElement("sgid"))).isEqualTo(48);
        assertThat(Layouts.PIDFD_INFO.byteOffset(groupElement("fsgid"))).isEqualTo(56);
    }

    @Test
    void userRegsStructure() {
        assertThat(Layouts.USER_REGS.byteSize()).isEqualTo(27 * 8);
        assertThat(Layouts.regIndex("rax")).isEqualTo(10);
        assertThat(Layouts.regIndex("orig_rax")).isEqualTo(15);
        assertThat(Layouts.regIndex("rip")).isEqualTo(16);
        assertThat(Layouts.regIndex("rsp")).isEqualTo(19);
        assertThat(Layouts.regIndex("gs")).isEqualTo(26);
    }

    @Test
    void fprogBytesMatchTheLayout() {
        byte[] b = Seccomp.fprog(3, 0x1122_3344_5566_7788L);
        assertThat(b).hasSize(16);
        assertThat(b[0]).isEqualTo((byte) 3);
        assertThat(b[8]).isEqualTo((byte) 0x88);
        assertThat(b[15]).isEqualTo((byte) 0x11);
    }
}
