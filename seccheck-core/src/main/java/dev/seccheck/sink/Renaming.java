package dev.seccheck.sink;

/**
 * Renaming is a link or rename the supervisor is about to make for the program, shown to the
 * sinks that decide on opening files before it happens ({@link Sink#refuses(Renaming)}): a file
 * given a new name is a file that rules on names may no longer reach.
 *
 * @param syscall the syscall's name (link, linkat, rename, renameat, renameat2)
 * @param pid the thread group of the task making it
 * @param tid the task making it
 * @param processName the task's name ({@code comm})
 * @param from the file's absolute path now, as seccheck resolved it (every symlink, "..",
 *     {@code /proc/self/...} link and mount taken into account)
 * @param to the absolute path the file is about to have as well (link) or instead (rename)
 * @param file the file's device and inode, or null when it could not be had
 */
public record Renaming(String syscall, int pid, int tid, String processName, String from, String to,
        ReachedFile file) {

    /** The same renaming, for {@code file} below the renamed directory: {@code rel} is its path below both names. */
    public Renaming below(String rel, ReachedFile file) {
        return new Renaming(syscall, pid, tid, processName, from + "/" + rel, to + "/" + rel, file);
    }
}
