package dev.seccheck.format;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.abi.Errno;
import dev.seccheck.abi.Fcntl;
import dev.seccheck.abi.Sysno;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Chdir;
import dev.seccheck.proto.syscall.Chroot;
import dev.seccheck.proto.syscall.Clone;
import dev.seccheck.proto.syscall.Close;
import dev.seccheck.proto.syscall.Dup;
import dev.seccheck.proto.syscall.Listen;
import dev.seccheck.proto.syscall.Setid;
import dev.seccheck.proto.syscall.Setresid;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Mmap;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Socket;
import dev.seccheck.proto.syscall.Syscall;
import java.util.List;
import java.util.Map;

/**
 * StraceLine writes a syscall point the way strace writes a call: {@code name(args)} with the
 * arguments in the syscall's own order and decoded ({@code openat(AT_FDCWD, "/etc/hostname",
 * O_RDONLY|O_CLOEXEC)}), and the result as {@code = 3} or {@code = -1 ENOENT (No such file or
 * directory)}. Messages it has no layout for show their fields as {@code name=value}.
 */
public final class StraceLine {
    private StraceLine() {}

    /** Returns {@code name(args} without the closing parenthesis, so a caller can cut the line at the call. */
    public static String call(String name, Message msg, int limit) {
        return call(new StringBuilder(96), name, msg, limit).toString();
    }

    /** Appends {@code name(args} to {@code sb}, as {@link #call(String, Message, int)} returns it; returns {@code sb}. */
    public static StringBuilder call(StringBuilder sb, String name, Message msg, int limit) {
        sb.append(name).append('(');
        args(sb, name, msg, limit);
        return sb;
    }

    /** Returns {@code ) = result}, the result read from errorno when that is set (gVisor's and the kernel's meaning alike). */
    public static String result(String name, Exit exit) {
        return result(new StringBuilder(48), name, exit).toString();
    }

    /** Appends {@code ) = result} to {@code sb}, as {@link #result(String, Exit)} returns it; returns {@code sb}. */
    public static StringBuilder result(StringBuilder sb, String name, Exit exit) {
        sb.append(") = ");
        int errno = errno(exit);
        if (errno != 0) {
            sb.append("-1 ").append(Errno.name(errno)).append(" (").append(Errno.message(errno)).append(')');
        } else if (name.equals("mmap") || name.equals("brk")) {
            sb.append("0x").append(Long.toHexString(exit.getResult()));
        } else {
            sb.append(exit.getResult());
        }
        return sb;
    }

    /** Returns the errno a call failed with (from the wire's errorno, or a negative result), 0 when it succeeded. */
    public static int errno(Exit exit) {
        if (exit.getErrorno() != 0) {
            return (int) exit.getErrorno();
        }
        return exit.getResult() < 0 && exit.getResult() >= -4095 ? (int) -exit.getResult() : 0;
    }

    /** Returns the message's {@code exit} field, or null when it has none. */
    public static Exit exitOf(Message msg) {
        return MessageParts.exit(msg);
    }

    private static void args(StringBuilder sb, String name, Message msg, int limit) {
        switch (msg) {
            case Open o -> open(sb, name, o, limit);
            case Execve e -> {
                if (name.equals("execveat")) {
                    dirfd(sb, e.getFd()).append(", ");
                }
                Escape.quoted(sb, e.getPathname(), limit);
                sb.append(", ");
                strings(sb, e.getArgvList(), limit);
                sb.append(", ");
                if (e.getEnvvCount() > 0) {
                    strings(sb, e.getEnvvList(), limit);
                } else {
                    sb.append("[/* env not recorded */]");
                }
                if (name.equals("execveat")) {
                    sb.append(", ").append(e.getFlags());
                }
            }
            case Connect c -> peer(sb, name, c, limit);
            case Bind b -> sb.append(b.getFd()).append(", ").append(sockaddr(b.getAddress(), limit))
                    .append(", ").append(b.getAddress().size());
            case Listen l -> sb.append(l.getFd()).append(", ").append(l.getBacklog());
            case Close c -> sb.append(c.getFd());
            case Dup d -> {
                // dup(old), dup2(old, new), dup3(old, new, flags): the new fd of dup is only its result.
                sb.append(d.getOldFd());
                if (!name.equals("dup")) {
                    sb.append(", ").append(d.getNewFd());
                }
                if (name.equals("dup3")) {
                    sb.append(", ").append(d.getFlags() == 0 ? "0" : Flags.open(d.getFlags()));
                }
            }
            case Chdir c when name.equals("fchdir") -> sb.append(c.getFd());
            case Chdir c -> Escape.quoted(sb, c.getPathname(), limit);
            case Chroot c -> Escape.quoted(sb, c.getPathname(), limit);
            case Setid id -> sb.append(id.getId());
            case Setresid id -> sb.append(id.getRid()).append(", ").append(id.getEid()).append(", ").append(id.getSid());
            case Socket s -> sb.append(Flags.family(s.getDomain())).append(", ").append(Flags.socketType(s.getType()))
                    .append(", ").append(s.getProtocol());
            case Clone c -> sb.append("child_stack=").append(c.getStack() == 0 ? "NULL" : "0x" + Long.toHexString(c.getStack()))
                    .append(", flags=").append(Flags.clone(c.getFlags()));
            case Mmap m -> sb.append(m.getAddr() == 0 ? "NULL" : "0x" + Long.toHexString(m.getAddr())).append(", ")
                    .append(m.getLength()).append(", ").append(Flags.prot(m.getProt())).append(", ")
                    .append(Flags.mmap(m.getFlags())).append(", ").append(m.getFd()).append(", 0x")
                    .append(Long.toHexString(m.getOffset()));
            case Syscall s -> RawCalls.args(sb, (int) s.getSysno(),
                    new long[] {s.getArg1(), s.getArg2(), s.getArg3(), s.getArg4(), s.getArg5(), s.getArg6()}, limit);
            default -> fields(sb, msg, limit);
        }
    }

