package dev.seccheck.sentry.syscalls;

import com.google.protobuf.Message;
import dev.seccheck.proto.common.MessageType;
import dev.seccheck.sink.Missing;

/**
 * DecodedSyscall is a syscall's gVisor message together with the type its wire header names and
 * the fields that could not be read for it ({@link Missing#NONE} when all were).
 */
public record DecodedSyscall(MessageType type, Message message, Missing missing) {

    /** A message with every field read. */
    public DecodedSyscall(MessageType type, Message message) {
        this(type, message, Missing.NONE);
    }
}
