package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Abstract unix socket names that differ to the kernel differ to a {@code unix_path} rule: a NUL
 * inside the name, NULs padding it to the whole {@code sun_path}, and bytes that are not UTF-8.
 * Before, NULs were dropped and such bytes became U+FFFD, so {@code \0allo\0wed} and
 * {@code \0allowed} padded to 108 bytes passed a rule allowing {@code @allowed}, and
 * {@code \0ok\xff} one allowing {@code @ok\uFFFD}. The program listens on every name itself (only
 * connects are decided) and connects to each; natively every connect is made.
 */
class AbstractUnixNamesTest {

    private static final String CONNECTS = """
            import socket
            names = [("allowed", b"\\0allowed"), ("ok-fffd", b"\\0ok\\xef\\xbf\\xbd"), ("inner-nul", b"\\0allo\\0wed"),
                     ("padded", b"\\0allowed".ljust(108, b"\\0")), ("ok-ff", b"\\0ok\\xff"), ("ok-fe", b"\\0ok\\xfe")]
            servers = []
            for _, name in names:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.bind(name)
                s.listen()
                servers.append(s)
            for label, name in names:
                c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    c.connect(name)
                    print(label, "reached", flush=True)
                except OSError as e:
                    print(label, "errno", e.errno, flush=True)
            """;

    private static final String POLICY = """
            {"name": "unix", "points": [{"name": "syscall/connect/enter"}],
             "sinks": [{"name": "policy", "config": {"rules": [
               {"name": "only @allowed", "effect": "connect_network", "match": {"family": "AF_UNIX", "unix_path": "@allowed"},
                "action": "allow"},
               {"name": "and @ok\\ufffd", "effect": "connect_network", "match": {"family": "AF_UNIX", "unix_path": "@ok\\ufffd"},
                "action": "allow"},
               {"effect": "connect_network", "match": {}, "action": "deny", "errno": "EACCES"}]}}]}""";

    @TempDir
    Path tmp;

    @Test
    void abstractNamesThatDifferToTheKernelDifferToARule() throws Exception {
        names(null);
    }

    /** The same with seccheck and its program unprivileged (uid 65534). */
    @Test
    void abstractNamesThatDifferToTheKernelDifferToARuleUnprivileged() throws Exception {
        PackagedCli.assumeNobody(tmp);
        names(PackagedCli.nobodyClasspath());
    }

    /** Natively all six connects are made; under the policy only the two names it allows are. */
    private void names(String nobody) throws Exception {
        Path script = Files.writeString(tmp.resolve("connects.py"), CONNECTS);
        Path policy = Files.writeString(tmp.resolve("policy.json"), POLICY);
        List<String> cmd = List.of("/usr/bin/python3", script.toString());

        assertThat(run(nobody, false, cmd).out()).as("natively").contains("allowed reached", "ok-fffd reached",
                "inner-nul reached", "padded reached", "ok-ff reached", "ok-fe reached");
        PackagedCli.Result r = run(nobody, true, cmd, policy);
        assertThat(r.out()).as(r.err()).contains("allowed reached", "ok-fffd reached", "inner-nul errno 13",
                "padded errno 13", "ok-ff errno 13", "ok-fe errno 13");
    }

    /**
     * Runs {@code cmd} natively or under seccheck with {@code configs}: as uid 65534, with the CLI
     * from class path {@code nobody} ({@link PackagedCli#nobodyClasspath}), or as this JVM's user when null.
     */
    private PackagedCli.Result run(String nobody, boolean underSeccheck, List<String> cmd, Path... configs)
            throws Exception {
        return nobody != null
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, nobody, underSeccheck, cmd, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, underSeccheck, cmd, configs);
    }
}
