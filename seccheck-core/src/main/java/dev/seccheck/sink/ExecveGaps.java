package dev.seccheck.sink;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.proto.sentry.ExecveInfo;
import java.util.List;

/**
 * ExecveGaps names the fields of a {@code sentry/execve} message that seccheck could not obtain.
 * The executed file's path, attributes and hashes are left out when the file could not be looked
 * at: a process that executed a file its user may run but not read is not dumpable, so seccheck
 * run as that user cannot read its {@code /proc/PID/exe}; a filesystem that did not answer in
 * time. A sink deciding on them must not take the absence for a value: a rule denying that very
 * file would not match an empty {@code binary_path}.
 */
public final class ExecveGaps {
    /** Why: the one reason all these fields share. */
    static final String WHY = "the executed file could not be looked at";
    /** The attributes {@code binary_info} asks for; a file's mode is never 0, so a 0 says the look failed. */
    private static final List<String> INFO = List.of("binary_mode", "binary_uid", "binary_gid", "binary_ino",
            "binary_size", "binary_nlink", "binary_ctime");

    private ExecveGaps() {}

    /** Returns the fields of {@code msg}, made for a session asking for {@code fields} (null: none), left out for want of a look. */
    public static Missing of(FieldSet fields, ExecveInfo msg) {
        Missing m = Missing.NONE;
        if (msg.getBinaryPath().isEmpty()) {
            m = m.with("binary_path", WHY);
        }
        if (fields == null) {
            return m;
        }
        if (fields.hasLocal(OptionalFields.EXECVE_BINARY_INFO.id()) && msg.getBinaryMode() == 0) {
            for (String f : INFO) {
                m = m.with(f, WHY);
            }
        }
        if (fields.hasLocal(OptionalFields.EXECVE_BINARY_SHA256.id()) && msg.getBinarySha256().isEmpty()) {
            m = m.with("binary_sha256", WHY);
        }
        if (fields.hasLocal(OptionalFields.EXECVE_BINARY_SHA1.id()) && msg.getBinarySha1().isEmpty()) {
            m = m.with("binary_sha1", WHY);
        }
        return m;
    }
}
