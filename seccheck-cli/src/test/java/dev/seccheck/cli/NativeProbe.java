package dev.seccheck.cli;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.seccheck.linux.Syscalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;

/**
 * NativeProbe is a program LauncherTest starts with the launcher's JVM flags, from the class path:
 * it reports whether the binding module may call native code (it must) and whether this class, on
 * the class path like every jar but the bindings, may make a downcall or load a JNI library (it
 * must not). One line per attempt on stdout.
 */
final class NativeProbe {
    private NativeProbe() {}

    /** Its restricted calls are the point: each one must be refused when run with the launcher's flags. */
    @SuppressWarnings("restricted")
    public static void main(String[] args) {
        try {
            int fd = Syscalls.pidfdOpen((int) ProcessHandle.current().pid());
            System.out.println("binding module: native call made (pidfd " + fd + ")");
        } catch (Throwable t) {
            System.out.println("binding module: failed: " + t);
        }
        try {
            Linker linker = Linker.nativeLinker();
            linker.downcallHandle(linker.defaultLookup().find("getpid").orElseThrow(), FunctionDescriptor.of(JAVA_INT));
            System.out.println("class path downcall: allowed");
        } catch (Throwable t) {
            System.out.println("class path downcall: refused: " + t.getClass().getName());
        }
        try {
            // A library that does not exist: allowed, this fails to find it; refused, it fails before looking.
            System.loadLibrary("seccheck-no-such-library");
            System.out.println("class path loadLibrary: allowed");
        } catch (Throwable t) {
            System.out.println("class path loadLibrary: refused: " + t.getClass().getName());
        }
    }
}
