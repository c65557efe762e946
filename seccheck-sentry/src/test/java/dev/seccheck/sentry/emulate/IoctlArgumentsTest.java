package dev.seccheck.sentry.emulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.abi.Errno;
import dev.seccheck.linux.IoctlArgument;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A held ioctl's argument is read from a program's memory as the kernel reads it: exactly as many
 * bytes as its handler copies (an fscrypt policy by its version), so that one at the end of
 * readable memory is read as natively; none where the kernel's copy would fault; fs-verity's
 * pointers never the program's addresses. The program's memory here is an array from address
 * 0x1000, readable to {@code end}.
 */
class IoctlArgumentsTest {

    private static final long BASE = 0x1000;

    /** Memory readable from BASE to {@code end}: each read checked as ProgramMemory.bytes checks it. */
    private static IoctlArguments.Reader memory(byte[] bytes) {
        return (address, length) -> {
            if (address < BASE || address + length > BASE + bytes.length) {
                throw new ProgramMemory.Fault(Errno.EFAULT);
            }
            return Arrays.copyOfRange(bytes, (int) (address - BASE), (int) (address - BASE) + length);
        };
    }

    @Test
    void anEncryptionPolicyIsReadToTheSizeItsVersionSays() {
        byte[] v1 = new byte[12];
        v1[0] = 0;
        v1[11] = 9;
        IoctlArgument a = IoctlArguments.read(FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY, BASE, memory(v1));
        assertThat(a).as("a v1 policy ending where memory ends").isNotNull();
        assertThat(a.bytes()).isEqualTo(v1);
        assertThat(a.size()).isEqualTo(12);

        byte[] v2 = new byte[24];
        v2[0] = 2;
        v2[23] = 7;
        a = IoctlArguments.read(FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY, BASE, memory(v2));
        assertThat(a.bytes()).as("a v2 policy, 24 bytes through the v1 number").isEqualTo(v2);

        assertThat(IoctlArguments.read(FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY, BASE,
                memory(Arrays.copyOf(v2, 12)))).as("a v2 version with 12 bytes readable: the kernel's EFAULT").isNull();

        byte[] bad = {1};
        a = IoctlArguments.read(FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY, BASE, memory(bad));
        assertThat(a.bytes()).as("an unknown version: its byte alone, the kernel's EINVAL").isEqualTo(bad);
        assertThat(IoctlArguments.read(FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY, 8, memory(v1))).isNull();
    }

    @Test
    void theFlagsAndVersionsAreAnIntAndMigrateNothing() {
        byte[] four = {1, 2, 3, 4};
        for (int request : new int[] {FileAttributeIoctls.FS_IOC_SETFLAGS, FileAttributeIoctls.FS_IOC_SETVERSION,
                FileAttributeIoctls.EXT4_IOC_SETVERSION}) {
            IoctlArgument a = IoctlArguments.read(request, BASE, memory(four));
            assertThat(a.bytes()).isEqualTo(four);
            assertThat(a.size()).as("padded to the size the number says").isEqualTo(8);
        }
        assertThat(IoctlArguments.read(FileAttributeIoctls.FS_IOC_FSSETXATTR, BASE, memory(new byte[28])).bytes())
                .hasSize(28);
        assertThat(IoctlArguments.read(FileAttributeIoctls.FS_IOC_FSSETXATTR, BASE, memory(new byte[27]))).isNull();
        assertThat(IoctlArguments.read(FileAttributeIoctls.EXT4_IOC_MIGRATE, 8, memory(four)))
                .as("no argument read, whatever the address").isSameAs(IoctlArgument.NONE);
    }

    @Test
    void verityPointsToSecchecksCopiesOfTheSaltAndSignatureNeverToTheProgramsAddresses() {
        byte[] mem = new byte[256];
        ByteBuffer b = ByteBuffer.wrap(mem).order(ByteOrder.nativeOrder());
        b.putInt(0, 1).putInt(4, 1).putInt(8, 4096);
        b.putInt(12, 4).putLong(16, BASE + 200); // the salt, readable
        b.putInt(24, 3).putLong(32, BASE + 254); // the signature, running past readable memory
        mem[200] = 's';
        mem[203] = 't';
        IoctlArgument a = IoctlArguments.read(FileAttributeIoctls.FS_IOC_ENABLE_VERITY, BASE, memory(mem));
        assertThat(a.size()).isEqualTo(128);
        ByteBuffer copy = ByteBuffer.wrap(a.bytes()).order(ByteOrder.nativeOrder());
        assertThat(copy.getLong(16)).as("the salt's pointer is set by the call, to seccheck's copy").isZero();
        assertThat(copy.getLong(32)).as("an unreadable signature: 0, the kernel's EFAULT").isZero();
        assertThat(copy.getInt(12)).isEqualTo(4);
        assertThat(copy.getInt(24)).isEqualTo(3);
        assertThat(a.pointed()).hasSize(1);
        assertThat(a.pointed().getFirst().offset()).isEqualTo(16);
        assertThat(a.pointed().getFirst().bytes()).containsExactly('s', 0, 0, 't');

        b.putInt(12, 33).putInt(24, 16129).putLong(32, BASE);
        a = IoctlArguments.read(FileAttributeIoctls.FS_IOC_ENABLE_VERITY, BASE, memory(mem));
        assertThat(a.pointed()).as("sizes the kernel refuses (EMSGSIZE) before it reads").isEmpty();
        copy = ByteBuffer.wrap(a.bytes()).order(ByteOrder.nativeOrder());
        assertThat(copy.getLong(16)).isZero();
        assertThat(copy.getLong(32)).isZero();

        assertThat(IoctlArguments.read(FileAttributeIoctls.FS_IOC_ENABLE_VERITY, BASE, memory(new byte[127])))
                .as("the struct itself unreadable").isNull();
    }
}
