package dev.switchboard.ipc.transport.unix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.typed.BadMessage;
import dev.switchboard.ipc.typed.IpcChannel;
import dev.switchboard.ipc.typed.MessageClass;
import dev.switchboard.ipc.typed.MessageId;
import dev.switchboard.ipc.typed.MessageMap;
import dev.switchboard.ipc.typed.MessageTypes;
import java.util.SortedMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Typed messages have no shared-buffer field type yet: a message that carries shared buffers to a
 * typed channel is a bad message, and its buffers are closed rather than left in the raw message.
 */
class SharedBufferTypedChannelTest {

    @MessageClass(id = 0x5b, name = "ShmTyped")
    sealed interface ShmTyped permits ShmTyped.Ping {
        @MessageId(1)
        record Ping(int n) implements ShmTyped {}
    }

    @Test
    void sharedBuffersSentToATypedChannelAreABadMessageAndAreClosed() throws Exception {
        SharedBuffer.create(1).close(); // loads what opens fds once per JVM
        SortedMap<Integer, String> before = TestFds.snapshot();
        BlockingQueue<BadMessage> bad = new LinkedBlockingQueue<>();
        MessagePipe.Pair pair = MessagePipe.create();
        IpcChannel channel = IpcChannel.over(pair.end1(), MessageTypes.of(ShmTyped.class),
                MessageMap.builder().onBadMessage(bad::add).build(), Runnable::run);
        try {
            pair.end0().write(Message.of(new byte[24], SharedBuffer.create(4096), SharedBuffer.create(4096)));
            BadMessage b = bad.poll(30, TimeUnit.SECONDS);
            assertNotNull(b, "no bad-message report");
            assertEquals(BadMessage.Kind.MALFORMED, b.kind());
            assertTrue(b.reason().contains("carries 2 shared buffers"), b.reason());
        } finally {
            channel.close();
            pair.end0().close();
        }
        TestFds.assertNoLeak(before);
    }
}
