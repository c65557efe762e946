package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@code security.*} attribute set or removed by seccheck for a program in a user namespace of
 * its own is refused where the program's own call would be (red-team round 23). The kernel asks
 * CAP_SYS_ADMIN over the user namespace of the file's filesystem; on a tmpfs the program mounted
 * there, seccheck's thread, taking the user of the namespace's maker, held every capability,
 * while the program had dropped its own: both calls went through under the policy, as root and
 * as uid 65534 ({@code security_xattr_userns.c}). Natively first, where both are refused.
 */
class SecurityAttributesTest {

    private static final String REFUSED = "set security.new: Operation not permitted\n"
            + "remove security.kept: Operation not permitted\n";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void aProgramWithoutItsCapabilitiesCannotChangeThemThroughSeccheck(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve("u")) : tmp.toRealPath();
        Path program = PackagedCli.compiledFor(dir, nobody, "src/test/c/security_xattr_userns.c");
        Path mountPoint = Files.createDirectory(dir.resolve("mnt"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Path config = Files.writeString(dir.resolve("policy.json"), Policies.OPEN_FILE_KEYS);
        List<String> command = List.of(program.toString(), mountPoint.toString());
        for (boolean under : new boolean[] {false, true}) {
            PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(tmp, (under ? "under" : "native"), classpath, under,
                    command, under ? new Path[] {config} : new Path[0]);
            assertThat(r.out()).as(under ? "under seccheck: " + r.err() : "natively").isEqualTo(REFUSED);
        }
    }
}
