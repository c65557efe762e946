import dev.seccheck.abi.Signal;
import dev.seccheck.linux.Signals;

/**
 * StartFloor is the least a seccheck command does before any of its own work: the JVM started
 * as the launcher starts it (its flags, module path and ahead-of-time cache) and the first native
 * call, through the binding module as {@code Main} makes it. bench/start-floor.sh times it beside
 * a plain Java hello-world and {@code seccheck run -- /bin/true}: what start-up could reach if
 * seccheck's own code (command line, catalog, sessions, supervision) cost nothing.
 */
public class StartFloor {
    public static void main(String[] args) throws Exception {
        Signals.blockInThisThread(Signal.SIGTTOU);
    }
}
