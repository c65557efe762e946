import dev.seccheck.points.*;
import dev.seccheck.fields.*;
import dev.seccheck.state.*;
import dev.seccheck.sink.*;
import dev.seccheck.sentry.Supervisor;
import java.util.*;

/**
 * StartupProbe times {@code Supervisor.run(/bin/true)} inside one warm JVM, alternating three
 * sessions (no point; an enter-only point served by the notifier; an exit point, whose filter
 * the tracer injects at the first exec), 10 warm-up rounds then 50 measured: it isolates the
 * supervision's own start-up from the JVM's, and the injection from both.
 *
 * <p>Run from the repository root after building the CLI (./seccheck --version):
 * {@code java --enable-native-access=ALL-UNNAMED -cp "seccheck-cli/target/seccheck-cli-0.1.0-SNAPSHOT.jar$(printf ':%s' seccheck-cli/target/lib/*.jar)" bench/StartupProbe.java}
 */
public class StartupProbe {
    static long once(String point) throws Exception {
        Catalog c = Catalog.standard();
        PointState s = new PointState();
        List<PointReq> reqs = point == null ? List.of() : List.of(new PointReq(c.byName(point).orElseThrow().point(), FieldSet.EMPTY));
        Sink sink = () -> "null";
        s.publish(List.of(new Subscriber(new Gate(), List.of(sink), reqs)));
        long t0 = System.nanoTime();
        int st = new Supervisor(s, c, "probe", l -> {}).run(List.of("/bin/true"));
        long t = System.nanoTime() - t0;
        if (st != 0) throw new IllegalStateException("status " + st);
        return t;
    }
    public static void main(String[] a) throws Exception {
        String[] cfg = {null, "syscall/openat/enter", "syscall/openat/exit"};
        Map<String, List<Long>> r = new LinkedHashMap<>();
        for (int i = 0; i < 60; i++) {
            for (String p : cfg) {
                long t = once(p);
                if (i >= 10) r.computeIfAbsent(String.valueOf(p), k -> new ArrayList<>()).add(t);
            }
        }
        r.forEach((k, v) -> { Collections.sort(v); System.out.printf("%-22s median %.2f ms  p25 %.2f  p75 %.2f  (n=%d)%n", k, v.get(v.size()/2)/1e6, v.get(v.size()/4)/1e6, v.get(3*v.size()/4)/1e6, v.size()); });
    }
}
