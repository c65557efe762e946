package dev.seccheck.format;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import dev.seccheck.proto.common.Timespec;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import java.util.List;

/**
 * LifecycleFields appends the fields of the lifecycle messages (sentry/execve, sentry/clone,
 * container/start, the two exits) exactly as {@link MessageText#fields} shows any message: the
 * non-default fields in field-number order, each as {@code " name=value"}. It reads them through
 * the messages' own accessors: protobuf's {@code getAllFields} builds a sorted map by reflection
 * over every field, which was a quarter of the tracer's time per short process under the default
 * session (its sentry/execve line). Nested messages a session rarely asks for (the standard
 * streams, the pipe peers) go through the general formatter. {@code MessageTextTest} holds each
 * method to the reflective output, field by field.
 */
final class LifecycleFields {
    private LifecycleFields() {}

    /** The bytes of a hash shown before the cut, as {@link MessageText} shows any bytes field. */
    private static final int MAX_BYTES = 64;

    /** sentry/execve's fields; its environment as its count unless {@code fullEnv}. */
    static StringBuilder execve(StringBuilder sb, ExecveInfo e, int limit, boolean fullEnv) {
        string(sb, "binary_path", e.getBinaryPath(), limit);
        strings(sb, "argv", e.getArgvList(), limit);
        if (fullEnv) {
            strings(sb, "env", e.getEnvList(), limit);
        } else if (e.getEnvCount() > 0) {
            sb.append(" env=[/* ").append(e.getEnvCount()).append(" vars */]");
        }
        if (e.getBinaryMode() != 0) {
            sb.append(" binary_mode=0x").append(Integer.toHexString(e.getBinaryMode()));
        }
        number(sb, "binary_uid", e.getBinaryUid());
        number(sb, "binary_gid", e.getBinaryGid());
        bytes(sb, "binary_sha256", e.getBinarySha256());
        flag(sb, "binary_overlayfs_upper", e.getBinaryOverlayfsUpper());
        number(sb, "binary_ino", e.getBinaryIno());
        if (e.hasBinaryCtime()) {
            timespec(sb.append(" binary_ctime="), e.getBinaryCtime());
        }
        nested(sb, "stdin", e.hasStdin(), e.getStdin(), limit);
        nested(sb, "stdout", e.hasStdout(), e.getStdout(), limit);
        nested(sb, "stderr", e.hasStderr(), e.getStderr(), limit);
        flag(sb, "binary_overlayfs_lower", e.getBinaryOverlayfsLower());
        bytes(sb, "binary_sha1", e.getBinarySha1());
        string(sb, "execfn", e.getExecfn(), limit);
        number(sb, "binary_size", e.getBinarySize());
        number(sb, "binary_nlink", e.getBinaryNlink());
        flag(sb, "binary_in_memfd", e.getBinaryInMemfd());
        nested(sb, "pipe_input_proc", e.hasPipeInputProc(), e.getPipeInputProc(), limit);
        nested(sb, "pipe_output_proc", e.hasPipeOutputProc(), e.getPipeOutputProc(), limit);
        return sb;
    }

    static StringBuilder clone(StringBuilder sb, CloneInfo c) {
        number(sb, "created_thread_id", c.getCreatedThreadId());
        number(sb, "created_thread_group_id", c.getCreatedThreadGroupId());
        number(sb, "created_thread_start_time_ns", c.getCreatedThreadStartTimeNs());
        if (c.getFlags() != 0) {
            sb.append(" flags=0x").append(Long.toHexString(c.getFlags()));
        }
        return sb;
    }

    static StringBuilder start(StringBuilder sb, Start s, int limit) {
        string(sb, "id", s.getId(), limit);
        string(sb, "cwd", s.getCwd(), limit);
        strings(sb, "args", s.getArgsList(), limit);
        strings(sb, "env", s.getEnvList(), limit);
        flag(sb, "terminal", s.getTerminal());
        return sb;
    }

    /** The one field of sentry/task_exit and sentry/exit_notify_parent besides the context. */
    static StringBuilder exitStatus(StringBuilder sb, int status) {
        number(sb, "exit_status", status);
        return sb;
    }

    private static void string(StringBuilder sb, String name, String value, int limit) {
        if (!value.isEmpty()) {
            Escape.quoted(sb.append(' ').append(name).append('='), value, limit);
        }
    }

    private static void strings(StringBuilder sb, String name, List<String> values, int limit) {
        if (values.isEmpty()) {
            return;
        }
        sb.append(' ').append(name).append("=[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            Escape.quoted(sb, values.get(i), limit);
        }
        sb.append(']');
    }

    // An int and a long field print alike, but protobuf's uint32 is a Java int: an id above
    // 2^31 prints negative, as the reflective formatter prints it, so each keeps its own type.
    private static void number(StringBuilder sb, String name, int value) {
        if (value != 0) {
            sb.append(' ').append(name).append('=').append(value);
        }
    }

    private static void number(StringBuilder sb, String name, long value) {
        if (value != 0) {
            sb.append(' ').append(name).append('=').append(value);
        }
    }

    private static void flag(StringBuilder sb, String name, boolean value) {
        if (value) {
            sb.append(' ').append(name).append("=true");
        }
    }

    private static void bytes(StringBuilder sb, String name, ByteString value) {
        if (!value.isEmpty()) {
            Escape.hex(sb.append(' ').append(name).append('='), value, MAX_BYTES);
        }
    }

    private static void timespec(StringBuilder sb, Timespec t) {
        sb.append('{');
        if (t.getSec() != 0) {
            sb.append("sec=").append(t.getSec());
        }
        if (t.getNsec() != 0) {
            sb.append(t.getSec() != 0 ? " " : "").append("nsec=").append(t.getNsec());
        }
        sb.append('}');
    }

    private static void nested(StringBuilder sb, String name, boolean present, Message value, int limit) {
        if (present) {
            MessageText.message(sb.append(' ').append(name).append('='), value, limit);
        }
    }
}
