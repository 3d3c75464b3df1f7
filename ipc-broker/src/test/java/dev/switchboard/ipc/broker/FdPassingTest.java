package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 10,000 descriptors to a child that reads slowly: the socket buffer fills, nothing is lost or leaked. */
class FdPassingTest {

    static final int COUNT = 10_000;

    @Test
    void tenThousandFdsReachASlowReaderInOrderAndNothingLeaks(@TempDir Path dir) throws Exception {
        for (int i = 0; i < COUNT; i++) {
            Files.writeString(dir.resolve("f" + i), "file-" + i);
        }
        Map<Integer, String> before = TestSupport.openFds();
        int baseline = before.size();
        int peak = baseline;
        try (Launch l = Launch.java(Children.SlowFdReader.class, List.of("control", "data"), Integer.toString(COUNT), "1500")) {
            MessagePipe data = l.pipe("data");
            for (int i = 0; i < COUNT; i++) {
                PlatformHandle h;
                try (FileInputStream in = new FileInputStream(dir.resolve("f" + i).toFile())) {
                    h = PlatformHandle.duplicateOf(in.getFD());
                }
                data.write(Message.of(ByteBuffer.allocate(4).putInt(i).array(), h));
                if (i % 250 == 0) {
                    peak = Math.max(peak, TestSupport.openFds().size());
                }
            }
            // Queued fds hold the writer back (1,024 at most, before the invitation connects and
            // after): without that, every fd the slow reader has not taken yet stays open here.
            assertTrue(peak - baseline <= 1024 + 128, "the parent held " + (peak - baseline) + " more fds while writing");
            String verdict = TestSupport.readText(l.pipe("control"), Duration.ofSeconds(120));
            String[] parts = verdict.split(" ");
            assertEquals("ok", parts[0], verdict);
            assertTrue(Integer.parseInt(parts[2]) <= Integer.parseInt(parts[1]),
                    "child's descriptor count grew from " + parts[1] + " to " + parts[2] + " reading 10,000 fds");
        }
        TestSupport.assertFdCountReturnsTo(baseline, before);
    }
}
