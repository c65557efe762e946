package dev.seccheck.sinks.policy;

import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointReq;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Destination;
import dev.seccheck.sink.OnDrop;
import dev.seccheck.sink.Sink;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkContext;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkException;
import dev.seccheck.sink.SinkSetup;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * PolicySinkDescriptor registers the {@code policy} sink. Config: {@code rules} (required list)
 * and {@code path}, where alerts go ({@code "stderr"} by default, {@code "stdout"}, or a file to
 * append to), the key every writing sink shares; {@code alerts} is its older name, still accepted;
 * {@code on_missing} ({@code "deny"} by default, {@code "allow"}, {@code "kill"}: see {@link OnMissing});
 * and {@code on_drop}, what a log rule's alert that cannot be written does ({@link OnDrop}).
 * The rules are compiled once, at validation, and the compiled rules make the sink.
 */
public final class PolicySinkDescriptor implements SinkDescriptor<PolicySinkDescriptor.Policy> {

    /**
     * Policy is a validated policy configuration: the compiled rules of each point the session
     * enables, and where alerts go.
     */
    record Policy(Map<Integer, List<Rule>> rules, Destination alerts, OnMissing onMissing, OnDrop onDrop) {
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
        config.requireOnly("rules", Destination.KEY, "alerts", "on_missing", OnDrop.KEY);
        Destination alerts = Destination.from(config, "alerts");
        OnMissing onMissing = OnMissing.DENY;
        Optional<String> named = config.string("on_missing");
        if (named.isPresent()) {
            try {
                onMissing = OnMissing.of(named.get());
            } catch (IllegalArgumentException bad) {
                throw config.error("on_missing", bad.getMessage());
            }
        }
        return new Policy(PolicyCompiler.compile(config, sessionPoints, Catalog.standard()), alerts, onMissing,
                OnDrop.parse(config));
    }

    @Override
    public SinkSetup setup(Policy policy) throws SinkException {
        return setup(policy, SinkContext.NONE);
    }

    /** Opens the alerts' destination, as a session made while the program may run opens it when {@code context} says so. */
    @Override
    public SinkSetup setup(Policy policy, SinkContext context) throws SinkException {
        Destination.Stream out = policy.alerts().open(context);
        return new Opened(new AlertLog(out));
    }

    @Override
    public List<ConfigKey> keys() {
        return List.of(new ConfigKey("rules", "the rules, in order: point or effect, match, action (allow, log, deny, kill), errno"),
                new ConfigKey(Destination.KEY, "where alerts go: a file (appended to), stderr (default) or stdout"),
                new ConfigKey("alerts", "the older name of path, still accepted"),
                new ConfigKey("on_missing", "when a rule needs a value seccheck could not read: deny (default), allow, kill"),
                new ConfigKey(OnDrop.KEY, "what a log rule's alert the file or stream does not take (a full disk) does to"
                        + " its operation: count (default), deny (fails it, EPERM) or kill (kills its process)"));
    }

    @Override
    public Sink create(Policy policy, SinkSetup setup) {
        return new PolicySink(policy.rules(), ((Opened) setup).log(), policy.onMissing(), policy.onDrop(),
                policy.alerts().name());
    }

    private record Opened(AlertLog log) implements SinkSetup {
        @Override
        public void close() {
            log.close();
        }
    }
}
