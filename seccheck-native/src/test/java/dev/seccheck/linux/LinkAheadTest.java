package dev.seccheck.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Linking ahead on a second thread changes nothing its users can see: a user arriving while a
 * class is still being linked waits for its handles, and a symbol libc lacks still fails the
 * class's first user, naming the symbol.
 */
class LinkAheadTest {

    // Outside SlowBinding: touching a static of a class being initialised waits for its initialiser.
    static final CountDownLatch ENTERED = new CountDownLatch(1);
    static final CountDownLatch GO = new CountDownLatch(1);

    /** A binding whose link waits for the test to let it finish. */
    static final class SlowBinding {
        static final Libc.Function GETPID;

        static {
            ENTERED.countDown();
            try {
                if (!GO.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never let the link finish");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            GETPID = Libc.function("getpid");
        }

        static int pid() {
            try {
                return (int) Libc.call(Libc.errnoSlot(), GETPID, 0);
            } catch (Throwable t) {
                throw new AssertionError("getpid", t);
            }
        }
    }

    /** A binding of a function no libc has. */
    static final class MissingSymbolBinding {
        static final Libc.Function NONE = Libc.function("seccheck_no_such_function");

        static Libc.Function handle() {
            return NONE;
        }
    }

    @Test
    void aUserArrivingDuringTheLinkWaitsForTheHandle() throws Throwable {
        Thread linker = LinkAhead.start(List.of(SlowBinding.class));
        assertThat(ENTERED.await(10, TimeUnit.SECONDS)).isTrue();
        ExecutorService user = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> pid = user.submit(SlowBinding::pid);
            // The handle is not made yet: the user must still be waiting, not calling a null handle.
            Thread.sleep(200);
            assertThat(pid).isNotDone();
            GO.countDown();
            assertThat(pid.get(10, TimeUnit.SECONDS)).isEqualTo((int) ProcessHandle.current().pid());
        } finally {
            GO.countDown();
            user.shutdownNow();
            assertThat(user.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
        linker.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(linker.isAlive()).isFalse();
    }

    @Test
    void aMissingSymbolStillFailsItsFirstUserNamingTheSymbol() throws Exception {
        Thread linker = LinkAhead.start(List.of(MissingSymbolBinding.class));
        linker.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(linker.isAlive()).isFalse();
        // The JVM describes the linking thread's failure in the cause it gives the first user.
        assertThatThrownBy(MissingSymbolBinding::handle)
                .isInstanceOf(NoClassDefFoundError.class)
                .hasMessageContaining(MissingSymbolBinding.class.getName())
                .cause()
                .isInstanceOf(ExceptionInInitializerError.class)
                .hasMessageContaining("UnsatisfiedLinkError: libc has no symbol seccheck_no_such_function")
                .hasMessageContaining("seccheck-link-ahead");
    }

    @Test
    void theRunListNamesOnlyBindingClasses() {
        // LinkAhead.forRun links these; a class of another package would not be initialised here.
        assertThat(LinkAhead.RUN).isNotEmpty().allSatisfy(c -> assertThat(c.getPackageName()).isEqualTo("dev.seccheck.linux"));
    }
}
