package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.proto.syscall.Read;
import dev.seccheck.proto.syscall.Write;
import org.junit.jupiter.api.Test;

class IoCallsTest {
    private static final int RWF_NOWAIT = 8;
    private final Decoding d = new Decoding();

    @Test
    void readAndWriteCarryFdCountAndNoOffset() {
        Read read = d.with(Decoding.FD_PATH).exit("read", 12, 0, 0x5000, 4096);
        assertThat(read.getSysno()).isZero();
        assertThat(read.getFd()).isZero();
        assertThat(read.getFdPath()).isEqualTo("/fd/0");
        assertThat(read.getCount()).isEqualTo(4096);
        assertThat(read.getHasOffset()).isFalse();
        assertThat(read.getExit().getResult()).isEqualTo(12);

        Write write = d.with(Decoding.NONE).enter("write", 1, 0x5000, 6);
        assertThat(write.getSysno()).isEqualTo(1);
        assertThat(write.getFd()).isEqualTo(1);
        assertThat(write.getCount()).isEqualTo(6);
        assertThat(write.getFdPath()).isEmpty();
    }

    @Test
    void pread64AndPwrite64CarryTheOffset() {
        Read pread = d.enter("pread64", 3, 0x5000, 100, 8192);
        assertThat(pread.getSysno()).isEqualTo(17);
        assertThat(pread.getHasOffset()).isTrue();
        assertThat(pread.getOffset()).isEqualTo(8192);
        Write pwrite = d.exit("pwrite64", 100, 3, 0x5000, 100, 0);
        assertThat(pwrite.getSysno()).isEqualTo(18);
        assertThat(pwrite.getHasOffset()).isTrue();
        assertThat(pwrite.getOffset()).isZero();
    }

    @Test
    void readvAndWritevCountIsTheSumOfIovecLengths() {
        long iov = d.mem.longs(0x5000, 10, 0x6000, 20, 0x7000, 300);
        Read readv = d.enter("readv", 3, iov, 3);
        assertThat(readv.getSysno()).isEqualTo(19);
        assertThat(readv.getCount()).isEqualTo(330);
        assertThat(readv.getHasOffset()).isFalse();
        Write writev = d.exit("writev", 30, 4, iov, 2);
        assertThat(writev.getSysno()).isEqualTo(20);
        assertThat(writev.getCount()).isEqualTo(30);
        Read none = d.enter("readv", 3, iov, 0);
        assertThat(none.getCount()).isZero();
    }

    @Test
    void unreadableOrOutOfRangeIovecLeavesCountOut() {
        Read unreadable = d.enter("readv", 3, 0xdead_0000L, 2);
        assertThat(unreadable.hasField(Read.getDescriptor().findFieldByName("count"))).isFalse();
        assertThat(unreadable.getFd()).isEqualTo(3);
        long iov = d.mem.longs(0x5000, 10);
        Read partlyReadable = d.enter("readv", 3, iov, 2);
        assertThat(partlyReadable.getCount()).isZero();
        int reads = d.mem.reads;
        Read tooMany = d.enter("readv", 3, iov, 1025);
        Read negative = d.enter("readv", 3, iov, -1);
        assertThat(tooMany.getCount()).isZero();
        assertThat(negative.getCount()).isZero();
        assertThat(d.mem.reads).as("an iovcnt the kernel rejects is not read").isEqualTo(reads);
    }

    @Test
    void preadvAndPwritevTakeTheOffsetFromPosL() {
        long iov = d.mem.longs(0x5000, 64);
        Read preadv = d.enter("preadv", 3, iov, 1, 1 << 20, 0);
        assertThat(preadv.getSysno()).isEqualTo(295);
        assertThat(preadv.getCount()).isEqualTo(64);
        assertThat(preadv.getHasOffset()).isTrue();
        assertThat(preadv.getOffset()).isEqualTo(1 << 20);
        Write pwritev = d.exit("pwritev", 64, 3, iov, 1, 5L << 32, 7);
        assertThat(pwritev.getSysno()).isEqualTo(296);
        assertThat(pwritev.getOffset()).as("pos_h is shifted out on 64-bit").isEqualTo(5L << 32);
    }

    @Test
    void preadv2AndPwritev2CarryFlagsAndTreatOffsetMinusOneAsNone() {
        long iov = d.mem.longs(0x5000, 16);
        Read current = d.enter("preadv2", 3, iov, 1, -1, 0, RWF_NOWAIT);
        assertThat(current.getSysno()).isEqualTo(327);
        assertThat(current.getHasOffset()).isFalse();
        assertThat(current.getOffset()).isZero();
        assertThat(current.getFlags()).isEqualTo(RWF_NOWAIT);
        assertThat(current.getCount()).isEqualTo(16);
        Write at = d.with(Decoding.FD_PATH).exit("pwritev2", 16, 3, iov, 1, 512, 0, 0);
        assertThat(at.getSysno()).isEqualTo(328);
        assertThat(at.getHasOffset()).isTrue();
        assertThat(at.getOffset()).isEqualTo(512);
        assertThat(at.getFdPath()).isEqualTo("/fd/3");
    }
}
