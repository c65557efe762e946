package dev.seccheck.sink;

/**
 * NameChange is a change to what a file name refers to that the supervisor is about to make for
 * the program, shown to the sinks that decide on opening files before it happens
 * ({@link Sink#refuses(NameChange)}). A rule on opening a file by name would be walked around
 * without these: a file given a name the rule does not reach (a hard link, a rename) can be opened
 * under it, and a name the rule reaches can be given another file (a rename over it, a symlink
 * after an unlink), removed, or its file changed without an open (truncate, chmod, chown, an
 * extended attribute such as an access ACL), or read without an open (a file the kernel executes
 * is mapped into the program, which can then read it); and a directory above such a name given
 * another mode, owner or ACL lets other users reach the names below it.
 *
 * @param kind what the call does to the names
 * @param syscall the syscall's name (link, renameat2, unlinkat, symlink, mkdir, mknod, truncate, chmod...)
 * @param pid the thread group of the task making it
 * @param tid the task making it
 * @param processName the task's name ({@code comm})
 * @param from the file's absolute path now, as seccheck resolved it (every symlink, "..",
 *     {@code /proc/self/...} link and mount taken into account): for {@link Kind#MOVE},
 *     {@link Kind#REMOVE}, {@link Kind#ALTER}, {@link Kind#ACCESS} and {@link Kind#READ}; for a
 *     symbolic link made ({@link Kind#CREATE}, {@code symlink}), the absolute path its text leads
 *     to, as seccheck names the link's directory or the program's root, without following any
 *     link on the way (null when the text has a ".." or is empty, which a lexical join cannot
 *     follow); null for anything else made
 * @param to the absolute path a file is about to have (as well, for a link; instead, for a rename):
 *     for {@link Kind#MOVE} and {@link Kind#CREATE}; null otherwise
 * @param file the file's device and inode, or null when it could not be had (or it is not made yet)
 * @param symlink whether the file given the name {@code to} is a symbolic link, which leads the
 *     names below {@code to} elsewhere
 * @param directory whether the file a move gives the name {@code to} is a directory, which puts
 *     the names below it there (and, for a call another thread has decided on a name below it but
 *     not made yet, makes that call there); for {@link Kind#ACCESS}, whether the file at
 *     {@code from} is a directory (or could not be told), whose change changes who may reach the
 *     names below it
 * @param parent for {@link Kind#MOVE} and {@link Kind#CREATE}, the directory the call makes the
 *     name {@code to} in, by its path (which {@code to} starts with) and its device and inode;
 *     null when not given. The path is the kernel's name of it, which for a directory of a bind
 *     mount is the mount's path: the device and inode let a rule know the directory under any name
 */
