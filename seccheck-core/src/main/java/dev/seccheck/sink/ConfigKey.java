package dev.seccheck.sink;

/**
 * ConfigKey is one key a sink's configuration accepts, with a one-line description, for
 * {@code seccheck metadata} and for the "known keys" of a config error.
 *
 * @param name the key, e.g. {@code path}
 * @param description what it sets, in one line
 */
public record ConfigKey(String name, String description) {}
