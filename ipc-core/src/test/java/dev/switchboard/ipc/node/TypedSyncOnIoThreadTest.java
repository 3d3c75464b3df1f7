package dev.switchboard.ipc.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.typed.DeliveryThreadCallException;
import dev.switchboard.ipc.typed.IpcChannel;
import dev.switchboard.ipc.typed.MessageClass;
import dev.switchboard.ipc.typed.MessageId;
import dev.switchboard.ipc.typed.MessageMap;
import dev.switchboard.ipc.typed.MessageTypes;
import dev.switchboard.ipc.typed.Sync;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A typed sync call on a Switchboard I/O thread fails at once instead of blocking it. Lives in the
 * node package because only here can a test mark its own thread as inside an I/O callback, the
 * state {@link NodeController#onIoThread()} reports.
 */
class TypedSyncOnIoThreadTest {

    @MessageClass(id = 0x7E, name = "IoProbe")
    sealed interface IoProbe {
        @MessageId(1) @Sync(reply = Integer.class) record Ask(int n) implements IoProbe {}
    }

    @Test
    void aSyncCallInsideAnIoCallbackIsRefusedAndTheSameCallOutsideSucceeds() throws Exception {
        MessageTypes types = MessageTypes.of(IoProbe.class);
        ExecutorService a = Executors.newSingleThreadExecutor();
        ExecutorService b = Executors.newSingleThreadExecutor();
        MessagePipe.Pair p = MessagePipe.create();
        try (IpcChannel caller = IpcChannel.over(p.end0(), types, MessageMap.builder().build(), a);
             IpcChannel answerer = IpcChannel.over(p.end1(), types,
                     MessageMap.builder().onSync(IoProbe.Ask.class, q -> q.n() + 1).build(), b)) {
            NodeChannel.IoCallback cb = NodeChannel.IO_CALLBACK.get();
            cb.active = true;
            try {
                DeliveryThreadCallException e = assertThrows(DeliveryThreadCallException.class,
                        () -> caller.sendSync(new IoProbe.Ask(1), Duration.ofSeconds(30)));
                assertTrue(e.getMessage().contains("I/O thread"), e.getMessage());
            } finally {
                cb.active = false;
            }
            assertEquals(2, (int) caller.sendSync(new IoProbe.Ask(1), Duration.ofSeconds(30)));
        } finally {
            a.shutdownNow();
            b.shutdownNow();
            a.awaitTermination(10, TimeUnit.SECONDS);
            b.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
