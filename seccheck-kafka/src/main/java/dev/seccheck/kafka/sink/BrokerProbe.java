package dev.seccheck.kafka.sink;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * BrokerProbe asks the broker itself whether it serves the sink's topic, with a metadata request
 * of its own each time (an admin client's describe). The producer cannot tell: its
 * {@code partitionsFor} answers from the metadata it cached before an outage, so a probe built on
 * it found a stopped broker "back" at once. The admin client is made at the first question and
 * kept until {@link #close}, and is used by one thread, the sink's prober.
 */
final class BrokerProbe implements AutoCloseable {
    /** How long one question waits for the broker: long enough for a loaded broker to answer. */
    static final Duration ASK_TIMEOUT = Duration.ofSeconds(2);

    private final KafkaConfig config;
    private Admin admin;

    BrokerProbe(KafkaConfig config) {
        this.config = config;
    }

    /**
     * Returns whether the broker answered, within {@link #ASK_TIMEOUT}, with partitions of the
     * topic that each have a leader. An interrupt (the sink stopping) ends the question with false
     * and stays set.
     */
    boolean brokerServesTopic() {
        try {
            if (admin == null) {
                admin = Admin.create(properties(config));
            }
            Map<String, TopicDescription> d = admin.describeTopics(List.of(config.topic()),
                            new DescribeTopicsOptions().timeoutMs((int) ASK_TIMEOUT.toMillis()))
                    .allTopicNames().get(ASK_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            return served(d.get(config.topic()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            // No answer in time, the topic unknown, or bootstrap names that do not resolve yet.
            return false;
        }
    }

    /**
     * Whether {@code t} (null: the topic is unknown) can take records now: it has partitions, and
     * each has a leader. A broker that restarted answers metadata before it leads its partitions
     * again; a producer sending then waits its whole budget for a leader, and a sink told "back" by
     * a probe that only saw partitions dropped the points of the following seconds.
     */
    static boolean served(TopicDescription t) {
        if (t == null || t.partitions().isEmpty()) {
            return false;
        }
        for (TopicPartitionInfo p : t.partitions()) {
            if (p.leader() == null || p.leader().isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** The admin client's properties: the site's (TLS, SASL reach the broker the same way), then ours. */
    static Properties properties(KafkaConfig c) {
        Properties p = new Properties();
        p.putAll(c.properties());
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, c.bootstrapServers());
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "seccheck-kafka-probe");
        return p;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ZERO);
            admin = null;
        }
    }
}
