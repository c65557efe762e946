package dev.seccheck.sentry;

import dev.seccheck.fields.FieldDesc;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.PointDesc;
import dev.seccheck.points.PointReq;
import dev.seccheck.session.SessionConfig;
import dev.seccheck.session.SessionConfigParser;
import dev.seccheck.session.SessionOptions;
import dev.seccheck.session.SinkSpec;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkDescriptor;
import dev.seccheck.sink.SinkRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * DefaultSession is the session {@code seccheck run} creates when it is given none: what the
 * program executes, opens, connects to and changes, to the text sink. Its documented form is
 * {@code default-session.json} beside this class, which {@code --print-config} prints; a run builds
 * the same configuration in code, so that a plain run does not start a JSON parser (Jackson's
 * ~420 classes and its mapper, BENCHMARKS.md "Start-up, session 7"). DefaultSessionTest parses
 * the file and checks that the two are identical, so neither can change alone.
 */
public final class DefaultSession {
    private DefaultSession() {}

    /** The resource, beside this class, holding the session as gVisor JSON. */
    public static final String RESOURCE = "default-session.json";

    /** The context fields of every point about a task. */
    private static final List<String> TASK =
            List.of("container_id", "group_id", "thread_id", "process_name", "parent_thread_group_id");

    /** The context fields of sentry/execve: a task's, its working directory and credentials. */
    private static final List<String> EXECVE_CONTEXT = List.of("container_id", "group_id", "thread_id",
            "process_name", "parent_thread_group_id", "cwd", "credentials");

    /** The syscalls whose enter and exit points the session enables, in the file's order. */
    private static final List<String> SYSCALLS = List.of("execve", "execveat", "openat", "open", "creat",
            "connect", "bind", "listen", "accept", "accept4", "socket", "chdir", "setuid", "setgid",
            "setresuid", "setresgid", "chroot", "ptrace");

    /** Returns the session's JSON text, as documented and printed by {@code --print-config}. */
    public static String json() throws IOException {
        try (InputStream in = DefaultSession.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException("the built-in default session is missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * Returns the session, built without parsing: the configuration {@link SessionConfigParser}
     * makes of {@link #json()}, with the points and the text sink taken from {@code catalog} and
     * {@code sinks}.
     *
     * @throws IllegalStateException when the catalog or the registry lacks something the session
     *     names (a build whose catalog and session disagree, which DefaultSessionTest catches)
     */
    public static SessionConfig config(Catalog catalog, SinkRegistry sinks) {
        List<PointReq> points = new ArrayList<>();
        points.add(point(catalog, "container/start", List.of(), List.of("container_id", "cwd")));
        points.add(point(catalog, "sentry/clone", List.of(), TASK));
        points.add(point(catalog, "sentry/execve", List.of("binary_info"), EXECVE_CONTEXT));
        points.add(point(catalog, "sentry/task_exit", List.of(), TASK));
        for (String syscall : SYSCALLS) {
            points.add(point(catalog, "syscall/" + syscall + "/enter", List.of(), TASK));
            points.add(point(catalog, "syscall/" + syscall + "/exit", List.of(), TASK));
        }
        Optional<SinkDescriptor<?>> text = sinks.byName("text");
        if (text.isEmpty()) {
            throw missing("sink text");
        }
        SinkSpec sink = new SinkSpec(text.get(), SinkConfig.empty("sinks[0].config"), false);
        return new SessionConfig(SessionConfigParser.DEFAULT_NAME, points, List.of(sink), SessionOptions.DEFAULT);
    }

    // No lambdas or streams here: the AOT cache is trained on the session as a file (what
    // --print-config prints), so a lambda of this class would be spun at every start, on the way to
    // the launch.
    private static PointReq point(Catalog catalog, String name, List<String> optional, List<String> context) {
        Optional<PointDesc> found = catalog.byName(name);
        if (found.isEmpty()) {
            throw missing("point " + name);
        }
        PointDesc desc = found.get();
        FieldMask local = FieldMask.EMPTY;
        for (String n : optional) {
            local = local.with(id(desc.optionalField(n), name, n));
        }
        FieldMask ctx = FieldMask.EMPTY;
        for (String n : context) {
            ctx = ctx.with(id(desc.contextField(n), name, n));
        }
        return new PointReq(desc.point(), new FieldSet(local, ctx));
    }

    private static int id(Optional<FieldDesc> field, String point, String name) {
        if (field.isEmpty()) {
            throw missing("field " + point + "." + name);
        }
        return field.get().id();
    }

    private static IllegalStateException missing(String what) {
        return new IllegalStateException("the built-in default session names " + what + ", which this build lacks");
    }
}
