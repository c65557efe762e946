package dev.seccheck.sentry.syscalls;

import static dev.seccheck.abi.Fcntl.O_CLOEXEC;
import static dev.seccheck.abi.Fcntl.O_CREAT;
import static dev.seccheck.abi.Fcntl.O_RDONLY;
import static dev.seccheck.abi.Fcntl.O_TMPFILE;
import static dev.seccheck.abi.Fcntl.O_TRUNC;
import static dev.seccheck.abi.Fcntl.O_WRONLY;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.syscall.Chdir;
import dev.seccheck.proto.syscall.Chroot;
import dev.seccheck.proto.syscall.Close;
import dev.seccheck.proto.syscall.Dup;
import dev.seccheck.proto.syscall.Fcntl;
import dev.seccheck.proto.syscall.Mmap;
import dev.seccheck.proto.syscall.Open;
import org.junit.jupiter.api.Test;

class FileCallsTest {
    private static final long ENOENT = -2;

    private final Decoding d = new Decoding();

    @Test
    void openReportsAtFdcwdAndTheModeRegisterAsGvisorDoes() {
        long path = d.mem.string("/etc/passwd");
        Open m = d.enter("open", path, O_RDONLY | O_CLOEXEC, 0777);
        assertThat(m.getSysno()).isEqualTo(2);
        assertThat(m.getFd()).isEqualTo(-100);
        assertThat(m.getPathname()).isEqualTo("/etc/passwd");
        assertThat(m.getFlags()).isEqualTo(O_CLOEXEC);
        assertThat(m.getMode()).isEqualTo(0777);
        assertThat(m.hasExit()).isFalse();
        assertThat(m.getContextData()).isEqualTo(Decoding.CTX);
        assertThat(m.getFdPath()).isEmpty();
    }

    @Test
    void openWithOCreatCarriesModeAndFailedExitCarriesErrno() {
        long path = d.mem.string("/nope/x");
        Open m = d.exit("open", ENOENT, path, O_WRONLY | O_CREAT, 0640);
        assertThat(m.getMode()).isEqualTo(0640);
        assertThat(m.getExit().getResult()).isEqualTo(-1);
        assertThat(m.getExit().getErrorno()).isEqualTo(2);
    }

