package dev.seccheck.sink;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * SinkRegistry is the set of sink kinds available, by name. {@link #discover()} finds them on
 * the class path with {@link ServiceLoader}.
 */
public final class SinkRegistry {

    private final Map<String, SinkDescriptor<?>> byName;

    /**
     * Builds a registry from these descriptors.
     *
     * @throws IllegalArgumentException if two share a name
     */
    public SinkRegistry(List<? extends SinkDescriptor<?>> descriptors) {
        Map<String, SinkDescriptor<?>> map = new TreeMap<>();
        for (SinkDescriptor<?> d : descriptors) {
            if (map.putIfAbsent(d.name(), d) != null) {
                throw new IllegalArgumentException("two sinks are named \"" + d.name() + "\"");
            }
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    /** Returns a registry of every sink descriptor on the class path. */
    public static SinkRegistry discover() {
        return new SinkRegistry(ServiceLoader.load(SinkDescriptor.class).stream()
                .<SinkDescriptor<?>>map(ServiceLoader.Provider::get)
                .toList());
    }

    /** Returns the descriptor with this name. */
    public Optional<SinkDescriptor<?>> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Returns every descriptor, sorted by name. */
    public List<SinkDescriptor<?>> all() {
        return List.copyOf(byName.values());
    }
}
