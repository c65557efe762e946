package dev.seccheck.cli;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.seccheck.linux.Syscalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;

/**
 * NativeProbe is a program LauncherTest starts with the launcher's JVM flags, from the class path:
 * it reports whether the binding module may call native code (it must) and whether this class, on
 * the class path like every jar but the bindings, is granted native access (it must not be). One
 * line per check on stdout.
 */
final class NativeProbe {
    private NativeProbe() {}

    /** Its restricted call is the point: made from the class path, the JDK must warn about it. */
    @SuppressWarnings("restricted")
    public static void main(String[] args) {
        try {
            int fd = Syscalls.pidfdOpen((int) ProcessHandle.current().pid());
            System.out.println("binding module: native call made (pidfd " + fd + ")");
        } catch (Throwable t) {
            System.out.println("binding module: failed: " + t);
        }
        System.out.println("binding module: native access " + granted(Syscalls.class.getModule()));
        System.out.println("class path: native access " + granted(NativeProbe.class.getModule()));
        try {
            Linker linker = Linker.nativeLinker();
            linker.downcallHandle(linker.defaultLookup().find("getpid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
            System.out.println("class path downcall: made");
        } catch (Throwable t) {
            System.out.println("class path downcall: refused: " + t.getClass().getName());
        }
    }

    private static String granted(Module m) {
        return m.isNativeAccessEnabled() ? "granted" : "not granted";
    }
}
