package dev.seccheck.remote.consumer;

import java.util.List;

/**
 * ProcessInfo is what the {@link ProcessTracker} knows of one process of a sandbox.
 *
 * @param pid the thread group id inside the sandbox
 * @param startTimeNs the thread group's start time, when known (0 otherwise)
 * @param binary the program path from its last execve (inherited from the parent after a fork)
 * @param argv the arguments of its last execve (inherited after a fork)
 * @param parentPid the parent's thread group id, 0 when unknown
 */
public record ProcessInfo(int pid, long startTimeNs, String binary, List<String> argv, int parentPid) {
    public ProcessInfo {
        argv = List.copyOf(argv);
    }
}
