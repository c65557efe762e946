import dev.seccheck.linux.StandardOutput;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * StderrWrites compares what a line written to stderr costs through the JDK's
 * {@code FileOutputStream} and through {@code StandardOutput} (seccheck's, which waits out a
 * non-blocking description instead of failing with EAGAIN), each behind the same buffered,
 * line-flushed PrintStream the CLI uses: 200,000 strace-like lines per round, four rounds
 * alternated. Send stderr to /dev/null to measure the write path, not a terminal:
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp "$(ls seccheck-cli/target/lib/*.jar | tr '\n' :)" \
 *     bench/StderrWrites.java 2>/dev/null
 * </pre>
 */
public class StderrWrites {
    public static void main(String[] args) throws Exception {
        String line = "1234 python3 openat(AT_FDCWD, \"/usr/lib/x86_64-linux-gnu/libc.so.6\", O_RDONLY|O_CLOEXEC) = 3";
        int lines = 200_000;
        for (int round = 0; round < 4; round++) {
            for (String kind : new String[] {"FileOutputStream", "StandardOutput"}) {
                OutputStream os = kind.equals("StandardOutput") ? new StandardOutput(2) : new FileOutputStream(FileDescriptor.err);
                PrintStream ps = new PrintStream(new BufferedOutputStream(os, 8192), true);
                long t0 = System.nanoTime();
                for (int i = 0; i < lines; i++) {
                    ps.println(line);
                }
                long t1 = System.nanoTime();
                System.out.printf("round %d %-16s %.0f ns/line%n", round, kind, (t1 - t0) / (double) lines);
            }
        }
    }
}
