package dev.seccheck.sinks.policy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Key.ResolvedPath.normalize drops empty, {@code .} and {@code ..} components, lexically, and keeps every name. */
class ResolvedPathTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "/, /",
        "/a/b, /a/b",
        "/usr/lib/x86_64-linux-gnu/libc.so.6, /usr/lib/x86_64-linux-gnu/libc.so.6",
        "/a//b, /a/b",
        "//a, /a",
        "/a/./b, /a/b",
        "/a/., /a",
        "/a/../b, /b",
        "/.., /",
        "/a/b/../../.., /",
        "/a/b/, /a/b",
        "/home/u/.ssh/id_rsa, /home/u/.ssh/id_rsa",
        "/a/..b/.../b.., /a/..b/.../b..",
        "/a/.x/./.., /a",
    })
    void dropsWhatNamesNothing(String path, String normal) {
        assertThat(Key.ResolvedPath.normalize(path)).isEqualTo(normal);
    }
}
