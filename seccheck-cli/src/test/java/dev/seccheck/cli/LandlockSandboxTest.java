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
        String classpath = PackagedCli.nobodyClasspath();
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
        String classpath = PackagedCli.nobodyClasspath();
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
     * seccheck kept a descriptor per layer, and its table filled, after which every open it made for
     * the program failed with EMFILE; then it refused layers past a quarter of its descriptors. Now
     * it keeps no ruleset past the restrict ({@code LandlockDomain}), only a thread for each domain
     * a task is in (100 here), and the layers and the program's opens go on as natively.
     */
    @Test
    void layersDoNotTakeSecchecksDescriptors() throws Exception {
        String natively = run("layers", "native", null);
        assertThat(natively).isEqualTo("read inside while 100 children hold 16 layers each: ok\nchildren refused a layer: none\n");
        assertThat(withAThousandDescriptors("layers", null)).isEqualTo(natively);
    }

    /** The same as uid 65534, seccheck and program both (its limit set by root before it drops to that user). */
    @Test
    void asAnUnprivilegedUserLayersDoNotTakeSecchecksDescriptors() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        String natively = run("layers", "native", null, classpath);
        assertThat(natively).isEqualTo("read inside while 100 children hold 16 layers each: ok\nchildren refused a layer: none\n");
        assertThat(withAThousandDescriptors("layers", classpath)).isEqualTo(natively);
    }

    /**
     * A domain is what its rulesets held when the program made it: a rule the program adds to the
     * ruleset after its landlock_restrict_self changes nothing, natively. seccheck kept its copy of
     * the ruleset, the same object, and confined its threads from it when a call needed one, so the
     * later rule was in theirs: the program read outside its sandbox. Now a thread of seccheck's is
     * confined while the restrict is held, and the domain's threads are started by it.
     */
    @Test
    void aRuleAddedAfterTheRestrictDoesNotWidenTheSandbox() throws Exception {
        String natively = run("widen", "native", null);
        assertThat(natively).isEqualTo(WIDENED);
        assertThat(run("widen", "default", null)).isEqualTo(natively);
        assertThat(run("widen", "policy", policy())).isEqualTo(natively);
    }

    /** The same as uid 65534, seccheck and program both. */
    @Test
    void asAnUnprivilegedUserARuleAddedAfterTheRestrictDoesNotWidenTheSandbox() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        String natively = run("widen", "native", null, classpath);
        assertThat(natively).isEqualTo(WIDENED);
        assertThat(run("widen", "nobody", null, classpath)).isEqualTo(natively);
    }

    private static final String WIDENED = """
            add outside to the ruleset after the restrict: ok
            read outside: Permission denied
            read inside: ok
            a child reads outside: Permission denied
            a second layer from the widened ruleset: ok
            read outside under both: Permission denied
            """;

    /**
     * Threads that in turn stack 16 layers and exit leave no domain behind: seccheck closed a
     * layer's ruleset only when the garbage collector found its record unreachable, so with 1,024
     * descriptors (a bound of 256 rulesets) most layers were refused (EAGAIN) while no task was in
     * any of them, and a later restrict too. Now a domain's thread ends when its last task leaves.
     */
    @Test
    void theLayersOfExitedThreadsAreLetGo() throws Exception {
        String natively = run("churn", "native", null);
        assertThat(natively).isEqualTo(CHURNED);
        assertThat(withAThousandDescriptors("churn", null)).isEqualTo(natively);
    }

    /** The same as uid 65534, seccheck and program both. */
    @Test
    void asAnUnprivilegedUserTheLayersOfExitedThreadsAreLetGo() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        String natively = run("churn", "native", null, classpath);
        assertThat(natively).isEqualTo(CHURNED);
        assertThat(withAThousandDescriptors("churn", classpath)).isEqualTo(natively);
    }

    private static final String CHURNED = """
            layers refused to 200 threads stacking 16 each: 0
            then a restrict: ok
            read inside: ok
            read outside: Permission denied
            """;

    /**
     * What {@code landlocked DIR mode} prints under a seccheck limited to 1,024 descriptors, as 65534
     * when {@code nobodysClasspath} is set.
     */
    private String withAThousandDescriptors(String mode, String nobodysClasspath) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(mode + "-limited" + (nobodysClasspath == null ? "" : "-65534")));
        Path inside = Files.createDirectories(dir.resolve("inside"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(inside.resolve("f"), "granted\n");
        Files.writeString(outside.resolve("f"), "SECRET\n");
        List<String> cmd = new ArrayList<>(List.of("prlimit", "--nofile=1024:1024"));
        if (nobodysClasspath != null) {
            for (Path p : List.of(dir, inside, inside.resolve("f"), outside, outside.resolve("f"))) {
                Files.setOwner(p, p.getFileSystem().getUserPrincipalLookupService()
                        .lookupPrincipalByName(Integer.toString(PackagedCli.NOBODY)));
            }
            cmd.addAll(PackagedCli.nobody());
        }
        cmd.addAll(PackagedCli.java(nobodysClasspath != null ? nobodysClasspath : System.getProperty("java.class.path")));
        cmd.addAll(List.of("run", "--quiet", "-o", "/dev/null", "--", program.toString(), dir.toString(), mode));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (nobodysClasspath != null) {
            pb.environment().put("XDG_RUNTIME_DIR", PackagedCli.nobodysDir(tmp.resolve("xdg-" + mode)).toString());
        }
        PackagedCli.Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
        Assumptions.assumeFalse(r.status() == 3, "Landlock is not available here: " + r.out());
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).doesNotContain("SECRET");
        return r.out();
    }
}
