package dev.seccheck.sinks.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * RealStarts gives a path matcher the real path of its literal absolute start. seccheck decides
 * on real paths (every symlink resolved), so a rule written through a symlink matched nothing:
 * with {@code /var/run -> /run}, {@code {"prefix": "/var/run/secrets/"}} let the program read
 * {@code /run/secrets/token}, and {@link FilesNamed} walked the link without following it and
 * named no file either. A matcher whose start resolves, when the policy loads, to another path
 * also matches the same pattern with that start replaced by its real path
 * ({@code AnyOf(original, resolved)}), inside lists and negations alike.
 *
 * <p>The start is resolved from seccheck's own root as the JVM sees it: the longest existing
 * directory of its literal start, and for an exact name the whole path when it exists. A symlink
 * made or changed after the load is not followed (the original name still matches as written); a
 * glob's last partial component ({@code /var/run*}) is not resolved, since its wildcard may
 * continue the name rather than go below it.
 *
 * <p>Where the resolved name would let more through (an allow rule's matcher, or a deny rule's
 * negated one: an allow list), only links that the program could not have made are followed: a
 * link owned by root in a directory that only root may write ({@code /lib}, {@code /var/run}).
 * Through any other (a link in the user's workspace, which an earlier run of the program could
 * have pointed at {@code /etc}) such a matcher stays as written, matching nothing there, as before.
 * A deny rule's own matcher follows every link: it only denies more.
 */
final class RealStarts {
    private RealStarts() {}

    /** Returns {@code m} with the real path of every literal absolute start beside it; {@code m} itself when none differs. */
    static Matcher of(Matcher m) {
        return of(m, false);
    }

    /**
     * {@link #of(Matcher)}, following only links the program could not have made where
     * {@code granting} (the matcher lets through what it matches: an allow rule's).
     */
    static Matcher of(Matcher m, boolean granting) {
        return switch (m) {
            case Matcher.Exact e -> with(e, exact(e.text(), granting));
            case Matcher.Prefix p -> with(p, prefix(p.prefix(), granting));
            case Matcher.Glob g -> with(g, glob(g.glob(), granting));
            case Matcher.AnyOf any -> {
                List<Matcher> options = any.options().stream().map(o -> of(o, granting)).toList();
                yield options.equals(any.options()) ? any : new Matcher.AnyOf(options);
            }
            // An allow list written as {"not": {"glob": "/lib/**"}} must let through /usr/lib/... too.
            case Matcher.Not not -> {
                Matcher inner = of(not.inner(), !granting);
                yield inner.equals(not.inner()) ? not : new Matcher.Not(inner);
            }
            case Matcher.Range _, Matcher.Cidr _ -> m;
        };
    }

    private static Matcher with(Matcher original, List<Matcher> resolved) {
        if (resolved.isEmpty()) {
            return original;
        }
        List<Matcher> options = new ArrayList<>();
        options.add(original);
        options.addAll(resolved);
        return new Matcher.AnyOf(List.copyOf(options));
    }

    /** An exact name: the real path of the whole name when it exists, else of its directory. */
    private static List<Matcher> exact(String text, boolean granting) {
        if (!text.startsWith("/")) {
            return List.of();
        }
        String real = realPath(text, granting);
        if (real != null) {
            return real.equals(text) ? List.of() : List.of(new Matcher.Exact(real));
        }
        Start s = Start.of(text, granting);
        return s == null ? List.of() : List.of(new Matcher.Exact(s.real + text.substring(s.length)));
    }

    /**
     * A prefix: its directory part resolved; and when the whole prefix names a directory without
     * the slash ({@code /var/run}), the real directory and the names below it too.
     */
    private static List<Matcher> prefix(String prefix, boolean granting) {
        if (!prefix.startsWith("/")) {
            return List.of();
        }
        List<Matcher> out = new ArrayList<>();
        Start s = Start.of(prefix, granting);
        String resolved = s == null ? prefix : s.real + prefix.substring(s.length);
        if (s != null) {
            out.add(new Matcher.Prefix(resolved));
        }
        String dir = prefix.endsWith("/") ? null : realDirectory(prefix, granting);
        if (dir != null && !(dir + "/").startsWith(resolved)) {
            out.add(new Matcher.Exact(dir));
            out.add(new Matcher.Prefix(dir + "/"));
        }
        return out;
    }

