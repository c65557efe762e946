package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hard link, made before the run, to a kept file in a directory seccheck's user may search but
 * not list (mode 0711, owned by root). Run as uid 65534, seccheck's walk of the rule's tree
 * skipped that directory, so it never knew the file's inode, and {@code cat w/link} printed the
 * secret (5/5 before). Now a tree not fully listed is said at load, and an open of a file with
 * other names (nlink > 1) that the rule does not match goes to {@code on_missing} (deny here); a
 * file with one name is opened as before. Run as root, seccheck lists the directory and knows the
 * inode: the root twin shows that route refused too. Each file is read natively first.
 */
class UnlistedTreeLinksTest {

    @TempDir
    Path tmp;

    @Test
    void aLinkIntoAnUnlistedDirectoryIsRefused() throws Exception {
        refused(tmp, null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534): the case that read the secret. */
    @Test
    void aLinkIntoAnUnlistedDirectoryIsRefusedUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        refused(tmp, classpath);
    }

    private static void refused(Path base, String nobodysClasspath) throws Exception {
        Path real = base.toRealPath();
        Path hidden = Files.createDirectories(real.resolve("kept/hidden"));
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rwx--x--x"));
        Path secret = Files.writeString(hidden.resolve("secret"), "TOPSECRET\n");
        Path work = Files.createDirectory(real.resolve("w"));
        Files.createLink(work.resolve("link"), secret);
        Files.writeString(work.resolve("plain"), "PLAIN\n");
        Path alerts = Files.createFile(real.resolve("alerts.jsonl"));
        Files.setPosixFilePermissions(alerts, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path config = Files.writeString(real.resolve("policy.json"), """
                {"name": "links", "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"name": "kept", "point": "syscall/openat/enter",
                    "match": {"resolved_path": {"prefix": "%s/kept/"}}, "action": "deny", "errno": "EACCES"}]}}]}"""
                .formatted(alerts, real));
        List<String> command = List.of("sh", "-c", "cd " + real + " && cat w/link; cat w/plain; echo done");

        assertThat(DeepPathsTest.run(real, nobodysClasspath, false, command, config)).as("natively")
                .contains("TOPSECRET", "PLAIN", "done");

        String under = DeepPathsTest.run(real, nobodysClasspath, true, command, config);
        assertThat(under).as("under the policy").doesNotContain("TOPSECRET").contains("PLAIN", "done");
        assertThat(Files.readAllLines(alerts)).singleElement().asString().contains("\"rule_name\":\"kept\"");
        if (nobodysClasspath != null) {
            assertThat(under).as("the line at load").contains("seccheck: policy rule 0 cannot list " + hidden);
            assertThat(Files.readString(alerts)).contains("\"missing\":\"resolved_path (the file has 2 names");
        }
    }
}
