package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's protections of sticky directories hold for a program under seccheck. They guard a
 * program against other users' traps in /tmp: a symlink planted there is followed only by its
 * owner ({@code fs.protected_symlinks}), another user's file or FIFO there is not opened with
 * O_CREAT ({@code fs.protected_regular}, {@code fs.protected_fifos}). seccheck's walk follows
 * symlinks itself and opens what it reached through /proc, so the kernel's checks of those steps
 * never ran: under seccheck a root program read through another user's symlink in /tmp, and opened
 * another user's file and FIFO there with O_CREAT, each refused natively (EACCES).
 *
 * <p>{@code sticky.c} tries each case, in a layout where "their" names belong to another user
 * and "own" ones to the program's user; its lines must be the same natively and under seccheck,
 * for the strictest settings, the weaker ones and none, and for a root program and one of
 * uid 65534 under root seccheck (whose protections are the program's fsuid's, not seccheck's).
 * Each native run shows refusals and successes, so the comparison cannot pass vacuously. The test
 * sets the three settings and puts them back afterwards; it needs root.
 */
class StickyDirectoryTrapsTest {

    private static final List<String> SETTINGS = List.of("protected_symlinks", "protected_regular", "protected_fifos");

    @TempDir
    Path tmp;

    private Path program;
    private final Map<String, String> before = new LinkedHashMap<>();
    private int runs;

    @BeforeEach
    void setUp() throws Exception {
        PackagedCli.assumeNobody(tmp);
        for (String s : SETTINGS) {
            Path file = setting(s);
            Assumptions.assumeTrue(Files.isWritable(file), "this test sets " + file + ", which is not writable here");
            before.put(s, Sysctls.read(file));
        }
        program = CPrograms.compile("src/test/c/sticky.c", tmp);
    }

    @AfterEach
    void restore() throws IOException {
        for (Map.Entry<String, String> e : before.entrySet()) {
            Files.writeString(setting(e.getKey()), e.getValue());
        }
    }

    private static Path setting(String name) {
        return Path.of("/proc/sys/fs", name);
    }

    private static void set(int symlinks, int regular, int fifos) throws IOException {
        int[] values = {symlinks, regular, fifos};
        for (int i = 0; i < values.length; i++) {
            Files.writeString(setting(SETTINGS.get(i)), Integer.toString(values[i]));
        }
    }

    /**
     * Lays out a fresh directory for a program whose user is {@code follower}, with "their" names
     * belonging to {@code other}, and returns it.
     */
    private Path layout(int follower, int other) throws Exception {
        Path dir = tmp.resolve("d" + ++runs);
        Files.createDirectory(dir);
        String script = """
                set -e
                cd "$1"; F=$2; O=$3
                chmod 0777 .
                echo target > target; mkdir targetdir; echo f > targetdir/f; chmod 0644 target targetdir/f
                mkdir world group plain theirs
                chmod 1777 world theirs; chmod 1770 group; chgrp 65534 group; chmod 0777 plain; chown "$O" theirs
                ln -s ../target world/their-link; ln -s ../target world/own-link; ln -s ../target world/owners-link
                ln -s ../targetdir world/their-dirlink; ln -s ../target plain/their-link; ln -s ../target theirs/their-link
                ln -s ../sock world/their-socklink; ln -s ../sock world/own-socklink
                chown -h "$O" world/their-link world/their-dirlink plain/their-link theirs/their-link world/their-socklink
                chown -h "$F" world/own-link world/own-socklink
                for d in world group plain theirs; do touch $d/their-file; chmod 0666 $d/their-file; chown "$O" $d/their-file; done
                mkfifo -m 0666 world/their-fifo group/their-fifo; chown "$O" world/their-fifo group/their-fifo
                touch world/owners-file; chmod 0666 world/owners-file
                mknod world/their-null c 1 3; chmod 0666 world/their-null; chown "$O" world/their-null
                """;
        PackagedCli.Result r = PackagedCli.run(new ProcessBuilder("sh", "-c", script, "layout", dir.toString(),
                Integer.toString(follower), Integer.toString(other)), tmp, Duration.ofSeconds(30));
        assertThat(r.status()).as("layout: " + r.err()).isZero();
        return dir;
    }

    /**
     * What sticky.c prints for a program of user {@code follower} (root or 65534); natively when
     * {@code config} is null and not {@code underSeccheck}, else under root seccheck with the default
     * session or {@code config}.
     */
    private String run(int follower, boolean underSeccheck, Path config, String... extra) throws Exception {
        Path dir = layout(follower, follower == 0 ? PackagedCli.NOBODY : PackagedCli.NOBODY - 1);
        List<String> cmd = new ArrayList<>(follower != 0 ? PackagedCli.nobody() : List.of());
        cmd.addAll(List.of(program.toString(), dir.toString()));
        cmd.addAll(List.of(extra));
        return (config == null ? PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, cmd)
                : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, cmd, config)).out();
    }

    @Test
    void aRootProgramIsRefusedWhatTheStrictestSettingsRefuseIt() throws Exception {
        set(1, 2, 2);
        String natively = run(0, false, null);
        assertThat(natively).contains(
                "another user's symlink in a world-writable sticky dir: Permission denied\n",
                "the follower's own symlink there: ok\n",
                "another user's directory symlink there, not trailing: ok\n",
                "openat2 RESOLVE_NO_SYMLINKS of another user's symlink: Permission denied\n",
                "O_CREAT of another user's file in a world-writable sticky dir: Permission denied\n",
                "O_CREAT of another user's FIFO there: Permission denied\n",
                "O_CREAT of another user's file in a group-writable sticky dir: Permission denied\n",
                "O_CREAT of a file of the sticky dir's owner: ok\n",
                "connect through another user's symlink in a sticky dir: Permission denied\n",
                "connect through the follower's own symlink there: ok\n");
        assertThat(run(0, true, null)).isEqualTo(natively);
    }

    @Test
    void weakerSettingsAndNoneAreFollowedToo() throws Exception {
        set(1, 1, 1);
        String weaker = run(0, false, null);
        assertThat(weaker).contains(
                "O_CREAT of another user's file in a world-writable sticky dir: Permission denied\n",
                "O_CREAT of another user's file in a group-writable sticky dir: ok\n");
        assertThat(run(0, true, null)).isEqualTo(weaker);
        set(0, 0, 0);
        String none = run(0, false, null);
        assertThat(none).contains(
                "another user's symlink in a world-writable sticky dir: ok\n",
                "openat2 RESOLVE_NO_SYMLINKS of another user's symlink: Too many levels of symbolic links\n",
                "O_CREAT of another user's file in a world-writable sticky dir: ok\n",
                "O_CREAT of another user's character device there: Permission denied\n",
                "O_CREAT, O_NOFOLLOW on another user's symlink: Permission denied\n",
                "O_CREAT, O_NOFOLLOW on the follower's own symlink: Too many levels of symbolic links\n");
        assertThat(run(0, true, null)).isEqualTo(none);
    }

    /** The protections are decided on the program's fsuid: uid 65534's own links are followed, though seccheck is root. */
    @Test
    void aProgramOfAnotherUserUnderRootSeccheckIsJudgedAsItself() throws Exception {
        set(1, 2, 2);
        String natively = run(PackagedCli.NOBODY, false, null);
        assertThat(natively).contains(
                "another user's symlink in a world-writable sticky dir: Permission denied\n",
                "the follower's own symlink there: ok\n",
                "the directory owner's symlink there: ok\n",
                "O_CREAT of another user's file in a group-writable sticky dir: Permission denied\n");
        assertThat(run(PackagedCli.NOBODY, true, null)).isEqualTo(natively);
    }

    /**
     * seccheck and the program as uid 65534 (seccheck then opens with its own identity, which is
     * the program's): the same protections hold, for that user.
     */
    @Test
    void asAnUnprivilegedUserTheProtectionsHoldToo() throws Exception {
        set(1, 2, 2);
        String classpath = PackagedCli.nobodyClasspath();
        String natively = unprivileged(classpath, false);
        assertThat(natively).contains(
                "another user's symlink in a world-writable sticky dir: Permission denied\n",
                "the follower's own symlink there: ok\n",
                "O_CREAT of another user's file in a world-writable sticky dir: Permission denied\n");
        assertThat(unprivileged(classpath, true)).isEqualTo(natively);
    }

    private String unprivileged(String classpath, boolean underSeccheck) throws Exception {
        Path dir = layout(PackagedCli.NOBODY, PackagedCli.NOBODY - 1);
        return PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, underSeccheck,
                List.of(program.toString(), dir.toString())).out();
    }

    /** Under a policy on opening files seccheck makes hard links too: through a symlink, the same protection. */
    @Test
    void hardLinksSeccheckMakesFollowNoOtherUsersSymlink() throws Exception {
        set(1, 2, 2);
        Path config = Files.writeString(tmp.resolve("policy.json"), Policies.KEYS);
        String natively = run(0, false, null, "link");
        assertThat(natively).contains("a hard link through another user's symlink: Permission denied\n",
                "a hard link through the follower's own symlink: ok\n");
        assertThat(run(0, true, config, "link")).isEqualTo(natively);
    }
}
