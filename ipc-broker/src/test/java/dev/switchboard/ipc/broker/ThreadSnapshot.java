package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The live threads of this JVM, for leak checks. Threads of the test's own callback pool
 * ({@link Launch#CALLBACKS}, which keeps idle threads a while) are not counted.
 */
final class ThreadSnapshot {

    private ThreadSnapshot() {}

    static List<String> names() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && !t.getName().equals("test-callback")) {
                names.add(t.getName());
            }
        }
        names.sort(null);
        return names;
    }

    /** Waits for the thread count to settle back to {@code before}'s and fails naming the extras otherwise. */
    static void assertReturnsTo(List<String> before, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> now = names();
        while (now.size() > before.size()) {
            if (System.nanoTime() > deadline) {
                List<String> extra = new ArrayList<>(now);
                before.forEach(extra::remove);
                fail("threads leaked: " + extra);
            }
            TestSupport.sleep(20);
            now = names();
        }
    }
}
