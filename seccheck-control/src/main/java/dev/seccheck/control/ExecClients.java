package dev.seccheck.control;

import dev.seccheck.linux.LinuxException;
import dev.seccheck.linux.Signals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * ExecClients keeps, for each {@code seccheck exec} client process (its pid as SO_PEERCRED gave
 * it), the commands the run is running for it, so that the client's {@code signal} request
 * reaches its own commands and nothing else: the run signals no process a request names.
 */
final class ExecClients {

    /** The largest signal number Linux has (SIGRTMAX). */
    static final int MAX_SIGNAL = 64;

    private final Map<Long, Set<Command>> byClient = new ConcurrentHashMap<>();

    /**
     * One command in progress for a client: told its pid once it is attached, and closed when it
     * has ended (its pid may then be another process's).
     */
    final class Command implements IntConsumer, AutoCloseable {
        private final long client;
        /** The first process's pid; -1 if it ended or failed before it was attached. */
        private final CompletableFuture<Integer> pid = new CompletableFuture<>();

        private Command(long client) {
            this.client = client;
        }

        @Override
        public void accept(int started) {
            pid.complete(started);
        }

        @Override
        public void close() {
            byClient.computeIfPresent(client, (c, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
            pid.complete(-1);
        }
    }

    /** Registers a command the run starts for {@code client}. */
    Command start(long client) {
        Command c = new Command(client);
        byClient.computeIfAbsent(client, k -> ConcurrentHashMap.newKeySet()).add(c);
        return c;
    }

    /**
     * Sends {@code sig} to the first process of every command running for {@code client},
     * waiting at most {@code wait} for one still being attached; returns the pids signalled
     * (none when the client has no command running).
     */
    List<Integer> signal(long client, int sig, Duration wait) throws ControlException {
        if (sig < 1 || sig > MAX_SIGNAL) {
            throw new ControlException("signal: \"signal\" must be a signal number from 1 to " + MAX_SIGNAL + ", got " + sig);
        }
        List<Integer> sent = new ArrayList<>();
        long end = System.nanoTime() + wait.toNanos();
        for (Command c : List.copyOf(byClient.getOrDefault(client, Set.of()))) {
            int pid;
            try {
                pid = c.pid.get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new ControlException("signal: the command is not started yet after " + wait.toMillis() + " ms", e);
            } catch (ExecutionException e) {
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ControlException("signal: interrupted", e);
            }
            if (pid <= 0) {
                continue;
            }
            try {
                Signals.kill(pid, sig);
                sent.add(pid);
            } catch (LinuxException e) {
                // Ended since (its end completes the exec request): nothing left to signal.
            }
        }
        return sent;
    }
}
