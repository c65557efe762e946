package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child that sandboxed itself in a user namespace of its own (a browser's renderer, {@code
 * unshare -U}) reaches its parent through /proc no more than natively (red-team report R1 #2;
 * {@code src/test/c/userns_parent.c}). Natively the kernel refuses it the parent's {@code mem}
 * (by name, and reopened from an O_PATH descriptor through {@code /proc/self/fd/N}), {@code
 * environ}, {@code auxv}, {@code maps} (a thread's too), {@code cwd}, {@code root}, {@code fd/},
 * {@code ns/} and {@code fdinfo/} (EACCES): the parent is in another user namespace, over which
 * the child holds no CAP_SYS_PTRACE. seccheck makes those opens from its own user namespace,
 * where that rule never applied: before, as uid 65534, the child wrote "INJECTED by sandboxed
 * child" into its parent's memory under the default session and a guard-like policy, and read
 * its environment, cwd, root and fdinfo (as root the kernel refused them already). The controls answer as natively: a child that did not unshare reads its parent's
 * environment, the unshared child its own, a grandchild in the child's namespace the child's. Line
 * for line against a native run, as root and with seccheck and the program as uid 65534.
 */
class UnsharedChildReachTest {

    private static final String PROGRAM = "src/test/c/userns_parent.c";

    /** What the program prints natively, as root and as uid 65534 alike. */
    private static final String NATIVE = """
            unshared child: mem = EACCES
            unshared child: mem O_PATH, then reopened = EACCES
            unshared child: parent's environ = EACCES
            unshared child: parent's auxv = EACCES
            unshared child: parent's maps = EACCES
            unshared child: parent's cwd/. = EACCES
            unshared child: parent's root/. = EACCES
            unshared child: parent's fd/1 = EACCES
            unshared child: parent's ns/user = EACCES
            unshared child: parent's fdinfo = EACCES
            unshared child: parent's fdinfo/1 = EACCES
            unshared child: parent's thread's maps = EACCES
            unshared child: parent's stat = opened
            unshared child: own environ = the marker
            grandchild in the namespace: child's environ = the marker
            parent: flag = "parent intact"
            child in the same namespace: parent's environ = the marker
            """;

    @TempDir
    Path tmp;

    @Test
    void anUnsharedChildReachesItsParentNoMoreThanNativelyAsRoot() throws Exception {
        reach(false);
    }

    @Test
    void anUnsharedChildReachesItsParentNoMoreThanNativelyAsUid65534() throws Exception {
        reach(true);
    }

    private void reach(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        Path guard = Files.writeString(tmp.resolve("guard.json"), Policies.FAIL_CLOSED_GUARD);
        Files.setPosixFilePermissions(guard, PosixFilePermissions.fromString("rw-r--r--"));
        PackagedCli.Result natively = run(nobody, false, program);
        Assumptions.assumeFalse(natively.out().startsWith("unshare ="), "user namespaces are not allowed here");
        assertThat(natively.out()).as("natively").isEqualTo(NATIVE);
        SoftAssertions soft = new SoftAssertions();
        PackagedCli.Result byDefault = run(nobody, true, program);
        soft.assertThat(byDefault.out()).as("the default session: " + byDefault.err()).isEqualTo(NATIVE);
        PackagedCli.Result guarded = run(nobody, true, program, guard);
        soft.assertThat(guarded.out()).as("a guard's session: " + guarded.err()).isEqualTo(NATIVE);
        soft.assertAll();
    }

    /** Runs the program with the marker in its environment, natively or under seccheck's sessions of {@code configs}. */
    private PackagedCli.Result run(boolean nobody, boolean under, Path program, Path... configs) throws Exception {
        List<String> command = List.of(program.toString());
        ProcessBuilder pb = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheckProcess(tmp, PackagedCli.nobodyClasspath(), under, command,
                        configs)
                : PackagedCli.nativeOrUnderSeccheckProcess(tmp, under, command, configs);
        pb.environment().put("USERNS_MARK", "marked");
        PackagedCli.Result r = PackagedCli.run(pb, tmp, Duration.ofSeconds(120));
        assertThat(r.status()).as((under ? "under seccheck: " : "natively: ") + r.out() + r.err()).isZero();
        return r;
    }
}
