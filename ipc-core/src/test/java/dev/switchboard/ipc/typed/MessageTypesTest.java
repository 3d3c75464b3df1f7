package dev.switchboard.ipc.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg;
import dev.switchboard.ipc.typed.TestMessages.Calculator;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Type ids are explicit and stable; a registry refuses ambiguity when it is built. */
class MessageTypesTest {

    @MessageClass(id = 0x41, name = "Dup")
    sealed interface DupIds {
        @MessageId(1) record First(int a) implements DupIds {}
        @MessageId(1) record Second(int b) implements DupIds {}
    }

    @MessageClass(id = 0x1c, name = "Other")
    sealed interface SameClassId {
        @MessageId(9) record Nine() implements SameClassId {}
    }

    @MessageClass(id = 0x42)
    sealed interface NoId {
        record Anonymous(int a) implements NoId {}
    }

    @MessageClass(id = 0x43)
    sealed interface BadField {
        @MessageId(1) record Holder(Object anything) implements BadField {}
    }

    @MessageClass(id = 0x44)
    interface BadReturn {
        @MessageId(1) String notAllowed();
    }

    @MessageClass(id = 0x45)
    interface AsyncOk {
        @MessageId(1) CompletableFuture<Void> done();
    }

    @Test
    void typeIdsAreClassShiftedSixteenOrId() {
        MessageTypes t = MessageTypes.of(ChildProcessMsg.class, Calculator.class);
        assertEquals(0x1c0002, t.typeIdOf(ChildProcessMsg.GetCookies.class));
        assertEquals(0x1c0001, t.typeIdOf(ChildProcessMsg.HistogramData.class));
        assertEquals(0x1c0002, MessageTypes.typeId(0x1c, 2));
        assertTrue(t.contains(0x300003));
        assertTrue(t.expectsReply(0x1c0002));
        assertFalse(t.expectsReply(0x1c0001));
        assertEquals("ChildProcess.GetCookies", MessageTypes.describe(0x1c0002));
        assertEquals("Calculator.mul", t.nameOf(0x300003));
        assertEquals("unknown type 0x1c0098 (class 0x1c, id 152)", MessageTypes.describe(0x1c0098));
        assertEquals("unknown type 0xffff0000 (class 0xffff, id 0)", MessageTypes.describe(0xFFFF0000));
    }

    @Test
    void duplicatesAndMistakesFailAtRegistrationNamingBoth() {
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> MessageTypes.of(DupIds.class));
        assertTrue(dup.getMessage().contains("Dup.First") && dup.getMessage().contains("Dup.Second"), dup.getMessage());
        IllegalArgumentException cls = assertThrows(IllegalArgumentException.class,
                () -> MessageTypes.of(ChildProcessMsg.class, SameClassId.class));
        assertTrue(cls.getMessage().contains("ChildProcessMsg") && cls.getMessage().contains("SameClassId"), cls.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MessageTypes.of(NoId.class)).getMessage().contains("@MessageId"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MessageTypes.of(BadField.class)).getMessage().contains("anything"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MessageTypes.of(BadReturn.class)).getMessage().contains("notAllowed"));
        assertThrows(IllegalArgumentException.class, () -> MessageTypes.of(TestMessages.Cookies.class));
        assertTrue(MessageTypes.of(AsyncOk.class).expectsReply(0x450001));
    }
}
