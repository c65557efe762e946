package dev.seccheck.sentry.syscalls;

import com.google.protobuf.Message;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.syscall.Accept;
import dev.seccheck.proto.syscall.Bind;
import dev.seccheck.proto.syscall.Chdir;
import dev.seccheck.proto.syscall.Chroot;
import dev.seccheck.proto.syscall.Clone;
import dev.seccheck.proto.syscall.Close;
import dev.seccheck.proto.syscall.Connect;
import dev.seccheck.proto.syscall.Dup;
import dev.seccheck.proto.syscall.Eventfd;
import dev.seccheck.proto.syscall.Execve;
import dev.seccheck.proto.syscall.Exit;
import dev.seccheck.proto.syscall.Fcntl;
import dev.seccheck.proto.syscall.Fork;
import dev.seccheck.proto.syscall.InotifyAddWatch;
import dev.seccheck.proto.syscall.InotifyInit;
import dev.seccheck.proto.syscall.InotifyRmWatch;
import dev.seccheck.proto.syscall.Listen;
import dev.seccheck.proto.syscall.Mmap;
import dev.seccheck.proto.syscall.Open;
import dev.seccheck.proto.syscall.Pipe;
import dev.seccheck.proto.syscall.Prlimit;
import dev.seccheck.proto.syscall.Ptrace;
import dev.seccheck.proto.syscall.Read;
import dev.seccheck.proto.syscall.Setid;
import dev.seccheck.proto.syscall.Setresid;
import dev.seccheck.proto.syscall.Signalfd;
import dev.seccheck.proto.syscall.Socket;
import dev.seccheck.proto.syscall.SocketPair;
import dev.seccheck.proto.syscall.TimerfdCreate;
import dev.seccheck.proto.syscall.TimerfdGetTime;
import dev.seccheck.proto.syscall.TimerfdSetTime;
import dev.seccheck.proto.syscall.Write;
import java.lang.invoke.CallSite;
import java.lang.invoke.LambdaMetafactory;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.BiConsumer;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;

/**
 * Header sets context_data, exit and sysno, the fields every schematized message starts with,
 * through the generated setters of one message type. The builders share no interface for them,
 * and protobuf's reflective setField doubled the cost of decoding a short call (measured by
 * DecodeBenchmark), hence one constant per message type. Messages about one file descriptor
 * also carry its fd and fd_path setters, for {@link Call#fdHead}.
 *
 * <p>The setters are made when a message of the type is first made, not when the table is: each
 * setter is a class spun at run time, and the 123 of the whole table took about 19 ms of the first
 * syscall point of every run (BENCHMARKS.md, "Start-up, session 8"); a run now makes those of the
 * messages it sends. They are made as the method references {@code Open.Builder::setFd} would be, by
 * {@link LambdaMetafactory}, so that a decode calls them as cheaply as before (a method handle
 * invoked from a field cost a third more per decode under C1, DecodeBenchmark).
 */
final class Header<B extends Message.Builder> {
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    private final Class<B> builder;
    private final boolean aboutFd;
    /** Made at first use; two threads racing there make equal setters, and either set will do. */
    private Setters<B> setters;

    /** The setters of one builder; fd and fdPath are null for a message that names no file descriptor. */
    private record Setters<B>(BiConsumer<B, ContextData> context, BiConsumer<B, Exit> exit, ObjLongConsumer<B> sysno,
                              ObjIntConsumer<B> fd, BiConsumer<B, String> fdPath) {}

    private Header(Class<B> builder, boolean aboutFd) {
        this.builder = builder;
        this.aboutFd = aboutFd;
    }

    /** The header of a message that names no file descriptor. */
    private static <B extends Message.Builder> Header<B> of(Class<B> builder) {
        return new Header<>(builder, false);
    }

    /** The header of a message about one file descriptor: also its fd and fd_path. */
    private static <B extends Message.Builder> Header<B> aboutFd(Class<B> builder) {
        return new Header<>(builder, true);
    }

    /** Whether this header also sets the message's fd and fd_path. */
    boolean aboutFd() {
        return aboutFd;
    }

    @SuppressWarnings("unchecked")
    private Setters<B> setters() {
        Setters<B> s = setters;
        if (s == null) {
            s = new Setters<>(
                implement(BiConsumer.class, "setContextData", ContextData.class, ContextData.class),
                implement(BiConsumer.class, "setExit", Exit.class, Exit.class),
                implement(ObjLongConsumer.class, "setSysno", long.class, long.class),
                aboutFd ? implement(ObjIntConsumer.class, "setFd", fdWidth(), int.class) : null,
                aboutFd ? implement(BiConsumer.class, "setFdPath", String.class, String.class) : null);
            setters = s;
        }
        return s;
    }

