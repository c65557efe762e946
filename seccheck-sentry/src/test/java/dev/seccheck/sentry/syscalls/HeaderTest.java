package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.proto.common.ContextData;
import dev.seccheck.proto.syscall.Exit;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Header finds its setters by name when a message of the type is first made, so the compiler no
 * longer checks them: every constant of the table sets every header field of its message here.
 */
class HeaderTest {

    @Test
    void everyHeaderSetsItsMessagesHeaderFields() throws Exception {
        ContextData ctx = ContextData.newBuilder().setThreadId(42).build();
        Exit exit = Exit.newBuilder().setResult(3).build();
        List<String> checked = new ArrayList<>();
        for (Field f : Header.class.getDeclaredFields()) {
            if (f.getType() != Header.class || !Modifier.isStatic(f.getModifiers())) {
                continue;
            }
            @SuppressWarnings("unchecked")
            Header<Message.Builder> h = (Header<Message.Builder>) f.get(null);
            Message.Builder b = newBuilder(f);
            h.context(b, ctx);
            h.exit(b, exit);
            h.sysno(b, 257);
            boolean aboutFd = h.aboutFd();
            if (aboutFd) {
                h.fd(b, -100);
                h.fdPath(b, "/etc");
            }
            Message m = b.build();
            assertThat(field(m, "context_data")).as(f.getName()).isEqualTo(ctx);
            assertThat(field(m, "exit")).as(f.getName()).isEqualTo(exit);
            assertThat(field(m, "sysno")).as(f.getName()).isEqualTo(257L);
            if (aboutFd) {
                assertThat(((Number) field(m, "fd")).longValue()).as(f.getName()).isEqualTo(-100L);
                assertThat(field(m, "fd_path")).as(f.getName()).isEqualTo("/etc");
            }
            checked.add(f.getName());
        }
        assertThat(checked).as("the table's constants").hasSizeGreaterThan(30).contains("OPEN", "CHROOT", "CHDIR");
    }

    /** The builder of the message named by the constant's type argument, e.g. Header<Open.Builder>. */
    private static Message.Builder newBuilder(Field f) throws ReflectiveOperationException {
        var t = (java.lang.reflect.ParameterizedType) f.getGenericType();
        Class<?> builder = (Class<?>) t.getActualTypeArguments()[0];
        return (Message.Builder) builder.getDeclaringClass().getMethod("newBuilder").invoke(null);
    }

    private static Object field(Message m, String name) {
        FieldDescriptor fd = m.getDescriptorForType().findFieldByName(name);
        assertThat(fd).as(m.getDescriptorForType().getName() + " has " + name).isNotNull();
        return m.getField(fd);
    }
}
