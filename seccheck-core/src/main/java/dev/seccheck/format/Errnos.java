package dev.seccheck.format;

import java.util.Map;
import java.util.OptionalInt;

/** Errnos maps Linux (x86-64) errno numbers to and from their symbolic names. */
public final class Errnos {
    private Errnos() {}

    private static final String[] NAMES = {
        null, "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
        "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV", "ENOTDIR",
        "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE", "EROFS",
        "EMLINK", "EPIPE", "EDOM", "ERANGE", "EDEADLK", "ENAMETOOLONG", "ENOLCK", "ENOSYS", "ENOTEMPTY", "ELOOP",
    };
    private static final Map<String, Integer> NETWORK = Map.ofEntries(
            Map.entry("ENOTSOCK", 88), Map.entry("EDESTADDRREQ", 89), Map.entry("EMSGSIZE", 90),
            Map.entry("EPROTOTYPE", 91), Map.entry("ENOPROTOOPT", 92), Map.entry("EPROTONOSUPPORT", 93),
            Map.entry("EOPNOTSUPP", 95), Map.entry("EAFNOSUPPORT", 97), Map.entry("EADDRINUSE", 98),
            Map.entry("EADDRNOTAVAIL", 99), Map.entry("ENETDOWN", 100), Map.entry("ENETUNREACH", 101),
            Map.entry("ECONNABORTED", 103), Map.entry("ECONNRESET", 104), Map.entry("ENOBUFS", 105),
            Map.entry("EISCONN", 106), Map.entry("ENOTCONN", 107), Map.entry("ETIMEDOUT", 110),
            Map.entry("ECONNREFUSED", 111), Map.entry("EHOSTUNREACH", 113), Map.entry("EALREADY", 114),
            Map.entry("EINPROGRESS", 115), Map.entry("ECANCELED", 125));

    /** Returns the symbolic name of an errno, or {@code errno N} when unknown. */
    public static String name(int errno) {
        if (errno > 0 && errno < NAMES.length) {
            return NAMES[errno];
        }
        for (Map.Entry<String, Integer> e : NETWORK.entrySet()) {
            if (e.getValue() == errno) {
                return e.getKey();
            }
        }
        return "errno " + errno;
    }

    /** Returns the errno with this symbolic name, e.g. {@code EACCES}. */
    public static OptionalInt byName(String name) {
        for (int i = 1; i < NAMES.length; i++) {
            if (NAMES[i].equals(name)) {
                return OptionalInt.of(i);
            }
        }
        Integer n = NETWORK.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }
}
