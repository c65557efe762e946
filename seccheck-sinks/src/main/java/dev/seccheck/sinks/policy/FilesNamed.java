package dev.seccheck.sinks.policy;

import dev.seccheck.sink.ReachedFile;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * FilesNamed resolves a path rule's matcher, when the policy loads, to the device and inode of
 * every existing file it names, so that the rule also holds for those files under a name it does
 * not match: a hard link made or a rename done after the load ({@link ReachedFile}, which the
 * sentry gives for each emulated open). Names are found by walking, without following symlinks,
 * the directory a matcher's literal start names: the file of an exact name, the tree below a
 * prefix's or glob's last literal directory (a glob's {@code *} crosses {@code /}, so below means
 * the whole subtree), at most {@link #LIMIT} entries per matcher and never into /proc or /sys.
 *
 * <p>What stays uncovered: files created after the load (a new file under a glob is matched by
 * name only, so its hard links are not), matchers with no literal absolute start
 * ({@code *.key}), negated matchers ({@code {"not": ...}}), entries past the limit; and an inode
 * number freed and reused by another file on the same device is still denied (fail-closed).
 */
final class FilesNamed {
    private FilesNamed() {}

    /** The most entries one matcher's walk visits: a rule naming a huge tree stays cheap to load. */
    static final int LIMIT = 100_000;

    /** Returns the files {@code m} names now, by device and inode; empty when it names none it can list. */
    static Set<ReachedFile> of(Matcher m) {
        Set<ReachedFile> out = new HashSet<>();
        collect(m, out);
        return Set.copyOf(out);
    }

    private static void collect(Matcher m, Set<ReachedFile> out) {
        switch (m) {
            case Matcher.Exact e -> {
                if (e.text().startsWith("/")) {
                    add(Path.of(e.text()), out);
                }
            }
            case Matcher.Prefix p -> walk(p.prefix(), p::matchesString, out);
            case Matcher.Glob g -> walk(literalStart(g.glob()), g::matchesString, out);
            case Matcher.AnyOf any -> any.options().forEach(o -> collect(o, out));
            case Matcher.Not _ -> {} // the files a negation names are everything else: not listable
            case Matcher.Range _, Matcher.Cidr _ -> {}
        }
    }

    /** The part of a glob before its first wildcard. */
    static String literalStart(String glob) {
        int cut = glob.length();
        for (char c : List.of('*', '?', '[')) {
            int at = glob.indexOf(c);
            if (at >= 0 && at < cut) {
                cut = at;
            }
        }
        return glob.substring(0, cut);
    }

    /** Walks the directory holding {@code start}'s last component, keeping what {@code names} accepts. */
    private static void walk(String start, java.util.function.Predicate<String> names, Set<ReachedFile> out) {
        if (!start.startsWith("/")) {
            return;
        }
        String dir = start.substring(0, start.lastIndexOf('/') + 1);
        Path root = Path.of(dir.isEmpty() ? "/" : dir);
        int[] seen = {0};
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    String s = d.toString();
                    if (s.equals("/proc") || s.equals("/sys")) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    // A directory whose names cannot start like the rule's holds nothing it names.
                    if (!s.equals(root.toString()) && !start.startsWith(s + "/") && !s.startsWith(start)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    return visit(d, attrs);
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    return visit(f, attrs);
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // unreadable: the program cannot reach it there either
                }

                private FileVisitResult visit(Path p, BasicFileAttributes attrs) {
                    if (names.test(p.toString())) {
                        add(p, out);
                    }
                    return ++seen[0] >= LIMIT ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException | RuntimeException e) {
            // A directory that does not exist names no file yet.
        }
    }

    private static void add(Path p, Set<ReachedFile> out) {
        try {
            Object dev = Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            Object ino = Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            out.add(new ReachedFile(((Number) dev).longValue(), ((Number) ino).longValue()));
        } catch (IOException | RuntimeException e) {
            // Gone or unreadable since it was listed: nothing to hold.
        }
    }
}
