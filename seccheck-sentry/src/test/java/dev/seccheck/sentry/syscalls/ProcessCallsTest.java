package dev.seccheck.sentry.syscalls;

import static dev.seccheck.abi.CloneFlags.CLONE_CHILD_CLEARTID;
import static dev.seccheck.abi.CloneFlags.CLONE_FILES;
import static dev.seccheck.abi.CloneFlags.CLONE_FS;
import static dev.seccheck.abi.CloneFlags.CLONE_PARENT_SETTID;
import static dev.seccheck.abi.CloneFlags.CLONE_SETTLS;
import static dev.seccheck.abi.CloneFlags.CLONE_SIGHAND;
import static dev.seccheck.abi.CloneFlags.CLONE_SYSVSEM;
import static dev.seccheck.abi.CloneFlags.CLONE_THREAD;
import static dev.seccheck.abi.CloneFlags.CLONE_VM;
import static dev.seccheck.abi.Fcntl.AT_EMPTY_PATH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.syscall.Clone;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Fork;
import dev.seccheck.proto.syscall.Prlimit;
import dev.seccheck.proto.syscall.Ptrace;
import dev.seccheck.proto.syscall.Setid;
import dev.seccheck.proto.syscall.Setresid;
import org.junit.jupiter.api.Test;

class ProcessCallsTest {
    /** The flags of glibc's pthread_create. */
    private static final long CLONE_THREADS = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD
            | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
    private static final int RLIMIT_NOFILE = 7;

    private final Decoding d = new Decoding();

    @Test
    void cloneCarriesFlagsStackTlsAndTheNewTidFromParentTidAtExit() {
        long parentTid = d.mem.ints(5150);
        Clone enter = d.enter("clone", CLONE_THREADS, 0x7000_0000L, parentTid, 0x2222, 0x7fff_0000L);
        assertThat(enter.getSysno()).isEqualTo(56);
        assertThat(enter.getFlags()).isEqualTo(CLONE_THREADS);
        assertThat(enter.getStack()).isEqualTo(0x7000_0000L);
        assertThat(enter.getTls()).isEqualTo(0x7fff_0000L);
        assertThat(enter.getNewTid()).isZero();
        // The word at parent_tid holds 5150 by now: a glibc thread zeroes it (CLONE_CHILD_CLEARTID on
        // the same word) when it ends, possibly before the exit stop is served. With
        // CLONE_PARENT_SETTID the kernel wrote the result there, so that is what is reported.
        Clone exit = d.exit("clone", 5151, CLONE_THREADS, 0x7000_0000L, parentTid, 0x2222, 0x7fff_0000L);
        assertThat(exit.getNewTid()).as("what the kernel wrote at parent_tid: the result").isEqualTo(5151);
        assertThat(exit.getExit().getResult()).isEqualTo(5151);
        Clone noSetTid = d.exit("clone", 5151, CLONE_THREADS & ~CLONE_PARENT_SETTID, 0x7000_0000L, parentTid, 0x2222,
                0x7fff_0000L);
        assertThat(noSetTid.getNewTid()).as("read from *parent_tid, not the return value").isEqualTo(5150);
        Clone fork = d.exit("clone", 5152, 0x1200011, 0, 0, 0x2222, 0);
        assertThat(fork.getNewTid()).as("glibc's fork passes no parent_tid").isZero();
        Clone failed = d.exit("clone", -11, CLONE_THREADS);
        assertThat(failed.getNewTid()).isZero();
    }

    @Test
    void forkAndVforkCarryOnlyContextAndExit() {
        Fork fork = d.exit("fork", 777);
        assertThat(fork.getSysno()).isEqualTo(57);
        assertThat(fork.getExit().getResult()).isEqualTo(777);
        assertThat(fork.getContextData()).isEqualTo(Decoding.CTX);
        Fork vfork = d.enter("vfork");
        assertThat(vfork.getSysno()).isEqualTo(58);
        assertThat(vfork.hasExit()).isFalse();
    }

