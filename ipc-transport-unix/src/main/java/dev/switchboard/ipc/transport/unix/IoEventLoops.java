package dev.switchboard.ipc.transport.unix;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.newsclub.net.unix.AFUNIXSelectorProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: the one Netty event loop group every Unix channel of this JVM runs on. Created on first use and
 * never shut down: its threads are daemons, so they do not keep the JVM alive.
 */
public final class IoEventLoops {

    /** System property: number of I/O threads (default 1). */
    public static final String THREADS_PROPERTY = "switchboard.ioThreads";

    private static final Logger LOG = LoggerFactory.getLogger(IoEventLoops.class);
    private static volatile EventLoopGroup group;

    private IoEventLoops() {}

    public static EventLoopGroup group() {
        EventLoopGroup g = group;
        if (g == null) {
            synchronized (IoEventLoops.class) {
                g = group;
                if (g == null) {
                    g = create(threadCount());
                    group = g;
                }
            }
        }
        return g;
    }

    private static EventLoopGroup create(int threads) {
        AtomicInteger seq = new AtomicInteger();
        ThreadFactory factory = r -> {
            // FastThreadLocalThread lets Netty's buffer pool use its fast thread-local path.
            Thread t = new FastThreadLocalThread(r, "switchboard-io-" + seq.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        // junixsocket's selector provider: the JDK's selector refuses AF_UNIX channels from
        // junixsocket (IllegalSelectorException).
        return new MultiThreadIoEventLoopGroup(threads, factory, NioIoHandler.newFactory(AFUNIXSelectorProvider.provider()));
    }

    static int threadCount() {
        String value = System.getProperty(THREADS_PROPERTY);
        if (value == null || value.isBlank()) {
            return 1;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= 256) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the warning
        }
        LOG.warn("ignoring {}={}: expected a whole number from 1 to 256; using 1", THREADS_PROPERTY, value);
        return 1;
    }
}
