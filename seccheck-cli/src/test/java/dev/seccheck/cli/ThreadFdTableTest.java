package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread with a descriptor table of its own ({@code unshare(CLONE_FILES)}) numbers its fds apart
 * from its process: seccheck took the dirfd of its openat from the process's table (its first
 * thread's), so the open was decided on and made in another directory. With fd 10 naming
 * {@code b} in the thread and {@code a} in the first thread, the thread's {@code openat(10, "data")}
 * read a's file instead of b's (the default session), was refused by a rule on a's file that
 * natively does not apply, and was let through where a rule on b's file refuses it. Now the fd
 * is taken from the thread's own table ({@code TaskFiles.getfd}). The program:
 * {@code src/test/c/thread_fd_table.c}.
 */
class ThreadFdTableTest {

    private static final String READ_B = "openat(10, \"data\") read: b's data\n";
    private static final String REFUSED = "openat(10, \"data\"): Permission denied\n";

    @TempDir
    Path tmp;

    @Test
    void aThreadsOwnTableNamesItsDirfd() throws Exception {
        Path program = CPrograms.compile("src/test/c/thread_fd_table.c", tmp, "-pthread");
        for (String session : new String[] {"native", "default", "deny-a", "deny-b"}) {
            Path dir = dirs(Files.createDirectory(tmp.resolve(session)));
            PackagedCli.Result r = PackagedCli.nativeOrUnderSeccheck(dir, !session.equals("native"),
                    List.of(program.toString(), dir.toString()), configs(session));
            assertThat(r.out()).as(session + ": " + r.err()).isEqualTo(expected(session));
        }
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void aThreadsOwnTableNamesItsDirfdUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        String classpath = PackagedCli.nobodyClasspath();
        Path program = CPrograms.compile("src/test/c/thread_fd_table.c", tmp, "-pthread");
        for (String session : new String[] {"native", "default", "deny-a", "deny-b"}) {
            Path dir = dirs(PackagedCli.nobodysDir(tmp.resolve(session)));
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            PackagedCli.Result r = PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, classpath, !session.equals("native"),
                    List.of(program.toString(), dir.toString()), configs(session));
            assertThat(r.out()).as(session + ": " + r.err()).isEqualTo(expected(session));
        }
    }

    /** What the thread reads natively and under each session: b's file, unless a rule on b's refuses it. */
    private static String expected(String session) {
        return session.equals("deny-b") ? REFUSED : READ_B;
    }

    /** {@code dir} with a/data and b/data, readable by all. */
    private static Path dirs(Path dir) throws Exception {
        for (String d : new String[] {"a", "b"}) {
            Files.writeString(Files.createDirectory(dir.resolve(d)).resolve("data"), d + "'s data\n");
        }
        return dir;
    }

    /** The session files of {@code session}: none for the default session, else a policy refusing a/data or b/data. */
    private Path[] configs(String session) throws Exception {
        if (!session.startsWith("deny-")) {
            return new Path[0];
        }
        String which = session.substring("deny-".length());
        Path policy = tmp.resolve(session + ".json");
        Files.writeString(policy, """
                {"name": "deny",
                 "points": [{"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]}],
                 "sinks": [{"name": "policy", "config": {"rules": [
                   {"name": "no %s", "point": "syscall/openat/enter", "match": {"resolved_path": {"glob": "*/%s/data"}},
                    "action": "deny", "errno": "EACCES"}]}}]}""".formatted(which, which));
        policy.toFile().setReadable(true, false);
        return new Path[] {policy};
    }
}
