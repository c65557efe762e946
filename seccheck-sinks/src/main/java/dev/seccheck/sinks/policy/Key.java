package dev.seccheck.sinks.policy;

import dev.seccheck.format.SockAddr;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.sink.Missing;
import dev.seccheck.sink.ReachedFile;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Key is what a rule's {@code match} entry looks at in a point's message: a field of the message,
 * a context field, a part of its socket address, or the path it resolves to. An absent value
 * never matches, whatever the matcher (so {@code {"not": ...}} does not match a missing IP).
 */
sealed interface Key {

    /** The kind of value a key yields, which decides the matchers it accepts. */
    enum Kind { STRING, NUMBER, IP }

    String name();

    Kind kind();

    /** Returns whether the matcher matches the key's value in this message (any element of a list). */
    boolean test(Message msg, Matcher m);

    /** Returns the value for alert output, or null when absent. */
    Object value(Message msg);

    /**
     * Returns the field this key's value comes from when the sentry could not obtain it for this
     * message, else null: then the absent value says nothing about what the program did.
     */
    default Missing.Field missingIn(Message msg, Missing missing) {
        return missing.get(name()).orElse(null);
    }

    /** A top-level field of the message; repeated strings match when any element does. */
    record Field(String name, FieldDescriptor field, Kind kind) implements Key {
        @Override
        public boolean test(Message msg, Matcher m) {
            if (field.isRepeated()) {
                int n = msg.getRepeatedFieldCount(field);
                for (int i = 0; i < n; i++) {
                    if (m.matchesString((String) msg.getRepeatedField(field, i))) {
                        return true;
                    }
                }
                return false;
            }
            Object v = value(msg);
            return switch (v) {
                case null -> false;
                case String str -> m.matchesString(str);
                default -> m.matchesNumber(number(v));
            };
        }

        /**
         * The field's value; null for an always-absolute path left empty, which names no file (an
         * anonymous mapping's {@code mapped_path}): the message has no presence for strings, and
         * the empty string matched {@code {"not": {"glob": "/usr/**"}}}.
         */
        @Override
        public Object value(Message msg) {
            Object v = msg.getField(field);
            return v instanceof String str && str.isEmpty() && MatcherParser.alwaysAbsolute(name) ? null : v;
        }

        static long number(Object v) {
            return switch (v) {
                case Long l -> l;
                case Integer i -> i;
                case Boolean b -> b ? 1 : 0;
                case EnumValueDescriptor e -> e.getNumber();
                default -> throw new IllegalStateException("not a number: " + v);
            };
        }
    }

    /** A context field, read from the message's {@code context_data}. */
    record Context(String name, Kind kind, FieldDescriptor contextData, Function<ContextData, Object> getter)
            implements Key {
        @Override
        public boolean test(Message msg, Matcher m) {
            Object v = value(msg);
            return switch (v) {
                case null -> false;
                case String s -> m.matchesString(s);
                default -> m.matchesNumber(Field.number(v));
            };
        }

        @Override
        public Object value(Message msg) {
            if (!msg.hasField(contextData)) {
                return null;
            }
            return getter.apply((ContextData) msg.getField(contextData));
        }
    }

    /** A part of the socket address in the message's {@code address} bytes. */
    record Address(String name, Kind kind, FieldDescriptor address) implements Key {
        @Override
        public Missing.Field missingIn(Message msg, Missing missing) {
            Optional<Missing.Field> gap = missing.get("address");
            // A unix path that is not the socket's real one (its mount unnamed, a hard-linked socket).
            return (gap.isEmpty() && name.equals("unix_path") ? missing.get("unix_path") : gap).orElse(null);
        }

        @Override
        public boolean test(Message msg, Matcher m) {
            Optional<SockAddr> a = SockAddr.decode((ByteString) msg.getField(address));
            if (a.isEmpty()) {
                return false;
            }
            SockAddr s = a.get();
            return switch (name) {
                case "family" -> m.matchesNumber(s.family());
                case "port" -> s.port() >= 0 && m.matchesNumber(s.port());
                case "ip" -> s.ip() != null && m.matchesIp(s.ip());
                case "unix_path" -> s.unixPath() != null && m.matchesString(s.unixPath());
                default -> throw new IllegalStateException(name);
            };
        }

