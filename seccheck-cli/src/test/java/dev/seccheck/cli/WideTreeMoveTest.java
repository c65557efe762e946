package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A directory with more subdirectories than seccheck may hold descriptors moves under a policy as
 * natively. seccheck walks every name below a moved directory: under a rule on opening files to
 * decide each (NameEmulation), under a rule on what runs to record the files a rename takes out
 * of it (RenamesOutOfWhatRuns). Both walks opened each subdirectory as they listed its parent and
 * held them all until they listed them, so a flat directory of 21,000 empty subdirectories took
 * 21,000 descriptors, past seccheck's limit (20,000 where the red team ran it, A F3): under a rule
 * on opening files the rename was refused with EPERM ("a directory below it (5303) cannot be
 * listed"), and meanwhile the opens seccheck makes for the program's other processes failed with
 * EMFILE. Here seccheck runs under {@code prlimit --nofile=1024:1024} (the JVM raises its soft
 * limit to the hard one, which the program inherits and prints) and the program moves a directory
 * of 1,500 subdirectories (more than the limit), each with one of its own, out of a directory a
 * rule on what runs keeps.
 * Under that rule alone the rename was made before its walk, whose failure only made the move one
 * that could not be told (an exec in flight then was killed, which this run has none of): that
 * case is the same before and after, and TreeWalkTest counts the walk's descriptors. As root and
 * as uid 65534.
 */
class WideTreeMoveTest {

    /** seccheck's descriptor limit, soft and hard. */
    private static final int LIMIT = 1024;

    /**
     * Makes denied/flat with 1,500 subdirectories each holding one, moves it to ok/, and counts
     * what arrived.
     */
    private static final String SCRIPT = """
            cd "$1" && mkdir -p denied/flat ok && (cd denied/flat && seq 1 1500 | sed 's|$|/in|' | xargs mkdir -p)
            ulimit -Hn
            mv denied/flat ok/flat; echo "mv=$?"
            ls ok/flat | wc -l
            find ok/flat -mindepth 2 -type d | wc -l
            """;

    /** A rule on what runs keeping the files below {@code %s} from running: seccheck performs every rename. */
    private static final String WHAT_RUNS = """
            {"name": "what-runs", "points": [{"name": "sentry/execve"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "execute_file", "match": {"binary_path": {"prefix": "%s/"}}, "action": "kill"}]}}]}""";

    /** The same with a rule on opening files: seccheck decides every name below a directory moved too. */
    private static final String OPENING_FILES = """
            {"name": "guard",
             "points": [{"name": "syscall/open/enter", "context_fields": ["cwd"]},
                        {"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                        {"name": "syscall/creat/enter", "context_fields": ["cwd"]},
                        {"name": "sentry/execve"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"effect": "open_file", "match": {"resolved_path": {"glob": "*.key"}}, "action": "deny", "errno": "EACCES"},
               {"effect": "execute_file", "match": {"binary_path": {"prefix": "%s/"}}, "action": "kill"}],
              "on_missing": "deny"}}]}""";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "under a rule on {0}, as uid 65534: {1}")
    @CsvSource({"opening files, false", "opening files, true", "what runs, false", "what runs, true"})
    void aDirectoryWithMoreSubdirectoriesThanSecchecksDescriptorLimitMovesAsNatively(String rule, boolean nobody)
            throws Exception {
        String classpath = nobody ? PackagedCli.forNobody(tmp) : null;
        Path real = tmp.toRealPath();
        Path policy = Files.writeString(real.resolve("policy.json"),
                (rule.equals("opening files") ? OPENING_FILES : WHAT_RUNS).formatted(real.resolve("under/denied")));
        String natively = run(real, "native", classpath, null);
        assertThat(natively).as("natively").isEqualTo(LIMIT + "\nmv=0\n1500\n1500\n");
        assertThat(run(real, "under", classpath, policy)).isEqualTo(natively);
    }

    /**
     * What {@link #SCRIPT} prints in {@code dir/where}, natively or (with a {@code policy}) under
     * seccheck, with {@link #LIMIT} descriptors, as uid 65534 when {@code classpath} is set.
     */
    private static String run(Path dir, String where, String classpath, Path policy) throws Exception {
        Path work = classpath != null ? PackagedCli.nobodysDir(dir.resolve(where)) : Files.createDirectory(dir.resolve(where));
        PackagedCli.Result r = PackagedCli.withDescriptorLimit(LIMIT, dir, classpath, policy,
                List.of("sh", "-c", SCRIPT, "sh", work.toString()));
        return r.out().replace(" ", "");
    }
}
