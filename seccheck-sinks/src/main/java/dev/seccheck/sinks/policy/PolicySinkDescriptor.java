package dev.seccheck.sinks.policy;

import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointReq;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PolicySinkDescriptor registers the {@code policy} sink. Config: {@code rules} (required list)
 * {@code alerts} ({@code "stderr"} by default, {@code "stdout"}, or a file to append to) and
 * {@code on_missing} ({@code "deny"} by default, {@code "allow"}, {@code "kill"}: see {@link OnMissing}).
 * The rules are compiled once, at validation, and the compiled rules make the sink.
 */
public final class PolicySinkDescriptor implements SinkDescriptor<PolicySinkDescriptor.Policy> {

    /**
     * Policy is a validated policy configuration: the compiled rules of each point the session
     * enables, and where alerts go ({@code alerts} as written, with its path; empty for stderr).
     */
    record Policy(Map<Integer, List<Rule>> rules, Optional<ConfigValue.Text> alerts, OnMissing onMissing) {
        // Package-private: only this descriptor makes and reads it; sessions carry it opaquely.
        Policy {
            rules = Map.copyOf(rules);
        }
    }

    @Override
    public String name() {
        return "policy";
    }

    @Override
    public Policy validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        config.requireOnly("rules", "alerts", "on_missing");
        config.string("alerts");
        Optional<ConfigValue.Text> alerts = config.value("alerts").map(ConfigValue.Text.class::cast);
        OnMissing onMissing = OnMissing.DENY;
        Optional<String> named = config.string("on_missing");
        if (named.isPresent()) {
            try {
                onMissing = OnMissing.of(named.get());
            } catch (IllegalArgumentException bad) {
                throw config.error("on_missing", bad.getMessage());
            }
        }
        return new Policy(PolicyCompiler.compile(config, sessionPoints, Catalog.standard()), alerts, onMissing);
    }

    @Override
    public SinkSetup setup(Policy policy) throws SinkException {
        String target = policy.alerts().map(ConfigValue.Text::value).orElse("stderr");
        return switch (target) {
            case "stderr" -> new Opened(new AlertLog(System.err, false));
            case "stdout" -> new Opened(new AlertLog(System.out, false));
            default -> {
                try {
                    yield new Opened(new AlertLog(new PrintStream(new FileOutputStream(target, true), true,
                            StandardCharsets.UTF_8), true));
                } catch (IOException e) {
                    throw policy.alerts().orElseThrow()
                            .error("cannot open \"" + target + "\" for writing: " + e.getMessage());
                }
            }
        };
    }

    @Override
    public Sink create(Policy policy, SinkSetup setup) {
        return new PolicySink(policy.rules(), ((Opened) setup).log(), policy.onMissing());
    }

    private record Opened(AlertLog log) implements SinkSetup {
        @Override
        public void close() {
            log.close();
        }
    }
}
