package dev.seccheck.abi;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ErrnoTest {
    @Test
    void eoverflowExistsAndRoundTrips() {
        assertThat(Errno.EOVERFLOW).isEqualTo(75);
        assertThat(Errno.name(75)).isEqualTo("EOVERFLOW");
        assertThat(Errno.byName("EOVERFLOW")).isEqualTo(OptionalInt.of(75));
        assertThat(Errno.message(75)).isEqualTo("Value too large for defined data type");
    }

    @Test
    void everyAssignedNumberFrom1To133RoundTripsThroughItsName() {
        int named = 0;
        for (int n = 1; n <= 133; n++) {
            String name = Errno.name(n);
            if (n == 41 || n == 58) {
                assertThat(name).isEqualTo("errno " + n);
                continue;
            }
            assertThat(name).startsWith("E");
            assertThat(Errno.byName(name)).isEqualTo(OptionalInt.of(n));
            assertThat(Errno.message(n)).isNotBlank().doesNotStartWith("Unknown error");
            named++;
        }
        assertThat(named).isEqualTo(131);
    }

    @Test
    void everyConstantMatchesTheNameTable() throws IllegalAccessException {
        int checked = 0;
        for (Field f : Errno.class.getFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || f.getType() != int.class || f.getName().equals("MAX_ERRNO")) {
                continue;
            }
            assertThat(Errno.byName(f.getName())).as(f.getName()).isEqualTo(OptionalInt.of(f.getInt(null)));
            checked++;
        }
        assertThat(checked).isEqualTo(133);
    }

    @Test
    void aliasesResolveToTheirCanonicalNumber() {
        assertThat(Errno.byName("EWOULDBLOCK")).isEqualTo(OptionalInt.of(Errno.EAGAIN));
        assertThat(Errno.byName("EDEADLOCK")).isEqualTo(OptionalInt.of(Errno.EDEADLK));
        assertThat(Errno.name(Errno.EWOULDBLOCK)).isEqualTo("EAGAIN");
    }

    @Test
    void knownMessagesAreGlibcStrerrorText() {
        assertThat(Errno.message(Errno.ENOENT)).isEqualTo("No such file or directory");
        assertThat(Errno.message(Errno.ESRCH)).isEqualTo("No such process");
        assertThat(Errno.message(Errno.EHWPOISON)).isEqualTo("Memory page has hardware error");
    }

    @Test
    void unknownNumbersAndNamesAreSaidSo() {
        assertThat(Errno.name(999)).isEqualTo("errno 999");
        assertThat(Errno.name(0)).isEqualTo("errno 0");
        assertThat(Errno.name(-1)).isEqualTo("errno -1");
        assertThat(Errno.message(999)).isEqualTo("Unknown error 999");
        assertThat(Errno.byName("ENOPE")).isEmpty();
    }

    /**
     * The kernel's restart codes, which a call whose task ended in it shows (red-team round 23: a
     * trace said "errno 512 (Unknown error 512)"), are named as strace names them; no rule may
     * answer with one.
     */
    @Test
    void theKernelsRestartCodesAreNamedButNotTaken() {
        assertThat(Errno.name(512)).isEqualTo("ERESTARTSYS");
        assertThat(Errno.message(512)).isEqualTo("To be restarted if SA_RESTART is set");
        assertThat(Errno.name(516)).isEqualTo("ERESTART_RESTARTBLOCK");
        assertThat(Errno.name(517)).isEqualTo("errno 517");
        assertThat(Errno.byName("ERESTARTSYS")).isEmpty();
    }

    /** Moved from core's MessageTextTest: the names strace prints, both ways. */
    @Test
    void errnoNamesGoBothWays() {
        Map<Integer, String> known = Map.of(1, "EPERM", 13, "EACCES", 40, "ELOOP", 111, "ECONNREFUSED");
        known.forEach((n, name) -> assertThat(Errno.name(n)).isEqualTo(name));
        assertThat(Errno.name(0)).isEqualTo("errno 0");
        assertThat(Errno.name(999)).isEqualTo("errno 999");
        assertThat(Errno.byName("EACCES")).isEqualTo(OptionalInt.of(13));
        assertThat(Errno.byName("ECONNREFUSED")).isEqualTo(OptionalInt.of(111));
        assertThat(Errno.byName("EWHATEVER")).isEmpty();
        for (int e = 1; e <= 40; e++) {
            assertThat(Errno.byName(Errno.name(e))).as("errno %d", e).isEqualTo(OptionalInt.of(e));
        }
    }
}
