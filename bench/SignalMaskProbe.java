import dev.seccheck.linux.Signals;
import dev.seccheck.linux.Syscalls;

/**
 * SignalMaskProbe measures, in one JVM loop, the two system calls' worth of work a performed
 * connect or send added in session 39 besides {@code Waits}: {@code Signals.unblockedDuring}
 * (two rt_sigprocmask around the call) and {@code Syscalls.gettid}. Five rounds of 200,000 calls
 * each; ns per call. Run it on the packaged CLI's class path (BENCHMARKS.md, "Session 40"):
 *
 * <pre>
 * cp=$(ls seccheck-cli/target/seccheck-cli-*.jar):$(ls seccheck-cli/target/lib/*.jar | tr '\n' :)
 * java --enable-native-access=ALL-UNNAMED -cp "$cp" bench/SignalMaskProbe.java
 * </pre>
 */
public class SignalMaskProbe {
    public static void main(String[] args) throws Exception {
        Signals.interruptWith(Signals.INTERRUPT);
        long sink = 0;
        for (int round = 0; round < 5; round++) {
            int n = 200_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += Signals.unblockedDuring(Signals.INTERRUPT, () -> 0);
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                sink += Syscalls.gettid();
            }
            long t2 = System.nanoTime();
            System.out.printf("unblockedDuring %.0f ns, gettid %.0f ns%n", (t1 - t0) / (double) n, (t2 - t1) / (double) n);
        }
        System.out.println(sink == 42 ? "" : "done");
    }
}
