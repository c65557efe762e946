package dev.seccheck.remote.server;

/** OutputFormat is how the monitoring server prints messages. */
public enum OutputFormat {
    /** One line per message in the style of gVisor's example server: {@code E Open ...}. */
    TEXT,
    /** One JSON object per line, the text sink's JSON lines (docs/json.md) plus {@code client} and {@code dropped}. */
    JSON
}
