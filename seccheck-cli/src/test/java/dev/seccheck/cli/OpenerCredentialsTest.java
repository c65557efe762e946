package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file seccheck opens for a program has seccheck's thread as its opener (the kernel's
 * {@code f_cred}), and some kernel checks look at the opener later. Each case runs natively, under
 * the default session (seccheck performs the opens) and under a policy that decides opens
 * (seccheck performs the links too), as root, as uid 65534 under a root seccheck, and with
 * seccheck itself run as uid 65534; every answer must be the native one. Before:
 * <ul>
 * <li>{@code linkat(fd, "", AT_FDCWD, name, AT_EMPTY_PATH)}, which the kernel grants an
 * unprivileged caller only for a file it opened itself, failed with ENOENT under the default
 * session for a regular file and an O_TMPFILE that natively link (and for a directory, natively
 * EPERM);</li>
 * <li>a program with no capability in a user namespace of its own wrote its {@code setgroups},
 * {@code gid_map} and {@code uid_map} and became root there: the kernel checks these files against
 * the opener's capabilities in the namespace, which seccheck's thread, whose effective uid made
 * it, holds whole;</li>
 * <li>root without CAP_SETFCAP unshared a user namespace and mapped host root in it
 * ({@code capsh --drop=cap_setfcap -- -c 'unshare -r ...'}): the kernel lets the namespace's own
 * root map uid 0 only if its creator had CAP_SETFCAP, and asks seccheck's thread, in the parent
 * namespace, for CAP_SETFCAP instead, which the program's full set in its namespace gave it.</li>
 * </ul>
 */
class OpenerCredentialsTest {

    private static final String LINKS = "src/test/c/empty_path_links.c";
    private static final String ROOT_MAPS = "src/test/c/setfcap_root_maps.c";
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    /**
     * Run as {@code unshare -U python3 -c MAPS}: the exec after unshare drops every capability
     * the new namespace gave. Prints how each write went, and the uid in the namespace then.
     */
    private static final String MAPS = """
            import os, errno
            def w(p, s):
                try: fd = os.open(p, os.O_WRONLY)
                except OSError as e: return 'open ' + errno.errorcode[e.errno]
                try: os.write(fd, s.encode()); return 'written'
                except OSError as e: return 'write ' + errno.errorcode[e.errno]
                finally: os.close(fd)
            host = os.environ['HOSTUID']
            print('uid_map', w('/proc/self/uid_map', '0 %s 1\\n' % host))
            print('setgroups', w('/proc/self/setgroups', 'deny'))
            print('gid_map', w('/proc/self/gid_map', '0 %s 1\\n' % host))
            print('uid in ns', os.getuid())
            """;

    /** What {@link #MAPS} prints natively without a capability in the namespace, as root or uid 65534. */
    private static final String MAPS_REFUSED = """
            uid_map write EPERM
            setgroups open EACCES
            gid_map write EPERM
            uid in ns 65534
            """;

    @TempDir
    Path tmp;

    /** Who runs: seccheck and the program as root; the program as uid 65534 under a root seccheck; both as uid 65534. */
    private enum As { ROOT, NOBODY_PROGRAM, NOBODY }

    @Test
    void aLinkByAnEmptyNameIsAnsweredAsNativelyAsRoot() throws Exception {
        links(As.ROOT);
    }

    @Test
    void aLinkByAnEmptyNameIsAnsweredAsNativelyForUid65534UnderRootSeccheck() throws Exception {
        links(As.NOBODY_PROGRAM);
    }

    @Test
    void aLinkByAnEmptyNameIsAnsweredAsNativelyUnprivileged() throws Exception {
        links(As.NOBODY);
    }

    @Test
    void aProgramWithoutCapabilitiesInItsNamespaceWritesNoMapAsRoot() throws Exception {
        assertThat(maps(As.ROOT, false)).isEqualTo(MAPS_REFUSED);
        for (Path config : sessions()) {
            assertThat(maps(As.ROOT, true, config)).as(String.valueOf(config)).isEqualTo(MAPS_REFUSED);
        }
    }

    @Test
    void aProgramWithoutCapabilitiesInItsNamespaceWritesNoMapForUid65534UnderRootSeccheck() throws Exception {
        assertThat(maps(As.NOBODY_PROGRAM, false)).isEqualTo(MAPS_REFUSED);
        for (Path config : sessions()) {
            assertThat(maps(As.NOBODY_PROGRAM, true, config)).as(String.valueOf(config)).isEqualTo(MAPS_REFUSED);
        }
    }

