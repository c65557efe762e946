package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the kernel finds in the opener's namespaces rather than by the path: /dev/net/tun is
 * attached to the opener's network namespace, where TUNSETIFF makes its interface, and the network
 * and IPC entries below /proc/sys are looked up in the looker's. Where seccheck performs the
 * program's opens (the default session), a root program in a network or IPC namespace of its own
 * ({@code unshare -n}, {@code unshare -i}, as a container has) made its interface in the host's
 * network, and wrote the host's sysctls, through seccheck's opens: out of the isolation it has
 * natively. Each probe runs natively and under seccheck, and the host's values are checked after.
 */
class TaskNamespacesTest {

    private static final String PROBE = """
            import fcntl, os, socket, struct
            fd = os.open("/dev/net/tun", os.O_RDWR)
            fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"sctun0", 0x0001 | 0x1000))  # TUNSETIFF: IFF_TUN, IFF_NO_PI
            try:
                fcntl.ioctl(socket.socket(), 0x8933, struct.pack("16s16x", b"sctun0"))  # SIOCGIFINDEX
                print("in its own network")
            except OSError as e:
                print("not in its own network:", e.strerror)
            """;

    @TempDir
    Path tmp;

    private Path probe;

    @BeforeEach
    void asRootWithATunDevice() throws Exception {
        Assumptions.assumeTrue(new com.sun.security.auth.module.UnixSystem().getUid() == 0, "needs root (CAP_NET_ADMIN)");
        Assumptions.assumeTrue(Files.exists(Path.of("/dev/net/tun")), "no /dev/net/tun");
        probe = Files.writeString(tmp.resolve("tun.py"), PROBE);
    }

    private String run(boolean supervised, boolean ownNetwork) throws Exception {
        PackagedCli.Result r = start(supervised, ownNetwork);
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        return r.out();
    }

    private PackagedCli.Result start(boolean supervised, boolean ownNetwork) throws Exception {
        return start(supervised, ownNetwork ? List.of("unshare", "--net") : List.of(), "/usr/bin/python3",
                probe.toString());
    }

