import dev.seccheck.sink.TrailLocks;
import dev.seccheck.sink.TrailStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;

/**
 * TrailWrites measures what a line written to a trail file costs ({@code TrailStream.append}, each
 * line flushed and looked at, as the text sink writes it): 50,000 JSON-sized lines per round,
 * five rounds, in elapsed and in the thread's CPU time (steadier on a loaded machine), into a file in the directory given (a tmpfs, to measure the write path rather than a
 * disk). With the CLI's jar on the class path each write and its cut-back are made under the open
 * file description lock other seccheck processes take ({@code OfdTrailLocks}); without it, under
 * this process's lock only. Run both and compare:
 *
 * <pre>
 * lib="$(ls seccheck-cli/target/lib/*.jar | tr '\n' :)"
 * java --enable-native-access=ALL-UNNAMED -cp "$lib" bench/TrailWrites.java /dev/shm            # process lock only
 * java --enable-native-access=ALL-UNNAMED -cp "$lib$(ls seccheck-cli/target/seccheck-cli-*.jar)" \
 *     bench/TrailWrites.java /dev/shm                                                        # and the OFD lock
 * </pre>
 */
public class TrailWrites {
    public static void main(String[] args) throws Exception {
        String line = "{\"point\":\"syscall/openat/enter\",\"context\":{\"time_ns\":1764374400000000000,"
                + "\"thread_id\":4242,\"thread_group_id\":4242,\"process_name\":\"opencount\"},"
                + "\"fields\":{\"fd\":-100,\"pathname\":\"/etc/hostname\",\"flags\":0}}";
        boolean locked = ServiceLoader.load(TrailLocks.class).findFirst().isPresent();
        int lines = 50_000;
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 5; round++) {
            Path file = Files.createTempFile(Path.of(args[0]), "trail", ".json");
            try (TrailStream out = TrailStream.append(file.toString())) {
                long t0 = System.nanoTime();
                long c0 = cpu.getCurrentThreadCpuTime();
                for (int i = 0; i < lines; i++) {
                    out.println(line);
                    if (!out.wrote()) {
                        throw new IllegalStateException("a line was not written");
                    }
                }
                long ns = System.nanoTime() - t0;
                long cpuNs = cpu.getCurrentThreadCpuTime() - c0;
                System.out.printf("%s round %d: %.0f ns a line, %.0f ns of CPU%n", locked ? "OFD lock" : "process lock",
                        round, (double) ns / lines, (double) cpuNs / lines);
            } finally {
                Files.delete(file);
            }
        }
    }
}
