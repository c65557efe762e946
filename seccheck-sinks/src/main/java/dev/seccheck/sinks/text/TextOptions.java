package dev.seccheck.sinks.text;

import dev.seccheck.format.Escape;
import dev.seccheck.sink.ConfigKey;
import dev.seccheck.sink.Selection;
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
 * @param verbose whether sentry/execve's line shows the environment in full, not its count as
 *     strace shows an execve's (strace's {@code -v}); the JSON and raw formats always show it
 * @param only which points to write
 */
public record TextOptions(Format format, int stringLimit, Time time, boolean durations, boolean verbose,
        Selection only) {

    /** The selection keys, shared with the summary sink. */
    static final List<ConfigKey> SELECTION_KEYS = List.of(
            new ConfigKey("only_pids", "keep only the points of these thread group ids"),
            new ConfigKey("only_comms", "keep only the points of processes with these names"),
            new ConfigKey("only_paths", "keep only the points touching a path under these prefixes"));

    /** The config keys the text sink takes, for {@code requireOnly} and {@code seccheck metadata}. */
    public static final List<ConfigKey> KEYS = List.of(
            new ConfigKey("path", "where to write: a file (appended to), stderr (default) or stdout"),
            new ConfigKey("format", "strace (one line per call, default), raw (E/X lines) or json (docs/json.md)"),
            new ConfigKey("string_limit", "cut strings after this many characters, visibly (default 256, 0: never)"),
            new ConfigKey("time", "timestamps: none (default), s (-t) or us (-tt)"),
            new ConfigKey("durations", "true: end call lines with the time the call took (-T)"),
            new ConfigKey("verbose", "true: show sentry/execve's environment in full, not its count (-v)"),
            SELECTION_KEYS.get(0), SELECTION_KEYS.get(1), SELECTION_KEYS.get(2));

    /** The defaults: strace-like lines, 256-character strings, no timestamps, an exec's environment counted. */
    public static final TextOptions DEFAULTS = new TextOptions(Format.STRACE, Escape.DEFAULT_LIMIT, Time.NONE, false,
            false, Selection.ALL);

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
        return new TextOptions(format, (int) limit, time, config.bool("durations").orElse(false),
                config.bool("verbose").orElse(false), selection(config));
    }

    /** Reads {@code only_pids}, {@code only_comms} and {@code only_paths}. */
    static Selection selection(SinkConfig config) throws SinkException {
        List<Long> pids = new java.util.ArrayList<>();
        for (var v : config.list("only_pids").orElse(List.of())) {
            if (!(v instanceof dev.seccheck.sink.ConfigValue.Numeric n) || n.wholeLong().isEmpty()) {
                throw config.error("only_pids", "must be a list of whole numbers, got " + v.json());
            }
            pids.add(n.wholeLong().getAsLong());
        }
        return new Selection(pids, strings(config, "only_comms"), strings(config, "only_paths"));
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
