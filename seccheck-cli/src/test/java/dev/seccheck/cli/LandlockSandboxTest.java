package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that confines itself with Landlock keeps its sandbox under seccheck. Where seccheck
 * performs the program's opens, creations, renames and connects (the default session; a policy
 * on opening files), the kernel checked them against seccheck's thread, which has no Landlock
 * domain: the confined program read and wrote outside its sandbox and connected to ports its
 * rules refused. {@code landlocked.c} confines itself, then tries what its rules forbid and
 * allow, from the confined thread, a child, an executed program and a sibling thread the
 * sandbox does not cover, its own /proc entry and its parent's (which seccheck's confined thread,
 * in a domain of the same rules but not the same one, may not look at: those opens are decided
 * apart); its lines must be the same natively and under seccheck. Each native run shows
 * refusals and successes, so the comparison cannot pass vacuously.
 */
class LandlockSandboxTest {

    @TempDir
    Path tmp;

    private Path program;

    @BeforeEach
    void build() throws Exception {
        program = CPrograms.compile("src/test/c/landlocked.c", tmp, "-pthread");
    }

    /** What {@code landlocked DIR mode} prints on stdout, in a fresh DIR; under seccheck with {@code config} unless native. */
    private String run(String mode, String how, Path config) throws Exception {
        return run(mode, how, config, null);
    }

