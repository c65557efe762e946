package dev.seccheck.remote.server;

/** OutputFormat is how the monitoring server prints messages. */
public enum OutputFormat {
    /** One line per message in the style of gVisor's example server: {@code E Open ...}. */
    TEXT,
    /** One JSON object per line: protobuf's JSON mapping plus {@code type}, {@code client}, {@code dropped}. */
    JSON
}