    /** {@code command} after {@code before}, natively or under {@code seccheck run}. */
    private PackagedCli.Result start(boolean supervised, List<String> before, String... command) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (supervised) {
            cmd.addAll(PackagedCli.java(System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--"));
        }
        cmd.addAll(before);
        cmd.addAll(List.of(command));
        return PackagedCli.run(new ProcessBuilder(cmd), tmp, Duration.ofSeconds(120));
    }

    /**
     * Writes {@code value} into sysctl {@code file} from namespaces of the program's own
     * ({@code unshare} with {@code flag}), natively and under seccheck, by its absolute name and
     * relative to a working directory below /proc/sys: the program reads back its value each time,
     * and the host's stays as it was.
     */
    private void sysctlOfItsOwn(String flag, Path file, String value) throws Exception {
        String write = "echo " + value + " > " + file + " && cat " + file + " && cd " + file.getParent() + " && echo "
                + value + " > " + file.getFileName() + " && cat " + file.getFileName();
        Sysctls.keeping(file, host -> {
            Assumptions.assumeFalse(host.equals(value), file + " is " + value + " already");
            PackagedCli.Result natively = start(false, List.of("unshare", flag), "sh", "-c", write);
            Assumptions.assumeTrue(natively.status() == 0, "unshare " + flag + ": " + natively.err());
            assertThat(natively.out()).isEqualTo(value + "\n" + value + "\n");
            assertThat(Sysctls.read(file)).as("the host's, natively").isEqualTo(host);
            PackagedCli.Result under = start(true, List.of("unshare", flag), "sh", "-c", write);
            assertThat(under.out()).as(under.err()).isEqualTo(natively.out());
            assertThat(Sysctls.read(file)).as("the host's, under seccheck").isEqualTo(host);
        });
    }

    @Test
    void aProgramInANetworkOfItsOwnWritesItsOwnSysctls() throws Exception {
        sysctlOfItsOwn("--net", Path.of("/proc/sys/net/ipv4/conf/lo/forwarding"),
                Sysctls.read(Path.of("/proc/sys/net/ipv4/conf/lo/forwarding")).equals("1") ? "0" : "1");
    }

    /** What {@link #aProgramInANetworkOfItsOwnChangesIntoATmpfsMountedOverProcSys} runs, and prints natively. */
    private static final String MASKED_SYS = "mount -t tmpfs none /proc/sys && echo hi > /proc/sys/f && cd /proc/sys"
            + " && cat f && pwd && ls /proc/sys";

    /**
     * A program in network and mount namespaces of its own mounts a tmpfs over /proc/sys (as
     * sandboxes mask it), writes a file there and changes into it: it reads the file back and is
     * there, natively and under seccheck. Before, seccheck's walk of a name into /proc/sys stopped at
     * {@code sys} for a task in another network namespace, taking the directory for one of that
     * namespace's sysctls, and the chdir's exit found the tmpfs instead: the program was killed
     * ("reached another directory than the one seccheck decided on").
     */
    @Test
    void aProgramInANetworkOfItsOwnChangesIntoATmpfsMountedOverProcSys() throws Exception {
        PackagedCli.Result natively = start(false, List.of("unshare", "--net", "--mount"), "sh", "-c", MASKED_SYS);
        Assumptions.assumeTrue(natively.status() == 0, "unshare --net --mount: " + natively.err());
        assertThat(natively.out()).isEqualTo("hi\n/proc/sys\nf\n");
        PackagedCli.Result under = start(true, List.of("unshare", "--net", "--mount"), "sh", "-c", MASKED_SYS);
        assertThat(under.out()).as(under.err()).isEqualTo(natively.out());
        assertThat(under.status()).as(under.err()).isZero();
    }

    /**
     * The same in a user namespace of the program's own too (a rootless container's), with the
     * program and seccheck run as root, and both as uid 65534 (seccheck then unprivileged, joining
     * no namespace). Killed before, as above, either way.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aRootlessProgramChangesIntoATmpfsMountedOverProcSys(boolean nobody) throws Exception {
        PackagedCli.Result[] r = inNamespacesOfItsOwn(nobody, List.of("--net", "--mount"), MASKED_SYS);
        Assumptions.assumeTrue(r[0].status() == 0, "unshare -r -n -m: " + r[0].err());
        assertThat(r[0].out()).isEqualTo("hi\n/proc/sys\nf\n");
        assertThat(r[1].out()).as(r[1].err()).isEqualTo(r[0].out());
        assertThat(r[1].status()).as(r[1].err()).isZero();
    }

    /**
     * /proc/sysvipc lists the IPC objects of the opener's namespace: a program in an IPC namespace
     * of its own saw the host's shared memory segment (its key, owner, size) through seccheck's open.
     */
    @Test
    void aProgramInAnIpcNamespaceOfItsOwnListsItsOwnSharedMemory() throws Exception {
        Assumptions.assumeTrue(CPrograms.onPath("ipcmk") && CPrograms.onPath("ipcrm"), "ipcmk (util-linux)");
        PackagedCli.Result made = start(false, List.of(), "ipcmk", "-M", "4096");
        Assumptions.assumeTrue(made.status() == 0, "ipcmk: " + made.err());
        String id = made.out().replaceAll("[^0-9]", "");
        try {
            String count = "wc -l < /proc/sysvipc/shm";
            PackagedCli.Result natively = start(false, List.of("unshare", "--ipc"), "sh", "-c", count);
            Assumptions.assumeTrue(natively.status() == 0, "unshare --ipc: " + natively.err());
            assertThat(natively.out().strip()).as("the header alone").isEqualTo("1");
            assertThat(start(false, List.of(), "sh", "-c", count).out().strip()).as("the host's segment").isNotEqualTo("1");
            PackagedCli.Result under = start(true, List.of("unshare", "--ipc"), "sh", "-c", count);
            assertThat(under.out()).as(under.err()).isEqualTo(natively.out());
        } finally {
            start(false, List.of(), "ipcrm", "-m", id);
        }
    }

    /**
     * Unprivileged, seccheck cannot join another namespace, so a program in a user and network
     * namespace of its own (a rootless container) would find /proc/sys/net as seccheck's, the
     * host's. It must still not write the host's sysctls: natively it writes its own, under
     * seccheck the open is refused; the host's value stays either way.
     */
    @Test
    void unprivilegedAProgramInNamespacesOfItsOwnDoesNotWriteTheHosts() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path file = Path.of("/proc/sys/net/ipv4/conf/lo/forwarding");
        Sysctls.keeping(file, host -> {
            String value = host.equals("1") ? "0" : "1";
            String write = "echo " + value + " > " + file + " && cat " + file;
            PackagedCli.Result natively = PackagedCli.run(new ProcessBuilder(PackagedCli.nobody(
                    "unshare", "--user", "--map-root-user", "--net", "sh", "-c", write)), tmp, Duration.ofSeconds(120));
            Assumptions.assumeTrue(natively.status() == 0, "unprivileged user and network namespaces: " + natively.err());
            assertThat(natively.out()).isEqualTo(value + "\n");
            assertThat(Sysctls.read(file)).as("the host's, natively").isEqualTo(host);
            ProcessBuilder under = new ProcessBuilder(PackagedCli.asNobody(classpath, "run", "--quiet", "-o", "/dev/null",
                    "--", "unshare", "--user", "--map-root-user", "--net", "sh", "-c", write));
            under.environment().put("XDG_RUNTIME_DIR", PackagedCli.nobodysDir(tmp.resolve("xdg")).toString());
            PackagedCli.Result r = PackagedCli.run(under, tmp, Duration.ofSeconds(120));
            assertThat(r.status()).as(r.out() + r.err()).isNotZero();
            assertThat(Sysctls.read(file)).as("the host's, under seccheck").isEqualTo(host);
        });
    }

