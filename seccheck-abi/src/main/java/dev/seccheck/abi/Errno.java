package dev.seccheck.abi;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Errno is the complete x86-64 Linux errno table (1..133; 41 and 58 are unassigned): each number
 * as a constant, its symbolic name and the glibc {@code strerror} text, so a rule, a log line and
 * an exception all name an errno the same way.
 */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int ENOEXEC = 8;
    public static final int EBADF = 9;
    public static final int ECHILD = 10;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int ENOTBLK = 15;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENFILE = 23;
    public static final int EMFILE = 24;
    public static final int ENOTTY = 25;
    public static final int ETXTBSY = 26;
    public static final int EFBIG = 27;
    public static final int ENOSPC = 28;
    public static final int ESPIPE = 29;
    public static final int EROFS = 30;
    public static final int EMLINK = 31;
    public static final int EPIPE = 32;
    public static final int EDOM = 33;
    public static final int ERANGE = 34;
    public static final int EDEADLK = 35;
    public static final int ENAMETOOLONG = 36;
    public static final int ENOLCK = 37;
    public static final int ENOSYS = 38;
    public static final int ENOTEMPTY = 39;
    public static final int ELOOP = 40;
    public static final int ENOMSG = 42;
    public static final int EIDRM = 43;
    public static final int ECHRNG = 44;
    public static final int EL2NSYNC = 45;
    public static final int EL3HLT = 46;
    public static final int EL3RST = 47;
    public static final int ELNRNG = 48;
    public static final int EUNATCH = 49;
    public static final int ENOCSI = 50;
    public static final int EL2HLT = 51;
    public static final int EBADE = 52;
    public static final int EBADR = 53;
    public static final int EXFULL = 54;
    public static final int ENOANO = 55;
    public static final int EBADRQC = 56;
    public static final int EBADSLT = 57;
    public static final int EBFONT = 59;
    public static final int ENOSTR = 60;
    public static final int ENODATA = 61;
    public static final int ETIME = 62;
    public static final int ENOSR = 63;
    public static final int ENONET = 64;
    public static final int ENOPKG = 65;
    public static final int EREMOTE = 66;
    public static final int ENOLINK = 67;
    public static final int EADV = 68;
    public static final int ESRMNT = 69;
    public static final int ECOMM = 70;
    public static final int EPROTO = 71;
    public static final int EMULTIHOP = 72;
    public static final int EDOTDOT = 73;
    public static final int EBADMSG = 74;
    public static final int EOVERFLOW = 75;
    public static final int ENOTUNIQ = 76;
    public static final int EBADFD = 77;
    public static final int EREMCHG = 78;
    public static final int ELIBACC = 79;
    public static final int ELIBBAD = 80;
    public static final int ELIBSCN = 81;
    public static final int ELIBMAX = 82;
    public static final int ELIBEXEC = 83;
    public static final int EILSEQ = 84;
    public static final int ERESTART = 85;
    public static final int ESTRPIPE = 86;
    public static final int EUSERS = 87;
    public static final int ENOTSOCK = 88;
    public static final int EDESTADDRREQ = 89;
    public static final int EMSGSIZE = 90;
    public static final int EPROTOTYPE = 91;
    public static final int ENOPROTOOPT = 92;
    public static final int EPROTONOSUPPORT = 93;
    public static final int ESOCKTNOSUPPORT = 94;
    public static final int EOPNOTSUPP = 95;
    public static final int EPFNOSUPPORT = 96;
    public static final int EAFNOSUPPORT = 97;
    public static final int EADDRINUSE = 98;
    public static final int EADDRNOTAVAIL = 99;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ENETRESET = 102;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOBUFS = 105;
    public static final int EISCONN = 106;
    public static final int ENOTCONN = 107;
    public static final int ESHUTDOWN = 108;
    public static final int ETOOMANYREFS = 109;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTDOWN = 112;
    public static final int EHOSTUNREACH = 113;
    public static final int EALREADY = 114;
    public static final int EINPROGRESS = 115;
    public static final int ESTALE = 116;
    public static final int EUCLEAN = 117;
    public static final int ENOTNAM = 118;
    public static final int ENAVAIL = 119;
    public static final int EISNAM = 120;
    public static final int EREMOTEIO = 121;
    public static final int EDQUOT = 122;
    public static final int ENOMEDIUM = 123;
    public static final int EMEDIUMTYPE = 124;
    public static final int ECANCELED = 125;
    public static final int ENOKEY = 126;
    public static final int EKEYEXPIRED = 127;
    public static final int EKEYREVOKED = 128;
    public static final int EKEYREJECTED = 129;
    public static final int EOWNERDEAD = 130;
    public static final int ENOTRECOVERABLE = 131;
    public static final int ERFKILL = 132;
    public static final int EHWPOISON = 133;
    /** EWOULDBLOCK is another name for {@link #EAGAIN}. */
    public static final int EWOULDBLOCK = EAGAIN;
    /** EDEADLOCK is another name for {@link #EDEADLK}. */
    public static final int EDEADLOCK = EDEADLK;

    /** The highest errno in the table. */
    public static final int MAX_ERRNO = 133;

    // Number, name and glibc strerror text, one errno a line; the constants above are checked
    // against it by ErrnoTest.
    private static final String TABLE = """
            1 EPERM Operation not permitted
            2 ENOENT No such file or directory
            3 ESRCH No such process
            4 EINTR Interrupted system call
            5 EIO Input/output error
            6 ENXIO No such device or address
            7 E2BIG Argument list too long
            8 ENOEXEC Exec format error
            9 EBADF Bad file descriptor
            10 ECHILD No child processes
            11 EAGAIN Resource temporarily unavailable
            12 ENOMEM Cannot allocate memory
            13 EACCES Permission denied
            14 EFAULT Bad address
            15 ENOTBLK Block device required
            16 EBUSY Device or resource busy
            17 EEXIST File exists
            18 EXDEV Invalid cross-device link
            19 ENODEV No such device
            20 ENOTDIR Not a directory
            21 EISDIR Is a directory
            22 EINVAL Invalid argument
            23 ENFILE Too many open files in system
            24 EMFILE Too many open files
            25 ENOTTY Inappropriate ioctl for device
            26 ETXTBSY Text file busy
            27 EFBIG File too large
            28 ENOSPC No space left on device
            29 ESPIPE Illegal seek
            30 EROFS Read-only file system
            31 EMLINK Too many links
            32 EPIPE Broken pipe
            33 EDOM Numerical argument out of domain
            34 ERANGE Numerical result out of range
            35 EDEADLK Resource deadlock avoided
            36 ENAMETOOLONG File name too long
            37 ENOLCK No locks available
            38 ENOSYS Function not implemented
            39 ENOTEMPTY Directory not empty
            40 ELOOP Too many levels of symbolic links
            42 ENOMSG No message of desired type
            43 EIDRM Identifier removed
            44 ECHRNG Channel number out of range
            45 EL2NSYNC Level 2 not synchronized
            46 EL3HLT Level 3 halted
            47 EL3RST Level 3 reset
            48 ELNRNG Link number out of range
            49 EUNATCH Protocol driver not attached
            50 ENOCSI No CSI structure available
            51 EL2HLT Level 2 halted
            52 EBADE Invalid exchange
            53 EBADR Invalid request descriptor
            54 EXFULL Exchange full
            55 ENOANO No anode
            56 EBADRQC Invalid request code
            57 EBADSLT Invalid slot
            59 EBFONT Bad font file format
            60 ENOSTR Device not a stream
            61 ENODATA No data available
            62 ETIME Timer expired
            63 ENOSR Out of streams resources
            64 ENONET Machine is not on the network
            65 ENOPKG Package not installed
            66 EREMOTE Object is remote
            67 ENOLINK Link has been severed
            68 EADV Advertise error
            69 ESRMNT Srmount error
            70 ECOMM Communication error on send
            71 EPROTO Protocol error
            72 EMULTIHOP Multihop attempted
            73 EDOTDOT RFS specific error
            74 EBADMSG Bad message
            75 EOVERFLOW Value too large for defined data type
            76 ENOTUNIQ Name not unique on network
            77 EBADFD File descriptor in bad state
            78 EREMCHG Remote address changed
            79 ELIBACC Can not access a needed shared library
            80 ELIBBAD Accessing a corrupted shared library
            81 ELIBSCN .lib section in a.out corrupted
            82 ELIBMAX Attempting to link in too many shared libraries
            83 ELIBEXEC Cannot exec a shared library directly
            84 EILSEQ Invalid or incomplete multibyte or wide character
            85 ERESTART Interrupted system call should be restarted
            86 ESTRPIPE Streams pipe error
            87 EUSERS Too many users
            88 ENOTSOCK Socket operation on non-socket
            89 EDESTADDRREQ Destination address required
            90 EMSGSIZE Message too long
            91 EPROTOTYPE Protocol wrong type for socket
            92 ENOPROTOOPT Protocol not available
            93 EPROTONOSUPPORT Protocol not supported
            94 ESOCKTNOSUPPORT Socket type not supported
            95 EOPNOTSUPP Operation not supported
            96 EPFNOSUPPORT Protocol family not supported
            97 EAFNOSUPPORT Address family not supported by protocol
            98 EADDRINUSE Address already in use
            99 EADDRNOTAVAIL Cannot assign requested address
            100 ENETDOWN Network is down
            101 ENETUNREACH Network is unreachable
            102 ENETRESET Network dropped connection on reset
            103 ECONNABORTED Software caused connection abort
            104 ECONNRESET Connection reset by peer
            105 ENOBUFS No buffer space available
            106 EISCONN Transport endpoint is already connected
            107 ENOTCONN Transport endpoint is not connected
            108 ESHUTDOWN Cannot send after transport endpoint shutdown
            109 ETOOMANYREFS Too many references: cannot splice
            110 ETIMEDOUT Connection timed out
            111 ECONNREFUSED Connection refused
            112 EHOSTDOWN Host is down
            113 EHOSTUNREACH No route to host
            114 EALREADY Operation already in progress
            115 EINPROGRESS Operation now in progress
            116 ESTALE Stale file handle
            117 EUCLEAN Structure needs cleaning
            118 ENOTNAM Not a XENIX named type file
            119 ENAVAIL No XENIX semaphores available
            120 EISNAM Is a named type file
            121 EREMOTEIO Remote I/O error
            122 EDQUOT Disk quota exceeded
            123 ENOMEDIUM No medium found
            124 EMEDIUMTYPE Wrong medium type
            125 ECANCELED Operation canceled
            126 ENOKEY Required key not available
            127 EKEYEXPIRED Key has expired
            128 EKEYREVOKED Key has been revoked
            129 EKEYREJECTED Key was rejected by service
            130 EOWNERDEAD Owner died
            131 ENOTRECOVERABLE State not recoverable
            132 ERFKILL Operation not possible due to RF-kill
            133 EHWPOISON Memory page has hardware error
            """;

    private static final String[] NAMES = new String[MAX_ERRNO + 1];
    private static final String[] MESSAGES = new String[MAX_ERRNO + 1];
    private static final Map<String, Integer> BY_NAME = new HashMap<>();

    static {
        for (String line : TABLE.split("\n")) {
            String[] f = line.split(" ", 3);
            int n = Integer.parseInt(f[0]);
            NAMES[n] = f[1];
            MESSAGES[n] = f[2];
            BY_NAME.put(f[1], n);
        }
        BY_NAME.put("EWOULDBLOCK", EAGAIN);
        BY_NAME.put("EDEADLOCK", EDEADLK);
    }

    /**
     * The kernel's own codes for a call that a signal interrupted and that returns to no program
     * as they are (include/linux/errno.h): a trace shows them for a call whose task ended in it,
     * as strace does ({@code = ? ERESTARTSYS}). Names only: no rule answers with one.
     */
    private static final String[][] RESTARTS = {
        {"ERESTARTSYS", "To be restarted if SA_RESTART is set"},
        {"ERESTARTNOINTR", "To be restarted"},
        {"ERESTARTNOHAND", "To be restarted if no handler"},
        {"ENOIOCTLCMD", "No ioctl command"},
        {"ERESTART_RESTARTBLOCK", "Interrupted by signal"},
    };
    /** The first of {@link #RESTARTS}, ERESTARTSYS. */
    private static final int FIRST_RESTART = 512;

    /**
     * Returns the symbolic name of {@code errno} ("ENOENT"; the kernel's restart codes by theirs,
     * "ERESTARTSYS"), or "errno N" for a number outside the table.
     */
    public static String name(int errno) {
        String n = errno > 0 && errno <= MAX_ERRNO ? NAMES[errno] : restart(errno, 0);
        return n != null ? n : "errno " + errno;
    }

    private static String restart(int errno, int field) {
        int i = errno - FIRST_RESTART;
        return i >= 0 && i < RESTARTS.length ? RESTARTS[i][field] : null;
    }

    /** Returns the number of the errno named {@code name} ("ENOENT", or an alias such as "EWOULDBLOCK"). */
    public static OptionalInt byName(String name) {
        Integer n = BY_NAME.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /**
     * Returns glibc's strerror text for {@code errno} ("No such file or directory"), or
     * "Unknown error N" (glibc's words) for a number outside the table.
     */
    public static String message(int errno) {
        String m = errno > 0 && errno <= MAX_ERRNO ? MESSAGES[errno] : restart(errno, 1);
        return m != null ? m : "Unknown error " + errno;
    }
}
