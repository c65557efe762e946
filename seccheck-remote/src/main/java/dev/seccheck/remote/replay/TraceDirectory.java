package dev.seccheck.remote.replay;

import dev.seccheck.linux.ProcessAttributes;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.util.Map;
import java.util.Set;

/**
 * TraceDirectory is where a saver creates its trace files ({@code client-0001}, ...): a directory
 * held open, checked once and written through that handle, so that renaming or replacing the
 * path later changes nothing. The programs whose streams are saved are hostile and the saver often
 * runs as root, so a file is only ever created new, without following a link, at the next free
 * number: a symlink planted at {@code client-0001} made root truncate and overwrite the file it
 * pointed to, and a second save into the same directory truncated the first save's files. The
 * directory must belong to the saving user (or root) and not be writable by others unless sticky,
 * as ssh checks the directories of its keys: in a directory another user controls, that user could
 * swap, remove or rename the files being saved.
 */
final class TraceDirectory {
    /** A file just created: its name in the directory and a channel writing it. */
    record Created(String name, SeekableByteChannel file) {}

    private final SecureDirectoryStream<Path> dir;
    /** The next number to try; files below it were taken. Only the source's one thread calls {@link #create}. */
    private int next = 1;

    private TraceDirectory(SecureDirectoryStream<Path> dir) {
        this.dir = dir;
    }

    /**
     * Creates {@code path} if it does not exist, opens it and checks who controls it.
     *
     * @throws IOException naming {@code path} and saying what is wrong: not a directory, owned by
     *     another user, or writable by group or others without the sticky bit
     */
    static TraceDirectory open(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(path);
        }
        DirectoryStream<Path> stream;
        try {
            stream = Files.newDirectoryStream(path);
        } catch (NotDirectoryException e) {
            throw new IOException(path + ": is not a directory", e);
        }
        if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
            stream.close();
            throw new IOException(path + ": this file system cannot create files relative to an open directory");
        }
        try {
            // The checks read the path's mode and owner (the open handle shows neither the sticky
            // bit nor a uid) and hold only if the path still names the directory opened.
            Map<String, Object> attrs = Files.readAttributes(path, "unix:mode,uid,fileKey");
            Object opened = secure.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
            if (!opened.equals(attrs.get("fileKey"))) {
                throw new IOException(path + ": replaced while it was being opened");
            }
            check(path, (Integer) attrs.get("mode"), (Integer) attrs.get("uid"), ProcessAttributes.realUid());
        } catch (IOException | RuntimeException e) {
            secure.close();
            throw e;
        }
        return new TraceDirectory(secure);
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_ISVTX = 01000;
    private static final int S_IWGRP = 020;
    private static final int S_IWOTH = 02;

    /**
     * Refuses a directory of {@code mode} and owner {@code uid} that user {@code self} (the one
     * saving) does not alone control, naming {@code path}: owned by another user than {@code self}
     * or root, or writable by its group or others without the sticky bit.
     */
    static void check(Path path, int mode, int uid, int self) throws IOException {
        if ((mode & S_IFMT) != S_IFDIR) {
            throw new IOException(path + ": is not a directory");
        }
        if (uid != self && uid != 0) {
            throw new IOException(path + ": owned by uid " + uid + ", not by the user saving (uid " + self
                    + ") or root: its owner could replace the files saved there");
        }
        if ((mode & (S_IWGRP | S_IWOTH)) != 0 && (mode & S_ISVTX) == 0) {
            throw new IOException(path + ": writable by " + ((mode & S_IWOTH) != 0 ? "others" : "its group")
                    + " without the sticky bit: they could replace the files saved there");
        }
    }

    /**
     * Creates the next free {@code client-NNNN}: new (O_CREAT|O_EXCL), never through a link
     * (O_NOFOLLOW), skipping every name that exists, whatever it is.
     */
    Created create() throws IOException {
        while (true) {
            String name = String.format("client-%04d", next);
            try {
                Created created = new Created(name, dir.newByteChannel(Path.of(name),
                        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)));
                next++;
                return created;
            } catch (FileAlreadyExistsException e) {
                if (next == Integer.MAX_VALUE) {
                    throw new IOException("no free trace file name left", e);
                }
                next++;
            }
        }
    }
}
