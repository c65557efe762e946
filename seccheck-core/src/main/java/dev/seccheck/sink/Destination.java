package dev.seccheck.sink;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;

/**
 * Destination is where a sink that writes lines sends them: the one config key {@code path}
 * every such sink shares, naming a file to append to, or {@code stderr} (the default) or
 * {@code stdout}. Read at validation, opened at setup.
 *
 * @param file the file {@code path} names, with its config path for errors; empty for stderr or stdout
 * @param stdout whether the lines go to stdout (when {@code file} is empty)
 */
public record Destination(Optional<ConfigValue.Text> file, boolean stdout) {

    /** The config key. */
    public static final String KEY = "path";

    /** stderr. */
    public static final Destination STDERR = new Destination(Optional.empty(), false);

    /**
     * Reads the destination from {@code path}, or from {@code alias} (an older name for it) when
     * {@code path} is absent; giving both is an error.
     */
    public static Destination from(SinkConfig config, String alias) throws SinkException {
        String key = KEY;
        if (alias != null && config.has(alias)) {
            if (config.has(KEY)) {
                throw config.error(alias, "is another name for \"" + KEY + "\": give only one of them");
            }
            key = alias;
        }
        Optional<String> where = config.string(key);
        if (where.isEmpty() || where.get().equals("stderr")) {
            return STDERR;
        }
        if (where.get().equals("stdout")) {
            return new Destination(Optional.empty(), true);
        }
        if (where.get().isEmpty()) {
            throw config.error(key, "must name a file, stderr or stdout, got \"\"");
        }
        return new Destination(config.value(key).map(ConfigValue.Text.class::cast), false);
    }

    /** Returns the file's path as configured, or {@code stderr} or {@code stdout}. */
    public String name() {
        return file.map(ConfigValue.Text::value).orElse(stdout ? "stdout" : "stderr");
    }

    /** Opens the destination for sessions that belong to no run ({@link #open(SinkContext)}). */
    public Stream open() throws SinkException {
        return open(SinkContext.NONE);
    }

    /**
     * Opens the destination; a file is opened to append (a {@link TrailStream}), and the error
     * names its config path. While the run's program may be running ({@link
     * SinkContext#programMayRun}) a file is one the program may have put there: a FIFO, a pipe or
     * a terminal is refused ({@link TrailStream#append(String, boolean)}).
     */
    public Stream open(SinkContext context) throws SinkException {
        if (file.isEmpty()) {
            return new Stream(stdout ? System.out : System.err, false);
        }
        ConfigValue.Text f = file.get();
        try {
            return new Stream(TrailStream.append(f.value(), context.programMayRun()), true);
        } catch (IOException e) {
            throw f.error("cannot open \"" + f.value() + "\" for writing: " + e.getMessage());
        }
    }

    /**
     * Stream is an opened destination; closing it closes a file and leaves stderr and stdout open.
     *
     * @param out where to print
     * @param owned whether closing closes {@code out}
     */
    public record Stream(PrintStream out, boolean owned) implements SinkSetup {
        @Override
        public void close() {
            if (owned) {
                out.close();
            } else {
                out.flush();
            }
        }
    }
}