        @Override
        public Object value(Message msg) {
            Optional<SockAddr> a = SockAddr.decode((ByteString) msg.getField(address));
            if (a.isEmpty()) {
                return null;
            }
            SockAddr s = a.get();
            return switch (name) {
                case "family" -> s.family();
                case "port" -> s.port() >= 0 ? s.port() : null;
                case "ip" -> s.family() == SockAddr.AF_INET6 && s.ip() != null ? SockAddr.ipv6Text(s.ip()) : s.ipText();
                case "unix_path" -> s.unixPath();
                default -> null;
            };
        }
    }

    /**
     * The absolute path a {@code pathname} names: itself when absolute, otherwise joined to the
     * directory it is relative to ({@code fd_path}, which is the cwd for AT_FDCWD, or the cwd
     * context field) and normalized lexically. Symlinks are not followed. Absent (not missing) for
     * an open that reached an object no path reaches, a pipe, a socket, an anonymous inode
     * ({@link ReachedFile#pathless}): its {@code pathname} is the kernel's name ({@code pipe:[N]}),
     * which no directory holds.
     */
    record ResolvedPath(FieldDescriptor pathname, FieldDescriptor fdPath, FieldDescriptor contextData)
            implements Key {
        @Override
        public String name() {
            return "resolved_path";
        }

        @Override
        public Kind kind() {
            return Kind.STRING;
        }

        /** The pathname, and for a relative one the directory it is resolved against. */
        @Override
        public Missing.Field missingIn(Message msg, Missing missing) {
            Missing.Field path = missing.get("pathname").orElse(null);
            if (path != null || ((String) msg.getField(pathname)).startsWith("/") || ReachedFile.currentIsPathless()) {
                return path;
            }
            return missing.get(fdPath != null ? "fd_path" : "cwd").orElse(null);
        }

        @Override
        public boolean test(Message msg, Matcher m) {
            String p = (String) value(msg);
            return p != null && m.matchesString(p);
        }

        @Override
        public Object value(Message msg) {
            if (ReachedFile.currentIsPathless()) {
                return null;
            }
            String path = (String) msg.getField(pathname);
            if (path.startsWith("/")) {
                return normalize(path);
            }
            String base = null;
            if (fdPath != null) {
                String d = (String) msg.getField(fdPath);
                if (d.startsWith("/")) {
                    base = d;
                }
            }
            if (base == null && contextData != null && msg.hasField(contextData)) {
                String cwd = ((ContextData) msg.getField(contextData)).getCwd();
                if (cwd.startsWith("/")) {
                    base = cwd;
                }
            }
            return base == null ? null : normalize(base + "/" + path);
        }

        static String normalize(String path) {
            if (isNormal(path)) {
                return path; // most paths: nothing to drop, nothing allocated
            }
            java.util.ArrayDeque<String> parts = new java.util.ArrayDeque<>();
            for (String part : path.split("/")) {
                if (part.isEmpty() || part.equals(".")) {
                    continue;
                }
                if (part.equals("..")) {
                    parts.pollLast();
                } else {
                    parts.addLast(part);
                }
            }
            return "/" + String.join("/", List.copyOf(parts));
        }

        /** Whether {@code path} is absolute with no empty, {@code .} or {@code ..} component and no trailing slash. */
        private static boolean isNormal(String path) {
            int n = path.length();
            if (n == 0 || path.charAt(0) != '/') {
                return false;
            }
            if (n == 1) {
                return true;
            }
            int start = 1; // each component runs from start to the next slash
            for (int i = 1; i <= n; i++) {
                if (i == n || path.charAt(i) == '/') {
                    int len = i - start;
                    if (len == 0 || (path.charAt(start) == '.' && (len == 1 || (len == 2 && path.charAt(start + 1) == '.')))) {
                        return false;
                    }
                    start = i + 1;
                }
            }
            return true;
        }
    }
}
