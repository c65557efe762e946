package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.session.JsonSinkConfig;
import dev.seccheck.sink.ReachedFile;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rules written through a symlink hold for its target: seccheck matches real paths, so before
 * they matched nothing ({@code keeplink -> keep}: a rule on {@code keeplink/} kept nothing).
 */
class RealStartsTest {

    @TempDir
    Path tmp;

    /** The real temporary directory, holding {@code keep/secret}, {@code keeplink -> keep} and {@code filelink -> keep/secret}. */
    private String base;

    @BeforeEach
    void files() throws Exception {
        Path root = tmp.toRealPath();
        base = root.toString();
        Path keep = Files.createDirectory(root.resolve("keep"));
        Files.writeString(keep.resolve("secret"), "hunter2");
        Files.createSymbolicLink(root.resolve("keeplink"), keep);
        Files.createSymbolicLink(root.resolve("filelink"), keep.resolve("secret"));
        Files.createDirectory(root.resolve("other"));
    }

    /**
     * Where a resolved name would let more through (an allow rule, a deny rule's {@code not}),
     * a link the program could have made is not followed: in a directory others may write (or a
     * link not root's), an earlier run could have pointed it at /etc, and an allow written
     * through it would have let /etc through. A deny rule follows it all the same. Needs root, to
     * own the links the test makes.
     */
    @Test
    void whereItWouldLetMoreThroughOnlyLinksOnlyRootCouldHaveMadeAreFollowed() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Path shared = Files.createDirectory(Path.of(base, "shared"));
        Files.setPosixFilePermissions(shared, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.createSymbolicLink(shared.resolve("out"), Path.of(base, "keep"));

        Matcher allow = RealStarts.of(new Matcher.Prefix(base + "/shared/out/"), true);
        assertThat(allow.matchesString(base + "/keep/secret")).as("an allow through a link anyone could make").isFalse();
        Matcher allowList = RealStarts.of(new Matcher.Not(new Matcher.Prefix(base + "/shared/out/")), false);
        assertThat(allowList.matchesString(base + "/keep/secret")).as("a deny of all but it").isTrue();
        Matcher deny = RealStarts.of(new Matcher.Prefix(base + "/shared/out/"), false);
        assertThat(deny.matchesString(base + "/keep/secret")).as("a deny through it").isTrue();
        Matcher root = RealStarts.of(new Matcher.Prefix(base + "/keeplink/"), true);
        assertThat(root.matchesString(base + "/keep/secret")).as("an allow through root's link in root's directory").isTrue();
    }

    @Test
    void aPrefixThroughASymlinkedDirectoryMatchesTheRealFile() {
        Matcher m = RealStarts.of(new Matcher.Prefix(base + "/keeplink/"));

        assertThat(m.matchesString(base + "/keep/secret")).isTrue();
        assertThat(m.matchesString(base + "/keeplink/secret")).as("the rule as written still matches").isTrue();
        assertThat(m.matchesString(base + "/other/secret")).isFalse();
    }

    @Test
    void aPrefixNamingASymlinkedDirectoryMatchesItAndWhatIsBelowItOnly() {
        Matcher m = RealStarts.of(new Matcher.Prefix(base + "/keeplink"));

        assertThat(m.matchesString(base + "/keep")).isTrue();
        assertThat(m.matchesString(base + "/keep/secret")).isTrue();
        assertThat(m.matchesString(base + "/keepsake")).as("another name beside the target").isFalse();
    }

    @Test
    void aGlobThroughASymlinkedDirectoryMatchesTheRealFile() {
        Matcher m = RealStarts.of(Matcher.Glob.of(base + "/keeplink/*"));

        assertThat(m.matchesString(base + "/keep/secret")).isTrue();
        assertThat(m.matchesString(base + "/other/secret")).isFalse();
        assertThat(m.mayMatchBelow(base + "/keep")).as("a symlink made below the target is refused").isTrue();
    }

    @Test
    void anExactNameOfASymlinkMatchesItsTarget() {
        Matcher m = RealStarts.of(new Matcher.Exact(base + "/filelink"));

        assertThat(m.matchesString(base + "/keep/secret")).isTrue();
        assertThat(m.matchesString(base + "/keep/other")).isFalse();
    }

    @Test
    void anExactNameNotYetMadeThroughASymlinkedDirectoryMatchesItUnderTheRealDirectory() {
        Matcher m = RealStarts.of(new Matcher.Exact(base + "/keeplink/later/key"));

        assertThat(m.matchesString(base + "/keep/later/key")).isTrue();
    }

    @Test
    void aNegatedRuleThroughASymlinkLetsTheTargetThrough() {
        Matcher m = RealStarts.of(new Matcher.Not(Matcher.Glob.of(base + "/keeplink/**")));

        assertThat(m.matchesString(base + "/keep/secret")).as("inside the allow list").isFalse();
        assertThat(m.matchesString(base + "/other/secret")).isTrue();
        assertThat(m.mayMatchBelow(base + "/keep/x")).isFalse();
    }

