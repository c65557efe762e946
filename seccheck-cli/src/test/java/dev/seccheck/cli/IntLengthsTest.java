package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * connect, sendto and bind take the address's length as an int, and so does seccheck when it
 * makes them: a register whose upper half is set names the same length ({@code int_lengths.c}).
 * seccheck read the whole register and failed each call with EINVAL where the kernel makes it
 * (red-team round 23, under the README's guard policy). Natively first; as root and as uid 65534.
 */
class IntLengthsTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "as uid 65534: {0}")
    @ValueSource(booleans = {false, true})
    void anAddressLengthIsTheRegistersLowerHalf(boolean nobody) throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path dir = nobody ? PackagedCli.nobodysDir(tmp.resolve("u")) : tmp.toRealPath();
        Path program = PackagedCli.compiledFor(dir, nobody, "src/test/c/int_lengths.c");
        Path guard = Files.writeString(dir.resolve("guard.json"), Policies.readmeGuard());
        for (boolean under : new boolean[] {false, true}) {
            assertThat(DeepPathsTest.run(dir, classpath, under, List.of(program.toString()), under ? guard : null))
                    .as(under ? "under the guard policy" : "natively").isEqualTo("connect 0\nsendto 1\nbind 0\n");
        }
    }
}
