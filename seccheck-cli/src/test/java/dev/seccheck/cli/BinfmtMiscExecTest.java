package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file executed through a binfmt_misc handler is the file executed (red team rt8, finding 3):
 * since Linux 6.7 a program may mount a binfmt_misc of its own in a user namespace of its own and
 * register the dynamic loader for an extension; an exec of a denied binary through a name with
 * that extension then ran the loader on it, and seccheck decided on the loader alone. A kill rule
 * on the denied binary's {@code binary_path} must hold. Natively the binary runs; skipped where
 * the kernel refuses the mount. As root and as uid 65534.
 */
class BinfmtMiscExecTest {

    private static final String LOADER = "/lib64/ld-linux-x86-64.so.2";
    /** Mounts a binfmt_misc of its own, registers .rt8 for the loader, and execs $1/x.rt8. */
    private static final String THROUGH_HANDLER = """
            mount -t binfmt_misc none /proc/sys/fs/binfmt_misc || exit 97
            printf ':rt8:E::rt8::%s:\\n' "$2" > /proc/sys/fs/binfmt_misc/register || exit 97
            exec "$1/x.rt8"
            """;

    @TempDir
    Path tmp;

    @Test
    void aBinaryRunThroughAHandlerIsDecidedAsTheFileExecuted() throws Exception {
        throughHandler(tmp, null);
    }

    @Test
    void aBinaryRunThroughAHandlerIsDecidedAsTheFileExecutedUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        throughHandler(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private static void throughHandler(Path base, String nobodysClasspath) throws Exception {
        Path dir = base.toRealPath();
        Path denied = Files.copy(Path.of("/usr/bin/id"), dir.resolve("denied"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(dir.resolve("x.rt8"), denied);
        List<String> command = List.of("unshare", "-Urm", "sh", "-c", THROUGH_HANDLER, "sh", dir.toString(), LOADER);

        PackagedCli.Result natively = PackagedCli.eitherWay(dir, nobodysClasspath, false, command, null);
        Assumptions.assumeTrue(natively.status() != 97, "the kernel refuses a binfmt_misc of the program's own: "
                + natively.err());
        assertThat(natively.out()).as("natively the binary runs: " + natively.err()).contains("uid=");

        Path alerts = dir.resolve("alerts.jsonl");
        Path config = Files.writeString(dir.resolve("deny.json"), """
                {"name": "deny-binary", "points": [{"name": "sentry/execve"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "%s", "rules": [
                   {"effect": "execute_file", "match": {"binary_path": "%s"}, "action": "kill"}],
                  "on_missing": "deny"}}]}""".formatted(alerts, denied));
        PackagedCli.Result under = PackagedCli.eitherWay(dir, nobodysClasspath, true, command, config);
        assertThat(under.out()).as("under the rule: " + under.err()).doesNotContain("uid=");
        assertThat(under.status()).isNotZero();
        assertThat(Files.readString(alerts)).contains("\"binary_path\":\"" + denied + "\"");
    }

    /**
     * Mounts an overlay of its own holding a copy of the loader, a binfmt_misc of its own, registers
     * .rt9 for that copy, and execs $1/x.rt9. The handler is a file seccheck cannot name (the
     * program's own overlay).
     */
    private static final String THROUGH_OWN_OVERLAY_HANDLER = """
            mkdir "$1/u" "$1/w" "$1/m"
            mount -t overlay overlay -o "lowerdir=$1/l,upperdir=$1/u,workdir=$1/w" "$1/m" || exit 97
            mount -t binfmt_misc none /proc/sys/fs/binfmt_misc || exit 97
            printf ':rt9:E::rt9::%s:\\n' "$1/m/ld.so" > /proc/sys/fs/binfmt_misc/register || exit 97
            exec "$1/x.rt9"
            """;

    /**
     * An exec that runs a binfmt_misc handler is not what the walk of its name at the enter reached
     * (the file passed), so at its exec event the handler must be a file a name reaches: one on the
     * program's own overlay is reached by the kernel's name walked from the task's root. Before,
     * only a name from seccheck's root was tried, and the default session killed such an exec
     * before its first instruction.
     */
    @Test
    void aHandlerOnTheProgramsOwnOverlayRuns() throws Exception {
        handlerOnOwnOverlay(tmp, null);
    }

    @Test
    void aHandlerOnTheProgramsOwnOverlayRunsUnprivileged() throws Exception {
        String classpath = PackagedCli.forNobody(tmp);
        handlerOnOwnOverlay(PackagedCli.nobodysDir(tmp.resolve("u")), classpath);
    }

    private static void handlerOnOwnOverlay(Path base, String nobodysClasspath) throws Exception {
        Path dir = base.toRealPath();
        Path lower = Files.createDirectory(dir.resolve("l"));
        Files.copy(Path.of(LOADER), lower.resolve("ld.so"), StandardCopyOption.COPY_ATTRIBUTES);
        Path binary = Files.copy(Path.of("/usr/bin/id"), dir.resolve("binary"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createSymbolicLink(dir.resolve("x.rt9"), binary);
        List<String> command = List.of("unshare", "-Urm", "sh", "-c", THROUGH_OWN_OVERLAY_HANDLER, "sh", dir.toString());

        PackagedCli.Result natively = PackagedCli.eitherWay(dir, nobodysClasspath, false, command, null);
        Assumptions.assumeTrue(natively.status() != 97, "the kernel refuses an overlay or binfmt_misc of the"
                + " program's own: " + natively.err());
        assertThat(natively.out()).as("natively the binary runs: " + natively.err()).contains("uid=");
        deleteTree(dir.resolve("u"));
        deleteTree(dir.resolve("w"));
        deleteTree(dir.resolve("m"));

        PackagedCli.Result under = PackagedCli.eitherWay(dir, nobodysClasspath, true, command, null);
        assertThat(under.out()).as("under the default session: " + under.err()).contains("uid=");
        assertThat(under.status()).as(under.err()).isZero();
    }

    /** Removes what an overlay's run left in {@code dir} (its work directory's is root's, mode 000). */
    private static void deleteTree(Path dir) throws Exception {
        new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
    }
}