    /**
     * Unprivileged, seccheck cannot open a map file with an identity that owns no namespace: it
     * refuses the open of a map for writing with EPERM (natively the open succeeds and the write
     * fails with EPERM), and the setgroups open with EACCES, as natively.
     */
    @Test
    void aProgramWithoutCapabilitiesInItsNamespaceWritesNoMapUnprivileged() throws Exception {
        assertThat(maps(As.NOBODY, false)).isEqualTo(MAPS_REFUSED);
        for (Path config : sessions()) {
            assertThat(maps(As.NOBODY, true, config)).as(String.valueOf(config)).isEqualTo("""
                    uid_map open EPERM
                    setgroups open EACCES
                    gid_map open EPERM
                    uid in ns 65534
                    """);
        }
    }

    /** The README's {@code unshare -r}: the maps are written with the rights the program has, as natively. */
    @Test
    void unshareMapRootUserWorksAsNatively() throws Exception {
        for (As as : As.values()) {
            List<String> command = List.of("unshare", "-r", "sh", "-c", "id -u; cat /proc/self/uid_map /proc/self/setgroups");
            String natively = run(as, false, null, command);
            assertThat(natively).as(as + " natively").startsWith("0\n").contains("deny");
            for (Path config : sessions()) {
                assertThat(run(as, true, config, command)).as(as + " " + config).isEqualTo(natively);
            }
        }
    }

    /**
     * Root only: mapping host root asks CAP_SETUID over the parent namespace of the writer or an
     * opener whose effective uid is 0; uid 65534 has neither, so the kernel refuses it whatever
     * CAP_SETFCAP says (and in a namespace two deep, where it could map that namespace's root,
     * seccheck's thread, two namespaces up, may not write the map at all).
     */
    @Test
    void rootWithoutSetfcapMapsNoHostRootAsNatively() throws Exception {
        Path program = CPrograms.compile(ROOT_MAPS, tmp);
        String natively = run(As.ROOT, false, null, List.of(program.toString()));
        assertThat(natively).isEqualTo("""
                self drop = EPERM
                self keep = written
                parent drop = EPERM
                parent keep = written
                forked drop = EPERM
                """);
        for (Path config : sessions()) {
            assertThat(run(As.ROOT, true, config, List.of(program.toString()))).as(String.valueOf(config))
                    .isEqualTo(natively);
        }
    }

    private void links(As as) throws Exception {
        Path program = CPrograms.compile(LINKS, tmp);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        String expected = """
                regular = 0
                tmpfile = 0
                tmpfile_excl = ENOENT
                directory = EPERM
                """;
        Path dir = dir(as, "native");
        assertThat(run(as, false, null, List.of(program.toString(), dir.toString()))).isEqualTo(expected);
        for (Path config : sessions()) {
            Path d = dir(as, "under-" + (config == null ? "default" : "policy"));
            assertThat(run(as, true, config, List.of(program.toString(), d.toString()))).as(String.valueOf(config))
                    .isEqualTo(expected);
        }
    }

    private String maps(As as, boolean underSeccheck, Path... config) throws Exception {
        List<String> command = List.of("env", "HOSTUID=" + (as == As.ROOT ? 0 : PackagedCli.NOBODY), "unshare", "-U",
                "/usr/bin/python3", "-c", MAPS);
        return run(as, underSeccheck, config.length == 0 ? null : config[0], command);
    }

    /** The default session (null) and a policy that decides opens (so links and renames are performed too). */
    private List<Path> sessions() throws Exception {
        Path policy = tmp.resolve("policy.json");
        if (!Files.exists(policy)) {
            Files.writeString(policy, Policies.OPEN_FILE_KEYS);
        }
        List<Path> all = new ArrayList<>();
        all.add(null);
        all.add(policy);
        return all;
    }

    private Path dir(As as, String name) throws Exception {
        return as == As.ROOT ? Files.createDirectory(tmp.resolve(name)) : PackagedCli.nobodysDir(tmp.resolve(name));
    }

    /** Runs {@code command} as {@code as} wants, natively or under seccheck with {@code config} (null: the default session); its stdout. */
    private String run(As as, boolean underSeccheck, Path config, List<String> command) throws Exception {
        if (as != As.ROOT) {
            PackagedCli.assumeNobody(tmp);
        }
        Path[] configs = config == null ? new Path[0] : new Path[] {config};
        List<String> cmd = as == As.NOBODY_PROGRAM ? PackagedCli.nobody(command.toArray(String[]::new)) : command;
        ProcessBuilder process = as == As.NOBODY
                ? PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, PackagedCli.nobodyClasspath(), underSeccheck,
                        command, configs)
                : PackagedCli.nativeOrUnderSeccheckProcess(tmp, underSeccheck, cmd, configs);
        PackagedCli.Result r = PackagedCli.run(process, tmp, DEADLINE);
        String where = as + (underSeccheck ? " under seccheck " + config : " natively");
        if (!underSeccheck && command.contains("unshare")) {
            Assumptions.assumeTrue(r.status() == 0 || !r.err().contains("unshare failed"), "user namespaces: " + r.err());
        }
        assertThat(r.status()).as(where + ": " + r.out() + r.err()).isZero();
        return r.out();
    }
}
