package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file a rule keeps from being opened is not handed to users outside the run by the program
 * widening who may reach it (red-team report R2, F1 and F2; {@code src/test/c/kept_exposure.c}).
 * Each route runs in a tree of its own: {@code sd/} (0700, the runner's) holding {@code sd/key},
 * which the rule keeps, and {@code out/}, a directory every user may write. Uid 65533, a user
 * outside the run, then tries to read the key (or, for the tree made 0777, to move {@code sd/}
 * away, which would let it put names of its own there).
 * <ul>
 * <li>The directory of the kept file, or one above it, given another mode, an access ACL or
 *     another owner, by name or through a descriptor: natively the outsider reads the key (or
 *     replaces {@code sd/}); before, seccheck let each through as the kept file's own chmod was
 *     not, and the outsider read it too. Refused now, EPERM with an alert.</li>
 * <li>The kept file hard-linked into {@code out/}, by name, from a descriptor of {@code sd/},
 *     and (under a rule letting read-only opens through) by its own descriptor with
 *     AT_EMPTY_PATH or through {@code /proc/self/fd/N}: before, seccheck let each through (the
 *     rule still knew the file by device and inode, so this run could not open it there) and the
 *     outsider read the key through the link, which outlives the run. Refused now.</li>
 * </ul>
 * What exposes nothing goes on as natively: a directory no kept name is below changed by name
 * and by descriptor, a link there, and (under a rule keeping the file from one program) a link
 * inside the kept tree. Under a rule for every task, a new name in the kept tree is refused as it
 * was: the task could not open it. Policies on a glob below each tree and on the exact name of
 * each key; as root and with seccheck and the program as uid 65534.
 */
class KeptFileExposureTest {

    private static final String PROGRAM = "src/test/c/kept_exposure.c";
    /** The user outside the run who tries to reach the kept file. */
    private static final int OUTSIDER = 65533;
    private static final String KEY = "PRIVATE-KEY-R2";

    /** The routes changing a directory above the kept file; chown's only as root: a user cannot give a file away. */
    private static final List<String> DIRECTORIES = List.of("chmod", "fchmod", "acl", "facl", "chmod-up");
    private static final List<String> GIVEN_AWAY = List.of("chown", "fchown");
    /** The routes linking the kept file out of its directory without opening it. */
    private static final List<String> NAME_LINKS = List.of("link", "link-at");
    /** The routes linking it by a descriptor of its own, which only a rule letting some opens through gives. */
    private static final List<String> DESCRIPTOR_LINKS = List.of("link-empty", "link-proc");
    /** What exposes nothing: a directory no kept name is below, a link there. */
    private static final List<String> UNRELATED = List.of("other-chmod", "other-link");

    @TempDir
    Path tmp;

    @Test
    void aKeptFilesDirectoriesCannotBeOpenedToOtherUsersAsRoot() throws Exception {
        directories(false);
    }

    @Test
    void aKeptFilesDirectoriesCannotBeOpenedToOtherUsersAsUid65534() throws Exception {
        directories(true);
    }

    @Test
    void aKeptFileCannotBeHardLinkedOutOfItsRulesNamesAsRoot() throws Exception {
        links(false);
    }

    @Test
    void aKeptFileCannotBeHardLinkedOutOfItsRulesNamesAsUid65534() throws Exception {
        links(true);
    }

    private void directories(boolean nobody) throws Exception {
        Path program = program(nobody);
        SoftAssertions soft = new SoftAssertions();
        List<String> kept = new ArrayList<>(DIRECTORIES);
        if (!nobody) {
            kept.addAll(GIVEN_AWAY);
        }
        List<String> routes = Stream.concat(kept.stream(), UNRELATED.stream()).toList();

        Path natively = trees(nobody, "native", routes);
        assertThat(run(nobody, null, program, natively, routes)).as("natively")
                .containsExactlyElementsOf(routes.stream().map(r -> r + " = 0").toList());
        assertThat(exposed(natively, kept)).as("natively, the outsider reaches every kept file")
                .containsExactlyElementsOf(kept);

        for (String shape : List.of("glob", "exact")) {
            Path base = trees(nobody, shape, routes);
            Path alerts = base.resolve("alerts.jsonl");
            Path policy = policy(base, alerts, kept, shape, false);
            soft.assertThat(run(nobody, policy, program, base, routes)).as(shape)
                    .containsExactlyElementsOf(routes.stream().map(r -> r + (kept.contains(r) ? " = EPERM" : " = 0"))
                            .toList());
            for (String r : kept) {
                Path sd = base.resolve(r).resolve("sd");
                soft.assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sd))).as(r)
                        .isEqualTo("rwx------");
                soft.assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sd.getParent()))).as(r)
                        .isEqualTo("rwxr-xr-x");
                soft.assertThat(Files.getAttribute(sd, "unix:uid")).as(r).isEqualTo(nobody ? PackagedCli.NOBODY : 0);
            }
            soft.assertThat(exposed(base, kept)).as(shape + ": the outsider reaches no kept file").isEmpty();
            soft.assertThat(altered(alerts)).as(shape).containsExactlyInAnyOrderElementsOf(kept.stream()
                    .map(r -> base.resolve(r) + (r.equals("chmod-up") ? "" : "/sd")).toList());
        }
        soft.assertAll();
    }

    private void links(boolean nobody) throws Exception {
        Path program = program(nobody);
        SoftAssertions soft = new SoftAssertions();
        List<String> all = Stream.of(NAME_LINKS, DESCRIPTOR_LINKS, List.of("other-link")).flatMap(List::stream)
                .toList();
        List<String> kept = Stream.concat(NAME_LINKS.stream(), DESCRIPTOR_LINKS.stream()).toList();

        Path natively = trees(nobody, "native", all);
        assertThat(run(nobody, null, program, natively, all)).as("natively")
                .containsExactlyElementsOf(all.stream().map(r -> r + " = 0").toList());
        assertThat(exposed(natively, kept)).as("natively, the outsider reads every link")
                .containsExactlyElementsOf(kept);

        // Rules keeping every open: the program has no descriptor of the key to link by.
        for (String shape : List.of("glob", "exact")) {
            List<String> routes = Stream.concat(NAME_LINKS.stream(), Stream.of("other-link")).toList();
            Path base = trees(nobody, shape, routes);
            Path alerts = base.resolve("alerts.jsonl");
            Path policy = policy(base, alerts, NAME_LINKS, shape, false);
            soft.assertThat(run(nobody, policy, program, base, routes)).as(shape)
                    .containsExactly("link = EPERM", "link-at = EPERM", "other-link = 0");
            soft.assertThat(exposed(base, NAME_LINKS)).as(shape).isEmpty();
            soft.assertThat(renamed(alerts)).as(shape).containsExactlyInAnyOrderElementsOf(NAME_LINKS.stream()
                    .map(r -> base.resolve(r) + "/sd/key -> " + base.resolve(r) + "/out/pub").toList());
        }

        // Read-only opens let through: the program links the key by the descriptor it got.
        Path base = trees(nobody, "readonly", all);
        Path alerts = base.resolve("alerts.jsonl");
        Path readonly = policy(base, alerts, kept, "readonly", false);
        soft.assertThat(run(nobody, readonly, program, base, all)).as("readonly")
                .containsExactlyElementsOf(all.stream().map(r -> r + (kept.contains(r) ? " = EPERM" : " = 0"))
                        .toList());
        soft.assertThat(exposed(base, kept)).as("readonly").isEmpty();
        soft.assertThat(renamed(alerts)).as("readonly").hasSize(kept.size());
        for (String r : kept) {
            soft.assertThat(Files.getAttribute(base.resolve(r).resolve("sd/key"), "unix:nlink")).as(r)
                    .isEqualTo(1);
        }

        // A rule keeping the file from one program: a link in the kept tree goes through, one out does not.
        List<String> routes = List.of("inside-link", "link");
        Path scoped = trees(nobody, "scoped", routes);
        Path scopedAlerts = scoped.resolve("alerts.jsonl");
        Path oneProgram = policy(scoped, scopedAlerts, routes, "glob", true);
        soft.assertThat(run(nobody, oneProgram, program, scoped, routes)).as("scoped")
                .containsExactly("inside-link = 0", "link = EPERM");
        soft.assertThat(scoped.resolve("inside-link/sd/key2")).exists();
        soft.assertThat(exposed(scoped, List.of("link"))).isEmpty();
        soft.assertAll();
    }

    private Path program(boolean nobody) throws Exception {
        return PackagedCli.compiledFor(tmp, nobody, PROGRAM);
    }

    /**
     * A directory {@code name} in the test's, holding a tree per route: {@code sd/} (0700) with
     * {@code sd/key} (0644), {@code out/} (1777) and {@code other/} (0700) with {@code other/f},
     * all uid 65534's when {@code nobody}; each route's directory, and the base, 0755.
     */
    private Path trees(boolean nobody, String name, List<String> routes) throws Exception {
        Path base = dir(tmp.resolve(name), "rwxr-xr-x", nobody);
        for (String r : routes) {
            Path tree = dir(base.resolve(r), "rwxr-xr-x", nobody);
            Path sd = dir(tree.resolve("sd"), "rwx------", nobody);
            owned(Files.writeString(sd.resolve("key"), KEY + "\n"), "rw-r--r--", nobody);
            sticky(dir(tree.resolve("out"), "rwxrwxrwx", nobody));
            Path other = dir(tree.resolve("other"), "rwx------", nobody);
            owned(Files.writeString(other.resolve("f"), "other\n"), "rw-r--r--", nobody);
        }
        return base;
    }

    /** Sets the sticky bit of {@code d}, as on /tmp: every user may add names, and remove only their own. */
    private static void sticky(Path d) throws Exception {
        assertThat(new ProcessBuilder("chmod", "+t", d.toString()).start().waitFor()).isZero();
    }

    private static Path dir(Path d, String mode, boolean nobody) throws Exception {
        return owned(Files.createDirectory(d), mode, nobody);
    }

    private static Path owned(Path p, String mode, boolean nobody) throws Exception {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        return nobody ? PackagedCli.givenToNobody(p) : p;
    }

    /**
     * A policy keeping each route's key in {@code base} from being opened ({@code routes}): by a
     * glob below its {@code sd/}, by its exact name, or ({@code readonly}) by the glob with
     * read-only opens let through; {@code scoped}: from the program {@code cat} only.
     */
    private static Path policy(Path base, Path alerts, List<String> routes, String shape, boolean scoped)
            throws Exception {
        String names = routes.stream()
                .map(r -> shape.equals("exact") ? "\"" + base.resolve(r) + "/sd/key\""
                        : "{\"glob\": \"" + base.resolve(r) + "/sd/**\"}")
                .collect(Collectors.joining(", ", "[", "]"));
        String readOnly = """
                {"name": "read-only opens", "effect": "open_file",
                 "match": {"resolved_path": NAMES, "flags": [0, 524288]}, "action": "allow"},
                """.replace("NAMES", names);
        Path policy = base.resolve("policy.json");
        Files.writeString(policy, """
                {"name": "keys",
                 "points": [
                   {"name": "syscall/open/enter", "context_fields": ["process_name", "cwd"]},
                   {"name": "syscall/openat/enter", "optional_fields": ["fd_path"], "context_fields": ["process_name"]},
                   {"name": "syscall/creat/enter", "context_fields": ["process_name", "cwd"]}],
                 "sinks": [{"name": "policy", "config": {"alerts": "ALERTS", "rules": [READONLY
                   {"name": "keys", "effect": "open_file", "match": {"resolved_path": NAMESSCOPE},
                    "action": "deny", "errno": "EACCES"}],
                  "on_missing": "deny"}}]}
                """.replace("ALERTS", alerts.toString()).replace("READONLY", shape.equals("readonly") ? readOnly : "")
                .replace("NAMES", names).replace("SCOPE", scoped ? ", \"process_name\": \"cat\"" : ""));
        Files.setPosixFilePermissions(policy, PosixFilePermissions.fromString("rw-r--r--"));
        return policy;
    }

    /** Runs the program on {@code routes} in {@code base}, natively ({@code policy} null) or under it: its lines. */
    private List<String> run(boolean nobody, Path policy, Path program, Path base, List<String> routes)
            throws Exception {
        List<String> command = new ArrayList<>(List.of(program.toString(), base.toString()));
        command.addAll(routes);
        boolean under = policy != null;
        Path[] configs = under ? new Path[] {policy} : new Path[0];
        PackagedCli.Result r = nobody
                ? PackagedCli.asNobodyNativeOrUnderSeccheck(tmp, PackagedCli.nobodyClasspath(), under, command, configs)
                : PackagedCli.nativeOrUnderSeccheck(tmp, under, command, configs);
        return r.out().lines().toList();
    }

    /**
     * The routes of {@code routes} whose kept file uid 65533 reaches in {@code base}: reads the key
     * in {@code sd/}, or through the link {@code out/pub}, or (chmod-up) moves {@code sd/} away.
     */
    private static List<String> exposed(Path base, List<String> routes) throws Exception {
        List<String> reached = new ArrayList<>();
        for (String r : routes) {
            Path tree = base.resolve(r);
            boolean yes;
            if (r.equals("chmod-up")) {
                yes = outsider("mv", tree.resolve("sd").toString(), tree.resolve("gone").toString()).code == 0;
            } else {
                Path link = tree.resolve("out/pub");
                Path file = Files.exists(link, LinkOption.NOFOLLOW_LINKS) ? link : tree.resolve("sd/key");
                yes = outsider("cat", file.toString()).out.contains(KEY);
            }
            if (yes) {
                reached.add(r);
            }
        }
        return reached;
    }

    private record Outcome(int code, String out) {}

    /** Runs {@code command} as uid and gid 65533, no supplementary groups. */
    private static Outcome outsider(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=" + OUTSIDER, "--regid=" + OUTSIDER,
                "--clear-groups"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Outcome(p.exitValue(), out);
    }

    /** The names of the "altering" alerts in {@code alerts}, each checked to be an EPERM denial by rule "keys". */
    private static List<String> altered(Path alerts) throws Exception {
        return alerted(alerts, "altering", a -> a.path("name").asText());
    }

    /** The "from -> to" of the "renaming" alerts in {@code alerts}, each checked as {@link #altered} is. */
    private static List<String> renamed(Path alerts) throws Exception {
        return alerted(alerts, "renaming", a -> a.path("from").asText() + " -> " + a.path("to").asText());
    }

    private static List<String> alerted(Path alerts, String kind, java.util.function.Function<JsonNode, String> what)
            throws Exception {
        List<String> found = new ArrayList<>();
        if (!Files.exists(alerts)) {
            return found;
        }
        for (String line : Files.readAllLines(alerts)) {
            JsonNode a = new ObjectMapper().readTree(line);
            if (a.has(kind)) {
                assertThat(Map.of("rule", a.path("rule_name").asText(), "errno", a.path("errno").asText()))
                        .as(line).isEqualTo(Map.of("rule", "keys", "errno", "EPERM"));
                found.add(what.apply(a.path(kind)));
            }
        }
        return found;
    }
}
