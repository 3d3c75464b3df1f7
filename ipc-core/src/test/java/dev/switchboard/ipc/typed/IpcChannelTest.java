package dev.switchboard.ipc.typed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.Fail;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.GetCookies;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.HistogramData;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.OpenFile;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.Paint;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.Ping;
import dev.switchboard.ipc.typed.TestMessages.ChildProcessMsg.Seq;
import dev.switchboard.ipc.typed.TestMessages.Cookies;
import dev.switchboard.ipc.typed.TestMessages.Rect;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Channel logic over a real in-process pipe pair: routing, filters, sync calls, replies, closing. */
class IpcChannelTest {

    private static final Duration LONG = Duration.ofSeconds(30);

    private static <T> T take(BlockingQueue<T> q) throws InterruptedException {
        T v = q.poll(30, TimeUnit.SECONDS);
        if (v == null) {
            throw new AssertionError("nothing arrived within 30 s");
        }
        return v;
    }

    @Test
    void syncCallGetsTheHandlersReply() throws Exception {
        IpcListener b = MessageMap.builder()
                .onSync(GetCookies.class, g -> new Cookies("for " + g.url().getHost()))
                .build();
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            Cookies got = c.a.sendSync(new GetCookies(URI.create("https://example.org/x")), LONG);
            assertEquals(new Cookies("for example.org"), got);
            // a timeout too large for nanoseconds means "no timeout", not an overflow
            Cookies forever = c.a.sendSync(new GetCookies(URI.create("https://example.com/")), Duration.ofSeconds(Long.MAX_VALUE));
            assertEquals(new Cookies("for example.com"), forever);
        }
    }

    @Test
    void routesReachTheirListenersAndControlInOrderPerRoute() throws Exception {
        Map<Integer, List<Integer>> seen = new ConcurrentHashMap<>();
        CountDownLatch all = new CountDownLatch(4 * 50);
        MessageRouter router = new MessageRouter(recorder(MessageRouter.CONTROL, seen, all));
        int[] ids = {router.nextRoutingId(), router.nextRoutingId(), router.nextRoutingId()};
        for (int id : ids) {
            router.addRoute(id, recorder(id, seen, all));
        }
        assertThrows(IllegalArgumentException.class, () -> router.addRoute(ids[0], m -> true));
        try (Channels c = new Channels(new Channels.Reports(), router)) {
            for (int n = 0; n < 50; n++) {
                c.a.send(new Seq(n));
                for (int id : ids) {
                    c.a.send(id, new Seq(n));
                }
            }
            assertTrue(all.await(30, TimeUnit.SECONDS));
            List<Integer> expected = new ArrayList<>();
            for (int n = 0; n < 50; n++) {
                expected.add(n);
            }
            assertEquals(expected, seen.get(MessageRouter.CONTROL));
            for (int id : ids) {
                assertEquals(expected, seen.get(id), "route " + id);
            }
            assertTrue(router.removeRoute(ids[1]));
            assertFalse(router.removeRoute(ids[1]));
        }
    }

    private static IpcListener recorder(int route, Map<Integer, List<Integer>> seen, CountDownLatch latch) {
        return m -> {
            assertEquals(route, m.routingId());
            seen.computeIfAbsent(route, k -> new CopyOnWriteArrayList<>()).add(m.message(Seq.class).n());
            latch.countDown();
            return true;
        };
    }

    @Test
    void filtersClaimPassAndReplyOnTheDeliveryThreadAndAThrowingFilterIsReported() throws Exception {
        BlockingQueue<Object> listenerSaw = new LinkedBlockingQueue<>();
        BlockingQueue<String> events = new LinkedBlockingQueue<>();
        BlockingQueue<RuntimeException> filterErrors = new LinkedBlockingQueue<>();
        IpcListener b = new IpcListener() {
            @Override
            public boolean onMessage(IncomingMessage m) {
                listenerSaw.add(m.message());
                return true;
            }

            @Override
            public void onFilterError(MessageFilter f, RuntimeException e) {
                filterErrors.add(e);
            }
        };
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            MessageFilter thrower = m -> {
                if (m.message() instanceof Seq s && s.n() == 13) {
                    throw new IllegalStateException("unlucky");
                }
                return false;
            };
            MessageFilter claimer = new MessageFilter() {
                @Override
                public void onFilterAdded(IpcChannel ch) {
                    events.add("added");
                }

                @Override
                public boolean onMessageReceived(IncomingMessage m) {
                    if (m.message() instanceof Paint) {
                        events.add("claimed paint on " + Thread.currentThread().getName());
                        return true;
                    }
                    if (m.message() instanceof GetCookies g) {
                        m.reply(new Cookies("from the filter"));
                        return true;
                    }
                    return false;
                }

                @Override
                public void onChannelClosing() {
                    events.add("closing");
                }

                @Override
                public void onFilterRemoved() {
                    events.add("removed");
                }
            };
            c.b.addFilter(thrower);
            c.b.addFilter(claimer);
            assertEquals("added", take(events));
            c.a.send(new Paint(new Rect(1, 2, 3, 4)));
            c.a.send(new Seq(13));
            c.a.send(new Seq(14));
            assertEquals(new Cookies("from the filter"), c.a.sendSync(new GetCookies(URI.create("a:b")), LONG));
            String claimed = take(events);
            assertTrue(claimed.startsWith("claimed paint on "), claimed);
            assertFalse(claimed.endsWith("test-b"), "filters run before the hop to the listener's executor: " + claimed);
            assertEquals(new Seq(13), take(listenerSaw), "a throwing filter passes the message on");
            assertEquals(new Seq(14), take(listenerSaw));
            assertEquals("unlucky", take(filterErrors).getMessage());
            assertTrue(listenerSaw.isEmpty(), "claimed messages never reach the listener: " + listenerSaw);
            c.b.close();
            assertEquals("closing", take(events));
            assertEquals("removed", take(events));
        }
    }

    @Test
    void syncCallFromTheDeliveryThreadFailsAtOnce() throws Exception {
        BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
        try (Channels c = new Channels(new Channels.Reports(), MessageMap.builder().on(Seq.class, s -> {}).build())) {
            c.b.addFilter(m -> {
                try {
                    c.b.sendSync(new Ping(0, "filter"), LONG);
                    outcome.add("returned");
                } catch (RuntimeException e) {
                    outcome.add(e);
                }
                return false;
            });
            c.a.send(new Seq(1));
            Object o = take(outcome);
            assertInstanceOf(DeliveryThreadCallException.class, o);
            assertTrue(((Exception) o).getMessage().contains("ChildProcess.Ping"), ((Exception) o).getMessage());
        }
    }

    @Test
    void syncCallOnAnotherChannelFromAFilterOrADirectListenerFailsAtOnce() throws Exception {
        BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
        IpcListener answers = MessageMap.builder().onSync(Ping.class, p -> 1).build();
        try (Channels c = new Channels(new Channels.Reports(), MessageMap.builder().on(Seq.class, s -> {}).build());
             Channels other = new Channels(new Channels.Reports(), answers)) {
            // a filter of channel b calls channel other.a, which would block b's delivering thread
            c.b.addFilter(m -> {
                outcome.add(callCatching(other.a));
                return false;
            });
            c.a.send(new Seq(1));
            DeliveryThreadCallException e = assertInstanceOf(DeliveryThreadCallException.class, take(outcome));
            assertTrue(e.getMessage().contains("another channel's"), e.getMessage());
            // the same call from a listener thread is fine
            assertEquals(1, (int) other.a.sendSync(new Ping(0, "listener"), LONG));
        }
        // a listener on a direct executor runs on the delivering thread: refused as well
        MessagePipe.Pair p = MessagePipe.create();
        try (Channels other = new Channels(new Channels.Reports(), answers);
             IpcChannel sender = IpcChannel.over(p.end0(), Channels.TYPES, new Channels.Reports(), Runnable::run);
             IpcChannel receiver = IpcChannel.over(p.end1(), Channels.TYPES, MessageMap.builder()
                     .on(Seq.class, s -> outcome.add(callCatching(other.a))).build(), Runnable::run)) {
            sender.send(new Seq(2));
            assertInstanceOf(DeliveryThreadCallException.class, take(outcome));
        }
    }

    private static Object callCatching(IpcChannel ch) {
        try {
            return ch.sendSync(new Ping(0, "delivering"), LONG);
        } catch (RuntimeException e) {
            return e;
        }
    }

    @Test
    void disconnectedCompletesAfterThePeersLastMessageAndAtOnceOnClose() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        IpcListener b = MessageMap.builder()
                .on(Seq.class, s -> seen.add("seq " + s.n()))
                .onPeerClosed(() -> seen.add("peer closed"))
                .build();
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            java.util.concurrent.CompletableFuture<Void> bDone = c.b.disconnected()
                    .thenRun(() -> seen.add("disconnected on " + Thread.currentThread().getName()));
            for (int i = 1; i <= 3; i++) {
                c.a.send(new Seq(i));
            }
            assertFalse(c.a.disconnected().isDone());
            c.a.close();
            assertTrue(c.a.disconnected().isDone(), "the closing side completes on close()");
            bDone.get(30, TimeUnit.SECONDS);
            assertEquals(List.of("seq 1", "seq 2", "seq 3", "peer closed", "disconnected on test-b"), seen);
        }
    }

    @Test
    void timeoutThenALateReplyIsDroppedWithoutABadMessageReport() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Channels.Reports aReports = new Channels.Reports();
        IpcListener b = MessageMap.builder().onSync(Ping.class, p -> {
            await(release);
            return 7;
        }).build();
        try (Channels c = new Channels(aReports, b)) {
            SyncTimeoutException e = assertThrows(SyncTimeoutException.class,
                    () -> c.a.sendSync(new Ping(0, "t"), Duration.ofMillis(100)));
            assertTrue(e.getMessage().contains("ChildProcess.Ping"), e.getMessage());
            release.countDown();
            // the channel still works, and the late reply was not reported
            assertEquals(7, (int) c.a.sendSync(new Ping(0, "t2"), LONG));
            assertTrue(aReports.bad.isEmpty(), "late reply reported: " + aReports.bad);
        }
    }

    private static void await(CountDownLatch l) {
        try {
            assertTrue(l.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void asyncMessagesArrivingDuringASyncCallAreDeliveredAfterItReturnsInOrder() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(1);
        Channels[] holder = new Channels[1];
        IpcListener a = MessageMap.builder()
                .on(Seq.class, s -> {
                    order.add("seq " + s.n());
                    if (s.n() == 0) {
                        int r = holder[0].a.sendSync(new Ping(0, "a"), LONG);
                        order.add("returned " + r);
                    }
                    if (s.n() == 5) {
                        done.countDown();
                    }
                })
                .build();
        IpcListener b = MessageMap.builder()
                .onSync(Ping.class, p -> {
                    for (int i = 1; i <= 5; i++) {
                        holder[0].b.send(new Seq(i));
                    }
                    return 42;
                })
                .build();
        try (Channels c = new Channels(a, b)) {
            holder[0] = c;
            c.b.send(new Seq(0));
            assertTrue(done.await(30, TimeUnit.SECONDS));
            assertEquals(List.of("seq 0", "returned 42", "seq 1", "seq 2", "seq 3", "seq 4", "seq 5"), order);
        }
    }

    @Test
    void nestedCallsBetweenTwoChannelsCompleteLastInFirstOut() throws Exception {
        List<Integer> completed = new CopyOnWriteArrayList<>();
        BlockingQueue<Object> result = new LinkedBlockingQueue<>();
        Channels[] holder = new Channels[1];
        // each side answers Ping(d) by calling the other side with d - 1 (on its blocked dispatch thread)
        IpcListener a = MessageMap.builder()
                .on(Seq.class, s -> {
                    try {
                        result.add(holder[0].a.sendSync(new Ping(6, "a"), LONG));
                    } catch (RuntimeException e) {
                        result.add(e);
                    }
                })
                .onSync(Ping.class, p -> pingOther(holder[0].a, p, completed))
                .build();
        IpcListener b = MessageMap.builder().onSync(Ping.class, p -> pingOther(holder[0].b, p, completed)).build();
        try (Channels c = new Channels(a, b)) {
            holder[0] = c;
            c.b.send(new Seq(0)); // starts the chain from a's dispatch thread, so both sides nest
            assertEquals(6, take(result));
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6), completed, "innermost call first");
        }
    }

    private static int pingOther(IpcChannel ch, Ping p, List<Integer> completed) {
        int r = p.depth() == 0 ? 0 : 1 + (int) ch.sendSync(new Ping(p.depth() - 1, "x"), LONG);
        completed.add(p.depth());
        return r;
    }

    @Test
    void aHandlerThatThrowsOrReplyErrorGivesTheCallerAnExceptionNamingTheMessage() throws Exception {
        IpcListener b = MessageMap.builder()
                .onSync(Ping.class, p -> {
                    throw new IllegalStateException("boom");
                })
                .onIncoming(Fail.class, (f, m) -> m.replyError(f.why()))
                .build();
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            ErrorReplyException e = assertThrows(ErrorReplyException.class, () -> c.a.sendSync(new Ping(0, "x"), LONG));
            assertTrue(e.getMessage().contains("ChildProcess.Ping"), e.getMessage());
            assertTrue(e.remoteReason().contains("IllegalStateException"), e.remoteReason());
            ErrorReplyException f = assertThrows(ErrorReplyException.class, () -> c.a.sendSync(new Fail("nope"), LONG));
            assertEquals("nope", f.remoteReason());
            assertEquals(Channels.TYPES.typeIdOf(Fail.class), f.typeId());
            // a request nobody handles is answered with an error too
            ErrorReplyException g = assertThrows(ErrorReplyException.class,
                    () -> c.a.sendSync(new GetCookies(URI.create("x:y")), LONG));
            assertTrue(g.remoteReason().contains("no handler"), g.remoteReason());
        }
    }

    @Test
    void aSyncCallFailsWhenThePeerClosesInsteadOfReplying() throws Exception {
        Channels[] holder = new Channels[1];
        IpcListener b = MessageMap.builder().onIncoming(Ping.class, (p, m) -> holder[0].b.close()).build();
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            holder[0] = c;
            long t0 = System.nanoTime();
            PeerClosedCallException e = assertThrows(PeerClosedCallException.class,
                    () -> c.a.sendSync(new Ping(0, "x"), Duration.ofMinutes(5)));
            assertTrue(e.getMessage().contains("ChildProcess.Ping"), e.getMessage());
            assertTrue(System.nanoTime() - t0 < TimeUnit.MINUTES.toNanos(1), "failed by peer-closed, not by the timeout");
            assertThrows(PeerClosedCallException.class, () -> c.a.sendSync(new Ping(0, "again"), LONG));
        }
    }

    @Test
    void handlesInFieldsArriveOpenAndUnhandledOnesAreClosed() throws Exception {
        BlockingQueue<OpenFile> got = new LinkedBlockingQueue<>();
        IpcListener b = m -> {
            if (m.message() instanceof OpenFile f && f.path().equals("keep")) {
                got.add(f);
                return true;
            }
            return false;
        };
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            PlatformHandle h1 = LedgerTransport.newHandle();
            long v1 = h1.value();
            c.a.send(new OpenFile("keep", h1));
            OpenFile f = take(got);
            assertEquals(v1, f.file().value());
            assertTrue(LedgerTransport.isOpen(v1));
            f.file().close();
            PlatformHandle h2 = LedgerTransport.newHandle();
            long v2 = h2.value();
            c.a.send(new OpenFile("drop", h2));
            c.a.send(new OpenFile("keep", LedgerTransport.newHandle()));
            take(got).file().close();
            assertFalse(LedgerTransport.isOpen(v2), "a message nobody handled had its handle closed");
        }
    }

    @Test
    void aPipeEndInAFieldMovesToThePeerAndStillWorks() throws Exception {
        BlockingQueue<TestMessages.ChildProcessMsg.TakePipe> got = new LinkedBlockingQueue<>();
        try (Channels c = new Channels(new Channels.Reports(), MessageMap.builder().on(TestMessages.ChildProcessMsg.TakePipe.class, got::add).build())) {
            dev.switchboard.ipc.MessagePipe.Pair inner = dev.switchboard.ipc.MessagePipe.create();
            c.a.send(new TestMessages.ChildProcessMsg.TakePipe(inner.end1()));
            dev.switchboard.ipc.MessagePipe moved = take(got).pipe();
            inner.end0().write(dev.switchboard.ipc.Message.of(new byte[] {42}));
            try (dev.switchboard.ipc.Message m = moved.read(LONG)) {
                assertEquals(42, m.bytes()[0]);
            }
            moved.close();
            inner.end0().close();
        }
    }

    @Test
    void anInterruptedCallerFailsAndKeepsItsInterruptFlag() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        IpcListener b = MessageMap.builder().onSync(Ping.class, p -> {
            await(release);
            return 1;
        }).build();
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
            Thread caller = new Thread(() -> {
                try {
                    c.a.sendSync(new Ping(0, "i"), LONG);
                    outcome.add("returned");
                } catch (RuntimeException e) {
                    outcome.add(e);
                    outcome.add(Thread.currentThread().isInterrupted());
                }
            });
            caller.start();
            while (caller.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
            caller.interrupt();
            assertInstanceOf(InterruptedCallException.class, take(outcome));
            assertEquals(Boolean.TRUE, take(outcome));
            release.countDown();
        }
    }

    @Test
    void manyThreadsCallingAtOnceEachGetTheirOwnReply() throws Exception {
        IpcListener b = MessageMap.builder().onSync(Ping.class, p -> p.depth() * 2).build();
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            List<Thread> threads = new ArrayList<>();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            for (int t = 0; t < 4; t++) {
                int base = t * 1000;
                Thread th = new Thread(() -> {
                    try {
                        for (int i = 0; i < 300; i++) {
                            int got = c.a.sendSync(new Ping(base + i, "t"), LONG);
                            assertEquals((base + i) * 2, got);
                            c.a.send(new Seq(i)); // one-way sends interleave with the calls
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join(TimeUnit.MINUTES.toMillis(2));
            }
            assertEquals(List.of(), errors);
        }
    }

    @Test
    void closingTheChannelFailsAPendingCall() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        IpcListener b = MessageMap.builder().onSync(Ping.class, p -> {
            entered.countDown();
            await(release);
            return 1;
        }).build();
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            BlockingQueue<Object> outcome = new LinkedBlockingQueue<>();
            Thread caller = new Thread(() -> {
                try {
                    outcome.add(c.a.sendSync(new Ping(0, "c"), Duration.ofMinutes(5)));
                } catch (RuntimeException e) {
                    outcome.add(e);
                }
            });
            caller.start();
            assertTrue(entered.await(30, TimeUnit.SECONDS));
            c.a.close();
            assertInstanceOf(PeerClosedCallException.class, take(outcome));
            assertTrue(c.a.isClosed());
            release.countDown();
        }
    }

    @Test
    void aReplyAFilterSendsJustBeforeClosingStillArrives() throws Exception {
        try (Channels c = new Channels(new Channels.Reports(), new Channels.Reports())) {
            c.b.addFilter(m -> {
                m.reply(new Cookies("last words"));
                c.b.close();
                return true;
            });
            assertEquals(new Cookies("last words"), c.a.sendSync(new GetCookies(URI.create("a:b")), LONG));
        }
    }

    @Test
    void aReplyCarriesHandlesAndALateOneHasThemClosed() throws Exception {
        BlockingQueue<Long> made = new LinkedBlockingQueue<>();
        CountDownLatch slow = new CountDownLatch(1);
        IpcListener b = MessageMap.builder().onSync(TestMessages.ChildProcessMsg.OpenFor.class, o -> {
            PlatformHandle h = LedgerTransport.newHandle();
            made.add(h.value());
            if (o.path().equals("slow")) {
                await(slow);
            }
            return new TestMessages.FileReply(o.path(), h);
        }).build();
        try (Channels c = new Channels(new Channels.Reports(), b)) {
            TestMessages.FileReply r = c.a.sendSync(new TestMessages.ChildProcessMsg.OpenFor("fast"), LONG);
            long fast = take(made);
            assertEquals(fast, r.file().value());
            assertTrue(LedgerTransport.isOpen(fast));
            r.file().close();
            assertThrows(SyncTimeoutException.class,
                    () -> c.a.sendSync(new TestMessages.ChildProcessMsg.OpenFor("slow"), Duration.ofMillis(50)));
            long late = take(made);
            slow.countDown();
            // the late reply's handle is closed by the channel once it arrives
            TestMessages.FileReply after = c.a.sendSync(new TestMessages.ChildProcessMsg.OpenFor("after"), LONG);
            after.file().close();
            assertFalse(LedgerTransport.isOpen(late), "the late reply's handle leaked");
        }
    }

    @Test
    void sendRefusesUndeclaredAndMisusedMessages() throws Exception {
        try (Channels c = new Channels(new Channels.Reports(), new Channels.Reports())) {
            record Stray(int x) {}
            assertThrows(IllegalArgumentException.class, () -> c.a.send(new Stray(1)));
            assertThrows(IllegalArgumentException.class, () -> c.a.send(new GetCookies(URI.create("a:b"))));
            assertThrows(IllegalArgumentException.class, () -> c.a.sendSync(new Seq(1), LONG));
            assertThrows(IllegalArgumentException.class, () -> c.a.send(new HistogramData(null, List.of())));
        }
    }
}