    @Test
    void openatCarriesDirfdPathFlagsAndModeOnlyWhenCreating() {
        long path = d.mem.string("data/file.txt");
        Open plain = d.with(Decoding.FD_PATH).enter("openat", 7, path, O_RDONLY, 0755);
        assertThat(plain.getSysno()).isEqualTo(257);
        assertThat(plain.getFd()).isEqualTo(7);
        assertThat(plain.getFdPath()).isEqualTo("/fd/7");
        assertThat(plain.getPathname()).isEqualTo("data/file.txt");
        assertThat(plain.getMode()).isZero();

        Open created = d.exit("openat", 5, -100, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        assertThat(created.getFd()).isEqualTo(-100);
        assertThat(created.getFdPath()).isEqualTo("/home/cwd");
        assertThat(created.getMode()).isEqualTo(0600);
        assertThat(created.getExit().getResult()).isEqualTo(5);
        assertThat(created.getExit().getErrorno()).isZero();

        Open tmpfile = d.enter("openat", -100, path, O_TMPFILE | O_WRONLY, 0600);
        assertThat(tmpfile.getMode()).isEqualTo(0600);
    }

    @Test
    void openatWithoutFdPathRequestedLeavesItOut() {
        Open m = d.enter("openat", 7, d.mem.string("x"), O_RDONLY, 0);
        assertThat(m.getFdPath()).isEmpty();
    }

    @Test
    void openatFdPathResolutionErrorIsReportedAsText() {
        Open m = d.with(Decoding.FD_PATH).enter("openat", 99, d.mem.string("x"), O_RDONLY, 0);
        assertThat(m.getFdPath()).isEqualTo("[err: FD not found]");
    }

    @Test
    void unreadablePathnameLeavesOnlyThePathnameOut() {
        Open m = d.enter("openat", -100, 0xdead_0000L, O_CREAT, 0644);
        assertThat(m.hasField(Open.getDescriptor().findFieldByName("pathname"))).isFalse();
        assertThat(m.getFlags()).isEqualTo(O_CREAT);
        assertThat(m.getMode()).isEqualTo(0644);
        Open nullPath = d.enter("openat", -100, 0, O_RDONLY, 0);
        assertThat(nullPath.getPathname()).isEmpty();
    }

    @Test
    void pathnameIsCutAtPathMax() {
        Open m = d.enter("open", d.mem.string("a".repeat(5000)), O_RDONLY, 0);
        assertThat(m.getPathname()).hasSize(4096);
    }

    @Test
    void creatIsOpenWithCreateFlagsAtCwd() {
        long path = d.mem.string("new.txt");
        Open m = d.with(Decoding.FD_PATH).exit("creat", 3, path, 0644);
        assertThat(m.getSysno()).isEqualTo(85);
        assertThat(m.getFd()).isEqualTo(-100);
        assertThat(m.getFdPath()).isEqualTo("/home/cwd");
        assertThat(m.getFlags()).isEqualTo(O_CREAT | O_WRONLY | O_TRUNC);
        assertThat(m.getMode()).isEqualTo(0644);
        assertThat(m.getPathname()).isEqualTo("new.txt");
        assertThat(m.getExit().getResult()).isEqualTo(3);
    }

    @Test
    void closeCarriesFdAndItsPath() {
        Close enter = d.with(Decoding.FD_PATH).enter("close", 4);
        assertThat(enter.getFd()).isEqualTo(4);
        assertThat(enter.getFdPath()).isEqualTo("/fd/4");
        Close exit = d.with(Decoding.NONE).exit("close", -9, 4);
        assertThat(exit.getExit().getErrorno()).isEqualTo(9);
        assertThat(exit.getFdPath()).isEmpty();
    }

    @Test
    void mmapOfAFileCarriesEverythingAndTheFdPath() {
        int protRead = 1;
        int mapPrivate = 2;
        Mmap m = d.with(Decoding.FD_PATH).exit("mmap", 0x7f00_0000_0000L, 0, 8192, protRead, mapPrivate, 3, 4096);
        assertThat(m.getSysno()).isEqualTo(9);
        assertThat(m.getAddr()).isZero();
        assertThat(m.getLength()).isEqualTo(8192);
        assertThat(m.getProt()).isEqualTo(protRead);
        assertThat(m.getFlags()).isEqualTo(mapPrivate);
        assertThat(m.getFd()).isEqualTo(3);
        assertThat(m.getOffset()).isEqualTo(4096);
        assertThat(m.getFdPath()).isEqualTo("/fd/3");
        assertThat(m.getExit().getResult()).isEqualTo(0x7f00_0000_0000L);
    }

    @Test
    void anonymousMmapHasNoFdPath() {
        int mapAnonymousPrivate = 0x22;
        Mmap anon = d.with(Decoding.FD_PATH).enter("mmap", 0, 4096, 3, mapAnonymousPrivate, 0xffff_ffffL, 0);
        assertThat(anon.getFd()).isEqualTo(-1);
        assertThat(anon.getFdPath()).isEmpty();
        Mmap anonWithFd = d.enter("mmap", 0, 4096, 3, mapAnonymousPrivate, 5, 0);
        assertThat(anonWithFd.getFdPath()).isEmpty();
        Mmap badFd = d.enter("mmap", 0, 4096, 3, 2, 0xffff_ffffL, 0);
        assertThat(badFd.getFdPath()).as("a negative fd names no file").isEmpty();
    }

    @Test
    void fcntlPassesCmdAndArgument() {
        int fSetfl = 4;
        Fcntl m = d.with(Decoding.FD_PATH).exit("fcntl", 0, 6, fSetfl, 04000);
        assertThat(m.getFd()).isEqualTo(6);
        assertThat(m.getCmd()).isEqualTo(fSetfl);
        assertThat(m.getArgs()).isEqualTo(04000);
        assertThat(m.getFdPath()).isEqualTo("/fd/6");
    }

    @Test
    void dupLearnsTheNewFdFromTheResult() {
        Dup enter = d.with(Decoding.FD_PATH).enter("dup", 3);
        assertThat(enter.getOldFd()).isEqualTo(3);
        assertThat(enter.getNewFd()).isZero();
        assertThat(enter.getFdPath()).isEqualTo("/fd/3");
        Dup exit = d.exit("dup", 8, 3);
        assertThat(exit.getNewFd()).isEqualTo(8);
        Dup failed = d.exit("dup", -9, 77);
        assertThat(failed.getNewFd()).isZero();
        assertThat(failed.getExit().getErrorno()).isEqualTo(9);
    }

    @Test
    void dup2AndDup3TakeTheNewFdFromTheArguments() {
        Dup dup2 = d.enter("dup2", 3, 10);
        assertThat(dup2.getSysno()).isEqualTo(33);
        assertThat(dup2.getOldFd()).isEqualTo(3);
        assertThat(dup2.getNewFd()).isEqualTo(10);
        assertThat(dup2.getFlags()).isZero();
        Dup dup3 = d.exit("dup3", 11, 3, 11, O_CLOEXEC);
        assertThat(dup3.getSysno()).isEqualTo(292);
        assertThat(dup3.getNewFd()).isEqualTo(11);
        assertThat(dup3.getFlags()).isEqualTo(O_CLOEXEC);
    }

    @Test
    void chdirFchdirAndChroot() {
        long dir = d.mem.string("/tmp/work");
        Chdir chdir = d.with(Decoding.FD_PATH).enter("chdir", dir);
        assertThat(chdir.getSysno()).isEqualTo(80);
        assertThat(chdir.getPathname()).isEqualTo("/tmp/work");
        assertThat(chdir.getFd()).isEqualTo(-100);
        assertThat(chdir.getFdPath()).as("chdir offers no fd_path").isEmpty();

        Chdir fchdir = d.exit("fchdir", 0, 5);
        assertThat(fchdir.getSysno()).isEqualTo(81);
        assertThat(fchdir.getFd()).isEqualTo(5);
        assertThat(fchdir.getFdPath()).isEqualTo("/fd/5");
        assertThat(fchdir.getPathname()).isEmpty();

        Chroot chroot = d.exit("chroot", -1, dir);
        assertThat(chroot.getSysno()).isEqualTo(161);
        assertThat(chroot.getPathname()).isEqualTo("/tmp/work");
        assertThat(chroot.getExit().getErrorno()).isEqualTo(1);
    }
}
