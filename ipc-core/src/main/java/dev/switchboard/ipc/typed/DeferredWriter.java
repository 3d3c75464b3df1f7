package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a channel's messages to its pipe, directly or, when asked to defer (the caller is
 * delivering messages on a thread other than an I/O thread), from a shared thread. Such a thread
 * may be delivering inside another pipe's read, holding that pipe's lock: a write there could wait
 * for a pipe lock held by a thread that is delivering to us, and two in-process ends would then
 * wait on each other. Once something is deferred, later writes queue behind it, so one thread's
 * sends keep their order.
 */
final class DeferredWriter {

    private static final Logger log = LoggerFactory.getLogger(DeferredWriter.class);

    private final MessagePipe pipe;
    private final Object lock = new Object();
    // guarded by lock
    private final ArrayDeque<Message> queue = new ArrayDeque<>();
    private boolean draining;
    /** Closed while deferred writes were queued: the pipe closes once they are written. */
    private boolean closeWhenDrained;

    DeferredWriter(MessagePipe pipe) {
        this.pipe = pipe;
    }

    /** Writes {@code m}, or queues it when {@code defer} or when earlier writes are still queued. */
    void write(Message m, boolean defer) {
        synchronized (lock) {
            if (defer || draining) {
                queue.add(m);
                if (!draining) {
                    draining = true;
                    SharedThreads.POOL.execute(this::drain);
                }
                return;
            }
        }
        pipe.write(m);
    }

    private void drain() {
        while (true) {
            Message m;
            boolean closeNow = false;
            synchronized (lock) {
                m = queue.poll();
                if (m == null) {
                    draining = false;
                    closeNow = closeWhenDrained;
                }
            }
            if (m == null) {
                if (closeNow) {
                    pipe.close();
                }
                return;
            }
            try {
                pipe.write(m);
            } catch (RuntimeException e) {
                log.debug("deferred send dropped: {}", e.getMessage());
            }
        }
    }

    /** Closes the pipe now, or after the queued writes (a filter's last replies still go out). */
    void closePipe() {
        synchronized (lock) {
            if (draining) {
                closeWhenDrained = true;
                return;
            }
        }
        pipe.close();
    }
}
