package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files seccheck runs from are out of the supervised program's reach when its user could
 * write them: a jar of the JVM's class path, copied where the user running seccheck owns it (as
 * root the test runs seccheck and its program as uid 65534, whose copy it is; a workload running
 * as root is out of scope). {@code own_files.py} tries every route that writes a file by a name:
 * natively each one writes (into a copy of that jar), under seccheck each one fails with EPERM,
 * the run's log names it, the jar is unchanged and the program still writes its own files, with
 * the same results as natively (seccheck performs those opens and truncates while it guards).
 */
class OwnFilesDefenseTest {

    private static final String PY = "/usr/bin/python3";
    private static final List<String> ROUTES = List.of("open_rdwr", "open_wronly_append", "rdonly_trunc", "creat",
            "openat2", "dirfd_relative", "proc_self_fd", "proc_self_root", "hard_link", "symlink", "truncate");

    @TempDir
    Path tmp;

    @Test
    void noRouteWritesAJarSeccheckRunsFrom() throws Exception {
        boolean root = new com.sun.security.auth.module.UnixSystem().getUid() == 0;
        if (root) {
            PackagedCli.assumeNobody(tmp);
        }
        Path install = Files.createDirectories(tmp.resolve("install"));
        String classpath = PackagedCli.copyOfTheCli(install);
        Path scratch = Files.createDirectories(tmp.resolve("scratch"));
        Path script = tmp.resolve("own_files.py");
        try (InputStream in = OwnFilesDefenseTest.class.getResourceAsStream("own_files.py")) {
            Files.copy(in, script);
        }
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        Path runtime;
        if (root) {
            giveToNobody(install);
            giveToNobody(scratch);
            runtime = PackagedCli.nobodysDir(tmp.resolve("runtime"));
        } else {
            runtime = tmp.resolve("runtime");
        }
        Path jar = Stream.of(classpath.split(":")).map(Path::of)
                .filter(p -> p.toString().endsWith(".jar") && Files.isRegularFile(p)).findFirst().orElseThrow();
        String before = sha256(jar);

        List<String> program = List.of(PY, script.toString(), "native", jar.toString(), scratch.toString());
        ProcessResult natively = ProcessResult.of(root ? PackagedCli.nobody(program.toArray(String[]::new)) : program,
                tmp, 60);
        Map<String, String> wrote = routes(natively.out());
        assertThat(wrote).as(natively.out()).containsOnlyKeys(ROUTES).allSatisfy((r, result) ->
                assertThat(result).as(r).isEqualTo("wrote"));
        assertThat(sha256(jar)).as("the native run wrote into copies").isEqualTo(before);

        List<String> run = new ArrayList<>(List.of("run", "--root", runtime.toString(), "--", PY, script.toString(),
                "supervised", jar.toString(), scratch.toString()));
        List<String> cmd;
        if (root) {
            cmd = PackagedCli.asNobody(classpath, run.toArray(String[]::new));
        } else {
            cmd = PackagedCli.java(classpath);
            cmd.addAll(run);
        }
        ProcessResult supervised = ProcessResult.of(cmd, tmp, 120);
        Map<String, String> refused = routes(supervised.out());
        assertThat(refused).as(supervised.out()).containsOnlyKeys(ROUTES).allSatisfy((r, result) ->
                assertThat(result).as(r).isEqualTo("errno=1"));
        assertThat(supervised.out()).as(supervised.out()).contains("SCRATCH ok")
                .containsPattern("refused truncate from task \\d+ \\(python3\\): it would write " + jar
                        + ", which seccheck runs from \\(EPERM\\)");
        assertThat(supervised.out().lines().filter(l -> l.contains("which seccheck runs from")).count())
                .as(supervised.out()).isEqualTo(ROUTES.size());
        assertThat(supervised.code()).as(supervised.out()).isZero();
        assertThat(sha256(jar)).as("the jar seccheck runs from").isEqualTo(before);

        // The opens and truncates seccheck performed behave as the kernel's own.
        Map<String, String> expected = cases(natively.out());
        assertThat(expected).as(natively.out()).hasSize(19).containsEntry("truncate_directory", "errno=21")
                .containsEntry("truncate_shorter", "ok 3").containsEntry("open_create_mode", "ok size=0 mode=640");
        assertThat(cases(supervised.out())).as(supervised.out()).isEqualTo(expected);
    }

    /** The CASE lines of own_files.py: case name to its result. */
    private static Map<String, String> cases(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        out.lines().filter(l -> l.startsWith("CASE ")).forEach(l -> {
            String[] w = l.split(" ", 3);
            m.put(w[1], w[2]);
        });
        return m;
    }

    /**
     * The other side: seccheck run as uid 65534 from jars root owns (mode 0644), out of that
     * user's reach. Nothing is held: the program's write fails with the kernel's own EACCES, and
     * no refusal of seccheck's is logged.
     */
    @Test
    void jarsTheUserCannotWriteAreLeftToTheKernel() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path jar = Stream.of(classpath.split(":")).map(Path::of)
                .filter(p -> p.toString().endsWith(".jar") && Files.isRegularFile(p)).findFirst().orElseThrow();
        assertThat(Files.getOwner(jar).getName()).isEqualTo("root");
        String probe = "import os, sys\ntry:\n    os.open(sys.argv[1], os.O_RDWR)\nexcept OSError as e:\n"
                + "    print('ERRNO', e.errno)\n";
        ProcessResult r = ProcessResult.of(PackagedCli.asNobody(classpath, "run", "--root",
                PackagedCli.nobodysDir(tmp.resolve("runtime")).toString(), "--", PY, "-c", probe, jar.toString()), tmp, 120);

        assertThat(r.out()).as(r.out()).contains("ERRNO 13").doesNotContain("which seccheck runs from");
        assertThat(r.code()).as(r.out()).isZero();
    }

    /** The ROUTE lines of own_files.py: route name to "wrote" or "errno=N". */
    private static Map<String, String> routes(String out) {
        Map<String, String> m = new LinkedHashMap<>();
        out.lines().filter(l -> l.startsWith("ROUTE ")).map(l -> l.split(" ")).forEach(w -> m.put(w[1], w[2]));
        return m;
    }

    private static void giveToNobody(Path dir) throws IOException {
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY));
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setOwner(p, nobody);
            }
        }
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
