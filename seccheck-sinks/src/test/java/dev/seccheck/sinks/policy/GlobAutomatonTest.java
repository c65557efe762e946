package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * GlobAutomaton answers as the regex a glob used to be turned into (the oracle below, kept here
 * only to compare with), on every glob and string of a random corpus, and answers a string made to
 * make that regex backtrack without trying every way of splitting it.
 */
class GlobAutomatonTest {

    @Test
    void answersAsTheRegexDidOnARandomCorpus() {
        Random random = new Random(42);
        String globAlphabet = "ab/.*?[]!-^é";
        String stringAlphabet = "ab/.-^é\uD83D\uDE00";
        int compared = 0;
        for (int g = 0; g < 3000; g++) {
            String glob = random(random, globAlphabet, 1 + random.nextInt(8));
            Pattern oracle;
            try {
                oracle = Pattern.compile(oracleRegex(glob), Pattern.DOTALL);
            } catch (IllegalArgumentException invalid) {
                continue; // the glob has a class the regex refused; compared below
            }
            GlobAutomaton a;
            try {
                a = GlobAutomaton.of(glob);
            } catch (IllegalArgumentException e) {
                continue; // classes the regex read otherwise ([a-], nested): both refuse or differ on syntax only
            }
            if (glob.matches(".*\\[[^]]*[\\[&\\\\].*")) {
                continue; // regex class syntax ([[..]], &&, escapes) that a glob takes literally
            }
            for (int s = 0; s < 30; s++) {
                String str = random(random, stringAlphabet, random.nextInt(10));
                java.util.regex.Matcher m = oracle.matcher(str);
                boolean matches = m.matches();
                assertThat(a.matches(str)).as("glob %s on %s", glob, str).isEqualTo(matches);
                if (a.matchesOrMayWithMore(str) != (matches || m.hitEnd())) {
                    // hitEnd may say yes where no longer string matches; the automaton is exact
                    assertThat(a.matchesOrMayWithMore(str)).as("glob %s on %s", glob, str).isFalse();
                }
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(30_000);
    }

    /**
     * What the automaton tells of two prefixes, on a random corpus of globs, prefixes and rests:
     * prefixes it leaves at the same positions ({@link GlobAutomaton#sameAfter}) are decided
     * alike with every rest; where it says no string matches after one and not after the other
     * ({@link GlobAutomaton#matchesAfterOnly}), no rest does; where it says one does, the corpus
     * finds one for more than half (the rest need longer strings or other characters); where it
     * says no string matches after a directory and not after any other
     * ({@link GlobAutomaton#matchesAfterOnlyOfAll}), none does.
     */
    @Test
    void prefixesAreToldApartAsTheStringsAfterThemAreDecided() {
        Random random = new Random(11);
        List<String> tokens = List.of("a", "b", "/", ".", "*", "?", "[!a]", "[a-b]");
        int alike = 0;
        int noneOnly = 0;
        int none = 0;
        int some = 0;
        int witnessed = 0;
        for (int g = 0; g < 3000; g++) {
            StringBuilder text = new StringBuilder();
            for (int t = 1 + random.nextInt(8); t > 0; t--) {
                text.append(tokens.get(random.nextInt(tokens.size())));
            }
            GlobAutomaton glob = GlobAutomaton.of(text.toString());
            String a = random(random, "ab/.", random.nextInt(5));
            String b = random(random, "ab/.", random.nextInt(5));
            boolean same = glob.sameAfter(a, b);
            boolean only = glob.matchesAfterOnly(a, b);
            boolean belowNoneOnly = !glob.matchesAfterOnlyOfAll("/" + a + "/");
            boolean found = false;
            for (int s = 0; s < 200; s++) {
                String rest = random(random, "ab/.", random.nextInt(7));
                boolean differs = glob.matches(a + rest) != glob.matches(b + rest);
                assertThat(same && differs).as("%s after %s and %s, called alike", rest, a, b).isFalse();
                assertThat(belowNoneOnly && glob.matches("/" + a + "/" + rest) && !glob.matches("/" + b + "/" + rest))
                        .as("%s after directory %s, not %s, said to match after none only, by %s", rest, a, b, text)
                        .isFalse();
                found |= glob.matches(a + rest) && !glob.matches(b + rest);
            }
            assertThat(!found || only).as("a string matches after %s only, said none", a).isTrue();
            alike += same ? 1 : 0;
            noneOnly += belowNoneOnly ? 1 : 0;
            none += only ? 0 : 1;
            some += only ? 1 : 0;
            witnessed += only && found ? 1 : 0;
        }
        assertThat(alike).isGreaterThan(200);
        assertThat(noneOnly).isGreaterThan(100);
        assertThat(none).isGreaterThan(300);
        assertThat(some).isGreaterThan(300);
        assertThat(witnessed).isGreaterThan(some / 2);
        assertThat(GlobAutomaton.of("*/sec/*.txt").sameAfter("/w/sec/sub/", "/w/pub/sub/")).isFalse();
        assertThat(GlobAutomaton.of("*.key").sameAfter("/w/a/b/", "/w/c/b/")).isTrue();
        GlobAutomaton run = GlobAutomaton.of("*/run/*.sock");
        assertThat(run.matchesAfterOnly("/w/run/", "/w/tmp/")).isTrue();
        assertThat(run.matchesAfterOnly("/w/tmp/", "/w/run/")).as("all that matches below tmp does below run").isFalse();
        assertThat(GlobAutomaton.of("/x/[a-c]?/*").matchesAfterOnly("/x/b", "/x/d")).isTrue();
        assertThat(GlobAutomaton.of("/x/[a-c]?/*").matchesAfterOnly("/x/d", "/x/b")).isFalse();
    }

    /** Directories below which a glob may match a name it does not match below some other, and ones below which it may not. */
    @Test
    void directoriesBelowWhichAGlobMatchesWhatItMayNotBelowAnother() {
        for (String glob : List.of("*.sock", "*/agent.sock", "*", "*.[ch]", "/*")) {
            assertThat(GlobAutomaton.of(glob).matchesAfterOnlyOfAll("/w/run/")).as(glob).isFalse();
        }
        GlobAutomaton run = GlobAutomaton.of("*/run/*.sock");
        assertThat(run.matchesAfterOnlyOfAll("/w/run/")).isTrue();
        assertThat(run.matchesAfterOnlyOfAll("/w/lib/")).as("run/x.sock matches below every directory").isFalse();
        assertThat(GlobAutomaton.of("/etc/*").matchesAfterOnlyOfAll("/etc/")).isTrue();
        assertThat(GlobAutomaton.of("/etc/*").matchesAfterOnlyOfAll("/usr/")).isFalse();
    }

    @Test
    void classesRangesAndComplements() {
        assertThat(GlobAutomaton.of("/etc/[a-c]?[!x]").matches("/etc/bzy")).isTrue();
        assertThat(GlobAutomaton.of("/etc/[a-c]?[!x]").matches("/etc/bzx")).isFalse();
        assertThat(GlobAutomaton.of("/etc/[^x]").matches("/etc/y")).isTrue();
        assertThat(GlobAutomaton.of("[x").matches("[x")).as("an unclosed class is itself").isTrue();
        assertThat(GlobAutomaton.of("a?c").matches("a\uD83D\uDE00c")).as("one code point").isTrue();
        assertThat(GlobAutomaton.of("/etc/cron.d/*").matchesOrMayWithMore("/etc/")).isTrue();
        assertThat(GlobAutomaton.of("/etc/cron.d/*").matchesOrMayWithMore("/usr/")).isFalse();
    }

    @Test
    void badClassesAreRefusedNamingTheGlob() {
        assertThatThrownBy(() -> GlobAutomaton.of("/x/[]")).hasMessage("glob \"/x/[]\": an empty character class");
        assertThatThrownBy(() -> GlobAutomaton.of("/x/[!]")).hasMessage("glob \"/x/[!]\": an empty character class");
        assertThatThrownBy(() -> GlobAutomaton.of("/x/[z-a]")).hasMessage("glob \"/x/[z-a]\": the range z-a is reversed");
    }

    /**
     * The strings a program chooses: a path of 2,000 levels against five stars, a 128 KiB argument
     * against three. The regex took minutes to hours on each; the timeout only guards against a hang.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void stringsMadeToBacktrackAreAnswered() {
        String path = "/tmp/" + "a/".repeat(2000) + "b";
        assertThat(GlobAutomaton.of("/tmp/**/**/*.pem").matches(path)).isFalse();
        assertThat(GlobAutomaton.of("/tmp/**/**/*.pem").matches(path + ".pem")).isTrue();
        String argument = "curl".repeat(32 * 1024);
        assertThat(GlobAutomaton.of("*curl*http*x").matches(argument)).isFalse();
        assertThat(GlobAutomaton.of("*curl*http*x").matches(argument + "httpx")).isTrue();
    }

    private static String random(Random random, String alphabet, int length) {
        List<Integer> cps = alphabet.codePoints().boxed().toList();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.appendCodePoint(cps.get(random.nextInt(cps.size())));
        }
        return b.toString();
    }

    /** The translation the policy used before: {@code *} as {@code .*}, {@code ?} as {@code .}, classes as regex classes. */
    private static String oracleRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 1);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        String cls = glob.substring(i + 1, end);
                        if (cls.startsWith("!")) {
                            cls = "^" + cls.substring(1);
                        }
                        re.append('[').append(cls.replace("\\", "\\\\")).append(']');
                        i = end;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
