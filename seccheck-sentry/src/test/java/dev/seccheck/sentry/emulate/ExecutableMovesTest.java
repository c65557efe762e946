package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The record of files renamed out of a rule on what runs, as the exec events read it. */
class ExecutableMovesTest {

    private final ExecutableMoves moves = new ExecutableMoves();

    @Test
    void anExecIsUnsettledOnlyByAMoveOfItsOwnFileSinceItsEnter() {
        moves.moved(1, 10);
        long mark = moves.mark();
        assertThat(moves.unsettled(mark, 1, 10, false)).as("moved before the exec entered").isNull();
        moves.moved(1, 11);
        assertThat(moves.unsettled(mark, 1, 10, false)).as("another file moved").isNull();
        assertThat(moves.unsettled(mark, 2, 11, false)).as("same inode, another device").isNull();
        assertThat(moves.unsettled(mark, 1, 11, false)).contains("renamed out of a rule on what runs");
    }

    @Test
    void aNameGoneIsUnsettledOnlyWhenSomethingMovedSinceTheEnter() {
        long mark = moves.mark();
        assertThat(moves.unsettled(mark, 1, 10, true)).as("no move at all").isNull();
        moves.moved(1, 11);
        assertThat(moves.unsettled(mark, 1, 10, true)).contains("lost the name the exec used");
    }

    @Test
    void anUntoldMoveUnsettlesEveryExecInFlightThen() {
        moves.movedUntold();
        long later = moves.mark();
        assertThat(moves.unsettled(later, 1, 10, false)).as("untold before the enter").isNull();
        long mark = moves.mark();
        moves.movedUntold();
        moves.moved(1, 11);
        assertThat(moves.unsettled(mark, 1, 10, false)).contains("could not tell");
    }

    @Test
    void moreMovesThanAreKeptUnsettleTheExec() {
        long mark = moves.mark();
        for (int i = 0; i < ExecutableMoves.KEPT; i++) {
            moves.moved(1, 100 + i);
        }
        assertThat(moves.unsettled(mark, 1, 10, false)).as("all kept").isNull();
        assertThat(moves.unsettled(mark, 1, 100, false)).as("the first, still kept").isNotNull();
        moves.moved(1, 5);
        assertThat(moves.unsettled(mark, 1, 10, false)).contains("more than " + ExecutableMoves.KEPT);
    }

    @Test
    void anExecEventWaitsForARenameBeingMadeAndSeesWhatItMoved() throws Exception {
        long mark = moves.mark();
        moves.making();
        CompletableFuture<String> decided = CompletableFuture.supplyAsync(() -> moves.unsettled(mark, 1, 10, false));
        Thread.sleep(20);
        assertThat(decided).as("waits for the rename").isNotDone();
        moves.moved(1, 10);
        moves.made();
        assertThat(decided.get(5, TimeUnit.SECONDS)).contains("renamed out of a rule on what runs");
    }

    @Test
    void aRenameNeverRecordedUnsettlesTheExecAfterTheWait() {
        long mark = moves.mark();
        moves.making();
        long start = System.nanoTime();
        assertThat(moves.unsettled(mark, 1, 10, false)).contains("still being made");
        assertThat(System.nanoTime() - start).as("waited its bound").isGreaterThanOrEqualTo(ExecutableMoves.WAIT_NS);
    }
}
