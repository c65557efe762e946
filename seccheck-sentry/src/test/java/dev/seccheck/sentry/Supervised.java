package dev.seccheck.sentry;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkRegistry;
import dev.seccheck.sink.SinkSetup;
import dev.seccheck.state.Gate;
import dev.seccheck.state.PointState;
import dev.seccheck.state.Subscriber;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Supervised is the fixture of the tests that run real programs under a {@link Supervisor}:
 * session parsing whose one sink kind hands out the test's own sinks, and a program run on a
 * thread of its own that always ends (killed past its deadline).
 */
final class Supervised {
    private Supervised() {}

    /** Returns a parser of the standard catalog whose one sink kind, {@code name}, creates what {@code sinks} supplies. */
    static SessionConfigParser parser(String name, Supplier<? extends Sink> sinks) {
        SinkDescriptor.Plain desc = new SinkDescriptor.Plain() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Sink create(SinkConfig config, SinkSetup setup) {
                return sinks.get();
            }
        };
        return new SessionConfigParser(Catalog.standard(), new SinkRegistry(List.of(desc)));
    }

    /** A sink that takes every point and does nothing with it. */
    private static final Sink NULL_SINK = new Sink() {
        @Override
        public String name() {
            return "null";
        }
    };

    /** Returns point state with one session whose only point is {@code point}, enter fields none, to a sink that drops it. */
    static PointState onlyPoint(Point point) {
        PointState state = new PointState();
        state.publish(List.of(new Subscriber(new Gate(), List.of(NULL_SINK), List.of(new PointReq(point, FieldSet.EMPTY)))));
        return state;
    }

    /** Background is a program run by {@code sup} on a platform thread; {@code status} gets its exit status or failure. */
    record Background(Supervisor sup, Thread thread, CompletableFuture<Integer> status) {

        /** Starts {@code argv} under {@code sup} on a new platform thread (a supervisor owns its tracees' thread). */
        static Background start(Supervisor sup, List<String> argv) {
            CompletableFuture<Integer> status = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().start(() -> {
                try {
                    status.complete(sup.run(argv));
                } catch (Throwable e) {
                    status.completeExceptionally(e);
                }
            });
            return new Background(sup, thread, status);
        }

        /** Waits up to {@code seconds} for the program to start; returns its pid. */
        int awaitStarted(long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (sup.pid().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            org.assertj.core.api.Assertions.assertThat(sup.pid()).as("the run's program started").isPresent();
            return sup.pid().orElseThrow();
        }

        /**
         * Returns the exit status, waiting up to {@code seconds}; past that kills the program, lets
         * the thread end and fails naming {@code what}.
         */
        int await(long seconds, String what) throws Exception {
            try {
                return status.get(seconds, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                sup.signal(9);
                thread.join(TimeUnit.SECONDS.toMillis(30));
                throw new AssertionError(what + " did not end in " + seconds + " s", e);
            }
        }

        /**
         * Ends the run whatever happened in the test: waits up to {@code seconds} for the program,
         * kills it past that, and lets the thread end. The outcome stays in {@link #status} for
         * the test to assert.
         */
        void finish(long seconds) throws InterruptedException {
            try {
                status.get(seconds, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                sup.signal(9);
            } catch (ExecutionException e) {
                // The failure is in status, where the test asserts the outcome.
            }
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
    }
}
