package dev.switchboard.ipc.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The typed demo end to end: a filter answers the child's sync requests while the parent's main
 * thread is blocked, then routed and control messages arrive in order on that thread.
 */
class TypedDemoTest {

    @Test
    void filterAnswersWhileMainIsBlockedThenRoutedAndControlMessagesArriveInOrder() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            TypedDemo.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        String[] inOrder = {
            "[browser] filter answered LoadResource #0 (https://example.test/part0) on the delivery thread, not browser-main",
            "[browser] filter answered LoadResource #2 (https://example.test/part2) on the delivery thread, not browser-main",
            "[browser] main thread free again: 3 resource request(s) were answered by the filter while it was blocked",
            "[browser] view 1 title: 'Example page'",
            "[browser] view 1 painted 0,0 800x600 on browser-main",
            "[browser] view 1 painted 0,600 800x200 on browser-main",
            "[browser] histogram 'resource_load_us'",
            "[browser] renderer done: 1 view(s)",
            "child exited with status 0",
        };
        int at = 0;
        for (String line : inOrder) {
            int i = out.indexOf(line, at);
            assertTrue(i >= 0, "missing, or out of order: '" + line + "' in\n" + out);
            at = i + line.length();
        }
        assertTrue(out.contains("[browser] filter answered GetCookies for https://example.test/ on the delivery thread"), out);
        assertTrue(!out.contains("process error"), out);
    }
}
