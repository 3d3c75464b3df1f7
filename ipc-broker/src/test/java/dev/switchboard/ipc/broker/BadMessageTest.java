package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code Message.reportBadMessage(reason)}: the error handler of the invitation that brought the
 * sending node into the graph hears about it, with the reason — here for a child, for the right
 * one of two children on a pipe that was moved, and in the middle process for a grandchild.
 */
class BadMessageTest {

    @Test
    void reportingAChildsMessageCallsItsInvitationsErrorHandlerWithTheReason() throws Exception {
        try (GraphLaunch a = GraphLaunch.start("A")) {
            a.send("say naughty");
            try (Message m = a.expectMessage("naughty", GraphLaunch.WAIT)) {
                m.reportBadMessage("frobnicated the widget #42");
            }
            ProcessError e = a.firstError(Duration.ofSeconds(30));
            assertTrue(e != null, "no process error after reportBadMessage");
            assertEquals(ProcessError.Kind.BAD_MESSAGE, e.kind(), e.reason());
            assertTrue(e.reason().contains("frobnicated the widget #42"), e.reason());
            assertEquals(a.child, e.process());
        }
    }

    @Test
    void theSenderIsTheNodeThatWroteTheMessageNotTheOneThePipeWasCreatedFor() throws Exception {
        try (GraphLaunch a = GraphLaunch.start("A"); GraphLaunch b = GraphLaunch.start("B")) {
            // an end that went to A and on to B (via this process): B is the one writing on it
            MessagePipe.Pair p = MessagePipe.create();
            MessagePipe.Pair hop = MessagePipe.create();
            a.send("echo", hop.end1());
            hop.end0().write(GraphSupport.text("carry", p.end1()));
            MessagePipe end;
            try (Message back = hop.end0().read(GraphLaunch.WAIT)) {
                assertEquals(1, back.pipeCount(), "A echoed the end back");
                end = back.takePipe(0);
            }
            b.send("echo", end);
            for (int i = 0; i < 20; i++) {
                p.end0().write(GraphSupport.text("warm " + i));
                assertEquals("warm " + i, TestSupport.readText(p.end0(), GraphLaunch.WAIT));
            }
            p.end0().write(GraphSupport.text("blame me"));
            try (Message m = p.end0().read(GraphLaunch.WAIT)) {
                assertEquals("blame me", TestSupport.text(m));
                m.reportBadMessage("B wrote something it should not have");
            }
            ProcessError e = b.firstError(Duration.ofSeconds(30));
            assertTrue(e != null, "B's invitation heard nothing");
            assertEquals(ProcessError.Kind.BAD_MESSAGE, e.kind(), e.reason());
            assertTrue(e.reason().contains("B wrote something it should not have"), e.reason());
            assertEquals(b.child, e.process());
            assertNull(a.firstError(Duration.ofMillis(500)), "A's invitation is not blamed");
            p.end0().close();
            hop.end0().close();
        }
    }

    @Test
    void reportingAGrandchildsMessageReachesTheProcessThatInvitedIt() throws Exception {
        try (GraphLaunch m = GraphLaunch.start("M", "middle")) {
            m.expect("middle-ready ");
            MessagePipe.Pair rg = MessagePipe.create();
            m.send("g echo", rg.end1());
            MessagePipe mine = rg.end0();
            for (int i = 0; i < 20; i++) {
                mine.write(GraphSupport.text("warm " + i));
                assertEquals("warm " + i, TestSupport.readText(mine, GraphLaunch.WAIT));
            }
            mine.write(GraphSupport.text("from the grandchild"));
            try (Message msg = mine.read(GraphLaunch.WAIT)) {
                assertEquals("from the grandchild", TestSupport.text(msg));
                msg.reportBadMessage("grandchild misbehaved 7");
            }
            String report = m.expect("g-error ", Duration.ofSeconds(30));
            assertTrue(report.startsWith("g-error BAD_MESSAGE "), report);
            assertTrue(report.contains("grandchild misbehaved 7"), report);
            assertNull(m.firstError(Duration.ofMillis(500)), "the middle child's own invitation is not blamed");
            mine.close();
        }
    }
}
