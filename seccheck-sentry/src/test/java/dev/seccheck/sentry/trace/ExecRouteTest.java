package dev.seccheck.sentry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.sentry.syscalls.ExecImage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ExecRouteTest: a file found is taken for what the kernel ran only when the new image is what it gives for it. */
class ExecRouteTest {

    private static ExecImage image(String execfn, String... argv) {
        return new ExecImage(List.of(argv), List.of(), execfn);
    }

    private static ShebangLine.Line line(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return ShebangLine.line(b, b.length);
    }

    @Test
    void theLineSplitsAsTheKernelsDoes() {
        assertThat(line("#!/bin/sh\n")).isEqualTo(new ShebangLine.Line("/bin/sh", null));
        assertThat(line("#! /bin/echo  a b \t\n")).isEqualTo(new ShebangLine.Line("/bin/echo", "a b"));
        assertThat(line("#!/bin/sh \0x\n")).as("a NUL ends the argument").isEqualTo(new ShebangLine.Line("/bin/sh", ""));
        assertThat(line("#!/bin/sh\0 x\n")).as("a NUL after the name: no argument").isEqualTo(new ShebangLine.Line("/bin/sh", null));
    }

    @Test
    void aScriptsImageStartsWithItsLineThenItsName() {
        List<ShebangLine.Line> denied = List.of(new ShebangLine.Line("/bin/echo", "DENIED"));
        assertThat(ExecRoute.scriptMismatch(denied, image("d/x", "/bin/echo", "DENIED", "d/x", "1"))).isNull();
        assertThat(ExecRoute.scriptMismatch(List.of(new ShebangLine.Line("/bin/echo", "allowed")),
                image("d/x", "/bin/echo", "DENIED", "d/x"))).isEqualTo(ExecRoute.REPLACED);
        assertThat(ExecRoute.scriptMismatch(List.of(new ShebangLine.Line("/bin/echo", null)),
                image("d/x", "/bin/echo", "DENIED", "d/x"))).as("an argument the line has not").isNotNull();
        assertThat(ExecRoute.scriptMismatch(denied, image(null, "/bin/echo", "DENIED", "d/x"))).isNotNull();
    }

    @Test
    void aChainsImageHasEachLineInTheOrderTheKernelPutThem() {
        List<ShebangLine.Line> chain = List.of(new ShebangLine.Line("/s2", "a1"), new ShebangLine.Line("/bin/sh", null));
        assertThat(ExecRoute.scriptMismatch(chain, image("x", "/bin/sh", "/s2", "a1", "x"))).isNull();
        assertThat(ExecRoute.scriptMismatch(chain, image("x", "/s2", "a1", "x"))).isNotNull();
    }

    @Test
    void aHandlersImageNamesTheFileFirstOrAfterTheCallersArgv0() {
        assertThat(ExecRoute.handlerMismatch(image("d/x.rt8", "/lib/ld.so", "d/x.rt8"), "x")).isNull();
        assertThat(ExecRoute.handlerMismatch(image("d/x.rt8", "/lib/ld.so", "x", "d/x.rt8"), "x")).as("flag P").isNull();
        assertThat(ExecRoute.handlerMismatch(image("d/x.rt8", "/lib/ld.so", "y", "d/x.rt8"), "x")).isNotNull();
        assertThat(ExecRoute.handlerMismatch(image("d/x.rt8", "/lib/ld.so", "a", "b", "d/x.rt8"), "x")).isNotNull();
    }
}
