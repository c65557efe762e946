package dev.seccheck.sentry.emulate;

import dev.seccheck.linux.IoctlArgument;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * IoctlArguments reads a held ioctl's argument from the program once, as the kernel's handler of
 * the request reads it ({@link FileAttributeIoctls}), so that seccheck's call on its copy of the
 * descriptor gets the answer the program's would have had: an int for FS_IOC_SETFLAGS and the
 * SETVERSIONs, a struct fsxattr, an fscrypt policy of the size its first byte, the version, says
 * (12 bytes for v1, 24 for v2: a v1 policy at the end of the program's memory is read as
 * natively), nothing for EXT4_IOC_MIGRATE, and fs-verity's 128-byte struct with the salt and the
 * signature it points to, whose pointers are made seccheck's copies' (the kernel reads them in
 * seccheck's process). Memory the kernel's copy would fault on gives no argument (null), which
 * the call passes as address 0 so that the kernel fails it (EFAULT) at the same point; a
 * pointer of verity's struct the kernel would fault on, or never follow (its size out of the
 * kernel's bounds, which it refuses first), is made 0 for the same reason: no address of the
 * program's reaches the kernel from seccheck.
 */
final class IoctlArguments {
    private IoctlArguments() {}

    /** Reads {@code length} bytes at {@code address} of the program, or faults where the kernel's copy would. */
    @FunctionalInterface
    interface Reader {
        byte[] bytes(long address, int length) throws ProgramMemory.Fault;
    }

    /** FSCRYPT_POLICY_V1: version 0 (sic), a 12-byte struct fscrypt_policy_v1. */
    private static final int FSCRYPT_POLICY_V1 = 0;
    /** FSCRYPT_POLICY_V2: a 24-byte struct fscrypt_policy_v2. */
    private static final int FSCRYPT_POLICY_V2 = 2;
    /** sizeof(struct fsverity_enable_arg). */
    static final int VERITY_ARG_SIZE = 128;
    private static final int VERITY_SALT_SIZE = 12;
    private static final int VERITY_SALT_PTR = 16;
    private static final int VERITY_SIG_SIZE = 24;
    private static final int VERITY_SIG_PTR = 32;
    /** The salt field of struct fsverity_descriptor: a longer salt is EMSGSIZE before it is read. */
    private static final int VERITY_MAX_SALT = 32;
    /** FS_VERITY_MAX_SIGNATURE_SIZE: a longer signature is EMSGSIZE before it is read. */
    private static final int VERITY_MAX_SIGNATURE = 16128;

    /**
     * The argument at {@code address} of held request {@code request} as the kernel would read it,
     * or null when its copy would fault.
     */
    static IoctlArgument read(int request, long address, Reader memory) {
        int encoded = FileAttributeIoctls.encoded(request);
        try {
            return switch (request) {
                case FileAttributeIoctls.FS_IOC_FSSETXATTR -> IoctlArgument.of(memory.bytes(address, 28), encoded);
                case FileAttributeIoctls.FS_IOC_SET_ENCRYPTION_POLICY -> {
                    byte[] version = memory.bytes(address, 1);
                    int size = switch (version[0]) {
                        case FSCRYPT_POLICY_V1 -> 12;
                        case FSCRYPT_POLICY_V2 -> 24;
                        default -> 1; // the kernel answers EINVAL on the version alone
                    };
                    yield IoctlArgument.of(size == 1 ? version : memory.bytes(address, size), encoded);
                }
                case FileAttributeIoctls.EXT4_IOC_MIGRATE -> IoctlArgument.NONE;
                case FileAttributeIoctls.FS_IOC_ENABLE_VERITY -> verity(memory.bytes(address, VERITY_ARG_SIZE), memory);
                default -> IoctlArgument.of(memory.bytes(address, Integer.BYTES), encoded);
            };
        } catch (ProgramMemory.Fault f) {
            return null; // the kernel's copy fails after its check of the descriptor
        }
    }

    /** fs-verity's struct with its two pointers made seccheck's copies', or 0. */
    private static IoctlArgument verity(byte[] arg, Reader memory) {
        byte[] copy = Arrays.copyOf(arg, arg.length);
        ByteBuffer b = ByteBuffer.wrap(copy).order(ByteOrder.nativeOrder());
        List<IoctlArgument.Pointed> pointed = new ArrayList<>(2);
        pointee(b, VERITY_SALT_SIZE, VERITY_SALT_PTR, VERITY_MAX_SALT, memory, pointed);
        pointee(b, VERITY_SIG_SIZE, VERITY_SIG_PTR, VERITY_MAX_SIGNATURE, memory, pointed);
        return new IoctlArgument(copy, VERITY_ARG_SIZE, pointed);
    }

    /**
     * Clears the pointer at {@code ptrAt} and, when the u32 size at {@code sizeAt} is one the kernel
     * reads (1 to {@code max}) and the program's bytes there are readable, adds their copy.
     */
    private static void pointee(ByteBuffer b, int sizeAt, int ptrAt, int max, Reader memory,
            List<IoctlArgument.Pointed> pointed) {
        long size = Integer.toUnsignedLong(b.getInt(sizeAt));
        long address = b.getLong(ptrAt);
        b.putLong(ptrAt, 0);
        if (size == 0 || size > max) {
            return;
        }
        try {
            pointed.add(new IoctlArgument.Pointed(ptrAt, memory.bytes(address, (int) size)));
        } catch (ProgramMemory.Fault f) {
            // Left 0: the kernel's copy of it fails (EFAULT) where the program's would have.
        }
    }
}
