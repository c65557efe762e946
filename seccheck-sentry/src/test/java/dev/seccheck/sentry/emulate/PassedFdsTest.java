package dev.seccheck.sentry.emulate;

import static dev.seccheck.sentry.emulate.AncillaryRecords.concat;
import static dev.seccheck.sentry.emulate.AncillaryRecords.rights;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.linux.PathCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@link PassedFds} takes only the descriptors the kernel would take from a message, within the
 * run's {@link PassedFdBudget}: a program sending 64 KiB of SCM_RIGHTS records (16,380 descriptors,
 * which the kernel refuses with EINVAL) had seccheck take every one into its own table first, and a
 * few threads doing so kept that table full (red-team round 15; {@code FdStormTest} end to end).
 */
class PassedFdsTest {

    private static final PassedFds.Routes NO_ROUTE = (r, data) -> PassedFds.Route.IGNORED;
    private final PathCalls calls = new PathCalls();
    /** Every descriptor {@link #copies} handed out, open until the PassedFds closes them. */
    private final List<Integer> handedOut = new ArrayList<>();

    /** Takes a program's fd as a fresh descriptor of /dev/null, as pidfd_getfd gives a copy. */
    private final IntUnaryOperator copies = fd -> {
        int copy = calls.openat(Fcntl.AT_FDCWD, "/dev/null", Fcntl.O_RDONLY | Fcntl.O_CLOEXEC);
        handedOut.add(copy);
        return copy;
    };

    private static int[] times(int n, int fd) {
        int[] fds = new int[n];
        java.util.Arrays.fill(fds, fd);
        return fds;
    }

    /** The numbers record {@code index} (of SCM_RIGHTS records of {@code sizes} fds each) holds in {@code control}. */
    private static List<Integer> numbers(byte[] control, int[] sizes, int index) {
        ByteBuffer b = ByteBuffer.wrap(control).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0;
        for (int i = 0; i < index; i++) {
            at += (AncillaryData.HEADER + 4 * sizes[i] + 7) & ~7;
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < sizes[index]; i++) {
            out.add(b.getInt(at + AncillaryData.HEADER + 4 * i));
        }
        return out;
    }

    @Test
    void aMessageOfMoreThanTheKernelTakesTakesNothingAndGoesOnForTheKernelsEinval() throws Exception {
        PassedFdBudget budget = new PassedFdBudget(PassedFdBudget.MOST);
        byte[] many = rights(times(254, 5));
        try (PassedFds passed = PassedFds.take(many, copies, NO_ROUTE, true, budget)) {
            assertThat(handedOut).isEmpty();
            assertThat(budget.held()).isZero();
            assertThat(numbers(passed.control(), new int[] {254}, 0)).containsOnly(-1);
        }
        byte[] most = rights(times(253, 5));
        try (PassedFds passed = PassedFds.take(most, copies, NO_ROUTE, true, budget)) {
            assertThat(handedOut).hasSize(253);
            assertThat(budget.held()).isEqualTo(253);
            assertThat(numbers(passed.control(), new int[] {253}, 0)).containsExactlyElementsOf(handedOut);
        }
        assertThat(budget.held()).as("given back at close").isZero();
    }

    @Test
    void recordsAreCountedTogetherAndTakenUpToTheOneThatPassesTheKernelsMost() throws Exception {
        PassedFdBudget budget = new PassedFdBudget(PassedFdBudget.MOST);
        int[] sizes = {200, 53, 1, 2};
        byte[] control = concat(concat(rights(times(200, 5)), rights(times(53, 6))),
                concat(rights(7), rights(8, 9)));
        try (PassedFds passed = PassedFds.take(control, copies, NO_ROUTE, true, budget)) {
            assertThat(handedOut).as("the first two records: 253 in all").hasSize(253);
            assertThat(numbers(passed.control(), sizes, 1)).doesNotContain(-1);
            assertThat(numbers(passed.control(), sizes, 2)).as("the 254th: EINVAL there").containsOnly(-1);
            assertThat(numbers(passed.control(), sizes, 3)).as("never looked at").containsOnly(-1);
        }
    }

    @Test
    void aSocketOfAnotherFamilyTakesNoDescriptor() throws Exception {
        PassedFdBudget budget = new PassedFdBudget(PassedFdBudget.MOST);
        try (PassedFds passed = PassedFds.take(rights(3, 4), copies, NO_ROUTE, false, budget)) {
            assertThat(handedOut).isEmpty();
            assertThat(numbers(passed.control(), new int[] {2}, 0)).containsOnly(-1);
        }
    }

