package dev.seccheck.sentry.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;

/**
 * FuzzRuns holds what the fuzz tests share: the seeds a run takes ({@code -Dfuzz.seeds=FIRST-LAST})
 * and the comparison of a fuzz program's lines natively and under seccheck, call for call.
 */
public final class FuzzRuns {
    private FuzzRuns() {}

    /** The seeds to run: {@code fuzz.seeds}, "FIRST-LAST" or one seed, {@code byDefault} when unset. */
    public static IntStream seeds(String byDefault) {
        String[] range = System.getProperty("fuzz.seeds", byDefault).split("-", 2);
        int first = Integer.parseInt(range[0].strip());
        return IntStream.rangeClosed(first, range.length == 1 ? first : Integer.parseInt(range[1].strip()));
    }

    /**
     * Asserts that the program of {@code seed} printed under seccheck ({@code got}) the lines it
     * printed natively ({@code expected}: {@code calls} lines, then "done"), naming the first call
     * whose answer differs.
     */
    public static void sameLines(List<String> expected, List<String> got, int seed, int calls) {
        assertThat(expected).as("seed %d natively", seed).hasSize(calls + 1).endsWith("done");
        for (int i = 0; i < expected.size(); i++) {
            assertThat(i).as("seccheck's run ended early; native line %d: %s", i, expected.get(i)).isLessThan(got.size());
            assertThat(got.get(i)).as("call %d of seed %d", i, seed).isEqualTo(expected.get(i));
        }
        assertThat(got).hasSameSizeAs(expected);
    }
}