    /**
     * A glob: the directory part of its literal start resolved. A real path holding glob
     * characters is written as one-character classes ({@code [*]}), so that it matches itself.
     */
    private static List<Matcher> glob(String glob, boolean granting) {
        String start = FilesNamed.literalStart(glob);
        if (!start.startsWith("/")) {
            return List.of();
        }
        Start s = Start.of(start, granting);
        return s == null ? List.of() : List.of(Matcher.Glob.of(escape(s.real) + glob.substring(s.length)));
    }

    /** {@code text} as a glob that matches exactly it. */
    static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            if (c == '*' || c == '?' || c == '[') {
                b.append('[').append(c).append(']');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * The longest existing directory of an absolute start (ending where a {@code /} follows in
     * it), as its first {@code length} characters, whose real path {@code real} differs from them
     * ({@code ""} for the root, so that the rest, starting with {@code /}, can be appended).
     */
    private record Start(int length, String real) {
        /** Returns the start's directory to replace, or null when it is real already (or none exists). */
        static Start of(String start, boolean granting) {
            for (int slash = start.lastIndexOf('/'); slash > 0; slash = start.lastIndexOf('/', slash - 1)) {
                String dir = start.substring(0, slash);
                String real = realDirectory(dir, granting);
                if (real != null) {
                    return real.equals(dir) ? null : new Start(slash, real.equals("/") ? "" : real);
                }
            }
            return null;
        }
    }

    /** The real path of {@code path} when it names a directory, following symlinks; else null. */
    private static String realDirectory(String path, boolean granting) {
        String real = realPath(path, granting);
        return real != null && Files.isDirectory(Path.of(real)) ? real : null;
    }

    /**
     * The real path of {@code path}, following symlinks (when {@code granting}, only those the
     * program could not have made, {@link #madeByRoot}); null when it does not exist, cannot be
     * looked at, or goes through a link not followed.
     */
    private static String realPath(String path, boolean granting) {
        try {
            return granting ? throughRootsLinks(path) : Path.of(path).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The most links one path is followed through, as the kernel's limit (ELOOP past it). */
    private static final int MAX_LINKS = 40;

    /** The real path of absolute {@code path}, walked a component at a time; null at a link {@link #madeByRoot} refuses. */
    private static String throughRootsLinks(String path) throws IOException {
        java.util.Deque<String> left = new java.util.ArrayDeque<>(List.of(path.split("/")));
        Path at = Path.of("/");
        int links = 0;
        while (!left.isEmpty()) {
            String name = left.pollFirst();
            if (name.isEmpty() || name.equals(".")) {
                continue;
            }
            if (name.equals("..")) {
                at = at.getParent() == null ? at : at.getParent();
                continue;
            }
            Path next = at.resolve(name);
            if (!Files.isSymbolicLink(next)) {
                if (!Files.exists(next, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    return null;
                }
                at = next;
                continue;
            }
            if (++links > MAX_LINKS || !madeByRoot(next)) {
                return null;
            }
            String target = Files.readSymbolicLink(next).toString();
            List<String> parts = List.of(target.split("/"));
            for (int i = parts.size() - 1; i >= 0; i--) {
                left.addFirst(parts.get(i));
            }
            if (target.startsWith("/")) {
                at = Path.of("/");
            }
        }
        return at.toString();
    }

    /** Whether {@code link} is root's, in a directory of root's that no one else may write: no program of a user made it. */
    private static boolean madeByRoot(Path link) throws IOException {
        Path dir = link.getParent();
        var own = Files.readAttributes(link, java.nio.file.attribute.PosixFileAttributes.class,
                java.nio.file.LinkOption.NOFOLLOW_LINKS);
        var parent = Files.readAttributes(dir, java.nio.file.attribute.PosixFileAttributes.class);
        var perms = parent.permissions();
        return own.owner().getName().equals("root") && parent.owner().getName().equals("root")
                && !perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE)
                && !perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE);
    }
}