    @Test
    void execveCarriesPathnameAndArgvAndEnvvOnlyWhenRequested() {
        long path = d.mem.string("/bin/true");
        long argv = d.mem.vector("true", "--version");
        long envp = d.mem.vector("PATH=/bin", "HOME=/root");
        Execve plain = d.enter("execve", path, argv, envp);
        assertThat(plain.getSysno()).isEqualTo(59);
        assertThat(plain.getPathname()).isEqualTo("/bin/true");
        assertThat(plain.getArgvList()).containsExactly("true", "--version");
        assertThat(plain.getEnvvList()).isEmpty();
        assertThat(plain.getFd()).isZero();

        Execve withEnv = d.with(Decoding.ALL).enter("execve", path, argv, envp);
        assertThat(withEnv.getEnvvList()).containsExactly("PATH=/bin", "HOME=/root");
        assertThat(withEnv.getFdPath()).as("execve offers no fd_path").isEmpty();

        Execve failed = d.with(Decoding.ALL).exit("execve", -2, path, argv, envp);
        assertThat(failed.getPathname()).as("a failed exec keeps its address space").isEqualTo("/bin/true");
        assertThat(failed.getArgvList()).containsExactly("true", "--version");
        assertThat(failed.getEnvvList()).containsExactly("PATH=/bin", "HOME=/root");
        assertThat(failed.getExit().getErrorno()).isEqualTo(2);
    }

    @Test
    void successfulExecExitReadsNothingFromTheNewImage() {
        long path = d.mem.string("/bin/true");
        long argv = d.mem.vector("true");
        int reads = d.mem.reads;
        Execve execve = d.with(Decoding.ALL).exit("execve", 0, path, argv, 0);
        assertThat(execve.getPathname()).isEmpty();
        assertThat(execve.getArgvList()).isEmpty();
        assertThat(execve.getExit().getResult()).isZero();
        Execve execveat = d.exit("execveat", 0, 5, path, argv, 0, 0);
        assertThat(execveat.getFd()).isEqualTo(5);
        assertThat(execveat.getPathname()).isEmpty();
        assertThat(execveat.getFdPath()).as("the dirfd may have been close-on-exec").isEmpty();
        assertThat(d.mem.reads).isEqualTo(reads);
    }

    @Test
    void execveWithNullOrUnreadableVectorsHasEmptyLists() {
        Execve nulls = d.with(Decoding.ENVV).enter("execve", d.mem.string("/bin/sh"), 0, 0);
        assertThat(nulls.getArgvList()).isEmpty();
        assertThat(nulls.getEnvvList()).isEmpty();
        Execve unreadable = d.with(Decoding.ENVV).enter("execve", 0xdead_0000L, 0xdead_1000L, 0xdead_2000L);
        assertThat(unreadable.getPathname()).isEmpty();
        assertThat(unreadable.getArgvList()).isEmpty();
    }

    @Test
    void argvStopsAtTheFirstUnreadableElementKeepingWhatCameBefore() {
        long argv = d.mem.longs(d.mem.string("ls"), d.mem.string("-l"), 0xdead_0000L, d.mem.string("never"), 0);
        Execve m = d.enter("execve", d.mem.string("/bin/ls"), argv, 0);
        assertThat(m.getArgvList()).containsExactly("ls", "-l");
    }

    @Test
    void execveatCarriesFdFlagsFdPathAndEnvv() {
        long empty = d.mem.string("");
        long argv = d.mem.vector("prog");
        long envp = d.mem.vector("A=1");
        Execve m = d.with(Decoding.ALL).enter("execveat", 5, empty, argv, envp, AT_EMPTY_PATH);
        assertThat(m.getSysno()).isEqualTo(322);
        assertThat(m.getFd()).isEqualTo(5);
        assertThat(m.getFdPath()).isEqualTo("/fd/5");
        assertThat(m.getPathname()).isEmpty();
        assertThat(m.getArgvList()).containsExactly("prog");
        assertThat(m.getEnvvList()).containsExactly("A=1");
        assertThat(m.getFlags()).isEqualTo(AT_EMPTY_PATH);
        Execve noEnv = d.with(Decoding.FD_PATH).enter("execveat", 5, empty, argv, envp, AT_EMPTY_PATH);
        assertThat(noEnv.getEnvvList()).isEmpty();
    }

