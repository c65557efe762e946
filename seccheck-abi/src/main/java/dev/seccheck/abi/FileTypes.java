package dev.seccheck.abi;

/**
 * FileTypes holds the file type bits of a mode ({@code S_IF*}, from {@code linux/stat.h}), as stat
 * reports them and as mknod takes them.
 */
public final class FileTypes {
    private FileTypes() {}

    /** S_IFMT masks the type bits of a mode. */
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;
}
