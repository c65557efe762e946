package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process renamed through a {@code /proc/PID/comm} fd another process opened (a
 * {@code clone(CLONE_FILES)} child's, or one passed over SCM_RIGHTS) is reported under its new
 * name, as the kernel names it: a rule on {@code process_name} "innocent" (here a deny, so its
 * firing shows as EPERM) matches its next open. Before, only the opener's process was marked as
 * renamable, and every later point kept the exec's name. Natively the open succeeds, and the
 * kernel's name is "innocent"; as root and as uid 65534.
 */
class CommRenamedByAnotherOpenerTest {

    @TempDir
    Path tmp;

    private Path program;
    private Path policy;
    private Path file;

    @BeforeEach
    void prepare() throws IOException, InterruptedException {
        PackagedCli.assumeNobody(tmp);
        program = CPrograms.compile("src/test/c/comm_shared.c", tmp);
        file = Files.writeString(tmp.resolve("marker"), "marker\n");
        policy = Files.writeString(tmp.resolve("innocent.json"), """
                {"name": "innocent", "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"],
                   "context_fields": ["group_id", "process_name"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                     {"point": "syscall/openat/enter", "match": {"process_name": "innocent"}, "action": "deny", "errno": "EPERM"}]}}]}
                """);
    }

    private static final String NATIVELY = "name innocent\nopen ok\n";
    private static final String RULE_FIRED = "name innocent\nopen Operation not permitted\n";

    @Test
    void aRootProcessRenamedThroughAnotherProcesssFdIsReportedByItsNewName() throws Exception {
        for (String mode : List.of("clonefiles", "scm")) {
            List<String> command = List.of(program.toString(), mode, file.toString());
            assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, false, command).out()).as(mode).isEqualTo(NATIVELY);
            assertThat(PackagedCli.nativeOrUnderSeccheck(tmp, true, command, policy).out()).as(mode).isEqualTo(RULE_FIRED);
        }
    }

    @Test
    void uid65534RenamedThroughAnotherProcesssFdIsReportedByItsNewName() throws Exception {
        String classpath = PackagedCli.nobodyClasspath();
        for (String mode : List.of("clonefiles", "scm")) {
            List<String> command = List.of(program.toString(), mode, file.toString());
            assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, false, command).out()).as(mode)
                    .isEqualTo(NATIVELY);
            assertThat(PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, true, command, policy).out()).as(mode)
                    .isEqualTo(RULE_FIRED);
        }
    }
}
