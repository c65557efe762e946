package dev.seccheck.remote.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.seccheck.linux.UnixSeqpacket;
import dev.seccheck.remote.wire.Protocol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replay announces the version its file's config gives, and refuses a config gVisor's tracereplay refuses. */
class ReplayVersionTest {

    @TempDir
    Path tmp;

    private static TraceFile withConfig(String json) {
        return new TraceFile(json.getBytes(StandardCharsets.UTF_8), List.of());
    }

    @Test
    void theHandshakeCarriesTheVersionOfTheFilesConfig() throws Exception {
        Path path = tmp.resolve("s");
        try (UnixSeqpacket listener = UnixSeqpacket.listen(path, 1)) {
            CompletableFuture<Integer> seen = CompletableFuture.supplyAsync(() -> {
                try (UnixSeqpacket peer = listener.accept()) {
                    return Protocol.serverHandshake(peer);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(Replayer.replay(withConfig("{\"version\": 7, \"saved_by\": \"x\"}"), path)).isZero();
            assertThat(seen.get(20, TimeUnit.SECONDS)).isEqualTo(7);
        }
    }

    @Test
    void theVersionIsReadAsGvisorReadsIt() throws IOException {
        assertThat(withConfig("{\"version\":1}").version()).isEqualTo(1);
        assertThat(withConfig("{}").version()).as("absent: Go's zero value").isZero();
        assertThat(withConfig("{\"version\": null}").version()).isZero();
        assertThat(withConfig("{\"version\": 4294967295}").version()).isEqualTo(-1); // uint32 max on the wire
    }

    @Test
    void aConfigThatIsNotAJsonObjectWithAnIntegerVersionIsRefusedBeforeConnecting() {
        Path nowhere = tmp.resolve("nobody-listens");
        assertThatThrownBy(() -> Replayer.replay(withConfig("version=1"), nowhere))
                .isInstanceOf(IOException.class).hasMessageContaining("config is not JSON");
        assertThatThrownBy(() -> withConfig("{\"version\":1} trailing").version()).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> withConfig("[1]").version()).hasMessageContaining("not a JSON object");
        assertThatThrownBy(() -> withConfig("{\"version\": \"1\"}").version()).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> withConfig("{\"version\": -1}").version()).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> withConfig("{\"version\": 4294967296}").version()).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> withConfig("{\"version\": 1.5}").version()).hasMessageContaining("not an integer");
    }
}
