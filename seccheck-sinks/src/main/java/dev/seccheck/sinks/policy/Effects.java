package dev.seccheck.sinks.policy;

import dev.seccheck.fields.FieldSet;
import dev.seccheck.fields.OptionalFields;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.sink.ConfigValue;
import dev.seccheck.sink.SinkConfig;
import dev.seccheck.sink.SinkException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Effects are what a rule can name instead of points: an effect covers every syscall that has it,
 * through the points the sentry reports them at. The sentry emulates these syscalls and reports
 * the variants without a point of their own at their sibling's point (openat2 at openat's,
 * sendto/sendmsg/sendmmsg with an address at connect's), so one rule holds for every route:
 * <ul>
 *   <li>{@code open_file}: open, openat, openat2, creat (points syscall/open/enter,
 *       syscall/openat/enter, syscall/creat/enter); open_by_handle_at is refused outright while
 *       they are emulated. A deny or kill rule there also holds for the calls that reach a file by
 *       name without an open (link, rename, unlink, rmdir, mkdir, mknod, symlink, truncate,
 *       chmod, chown, extended attributes, times), and for those that change a file's mode,
 *       owner, extended attributes, times, flags or encryption through a descriptor the program
 *       holds (fchmod, fchown, fsetxattr, fremovexattr, futimens, ioctl FS_IOC_SETFLAGS,
 *       FS_IOC_FSSETXATTR, FS_IOC_SETVERSION, FS_IOC_SET_ENCRYPTION_POLICY, EXT4_IOC_MIGRATE,
 *       FS_IOC_ENABLE_VERITY), which a read-only open the rules let through would give it
 *       ({@link PolicySink#refuses}).</li>
 *   <li>{@code connect_network}: connect, and sendto, sendmsg, sendmmsg carrying an address
 *       (UDP, TCP Fast Open) (point syscall/connect/enter).</li>
 *   <li>{@code bind_network}: bind (point syscall/bind/enter), and a listen that binds its socket
 *       itself. A deny or kill rule on {@code unix_path} also holds for the calls that give a file
 *       a name where a socket would be reached as if bound there (link, rename, symlink, mknod
 *       and their *at forms: {@link PolicySink#decideSocketName}).</li>
 *   <li>{@code accept_network}: accept, accept4, decided on the peer that connected (points
 *       syscall/accept/enter, syscall/accept4/enter: the sentry accepts the connection before they
 *       fire, and their {@code address} is the peer's).</li>
 *   <li>{@code execute_file}: execve, execveat, decided on the file actually executed
 *       (sentry/execve: {@code binary_path} is /proc/PID/exe at the exec stop, before the first
 *       instruction; a deny there kills the process, the only way to stop an exec that has
 *       happened), and on every other program the kernel ran for it: a script's interpreters, a
 *       binary's ELF interpreter ({@link dev.seccheck.sink.ScriptChain}).</li>
 * </ul>
 * A rule by effect needs every point of the effect enabled by its session, and each of its keys
 * collected on each of them: otherwise a route would go unchecked, and the session is refused.
 */
final class Effects {
    private Effects() {}

    /** Each effect and the enter points of the syscalls that have it. */
    static final Map<String, List<String>> POINTS = Map.of(
            "open_file", List.of("syscall/open/enter", "syscall/openat/enter", "syscall/creat/enter"),
            "connect_network", List.of("syscall/connect/enter"),
            "bind_network", List.of("syscall/bind/enter"),
            "accept_network", List.of("syscall/accept/enter", "syscall/accept4/enter"),
            "execute_file", List.of("sentry/execve"));

    /** Returns the points of the rule's {@code effect} (one name or a list), all of which the session must enable. */
    static Map<String, List<Point>> points(SinkConfig r, Catalog catalog, Set<Integer> enabled) throws SinkException {
        ConfigValue v = r.value("effect").orElseThrow();
        List<ConfigValue> names = v instanceof ConfigValue.Items items ? items.values() : List.of(v);
        Map<String, List<Point>> out = new LinkedHashMap<>();
        for (ConfigValue n : names) {
            if (!(n instanceof ConfigValue.Text t)) {
                throw r.error("effect", "must be an effect name or a list of them, got " + n.json());
            }
            List<String> pointNames = POINTS.get(t.value());
            if (pointNames == null) {
                throw r.error("effect", "unknown effect \"" + t.value() + "\" (known: "
                        + String.join(", ", POINTS.keySet().stream().sorted().toList()) + ")");
            }
            List<Point> pts = new ArrayList<>();
            for (String name : pointNames) {
                Point p = catalog.byName(name).orElseThrow().point();
                if (!enabled.contains(p.id())) {
                    throw r.error("effect", "\"" + t.value() + "\" covers " + syscallOf(name) + ", and the session does "
                            + "not enable " + name + ": that route would go unchecked");
                }
                pts.add(p);
            }
            out.put(t.value(), pts);
        }
        return out;
    }

    /**
     * A path relative to a directory fd (openat, openat2) is resolved by that fd, not by the cwd:
     * {@code resolved_path} on openat needs {@code fd_path}, the cwd alone would let a dirfd
     * route through.
     */
    static void checkDirfdRelative(Key key, Point p, FieldSet fields) {
        if (key instanceof Key.ResolvedPath && p.name().startsWith("syscall/openat/")
                && !fields.hasLocal(OptionalFields.SYSCALL_FD_PATH.id())) {
            throw new IllegalArgumentException("\"resolved_path\" on openat (and openat2, reported there) needs the "
                    + "optional field \"fd_path\": a path relative to a directory fd is not resolved by \"cwd\"");
        }
    }

    private static String syscallOf(String point) {
        return point.split("/")[1];
    }
}
