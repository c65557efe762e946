package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TaskOrderTest {

    @Test
    void aThreadsNextCallWaitsUntilThePreviousOneFiredItsExit() throws Exception {
        TaskOrder order = new TaskOrder();
        List<String> fired = new CopyOnWriteArrayList<>();
        CountDownLatch answered = new CountDownLatch(1);
        Thread first = Thread.ofPlatform().start(() -> order.inTurn(7, () -> {
            fired.add("enter 1");
            answered.countDown(); // the program resumes and makes its next call
            sleep(200);
            fired.add("exit 1");
        }));
        assertThat(answered.await(5, TimeUnit.SECONDS)).isTrue();
        order.inTurn(7, () -> {
            fired.add("enter 2");
            fired.add("exit 2");
        });
        first.join(5_000);
        assertThat(fired).containsExactly("enter 1", "exit 1", "enter 2", "exit 2");
        assertThat(order.size()).isZero();
    }

    @Test
    void anotherThreadsCallDoesNotWait() throws Exception {
        TaskOrder order = new TaskOrder();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocked = Thread.ofPlatform().start(() -> order.inTurn(7, () -> {
            inside.countDown();
            await(release);
        }));
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        order.inTurn(8, () -> {});
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(TaskOrder.PATIENCE_MS / 2);
        release.countDown();
        blocked.join(5_000);
        assertThat(order.size()).isZero();
    }

    @Test
    void aTurnHeldTooLongIsGivenUpRatherThanHangingTheProgram() throws Exception {
        TaskOrder order = new TaskOrder();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocked = Thread.ofPlatform().start(() -> order.inTurn(7, () -> {
            inside.countDown();
            await(release); // a FIFO open with no writer
        }));
        assertThat(inside.await(5, TimeUnit.SECONDS)).isTrue();
        List<String> ran = new CopyOnWriteArrayList<>();
        order.inTurn(7, () -> ran.add("signal handler's open"));
        assertThat(ran).containsExactly("signal handler's open");
        release.countDown();
        blocked.join(5_000);
        assertThat(order.size()).isZero();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
