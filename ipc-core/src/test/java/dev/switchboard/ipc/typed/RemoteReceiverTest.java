package dev.switchboard.ipc.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.typed.TestMessages.Calculator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A Java interface over an in-process pipe: one-way, async and sync methods, failures. */
class RemoteReceiverTest {

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> new Thread(r, "calc"));

    @AfterEach
    void stop() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(10, TimeUnit.SECONDS);
    }

    static final class Calc implements Calculator {
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void log(String line) {
            threads.add(Thread.currentThread().getName());
            lines.add(line);
        }

        @Override
        public CompletableFuture<Integer> add(int a, int b) {
            threads.add(Thread.currentThread().getName());
            return a < 0 ? CompletableFuture.failedFuture(new ArithmeticException("negative")) : CompletableFuture.completedFuture(a + b);
        }

        @Override
        public int mul(int a, int b) {
            threads.add(Thread.currentThread().getName());
            return a * b;
        }

        @Override
        public void fail(String why) {
            throw new UnsupportedOperationException(why);
        }
    }

    @Test
    void eachSideLearnsThatTheOtherDisconnectedAfterItsLastCall() throws Exception {
        MessagePipe.Pair p = MessagePipe.create();
        Calc impl = new Calc();
        Receiver<Calculator> r = Receiver.bind(p.end1(), Calculator.class, impl, executor);
        Remote<Calculator> remote = Remote.bind(p.end0(), Calculator.class);
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        CompletableFuture<Void> done = r.disconnected().thenRun(() -> seen.add("disconnected on " + Thread.currentThread().getName()));
        for (int i = 0; i < 50; i++) {
            remote.proxy().log("line " + i);
        }
        assertFalse(r.disconnected().isDone());
        remote.close();
        // the remote that closed knows at once; the receiver after every call it was sent ran
        assertTrue(remote.disconnected().isDone());
        done.get(30, TimeUnit.SECONDS);
        assertEquals(50, impl.lines.size());
        assertEquals("disconnected on calc", seen.poll());
        // cancelling a caller's copy leaves the channel's own future alone
        Receiver<Calculator> r2 = Receiver.bind(MessagePipe.create().end0(), Calculator.class, impl, executor);
        r2.disconnected().cancel(false);
        assertFalse(r2.disconnected().isDone());
        r2.close();
        assertTrue(r2.disconnected().isDone());
        assertFalse(r2.disconnected().isCompletedExceptionally());
        r.close();
    }

    @Test
    void aRemoteLearnsThatTheReceiverWentAway() throws Exception {
        MessagePipe.Pair p = MessagePipe.create();
        Receiver<Calculator> r = Receiver.bind(p.end1(), Calculator.class, new Calc(), executor);
        try (Remote<Calculator> remote = Remote.bind(p.end0(), Calculator.class)) {
            assertEquals(6, remote.proxy().mul(2, 3));
            r.close();
            remote.disconnected().get(30, TimeUnit.SECONDS);
            assertThrows(PeerClosedCallException.class, () -> remote.proxy().mul(2, 3));
        }
    }

    @Test
    void oneWayAsyncAndSyncMethodsReachTheImplementationOnItsExecutor() throws Exception {
        MessagePipe.Pair p = MessagePipe.create();
        Calc impl = new Calc();
        try (Receiver<Calculator> r = Receiver.bind(p.end1(), Calculator.class, impl, executor);
             Remote<Calculator> remote = Remote.bind(p.end0(), Calculator.class)) {
            Calculator calc = remote.proxy();
            calc.log("hello");
            assertEquals(5, calc.add(2, 3).get(30, TimeUnit.SECONDS));
            assertEquals(42, calc.mul(6, 7));
            assertEquals("hello", impl.lines.poll(30, TimeUnit.SECONDS));
            assertEquals(List.of("calc", "calc", "calc"), impl.threads);
            ExecutionException e = assertThrows(ExecutionException.class, () -> calc.add(-1, 1).get(30, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof ErrorReplyException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("Calculator.add"), e.getCause().getMessage());
            ErrorReplyException f = assertThrows(ErrorReplyException.class, () -> calc.fail("why not"));
            assertTrue(f.getMessage().contains("Calculator.fail"), f.getMessage());
            assertTrue(calc.toString().startsWith("Remote("));
        }
    }

    @Test
    void callsFailWhenTheReceiverCloses() throws Exception {
        MessagePipe.Pair p = MessagePipe.create();
        Receiver<Calculator> r = Receiver.bind(p.end1(), Calculator.class, new Calc(), executor);
        try (Remote<Calculator> remote = Remote.bind(p.end0(), Calculator.class, executor, Duration.ofMinutes(5))) {
            assertEquals(4, remote.proxy().mul(2, 2));
            r.close();
            assertThrows(PeerClosedCallException.class, () -> remote.proxy().mul(3, 3));
        }
    }

    @Test
    void aRemoteAndReceiverCanShareAChannelOnARoute() throws Exception {
        MessageTypes types = MessageTypes.of(Calculator.class);
        MessagePipe.Pair p = MessagePipe.create();
        Calc impl = new Calc();
        MessageRouter router = new MessageRouter(m -> false);
        int route = router.nextRoutingId();
        router.addRoute(route, Receiver.listener(Calculator.class, impl));
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (IpcChannel server = IpcChannel.over(p.end1(), types, router, executor);
             IpcChannel client = IpcChannel.over(p.end0(), types, m -> false, other)) {
            Calculator calc = Remote.over(client, route, Calculator.class, Duration.ofSeconds(30)).proxy();
            assertEquals(12, calc.mul(3, 4));
            // the control route has no receiver: the call is answered with an error
            Calculator unrouted = Remote.over(client, MessageRouter.CONTROL, Calculator.class, Duration.ofSeconds(30)).proxy();
            assertThrows(ErrorReplyException.class, () -> unrouted.mul(1, 1));
        } finally {
            other.shutdownNow();
        }
    }
}
