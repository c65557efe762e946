package dev.seccheck.format;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Message;
import dev.seccheck.proto.common.CommonProto;
import dev.seccheck.proto.container.ContainerProto;
import dev.seccheck.proto.container.Start;
import dev.seccheck.proto.sentry.CloneInfo;
import dev.seccheck.proto.sentry.ExecveInfo;
import dev.seccheck.proto.sentry.ExitNotifyParentInfo;
import dev.seccheck.proto.sentry.SentryProto;
import dev.seccheck.proto.sentry.TaskExit;
import dev.seccheck.proto.syscall.SyscallProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The text formatters read the default session's messages through their own accessors
 * ({@link LifecycleFields}, {@link MessageParts}) instead of protobuf's reflection: the lines must
 * stay byte for byte what the reflective formatter writes, for every field alone, all together,
 * and random mixes, with values that need escaping, cutting, hex or a sign.
 */
class AccessorFormattingTest {

    private static final List<Message> LIFECYCLE = List.of(ExecveInfo.getDefaultInstance(),
            CloneInfo.getDefaultInstance(), Start.getDefaultInstance(), TaskExit.getDefaultInstance(),
            ExitNotifyParentInfo.getDefaultInstance());
    private static final int[] LIMITS = {0, 4, 256};
    private static final String[] STRINGS = {"/usr/bin/true", "tab\there \"quoted\" back\\slash \u00fc \u0001 \n",
        "x".repeat(300), "\ud83d\ude00 emoji", "-"};

    @Test
    void eachLifecycleFieldAloneReadsAsReflectionShowsIt() {
        Random random = new Random(1);
        for (Message type : LIFECYCLE) {
            assertSame(type);
            for (FieldDescriptor f : type.getDescriptorForType().getFields()) {
                for (int round = 0; round < 8; round++) {
                    Message.Builder b = type.newBuilderForType();
                    set(b, f, random);
                    assertSame(b.build());
                }
            }
        }
    }

    @Test
    void lifecycleMessagesWithEveryFieldOrARandomMixReadAsReflectionShowsThem() {
        Random random = new Random(2);
        for (Message type : LIFECYCLE) {
            for (int round = 0; round < 300; round++) {
                Message.Builder b = type.newBuilderForType();
                for (FieldDescriptor f : type.getDescriptorForType().getFields()) {
                    if (round == 0 || random.nextBoolean()) {
                        set(b, f, random);
                    }
                }
                assertSame(b.build());
            }
        }
    }

    @Test
    void contextAndExitOfEveryMessageTypeAreWhatTheDescriptorsSay() {
        Random random = new Random(3);
        int types = 0;
        for (FileDescriptor file : List.of(SyscallProto.getDescriptor(), SentryProto.getDescriptor(),
                ContainerProto.getDescriptor(), CommonProto.getDescriptor())) {
            for (Descriptor d : file.getMessageTypes()) {
                Message type = defaultInstance(file, d);
                types++;
                List<Message> samples = new ArrayList<>(List.of(type));
                for (String part : List.of("context_data", "exit")) {
                    FieldDescriptor f = d.findFieldByName(part);
                    if (f != null) {
                        Message.Builder b = type.newBuilderForType();
                        set(b, f, random);
                        samples.add(b.build());
                        b.setField(f, b.getFieldBuilder(f).getDefaultInstanceForType()); // present though empty
                        samples.add(b.build());
                    }
                }
                if (d.findFieldByName("context_data") != null && d.findFieldByName("exit") != null) {
                    Message.Builder b = type.newBuilderForType();
                    set(b, d.findFieldByName("context_data"), random);
                    set(b, d.findFieldByName("exit"), random);
                    samples.add(b.build());
                }
                for (Message m : samples) {
                    assertThat(MessageParts.context(m)).as(d.getName()).isEqualTo(MessageParts.contextByDescriptor(m));
                    assertThat(MessageParts.exit(m)).as(d.getName()).isEqualTo(MessageParts.exitByDescriptor(m));
                    assertThat(MessageParts.context(m) == null).isEqualTo(MessageParts.contextByDescriptor(m) == null);
                }
            }
        }
        assertThat(types).isGreaterThan(40);
    }

    private static void assertSame(Message m) {
        for (int limit : LIMITS) {
            String reflective = MessageText.fieldsByReflection(new StringBuilder(), m, limit).toString();
            assertThat(MessageText.fields(new StringBuilder(), m, limit).toString())
                    .as("%s, limit %d: %s", m.getDescriptorForType().getName(), limit, m)
                    .isEqualTo(reflective);
        }
    }

    private static Message defaultInstance(FileDescriptor file, Descriptor d) {
        String name = file.getOptions().getJavaPackage() + "." + d.getName();
        try {
            return (Message) Class.forName(name).getMethod("getDefaultInstance").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("no generated class " + name, e);
        }
    }

    /** Sets {@code f} to a value that is not its default, or adds one to three values to a list. */
    private static void set(Message.Builder b, FieldDescriptor f, Random random) {
        if (f.isRepeated()) {
            int n = 1 + random.nextInt(3);
            for (int i = 0; i < n; i++) {
                b.addRepeatedField(f, value(b, f, random));
            }
        } else {
            b.setField(f, value(b, f, random));
        }
    }

    private static Object value(Message.Builder b, FieldDescriptor f, Random random) {
        return switch (f.getJavaType()) {
            case INT -> new int[] {1, -7, Integer.MIN_VALUE, 0x80000000 + 5, 0755, 1000}[random.nextInt(6)];
            case LONG -> new long[] {1L, -1L, Long.MAX_VALUE, 1_764_374_400_123_456_789L, 0x1200011L}[random.nextInt(5)];
            case BOOLEAN -> true;
            case STRING -> STRINGS[random.nextInt(STRINGS.length)];
            case BYTE_STRING -> {
                byte[] bytes = new byte[1 + random.nextInt(100)];
                random.nextBytes(bytes);
                yield ByteString.copyFrom(bytes);
            }
            case ENUM -> f.getEnumType().getValues().get(random.nextInt(f.getEnumType().getValues().size()));
            case MESSAGE -> {
                Message.Builder nested = b.newBuilderForField(f);
                for (FieldDescriptor g : nested.getDescriptorForType().getFields()) {
                    if (random.nextInt(3) > 0) {
                        set(nested, g, random);
                    }
                }
                yield nested.build();
            }
            default -> throw new AssertionError("no sample value for " + f.getFullName() + " of " + f.getJavaType());
        };
    }
}
