package dev.seccheck.sinks.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * DeepWalk lists, for {@link FilesNamed}, the part of a tree whose names are longer than PATH_MAX.
 * No file call takes such a name, so {@link Files#walkFileTree} fails there; a program reaches
 * those files all the same, a directory at a time (chdir, openat), and the kernel then names none
 * of them (its d_path fails with ENAMETOOLONG), so only their device and inode can tie them to a
 * rule. The walk opens the longest ancestor a call takes and goes down from directory descriptors
 * ({@link SecureDirectoryStream}: openat and fstatat, never a whole name), without following links.
 */
final class DeepWalk {
    private DeepWalk() {}

    /**
     * Adds to {@code files} the device and inode of {@code dir} and of every file below it whose
     * name {@code names} accepts, entering the directories {@code enters} accepts; a directory it
     * may search but not list goes to {@code unlisted}. {@code seen[0]} counts the entries visited,
     * up to {@code limit}.
     */
    static void list(Path dir, Predicate<String> names, Predicate<String> enters, Set<FilesNamed.Inode> files,
            List<Path> unlisted, int[] seen, int limit) {
        Path start = dir;
        List<Path> below = new ArrayList<>();
        while (start != null && start.toString().getBytes(StandardCharsets.UTF_8).length >= FilesNamed.PATH_MAX) {
            below.addFirst(start.getFileName());
            start = start.getParent();
        }
        if (start == null || below.isEmpty()) {
            return;
        }
        try (DirectoryStream<Path> top = Files.newDirectoryStream(start)) {
            if (!(top instanceof SecureDirectoryStream<Path> at)) {
                return; // no descriptor-relative calls here: the deep part stays unlisted
            }
            SecureDirectoryStream<Path> parent = at;
            List<SecureDirectoryStream<Path>> opened = new ArrayList<>();
            try {
                Path name = start;
                for (int i = 0; i < below.size() - 1; i++) {
                    name = name.resolve(below.get(i));
                    parent = parent.newDirectoryStream(below.get(i), LinkOption.NOFOLLOW_LINKS);
                    opened.add(parent);
                }
                visit(parent, below.getLast(), name.resolve(below.getLast()), names, enters, files, unlisted, seen,
                        limit);
            } finally {
                for (SecureDirectoryStream<Path> s : opened.reversed()) {
                    s.close();
                }
            }
        } catch (IOException | RuntimeException e) {
            // Gone or unreadable since it was listed: nothing more to hold.
        }
    }

    /** Visits entry {@code entry} of {@code parent}, whose whole name is {@code name}, and what is below it. */
    private static void visit(SecureDirectoryStream<Path> parent, Path entry, Path name, Predicate<String> names,
            Predicate<String> enters, Set<FilesNamed.Inode> files, List<Path> unlisted, int[] seen, int limit) {
        if (seen[0]++ >= limit) {
            return;
        }
        BasicFileAttributes attrs;
        try {
            attrs = parent.getFileAttributeView(entry, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                    .readAttributes();
        } catch (IOException | RuntimeException e) {
            return;
        }
        String s = name.toString();
        if (names.test(s)) {
            FilesNamed.Inode inode = inode(attrs.fileKey());
            if (inode != null) {
                files.add(inode);
            }
        }
        if (!attrs.isDirectory() || !enters.test(s)) {
            return;
        }
        SecureDirectoryStream<Path> dir;
        try {
            dir = parent.newDirectoryStream(entry, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | RuntimeException e) {
            // Not listable. Whether seccheck may search it is not asked (no faccessat relative to a
            // descriptor here): taken as searchable, it may hide names the program knows (fail closed).
            unlisted.add(name);
            return;
        }
        try (dir) {
            for (Path child : dir) {
                Path leaf = child.getFileName();
                visit(dir, leaf, name.resolve(leaf), names, enters, files, unlisted, seen, limit);
                if (seen[0] >= limit) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // A directory changed while listed: what was visited stays named.
        }
    }

    /**
     * The device and inode of a Unix file key: the JDK gives them only in its text,
     * {@code (dev=HEX,ino=DECIMAL)}; null for any other form.
     */
    static FilesNamed.Inode inode(Object fileKey) {
        if (fileKey == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\(dev=([0-9a-f]+),ino=([0-9]+)\\)")
                .matcher(fileKey.toString());
        return m.matches() ? new FilesNamed.Inode(Long.parseUnsignedLong(m.group(1), 16), Long.parseLong(m.group(2)))
                : null;
    }
}
