package dev.seccheck.sentry.syscalls;

import com.google.protobuf.Message;
import dev.seccheck.proto.common.MessageType;

/** DecodedSyscall is a syscall's gVisor message together with the type its wire header names. */
public record DecodedSyscall(MessageType type, Message message) {}
