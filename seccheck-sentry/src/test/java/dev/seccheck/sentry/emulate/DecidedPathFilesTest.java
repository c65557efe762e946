package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_PATH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.seccheck.linux.PathCalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The objects whose O_PATH opens were decided, named so that a file made later under a freed inode
 * number is not taken for one of them. Red-team round 21: ext4 gives the next file made the number
 * freed, and with objects named by device and inode alone a file of a process outside the run,
 * made after the program's own decided and removed ones, was reopened through a raced O_PATH fd.
 */
class DecidedPathFilesTest {

    @TempDir
    Path dir;

    private final PathCalls calls = new PathCalls();

    @Test
    void aFileMadeUnderAFreedInodeNumberIsNotTheDecidedOne() throws IOException {
        DecidedPathFiles decided = new DecidedPathFiles();
        Path first = Files.writeString(dir.resolve("first"), "mine");
        int fd = open(first);
        long ino = calls.fstat(fd).ino();
        decided.made(calls, fd);
        assertThat(decided.decided(calls, fd)).as("the decided object").isTrue();
        PathCalls.close(fd);
        Files.delete(first);

        // ext4 gives the freed number to one of the next files made in the directory's group.
        int again = -1;
        for (int i = 0; i < 64 && again < 0; i++) {
            int fd2 = open(Files.writeString(dir.resolve("later-" + i), "theirs"));
            if (calls.fstat(fd2).ino() == ino) {
                again = fd2;
            } else {
                PathCalls.close(fd2);
            }
        }
        assumeThat(again).as("the filesystem gave the freed number to a file made later (ext4 does)").isNotNegative();
        try {
            assumeThat(calls.birthNs(again)).as("the filesystem keeps birth times").isNotNegative();
            assertThat(decided.decided(calls, again)).as("a later file under the same device and inode").isFalse();
        } finally {
            PathCalls.close(again);
        }
    }

    @Test
    void anotherFileIsNotDecidedAndTheDecidedOneStaysSo() throws IOException {
        DecidedPathFiles decided = new DecidedPathFiles();
        int a = open(Files.writeString(dir.resolve("a"), "a"));
        int b = open(Files.writeString(dir.resolve("b"), "b"));
        try {
            decided.made(calls, a);
            assertThat(decided.decided(calls, b)).isFalse();
            int a2 = open(dir.resolve("a"));
            try {
                assertThat(decided.decided(calls, a2)).as("the same file through another descriptor").isTrue();
            } finally {
                PathCalls.close(a2);
            }
        } finally {
            PathCalls.close(a);
            PathCalls.close(b);
        }
    }

    private int open(Path file) {
        int fd = calls.openat(AT_FDCWD, file.toString(), O_PATH | O_CLOEXEC);
        assertThat(fd).as(file.toString()).isNotNegative();
        return fd;
    }
}
