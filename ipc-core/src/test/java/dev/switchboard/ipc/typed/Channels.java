package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.MessagePipe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Two channels over one in-process pipe, each with its own single-thread executor. Closes all. */
final class Channels implements AutoCloseable {

    static final MessageTypes TYPES = MessageTypes.of(TestMessages.ChildProcessMsg.class, TestMessages.EverythingMsg.class);

    final ExecutorService aThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-a"));
    final ExecutorService bThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "test-b"));
    final IpcChannel a;
    final IpcChannel b;

    Channels(IpcListener aListener, IpcListener bListener) {
        MessagePipe.Pair p = MessagePipe.create();
        a = IpcChannel.over(p.end0(), TYPES, aListener, aThread);
        b = IpcChannel.over(p.end1(), TYPES, bListener, bThread);
    }

    @Override
    public void close() throws InterruptedException {
        a.close();
        b.close();
        aThread.shutdownNow();
        bThread.shutdownNow();
        aThread.awaitTermination(10, TimeUnit.SECONDS);
        bThread.awaitTermination(10, TimeUnit.SECONDS);
    }

    /** A listener that records bad-message reports and peer-closed, handling nothing. */
    static final class Reports implements IpcListener {
        final LinkedBlockingQueue<BadMessage> bad = new LinkedBlockingQueue<>();
        final List<Object> handled = new ArrayList<>();
        volatile boolean peerClosed;

        @Override
        public boolean onMessage(IncomingMessage message) {
            return false;
        }

        @Override
        public void onBadMessage(BadMessage report) {
            bad.add(report);
        }

        @Override
        public void onPeerClosed() {
            peerClosed = true;
        }

        BadMessage next() throws InterruptedException {
            BadMessage m = bad.poll(30, TimeUnit.SECONDS);
            if (m == null) {
                throw new AssertionError("no bad-message report within 30 s");
            }
            return m;
        }
    }
}
