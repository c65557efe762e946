package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShebangLineTest {

    @TempDir
    Path tmp;

    private static String parse(String head) {
        byte[] b = head.getBytes(StandardCharsets.UTF_8);
        return ShebangLine.interpreter(b, b.length);
    }

    @Test
    void theNameRunsFromAfterTheBlanksToTheNextBlank() {
        assertThat(parse("#!/bin/sh\necho\n")).isEqualTo("/bin/sh");
        assertThat(parse("#! \t/usr/bin/env python3 -u\n")).isEqualTo("/usr/bin/env");
        assertThat(parse("#!relative/interp\n")).isEqualTo("relative/interp");
        assertThat(parse("#!/bin/sh   \t\n")).isEqualTo("/bin/sh");
        assertThat(parse("#!/bin/sh")).as("no newline, a short file: the rest reads as NULs").isEqualTo("/bin/sh");
    }

    @Test
    void whatTheKernelRefusesToRunIsNoScript() {
        assertThat(parse("#!\n/bin/sh\n")).as("no name").isNull();
        assertThat(parse("#!   \t\n")).isNull();
        assertThat(parse("#")).isNull();
        assertThat(parse("\u007fELF")).isNull();
        assertThat(parse("#!\u0000/bin/sh\n")).as("an empty name").isNull();
        String longName = "#!/" + "a".repeat(300);
        assertThat(parse(longName)).as("a name that may run past the bytes read").isNull();
        assertThat(parse("#!/bin/sh " + "x".repeat(300))).as("cut in its argument only").isEqualTo("/bin/sh");
    }

    /**
     * Each line is executed for real and its parse compared with what the kernel ran: the name
     * this parse gives is run, and a line it takes for no script fails to execute.
     */
    @Test
    void agreesWithTheKernelOnRealExecs() throws Exception {
        Path interp = tmp.resolve("interp");
        Files.writeString(interp, "#!/bin/sh\necho RAN \"$0\"\n");
        executable(interp);
        String[] lines = {
            "#!" + interp + "\n", "#!  " + interp + "  arg\n", "#!\t" + interp, "#!" + interp + " " + "x".repeat(400),
            "#!" + "/".repeat(260) + interp.toString().substring(1), "#!\n", "#! \n",
            // No newline in the 256 bytes read: the name may end at the last of them (a space, tab
            // or NUL there ends it; a name running into it may be cut short, and is refused).
            endingAt(interp, 255) + " more", endingAt(interp, 255) + "\tmore", endingAt(interp, 255) + "\0more",
            endingAt(interp, 256) + " more", "#!" + " ".repeat(253) + "/",
        };
        for (int i = 0; i < lines.length; i++) {
            Path script = tmp.resolve("s" + i);
            Files.writeString(script, lines[i]);
            executable(script);
            byte[] head = Arrays.copyOf(Files.readAllBytes(script), ShebangLine.HEAD);
            String parsed = ShebangLine.interpreter(head, (int) Math.min(Files.size(script), ShebangLine.HEAD));
            boolean ran = runs(script);
            assertThat(parsed != null).as("line %d: parsed %s, kernel ran it: %s", i, parsed, ran).isEqualTo(ran);
            if (ran) {
                assertThat(Path.of(parsed).normalize()).isEqualTo(interp);
            }
        }
    }

    /** A line naming {@code interp} with as many slashes before it as end the name at byte {@code end}, no newline. */
    private static String endingAt(Path interp, int end) {
        String name = interp.toString().substring(1);
        return "#!" + "/".repeat(end - 2 - name.length()) + name;
    }

    private static void executable(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Whether executing {@code script} directly (no shell fallback) ran the interpreter. */
    private static boolean runs(Path script) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(script.toString()).redirectErrorStream(true).start();
        } catch (IOException notExecutable) {
            return false;
        }
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue(); // its one line fits the pipe
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).contains("RAN");
    }
}
