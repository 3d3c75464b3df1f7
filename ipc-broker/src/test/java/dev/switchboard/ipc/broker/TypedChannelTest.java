package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.broker.TypedProtocol.Calculator;
import dev.switchboard.ipc.broker.TypedProtocol.ChildControl.Fail;
import dev.switchboard.ipc.broker.TypedProtocol.ChildControl.Hang;
import dev.switchboard.ipc.broker.TypedProtocol.ChildControl.Nest;
import dev.switchboard.ipc.broker.TypedProtocol.ChildControl.Sleep;
import dev.switchboard.ipc.broker.TypedProtocol.ChildControl.Start;
import dev.switchboard.ipc.broker.TypedProtocol.ChildHost.GetCookies;
import dev.switchboard.ipc.broker.TypedProtocol.ChildHost.Histogram;
import dev.switchboard.ipc.broker.TypedProtocol.ChildHost.Report;
import dev.switchboard.ipc.broker.TypedProtocol.ChildHost.ResourceRequest;
import dev.switchboard.ipc.broker.TypedProtocol.Cookies;
import dev.switchboard.ipc.broker.TypedProtocol.Depth;
import dev.switchboard.ipc.broker.TypedProtocol.Resource;
import dev.switchboard.ipc.broker.TypedProtocol.Slept;
import dev.switchboard.ipc.broker.TypedProtocol.View.Paint;
import dev.switchboard.ipc.node.NodeController;
import dev.switchboard.ipc.typed.BadMessage;
import dev.switchboard.ipc.typed.DeliveryThreadCallException;
import dev.switchboard.ipc.typed.ErrorReplyException;
import dev.switchboard.ipc.typed.IncomingMessage;
import dev.switchboard.ipc.typed.IpcChannel;
import dev.switchboard.ipc.typed.IpcListener;
import dev.switchboard.ipc.typed.MessageFilter;
import dev.switchboard.ipc.typed.MessageMap;
import dev.switchboard.ipc.typed.MessageRouter;
import dev.switchboard.ipc.typed.PeerClosedCallException;
import dev.switchboard.ipc.typed.Remote;
import dev.switchboard.ipc.typed.SyncCallException;
import dev.switchboard.ipc.typed.SyncTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Typed messages between this JVM and real child JVMs ({@link TypedChildren}): routed and control
 * messages, filters on the delivery thread, nested and failing sync calls, bad messages, and a
 * Mojo-style interface through Remote / Receiver.
 */
class TypedChannelTest {