    /**
     * {@code command} in a user and IPC namespace of its own ({@code unshare -r -i}, a rootless
     * container's), as root or as uid 65534: natively, and under seccheck as the same user.
     * Null natively when this kernel refuses such namespaces to that user.
     */
    private PackagedCli.Result[] inUserAndIpcNamespacesOfItsOwn(boolean nobody, String command) throws Exception {
        return inNamespacesOfItsOwn(nobody, List.of("--ipc"), command);
    }

    /** {@link #inUserAndIpcNamespacesOfItsOwn} with a user namespace and those of {@code flags}. */
    private PackagedCli.Result[] inNamespacesOfItsOwn(boolean nobody, List<String> flags, String command)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of("unshare", "--user", "--map-root-user"));
        cmd.addAll(flags);
        cmd.addAll(List.of("sh", "-c", command));
        if (!nobody) {
            return new PackagedCli.Result[] {start(false, List.of(), cmd.toArray(String[]::new)),
                    start(true, List.of(), cmd.toArray(String[]::new))};
        }
        String classpath = PackagedCli.forNobody(tmp);
        PackagedCli.Result natively = PackagedCli.run(
                PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, classpath, false, cmd), tmp, Duration.ofSeconds(120));
        PackagedCli.Result under = PackagedCli.run(
                PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, classpath, true, cmd), tmp, Duration.ofSeconds(120));
        return new PackagedCli.Result[] {natively, under};
    }

    /**
     * Checks what a program in namespaces of its own got under seccheck: as root, what it got
     * natively (seccheck joins its namespaces); unprivileged, where seccheck cannot join them,
     * either that or the open refused with a line, and never {@code hosts}, the host's data.
     */
    private static void itsOwnOrRefused(boolean nobody, PackagedCli.Result natively, PackagedCli.Result under,
            String hosts) {
        assertThat(under.out().lines()).as("the host's data: " + under.err()).doesNotContain(hosts);
        if (!nobody || under.out().equals(natively.out())) {
            assertThat(under.out()).as(under.err()).isEqualTo(natively.out());
        } else {
            assertThat(under.err()).contains("refused openat from task", "IPC namespace");
        }
    }

    /**
     * /proc/sysvipc/shm lists the segments of the opener's IPC namespace. Unprivileged, seccheck
     * cannot join a program's, and opened the list in its own: a program in a user and IPC
     * namespace of its own listed the host's segment (its key, owner and size) and not its own.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramInUserAndIpcNamespacesOfItsOwnNeverListsTheHostsSharedMemory(boolean nobody) throws Exception {
        Assumptions.assumeTrue(CPrograms.onPath("ipcmk") && CPrograms.onPath("ipcrm"), "ipcmk (util-linux)");
        PackagedCli.Result made = start(false, List.of(), "ipcmk", "-M", "12288");
        Assumptions.assumeTrue(made.status() == 0, "ipcmk: " + made.err());
        String id = made.out().replaceAll("[^0-9]", "");
        try {
            PackagedCli.Result[] r = inUserAndIpcNamespacesOfItsOwn(nobody,
                    "ipcmk -M 4096 >/dev/null && awk 'NR>1{print $4}' /proc/sysvipc/shm");
            Assumptions.assumeTrue(r[0].status() == 0, "unshare -r -i: " + r[0].err());
            assertThat(r[0].out()).as("its own segment alone").isEqualTo("4096\n");
            itsOwnOrRefused(nobody, r[0], r[1], "12288");
        } finally {
            start(false, List.of(), "ipcrm", "-m", id);
        }
    }

    /**
     * /proc/sysvipc's lists are the opener's namespace's under any name: bound onto a file of its
     * own mount namespace, /proc/sysvipc/shm listed the host's segments through seccheck's open
     * (as root too: the walk met no /proc/sysvipc to stop at).
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramInIpcNamespacesOfItsOwnNeverListsTheHostsSharedMemoryUnderAnotherName(boolean nobody)
            throws Exception {
        Assumptions.assumeTrue(CPrograms.onPath("ipcmk") && CPrograms.onPath("ipcrm"), "ipcmk (util-linux)");
        PackagedCli.Result made = start(false, List.of(), "ipcmk", "-M", "12288");
        Assumptions.assumeTrue(made.status() == 0, "ipcmk: " + made.err());
        String id = made.out().replaceAll("[^0-9]", "");
        try {
            PackagedCli.Result[] r = inNamespacesOfItsOwn(nobody, List.of("--ipc", "--mount"),
                    "ipcmk -M 4096 >/dev/null && mount -t tmpfs none /mnt && touch /mnt/list"
                            + " && mount --bind /proc/sysvipc/shm /mnt/list && awk 'NR>1{print $4}' /mnt/list");
            Assumptions.assumeTrue(r[0].status() == 0, "unshare -r -i -m: " + r[0].err());
            assertThat(r[0].out()).as("its own segment alone").isEqualTo("4096\n");
            itsOwnOrRefused(nobody, r[0], r[1], "12288");
        } finally {
            start(false, List.of(), "ipcrm", "-m", id);
        }
    }

    /**
     * The IPC entries below /proc/sys ({@code fs/mqueue}, {@code kernel.msgmni} and the others)
     * are looked up in the opener's IPC namespace: unprivileged, a program in one of its own read
     * the host's values through seccheck's open.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramInUserAndIpcNamespacesOfItsOwnNeverReadsTheHostsIpcSysctls(boolean nobody) throws Exception {
        Path msgMax = Path.of("/proc/sys/fs/mqueue/msg_max");
        Assumptions.assumeTrue(Files.exists(msgMax), "no POSIX message queues");
        Sysctls.keeping(msgMax, host -> {
            String ours = host.equals("10") ? "13" : host; // a new namespace's is 10
            Files.writeString(msgMax, ours + "\n");
            PackagedCli.Result[] r = inUserAndIpcNamespacesOfItsOwn(nobody, "cat " + msgMax);
            Assumptions.assumeTrue(r[0].status() == 0, "unshare -r -i: " + r[0].err());
            assertThat(r[0].out()).as("its own namespace's").isEqualTo("10\n");
            itsOwnOrRefused(nobody, r[0], r[1], ours);
        });
    }

    @Test
    void aProgramInAnIpcNamespaceOfItsOwnWritesItsOwnSysctls() throws Exception {
        Path shmmni = Path.of("/proc/sys/kernel/shmmni");
        sysctlOfItsOwn("--ipc", shmmni, Sysctls.read(shmmni).equals("2048") ? "1024" : "2048");
    }

    /**
     * kernel.pid_max is found in the opener's pid namespace (Linux 6.14+), which no thread of
     * seccheck's can join: a root program in a pid namespace of its own set the host's through
     * seccheck (natively only its namespace's). Such a write is now refused, and the host's value
     * stays; the value written is one below the host's, so the host keeps working either way.
     */
    @Test
    void aProgramInAPidNamespaceOfItsOwnDoesNotSetTheHostsPidMax() throws Exception {
        Path pidMax = Path.of("/proc/sys/kernel/pid_max");
        List<String> ownPids = List.of("unshare", "--pid", "--fork", "--mount-proc");
        Sysctls.keeping(pidMax, host -> {
            String lower = Long.toString(Long.parseLong(host) - 1);
            String write = "echo " + lower + " > " + pidMax + " && cat " + pidMax;
            PackagedCli.Result natively = start(false, ownPids, "sh", "-c", write);
            Assumptions.assumeTrue(natively.status() == 0 && natively.out().equals(lower + "\n"),
                    "pid_max is not per pid namespace here (Linux 6.14+): " + natively.out() + natively.err());
            assertThat(Sysctls.read(pidMax)).as("the host's, natively").isEqualTo(host);
            PackagedCli.Result under = start(true, ownPids, "sh", "-c", write);
            assertThat(under.err()).contains("cannot create /proc/sys/kernel/pid_max: Operation not permitted",
                    "refused openat from task");
            assertThat(Sysctls.read(pidMax)).as("the host's, under seccheck").isEqualTo(host);
        });
    }

    @Test
    void aProgramInANetworkOfItsOwnGetsItsInterfaceThere() throws Exception {
        PackagedCli.Result natively = start(false, true);
        Assumptions.assumeTrue(natively.status() == 0, "unshare --net: " + natively.err());
        assertThat(natively.out()).isEqualTo("in its own network\n");
        assertThat(run(true, true)).isEqualTo(natively.out());
    }

    @Test
    void aProgramInSecchecksNetworkGetsItsInterfaceThereAsBefore() throws Exception {
        assertThat(run(false, false)).isEqualTo("in its own network\n");
        assertThat(run(true, false)).isEqualTo("in its own network\n");
    }
}
