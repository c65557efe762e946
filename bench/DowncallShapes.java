import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;

/**
 * DowncallShapes measures what one more FFM downcall shape costs at start-up: it links 20 libc
 * functions, each with its own function descriptor (as the binding classes did), or 20 handles of
 * one shape (syscall(2) with seven longs, as {@code Libc.syscall} does now), after a first handle
 * that starts the linker. Run it with the launcher's JIT and collector (BENCHMARKS.md, "Start-up,
 * session 7" and "session 8"; session 7 added {@code --illegal-native-access=deny}, which the
 * launcher no longer gives):
 *
 * <pre>
 * java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 --enable-native-access=ALL-UNNAMED \
 *     bench/DowncallShapes.java distinct   # or: same
 * </pre>
 */
public class DowncallShapes {
    public static void main(String[] args) {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        var i = ValueLayout.JAVA_INT;
        var j = ValueLayout.JAVA_LONG;
        var p = ValueLayout.ADDRESS;
        Linker.Option errno = Linker.Option.captureCallState("errno");
        boolean same = args.length > 0 && args[0].equals("same");
        String[] names = {"socket", "connect", "listen", "accept4", "sendmsg", "getsockopt", "setsockopt", "close",
            "pipe2", "write", "mmap", "mprotect", "sigaction", "process_vm_readv", "ptrace", "prctl", "ioctl", "kill",
            "poll", "waitpid"};
        FunctionDescriptor[] shapes = {
            FunctionDescriptor.of(i, i, i, i), FunctionDescriptor.of(i, i, p, i), FunctionDescriptor.of(i, i, i),
            FunctionDescriptor.of(i, i, p, p, i), FunctionDescriptor.of(j, i, p, i), FunctionDescriptor.of(i, i, i, i, p, p),
            FunctionDescriptor.of(i, i, i, i, p, i), FunctionDescriptor.of(i, i), FunctionDescriptor.of(i, p, i),
            FunctionDescriptor.of(j, i, p, j), FunctionDescriptor.of(p, p, j, i, i, i, j), FunctionDescriptor.of(i, p, j, i),
            FunctionDescriptor.of(i, i, p, p), FunctionDescriptor.of(j, i, p, j, p, j, j), FunctionDescriptor.of(j, i, i, j, j),
            FunctionDescriptor.of(i, i, j, j, j, j), FunctionDescriptor.of(i, i, j, p), FunctionDescriptor.of(i, i, i),
            FunctionDescriptor.of(i, p, j, i), FunctionDescriptor.of(i, i, p, i)};
        FunctionDescriptor syscall = FunctionDescriptor.of(j, j, j, j, j, j, j, j);
        long t0 = System.nanoTime();
        linker.downcallHandle(libc.find("getpid").orElseThrow(), FunctionDescriptor.of(i), errno);
        long t1 = System.nanoTime();
        for (int k = 0; k < names.length; k++) {
            linker.downcallHandle(libc.find(same ? "syscall" : names[k]).orElseThrow(), same ? syscall : shapes[k], errno);
        }
        long t2 = System.nanoTime();
        System.out.printf("%s: first handle %.1f ms, then %d handles %.1f ms%n", same ? "same" : "distinct",
                (t1 - t0) / 1e6, names.length, (t2 - t1) / 1e6);
    }
}
