package dev.seccheck.remote.consumer;

import com.google.protobuf.Message;
import dev.seccheck.proto.common.MessageType;

/**
 * Event is one decoded message with where it came from.
 *
 * @param connection the sandbox that sent it
 * @param type the message type from the header
 * @param dropped the sender's dropped count from the header
 * @param message the decoded payload
 */
public record Event(Connection connection, MessageType type, long dropped, Message message) {

    /** Returns whether this is a syscall message at syscall exit (its {@code exit} field is set). */
    public boolean isExit() {
        var f = message.getDescriptorForType().findFieldByName("exit");
        return f != null && message.hasField(f);
    }
}
