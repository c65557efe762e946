package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A mount of the program's own, below a directory it moves, does not hide the files below that
 * directory from seccheck's walk of it (red-team round 16, A F1 and F2). In a user and mount
 * namespace of its own ({@code unshare -rm}) the program may mount over any name; a walk into such
 * a mount listed the mount's files instead of those it covers:
 * <ul>
 *   <li>under a kill rule on {@code binary_path}, a directory moved out while an exec of a file
 *       below it was in flight, with a tmpfs over the file's directory or {@code /dev/null} bound
 *       over the file, had the file's exec run under its new name ({@code mounted_over_move.c}: 3
 *       and 4 of 30 ran; natively most do);
 *   <li>under a rule denying opens by a pattern without an absolute start ({@code *}{@code /sec/*.txt},
 *       which seccheck checks each name below a moved directory against), a tmpfs over a
 *       subdirectory let {@code mv} take its files out of the rule's reach, and they were read
 *       under the new name.
 * </ul>
 * The walk after a move out of a rule on what runs now stays on the moved directory's mount: a
 * mount point below ends it, as a directory it cannot list does (the exec in flight is killed).
 * The walk of a move under a rule on opening files goes into the mounts below (a program in a
 * namespace of its own moves directories with mounts below them), and a directory that is a mount
 * point refuses the move (EPERM, an alert) where a rule may decide a name it covers otherwise
 * under the new name. As root and as uid 65534.
 */
class MountedOverMovesTest {

    private static final int ROUNDS = 30;
    private static final Pattern RESULT = Pattern.compile("ran=(\\d+) seen=(\\d+) killed=(\\d+) of " + ROUNDS);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aFileHiddenByAMountDoesNotRunOnceItsDirectoryIsMovedOutOfTheRule(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path dir = (nobody ? PackagedCli.nobodysDir(tmp.resolve("u")) : tmp).toRealPath();
        Path program = CPrograms.compile("src/test/c/mounted_over_move.c", dir);
        Path policy = Files.writeString(dir.resolve("exec-rule.json"), """
                {"name": "mounted", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"effect": "execute_file", "match": {"binary_path": {"glob": "%s/denied-*/**"}}, "action": "kill"}]}}]}"""
                .formatted(dir));
        for (String mode : List.of("dir", "file")) {
            Matcher natively = result(run(dir, classpath, mode, "native", program, null));
            assertThat(Integer.parseInt(natively.group(1))).as(mode + ": natively the hidden file runs").isPositive();
            Matcher under = result(run(dir, classpath, mode, "under", program, policy));
            assertThat(Integer.parseInt(under.group(2))).as(mode + ": execs whose file was opened before the move")
                    .isPositive();
            assertThat(Integer.parseInt(under.group(1))).as(mode + ": ran under the rule: " + under.group()).isZero();
        }
    }

    /** Mounts a tmpfs over W/sec/sub, moves W/sec to W/pub, takes the tmpfs away and reads W/pub/sub/s.txt. */
    private static final String COVERED_MOVE = """
            W=$1
            mount -t tmpfs none $W/sec/sub || exit 1
            mv $W/sec $W/pub 2>/dev/null; echo mv=$?
            umount $W/pub/sub 2>/dev/null || umount $W/sec/sub
            cat $W/pub/sub/s.txt 2>/dev/null
            echo done
            """;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aFileAMountCoversIsNotMovedOutOfARuleOnOpeningFiles(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path dir = (nobody ? PackagedCli.nobodysDir(tmp.resolve("u")) : tmp).toRealPath();
        Path policy = Files.writeString(dir.resolve("open-rule.json"),
                Policies.OPEN_FILE_KEYS.replace("*.key", "*/sec/*.txt"));
        String natively = covered(dir, classpath, "native", null);
        assertThat(natively).isEqualTo("mv=0\nsecret\ndone\n");
        String under = covered(dir, classpath, "under", policy);
        assertThat(under).isEqualTo("mv=1\ndone\n");
    }

    /**
     * A mount raced over the directory being moved ({@code mount_rename_race.c}: a thread binds an
     * empty directory over {@code sec} and takes it away, over and over, while {@code sec} is
     * renamed to {@code pub}): the walk listed the mount, and the rename moved the directory it
     * covered, whose {@code s.txt} was then read under its new name (red-team round 18: 10 of 10
     * runs). Natively the rename is made and the file read; under the rule never, in three runs.
     */
    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aMountRacedOverADirectoryBeingMovedDoesNotTakeItsFilesOut(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path dir = (nobody ? PackagedCli.nobodysDir(tmp.resolve("u")) : tmp).toRealPath();
        Path program = CPrograms.compile("src/test/c/mount_rename_race.c", dir, "-pthread");
        Path policy = Files.writeString(dir.resolve("open-rule.json"),
                Policies.OPEN_FILE_KEYS.replace("*.key", "*/sec/*.txt"));
        assertThat(raced(dir, classpath, "native", program, null)).contains("renamed=1", "read=secret");
        for (int i = 0; i < 3; i++) {
            assertThat(raced(dir, classpath, "under-" + i, program, policy)).doesNotContain("read=secret");
        }
    }

    private static String raced(Path dir, String classpath, String how, Path program, Path policy) throws Exception {
        boolean nobody = classpath != null;
        Path w = owned(open(dir.resolve("race-" + how)), nobody);
        owned(open(w.resolve("empty")), nobody);
        Path sec = owned(open(w.resolve("sec")), nobody);
        owned(Files.writeString(sec.resolve("s.txt"), "secret\n"), nobody);
        return inOwnNamespace(dir, classpath, List.of("unshare", "-Urm", program.toString(), w.toString()), policy).out();
    }

    private static String covered(Path dir, String classpath, String how, Path policy) throws Exception {
        // The files are the program's user's: uid 65534 is root in its namespace only over its own.
        boolean nobody = classpath != null;
        Path w = owned(open(dir.resolve("w-" + how)), nobody);
        Path sub = owned(open(owned(open(w.resolve("sec")), nobody).resolve("sub")), nobody);
        owned(Files.writeString(sub.resolve("s.txt"), "secret\n"), nobody);
        return inOwnNamespace(dir, classpath, List.of("unshare", "-Urm", "/bin/sh", "-c", COVERED_MOVE, "sh",
                w.toString()), policy).out();
    }

    /** Runs {@code command} natively (no {@code policy}) or under seccheck, as root or (a classpath given) uid 65534. */
    private static PackagedCli.Result inOwnNamespace(Path dir, String classpath, List<String> command, Path policy)
            throws Exception {
        Path[] configs = policy == null ? new Path[0] : new Path[] {policy};
        return classpath == null
                ? PackagedCli.nativeOrUnderSeccheck(dir, policy != null, command, configs)
                : PackagedCli.asNobodyNativeOrUnderSeccheck(dir, classpath, policy != null, command, configs);
    }

    private static String run(Path dir, String classpath, String mode, String how, Path program, Path policy)
            throws Exception {
        Path denied = open(dir.resolve("denied-" + mode + "-" + how));
        Path ok = open(dir.resolve("ok-" + mode + "-" + how));
        PackagedCli.Result r = inOwnNamespace(dir, classpath, List.of("unshare", "-rm", program.toString(), mode,
                denied.toString(), ok.toString(), Integer.toString(ROUNDS)), policy);
        return r.out() + r.err();
    }

    private static Matcher result(String out) {
        Matcher m = RESULT.matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m;
    }

    private static Path owned(Path p, boolean nobody) throws java.io.IOException {
        return nobody ? PackagedCli.givenToNobody(p) : p;
    }

    /** Makes directory {@code d}, open to every user (the program may run as uid 65534). */
    private static Path open(Path d) throws java.io.IOException {
        Files.createDirectory(d);
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxrwxrwx"));
        return d;
    }
}
