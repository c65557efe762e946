package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that fills the disk its trail is written to (and the trail's last page, with
 * harmless opens), then reads a secret. The text sink's
 * file is on a 256 KiB tmpfs the program may write to, as a trail in the user's home shares the
 * user's disk. Before, the lines that no longer fit were lost without a word (a PrintStream keeps
 * its write errors to itself): the run ended as if the trail were whole. Now each is a dropped
 * point, counted in the run's closing line, and with {@code on_drop} "deny" the read fails.
 * Mounting needs root, as CI runs.
 */
class FullDiskTrailTest {
    private static final Pattern DROPS = Pattern.compile("sink \"text\" dropped (\\d+) points");

    @TempDir
    Path dir;

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    /** What one run left: whether the secret was copied, the trail's text, the drops reported, the run's log. */
    record Outcome(boolean copied, String trail, long dropped, String log) {}

    private Outcome fillTheDiskThenReadTheSecret(String onDrop) throws Exception {
        Path disk = Files.createDirectories(dir.resolve(onDrop));
        mount("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk.toString());
        try {
            Path trail = disk.resolve("trail.log");
            Path secret = Files.writeString(dir.resolve("secret"), "s3cr3t\n");
            Path copy = dir.resolve(onDrop + ".copy");
            Path session = Files.writeString(dir.resolve(onDrop + ".json"), """
                    {"name": "trail",
                     "points": [{"name": "syscall/openat/enter"}],
                     "sinks": [{"name": "text", "config": {"path": "%s", "on_drop": "%s"}}]}"""
                    .formatted(trail, onDrop));
            // The full disk's last page of the trail still takes lines: a few hundred harmless opens fill it.
            String script = "cat /dev/zero > " + disk.resolve("fill") + " 2>/dev/null; exec 2>/dev/null; "
                    + "i=0; while [ $i -lt 300 ]; do true < /etc/hostname; i=$((i+1)); done; "
                    + "if read s < " + secret + "; then printf '%s' \"$s\" > " + copy + "; fi";
            int logFrom = err.text().length();
            int status = Main.execute("run", "--quiet", "--config", session.toString(), "--", "/bin/sh", "-c", script);
            assertThat(status).isZero();
            String log = err.text().substring(logFrom);
            Matcher m = DROPS.matcher(log);
            return new Outcome(Files.exists(copy), Files.readString(trail), m.find() ? Long.parseLong(m.group(1)) : 0, log);
        } finally {
            mount("umount", disk.toString());
        }
    }

    private static void mount(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", String.join(" ", command), out).isZero();
    }

    @Test
    void aProgramThatFillsTheTrailsDiskCannotActUnrecorded() throws Exception {
        assumeThat(new com.sun.security.auth.module.UnixSystem().getUid()).as("root, to mount a tmpfs").isZero();

        // The default: the read goes on, its line is lost, and the closing line says lines were.
        Outcome counted = fillTheDiskThenReadTheSecret("count");
        assertThat(counted.copied()).as("the secret was copied").isTrue();
        assertThat(counted.trail()).as("the trail before the disk was full").contains("/dev/null")
                .doesNotContain("secret");
        assertThat(counted.dropped()).as("drops in the closing line: %s", counted.log()).isGreaterThanOrEqualTo(3);

        Outcome denied = fillTheDiskThenReadTheSecret("deny");
        assertThat(denied.copied()).as("the secret was copied, its open unrecorded").isFalse();
        assertThat(denied.dropped()).isPositive();
        assertThat(denied.log()).contains("seccheck: sink text cannot write to " + dir.resolve("deny/trail.log")
                + ": failing each operation (EPERM) whose point it drops, as on_drop says");
    }
}
