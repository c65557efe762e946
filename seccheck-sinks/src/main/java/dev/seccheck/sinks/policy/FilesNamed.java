package dev.seccheck.sinks.policy;

import static dev.seccheck.abi.FileTypes.S_IFDIR;
import static dev.seccheck.abi.FileTypes.S_IFMT;

import dev.seccheck.sink.ReachedFile;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * FilesNamed is the set of files, by device and inode, that a path rule's matcher names, so that
 * the rule also holds for those files under a name it does not match: a hard link or a rename
 * ({@link ReachedFile}, which the sentry gives for each emulated open). Names are found by
 * walking, without following symlinks, the directory a matcher's literal start names: the file of
 * an exact name, the tree below a prefix's or glob's last literal directory (a glob's {@code *}
 * crosses {@code /}, so below means the whole subtree), at most {@link #LIMIT} entries per matcher
 * and never into /proc or /sys.
 *
 * <p>The walk is done when the policy loads and again when a file it did not name may have been
 * given a matching name since: a file the open reached whose status changed (ctime) after the last
 * walk began, while a directory that walk listed changed too. Linking or renaming a file sets its
 * ctime, and adding or removing a name sets its directory's, and neither can be set back by a
 * program; so a file created under a protected name after the load (an editor's or passwd's
 * replace-by-rename) is named once something links or moves it. A file once named stays named
 * (renamed away, it is still the same inode; an inode freed and reused on the same device stays
 * denied: fail-closed).
 *
 * <p>The directories on the way are known by device and inode too ({@link #directoryNames}): each
 * existing one from the root down to the walk's start, and every directory the walk entered, with
 * the names the walk reached them by. A directory has other names than the walk's only through a
 * mount (a bind mount of the tree made before the run, whose files the kernel names by the mount's
 * path), and a change made in it (a mode given, a name made) must be judged under the name the
 * rule is written for. A directory made since the last walk is found by a new walk, as a file is;
 * while the start is missing, its deepest existing ancestor is watched, so that a directory made
 * on the way to it is a change too.
 *
 * <p>What stays uncovered: matchers with no literal absolute start ({@code *.key}), negated
 * matchers ({@code {"not": ...}}), entries past the limit; and new files and directories in a
 * tree of more than {@link #WATCHED_LIMIT} directories, which is walked at load only (checking
 * that many directories at each open would cost more than the open); and the directories of a
 * tree's part deeper than PATH_MAX ({@link DeepWalk}), whose files are known but not they.
 */
final class FilesNamed {

    /** The most entries one matcher's walk visits: a rule naming a huge tree stays cheap to load. */
    static final int LIMIT = 100_000;

    /** The most directories whose change is checked at an open; a larger tree is walked at load only. */
    static final int WATCHED_LIMIT = 64;

    /**
     * How far file system timestamps may lag the clock: the kernel stamps them from a coarse clock
     * that trails the one {@link #clockNs} reads by up to a tick. A directory changed this close to a
     * walk's start may have changed after the walk read it, within the same stamp.
     */
    static final long CLOCK_SLACK_NS = TimeUnit.MILLISECONDS.toNanos(100);

    /** The longest name a file call takes, with its NUL: a file below it is reached by {@link DeepWalk}. */
    static final int PATH_MAX = 4096;

    /** A file by device and inode: what a matcher names. */
    record Inode(long dev, long ino) {}

    /**
     * Where one matcher's names are looked for: {@code root}, a directory listed with the
     * subdirectories {@code enters} accepts, or (an exact name) the one file {@code root} itself.
     */
    private record Source(Path root, boolean single, Predicate<String> names, Predicate<String> enters) {}

    /** A directory the walk listed, and its ctime then (-1: missing): a change of its names changes it. */
    private record Watched(Path dir, long ctimeNs) {}

    /**
     * One walk's outcome: the files named (with every earlier walk's), what to watch, when it
     * began, and the directories it could search but not list ({@link #unlisted}).
     */
    private record Walk(Set<Inode> files, Map<Inode, List<String>> dirs, List<Watched> watched, long startNs,
            boolean racy, List<Path> unlisted) {}

    /** Names no file: the matcher of a key that is not a path, or one with nothing a walk can list. */
    static final FilesNamed NONE = new FilesNamed(List.of(), () -> 0);

    private final List<Source> sources;
    private final LongSupplier clockNs;
    private volatile Walk last;

    private FilesNamed(List<Source> sources, LongSupplier clockNs) {
        this.sources = List.copyOf(sources);
        this.clockNs = clockNs;
        this.last = walk(Set.of(), Map.of());
    }

    /** Walks what {@code m} names now; {@link #NONE} when it names nothing a walk can list. */
    static FilesNamed of(Matcher m) {
        return of(m, FilesNamed::nowNs);
    }

    /** {@link #of(Matcher)} with the clock (nanoseconds since the epoch) given, for tests. */
    static FilesNamed of(Matcher m, LongSupplier clockNs) {
        List<Source> sources = new ArrayList<>();
        collect(m, sources);
        return sources.isEmpty() ? NONE : new FilesNamed(sources, clockNs);
    }

    private static void collect(Matcher m, List<Source> out) {
        switch (m) {
            case Matcher.Exact e -> {
                if (e.text().startsWith("/")) {
                    out.add(new Source(Path.of(e.text()), true, s -> true, s -> false));
                }
            }
            case Matcher.Prefix p -> tree(p.prefix(), p::matchesString, out);
            case Matcher.Glob g -> tree(literalStart(g.glob()), g::matchesString, out);
            case Matcher.AnyOf any -> any.options().forEach(o -> collect(o, out));
            case Matcher.Not _ -> {} // the files a negation names are everything else: not listable
            case Matcher.Range _, Matcher.Cidr _ -> {}
        }
    }

    /** The tree below the directory holding {@code start}'s last component. */
    private static void tree(String start, Predicate<String> names, List<Source> out) {
        if (!start.startsWith("/")) {
            return;
        }
        Path root = Path.of(start.substring(0, start.lastIndexOf('/') + 1));
        String top = root.toString();
        // A directory whose names cannot start like the rule's holds nothing it names.
        out.add(new Source(root, false, names, s -> s.equals(top) || start.startsWith(s + "/") || s.startsWith(start)));
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

    /**
     * Returns whether the matcher names {@code f}: named by an earlier walk, or, when {@code f}
     * changed since that walk began and a directory it listed changed too, by a new one.
     */
    boolean names(ReachedFile f) {
        Inode key = new Inode(f.dev(), f.ino());
        return known(f, w -> w.files.contains(key)).files.contains(key);
    }

    /**
     * The names by which the walk reached the directory {@code dir} (device and inode): a directory
     * on the way to the matcher's names or among them ({@link FilesNamed}); empty when it is none
     * of those, as {@link #names} found, walking again when it may have been made since.
     */
    List<String> directoryNames(ReachedFile dir) {
        Inode key = new Inode(dir.dev(), dir.ino());
        return known(dir, w -> w.dirs.containsKey(key)).dirs.getOrDefault(key, List.of());
    }

    /**
     * The last walk, if it knows {@code f} ({@code knows}) or {@code f} cannot be new to it; else
     * the outcome of a new walk, made when {@code f} changed since the last one began and a
     * directory that walk listed changed too.
     */
    private Walk known(ReachedFile f, Predicate<Walk> knows) {
        Walk w = last;
        if (knows.test(w) || sources.isEmpty() || f.ctimeNs() < w.startNs - CLOCK_SLACK_NS
                || w.watched.size() > WATCHED_LIMIT || !(w.racy || changed(w))) {
            return w;
        }
        synchronized (this) {
            if (last == w) {
                last = walk(w.files, w.dirs);
            }
            return last;
        }
    }

    /**
     * The directories of the matcher's tree that seccheck's user may search but not list, as the
     * last walk found them: the program opens known names there (which the matcher catches) and
     * may have linked the files below them elsewhere before the run, under names it does not
     * (which {@link #names} cannot catch, since it never saw their inodes). Empty when the tree was
     * fully listed (an unreadable, unsearchable directory is out of the program's reach as well).
     */
    List<Path> unlisted() {
        return last.unlisted;
    }

    /** The files named so far, for tests. */
    Set<Inode> files() {
        return last.files;
    }

    private static boolean changed(Walk w) {
        for (Watched d : w.watched) {
            if (ctimeNs(d.dir) != d.ctimeNs) {
                return true;
            }
        }
        return false;
    }

    private Walk walk(Set<Inode> before, Map<Inode, List<String>> dirsBefore) {
        long startNs = clockNs.getAsLong();
        Set<Inode> files = new HashSet<>(before);
        Map<Inode, List<String>> dirs = new HashMap<>(dirsBefore);
        List<Watched> watched = new ArrayList<>();
        List<Path> unlisted = new ArrayList<>();
        for (Source src : sources) {
            Path top = src.single && src.root.getParent() != null ? src.root.getParent() : src.root;
            // The top is watched even when missing: its appearing is a change; and so is the
            // appearing of a directory on the way to it, in its deepest existing ancestor.
            watched.add(new Watched(top, ctimeNs(top)));
            Path deepest = ancestors(top, dirs);
            if (deepest != null && !deepest.equals(top)) {
                watched.add(new Watched(deepest, ctimeNs(deepest)));
            }
            if (src.single) {
                add(src.root, files);
            } else {
                list(src, files, dirs, watched, unlisted);
            }
        }
        boolean racy = false;
        for (Watched d : watched) {
            racy |= d.ctimeNs >= startNs - CLOCK_SLACK_NS;
        }
        Map<Inode, List<String>> known = new HashMap<>();
        dirs.forEach((k, v) -> known.put(k, List.copyOf(v)));
        return new Walk(Set.copyOf(files), Map.copyOf(known), List.copyOf(watched), startNs, racy,
                List.copyOf(unlisted));
    }

    /**
     * Adds to {@code dirs} {@code top} and each of its ancestors that exists as a directory (not
     * through a symlink: the walk does not follow one either) and returns the deepest of them
     * (null when none, which the root always is).
     */
    private static Path ancestors(Path top, Map<Inode, List<String>> dirs) {
        Path deepest = null;
        for (Path d = top; d != null; d = d.getParent()) {
            if (addDirectory(d, dirs) && deepest == null) {
                deepest = d;
            }
        }
        return deepest;
    }

    /** Adds directory {@code d} to {@code dirs} under its name; false when it is no directory (or missing). */
    private static boolean addDirectory(Path d, Map<Inode, List<String>> dirs) {
        try {
            Map<String, Object> a = Files.readAttributes(d, "unix:dev,ino,mode", LinkOption.NOFOLLOW_LINKS);
            if ((((Number) a.get("mode")).intValue() & S_IFMT) != S_IFDIR) {
                return false;
            }
            Inode key = new Inode(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue());
            List<String> names = dirs.getOrDefault(key, List.of());
            if (!names.contains(d.toString())) {
                List<String> more = new ArrayList<>(names);
                more.add(d.toString());
                dirs.put(key, more);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void list(Source src, Set<Inode> files, Map<Inode, List<String>> dirs, List<Watched> watched,
            List<Path> unlisted) {
        int[] seen = {0};
        try {
            Files.walkFileTree(src.root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    String s = d.toString();
                    if (s.equals("/proc") || s.equals("/sys") || !src.enters.test(s)) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                    if (!d.equals(src.root)) {
                        watched.add(new Watched(d, ctimeNs(d)));
                    }
                    addDirectory(d, dirs);
                    return visit(d, FileVisitResult.CONTINUE);
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    return visit(f, FileVisitResult.CONTINUE);
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    if (f.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length >= PATH_MAX) {
                        // Too long a name for any call: listed from an open ancestor, a component at a time.
                        DeepWalk.list(f, src.names, src.enters, files, unlisted, seen, LIMIT);
                        return seen[0] >= LIMIT ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                    }
                    // Unreadable and unsearchable: the program cannot reach what is below either.
                    // Searchable (a 0711 directory): it can, by names seccheck never listed.
                    if (Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS) && Files.isExecutable(f)
                            && src.enters.test(f.toString())) {
                        unlisted.add(f);
                    }
                    return FileVisitResult.CONTINUE;
                }

                private FileVisitResult visit(Path p, FileVisitResult next) {
                    if (src.names.test(p.toString())) {
                        add(p, files);
                    }
                    return ++seen[0] >= LIMIT ? FileVisitResult.TERMINATE : next;
                }
            });
        } catch (IOException | RuntimeException e) {
            // A directory that does not exist names no file yet.
        }
    }

    /** The ctime of {@code p} in nanoseconds since the epoch, or -1 when it cannot be read (missing). */
    private static long ctimeNs(Path p) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
            return ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static void add(Path p, Set<Inode> out) {
        try {
            Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino", LinkOption.NOFOLLOW_LINKS);
            out.add(new Inode(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue()));
        } catch (IOException | RuntimeException e) {
            // Gone or unreadable since it was listed: nothing to hold.
        }
    }

    private static long nowNs() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }
}
