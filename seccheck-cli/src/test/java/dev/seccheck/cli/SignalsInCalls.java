package dev.seccheck.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SignalsInCalls reads what a test program under a fast timer says on stderr of the calls its
 * signals came during ({@code signals in calls: N}), so that a test of calls a signal interrupts
 * cannot pass with signals that missed them.
 */
final class SignalsInCalls {
    /**
     * How many calls a signal must have come during under seccheck: its holds last tens of
     * microseconds, and the programs' 200 us timers meet thousands of their calls here.
     */
    static final long AT_LEAST = 100;

    private static final Pattern LINE = Pattern.compile("(?m)^signals in calls: (\\d+)$");

    private SignalsInCalls() {}

    /** Checks that the run whose stderr is {@code err} ({@code as} describes it) had {@link #AT_LEAST} such calls. */
    static void checkMet(String err, String as) {
        Matcher m = LINE.matcher(err);
        assertThat(m.find()).as("no \"signals in calls\" line, " + as).isTrue();
        assertThat(Long.parseLong(m.group(1))).as("calls a signal came during, " + as).isGreaterThanOrEqualTo(AT_LEAST);
    }
}
