package dev.seccheck.format;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * SockAddr is a socket address decoded from the raw {@code sockaddr} bytes a point carries
 * (connect, bind, accept): the family, and the IP and port for AF_INET/AF_INET6, or the path for
 * AF_UNIX (abstract names start with {@code @}, their bytes spelled by {@link AbstractNames}).
 */
public record SockAddr(int family, byte[] ip, int port, String unixPath) {

    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_NETLINK = 16;

    private static final Map<String, Integer> FAMILIES = Map.of(
            "AF_UNIX", AF_UNIX, "AF_LOCAL", AF_UNIX, "AF_INET", AF_INET, "AF_INET6", AF_INET6,
            "AF_NETLINK", AF_NETLINK, "AF_PACKET", 17);

    /** Returns the family number for a name like {@code AF_INET}. */
    public static OptionalInt familyByName(String name) {
        Integer f = FAMILIES.get(name);
        return f == null ? OptionalInt.empty() : OptionalInt.of(f);
    }

    /** Decodes raw sockaddr bytes (native byte order for the family, network order for the port). */
    public static Optional<SockAddr> decode(ByteString raw) {
        if (raw.size() < 2) {
            return Optional.empty();
        }
        int family = (raw.byteAt(0) & 0xff) | (raw.byteAt(1) & 0xff) << 8;
        switch (family) {
            case AF_INET -> {
                if (raw.size() < 8) {
                    return Optional.of(new SockAddr(family, null, -1, null));
                }
                return Optional.of(new SockAddr(family, raw.substring(4, 8).toByteArray(), port(raw), null));
            }
            case AF_INET6 -> {
                if (raw.size() < 24) {
                    return Optional.of(new SockAddr(family, null, -1, null));
                }
                return Optional.of(new SockAddr(family, raw.substring(8, 24).toByteArray(), port(raw), null));
            }
            case AF_UNIX -> {
                ByteString path = raw.substring(2);
                String p;
                if (!path.isEmpty() && path.byteAt(0) == 0) {
                    p = "@" + AbstractNames.text(path.substring(1).toByteArray());
                } else {
                    int end = 0;
                    while (end < path.size() && path.byteAt(end) != 0) {
                        end++;
                    }
                    p = path.substring(0, end).toString(StandardCharsets.UTF_8);
                }
                return Optional.of(new SockAddr(family, null, -1, p));
            }
            default -> {
                return Optional.of(new SockAddr(family, null, -1, null));
            }
        }
    }

    /**
     * Returns e.g. {@code AF_INET 127.0.0.1:80}, {@code AF_INET6 [::1]:443}, {@code AF_UNIX /run/x.sock};
     * a unix path escaped as a word ({@link Escape#word}): the program chooses it, and a newline
     * in an abstract name forged whole lines of the raw format and of the server's text.
     */
    @Override
    public String toString() {
        return switch (family) {
            case AF_INET -> ip == null ? "AF_INET" : "AF_INET " + ipText() + ":" + port;
            case AF_INET6 -> ip == null ? "AF_INET6" : "AF_INET6 [" + ipv6Text(ip) + "]:" + port;
            case AF_UNIX -> {
                if (unixPath == null || unixPath.isEmpty()) {
                    yield "AF_UNIX (unnamed)";
                }
                StringBuilder sb = new StringBuilder("AF_UNIX ");
                Escape.word(sb, unixPath, Escape.DEFAULT_LIMIT);
                yield sb.toString();
            }
            default -> "family " + family;
        };
    }

    /** Returns the IP in its usual text form, or null when there is none. */
    public String ipText() {
        if (ip == null) {
            return null;
        }
        try {
            return java.net.InetAddress.getByAddress(ip).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    /** Returns an IPv6 address in its short form ({@code ::1}, {@code fe80::1}): the longest run of zero groups becomes {@code ::}. */
    public static String ipv6Text(byte[] ip) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (ip[2 * i] & 0xff) << 8 | (ip[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (!sb.isEmpty() && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    private static int port(ByteString raw) {
        return (raw.byteAt(2) & 0xff) << 8 | (raw.byteAt(3) & 0xff);
    }
}
