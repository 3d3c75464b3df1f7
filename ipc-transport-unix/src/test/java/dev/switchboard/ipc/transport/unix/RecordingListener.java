package dev.switchboard.ipc.transport.unix;

import dev.switchboard.ipc.spi.CloseReason;
import dev.switchboard.ipc.spi.FrameChannel;
import dev.switchboard.ipc.spi.HandleOps;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Records what a channel delivers, and every breach of the listener contract. */
class RecordingListener implements FrameChannel.Listener {

    record Frame(FrameHeader header, FrameBody body, long[] handles) {
        ByteBuffer payload() {
            return ((FrameBody.Event) body).bytes();
        }
    }

    final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    final AtomicInteger closeCalls = new AtomicInteger();
    final AtomicInteger writableCalls = new AtomicInteger();
    final List<String> violations = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onFrame(FrameHeader header, FrameBody body, long[] handles) {
        checkThread("onFrame");
        if (closed.isDone()) {
            violations.add("onFrame after onClosed");
        }
        frames.add(new Frame(header, copy(body), handles));
    }

    @Override
    public void onClosed(CloseReason reason) {
        checkThread("onClosed");
        if (closeCalls.incrementAndGet() > 1) {
            violations.add("onClosed called again: " + reason);
        }
        closed.complete(reason);
    }

    @Override
    public void onWritable() {
        checkThread("onWritable");
        writableCalls.incrementAndGet();
    }

    private void checkThread(String what) {
        String name = Thread.currentThread().getName();
        if (!name.startsWith("switchboard-io-")) {
            violations.add(what + " on thread " + name);
        }
    }

    Frame take() throws InterruptedException {
        Frame f = frames.poll(10, TimeUnit.SECONDS);
        if (f == null) {
            throw new AssertionError("no frame within 10 s; closed: " + closed.getNow(null));
        }
        return f;
    }

    CloseReason awaitClosed() throws Exception {
        return closed.get(10, TimeUnit.SECONDS);
    }

    /** Closes the handles of every frame still queued here. */
    void closeQueuedHandles(HandleOps ops) {
        Frame f;
        while ((f = frames.poll()) != null) {
            for (long h : f.handles()) {
                ops.close(h);
            }
        }
    }

    /** The body may view the receive buffer only during onFrame: keep a copy. */
    private static FrameBody copy(FrameBody body) {
        if (body instanceof FrameBody.Event m) {
            ByteBuffer copy = ByteBuffer.allocate(m.bodyLength());
            copy.put(m.bytes().duplicate()).put(m.tail().duplicate()).flip();
            return new FrameBody.Event(copy);
        }
        return body;
    }
}
