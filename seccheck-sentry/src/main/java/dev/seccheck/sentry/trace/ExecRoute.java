package dev.seccheck.sentry.trace;

import dev.seccheck.sentry.syscalls.ExecImage;
import java.util.ArrayList;
import java.util.List;

/**
 * ExecRoute tells whether the file an exec's name reaches at the exec event can be the one the
 * kernel ran through an interpreter, from what the kernel demonstrably did: the argv it gave the
 * new program. seccheck finds a script by walking its name again after the kernel's own open; a
 * second process can rename another file there in between, so the file found proves nothing by
 * itself. The kernel's script loader replaces argv[0] by the {@code #!} line's name and argument
 * before the file name ({@code bprm->filename}, which AT_EXECFN names too), and does so once more
 * for each script in the chain, so the image of a chain of lines L1 (the file passed's) to Lk
 * starts {@code [Lk.name, (Lk.arg), ..., L1.name, (L1.arg), execfn]}. A binfmt_misc handler's
 * image starts {@code [handler, (argv[0] as passed, flag P), execfn]}. Both checks are pure; the
 * caller checks in turn that the last name reaches the file that is {@code /proc/PID/exe}.
 */
final class ExecRoute {
    private ExecRoute() {}

    /**
     * Why {@code image} is not what the kernel gives for the chain of {@code #!} lines
     * {@code lines} (the file passed's first), or null when it is.
     */
    static String scriptMismatch(List<ShebangLine.Line> lines, ExecImage image) {
        if (image.execfn() == null) {
            return "the executed file's name could not be read from the new program";
        }
        List<String> expected = new ArrayList<>();
        for (ShebangLine.Line l : lines.reversed()) {
            expected.add(l.name());
            if (l.arg() != null) {
                expected.add(l.arg());
            }
        }
        expected.add(image.execfn());
        List<String> argv = image.argv();
        if (argv.size() < expected.size() || !argv.subList(0, expected.size()).equals(expected)) {
            return REPLACED;
        }
        return null;
    }

    /**
     * Why {@code image} is not a binfmt_misc handler's for the file passed, or null when it can
     * be: the handler's name, then the caller's {@code argv0} when the handler preserves it, then
     * the file name. The handler's name is argv[0], which the caller checks reaches the binary.
     */
    static String handlerMismatch(ExecImage image, String argv0) {
        List<String> argv = image.argv();
        String execfn = image.execfn();
        if (execfn == null) {
            return "the executed file's name could not be read from the new program";
        }
        boolean named = argv.size() > 1 && argv.get(1).equals(execfn)
                || argv.size() > 2 && argv0 != null && argv.get(1).equals(argv0) && argv.get(2).equals(execfn);
        return named ? null : REPLACED;
    }

    /** Why binary_path is missing when the file found is not the one the kernel ran. */
    static final String REPLACED = "the file executed was replaced after the kernel opened it:"
            + " the file its name reaches does not give the new program's arguments";
    /** Why binary_path is missing when the chain found does not end in the binary the kernel runs. */
    static final String NOT_THE_BINARY = "the file executed was replaced after the kernel opened it:"
            + " the interpreter its name leads to is not the binary the kernel runs";
    /** Why binary_path is missing when the name no longer reaches any file. */
    static final String GONE = "the file executed could not be found again by its name";
}
