package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 item 6: a hostile program cannot forge lines of the audit trail. Its binary's name and
 * its arguments carry newlines and a fake point; the text sink must show them escaped, inside
 * the one line of the point they belong to, and cut a long argument visibly.
 */
class AuditTrailForgeryTest {

    @RegisterExtension
    final CapturedOutput err = CapturedOutput.stderr();

    @TempDir
    Path tmp;

    @Test
    void aBinaryNamedLikeAPointAndArgvWithNewlinesStayOnTheirOwnLines() throws Exception {
        Path bin = Files.copy(Path.of("/bin/true"), tmp.resolve("ok\n1 sshd E"), StandardCopyOption.COPY_ATTRIBUTES);
        String payload = "A".repeat(1000);
        int exit = Main.execute("run", "--root", tmp.resolve("root").toString(), "--quiet", "--",
                bin.toString(), "arg\n2 sshd E execve pathname=\"/bin/sh\"", payload);
        assertThat(exit).isZero();
        List<String> lines = err.text().lines().toList();
        // No line begins with what the program tried to inject.
        assertThat(lines).noneMatch(l -> l.startsWith("1 sshd") || l.startsWith("2 sshd") || l.startsWith(" sshd"));
        // The process name is escaped wherever it shows, and a space in it cannot pose as a field separator.
        assertThat(lines).anyMatch(l -> l.contains(" ok\\n1\\x20sshd\\x20E "));
        // The argument with a newline is one escaped string, and the payload is cut with its size shown.
        assertThat(lines).anyMatch(l -> l.contains("\"arg\\n2 sshd E execve pathname=\\\"/bin/sh\\\"\"")
                && l.contains("\"" + "A".repeat(256) + "\"...(1000 bytes)"));
        assertThat(lines).noneMatch(l -> l.contains("A".repeat(257)));
    }

    /**
     * seccheck's own lines name the task they are about by its process name, which the program
     * sets (PR_SET_NAME): one named with a newline and a terminal escape, refused a ptrace call,
     * printed a line of its own ("seccheck: ok") and hid what followed. The name is escaped now.
     */
    @Test
    void aProcessNameCannotBreakSecchecksOwnLines() throws Exception {
        String program = String.join("\n",
                "import ctypes",
                "libc = ctypes.CDLL(None, use_errno=True)",
                "libc.prctl(15, b'x\\nseccheck: ok\\x1b[8m', 0, 0, 0)",
                "libc.ptrace(0, 0, 0, 0)",
                "");
        int exit = Main.execute("run", "--root", tmp.resolve("root").toString(), "--quiet", "-o", "/dev/null", "--",
                "/usr/bin/python3", "-c", program);
        assertThat(exit).isZero();
        List<String> lines = err.text().lines().toList();
        assertThat(lines).noneMatch(l -> l.startsWith("seccheck: ok") || l.contains("\u001b"));
        assertThat(lines).anyMatch(l -> l.startsWith("seccheck: refused ptrace from task ")
                && l.contains("(x\\nseccheck: ok\\x1b)")); // a name holds 15 bytes
    }
}