    private static void open(StringBuilder sb, String name, Open o, int limit) {
        if (name.equals("creat")) {
            Escape.quoted(sb, o.getPathname(), limit);
            sb.append(", ").append(Flags.mode(o.getMode()));
            return;
        }
        if (o.getSysno() != Sysno.OPEN) {
            dirfd(sb, o.getFd()).append(", ");
        }
        Escape.quoted(sb, o.getPathname(), limit);
        sb.append(", ").append(Flags.open(o.getFlags()));
        if (Flags.openTakesMode(o.getFlags())) {
            sb.append(", ").append(Flags.mode(o.getMode()));
        }
    }

    /**
     * A connect, or a send that named an address and is reported at connect's points: the message
     * has the descriptor and the address only, so a send's data and flags show as {@code ...}.
     */
    private static void peer(StringBuilder sb, String name, Connect c, int limit) {
        String address = sockaddr(c.getAddress(), limit);
        sb.append(c.getFd()).append(", ");
        switch (name) {
            case "sendto" -> sb.append("..., ").append(address).append(", ").append(c.getAddress().size());
            case "sendmsg", "sendmmsg" -> sb.append("{msg_name=").append(address).append(", msg_namelen=")
                    .append(c.getAddress().size()).append(", ...}, ...");
            default -> sb.append(address).append(", ").append(c.getAddress().size());
        }
    }

    private static StringBuilder dirfd(StringBuilder sb, long fd) {
        return fd == Fcntl.AT_FDCWD ? sb.append("AT_FDCWD") : sb.append(fd);
    }

    private static void strings(StringBuilder sb, List<String> list, int limit) {
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            Escape.quoted(sb, list.get(i), limit);
        }
        sb.append(']');
    }

    /** Returns a sockaddr as strace shows it, e.g. {@code {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("1.2.3.4")}}. */
    static String sockaddr(ByteString raw, int limit) {
        var decoded = SockAddr.decode(raw);
        if (decoded.isEmpty()) {
            return raw.isEmpty() ? "NULL" : "{...}";
        }
        SockAddr a = decoded.get();
        StringBuilder sb = new StringBuilder("{sa_family=").append(Flags.family(a.family()));
        switch (a.family()) {
            case SockAddr.AF_INET -> {
                if (a.ip() != null) {
                    sb.append(", sin_port=htons(").append(a.port()).append("), sin_addr=inet_addr(\"").append(a.ipText()).append("\")");
                }
            }
            case SockAddr.AF_INET6 -> {
                if (a.ip() != null) {
                    sb.append(", sin6_port=htons(").append(a.port()).append("), sin6_addr=inet_pton(AF_INET6, \"")
                            .append(SockAddr.ipv6Text(a.ip())).append("\")");
                }
            }
            case SockAddr.AF_UNIX -> {
                sb.append(", sun_path=");
                Escape.quoted(sb, a.unixPath(), limit);
            }
            default -> { }
        }
        return sb.append('}').toString();
    }

    private static void fields(StringBuilder sb, Message msg, int limit) {
        boolean first = true;
        for (Map.Entry<FieldDescriptor, Object> e : msg.getAllFields().entrySet()) {
            String n = e.getKey().getName();
            if (n.equals("context_data") || n.equals("exit") || n.equals("sysno")) {
                continue;
            }
            sb.append(first ? "" : ", ").append(n).append('=');
            first = false;
            if (e.getValue() instanceof ByteString b && n.equals("address")) {
                sb.append(sockaddr(b, limit));
            } else {
                MessageText.value(sb, e.getKey(), e.getValue(), limit);
            }
        }
    }
}
