package dev.seccheck.format;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Sysno;
import dev.seccheck.sink.CallStrings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Raw calls printed as strace prints them, with and without a task to read their strings from. */
class RawCallsTest {

    private static final long PATH = 0x7ffd1000L;
    private static final long NAME = 0x7ffd2000L;

    /** A task whose memory holds two strings; every other address is unreadable. */
    private static final CallStrings MEMORY = (addr, max) -> {
        String s = Map.of(PATH, "/tmp/a\nb", NAME, "user.x").get(addr);
        return s == null ? null : s.substring(0, Math.min(s.length(), max));
    };

    private static String line(int nr, long... args) {
        StringBuilder sb = new StringBuilder();
        RawCalls.args(sb, nr, java.util.Arrays.copyOf(args, 6), 64);
        return sb.toString();
    }

    private static String withTask(int nr, long... args) {
        return ScopedValue.where(CallStrings.CURRENT, MEMORY).call(() -> line(nr, args));
    }

    @Test
    void pathsAreReadFromTheTaskAndEscaped() {
        assertThat(withTask(Sysno.byName("newfstatat").orElseThrow(), -100, PATH, 0x7ffc0000L, 0x100))
                .isEqualTo("AT_FDCWD, \"/tmp/a\\nb\", 0x7ffc0000, AT_SYMLINK_NOFOLLOW");
        assertThat(withTask(Sysno.byName("lsetxattr").orElseThrow(), PATH, NAME, 0x5000, 3, 1))
                .isEqualTo("\"/tmp/a\\nb\", \"user.x\", 0x5000, 3, 1");
    }

    @Test
    void withoutATaskOrWhereItsMemoryFailsAPathIsItsPointer() {
        assertThat(line(Sysno.byName("unlinkat").orElseThrow(), 3, PATH, 0x200)).isEqualTo("3, 0x7ffd1000, AT_REMOVEDIR");
        assertThat(withTask(Sysno.byName("access").orElseThrow(), 0x1234, 0)).isEqualTo("0x1234, F_OK");
        assertThat(withTask(Sysno.byName("utimensat").orElseThrow(), 0, 0, 0, 0)).isEqualTo("0, NULL, NULL, 0");
    }

    @Test
    void flagsModesAndSignalsHaveTheirNames() {
        assertThat(withTask(Sysno.byName("faccessat2").orElseThrow(), -100, PATH, 6, 0x200 | 0x1000))
                .isEqualTo("AT_FDCWD, \"/tmp/a\\nb\", R_OK|W_OK, AT_EACCESS|AT_EMPTY_PATH");
        assertThat(withTask(Sysno.byName("mkdirat").orElseThrow(), 5, PATH, 0755)).isEqualTo("5, \"/tmp/a\\nb\", 0755");
        assertThat(line(Sysno.byName("tgkill").orElseThrow(), 10, 11, 9)).isEqualTo("10, 11, SIGKILL");
        assertThat(line(Sysno.byName("linkat").orElseThrow(), -100, 0, -100, 0, 0x8400))
                .as("an unnamed bit is kept in hex").isEqualTo("AT_FDCWD, NULL, AT_FDCWD, NULL, AT_SYMLINK_FOLLOW|0x8000");
        assertThat(line(Sysno.byName("truncate").orElseThrow(), 0, -1)).isEqualTo("NULL, -1");
        assertThat(line(Sysno.byName("sendto").orElseThrow(), 3, 0x7f00, 5, 0x4040, 0x7ffc0000L, 16))
                .isEqualTo("3, 0x7f00, 5, MSG_DONTWAIT|MSG_NOSIGNAL, 0x7ffc0000, 16");
        assertThat(line(Sysno.byName("sendmsg").orElseThrow(), 3, 0x7f00, 0)).isEqualTo("3, 0x7f00, 0");
        assertThat(line(Sysno.byName("seccomp").orElseThrow(), 1, 1, 0x7ffe78efda50L))
                .isEqualTo("SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, 0x7ffe78efda50");
        assertThat(line(Sysno.byName("seccomp").orElseThrow(), 0, 0, 0)).isEqualTo("SECCOMP_SET_MODE_STRICT, 0, NULL");
        assertThat(line(Sysno.byName("seccomp").orElseThrow(), 7, 0x8 | 0x2 | 0x100, 0x10))
                .as("an unknown operation by number, an unnamed bit in hex")
                .isEqualTo("7, SECCOMP_FILTER_FLAG_LOG|SECCOMP_FILTER_FLAG_NEW_LISTENER|0x100, 0x10");
        assertThat(line(Sysno.byName("recvmmsg").orElseThrow(), 4, 0x7f00, 2, 0x10000 | 0x80000000L, 0))
                .as("an unnamed bit is kept in hex").isEqualTo("4, 0x7f00, 2, MSG_WAITFORONE|0x80000000, NULL");
    }

    @Test
    void callsTakeTheirOwnNumberOfArgumentsAndUnlistedOnesKeepSixRegisters() {
        assertThat(line(Sysno.byName("getpid").orElseThrow(), 7, 8)).isEmpty();
        assertThat(line(Sysno.byName("fsync").orElseThrow(), 4, 0x99)).isEqualTo("4");
        assertThat(RawCalls.signature(Sysno.byName("io_setup").orElseThrow())).isNull();
        assertThat(line(Sysno.byName("io_setup").orElseThrow(), 1, 2)).isEqualTo("0x1, 0x2, 0x0, 0x0, 0x0, 0x0");
        assertThat(RawCalls.signature(-1)).isNull();
        assertThat(RawCalls.signature(100_000)).isNull();
    }
}