    @Test
    void listsResolveEachOption() {
        Matcher m = RealStarts.of(new Matcher.AnyOf(List.of(new Matcher.Exact("/nowhere/x"),
                new Matcher.Prefix(base + "/keeplink/"))));

        assertThat(m.matchesString(base + "/keep/secret")).isTrue();
        assertThat(m.matchesString("/nowhere/x")).isTrue();
    }

    /** A real path holding glob characters is written as one-character classes, so it matches only itself. */
    @Test
    void aRealStartWithGlobCharactersMatchesOnlyItself() throws Exception {
        Path odd = Files.createDirectory(Path.of(base, "a*b[?"));
        Files.createSymbolicLink(Path.of(base, "oddlink"), odd);
        Files.createDirectory(Path.of(base, "axxb[x"));

        Matcher m = RealStarts.of(Matcher.Glob.of(base + "/oddlink/*.key"));

        assertThat(m.matchesString(odd + "/id.key")).isTrue();
        assertThat(m.matchesString(base + "/axxb[x/id.key")).isFalse();
        assertThat(RealStarts.escape("/a*b[?")).isEqualTo("/a[*]b[[][?]");
    }

    /** The README's examples, on a system with Debian's links ({@code /var/run -> /run}, {@code /lib -> usr/lib}). */
    @Test
    void debiansLinkedDirectoriesAreFollowed() throws Exception {
        assumeTrue(Files.isSymbolicLink(Path.of("/var/run")) && Path.of("/var/run").toRealPath().equals(Path.of("/run")));
        assumeTrue(Files.isSymbolicLink(Path.of("/lib")) && Path.of("/lib").toRealPath().equals(Path.of("/usr/lib")));

        assertThat(RealStarts.of(new Matcher.Prefix("/var/run/secrets/")).matchesString("/run/secrets/token")).isTrue();
        assertThat(RealStarts.of(new Matcher.Prefix("/var/run")).matchesString("/run/secrets/token")).isTrue();
        Matcher outsideLib = RealStarts.of(new Matcher.Not(Matcher.Glob.of("/lib/**")));
        assertThat(outsideLib.matchesString("/usr/lib/x86_64-linux-gnu/libc.so.6")).isFalse();
        assertThat(outsideLib.matchesString("/usr/bin/cat")).isTrue();
    }

    @Test
    void matchersWithoutASymlinkedStartAreLeftAsTheyAre() {
        for (Matcher m : List.<Matcher>of(new Matcher.Prefix(base + "/keep/"), Matcher.Glob.of("*.key"),
                new Matcher.Exact(base + "/keep/secret"), new Matcher.Exact("relative"), new Matcher.Range(1, 2),
                new Matcher.Prefix(base + "/missing/"), Matcher.Glob.of(base + "/keeplink*"))) {
            assertThat(RealStarts.of(m)).as("%s", m).isSameAs(m);
        }
    }

    @Test
    void theFilesARuleThroughASymlinkNamesAreTheTargets() throws Exception {
        Path secret = Path.of(base, "keep/secret");

        assertThat(FilesNamed.of(new Matcher.Prefix(base + "/keeplink/")).names(reached(secret)))
                .as("the link is walked without being followed").isFalse();
        for (Matcher m : List.<Matcher>of(new Matcher.Prefix(base + "/keeplink/"), Matcher.Glob.of(base + "/keeplink/*"),
                new Matcher.Exact(base + "/filelink"))) {
            FilesNamed named = FilesNamed.of(RealStarts.of(m));
            assertThat(named.names(reached(secret))).as("%s", m).isTrue();
        }
    }

    /** Compiled by the policy sink: a deny rule through the symlink denies the open of the real path. */
    @Test
    void aDenyRuleThroughASymlinkDeniesTheRealPath() throws Exception {
        Catalog catalog = Catalog.standard();
        Point openat = catalog.byName("syscall/openat/enter").orElseThrow().point();
        PolicySinkDescriptor d = new PolicySinkDescriptor();
        PolicySinkDescriptor.Policy policy = d.validate(JsonSinkConfig.parse("""
                {"rules": [{"point": "syscall/openat/enter", "match": {"pathname": {"prefix": "%s/keeplink/"}},
                            "action": "deny"}]}""".formatted(base), "sinks[0].config"),
                List.of(new PointReq(openat, FieldSet.EMPTY)));
        Sink sink = d.create(policy, d.setup(policy));

        assertThatThrownBy(() -> sink.syscall(openat, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN,
                open(base + "/keep/secret"))).isInstanceOf(SecurityCheckException.class);
        sink.syscall(openat, FieldSet.EMPTY, MessageType.MESSAGE_SYSCALL_OPEN, open(base + "/other/x"));
    }

    private static Open open(String path) {
        return Open.newBuilder().setSysno(257).setFd(-100).setPathname(path).build();
    }

    private static ReachedFile reached(Path p) throws Exception {
        Map<String, Object> a = Files.readAttributes(p, "unix:dev,ino,ctime", LinkOption.NOFOLLOW_LINKS);
        return new ReachedFile(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(),
                ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS));
    }
}
