package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import dev.switchboard.ipc.examples.TypedDemoMessages.Cookies;
import dev.switchboard.ipc.examples.TypedDemoMessages.Renderer.CreateView;
import dev.switchboard.ipc.examples.TypedDemoMessages.RendererHost.Done;
import dev.switchboard.ipc.examples.TypedDemoMessages.RendererHost.GetCookies;
import dev.switchboard.ipc.examples.TypedDemoMessages.RendererHost.Histogram;
import dev.switchboard.ipc.examples.TypedDemoMessages.RendererHost.LoadResource;
import dev.switchboard.ipc.examples.TypedDemoMessages.ResourceResponse;
import dev.switchboard.ipc.examples.TypedDemoMessages.ViewHost.Paint;
import dev.switchboard.ipc.examples.TypedDemoMessages.ViewHost.TitleChanged;
import dev.switchboard.ipc.typed.IncomingMessage;
import dev.switchboard.ipc.typed.IpcChannel;
import dev.switchboard.ipc.typed.MessageFilter;
import dev.switchboard.ipc.typed.MessageMap;
import dev.switchboard.ipc.typed.MessageRouter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Typed messages between a "browser" (this parent) and a "renderer" ({@link TypedDemoChild}),
 * after Chromium's legacy IPC (docs/messages.md):
 *
 * <ul>
 *   <li>the parent creates a view: it allocates a routing id, adds a route for it to its
 *       {@link MessageRouter}, and tells the child with a control message;
 *   <li>it then blocks its main thread on purpose (as a long layout would). The child's
 *       synchronous resource and cookie requests are answered anyway, by a {@link MessageFilter}
 *       on the thread that delivers the channel's messages;
 *   <li>once the main thread is free, the routed paint messages reach the view's listener and the
 *       control messages the control listener, each in the order the child sent them.
 * </ul>
 */
public final class TypedDemo {

    private static final int RESOURCES = 3;

    public static void main(String[] args) throws Exception {
        PlatformChannel platformChannel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(TypedDemoChild.class)
                .passEndpoint(platformChannel.takeRemoteEndpoint())
                .start();
        say("launched the renderer, pid " + child.pid());
        OutgoingInvitation invitation = new OutgoingInvitation();
        MessagePipe pipe = invitation.attachMessagePipe("ipc");
        invitation.send(child, platformChannel.takeLocalEndpoint(), error -> {
            // a renderer that sends what we do not understand is not trusted any further
            say("process error " + error.kind() + ": " + error.reason() + "; killing the renderer");
            error.process().destroyForcibly();
        });

        ExecutorService mainThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "browser-main"));
        CompletableFuture<Done> done = new CompletableFuture<>();
        MessageRouter router = new MessageRouter(MessageMap.builder()
                .on(Histogram.class, h -> say("histogram '" + h.name() + "' " + h.samples() + " on " + thread()))
                .on(Done.class, done::complete)
                .unhandledError()
                .build());
        int viewId = router.nextRoutingId();
        router.addRoute(viewId, MessageMap.builder()
                .on(Paint.class, p -> say("view " + viewId + " painted " + p.x() + "," + p.y() + " " + p.width() + "x"
                        + p.height() + " on " + thread()))
                .on(TitleChanged.class, t -> say("view " + viewId + " title: '" + t.title() + "'"))
                .unhandledError()
                .build());

        IpcChannel channel = IpcChannel.over(pipe, TypedDemoMessages.TYPES, router, mainThread);
        ResourceFilter resources = new ResourceFilter(RESOURCES);
        channel.addFilter(resources);

        mainThread.execute(() -> {
            say("main thread busy (say, a long layout) until the filter has answered " + RESOURCES + " requests");
            try {
                if (!resources.answered.await(30, TimeUnit.SECONDS)) {
                    say("the renderer's requests never came");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            say("main thread free again: " + resources.answered() + " resource request(s) were answered by the filter "
                    + "while it was blocked");
        });
        channel.send(new CreateView(viewId, "https://example.test/"));
        say("created view " + viewId + " and told the renderer (control message)");

        Done d = done.get(30, TimeUnit.SECONDS);
        say("renderer done: " + d.views() + " view(s)");
        router.removeRoute(viewId);
        channel.close();
        mainThread.shutdown();
        say("closed the channel; child exited with status " + child.onExit().get());
    }

    /**
     * Answers the renderer's resource and cookie requests where they arrive, on the delivery
     * thread, so that a busy main thread does not hold them up. It must not block: it only
     * looks up an answer and replies.
     */
    private static final class ResourceFilter implements MessageFilter {
        final CountDownLatch answered;

        ResourceFilter(int expected) {
            answered = new CountDownLatch(expected);
        }

        long answered() {
            return RESOURCES - answered.getCount();
        }

        @Override
        public boolean onMessageReceived(IncomingMessage m) {
            if (m.message() instanceof LoadResource r) {
                byte[] body = ("<p>resource " + r.requestId() + "</p>").getBytes(StandardCharsets.UTF_8);
                m.reply(new ResourceResponse(r.requestId(), 200, "text/html", body));
                say("filter answered LoadResource #" + r.requestId() + " (" + r.url() + ") on " + where());
                answered.countDown();
                return true;
            }
            if (m.message() instanceof GetCookies c) {
                m.reply(new Cookies("session=42; theme=dark"));
                say("filter answered GetCookies for " + c.url() + " on " + where());
                return true;
            }
            return false; // everything else goes to the router on the main thread
        }

        private static String where() {
            return thread().equals("browser-main") ? "the main thread" : "the delivery thread, not browser-main";
        }
    }

    private static String thread() {
        return Thread.currentThread().getName();
    }

    private static void say(String s) {
        System.out.println("[browser] " + s);
        System.out.flush();
    }
}
