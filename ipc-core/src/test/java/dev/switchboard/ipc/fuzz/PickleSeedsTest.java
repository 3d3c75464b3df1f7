package dev.switchboard.ipc.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.ipc.pickle.PickleException;
import dev.switchboard.ipc.typed.MessageCodec;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The pickle target's committed seeds are what the real encoder writes today ({@link PickleSeeds}),
 * and each one decodes: a seed the decoder refuses would only teach the fuzzer rejections.
 */
class PickleSeedsTest {

    private static final String DIR = "PickleFuzzTestInputs/pickle/seeds/";

    @Test
    void committedSeedsAreTheEncodersOutputAndDecode() throws IOException {
        for (Map.Entry<String, byte[]> e : PickleSeeds.all().entrySet()) {
            byte[] committed;
            try (InputStream in = PickleSeedsTest.class.getResourceAsStream(DIR + e.getKey())) {
                assertNotNull(in, () -> "seed " + e.getKey() + " is not committed (run PickleSeeds.main)");
                committed = in.readAllBytes();
            }
            assertArrayEquals(e.getValue(), committed, () -> "seed " + e.getKey() + " differs from the encoder's output");
            byte[] seed = e.getValue();
            FakeHandles handles = new FakeHandles(seed[0] & PickleFuzzTest.HANDLE_COUNT_MASK);
            byte[] bytes = Arrays.copyOfRange(seed, 1, seed.length);
            if (e.getKey().equals("take-pipe")) {
                // names a pipe end, and the target never supplies one: the seed reaches the pipe codec
                assertEquals(PickleException.Reason.BAD_HANDLE, assertThrows(PickleException.class,
                        () -> MessageCodec.decode(PickleFuzzMessages.TYPES, bytes, handles.handles(), List.of())).reason());
                continue;
            }
            assertNotNull(MessageCodec.decode(PickleFuzzMessages.TYPES, bytes, handles.handles(), List.of()), e.getKey());
        }
    }
}
