package dev.switchboard.ipc.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The sandbox demo end to end: what the child wrote into a host-made segment, the parent reads. */
class SandboxDemoTest {

    @Test
    void parentReadsWhatTheChildWroteIntoTheSegment() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            SandboxDemo.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertTrue(out.contains("[parent] mapped the 4096-byte segment; it holds: 'written by the child (pid"), out);
        // the child's own lines go to the real stdout, not to this capture; its refused
        // executable segment shows in the host's count
        assertTrue(out.contains("[parent] sandbox host served 3 request(s), refused 1, dropped 0"), out);
        assertTrue(out.contains("child exited with status 0"), out);
    }
}
