package dev.seccheck.sentry.emulate;

import static dev.seccheck.abi.Fcntl.AT_FDCWD;
import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.Landlock;
import dev.seccheck.linux.PathCalls;
import dev.seccheck.linux.Procfs;
import dev.seccheck.linux.ThreadIds;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LandlockDomains records the Landlock domain each task confined itself to, follows it to the
 * tasks it creates and through an exec, and makes the calls of a confined task on a thread
 * confined the same way, never on the caller's. The rulesets here are this JVM's own, taken from
 * its table (a task's ruleset is taken with pidfd_getfd from the task's own table, which works on
 * the caller's own process too); the tids are made up, as only the records use them then.
 */
class LandlockDomainsTest {

    /** LANDLOCK_ACCESS_FS_READ_FILE. */
    private static final long READ_FILE = 1L << 2;
    private static final int SELF = (int) ProcessHandle.current().pid();
    /** seccheck's own identity: taking it switches nothing. */
    private static final Identity AS_IS = Identity.Own.current().identity();

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Integer> fds = new ArrayList<>();
    private LandlockDomains domains;
    private int noReads;

    @BeforeEach
    void landlock() {
        Assumptions.assumeTrue(Landlock.abi() >= 1, "Landlock is not available: " + Landlock.abi());
        domains = new LandlockDomains(lines::add, (tid, tgid, fd) -> ThreadIds.copyFd(tgid, tgid, fd));
        noReads = kept(Landlock.denyingRuleset(READ_FILE));
    }

    @AfterEach
    void close() {
        if (domains != null) {
            domains.close();
        }
        fds.forEach(PathCalls::close);
    }

    private int kept(int fd) {
        assertThat(fd).isNotNegative();
        fds.add(fd);
        return fd;
    }

    /** Opens /etc/hostname for task {@code tid}: 0 when it opened, else -errno. */
    private int read(int tid) {
        IntSupplier open = () -> {
            int fd = new PathCalls().openat(AT_FDCWD, "/etc/hostname", O_CLOEXEC);
            PathCalls.close(fd);
            return fd < 0 ? fd : 0;
        };
        return domains.perform(tid, AS_IS, open);
    }

    @Test
    void aRulesetIsKnownByItsLink() {
        assertThat(Procfs.link(SELF, "fd/" + noReads)).contains(Landlock.RULESET_LINK);
    }

    @Test
    void aConfinedTasksCallsAreMadeOnAThreadConfinedAsItIs() {
        assertThat(read(101)).isZero();
        assertThat(domains.restricting(101, SELF, noReads, 0)).isEmpty();
        assertThat(read(101)).isEqualTo(-Errno.EACCES);
        assertThat(read(102)).as("another task").isZero();
        assertThat(new PathCalls().openat(AT_FDCWD, "/etc/hostname", O_CLOEXEC)).as("the caller is not confined")
                .satisfies(fd -> PathCalls.close(fd)).isNotNegative();
        assertThat(lines).isEmpty();
    }

    @Test
    void theIdentityIsAssumedOnTheConfinedThread() {
        domains.restricting(101, SELF, noReads, 0);
        List<String> where = new CopyOnWriteArrayList<>();
        domains.perform(101, () -> {
            where.add(Thread.currentThread().getName());
            return () -> where.add("restored");
        }, () -> 0);
        assertThat(where).hasSize(2);
        assertThat(where.get(0)).startsWith("seccheck-landlock-").isNotEqualTo(Thread.currentThread().getName());
        assertThat(where.get(1)).isEqualTo("restored");
    }

    @Test
    void theDomainPassesToCreatedTasksAndThroughAnExec() {
        domains.restricting(101, SELF, noReads, 0);
        domains.inherit(101, 201);
        domains.inherit(102, 202);
        assertThat(read(201)).isEqualTo(-Errno.EACCES);
        assertThat(read(202)).isZero();
        domains.gone(101);
        assertThat(read(101)).as("gone; a new task may get its tid").isZero();
        assertThat(read(201)).isEqualTo(-Errno.EACCES);
        domains.moved(201, 301); // a non-leader thread executed, taking over its leader's tid
        assertThat(read(201)).isZero();
        assertThat(read(301)).isEqualTo(-Errno.EACCES);
        domains.inherit(102, 301); // that tid reused by an unconfined creator's child
        assertThat(read(301)).isZero();
    }

    /** A fork loop of confined children must not leave a thread per child behind. */
    @Test
    void aDomainsThreadsEndWithItsLastTask() throws InterruptedException {
        domains.restricting(101, SELF, noReads, 0);
        domains.inherit(101, 201);
        assertThat(read(201)).isEqualTo(-Errno.EACCES);
        IntSupplier threads = domains.threadsOf(101);
        assertThat(threads.getAsInt()).isEqualTo(1);
        domains.gone(101);
        assertThat(threads.getAsInt()).as("a task is left").isEqualTo(1);
        domains.gone(201);
        for (int i = 0; i < 500 && threads.getAsInt() > 0; i++) {
            Thread.sleep(10);
        }
        assertThat(threads.getAsInt()).isZero();
        assertThat(read(201)).as("its tid, reused by an unconfined task").isZero();
    }

    /**
     * A task stacking layers leaves each former domain as it makes the next, and a domain keeps
     * nothing once no task is in it: no ruleset, no origin thread, whether or not the garbage
     * collector has run.
     */
    @Test
    void aDomainKeepsNothingOnceItsLastTaskLeaves() throws InterruptedException {
        // The count is the JVM's: the domains of the tests before, closed, end on their own
        // threads, and one ending during this test made it look one short (CI, session 59).
        for (int i = 0; i < 500 && LandlockDomain.ALIVE.get() > 0; i++) {
            Thread.sleep(10);
        }
        int before = LandlockDomain.ALIVE.get();
        for (int layer = 0; layer < Landlock.MAX_LAYERS; layer++) {
            assertThat(domains.restricting(101, SELF, noReads, 0)).isEmpty();
        }
        assertThat(read(101)).isEqualTo(-Errno.EACCES);
        domains.gone(101);
        for (int i = 0; i < 500 && LandlockDomain.ALIVE.get() > before; i++) {
            Thread.sleep(10);
        }
        assertThat(LandlockDomain.ALIVE.get()).isEqualTo(before);
    }

    @Test
    void domainsNest() {
        int noDirs = kept(Landlock.denyingRuleset(1L << 3)); // LANDLOCK_ACCESS_FS_READ_DIR
        domains.restricting(101, SELF, noDirs, 0);
        assertThat(read(101)).as("files still readable").isZero();
        domains.restricting(101, SELF, noReads, 0);
        assertThat(read(101)).isEqualTo(-Errno.EACCES);
        assertThat(domains.perform(101, AS_IS, () -> {
            int fd = new PathCalls().openat(AT_FDCWD, "/etc", O_CLOEXEC);
            PathCalls.close(fd);
            return fd < 0 ? fd : 0;
        })).as("the first layer holds under the second").isEqualTo(-Errno.EACCES);
    }

    /**
     * A /proc file whose open asks for ptrace access, refused on the confined thread, has a
     * stand-in when the task may look at its owner: its own process, or a task of its domain or
     * of one nested in it; never for an unconfined task, nor for other files.
     */
    @Test
    void aProcFileThatAsksForPtraceAccessIsDecidedOnTheDomains() {
        int stricter = kept(Landlock.denyingRuleset(1L << 3));
        domains.restricting(100, SELF, noReads, 0); // process 100's leader
        domains.inherit(100, 201); // its child, process 201
        domains.inherit(100, 301);
        domains.restricting(301, SELF, stricter, 0); // nested in 100's domain
        assertThat(domains.procfsStandIn(100, 100, "/proc/100/maps", 0)).contains("/proc/thread-self/stat");
        assertThat(domains.procfsStandIn(100, 100, "/proc/100/task/102/mem", 2)).contains("/proc/thread-self/attr/current");
        assertThat(domains.procfsStandIn(201, 201, "/proc/100/environ", 0)).as("its parent, one domain").isPresent();
        assertThat(domains.procfsStandIn(100, 100, "/proc/301/maps", 0)).as("a nested domain").isPresent();
        assertThat(domains.procfsStandIn(301, 301, "/proc/100/maps", 0)).as("an outer domain").isEmpty();
        assertThat(domains.procfsStandIn(100, 100, "/proc/1/maps", 0)).as("a task of no domain").isEmpty();
        assertThat(domains.procfsStandIn(102, 102, "/proc/102/maps", 0)).as("an unconfined caller").isEmpty();
        assertThat(domains.procfsStandIn(100, 100, "/proc/100/status", 0)).as("asks no ptrace access").isEmpty();
        assertThat(domains.procfsStandIn(100, 100, "/proc/sys/kernel/maps", 0)).isEmpty();
        assertThat(domains.procfsStandIn(100, 100, "/tmp/100/maps", 0)).isEmpty();
    }

    @Test
    void whatTheKernelWouldRefuseRecordsNothing() {
        int file = kept(new PathCalls().openat(AT_FDCWD, "/etc/hostname", O_CLOEXEC));
        assertThat(domains.restricting(101, SELF, file, 0)).as("not a ruleset").isEmpty();
        assertThat(domains.restricting(101, SELF, -1, 4)).as("logging flags alone").isEmpty();
        assertThat(domains.restricting(101, SELF, 999_999, 0)).as("no such fd").isEmpty();
        assertThat(read(101)).isZero();
    }

    @Test
    void flagsPastWhatSeccheckFollowsAreRefused() {
        assertThat(domains.restricting(101, SELF, noReads, 8)).hasValue(Errno.EINVAL);
        assertThat(read(101)).isZero();
    }
}