    @Test
    void aMessageWhoseDescriptorsDoNotFitTheBudgetIsRefusedTakingNone() throws Exception {
        PassedFdBudget budget = new PassedFdBudget(300);
        try (PassedFds first = PassedFds.take(rights(times(200, 5)), copies, NO_ROUTE, true, budget)) {
            assertThatThrownBy(() -> PassedFds.take(rights(times(101, 5)), copies, NO_ROUTE, true, budget))
                    .isInstanceOfSatisfying(PassedFds.Refused.class, e -> {
                        assertThat(e.errno).isEqualTo(Errno.ETOOMANYREFS);
                        assertThat(e.attempt).contains("101 descriptors").contains("100 of 300");
                    });
            assertThat(handedOut).hasSize(200);
            try (PassedFds fits = PassedFds.take(rights(times(100, 5)), copies, NO_ROUTE, true, budget)) {
                assertThat(budget.held()).isEqualTo(300);
            }
        }
        assertThat(budget.held()).isZero();
    }

    @Test
    void theRoomOfATakeThatFailsIsGivenBack() {
        PassedFdBudget budget = new PassedFdBudget(PassedFdBudget.MOST);
        int[] calls = {0};
        IntUnaryOperator goneMidway = fd -> ++calls[0] < 3 ? copies.applyAsInt(fd) : -Errno.ESRCH;
        assertThatThrownBy(() -> PassedFds.take(rights(1, 2, 3, 4), goneMidway, NO_ROUTE, true, budget))
                .isInstanceOfSatisfying(PassedFds.Refused.class, e -> assertThat(e.errno).isEqualTo(Errno.ESRCH));
        assertThat(budget.held()).isZero();
    }

    /**
     * A descriptor the program has but seccheck could not take (its own table full, or no right
     * to the task any more) refuses the message: before, -1 went in its place and the kernel
     * answered EBADF, as if the program had no such descriptor.
     */
    @Test
    void aDescriptorSeccheckCannotTakeRefusesTheMessageAsTheKernelDoesTooManyInFlight() {
        PassedFdBudget budget = new PassedFdBudget(PassedFdBudget.MOST);
        for (int errno : new int[] {Errno.EMFILE, Errno.ENFILE}) {
            int[] calls = {0};
            IntUnaryOperator full = fd -> ++calls[0] < 2 ? copies.applyAsInt(fd) : -errno;
            assertThatThrownBy(() -> PassedFds.take(rights(1, 2, 3), full, NO_ROUTE, true, budget))
                    .isInstanceOfSatisfying(PassedFds.Refused.class,
                            e -> assertThat(e.errno).isEqualTo(Errno.ETOOMANYREFS));
            assertThat(budget.held()).isZero();
        }
        assertThatThrownBy(() -> PassedFds.take(rights(1), fd -> -Errno.EPERM, NO_ROUTE, true, budget))
                .isInstanceOfSatisfying(PassedFds.Refused.class, e -> assertThat(e.errno).isEqualTo(Errno.EPERM));
        try (PassedFds passed = PassedFds.take(rights(1, 2), fd -> fd == 1 ? -Errno.EBADF : copies.applyAsInt(fd),
                NO_ROUTE, true, budget)) {
            assertThat(numbers(passed.control(), new int[] {2}, 0)).as("one the program does not have: the kernel's EBADF")
                    .containsExactly(-1, handedOut.getLast());
        } catch (PassedFds.Refused e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theBudgetIsAQuarterOfTheLimitWithinItsBounds() {
        assertThat(PassedFdBudget.sized(20_000)).isEqualTo(5_000);
        assertThat(PassedFdBudget.sized(1_024)).isEqualTo(256);
        assertThat(PassedFdBudget.sized(1_000)).as("at least one message's worth").isEqualTo(PassedFds.MOST_PER_MESSAGE);
        assertThat(PassedFdBudget.sized(1L << 30)).isEqualTo(PassedFdBudget.MOST);
        assertThat(PassedFdBudget.sized(-Errno.EPERM)).isEqualTo(PassedFds.MOST_PER_MESSAGE);
        assertThat(PassedFdBudget.forThisProcess().capacity()).isBetween(PassedFds.MOST_PER_MESSAGE, PassedFdBudget.MOST);
    }
}
