package dev.switchboard.ipc.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The demo runs end to end: a real child JVM, a lent file descriptor, a socketpair end coming back. */
class DemoTest {

    @Test
    void demoCompletesEveryStep() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            Demo.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertTrue(out.contains("[parent] child says: 'here is a socketpair end' and sent 1 handle(s)"), out);
        assertTrue(out.contains("[parent] child answered over the socketpair: 'pong from pid"), out);
        assertTrue(out.contains("child exited with status 0"), out);
    }
}
