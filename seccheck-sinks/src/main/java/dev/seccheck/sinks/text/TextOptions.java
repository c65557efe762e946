package dev.seccheck.sinks.text;

import dev.seccheck.format.Escape;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.util.List;

/**
 * TextOptions are the text sink's settings: the line format, the string limit, and the
 * timestamps and durations strace's {@code -t}/{@code -tt}/{@code -T} add.
 *
 * @param format how each point is written
 * @param stringLimit strings are cut after this many characters, visibly (0: never)
 * @param time the timestamp at the start of each line
 * @param durations whether a joined call line ends with the time the call took, as {@code <0.000012>}
 * @param only which points to write (all when its lists are empty)
 */
public record TextOptions(Format format, int stringLimit, Time time, boolean durations, Only only) {

    /** The config keys the text sink takes, for {@code requireOnly} and {@code seccheck metadata}. */
    public static final List<String> KEYS = List.of("path", "format", "string_limit", "time", "durations",
            "only_pids", "only_comms", "only_paths");

    /** The defaults: strace-like lines, 256-character strings, no timestamps. */
    public static final TextOptions DEFAULTS = new TextOptions(Format.STRACE, Escape.DEFAULT_LIMIT, Time.NONE, false,
            new Only(List.of(), List.of(), List.of()));

    /**
     * Only selects the points written, like strace's {@code -p} and {@code -P}: by thread group
     * id, by process name, by a path prefix in any path field. A point lacking the context field
     * a list needs is not written, so a selection never lets unknown tasks through.
     *
     * @param pids thread group ids
     * @param comms process names
     * @param paths path prefixes
     */
    public record Only(List<Long> pids, List<String> comms, List<String> paths) {
        /** Says whether every point is written. */
        public boolean all() {
            return pids.isEmpty() && comms.isEmpty() && paths.isEmpty();
        }
    }

    /** Format is how each point is written. */
    public enum Format {
        /** One line per call, enter and exit joined, arguments decoded ({@code openat(AT_FDCWD, "/x", O_RDONLY) = 3}). */
        STRACE,
        /** One line per point, every field as {@code name=value}, {@code E}/{@code X} for enter and exit. */
        RAW,
        /** One JSON object per point (docs/json.md). */
        JSON
    }

    /** Time is the timestamp at the start of each line. */
    public enum Time {
        /** None. */
        NONE,
        /** Wall clock to the second ({@code -t}). */
        SECONDS,
        /** Wall clock to the microsecond ({@code -tt}). */
        MICROS
    }

    /** Reads the options from a text sink's config, each bad value named by its key's path. */
    static TextOptions from(SinkConfig config) throws SinkException {
        Format format = switch (config.string("format").orElse("strace")) {
            case "strace" -> Format.STRACE;
            case "raw" -> Format.RAW;
            case "json" -> Format.JSON;
            case String other -> throw config.error("format", "must be \"strace\", \"raw\" or \"json\", got \"" + other + "\"");
        };
        long limit = config.integer("string_limit").orElse(Escape.DEFAULT_LIMIT);
        if (limit < 0 || limit > 1 << 20) {
            throw config.error("string_limit", "must be between 0 (no limit) and 1048576, got " + limit);
        }
        Time time = switch (config.string("time").orElse("none")) {
            case "none" -> Time.NONE;
            case "s" -> Time.SECONDS;
            case "us" -> Time.MICROS;
            case String other -> throw config.error("time", "must be \"none\", \"s\" or \"us\", got \"" + other + "\"");
        };
        List<Long> pids = new java.util.ArrayList<>();
        for (var v : config.list("only_pids").orElse(List.of())) {
            if (!(v instanceof dev.seccheck.sink.ConfigValue.Numeric n) || n.wholeLong().isEmpty()) {
                throw config.error("only_pids", "must be a list of whole numbers, got " + v.json());
            }
            pids.add(n.wholeLong().getAsLong());
        }
        return new TextOptions(format, (int) limit, time, config.bool("durations").orElse(false),
                new Only(pids, strings(config, "only_comms"), strings(config, "only_paths")));
    }

    private static List<String> strings(SinkConfig config, String key) throws SinkException {
        List<String> out = new java.util.ArrayList<>();
        for (var v : config.list(key).orElse(List.of())) {
            if (!(v instanceof dev.seccheck.sink.ConfigValue.Text t)) {
                throw config.error(key, "must be a list of strings, got " + v.json());
            }
            out.add(t.value());
        }
        return out;
    }
}
