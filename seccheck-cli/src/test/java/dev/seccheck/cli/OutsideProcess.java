package dev.seccheck.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * OutsideProcess is a process a test starts outside the run under test (a target a supervised
 * program must not reach), as root or as uid 65534; registered as an extension, it is stopped
 * after each test.
 */
final class OutsideProcess implements AfterEachCallback {

    private Process process;

    /**
     * Starts {@code command} and returns its pid once it runs {@code comm} (setpriv, env and
     * unshare exec in place, so the pid is then that program's).
     */
    String start(boolean nobody, String comm, List<String> command) throws Exception {
        process = new ProcessBuilder(nobody ? PackagedCli.nobody(command.toArray(String[]::new)) : command).start();
        String pid = Long.toString(process.pid());
        PackagedCli.await("the outside process", Duration.ofSeconds(10),
                () -> Files.readString(Path.of("/proc", pid, "comm")).strip().equals(comm));
        return pid;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            process = null;
        }
    }
}
