package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A real child writes bytes that break the protocol onto its channel. The parent drops the
 * connection with a precise reason, nothing escapes to user threads, no descriptor leaks.
 */
class HostileInputTest {

    /** The first launch creates process-wide singletons (I/O loop, reaper); keep them out of the leak count. */
    @org.junit.jupiter.api.BeforeAll
    static void warmUp() throws Exception {
        try (Launch l = Launch.java(Children.Echo.class, List.of("control"))) {
            l.pipe("control").write(TestSupport.text("warm"));
            TestSupport.readText(l.pipe("control"), Duration.ofSeconds(30));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bad-magic             | bad magic 0x0badf00d",
        "truncated-header      | truncated header",
        "length-past-limit     | exceeds the limit",
        "handle-count-mismatch | declares 3 handles",
        "fds-without-frame     | declares 0 handles",
    })
    void malformedInputDropsTheChildWithAPreciseReason(String mode, String reason) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        List<Throwable> escaped = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> escaped.add(e));
        try {
            ChildProcess child;
            try (Launch l = Launch.java(HostileChild.class, List.of("control", "data"), mode)) {
                child = l.child;
                ProcessError e = l.error.get(30, TimeUnit.SECONDS);
                assertEquals(ProcessError.Kind.MALFORMED, e.kind(), e.reason());
                assertTrue(e.reason().contains(reason), "reason '" + e.reason() + "' should mention '" + reason + "'");
                for (MessagePipe p : l.pipes.values()) {
                    assertThrows(PipeClosedException.class, () -> p.read(Duration.ofSeconds(5)));
                }
                // the child sees the parent hang up and exits on its own
                child.onExit().get(30, TimeUnit.SECONDS);
            }
            TestSupport.assertFdCountReturnsTo(before.size(), before);
            assertTrue(escaped.isEmpty(), "exceptions escaped: " + escaped);
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }
}
