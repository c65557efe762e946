package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policy rules written through a symbolic link hold for the files at its target. seccheck
 * decides on real paths, so with {@code keeplink -> keep} a rule on {@code keeplink/} matched
 * nothing and {@code cat keeplink/secret} printed the secret under it, as root and as uid 65534.
 * Each secret is read natively first, so the test cannot pass vacuously.
 */
class SymlinkedRuleTest {

    @TempDir
    Path tmp;

    @Test
    void rulesWrittenThroughASymlinkKeepItsTargetsFiles() throws Exception {
        keepsTargets(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void rulesWrittenThroughASymlinkKeepItsTargetsFilesUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        keepsTargets(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    /**
     * A prefix through a symlinked directory, a glob through another and an exact name of a
     * symlinked file: each secret is opened under its link's name and its real one.
     */
    private static void keepsTargets(Path base, String nobodysClasspath) throws Exception {
        Path real = base.toRealPath();
        for (String dir : List.of("keep", "globbed", "named", "other")) {
            Files.writeString(Files.createDirectory(real.resolve(dir)).resolve("secret"), "SECRET-" + dir + "\n");
        }
        Files.createSymbolicLink(real.resolve("keeplink"), real.resolve("keep"));
        Files.createSymbolicLink(real.resolve("globlink"), real.resolve("globbed"));
        Files.createSymbolicLink(real.resolve("filelink"), real.resolve("named/secret"));
        String routes = "cd " + real + " && for f in keeplink/secret keep/secret globlink/secret globbed/secret"
                + " filelink named/secret other/secret; do cat $f; done; echo done";
        List<String> command = List.of("sh", "-c", routes);
        Path alerts = real.resolve("alerts.jsonl");
        Path config = Files.writeString(real.resolve("policy.json"), """
                {"name": "through links", "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%1$s", "rules": [
                   {"name": "prefix", "point": "syscall/openat/enter",
                    "match": {"resolved_path": {"prefix": "%2$s/keeplink/"}}, "action": "deny"},
                   {"name": "glob", "point": "syscall/openat/enter",
                    "match": {"resolved_path": {"glob": "%2$s/globlink/*"}}, "action": "deny"},
                   {"name": "exact", "point": "syscall/openat/enter",
                    "match": {"resolved_path": "%2$s/filelink"}, "action": "deny"}]}}]}""".formatted(alerts, real));

        String natively = run(real, nobodysClasspath, false, command, config);
        assertThat(natively).as("natively").contains("SECRET-keep", "SECRET-globbed", "SECRET-named", "SECRET-other");

        String under = run(real, nobodysClasspath, true, command, config);

        assertThat(under).as("under the policy").doesNotContain("SECRET-keep", "SECRET-globbed", "SECRET-named")
                .contains("SECRET-other", "done");
        assertThat(Files.readAllLines(alerts)).extracting(l -> l.replaceAll(".*\"rule_name\":\"([a-z]+)\".*", "$1"))
                .containsExactly("prefix", "prefix", "glob", "glob", "exact", "exact");
    }

    /** {@code command} natively or under seccheck with {@code config}, as uid 65534 when a class path is given. */
    private static String run(Path base, String nobodysClasspath, boolean underSeccheck, List<String> command,
            Path config) throws Exception {
        PackagedCli.Result r = nobodysClasspath == null
                ? PackagedCli.nativeOrUnderSeccheck(base, underSeccheck, command, config)
                : PackagedCli.asNobodyNativeOrUnderSeccheck(base, nobodysClasspath, underSeccheck, command, config);
        return r.out() + r.err();
    }
}
