package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which /proc/sys names are found in the opener's network or IPC namespace ({@link UnjoinedNamespaceFiles#of}). */
class UnjoinedNamespaceFilesTest {

    private static String of(String path) {
        return UnjoinedNamespaceFiles.of(path).map(UnjoinedNamespaceFiles.Binding::what).orElse("none");
    }

    @Test
    void theNetworkEntriesAreTheNetworks() {
        assertThat(of("/proc/sys/net")).isEqualTo("network");
        assertThat(of("/proc/sys/net/ipv4/conf/lo/forwarding")).isEqualTo("network");
        assertThat(of("/jail/proc/sys/net/core/somaxconn")).isEqualTo("network");
    }

    @Test
    void theIpcEntriesAreTheIpcNamespaces() {
        assertThat(of("/proc/sys/fs/mqueue")).isEqualTo("IPC");
        assertThat(of("/proc/sys/fs/mqueue/msg_max")).isEqualTo("IPC");
        for (String e : new String[] {"shmmax", "shmall", "shmmni", "shm_rmid_forced", "msgmax", "msgmni",
                "auto_msgmni", "msgmnb", "sem", "sem_next_id", "msg_next_id", "shm_next_id"}) {
            assertThat(of("/proc/sys/kernel/" + e)).as(e).isEqualTo("IPC");
        }
    }

    @Test
    void theOthersAreNot() {
        assertThat(of("/proc/sysvipc")).as("the directory lists the same three names everywhere").isEqualTo("none");
        assertThat(of("/proc/sysvipc/shm")).as("told by its inode (SysvipcLists)").isEqualTo("none");
        assertThat(of("/proc/sys/kernel")).isEqualTo("none");
        assertThat(of("/proc/sys/kernel/hostname")).as("read for the program's thread").isEqualTo("none");
        assertThat(of("/proc/sys/kernel/semaphore")).isEqualTo("none");
        assertThat(of("/proc/sys/kernel/printk_devkmsg")).isEqualTo("none");
        assertThat(of("/proc/sys/fs/mqueuex")).isEqualTo("none");
        assertThat(of("/proc/sys/network")).isEqualTo("none");
        assertThat(of("/proc/self/net/dev")).as("the task's, by its number").isEqualTo("none");
        assertThat(of("/proc/sys/user/max_user_namespaces")).isEqualTo("none");
    }
}
