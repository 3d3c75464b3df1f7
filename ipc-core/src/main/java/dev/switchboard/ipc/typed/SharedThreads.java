package dev.switchboard.ipc.typed;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads for work that must leave the delivering thread: deferred sends, default callbacks. */
final class SharedThreads {

    private static final AtomicInteger COUNT = new AtomicInteger();

    static final ExecutorService POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "switchboard-typed-" + COUNT.incrementAndGet());
                t.setDaemon(true);
                return t;
            });

    private SharedThreads() {}
}
