package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kept tree is not changed through another name of its directories: a bind mount of it the
 * operator made before the run (red-team report R2, F1; {@code src/test/c/kept_alias.c}). The
 * kernel names a file on such a mount by the mount's path, which the rule does not match; the
 * directories on the rule's path are known by device and inode as its files are, so that the
 * program cannot, through the alias, open {@code sd/} to other users (chmod), replace the kept
 * key (a rename over it), or put names of its own in the kept directory (mkdir, link, symlink,
 * a unix socket's bind, an open that makes its file) where the rule denies them. Each route runs in a tree of its own: {@code sd/} (0700) holding
 * {@code sd/key}, and {@code pub/}; the program works through {@code alias/}, a bind mount of
 * the trees made by the test (the operator: root) before the run.
 * <ul>
 * <li>Natively every route succeeds. Before, under seccheck, every one did too, under a glob
 *     below {@code sd/} and under the key's exact name: uid 65533 then read the key, and the key
 *     held the program's bytes. Refused now with an alert, EPERM (the open: the rule's EACCES):
 *     under the glob all seven; under the exact name the chmod and the rename, while a new name
 *     beside the key goes through as it does by the directory's own name.</li>
 * <li>A chown that changes nothing (both ids -1, or the directory's own owner and group) of
 *     {@code sd/}, through the alias or by its own name, goes through, as natively: before, by
 *     its own name, both were refused.</li>
 * </ul>
 * As root, and with seccheck and the program as uid 65534 (the operator, root, still makes the mount).
 */
class KeptTreeAliasTest {

    private static final String PROGRAM = "src/test/c/kept_alias.c";
    /** The user outside the run who tries to read the kept file. */
    private static final int OUTSIDER = 65533;
    private static final String KEY = "PRIVATE-KEY-ALIAS";

    /** The routes changing the kept tree through the alias. */
    private static final List<String> CHANGES = List.of("chmod", "rename", "mkdir", "link", "symlink", "create",
            "bind");
    /** Of those, the ones the exact name refuses as well: a new name beside the key is not the key. */
    private static final List<String> EXACT_REFUSES = List.of("chmod", "rename");
    /** Chowns that change nothing. */
    private static final List<String> NO_OPS = List.of("noop-chown", "same-chown", "noop-chown-kept",
            "same-chown-kept");

    @TempDir
    Path tmp;

    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts.reversed()) {
            PackagedCli.run(new ProcessBuilder("umount", m.toString()), tmp, Duration.ofSeconds(30));
        }
    }

    @Test
    void aKeptTreeCannotBeChangedThroughAnAliasOfItsDirectoriesAsRoot() throws Exception {
        aliases(false);
    }

    @Test
    void aKeptTreeCannotBeChangedThroughAnAliasOfItsDirectoriesAsUid65534() throws Exception {
        aliases(true);
    }

    private void aliases(boolean nobody) throws Exception {
        Path program = PackagedCli.compiledFor(tmp, nobody, PROGRAM);
        List<String> routes = new ArrayList<>(CHANGES);
        routes.addAll(NO_OPS);

        Path natively = trees(nobody, "native", routes);
        assertThat(run(nobody, null, program, natively, routes)).as("natively")
                .containsExactlyElementsOf(routes.stream().map(r -> r + " = 0").toList());
        assertThat(changed(natively)).as("natively, every change is made").containsExactlyElementsOf(CHANGES);

        SoftAssertions soft = new SoftAssertions();
        for (String shape : List.of("glob", "exact")) {
            List<String> refused = shape.equals("glob") ? CHANGES : EXACT_REFUSES;
            Path base = trees(nobody, shape, routes);
            Path alerts = base.resolve("alerts.jsonl");
            Path policy = policy(base, alerts, routes, shape);
            soft.assertThat(run(nobody, policy, program, base, routes)).as(shape)
                    .containsExactlyElementsOf(routes.stream()
                            .map(r -> r + (refused.contains(r) ? " = " + errno(r) : " = 0")).toList());
            soft.assertThat(changed(base)).as(shape + ": what went through")
                    .containsExactlyElementsOf(CHANGES.stream().filter(r -> !refused.contains(r)).toList());
            soft.assertThat(alerted(alerts)).as(shape).containsExactlyInAnyOrderElementsOf(refused.stream()
                    .map(KeptTreeAliasTest::errno).toList());
            for (String r : NO_OPS) {
                soft.assertThat(Files.getAttribute(base.resolve("kept").resolve(r).resolve("sd"), "unix:uid")).as(r)
                        .isEqualTo(nobody ? PackagedCli.NOBODY : 0);
            }
        }
        soft.assertAll();
    }

    /**
     * A directory {@code name} holding {@code kept/}, with a tree per route ({@code sd/} 0700 with
     * {@code sd/key} 0644, {@code pub/} 0755, all uid 65534's when {@code nobody}), and
     * {@code alias/}, a bind mount of {@code kept/}.
     */
    private Path trees(boolean nobody, String name, List<String> routes) throws Exception {
        Path base = dir(tmp.resolve(name), "rwxr-xr-x", nobody);
        Path kept = dir(base.resolve("kept"), "rwxr-xr-x", nobody);
        for (String r : routes) {
            Path tree = dir(kept.resolve(r), "rwxr-xr-x", nobody);
            Path sd = dir(tree.resolve("sd"), "rwx------", nobody);
            owned(Files.writeString(sd.resolve("key"), KEY + "\n"), "rw-r--r--", nobody);
            dir(tree.resolve("pub"), "rwxr-xr-x", nobody);
        }
        Path alias = dir(base.resolve("alias"), "rwxr-xr-x", nobody);
        PackagedCli.Result r = PackagedCli.run(new ProcessBuilder("mount", "--bind", kept.toString(), alias.toString()),
                tmp, Duration.ofSeconds(30));
        Assumptions.assumeTrue(r.status() == 0, "cannot bind-mount here: " + r.err());
        mounts.add(alias);
        return base;
    }

    private static Path dir(Path d, String mode, boolean nobody) throws Exception {
        return owned(Files.createDirectory(d), mode, nobody);
    }

    private static Path owned(Path p, String mode, boolean nobody) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return nobody ? PackagedCli.givenToNobody(p) : p;
    }

    /**
     * A policy keeping each route's key in {@code base/kept} from being opened, by its own names
     * (not the alias's): by a glob below its {@code sd/}, or by its exact name.
     */
    private static Path policy(Path base, Path alerts, List<String> routes, String shape) throws Exception {
        Path kept = base.resolve("kept");
        String names = routes.stream()
                .map(r -> shape.equals("exact") ? "\"" + kept.resolve(r) + "/sd/key\""
                        : "{\"glob\": \"" + kept.resolve(r) + "/sd/**\"}")
                .collect(Collectors.joining(", ", "[", "]"));
        Path policy = base.resolve("policy.json");
        Files.writeString(policy, """
                {"name": "keys",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "ALERTS", "rules": [
                   {"name": "keys", "effect": "open_file", "match": {"resolved_path": NAMES},
                    "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}
                """.replace("ALERTS", alerts.toString()).replace("NAMES", names));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }

    /** Runs the program on {@code routes} through {@code base/alias}, natively ({@code policy} null) or under it. */
    private List<String> run(boolean nobody, Path policy, Path program, Path base, List<String> routes)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(program.toString(), base.resolve("alias").toString(),
                base.resolve("kept").toString()));
        command.addAll(routes);
        boolean under = policy != null;
        Path[] configs = under ? new Path[] {policy} : new Path[0];
        PackagedCli.Result r = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command, configs);
        return r.out().lines().toList();
    }

    /**
     * The routes of {@link #CHANGES} whose change is found in {@code base/kept}, by the tree's own
     * names: uid 65533 reads the key (chmod), the key holds the program's bytes (rename), or the
     * new name is there (mkdir, link, symlink, create, bind).
     */
    private static List<String> changed(Path base) throws Exception {
        List<String> found = new ArrayList<>();
        for (String r : CHANGES) {
            Path sd = base.resolve("kept").resolve(r).resolve("sd");
            boolean yes = switch (r) {
                case "chmod" -> outsider("cat", sd.resolve("key").toString()).contains(KEY);
                case "rename" -> !Files.readString(sd.resolve("key")).equals(KEY + "\n");
                case "mkdir" -> Files.isDirectory(sd.resolve("newdir"), LinkOption.NOFOLLOW_LINKS);
                case "link" -> Files.exists(sd.resolve("planted"), LinkOption.NOFOLLOW_LINKS);
                case "symlink" -> Files.isSymbolicLink(sd.resolve("lnk"));
                case "create" -> Files.exists(sd.resolve("newfile"), LinkOption.NOFOLLOW_LINKS);
                case "bind" -> Files.exists(sd.resolve("sock"), LinkOption.NOFOLLOW_LINKS);
                default -> throw new IllegalArgumentException(r);
            };
            if (yes) {
                found.add(r);
            }
        }
        return found;
    }

    /** Runs {@code command} as uid and gid 65533, no supplementary groups: what it printed. */
    private static String outsider(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + OUTSIDER, "--regid=" + OUTSIDER,
                "--clear-groups"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** The errno a refused route gets: the rule's own for the open, EPERM for a change of names. */
    private static String errno(String route) {
        return route.equals("create") ? "EACCES" : "EPERM";
    }

    /** The errnos of the alerts in {@code alerts}, each checked to be rule "keys"'s. */
    private static List<String> alerted(Path alerts) throws Exception {
        List<String> errnos = new ArrayList<>();
        if (!Files.exists(alerts)) {
            return errnos;
        }
        for (String line : Files.readAllLines(alerts)) {
            JsonNode a = new ObjectMapper().readTree(line);
            assertThat(a.path("rule_name").asText()).as(line).isEqualTo("keys");
            errnos.add(a.path("errno").asText());
        }
        return errnos;
    }
}
