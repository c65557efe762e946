package dev.seccheck.sentry.defense;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The threads of this JVM, which plays seccheck in the defense tests. */
final class JvmThreads {
    private JvmThreads() {}

    static final int PID = (int) ProcessHandle.current().pid();

    /** Every thread id of this JVM now. */
    static Set<Integer> all() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.map(p -> Integer.valueOf(p.getFileName().toString())).collect(Collectors.toCollection(HashSet::new));
        }
    }

    /** A thread of this JVM other than the main one: one a filter built with the pid alone does not list. */
    static int notTheMain() throws IOException {
        return all().stream().filter(t -> t != PID).findFirst().orElseThrow();
    }
}
