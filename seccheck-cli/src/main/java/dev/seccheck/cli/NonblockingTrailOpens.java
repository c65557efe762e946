package dev.seccheck.cli;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.AppendOpen;
import dev.seccheck.linux.LinuxException;
import dev.seccheck.sink.TrailOpens;

/**
 * NonblockingTrailOpens opens a trail's path through seccheck-native ({@link AppendOpen}:
 * O_NONBLOCK, O_NOCTTY, O_CLOEXEC), so that no path the supervised program chose can hold the
 * thread that opens it, and tells what it reached by fstat and isatty of the descriptor. The file
 * is then opened again through {@code /proc/self/fd/N}, which reaches that very file whatever
 * the name has come to name meanwhile.
 */
public final class NonblockingTrailOpens implements TrailOpens {

    /** Made by {@link java.util.ServiceLoader}. */
    public NonblockingTrailOpens() {}

    @Override
    public Target open(String path) throws java.io.IOException {
        AppendOpen opened;
        try {
            opened = AppendOpen.open(path);
        } catch (LinuxException e) {
            if (e.errno() == Errno.ENXIO) {
                throw new NoReader(e.getMessage());
            }
            throw e;
        }
        Kind kind = switch (opened.kind()) {
            case REGULAR -> Kind.REGULAR;
            case FIFO -> Kind.FIFO;
            case TERMINAL -> Kind.TERMINAL;
            case CHARACTER_DEVICE -> Kind.CHARACTER_DEVICE;
            case OTHER -> Kind.OTHER;
        };
        return new Opened(opened, kind);
    }

    /** Opened is one path opened to append, and its kind. */
    private record Opened(AppendOpen open, Kind kind) implements Target {
        @Override
        public String file() {
            return "/proc/self/fd/" + open.number();
        }

        @Override
        public void close() {
            open.close();
        }
    }
}
