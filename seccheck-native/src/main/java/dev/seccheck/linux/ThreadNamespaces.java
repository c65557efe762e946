package dev.seccheck.linux;

import dev.seccheck.abi.Sysno;

/**
 * ThreadNamespaces moves the calling thread alone into a namespace of another task (setns), which
 * the kernel allows a thread of a multithreaded process for a network namespace (not for a user
 * namespace). Needs CAP_SYS_ADMIN over both namespaces.
 */
public final class ThreadNamespaces {
    private ThreadNamespaces() {}

    /** Joins the namespace behind {@code nsfd} (a /proc/TID/ns/* file) of type {@code type} (a CLONE_NEW* flag); 0 or -errno. */
    public static long join(int nsfd, long type) {
        return Direct.call(Sysno.SETNS, nsfd, type, 0, 0);
    }
}