    /**
     * {@link #run(String, String, Path)} as uid 65534 when {@code nobodysClasspath} is not null
     * (the CLI's class path then); with {@code how} "root-for-65534", seccheck runs as root and
     * the program as uid 65534.
     */
    private String run(String mode, String how, Path config, String nobodysClasspath) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(mode + "-" + how));
        Files.writeString(Files.createDirectories(dir.resolve("inside")).resolve("f"), "granted\n");
        Files.writeString(Files.createDirectories(dir.resolve("outside")).resolve("f"), "SECRET\n");
        List<String> cmd = new ArrayList<>();
        if (nobodysClasspath != null) {
            for (Path p : List.of(dir, dir.resolve("inside"), dir.resolve("outside"), dir.resolve("inside/f"),
                    dir.resolve("outside/f"))) {
                Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
            }
            if (!how.equals("root-for-65534")) {
                cmd.addAll(PackagedCli.nobody());
            }
        }
        if (!how.equals("native")) {
            cmd.addAll(PackagedCli.java(nobodysClasspath != null && !how.equals("root-for-65534") ? nobodysClasspath
                    : System.getProperty("java.class.path")));
            cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null"));
            if (config != null) {
                cmd.addAll(List.of("--root", tmp.resolve("root-" + mode).toString(), "--config", config.toString()));
            }
            cmd.add("--");
        }
        if (how.equals("root-for-65534")) {
            cmd.addAll(PackagedCli.nobody());
        }
        cmd.addAll(List.of(program.toString(), dir.toString(), mode));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (nobodysClasspath != null && how.equals("nobody")) {
            // Its runtime directory in the test's, not /tmp's default.
            pb.environment().put("XDG_RUNTIME_DIR", PackagedCli.nobodysDir(tmp.resolve("xdg-" + mode)).toString());
        }
        PackagedCli.Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
        Assumptions.assumeFalse(r.status() == 3, "Landlock is not available here: " + r.out());
        assertThat(r.status()).as(how + ": " + r.out() + r.err()).isZero();
        assertThat(r.out()).as("outside is never read").doesNotContain("SECRET");
        return r.out();
    }

    private Path policy() throws IOException {
        return Files.writeString(tmp.resolve("policy.json"), Policies.KEYS);
    }

    /**
     * Besides what the main thread's sandbox forbids, two threads that confine themselves where
     * seccheck took the ruleset from their process's first thread: one with a descriptor table of
     * its own ({@code unshare(CLONE_FILES)}), one whose process's first thread had exited. Its
     * copy failed, nothing was recorded, and each read outside its sandbox under seccheck.
     */
    @Test
    void theOpensCreationsAndRenamesSeccheckMakesKeepToTheProgramsSandbox() throws Exception {
        String natively = run("files", "native", null);
        assertThat(natively).contains("a thread with a descriptor table of its own reads outside: Permission denied\n",
                "a thread whose process's first thread exited reads outside: Permission denied\n",
                "read inside: ok\n", "read outside: Permission denied\n",
                "create outside: Permission denied\n", "a child reads outside: Permission denied\n",
                "an executed cat reads outside: exit 1\n", "an unconfined sibling thread reads outside: ok\n",
                "read its own /proc/self/maps: ok\n", "write its own /proc/self/mem: Permission denied\n",
                "a child reads its parent's maps (one domain): ok\n");
        assertThat(run("files", "default", null)).isEqualTo(natively);
        assertThat(run("files", "policy", policy())).isEqualTo(natively);
    }

    /**
     * As a user without capabilities, seccheck's confined thread may not look at the program's
     * tasks at all (Landlock admits only tasks of its own domain or one nested in it, and root's
     * capabilities passed that before): the program's own /proc/self/maps and environ, and its
     * parent's maps, are decided apart (which tasks it may look at, its file rules on /proc) and
     * opened unconfined. Before, under seccheck they failed with EACCES. Its TCP rules hold too.
     */
    @Test
    void asAnUnprivilegedUserTooItsOwnProcEntryStaysReadable() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath(tmp);
        String natively = run("files", "native", null, classpath);
        assertThat(natively).contains("read outside: Permission denied\n", "read its own /proc/self/maps: ok\n",
                "read its own /proc/self/environ: ok\n", "write its own /proc/self/mem: Permission denied\n",
                "a child reads its parent's maps (one domain): ok\n");
        assertThat(run("files", "nobody", null, classpath)).isEqualTo(natively);
        String tcp = run("tcp", "native", null, classpath);
        assertThat(tcp).isEqualTo("connect to the granted port: ok\nconnect to another port: Permission denied\n");
        assertThat(run("tcp", "nobody", null, classpath)).isEqualTo(tcp);
    }

    /**
     * seccheck as root, the confined program as uid 65534: each confined thread takes seccheck's
     * credentials back before it takes the program's for a call. Before, such a thread was made by
     * an emulation thread that had the program's credentials at that moment, kept them, and could
     * not switch (setgroups without CAP_SETGID): the program's opens and connects failed with EIO.
     */
    @Test
    void asRootForAConfinedProgramOfAnotherUser() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath(tmp);
        String natively = run("files", "native", null, classpath);
        assertThat(natively).contains("read inside: ok\n", "read outside: Permission denied\n");
        assertThat(run("files", "root-for-65534", null, classpath)).isEqualTo(natively);
        assertThat(run("tcp", "root-for-65534", null, classpath))
                .isEqualTo("connect to the granted port: ok\nconnect to another port: Permission denied\n");
    }

    @Test
    void theConnectsSeccheckMakesKeepToTheProgramsTcpRules() throws Exception {
        String natively = run("tcp", "native", null);
        assertThat(natively).isEqualTo("connect to the granted port: ok\nconnect to another port: Permission denied\n");
        assertThat(run("tcp", "default", null)).isEqualTo(natively);
    }

    /**
     * 100 processes stacking 16 Landlock layers each, while seccheck may hold 1,024 descriptors:
     * seccheck keeps one per layer, and its table filled, after which every open it made for the
     * program failed with EMFILE. Now it holds at most a quarter of its descriptors so, refusing
     * further layers (EAGAIN) with a line, and the program's opens go on.
     */
    @Test
    void layersPastSecchecksShareOfDescriptorsAreRefusedNotItsOpens() throws Exception {
        assertThat(run("layers", "native", null)).isEqualTo(
                "read inside while 100 children hold 16 layers each: ok\nchildren refused a layer: none\n");
        layersWithAThousandDescriptors(null);
    }

    /** The same as uid 65534, seccheck and program both (its limit set by root before it drops to that user). */
    @Test
    void asAnUnprivilegedUserLayersPastSecchecksShareAreRefusedToo() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath(tmp);
        assertThat(run("layers", "native", null, classpath)).isEqualTo(
                "read inside while 100 children hold 16 layers each: ok\nchildren refused a layer: none\n");
        layersWithAThousandDescriptors(classpath);
    }

    /** Runs {@code landlocked DIR layers} under a seccheck limited to 1,024 descriptors, as 65534 when {@code nobodysClasspath} is set. */
    private void layersWithAThousandDescriptors(String nobodysClasspath) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("layers-limited" + (nobodysClasspath == null ? "" : "-65534")));
        Path inside = Files.createDirectories(dir.resolve("inside"));
        Files.writeString(inside.resolve("f"), "granted\n");
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--nofile=1024:1024"));
        if (nobodysClasspath != null) {
            for (Path p : List.of(dir, inside, inside.resolve("f"))) {
                Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
            }
            cmd.addAll(PackagedCli.nobody());
        }
        cmd.addAll(PackagedCli.java(nobodysClasspath != null ? nobodysClasspath : System.getProperty("java.class.path")));
        cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--", program.toString(), dir.toString(), "layers"));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (nobodysClasspath != null) {
            pb.environment().put("XDG_RUNTIME_DIR", PackagedCli.nobodysDir(tmp.resolve("xdg-layers")).toString());
        }
        PackagedCli.Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
        Assumptions.assumeFalse(r.status() == 3, "Landlock is not available here: " + r.out());
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).as(r.err()).isEqualTo(
                "read inside while 100 children hold 16 layers each: ok\nchildren refused a layer: some\n");
        assertThat(r.err()).contains("refused landlock_restrict_self of task ", "with EAGAIN: seccheck holds 256 rulesets");
    }
}
