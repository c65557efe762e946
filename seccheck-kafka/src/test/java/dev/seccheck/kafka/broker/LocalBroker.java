package dev.seccheck.kafka.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * LocalBroker is a single-node Kafka broker (KRaft, broker and controller in one process) on
 * loopback, run from the Apache Kafka Maven artifacts for tests and for trying the kafka sink:
 * no Docker, no download besides Maven's. Its directory holds {@code server.properties}, the data,
 * {@code broker.log}, {@code broker.pid} and {@code bootstrap} (the {@code host:port} to give
 * clients); ports are chosen free at the first start and kept, so a restarted broker is found
 * where it was. It is stopped by its pid: SIGTERM, then SIGKILL after {@link #STOP_DEADLINE}.
 *
 * <p>From a shell: {@code seccheck-kafka/broker start DIR} and {@code seccheck-kafka/broker stop DIR}
 * (that script runs {@link #main} with this module's test class path).
 */
public final class LocalBroker implements AutoCloseable {
    /**
     * How long a starting broker may take to open its port: 2-3 s alone, over 60 s was seen on a
     * machine loaded ten times over its cores.
     */
    static final Duration START_DEADLINE = Duration.ofSeconds(120);
    /** How long a broker may take to stop on SIGTERM (0.6 s measured) before it is killed. */
    static final Duration STOP_DEADLINE = Duration.ofSeconds(20);
    /** The cheapest settings measured on 2 CPUs: a broker for tests needs neither C2 nor a big heap. */
    static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-Xss512k", "-XX:-UsePerfData");

    private final Path dir;
    private final String bootstrap;
    private long pid;

    private LocalBroker(Path dir, String bootstrap, long pid) {
        this.dir = dir;
        this.bootstrap = bootstrap;
        this.pid = pid;
    }

    /** Formats {@code dir} if it is new, starts the broker and waits until it listens. */
    public static LocalBroker start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path props = dir.resolve("server.properties");
        if (!Files.exists(props)) {
            format(dir, props);
        }
        String bootstrap = Files.readString(dir.resolve("bootstrap")).strip();
        LocalBroker b = new LocalBroker(dir, bootstrap, 0);
        b.launch();
        return b;
    }

    /** Returns {@code 127.0.0.1:port}, for the clients' {@code bootstrap.servers}. */
    public String bootstrap() {
        return bootstrap;
    }

    /** Returns the broker process's pid. */
    public long pid() {
        return pid;
    }

    /** Stops the broker (by pid) and waits until it is gone. */
    public void stop() throws IOException, InterruptedException {
        stop(dir);
    }

    /** Starts the broker again on the same ports and data, after {@link #stop}. */
    public void restart() throws IOException, InterruptedException {
        launch();
    }

    @Override
    public void close() throws IOException {
        // Not InterruptedException: a resource's close that can throw it is easy to swallow in a
        // try-with-resources; the interrupt is kept on the thread instead.
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted stopping the broker in " + dir);
        }
    }

    private void launch() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(java));
        cmd.addAll(JVM_FLAGS);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "kafka.Kafka",
                dir.resolve("server.properties").toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        pid = p.pid();
        Files.writeString(dir.resolve("broker.pid"), pid + "\n");
        int colon = bootstrap.lastIndexOf(':');
        InetSocketAddress addr = new InetSocketAddress(bootstrap.substring(0, colon),
                Integer.parseInt(bootstrap.substring(colon + 1)));
        long deadline = System.nanoTime() + START_DEADLINE.toNanos();
        while (true) {
            if (!p.isAlive()) {
                throw new IOException("the broker exited with status " + p.exitValue() + " before listening on "
                        + bootstrap + "; see " + dir.resolve("broker.log"));
            }
            try (Socket s = new Socket()) {
                s.connect(addr, 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() - deadline > 0) {
                    stop(dir);
                    throw new IOException("the broker did not listen on " + bootstrap + " within "
                            + START_DEADLINE.toSeconds() + " s; see " + dir.resolve("broker.log"));
                }
                Thread.sleep(100);
            }
        }
    }

    /** Stops the broker whose pid is in {@code dir/broker.pid}, if it runs; SIGKILL after the deadline. */
    static void stop(Path dir) throws IOException, InterruptedException {
        Path pidFile = dir.resolve("broker.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        // The pid file may be stale: only a java process started on our properties file is ours.
        if (h.isPresent() && commandLine(pid).contains(dir.resolve("server.properties").toString())) {
            h.get().destroy();
            if (!waitGone(h.get(), STOP_DEADLINE)) {
                h.get().destroyForcibly();
                if (!waitGone(h.get(), Duration.ofSeconds(10))) {
                    throw new IOException("broker pid " + pid + " survived SIGKILL for 10 s");
                }
            }
        }
        Files.deleteIfExists(pidFile);
    }

    /** Returns the arguments of a process; ProcessHandle.Info has none for a command line over 4 KiB. */
    private static List<String> commandLine(long pid) {
        try {
            return List.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).split("\0"));
        } catch (IOException e) {
            return List.of(); // gone already
        }
    }

    private static boolean waitGone(ProcessHandle h, Duration deadline) throws InterruptedException {
        try {
            h.onExit().get(deadline.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("waiting for pid " + h.pid(), e);
        }
    }

    private static void format(Path dir, Path props) throws IOException {
        int port = freePort();
        int controller = freePort();
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controller);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("log.dirs", dir.resolve("data").toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("auto.create.topics.enable", "true");
        // One node: every internal topic with one replica, and few partitions so they are made quickly.
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "1");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "1");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.num.partitions", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        try (var out = Files.newOutputStream(props)) {
            p.store(out, "single-node KRaft broker for seccheck (LocalBroker)");
        }
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        int rc;
        try (PrintStream ps = new PrintStream(said, true, StandardCharsets.UTF_8)) {
            // Static voters: formatted without --standalone (which is refused with them).
            rc = kafka.tools.StorageTool.execute(new String[] {"format", "-t", Uuid.randomUuid().toString(),
                "-c", props.toString()}, ps);
        }
        if (rc != 0) {
            Files.delete(props);
            throw new IOException("formatting " + dir + " failed (" + rc + "): " + said.toString(StandardCharsets.UTF_8));
        }
        Files.writeString(dir.resolve("bootstrap"), "127.0.0.1:" + port + "\n");
    }

    /**
     * A loopback port free now, outside 40450-40459: tests that need a port where nothing listens
     * name those (KafkaSinkConfigTest), and brokers of other test classes start beside them.
     */
    private static int freePort() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress("127.0.0.1", 0));
                int port = s.getLocalPort();
                if (port < 40450 || port > 40459) {
                    return port;
                }
            }
        }
    }

    /** {@code start DIR} or {@code stop DIR}; start prints the bootstrap address and leaves the broker running. */
    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !List.of("start", "stop").contains(args[0])) {
            System.err.println("usage: broker start|stop DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[1]).toAbsolutePath();
        if (args[0].equals("start")) {
            if (Files.exists(dir.resolve("broker.pid"))) {
                System.err.println("broker: " + dir + " has a broker.pid: stop it first");
                System.exit(1);
            }
            LocalBroker b = start(dir);
            System.out.println("broker: listening on " + b.bootstrap() + " (pid " + b.pid() + ", data in " + dir + ")");
        } else {
            stop(dir);
            System.out.println("broker: stopped (" + dir + ")");
        }
        // StorageTool's classes start no threads we must wait for; exit at once, leaving the broker.
        System.exit(0);
    }
}
