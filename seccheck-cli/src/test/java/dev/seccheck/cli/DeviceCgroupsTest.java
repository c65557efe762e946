package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.Mountinfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program in a cgroup that may not open devices cannot open them through seccheck. The kernel
 * checks a device open against the opening thread's cgroups (v1's devices controller, v2's BPF
 * device programs): that is how a container that can mknod is kept from the host's disks. Where
 * seccheck opens files for the program (the default session), that was seccheck's cgroup: a program
 * that moved itself into a cgroup without devices read /dev/zero through seccheck, refused natively
 * (EPERM). The same script, which moves itself into such a cgroup and opens devices, must print
 * the same lines natively and under seccheck; natively it shows refusals and successes (v1), so
 * the comparison cannot pass vacuously. Needs root, and the hierarchy each case uses.
 */
class DeviceCgroupsTest {

    /** Moves itself into the cgroup in $1 (a cgroup.procs file), then opens devices. */
    private static final String SCRIPT = """
            echo $$ > "$1"
            try() { "$@" 2>&1; echo "rc=$?"; }
            try cat /dev/null
            try head -c 3 /dev/zero
            try sh -c 'echo x > /dev/full'
            try sh -c 'echo x > /dev/null'
            """;

    /** Attaches a BPF device program refusing every device to the cgroup directory given. */
    private static final String ATTACH = """
            import ctypes, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            def bpf(cmd, attr):
                r = libc.syscall(321, cmd, ctypes.byref(attr), ctypes.sizeof(attr))
                if r < 0:
                    e = ctypes.get_errno()
                    raise OSError(e, os.strerror(e))
                return r
            def field(buf, kind, off, value):
                kind.from_buffer(buf, off).value = value
            insns = (ctypes.c_uint64 * 2)(0xb7, 0x95)  # r0 = 0; exit
            lic = ctypes.create_string_buffer(b"GPL")
            load = (ctypes.c_uint8 * 128)()
            field(load, ctypes.c_uint32, 0, 15)  # BPF_PROG_TYPE_CGROUP_DEVICE
            field(load, ctypes.c_uint32, 4, 2)
            field(load, ctypes.c_uint64, 8, ctypes.addressof(insns))
            field(load, ctypes.c_uint64, 16, ctypes.addressof(lic))
            field(load, ctypes.c_uint32, 68, 6)  # BPF_CGROUP_DEVICE
            prog = bpf(5, load)  # BPF_PROG_LOAD
            attach = (ctypes.c_uint8 * 128)()
            field(attach, ctypes.c_uint32, 0, os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY))
            field(attach, ctypes.c_uint32, 4, prog)
            field(attach, ctypes.c_uint32, 8, 6)
            bpf(8, attach)  # BPF_PROG_ATTACH
            """;

    @TempDir
    Path tmp;

    private final List<Path> made = new ArrayList<>();

    @BeforeEach
    void root() throws IOException {
        PackagedCli.assumeNobody(tmp); // root: it makes cgroups
    }

    @AfterEach
    void removeCgroups() throws Exception {
        for (Path dir : made.reversed()) {
            for (int i = 0; i < 100 && Files.exists(dir); i++) {
                try {
                    Files.delete(dir); // empty once the script's processes are reaped
                } catch (IOException e) {
                    Thread.sleep(50);
                }
            }
        }
    }

    /** The hierarchy mounted with {@code type} (and {@code controller}), at its root, or the test is skipped. */
    private static Path hierarchy(String type, String controller) throws IOException {
        Optional<Path> p = Mountinfo.read("/proc/self/mountinfo").stream()
                .filter(m -> m.type().equals(type) && m.root().equals("/")
                        && (controller == null || List.of(m.superOptions().split(",")).contains(controller)))
                .map(m -> Path.of(m.mountPoint())).findFirst();
        Assumptions.assumeTrue(p.isPresent(), "no " + type + " hierarchy" + (controller == null ? "" : " with " + controller));
        return p.get();
    }

    private Path cgroup(Path hierarchy) throws IOException {
        Path dir = hierarchy.resolve("seccheck-test-" + Integer.toHexString(ThreadLocalRandom.current().nextInt()));
        Files.createDirectory(dir);
        made.add(dir);
        return dir;
    }

    private String run(Path procs, boolean underSeccheck) throws Exception {
        return result(procs, underSeccheck).out();
    }

    private PackagedCli.Result result(Path procs, boolean underSeccheck) throws Exception {
        return PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, List.of("sh", "-c", SCRIPT, "script", procs.toString()));
    }

    @Test
    void theDevicesControllersRulesHoldForTheOpensSeccheckMakes() throws Exception {
        Path dir = cgroup(hierarchy("cgroup", "devices"));
        Files.writeString(dir.resolve("devices.deny"), "a");
        Files.writeString(dir.resolve("devices.allow"), "c 1:3 rw"); // /dev/null only
        String natively = run(dir.resolve("cgroup.procs"), false);
        assertThat(natively).contains("rc=0\n", "head: cannot open '/dev/zero' for reading: Operation not permitted\nrc=1\n");
        assertThat(run(dir.resolve("cgroup.procs"), true)).isEqualTo(natively);
    }

    @Test
    void aV2CgroupsDeviceProgramHoldsForTheOpensSeccheckMakes() throws Exception {
        Path dir = cgroup(hierarchy("cgroup2", null));
        PackagedCli.Result attached = PackagedCli.run(new ProcessBuilder("python3", "-c", ATTACH, dir.toString()), tmp,
                Duration.ofSeconds(30));
        Assumptions.assumeTrue(attached.status() == 0, "cannot attach a BPF device program here: " + attached.err());
        String natively = run(dir.resolve("cgroup.procs"), false);
        assertThat(natively).contains("cat: /dev/null: Operation not permitted\nrc=1\n")
                .doesNotContain("rc=0\n");
        PackagedCli.Result underSeccheck = result(dir.resolve("cgroup.procs"), true);
        assertThat(underSeccheck.out()).isEqualTo(natively);
        assertThat(underSeccheck.err()).containsPattern("(?m)^seccheck: refused openat from task \\d+ \\(cat\\) of device"
                + " c 1:3: the kernel checks it against the opener's cgroups, and its cgroup /seccheck-test-\\w+ has other"
                + " device programs than seccheck's");
    }
}
