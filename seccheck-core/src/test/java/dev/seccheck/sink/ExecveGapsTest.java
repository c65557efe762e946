package dev.seccheck.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.proto.sentry.ExecveInfo;
import org.junit.jupiter.api.Test;

/** The executed file's fields left out for want of a look are named; those obtained, or not asked for, are not. */
class ExecveGapsTest {
    private static final FieldSet ALL = new FieldSet(FieldMask.of(OptionalFields.EXECVE_BINARY_INFO.id(),
            OptionalFields.EXECVE_BINARY_SHA256.id(), OptionalFields.EXECVE_BINARY_SHA1.id()), ContextField.all());

    @Test
    void aFileThatCouldNotBeLookedAtLeavesItsPathAttributesAndHashesMissing() {
        Missing m = ExecveGaps.of(ALL, ExecveInfo.newBuilder().addArgv("x").build());
        assertThat(m.fields()).extracting(Missing.Field::name).containsExactly("binary_path", "binary_mode",
                "binary_uid", "binary_gid", "binary_ino", "binary_size", "binary_nlink", "binary_ctime",
                "binary_sha256", "binary_sha1");
        assertThat(m.get("binary_path").orElseThrow().reason()).isEqualTo("the executed file could not be looked at");
    }

    @Test
    void whatWasObtainedOrNotAskedForIsNotMissing() {
        ExecveInfo whole = ExecveInfo.newBuilder().setBinaryPath("/usr/bin/true").setBinaryMode(0100755)
                .setBinarySha256(ByteString.copyFrom(new byte[32])).setBinarySha1(ByteString.copyFrom(new byte[20])).build();
        assertThat(ExecveGaps.of(ALL, whole).isEmpty()).isTrue();
        ExecveInfo pathOnly = ExecveInfo.newBuilder().setBinaryPath("/usr/bin/true").build();
        assertThat(ExecveGaps.of(FieldSet.EMPTY, pathOnly).isEmpty()).isTrue();
        assertThat(ExecveGaps.of(null, pathOnly).isEmpty()).isTrue();
    }
}