    /** fd is an int32 in some messages and an int64 in others; either is set from an int. */
    private Class<?> fdWidth() {
        try {
            builder.getMethod("setFd", int.class);
            return int.class;
        } catch (NoSuchMethodException e) {
            return long.class;
        }
    }

    /**
     * An instance of {@code type} (BiConsumer, ObjLongConsumer or ObjIntConsumer) whose accept(b, v)
     * calls {@code b.name(v)}, where the setter takes {@code param} and accept's v is a {@code value}.
     */
    private <F> F implement(Class<F> type, String name, Class<?> param, Class<?> value) {
        try {
            MethodHandle setter = LOOKUP.findVirtual(builder, name, MethodType.methodType(builder, param));
            Class<?> erased = value.isPrimitive() ? value : Object.class;
            CallSite site = LambdaMetafactory.metafactory(LOOKUP, "accept", MethodType.methodType(type),
                MethodType.methodType(void.class, Object.class, erased), setter,
                MethodType.methodType(void.class, builder, value));
            return type.cast(site.getTarget().invoke());
        } catch (Throwable e) {
            throw new LinkageError("cannot set " + name + "(" + param.getSimpleName() + ") of " + builder.getName(), e);
        }
    }

    void context(B b, ContextData value) {
        setters().context().accept(b, value);
    }

    void exit(B b, Exit value) {
        setters().exit().accept(b, value);
    }

    void sysno(B b, long value) {
        setters().sysno().accept(b, value);
    }

    /** Sets the fd; only for a header made {@link #aboutFd}. */
    void fd(B b, int value) {
        setters().fd().accept(b, value);
    }

    /** Sets the fd_path; only for a header made {@link #aboutFd}. */
    void fdPath(B b, String value) {
        setters().fdPath().accept(b, value);
    }

    // Messages that name no file descriptor.
    static final Header<Chroot.Builder> CHROOT = of(Chroot.Builder.class);
    static final Header<Clone.Builder> CLONE = of(Clone.Builder.class);
    static final Header<Dup.Builder> DUP = of(Dup.Builder.class);
    static final Header<Eventfd.Builder> EVENTFD = of(Eventfd.Builder.class);
    static final Header<Execve.Builder> EXECVE = of(Execve.Builder.class);
    static final Header<Fork.Builder> FORK = of(Fork.Builder.class);
    static final Header<InotifyInit.Builder> INOTIFY_INIT = of(InotifyInit.Builder.class);
    static final Header<Mmap.Builder> MMAP = of(Mmap.Builder.class);
    static final Header<Pipe.Builder> PIPE = of(Pipe.Builder.class);
    static final Header<Prlimit.Builder> PRLIMIT = of(Prlimit.Builder.class);
    static final Header<Ptrace.Builder> PTRACE = of(Ptrace.Builder.class);
    static final Header<Setid.Builder> SETID = of(Setid.Builder.class);
    static final Header<Setresid.Builder> SETRESID = of(Setresid.Builder.class);
    static final Header<Socket.Builder> SOCKET = of(Socket.Builder.class);
    static final Header<SocketPair.Builder> SOCKET_PAIR = of(SocketPair.Builder.class);
    static final Header<TimerfdCreate.Builder> TIMERFD_CREATE = of(TimerfdCreate.Builder.class);

    // Messages about one file descriptor.
    static final Header<Accept.Builder> ACCEPT = aboutFd(Accept.Builder.class);
    static final Header<Bind.Builder> BIND = aboutFd(Bind.Builder.class);
    static final Header<Chdir.Builder> CHDIR = aboutFd(Chdir.Builder.class);
    static final Header<Close.Builder> CLOSE = aboutFd(Close.Builder.class);
    static final Header<Connect.Builder> CONNECT = aboutFd(Connect.Builder.class);
    static final Header<Fcntl.Builder> FCNTL = aboutFd(Fcntl.Builder.class);
    static final Header<InotifyAddWatch.Builder> INOTIFY_ADD_WATCH = aboutFd(InotifyAddWatch.Builder.class);
    static final Header<InotifyRmWatch.Builder> INOTIFY_RM_WATCH = aboutFd(InotifyRmWatch.Builder.class);
    static final Header<Listen.Builder> LISTEN = aboutFd(Listen.Builder.class);
    static final Header<Open.Builder> OPEN = aboutFd(Open.Builder.class);
    static final Header<Read.Builder> READ = aboutFd(Read.Builder.class);
    static final Header<Signalfd.Builder> SIGNALFD = aboutFd(Signalfd.Builder.class);
    static final Header<TimerfdGetTime.Builder> TIMERFD_GET_TIME = aboutFd(TimerfdGetTime.Builder.class);
    static final Header<TimerfdSetTime.Builder> TIMERFD_SET_TIME = aboutFd(TimerfdSetTime.Builder.class);
    static final Header<Write.Builder> WRITE = aboutFd(Write.Builder.class);
}
