package dev.seccheck.bench;

import dev.seccheck.points.Point;
import dev.seccheck.sink.NameChange;
import dev.seccheck.state.PointState;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

/**
 * MovedNamesBenchmark asks what the policy sink's decisions on a directory or symbolic link given a
 * new name cost under rules whose globs have no absolute start (session 51): a directory below a
 * moved one that is a mount point, under a rule on opening files ({@code *}{@code /sec/*.txt}); a
 * directory moved under a rule on what runs ({@code *}{@code /denied/**}); and, under a rule on
 * binding at unix paths ({@code *}{@code /run/*.sock}), a directory moved, a symbolic link made with
 * a target and one whose target its text does not tell (each directory the glob may name is tried).
 * Each is made once a rename, not once a syscall.
 *
 * <p>Run: {@code ./build -q -o -pl seccheck-bench -am package -DskipTests &&
 * java -jar seccheck-bench/target/benchmarks.jar MovedNamesBenchmark -f 1 -wi 3 -i 5 -w 1s -r 1s}
 */
public class MovedNamesBenchmark extends AverageTimeBenchmark {

    private static final NameChange COVERED = NameChange.moved("renameat2", 42, 43, "mv", "/w/sec/sub", "/w/pub/sub",
            null, false, true);
    private static final NameChange OUT_OF_DENIED = NameChange.moved("renameat2", 42, 43, "mv", "/w/denied", "/w/ok",
            null, false, true);
    private static final NameChange TO_RUN = NameChange.moved("renameat2", 42, 43, "mv", "/w/tmp", "/w/lib", null,
            false, true);
    private static final NameChange LINK = NameChange.symlinked("symlink", 42, 43, "ln", "/w/lib", "/w/tmp");
    private static final NameChange UNTOLD_LINK = NameChange.symlinked("symlink", 42, 43, "ln", "/w/lib", null);

    private PointState state;
    private List<Point> opens;
    private List<Point> execs;
    private List<Point> binds;

    @Setup
    public void setup() throws Exception {
        state = BenchSessions.stateWith("""
                {"points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"]},
                            {"name": "sentry/execve"}, {"name": "syscall/bind/enter"}],
                 "sinks": [{"name": "policy", "config": {"alerts": "/dev/null", "rules": [
                   {"point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*/sec/*.txt"}}, "action": "deny"},
                   {"point": "sentry/execve", "match": {"binary_path": {"glob": "*/denied/**"}}, "action": "kill"},
                   {"point": "syscall/bind/enter", "match": {"unix_path": {"glob": "*/run/*.sock"}}, "action": "deny"}]}}]}""");
        opens = List.of(BenchSessions.point("syscall/openat/enter"));
        execs = List.of(Point.EXECVE);
        binds = List.of(BenchSessions.point("syscall/bind/enter"));
    }

    /** A mount point below a moved directory whose covered names the rule decides otherwise: refused. */
    @Benchmark
    public boolean coveredNames() {
        return state.refusesCovered(opens, COVERED);
    }

    /** A directory moved out of the rule on what runs: its files are remembered. */
    @Benchmark
    public boolean movedOutOfWhatRuns() {
        return state.movesOutOfWhatRuns(execs, OUT_OF_DENIED);
    }

    /** A directory moved where nothing below it comes into the bind rule: let through. */
    @Benchmark
    public int directoryMovedBesideSockets() {
        return state.socketNameVerdict(binds, TO_RUN);
    }

    /** A symbolic link made to a directory named as the link is, for the glob: let through. */
    @Benchmark
    public int symbolicLinkWithItsTarget() {
        return state.socketNameVerdict(binds, LINK);
    }

    /** A symbolic link whose text has a "..": every directory the glob tells apart tried. */
    @Benchmark
    public int symbolicLinkAnywhere() {
        return state.socketNameVerdict(binds, UNTOLD_LINK);
    }
}
