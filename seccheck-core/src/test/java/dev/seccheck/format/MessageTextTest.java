package dev.seccheck.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.common.Credentials;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Syscall;
import org.junit.jupiter.api.Test;

class MessageTextTest {

    @Test
    void contextComesFirstThenThePointThenFieldsThenTheResult() {
        Open open = Open.newBuilder()
                .setContextData(ContextData.newBuilder().setThreadGroupId(42).setThreadId(43).setProcessName("cat")
                        .setContainerId("c1").setCwd("/tmp").setIsExecSession(true)
                        .setCredentials(Credentials.newBuilder().setEffectiveUid(1000).setEffectiveGid(100)))
                .setSysno(257).setFd(-100).setPathname("/nope").setFlags(0x80000)
                .setExit(Exit.newBuilder().setResult(-2).setErrorno(2))
                .build();
        assertThat(MessageText.line("X", "openat", open)).isEqualTo(
                "42/43 cat [c1] uid=1000 gid=100 cwd=/tmp (exec) X openat fd=AT_FDCWD pathname=\"/nope\" flags=0x80000"
                        + " = -2 ENOENT");
    }

    @Test
    void aFailureAsGvisorSendsItReadsLikeTheKernels() {
        Open open = Open.newBuilder().setSysno(257).setFd(-100).setPathname("/nope")
                .setExit(Exit.newBuilder().setErrorno(2))
                .build();
        assertThat(MessageText.line("X", "openat", open)).endsWith(" = -1 ENOENT");
    }

    @Test
    void aThreadGroupLeaderShowsOneId() {
        Syscall raw = Syscall.newBuilder().setContextData(ContextData.newBuilder().setThreadGroupId(7).setThreadId(7))
                .setSysno(39).setExit(Exit.newBuilder().setResult(7)).build();
        assertThat(MessageText.line("X", "sysno/39", raw)).isEqualTo("7 X sysno/39 = 7");
    }

    @Test
    void stringsAreQuotedEscapedAndCut() {
        Start start = Start.newBuilder().addArgs("sh").addArgs("-c").addArgs("echo \"a\\b\"\n\t\u0001")
                .setId("x".repeat(300)).build();
        String line = MessageText.line("*", "container/start", start);
        assertThat(line).startsWith("* container/start id=\"" + "x".repeat(256) + "\"...(300 bytes)");
        assertThat(line).endsWith(" args=[\"sh\", \"-c\", \"echo \\\"a\\\\b\\\"\\n\\t\\x01\"]");
    }

    /** An exec's environment is long and often holds secrets: strace-like lines count it unless asked for it in full. */
    @Test
    void anExecsEnvironmentIsCountedUnlessAskedForInFull() {
        ExecveInfo e = ExecveInfo.newBuilder().setBinaryPath("/bin/true").addArgv("true").addEnv("TOKEN=secret")
                .addEnv("HOME=/root").setExecfn("/bin/true").build();
        assertThat(MessageText.fields(new StringBuilder(), e, 256, false).toString())
                .isEqualTo(" binary_path=\"/bin/true\" argv=[\"true\"] env=[/* 2 vars */] execfn=\"/bin/true\"");
        assertThat(MessageText.fields(new StringBuilder(), e, 256).toString())
                .isEqualTo(" binary_path=\"/bin/true\" argv=[\"true\"] env=[\"TOKEN=secret\", \"HOME=/root\"] execfn=\"/bin/true\"");
        assertThat(MessageText.fields(new StringBuilder(), e.toBuilder().clearEnv().build(), 256, false).toString())
                .as("no environment, nothing to count").doesNotContain("env=");
    }

    @Test
    void bytesAreHexAndCut() {
        Connect c = Connect.newBuilder().setFd(3).setAddress(ByteString.copyFrom(new byte[] {0x63, 0, (byte) 0xff})).build();
        assertThat(MessageText.line("E", "connect", c)).isEqualTo("E connect fd=3 address=6300ff");
        Connect big = Connect.newBuilder().setAddress(ByteString.copyFrom(new byte[100])).build();
        assertThat(MessageText.line("E", "connect", big)).isEqualTo("E connect address=" + "00".repeat(64) + "...(" + 100 + " bytes)");
    }

    @Test
    void socketAddressesOfKnownFamiliesAreDecoded() {
        byte[] inet = {2, 0, 0x1f, (byte) 0x90, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
        assertThat(MessageText.line("E", "connect", Connect.newBuilder().setFd(3).setAddress(ByteString.copyFrom(inet)).build()))
                .isEqualTo("E connect fd=3 address={AF_INET 127.0.0.1:8080}");
        byte[] unix = {1, 0, '/', 'r', 'u', 'n', 0, 'x', 'x'};
        assertThat(MessageText.line("E", "connect", Connect.newBuilder().setFd(3).setAddress(ByteString.copyFrom(unix)).build()))
                .isEqualTo("E connect fd=3 address={AF_UNIX /run}");
    }

    /**
     * A unix socket's name is the program's: an abstract name holding a newline and a whole event
     * forged lines of the raw format and of the server's text before. It is escaped as a word.
     */
    @Test
    void aUnixAddressCannotForgeALine() {
        byte[] name = "\0}\n4242 cat E openat pathname=\"/etc/shadow\" \u001b]0;x\u0007".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] unix = new byte[2 + name.length];
        unix[0] = 1;
        System.arraycopy(name, 0, unix, 2, name.length);
        String line = MessageText.line("E", "connect", Connect.newBuilder().setFd(3).setAddress(ByteString.copyFrom(unix)).build());
        assertThat(line).doesNotContain("\n").doesNotContain("\u001b").doesNotContain("\u0007")
                .isEqualTo("E connect fd=3 address={AF_UNIX @}\\n4242\\x20cat\\x20E\\x20openat\\x20pathname=\\\"/etc/shadow\\\""
                        + "\\x20\\x1b]0;x\\x07}");
    }
}
