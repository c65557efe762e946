package dev.seccheck.points;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldDesc;
import dev.seccheck.fields.OptionalFields;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Catalog is the set of every point seccheck knows on x86-64: the six non-syscall points, the
 * enter and exit points of the 54 schematized syscalls, and raw enter and exit points for every
 * syscall number from 0 to {@value Point#MAX_SYSNO}. It is immutable; {@link #standard()} is
 * the one instance every component shares.
 */
public final class Catalog {

    private static final Catalog STANDARD = new Catalog(standardPoints());

    private final PointDesc[] byId = new PointDesc[Point.ID_LIMIT];
    private final Map<String, PointDesc> byName = new HashMap<>();
    private final SyscallSchema[] schemaBySysno = new SyscallSchema[Point.MAX_SYSNO + 1];
    private final List<PointDesc> sortedByName;

    /**
     * Builds a catalog from point descriptions.
     *
     * @throws IllegalArgumentException if two points share a name or an id
     */
    public Catalog(List<PointDesc> points) {
        for (PointDesc desc : points) {
            Point p = desc.point();
            if (byId[p.id()] != null) {
                throw new IllegalArgumentException(
                        "duplicate point id " + p.id() + ": " + byId[p.id()].name() + " and " + p.name());
            }
            if (byName.putIfAbsent(p.name(), desc) != null) {
                throw new IllegalArgumentException("duplicate point name " + p.name());
            }
            byId[p.id()] = desc;
        }
        for (SyscallSchema s : SyscallSchema.ALL) {
            schemaBySysno[s.sysno()] = s;
        }
        List<PointDesc> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparing(PointDesc::name));
        sortedByName = Collections.unmodifiableList(sorted);
    }

    /** Returns the catalog of every standard x86-64 point. */
    public static Catalog standard() {
        return STANDARD;
    }

    /** Returns every point, sorted by name. */
    public List<PointDesc> points() {
        return sortedByName;
    }

    /** Returns how many points there are. */
    public int size() {
        return sortedByName.size();
    }

    /** Returns the point with this name. */
    public Optional<PointDesc> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Returns the point with this id. */
    public Optional<PointDesc> byId(int id) {
        return id >= 0 && id < byId.length ? Optional.ofNullable(byId[id]) : Optional.empty();
    }

    /**
     * Returns the point of this type for this syscall, if there is one: schematized types exist
     * only for the schematized syscalls, raw types for every number up to {@value Point#MAX_SYSNO}.
     */
    public Optional<Point> pointForSyscall(SyscallType type, int sysno) {
        if (sysno < 0 || sysno > Point.MAX_SYSNO) {
            return Optional.empty();
        }
        PointDesc d = byId[Point.syscallId(type, sysno)];
        return d == null ? Optional.empty() : Optional.of(d.point());
    }

    /** Returns the schema of a schematized syscall. */
    public Optional<SyscallSchema> schema(int sysno) {
        return sysno >= 0 && sysno < schemaBySysno.length
                ? Optional.ofNullable(schemaBySysno[sysno])
                : Optional.empty();
    }

    private static List<PointDesc> standardPoints() {
        List<FieldDesc> allContext = Arrays.stream(ContextField.values()).map(ContextField::desc).toList();
        List<FieldDesc> exitNotifyContext = List.of(
                ContextField.TIME.desc(),
                ContextField.THREAD_ID.desc(),
                ContextField.TASK_START_TIME.desc(),
                ContextField.GROUP_ID.desc(),
                ContextField.THREAD_GROUP_START_TIME.desc(),
                ContextField.CONTAINER_ID.desc(),
                ContextField.CREDENTIALS.desc(),
                ContextField.PROCESS_NAME.desc(),
                ContextField.PARENT_THREAD_GROUP_ID.desc());

        List<PointDesc> points = new ArrayList<>();
        points.add(new PointDesc(Point.CLONE, List.of(), allContext));
        points.add(new PointDesc(Point.CONTAINER_START, List.of(OptionalFields.CONTAINER_START_ENV), allContext));
        points.add(new PointDesc(Point.EXECVE, List.of(
                OptionalFields.EXECVE_BINARY_INFO,
                OptionalFields.EXECVE_BINARY_SHA256,
                OptionalFields.EXECVE_BINARY_SHA1,
                OptionalFields.EXECVE_FD_INFO,
                OptionalFields.EXECVE_PIPE_PROC_INFO), allContext));
        points.add(new PointDesc(Point.EXIT_NOTIFY_PARENT, List.of(), exitNotifyContext));
        points.add(new PointDesc(Point.TASK_EXIT, List.of(), allContext));
        points.add(new PointDesc(Point.MMAP, List.of(), allContext));

        for (SyscallSchema s : SyscallSchema.ALL) {
            for (SyscallType type : List.of(SyscallType.ENTER, SyscallType.EXIT)) {
                Point p = new Point(Point.syscallId(type, s.sysno()), "syscall/" + s.name() + "/" + type.suffix());
                points.add(new PointDesc(p, s.optionalFields(), allContext));
            }
        }
        for (int sysno = 0; sysno <= Point.MAX_SYSNO; sysno++) {
            for (SyscallType type : List.of(SyscallType.RAW_ENTER, SyscallType.RAW_EXIT)) {
                Point p = new Point(Point.syscallId(type, sysno), "syscall/sysno/" + sysno + "/" + type.suffix());
                points.add(new PointDesc(p, List.of(), allContext));
            }
        }
        return points;
    }
}
