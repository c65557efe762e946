package dev.seccheck.sinks.policy;

import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointReq;
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
import java.util.Optional;

/**
 * PolicySinkDescriptor registers the {@code policy} sink. Config: {@code rules} (required list)
 * and {@code alerts} ({@code "stderr"} by default, {@code "stdout"}, or a file to append to).
 */
public final class PolicySinkDescriptor implements SinkDescriptor {

    @Override
    public String name() {
        return "policy";
    }

    @Override
    public void validate(SinkConfig config) throws SinkException {
        config.requireOnly("rules", "alerts");
        config.string("alerts");
        PolicyCompiler.compile(config, Optional.empty(), Catalog.standard());
    }

    @Override
    public void validate(SinkConfig config, List<PointReq> sessionPoints) throws SinkException {
        validate(config);
        PolicyCompiler.compile(config, Optional.of(sessionPoints), Catalog.standard());
    }

    @Override
    public SinkSetup setup(SinkConfig config) throws SinkException {
        String target = config.string("alerts").orElse("stderr");
        return switch (target) {
            case "stderr" -> new Opened(new AlertLog(System.err, false));
            case "stdout" -> new Opened(new AlertLog(System.out, false));
            default -> {
                try {
                    yield new Opened(new AlertLog(new PrintStream(new FileOutputStream(target, true), true,
                            StandardCharsets.UTF_8), true));
                } catch (IOException e) {
                    throw config.error("alerts", "cannot open \"" + target + "\" for writing: " + e.getMessage());
                }
            }
        };
    }

    @Override
    public Sink create(SinkConfig config, SinkSetup setup) throws SinkException {
        return new PolicySink(PolicyCompiler.compile(config, Optional.empty(), Catalog.standard()), ((Opened) setup).log());
    }

    private record Opened(AlertLog log) implements SinkSetup {
        @Override
        public void close() {
            log.close();
        }
    }
}