    @Test
    void ptraceCarriesRequestAndPid() {
        Ptrace m = d.exit("ptrace", 0, 0, 0, 0, 0);
        assertThat(m.getSysno()).isEqualTo(101);
        assertThat(m.getRequest()).isZero();
        Ptrace attach = d.enter("ptrace", 16, 1234);
        assertThat(attach.getRequest()).isEqualTo(16);
        assertThat(attach.getPid()).isEqualTo(1234);
    }

    @Test
    void setidFamily() {
        Setid setuid = d.enter("setuid", 1000);
        assertThat(setuid.getSysno()).isEqualTo(105);
        assertThat(setuid.getId()).isEqualTo(1000);
        Setid setgid = d.exit("setgid", -1, 65534);
        assertThat(setgid.getSysno()).isEqualTo(106);
        assertThat(setgid.getId()).isEqualTo(65534);
        assertThat(setgid.getExit().getErrorno()).isEqualTo(1);
        Setid setsid = d.exit("setsid", 4321, 99);
        assertThat(setsid.getSysno()).isEqualTo(112);
        assertThat(setsid.getId()).as("setsid has no argument").isZero();
        assertThat(setsid.getExit().getResult()).isEqualTo(4321);
    }

    @Test
    void setresidFamilyKeepsMinusOneAsUnsigned() {
        Setresid uid = d.enter("setresuid", 1000, 0xffff_ffffL, 1002);
        assertThat(uid.getSysno()).isEqualTo(117);
        assertThat(uid.getRid()).isEqualTo(1000);
        assertThat(Integer.toUnsignedLong(uid.getEid())).isEqualTo(0xffff_ffffL);
        assertThat(uid.getSid()).isEqualTo(1002);
        Setresid gid = d.exit("setresgid", 0, 5, 6, 7);
        assertThat(gid.getSysno()).isEqualTo(119);
        assertThat(gid.getRid()).isEqualTo(5);
        assertThat(gid.getEid()).isEqualTo(6);
        assertThat(gid.getSid()).isEqualTo(7);
    }

    @Test
    void prlimit64ReadsTheNewLimitAlwaysAndTheOldOneAfterSuccess() {
        long newLimit = d.mem.longs(1024, 4096);
        long oldLimit = d.mem.longs(256, 8192);
        Prlimit enter = d.enter("prlimit64", 0, RLIMIT_NOFILE, newLimit, oldLimit);
        assertThat(enter.getSysno()).isEqualTo(302);
        assertThat(enter.getPid()).isZero();
        assertThat(enter.getResource()).isEqualTo(RLIMIT_NOFILE);
        assertThat(enter.getNewLimit().getCur()).isEqualTo(1024);
        assertThat(enter.getNewLimit().getMax()).isEqualTo(4096);
        assertThat(enter.hasOldLimit()).isFalse();
        Prlimit exit = d.exit("prlimit64", 0, 0, RLIMIT_NOFILE, newLimit, oldLimit);
        assertThat(exit.getOldLimit().getCur()).isEqualTo(256);
        assertThat(exit.getOldLimit().getMax()).isEqualTo(8192);
        Prlimit getOnly = d.exit("prlimit64", 0, 42, RLIMIT_NOFILE, 0, oldLimit);
        assertThat(getOnly.getPid()).isEqualTo(42);
        assertThat(getOnly.hasNewLimit()).isFalse();
        assertThat(getOnly.hasOldLimit()).isTrue();
        Prlimit failed = d.exit("prlimit64", -1, 1, RLIMIT_NOFILE, newLimit, oldLimit);
        assertThat(failed.hasNewLimit()).isTrue();
        assertThat(failed.hasOldLimit()).isFalse();
    }
}
