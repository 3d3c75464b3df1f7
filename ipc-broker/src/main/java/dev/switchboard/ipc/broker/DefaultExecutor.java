package dev.switchboard.ipc.broker;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Runs callbacks for users who did not name an executor: daemon threads that die when idle. */
final class DefaultExecutor {

    private static final AtomicInteger COUNT = new AtomicInteger();

    static final ExecutorService INSTANCE = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "switchboard-callback-" + COUNT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private DefaultExecutor() {}
}