    private static final Duration WAIT = TypedChildren.WAIT;
    private static final long ONE_SECOND_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** The parent's "main" thread: the listener's executor, one thread as in a UI process. */
    private final ExecutorService main = Executors.newSingleThreadExecutor(r -> new Thread(r, "parent-main"));
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
        main.shutdownNow();
    }

    @Test
    void routedMessagesReachTheirRoutesAndControlMessagesTheRouterInOrderPerRoute() throws Exception {
        int count = 300;
        List<Long> control = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        CompletableFuture<String> report = new CompletableFuture<>();
        MessageRouter router = new MessageRouter(MessageMap.builder()
                .on(Histogram.class, h -> {
                    control.add(h.samples().get(0));
                    threads.add(Thread.currentThread().getName());
                })
                .on(Report.class, r -> report.complete(r.text()))
                .unhandledError()
                .build());
        Map<Integer, List<Integer>> perRoute = new ConcurrentHashMap<>();
        List<String> misrouted = new CopyOnWriteArrayList<>();
        List<Integer> routes = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int id = router.nextRoutingId();
            routes.add(id);
            List<Integer> seqs = new CopyOnWriteArrayList<>();
            perRoute.put(id, seqs);
            router.addRoute(id, MessageMap.builder()
                    .on(Paint.class, p -> {
                        if (p.route() != id) {
                            misrouted.add("route " + id + " got " + p);
                        }
                        seqs.add(p.seq());
                        threads.add(Thread.currentThread().getName());
                    })
                    .unhandledError()
                    .build());
        }
        Launch l = launch(TypedChildren.RoutedSender.class);
        IpcChannel channel = open(l, router);

        channel.send(new Start(routes, count));

        assertEquals("sent", report.get(30, TimeUnit.SECONDS));
        List<Integer> expected = IntStream.range(0, count).boxed().toList();
        for (int id : routes) {
            assertEquals(expected, perRoute.get(id), "route " + id);
        }
        assertEquals(expected.stream().map(Long::valueOf).toList(), control, "control messages");
        assertEquals(List.of(), misrouted);
        assertEquals(List.of("parent-main"), threads.stream().distinct().toList(), "listeners run on the listener's executor");
        assertNull(l.error.getNow(null), "no process error");
    }

    @Test
    void aFilterAnswersSyncRequestsOnTheDeliveryThreadWhileTheListenersExecutorIsBlocked() throws Exception {
        CountDownLatch mainBlocked = new CountDownLatch(1);
        CountDownLatch releaseMain = new CountDownLatch(1);
        main.execute(() -> {
            mainBlocked.countDown();
            TypedChildren.awaitUninterruptibly(releaseMain);
        });
        assertTrue(mainBlocked.await(10, TimeUnit.SECONDS));

        List<String> filterThreads = new CopyOnWriteArrayList<>();
        CompletableFuture<String> filterSawReport = new CompletableFuture<>();
        MessageFilter resources = new MessageFilter() {
            @Override
            public boolean onMessageReceived(IncomingMessage m) {
                filterThreads.add(Thread.currentThread().getName());
                if (m.message() instanceof ResourceRequest r) {
                    m.reply(new Resource(r.id(), 200, "body-" + r.id()));
                    return true;
                }
                if (m.message() instanceof GetCookies) {
                    m.reply(new Cookies("session=1"));
                    return true;
                }
                if (m.message() instanceof Report r) {
                    filterSawReport.complete(r.text());
                }
                return false; // everything else goes on to the listener
            }
        };
        CompletableFuture<String> listenerSawReport = new CompletableFuture<>();
        Launch l = launch(TypedChildren.ResourceClient.class);
        IpcChannel channel = open(l, MessageMap.builder()
                .on(Report.class, r -> listenerSawReport.complete(Thread.currentThread().getName() + ": " + r.text()))
                .unhandledError()
                .build());
        channel.addFilter(resources);

        channel.send(new Start(List.of(), 5));

        String expected = "resources 0:200:body-0,1:200:body-1,2:200:body-2,3:200:body-3,4:200:body-4 cookies session=1";
        assertEquals(expected, filterSawReport.get(30, TimeUnit.SECONDS),
                "the child's sync calls were answered while the listener's only thread was blocked");
        assertFalse(listenerSawReport.isDone(), "the listener cannot have run: its thread is blocked");
        assertFalse(filterThreads.contains("parent-main"), "filters run on the delivery thread: " + filterThreads);
        releaseMain.countDown();
        assertEquals("parent-main: " + expected, listenerSawReport.get(30, TimeUnit.SECONDS),
                "an unclaimed message reaches the listener once its executor is free");
        assertNull(l.error.getNow(null), "no process error");
    }

    @Test
    void aDirectListenerAnswersTheChildsSyncCallsOnTheIoThreadAndCannotMakeSyncCallsThere() throws Exception {
        List<Boolean> onIoThread = new CopyOnWriteArrayList<>();
        CompletableFuture<Throwable> syncCallFromHandler = new CompletableFuture<>();
        CompletableFuture<String> report = new CompletableFuture<>();
        AtomicReference<IpcChannel> channel = new AtomicReference<>();
        Launch l = launch(TypedChildren.ResourceClient.class);
        IpcChannel c = IpcChannel.over(l.pipe(TypedChildren.PIPE), TypedProtocol.TYPES, MessageMap.builder()
                .onSync(ResourceRequest.class, r -> {
                    onIoThread.add(NodeController.onIoThread());
                    if (r.id() == 0) {
                        try {
                            channel.get().sendSync(new Nest(0), WAIT);
                            syncCallFromHandler.complete(null);
                        } catch (RuntimeException e) {
                            syncCallFromHandler.complete(e);
                        }
                    }
                    return new Resource(r.id(), 200, "body-" + r.id());
                })
                .onSync(GetCookies.class, g -> {
                    onIoThread.add(NodeController.onIoThread());
                    return new Cookies("session=1");
                })
                .on(Report.class, r -> report.complete(r.text()))
                .unhandledError()
                .build(), IpcChannel.DIRECT);
        channel.set(c);
        toClose.add(c::close);

        c.send(new Start(List.of(), 3));

        assertEquals("resources 0:200:body-0,1:200:body-1,2:200:body-2 cookies session=1",
                report.get(30, TimeUnit.SECONDS), "every sync call was answered, in order");
        assertEquals(List.of(true, true, true, true), onIoThread, "a DIRECT listener runs on the I/O thread that delivers");
        assertInstanceOf(DeliveryThreadCallException.class, syncCallFromHandler.get(30, TimeUnit.SECONDS),
                "a sync call from a DIRECT listener fails at once");
        assertNull(l.error.getNow(null), "no process error");
    }

    @Test
    void nestedSyncCallsBetweenParentAndChildUnwindLastInFirstOut() throws Exception {
        AtomicReference<IpcChannel> channel = new AtomicReference<>();
        Launch l = launch(TypedChildren.Nester.class);
        channel.set(open(l, MessageMap.builder()
                .onSync(Nest.class, n -> TypedChildren.nest(channel.get(), "parent", n))
                .unhandledError()
                .build()));

        // parent -> child(4) -> parent(3) -> child(2) -> parent(1) -> child(0): each side's
        // handler is blocked in a sync call while the next request for it arrives
        Depth d = channel.get().sendSync(new Nest(4), WAIT);

        assertEquals(4, d.depth());
        assertEquals(List.of("child@child-main", "parent@parent-main", "child@child-main", "parent@parent-main",
                "child@child-main"), d.path(), "innermost first; nested requests run on the thread that waits");
        // the channel is usable afterwards, in both directions
        Depth direct = channel.get().sendSync(new Nest(0), WAIT);
        assertEquals(0, direct.depth());
        assertNull(l.error.getNow(null), "no process error");
    }

    @Test
    void aSyncCallWaitsForASlowCalleeAndMessagesForTheWaitingThreadWaitUntilItReturns() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Launch l = launch(TypedChildren.SlowCallee.class);
        IpcChannel channel = open(l, MessageMap.builder()
                .on(Histogram.class, h -> events.add("histogram " + h.name()))
                .unhandledError()
                .build());

        // called on the listener's own thread: the Histogram the child sends while sleeping must
        // wait for the call to return (async messages are not dispatched inside a sync wait)
        long t0 = System.nanoTime();
        Slept s = main.submit(() -> {
            Slept r = channel.sendSync(new Sleep(700), WAIT);
            events.add("returned " + r.millis());
            return r;
        }).get(30, TimeUnit.SECONDS);
        long waitedMs = (System.nanoTime() - t0) / 1_000_000;

        assertEquals(700, s.millis());
        assertTrue(waitedMs >= 700, "returned after " + waitedMs + " ms, before the callee answered");
        TestSupport.awaitTrue(WAIT, () -> events.size() == 2, "the histogram after the call");
        assertEquals(List.of("returned 700", "histogram during"), events);
        assertNull(l.error.getNow(null), "no process error");
    }

    @Test
    void aTimedOutCallFailsItsCallerAndItsLateReplyIsDroppedNotGivenToTheNextCall() throws Exception {
        Launch l = launch(TypedChildren.SlowCallee.class);
        IpcChannel channel = open(l, MessageMap.builder().on(Histogram.class, h -> { }).unhandledError().build());

        // the callee sleeps far longer than the timeout, so only a starved caller could see the reply
        long t0 = System.nanoTime();
        SyncTimeoutException e = assertThrows(SyncTimeoutException.class,
                () -> channel.sendSync(new Sleep(2500), Duration.ofMillis(300)));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms >= 300, "timed out after " + ms + " ms, before the timeout");
        assertTrue(e.getMessage().contains("ChildControl.Sleep"), e.getMessage());

        // the child answers Sleep(2500) first, then this one: each caller gets its own reply
        Slept next = channel.sendSync(new Sleep(10), WAIT);
        assertEquals(10, next.millis());
        ErrorReplyException failed = assertThrows(ErrorReplyException.class,
                () -> channel.sendSync(new Fail("no such thing"), WAIT));
        assertTrue(failed.getMessage().contains("ChildControl.Fail"), failed.getMessage());
        Slept after = channel.sendSync(new Sleep(20), WAIT);
        assertEquals(20, after.millis(), "an error reply leaves the channel usable");
        assertNull(l.error.getNow(null), "a late reply is not a bad message");
    }

    @Test
    void aCalleeKilledDuringASyncCallFailsTheCallerWithinOneSecond() throws Exception {
        CompletableFuture<String> hanging = new CompletableFuture<>();
        Launch l = launch(TypedChildren.SlowCallee.class);
        IpcChannel channel = open(l, MessageMap.builder()
                .on(Report.class, r -> hanging.complete(r.text()))
                .on(Histogram.class, h -> { })
                .unhandledError()
                .build());
        CompletableFuture<Long> failedAt = new CompletableFuture<>();
        Thread caller = new Thread(() -> {
            try {
                channel.sendSync(new Hang(), Duration.ofSeconds(60));
                failedAt.completeExceptionally(new AssertionError("the call returned"));
            } catch (SyncCallException e) {
                failedAt.complete(System.nanoTime());
                if (!(e instanceof PeerClosedCallException)) {
                    failedAt.obtrudeException(new AssertionError("expected PeerClosedCallException", e));
                }
            }
        }, "sync-caller");
        caller.start();
        assertEquals("hanging", hanging.get(30, TimeUnit.SECONDS), "the child is inside the handler");

        long killedAt = System.nanoTime();
        new ProcessBuilder("kill", "-9", Long.toString(l.child.pid())).start().waitFor();

        long ns = failedAt.get(5, TimeUnit.SECONDS) - killedAt;
        assertTrue(ns < ONE_SECOND_NANOS, "the caller failed " + ns / 1e6 + " ms after the kill");
        caller.join(5_000);
        assertEquals(128 + 9, l.child.onExit().get(5, TimeUnit.SECONDS));
    }

    @Test
    void anUnhandledMessageIsABadMessageAndTheParentKillsTheChild() throws Exception {
        PlatformChannel pc = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(TypedChildren.SendsUnexpected.class)
                .jvmOptions("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .passEndpoint(pc.takeRemoteEndpoint())
                .appendOutput(Launch.childLog(TypedChildren.SendsUnexpected.class))
                .appendError(Launch.childLog(TypedChildren.SendsUnexpected.class))
                .start();
        toClose.add(() -> {
            child.destroyForcibly();
            child.onExit().get();
        });
        OutgoingInvitation invitation = new OutgoingInvitation();
        var pipe = invitation.attachMessagePipe(TypedChildren.PIPE);
        List<ProcessError> errors = new CopyOnWriteArrayList<>();
        invitation.send(child, pc.takeLocalEndpoint(), e -> {
            errors.add(e);
            e.process().destroyForcibly(); // what an embedder does with a child that misbehaves
        }, Launch.CALLBACKS);
        CompletableFuture<BadMessage> seen = new CompletableFuture<>();
        IpcChannel channel = IpcChannel.over(pipe, TypedProtocol.TYPES, MessageMap.builder()
                .on(Report.class, r -> { })
                .onBadMessage(seen::complete)
                .unhandledError()
                .build(), main);
        toClose.add(channel::close);

        channel.send(new Start(List.of(), 7)); // the child answers with ChildHost.Unexpected(7)

        BadMessage bad = seen.get(30, TimeUnit.SECONDS);
        assertEquals(BadMessage.Kind.UNHANDLED, bad.kind());
        assertEquals(0x1c0005, bad.typeId());
        assertEquals(128 + 9, child.onExit().get(30, TimeUnit.SECONDS), "the error handler killed the child");
        TestSupport.awaitTrue(WAIT, () -> !errors.isEmpty(), "the process error");
        ProcessError e = errors.get(0);
        assertEquals(ProcessError.Kind.BAD_MESSAGE, e.kind(), e.reason());
        assertEquals(child, e.process());
        assertTrue(e.reason().contains("ChildHost.Unexpected"), e.reason());
    }

    @Test
    void aRemoteCallsAReceiverInAChildWithOneWayAsyncAndSyncMethods() throws Exception {
        int fdsBefore = TestSupport.openFdCount();
        Map<Integer, String> before = TestSupport.openFds();
        try (Launch l = Launch.java(TypedChildren.CalculatorService.class, List.of(TypedChildren.PIPE))) {
            Remote<Calculator> remote = Remote.bind(l.pipe(TypedChildren.PIPE), Calculator.class);
            Calculator calc = remote.proxy();

            calc.log("first");
            calc.log("second");
            CompletableFuture<Integer> sum = calc.add(2, 3);
            assertEquals(42, calc.mul(6, 7));
            assertEquals(5, sum.get(30, TimeUnit.SECONDS));
            assertEquals(List.of("first", "second"), calc.logged(), "one-way calls arrive before a later sync call");
            for (int i = 0; i < 200; i++) {
                assertEquals(i * 3, calc.mul(i, 3));
            }
            assertNull(l.error.getNow(null), "no process error");
            remote.close();
            assertEquals(0, l.child.onExit().get(30, TimeUnit.SECONDS), "the receiver saw the remote close and exited");
        }
        TestSupport.assertFdCountReturnsTo(fdsBefore, before);
    }

    private Launch launch(Class<?> childMain) throws Exception {
        Launch l = Launch.java(childMain, List.of(TypedChildren.PIPE));
        toClose.add(l);
        return l;
    }

    private IpcChannel open(Launch l, IpcListener listener) {
        IpcChannel channel = IpcChannel.over(l.pipe(TypedChildren.PIPE), TypedProtocol.TYPES, listener, main);
        toClose.add(channel::close);
        return channel;
    }
}
