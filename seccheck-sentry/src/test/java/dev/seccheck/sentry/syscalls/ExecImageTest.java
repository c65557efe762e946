package dev.seccheck.sentry.syscalls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecImageTest {
    private final FakeMemory mem = new FakeMemory();

    /**
     * A new program's stack as the kernel lays it out: argc, the argv pointers and a NULL, the
     * envp pointers and a NULL, then auxiliary (type, value) pairs up to AT_NULL.
     */
    private long stack(List<String> argv, List<String> env, String execfn) {
        List<Long> words = new ArrayList<>();
        words.add((long) argv.size());
        argv.forEach(a -> words.add(mem.string(a)));
        words.add(0L);
        env.forEach(e -> words.add(mem.string(e)));
        words.add(0L);
        words.addAll(List.of(6L, 4096L, 25L, mem.string("16 random bytes.")));
        if (execfn != null) {
            words.addAll(List.of(ExecImage.AT_EXECFN, mem.string(execfn)));
        }
        words.addAll(List.of(0L, 0L));
        return mem.longs(words.stream().mapToLong(Long::longValue).toArray());
    }

    @Test
    void readsArgvEnvAndTheFileNameTheKernelGaveTheProgram() {
        long sp = stack(List.of("ls", "-l", ""), List.of("A=1", "B="), "/usr/bin/ls");
        ExecImage image = ExecImage.read(mem, sp).orElseThrow();
        assertThat(image.argv()).containsExactly("ls", "-l", "");
        assertThat(image.envv()).containsExactly("A=1", "B=");
        assertThat(image.execfn()).isEqualTo("/usr/bin/ls");
    }

    @Test
    void anEmptyEnvironmentAndAMissingFileNameAreNotErrors() {
        ExecImage image = ExecImage.read(mem, stack(List.of("x"), List.of(), null)).orElseThrow();
        assertThat(image.argv()).containsExactly("x");
        assertThat(image.envv()).isEmpty();
        assertThat(image.execfn()).isNull();
    }

    @Test
    void anUnreadableStackGivesNothing() {
        assertThat(ExecImage.read(mem, 0x7fff_0000L)).isEmpty();
        assertThat(ExecImage.read(mem, mem.longs(-1))).as("no argc is negative").isEmpty();
    }

    @Test
    void aScriptsArgvIsShownAsPassedFromWhereTheKernelPutTheFileName() {
        // execve("./run.sh", ["run", "a", "b"]) of "#!/bin/sh" and of "#!/bin/sh -e"
        ExecImage plain = new ExecImage(List.of("/bin/sh", "./run.sh", "a", "b"), List.of(), "./run.sh");
        ExecImage withArg = new ExecImage(List.of("/bin/sh", "-e", "./run.sh", "a", "b"), List.of(), "./run.sh");
        assertThat(plain.scriptArgv("run")).containsExactly("run", "a", "b");
        assertThat(withArg.scriptArgv("run")).containsExactly("run", "a", "b");
        // An argument equal to the file name is never taken for the interpreter's.
        ExecImage nameAsArg = new ExecImage(List.of("/bin/sh", "./run.sh", "./run.sh"), List.of(), "./run.sh");
        assertThat(nameAsArg.scriptArgv("run")).containsExactly("run", "./run.sh");
    }

    @Test
    void aScriptWhoseFileNameIsNotWhereAScriptsIsIsShownAsItRan() {
        // An interpreter that is itself a script: two interpreters precede the file name.
        ExecImage nested = new ExecImage(List.of("/bin/sh", "/opt/inner", "-x", "./run.sh", "a"), List.of(),
                "./run.sh");
        assertThat(nested.scriptArgv("run")).isEqualTo(nested.argv());
        ExecImage noName = new ExecImage(List.of("/bin/sh", "./run.sh"), List.of(), null);
        assertThat(noName.scriptArgv("run")).isEqualTo(noName.argv());
    }

    @Test
    void onlyAnImageWithTheFileNameWhereTheKernelPutsAScriptsMayBeAScriptsInterpreter() {
        assertThat(new ExecImage(List.of("/bin/true"), List.of(), "/bin/true").mayNameAScript()).as("a binary").isFalse();
        assertThat(new ExecImage(List.of("true", "-x"), List.of(), "/bin/true").mayNameAScript()).isFalse();
        assertThat(new ExecImage(List.of(), List.of(), "/bin/true").mayNameAScript()).as("argc 0").isFalse();
        assertThat(new ExecImage(List.of("/bin/sh", "./run.sh", "a"), List.of(), "./run.sh").mayNameAScript()).isTrue();
        assertThat(new ExecImage(List.of("/bin/sh", "-e", "./run.sh"), List.of(), "./run.sh").mayNameAScript()).isTrue();
        assertThat(new ExecImage(List.of("/bin/sh", "/opt/inner", "-x", "./run.sh", "a"), List.of(), "./run.sh")
                .mayNameAScript()).as("nested interpreters").isTrue();
        assertThat(new ExecImage(List.of("/bin/sh", "/dev/fd/3"), List.of(), "/dev/fd/3").mayNameAScript())
                .as("a script through a descriptor").isTrue();
        assertThat(new ExecImage(List.of("/bin/sh", "./run.sh"), List.of(), null).mayNameAScript())
                .as("no file name: cannot tell").isTrue();
        List<String> deep = new java.util.ArrayList<>(List.of("i4", "a4", "i3", "a3", "i2", "a2", "i1", "a1", "./s"));
        assertThat(new ExecImage(deep, List.of(), "./s").mayNameAScript()).as("four levels, each with an argument").isTrue();
        deep.add(1, "more");
        assertThat(new ExecImage(deep, List.of(), "./s").mayNameAScript()).as("further than the kernel can put it").isFalse();
    }

    @Test
    void theFileNameThroughADescriptorIsThePathAsPassed() {
        assertThat(new ExecImage(List.of(), List.of(), "/dev/fd/3/true").passedPath(true, 3)).isEqualTo("true");
        assertThat(new ExecImage(List.of(), List.of(), "/dev/fd/3").passedPath(true, 3)).as("AT_EMPTY_PATH").isEmpty();
        assertThat(new ExecImage(List.of(), List.of(), "/usr/bin/true").passedPath(true, 3)).as("an absolute path")
                .isEqualTo("/usr/bin/true");
        assertThat(new ExecImage(List.of(), List.of(), "/dev/fd/33/x").passedPath(true, 3)).isEqualTo("/dev/fd/33/x");
        assertThat(new ExecImage(List.of(), List.of(), "./x").passedPath(false, -100)).isEqualTo("./x");
    }

    /** The task's name as the kernel sets it at the exec, or empty where only /proc can tell. */
    @Test
    void theTasksNameIsTheFileNamesBaseCutToFifteenBytes() {
        assertThat(named("/usr/bin/ls")).hasValue("ls");
        assertThat(named("ls")).hasValue("ls");
        assertThat(named("./a-program-name-longer-than-fifteen")).hasValue("a-program-name-");
        assertThat(named("/dev/fd/3/tool")).as("execveat with a path below a descriptor").hasValue("tool");
        assertThat(named("/tmp/ with blanks ")).as("stripped, as /proc is read").hasValue("with blanks");
        assertThat(named("/dev/fd/3")).as("execveat with AT_EMPTY_PATH: the file's own name").isEmpty();
        assertThat(named("/tmp/ünïcödé")).as("not ASCII").isEmpty();
        assertThat(named("/tmp/a\tb")).as("a control character").isEmpty();
        assertThat(named(null)).isEmpty();
    }

    private static java.util.Optional<String> named(String execfn) {
        return new ExecImage(List.of("x"), List.of(), execfn).taskName();
    }
}
