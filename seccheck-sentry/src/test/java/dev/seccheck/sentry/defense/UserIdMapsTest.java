package dev.seccheck.sentry.defense;

import static org.assertj.core.api.Assertions.assertThat;

import dev.seccheck.linux.ProcessAttributes;
import org.junit.jupiter.api.Test;

/** {@link UserIdMaps}: a uid_map's ranges as the kernel shows them to a reader outside the namespace. */
class UserIdMapsTest {

    @Test
    void aNumberGoesThroughTheRangeThatHoldsIt() {
        String map = "         0     100000      65536\n     65536       1000          1\n";
        assertThat(UserIdMaps.throughMap(map, 0)).isEqualTo(100000);
        assertThat(UserIdMaps.throughMap(map, 65535)).isEqualTo(165535);
        assertThat(UserIdMaps.throughMap(map, 65536)).isEqualTo(1000);
        assertThat(UserIdMaps.throughMap(map, 65537)).isEqualTo(UserIdMaps.UNMAPPED);
        assertThat(UserIdMaps.throughMap(map, 0xffffffffL)).isEqualTo(UserIdMaps.UNMAPPED);
    }

    @Test
    void aMapNotWrittenYetNamesNoUserForNow() {
        assertThat(UserIdMaps.throughMap("", 5)).isEqualTo(UserIdMaps.NOT_WRITTEN);
    }

    @Test
    void aRangeThatStartsAtAUserSeccheckCannotNumberIsUnknown() {
        assertThat(UserIdMaps.throughMap("0 4294967295 10\n", 3)).isEqualTo(UserIdMaps.UNKNOWN);
        assertThat(UserIdMaps.throughMap("0 x 10\n", 3)).isEqualTo(UserIdMaps.UNKNOWN);
        assertThat(UserIdMaps.throughMap("0 10\n", 3)).isEqualTo(UserIdMaps.UNKNOWN);
    }

    @Test
    void inSeccheckSOwnNamespaceANumberIsItself() {
        int self = (int) ProcessHandle.current().pid();
        assertThat(new UserIdMaps().uid(self, 4321)).isEqualTo(4321);
        assertThat(new UserIdMaps().uid(self, ProcessAttributes.realUid())).isEqualTo(ProcessAttributes.realUid());
        assertThat(new UserIdMaps().uid(Integer.MAX_VALUE, 0)).as("no such task").isEqualTo(UserIdMaps.UNKNOWN);
    }
}
