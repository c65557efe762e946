package dev.seccheck.control;

import java.util.Optional;

/** PeerGuard decides, from the pid the kernel reported for a connection, whether that process may control a run. */
@FunctionalInterface
public interface PeerGuard {
    /** A guard that lets every process of the run's user through (for servers that serve no workload). */
    PeerGuard NONE = pid -> Optional.empty();

    /** Returns why the process {@code pid} may not control the run, or empty if it may. */
    Optional<String> refusal(long pid);
}
