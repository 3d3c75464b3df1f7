package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** 100,000 messages of 0 B to 1 MiB each way between this JVM and a child, complete and in order. */
class MessageStreamTest {

    static final int COUNT = 100_000;

    @Test
    void hundredThousandMixedSizeMessagesEachWayArriveCompleteAndInOrder() throws Exception {
        long seed = System.nanoTime();
        try (Launch l = Launch.java(Children.Stream.class, List.of("control", "data"), Integer.toString(COUNT), Long.toString(seed))) {
            MessagePipe data = l.pipe("data");
            AtomicReference<Throwable> writeFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < COUNT; i++) {
                        data.write(Message.of(TestSupport.mixedPayload(seed, i)));
                    }
                } catch (Throwable t) {
                    writeFailure.set(t);
                }
            });
            writer.start();
            long bytes = 0;
            for (int i = 0; i < COUNT; i++) {
                Message m = data.read(Duration.ofSeconds(60));
                if (m == null) {
                    throw new AssertionError("message " + i + " from the child did not arrive");
                }
                bytes += m.bytes().length;
                String problem = TestSupport.checkMixed(seed + 1, i, m.bytes());
                if (problem != null) {
                    throw new AssertionError(problem);
                }
            }
            writer.join();
            assertNull(writeFailure.get());
            assertEquals("ok", TestSupport.readText(l.pipe("control"), Duration.ofSeconds(60)), "the child's verdict on our stream");
            System.out.printf("stream: %d messages, %.1f MiB from the child%n", COUNT, bytes / 1048576.0);
        }
    }
}