public record NameChange(Kind kind, String syscall, int pid, int tid, String processName, String from, String to,
        ReachedFile file, boolean symlink, boolean directory, Parent parent) {

    /**
     * Parent is a directory a name is made in: its absolute path as seccheck named it, and its
     * device and inode (or null when they could not be read).
     */
    public record Parent(String path, ReachedFile dir) {

        /**
         * Bound by the sentry, like {@link ReachedFile#CURRENT}, while the points of an open that
         * makes its file (O_CREAT of a missing name) fire: the directory the file is made in, whose
         * device and inode let a rule know the new name under the directory's other names.
         */
        public static final ScopedValue<Parent> CREATING = ScopedValue.newInstance();

        /** The directory the open whose points are being fired on this thread makes its file in, or null. */
        public static Parent creating() {
            return CREATING.isBound() ? CREATING.get() : null;
        }
    }

    /** A change without its new name's directory ({@link #parent} null). */
    public NameChange(Kind kind, String syscall, int pid, int tid, String processName, String from, String to,
            ReachedFile file, boolean symlink, boolean directory) {
        this(kind, syscall, pid, tid, processName, from, to, file, symlink, directory, null);
    }

    /** The same change, its new name made in {@code parent} ({@link #parent}). */
    public NameChange in(Parent parent) {
        return new NameChange(kind, syscall, pid, tid, processName, from, to, file, symlink, directory, parent);
    }

    /** What a call does to the names. */
    public enum Kind {
        /** An existing file gets the name {@code to}: a link (keeping {@code from}) or a rename (dropping it). */
        MOVE,
        /** A new file gets the name {@code to}: mkdir, mknod, symlink. */
        CREATE,
        /** The name {@code from} is removed: unlink, rmdir, and a rename's old name ({@link #oldNameRemoved}). */
        REMOVE,
        /**
         * The file named {@code from} is changed in place without an open for writing: truncate
         * cuts it, and its times and flags are set, by its name or through a descriptor the program
         * holds (futimens, an ioctl setting its flags), which a read-only open may have given it.
         */
        ALTER,
        /**
         * Who may reach the file named {@code from} is changed: its mode, owner or extended
         * attributes (an access ACL among them), by its name or through a descriptor the program
         * holds (fchmod, fchown, fsetxattr). For a directory ({@link NameChange#directory}) that
         * is who may reach, and replace, every name below it.
         */
        ACCESS,
        /**
         * The file named {@code from} is read without an open: the kernel mapped it into the
         * program it executed (the binary, its ELF interpreter), whose code can read it all, or
         * handed it to that program open (the file a binfmt_misc handler with flag O is given as
         * AT_EXECFD).
         */
        READ
    }

    /** A link or rename of the file at {@code from} to {@code to}. */
    public static NameChange moved(String syscall, int pid, int tid, String processName, String from, String to,
            ReachedFile file, boolean symlink, boolean directory) {
        return new NameChange(Kind.MOVE, syscall, pid, tid, processName, from, to, file, symlink, directory);
    }

    /** A new file made at {@code to}. */
    public static NameChange created(String syscall, int pid, int tid, String processName, String to,
            boolean symlink) {
        return new NameChange(Kind.CREATE, syscall, pid, tid, processName, null, to, null, symlink, false);
    }

    /**
     * A symbolic link made at {@code to}, whose text leads to {@code target} (or null when that
     * cannot be told from its text: see {@link #from}).
     */
    public static NameChange symlinked(String syscall, int pid, int tid, String processName, String to, String target) {
        return new NameChange(Kind.CREATE, syscall, pid, tid, processName, target, to, null, true, false);
    }

    /** The name {@code from} of {@code file} removed. */
    public static NameChange removed(String syscall, int pid, int tid, String processName, String from,
            ReachedFile file) {
        return new NameChange(Kind.REMOVE, syscall, pid, tid, processName, from, null, file, false, false);
    }

    /** The file {@code file} at {@code from} truncated, or its times or flags set. */
    public static NameChange altered(String syscall, int pid, int tid, String processName, String from,
            ReachedFile file) {
        return new NameChange(Kind.ALTER, syscall, pid, tid, processName, from, null, file, false, false);
    }

    /**
     * The mode, owner or an extended attribute of the file {@code file} at {@code from} changed;
     * {@code directory}: whether it is a directory, or could not be told one (see {@link #directory}).
     */
    public static NameChange accessChanged(String syscall, int pid, int tid, String processName, String from,
            ReachedFile file, boolean directory) {
        return new NameChange(Kind.ACCESS, syscall, pid, tid, processName, from, null, file, false, directory);
    }

    /** The file {@code file} at {@code from} executed by the kernel, which mapped it into the program or handed it open. */
    public static NameChange executed(int pid, int tid, String processName, String from, ReachedFile file) {
        return new NameChange(Kind.READ, "execve", pid, tid, processName, from, null, file, false, false);
    }

    /**
     * The removal of the old name that this move makes when it is a rename: {@code from} no longer
     * names the file. A rename out of a name a rule protects takes that name away as an unlink would.
     */
    public NameChange oldNameRemoved() {
        return removed(syscall, pid, tid, processName, from, file);
    }

    /**
     * The same move, for {@code file} below the moved directory: {@code rel} is its path below both
     * names. Its {@link #parent} stays the moved directory's new one, which its new name is below.
     */
    public NameChange below(String rel, ReachedFile file, boolean symlink, boolean directory) {
        return new NameChange(kind, syscall, pid, tid, processName, from + "/" + rel, to + "/" + rel, file, symlink,
                directory, parent);
    }
}
