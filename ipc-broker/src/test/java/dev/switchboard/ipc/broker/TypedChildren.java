package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.MessagePipe;
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
import dev.switchboard.ipc.broker.TypedProtocol.ChildHost.Unexpected;
import dev.switchboard.ipc.broker.TypedProtocol.Cookies;
import dev.switchboard.ipc.broker.TypedProtocol.Depth;
import dev.switchboard.ipc.broker.TypedProtocol.Resource;
import dev.switchboard.ipc.broker.TypedProtocol.Slept;
import dev.switchboard.ipc.broker.TypedProtocol.View.Paint;
import dev.switchboard.ipc.typed.IncomingMessage;
import dev.switchboard.ipc.typed.IpcChannel;
import dev.switchboard.ipc.typed.IpcListener;
import dev.switchboard.ipc.typed.MessageMap;
import dev.switchboard.ipc.typed.Receiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The child programs of {@link TypedChannelTest}. Each accepts the invitation, wraps pipe "ipc"
 * in an {@link IpcChannel} whose listener runs on a single "child-main" thread, and exits when
 * the parent hangs up.
 */
final class TypedChildren {

    private TypedChildren() {}

    static final String PIPE = "ipc";
    static final Duration WAIT = Duration.ofSeconds(30);

    /** On {@code Start(routes, count)}: {@code count} rounds of one Paint per route then one Histogram, then Report("sent"). */
    public static final class RoutedSender {
        public static void main(String[] args) throws Exception {
            AtomicReference<IpcChannel> channel = new AtomicReference<>();
            serve(channel, MessageMap.builder()
                    .on(Start.class, start -> {
                        IpcChannel c = channel.get();
                        for (int i = 0; i < start.count(); i++) {
                            for (int route : start.routes()) {
                                c.send(route, new Paint(route, i));
                            }
                            c.send(new Histogram("round", List.of((long) i)));
                        }
                        c.send(new Report("sent"));
                    })
                    .unhandledError()
                    .build());
        }
    }

    /**
     * On {@code Start(_, count)}: {@code count} sync ResourceRequests and one sync GetCookies,
     * made from the child's main thread, then Report("resources ID:STATUS:BODY,... cookies VALUE").
     */
    public static final class ResourceClient {
        public static void main(String[] args) throws Exception {
            AtomicReference<IpcChannel> channel = new AtomicReference<>();
            serve(channel, MessageMap.builder()
                    .on(Start.class, start -> {
                        IpcChannel c = channel.get();
                        List<String> got = new ArrayList<>();
                        for (int i = 0; i < start.count(); i++) {
                            Resource r = c.sendSync(new ResourceRequest(i, "https://example.test/" + i), WAIT);
                            got.add(r.id() + ":" + r.status() + ":" + r.body());
                        }
                        Cookies cookies = c.sendSync(new GetCookies("https://example.test/"), WAIT);
                        c.send(new Report("resources " + String.join(",", got) + " cookies " + cookies.value()));
                    })
                    .unhandledError()
                    .build());
        }
    }

    /**
     * Answers {@code Nest(d)}: at depth 0 directly, else by calling the parent with
     * {@code Nest(d - 1)} from inside the handler and adding its own step to the answer.
     */
    public static final class Nester {
        public static void main(String[] args) throws Exception {
            AtomicReference<IpcChannel> channel = new AtomicReference<>();
            serve(channel, MessageMap.builder()
                    .onSync(Nest.class, n -> nest(channel.get(), "child", n))
                    .unhandledError()
                    .build());
        }
    }

    /** Both sides of the nesting test answer Nest the same way. */
    static Depth nest(IpcChannel channel, String side, Nest n) {
        String step = side + "@" + Thread.currentThread().getName();
        if (n.depth() == 0) {
            return new Depth(0, List.of(step));
        }
        Depth inner = channel.sendSync(new Nest(n.depth() - 1), WAIT);
        List<String> path = new ArrayList<>(inner.path());
        path.add(step);
        return new Depth(inner.depth() + 1, path);
    }

    /**
     * Sleep(ms): sends Histogram("during"), sleeps, answers. Hang: sends Report("hanging") and
     * never answers. Fail(why): the handler throws.
     */
    public static final class SlowCallee {
        public static void main(String[] args) throws Exception {
            AtomicReference<IpcChannel> channel = new AtomicReference<>();
            serve(channel, MessageMap.builder()
                    .onSync(Sleep.class, s -> {
                        channel.get().send(new Histogram("during", List.of((long) s.millis())));
                        TestSupport.sleep(s.millis());
                        return new Slept(s.millis());
                    })
                    .onSync(Hang.class, h -> {
                        channel.get().send(new Report("hanging"));
                        TestSupport.sleep(Long.MAX_VALUE);
                        return new Slept(-1);
                    })
                    .onSync(Fail.class, f -> {
                        throw new IllegalStateException(f.why());
                    })
                    .unhandledError()
                    .build());
        }
    }

    /** Sends a message the parent's map does not handle, then waits to be killed. */
    public static final class SendsUnexpected {
        public static void main(String[] args) throws Exception {
            AtomicReference<IpcChannel> channel = new AtomicReference<>();
            serve(channel, MessageMap.builder()
                    .on(Start.class, s -> channel.get().send(new Unexpected(s.count())))
                    .unhandledError()
                    .build());
        }
    }

    /** Serves {@link Calculator} on "ipc" with a {@link Receiver}. */
    public static final class CalculatorService {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe pipe = inv.extractMessagePipe(PIPE);
            ExecutorService main = Executors.newSingleThreadExecutor(r -> new Thread(r, "child-main"));
            List<String> lines = new CopyOnWriteArrayList<>();
            Calculator impl = new Calculator() {
                @Override
                public void log(String line) {
                    lines.add(line);
                }

                @Override
                public CompletableFuture<Integer> add(int a, int b) {
                    return CompletableFuture.completedFuture(a + b);
                }

                @Override
                public int mul(int a, int b) {
                    return a * b;
                }

                @Override
                public List<String> logged() {
                    return List.copyOf(lines);
                }
            };
            Receiver<Calculator> receiver = Receiver.bind(pipe, Calculator.class, impl, main);
            // exits once the parent hung up and every call it sent has run
            receiver.disconnected().join();
            System.exit(0);
        }
    }

    /** Accepts, builds the channel with {@code map} on a "child-main" thread, and waits for the parent to hang up. */
    private static void serve(AtomicReference<IpcChannel> channel, IpcListener map) throws Exception {
        IncomingInvitation inv = IncomingInvitation.accept();
        MessagePipe pipe = inv.extractMessagePipe(PIPE);
        ExecutorService main = Executors.newSingleThreadExecutor(r -> new Thread(r, "child-main"));
        CompletableFuture<Void> closed = new CompletableFuture<>();
        IpcListener listener = new IpcListener() {
            @Override
            public boolean onMessage(IncomingMessage message) {
                return map.onMessage(message);
            }

            @Override
            public void onPeerClosed() {
                closed.complete(null);
            }
        };
        // handlers use the channel: hold the main thread until it is published
        CountDownLatch published = new CountDownLatch(1);
        main.execute(() -> awaitUninterruptibly(published));
        channel.set(IpcChannel.over(pipe, TypedProtocol.TYPES, listener, main));
        published.countDown();
        closed.get();
        System.exit(0);
    }

    static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
