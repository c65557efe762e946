package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.fields.ContextField;
import dev.seccheck.fields.FieldMask;
import dev.seccheck.fields.FieldSet;
import dev.seccheck.points.Catalog;
import dev.seccheck.points.Point;
import dev.seccheck.points.PointReq;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.proto.sentry.MmapInfo;
import dev.seccheck.sentry.Supervisor;
import dev.seccheck.sink.SecurityCheckException;
import dev.seccheck.sink.Sink;
import dev.seccheck.state.Gate;
import dev.seccheck.state.PointState;
import dev.seccheck.state.Subscriber;
import com.google.protobuf.Message;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** sentry/mmap on real programs: every executable mmap (file or anonymous), none of an exec's own mappings, and a denial. */
class MmapPointsTest {

    private static final String PYTHON = "/usr/bin/python3";
    private static final FieldSet CONTEXT = new FieldSet(FieldMask.EMPTY,
            FieldMask.of(ContextField.THREAD_ID.id(), ContextField.GROUP_ID.id(), ContextField.PROCESS_NAME.id()));

    private final List<MmapInfo> mmaps = new CopyOnWriteArrayList<>();
    private final List<Message> syscallExits = new CopyOnWriteArrayList<>();

    /** Records every point; denies mmap of a path containing {@code deny} with EACCES. */
    private Sink recording(String deny) {
        return new Sink() {
            @Override
            public String name() {
                return "recording";
            }

            @Override
            public void mmap(FieldSet fields, MmapInfo msg) throws SecurityCheckException {
                mmaps.add(msg);
                if (deny != null && msg.getMappedPath().contains(deny)) {
                    throw new SecurityCheckException(13, "mapping " + msg.getMappedPath());
                }
            }

            @Override
            public void syscall(Point point, FieldSet fields, MessageType type, Message msg) {
                syscallExits.add(msg);
            }
        };
    }

    private int run(String deny, List<String> extraPoints, String... argv) throws Exception {
        Catalog catalog = Catalog.standard();
        List<PointReq> reqs = new ArrayList<>();
        reqs.add(new PointReq(Point.MMAP, CONTEXT));
        for (String name : extraPoints) {
            reqs.add(new PointReq(catalog.byName(name).orElseThrow().point(), FieldSet.EMPTY));
        }
        PointState state = new PointState();
        state.publish(List.of(new Subscriber(new Gate(), List.of(recording(deny)), reqs)));
        return new Supervisor(state, catalog, "mmap-test", line -> {}).run(List.of(argv));
    }

    @Test
    void reportsEachExecutableMmapAndNoneOfTheExecsOwnMappings() throws Exception {
        int status = run(null, List.of(), PYTHON, "-c", "import ctypes");

        assertThat(status).isZero();
        assertThat(mmaps).as("gVisor reports mmap calls only, never the exec's own mappings")
                .noneMatch(MmapInfo::getIsInitialMmap)
                .extracting(MmapInfo::getMappedPath)
                .noneSatisfy(p -> assertThat(p).contains("ld-linux-x86-64"));
        List<MmapInfo> files = mmaps.stream().filter(m -> !m.getMappedPath().isEmpty()).toList();
        assertThat(files).extracting(MmapInfo::getMappedPath)
                .anySatisfy(p -> assertThat(p).contains("libc.so"))
                .anySatisfy(p -> assertThat(p).contains("_ctypes"))
                .allSatisfy(p -> assertThat(p).startsWith("/"));
        MmapInfo libc = files.stream().filter(m -> m.getMappedPath().contains("libc.so")).findFirst().orElseThrow();
        assertThat(libc.getMappedIno()).isEqualTo(Files.getAttribute(Path.of(libc.getMappedPath()), "unix:ino"));
        assertThat(libc.getContextData().getProcessName()).isEqualTo("python3");
        assertThat(libc.getContextData().getThreadId()).isEqualTo(libc.getContextData().getThreadGroupId()).isPositive();
    }

    @Test
    void reportsAnAnonymousExecutableMappingWithoutAPath() throws Exception {
        String code = "import mmap\nm = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | 4)\n";
        int status = run(null, List.of(), PYTHON, "-c", code);

        assertThat(status).isZero();
        assertThat(mmaps).as("the anonymous PROT_EXEC mapping python made")
                .anySatisfy(m -> assertThat(m.getMappedPath()).isEmpty());
    }

    @Test
    void isInitialMmapOnlyWhenTheProgramMapsItsOwnExecutable() throws Exception {
        String code = "import mmap, os\nfd = os.open('/proc/self/exe', os.O_RDONLY)\n"
                + "m = mmap.mmap(fd, 4096, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ | 4)\n";
        int status = run(null, List.of(), PYTHON, "-c", code);

        assertThat(status).isZero();
        String python = Path.of(PYTHON).toRealPath().toString();
        assertThat(mmaps).filteredOn(MmapInfo::getIsInitialMmap).extracting(MmapInfo::getMappedPath)
                .containsExactly(python);
        assertThat(mmaps).filteredOn(m -> m.getMappedPath().contains("libc.so")).isNotEmpty()
                .noneMatch(MmapInfo::getIsInitialMmap);
    }

    @Test
    void aDeniedMappingFailsTheLoadOfThatLibraryOnly() throws Exception {
        int status = run("_ctypes", List.of(), PYTHON, "-c", "import json\ntry:\n import ctypes\nexcept ImportError as e:\n print(e)\n raise SystemExit(7)");

        assertThat(status).as("python ran (json loaded) and ctypes failed to import").isEqualTo(7);
        assertThat(mmaps).extracting(MmapInfo::getMappedPath).anySatisfy(p -> assertThat(p).contains("_json"));
    }

    @Test
    void stillFiresWhenMmapItselfIsTracedToItsExit() throws Exception {
        int status = run(null, List.of("syscall/mmap/exit"), "/bin/true");

        assertThat(status).isZero();
        assertThat(mmaps).extracting(MmapInfo::getMappedPath)
                .anySatisfy(p -> assertThat(p).contains("libc.so"));
        assertThat(syscallExits).as("the exit points of mmap kept their stops").isNotEmpty();
    }

    @Test
    void everyExecutableMappingQualifies() {
        assertThat(MmapPoints.isExecutableMapping(0x5)).isTrue();   // PROT_READ|EXEC
        assertThat(MmapPoints.isExecutableMapping(0x7)).isTrue();   // anonymous JIT code too
        assertThat(MmapPoints.isExecutableMapping(0x3)).isFalse();  // not executable
    }
}
