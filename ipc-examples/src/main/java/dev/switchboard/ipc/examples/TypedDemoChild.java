package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.examples.TypedDemoMessages.Cookies;
import dev.switchboard.ipc.examples.TypedDemoMessages.Renderer.CreateView;
import dev.switchboard.ipc.examples.TypedDemoMessages.RendererHost.Done;
import dev.switchboard.ipc.examples.TypedDemoMessages.RendererHost.GetCookies;
import dev.switchboard.ipc.examples.TypedDemoMessages.RendererHost.Histogram;
import dev.switchboard.ipc.examples.TypedDemoMessages.RendererHost.LoadResource;
import dev.switchboard.ipc.examples.TypedDemoMessages.ResourceResponse;
import dev.switchboard.ipc.examples.TypedDemoMessages.ViewHost.Paint;
import dev.switchboard.ipc.examples.TypedDemoMessages.ViewHost.TitleChanged;
import dev.switchboard.ipc.typed.IpcChannel;
import dev.switchboard.ipc.typed.MessageMap;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The renderer of the typed demo. Launched by {@link TypedDemo}; not meant to be started by hand. */
public final class TypedDemoChild {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static IpcChannel channel;

    public static void main(String[] args) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe pipe = invitation.extractMessagePipe("ipc");
        ExecutorService mainThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "renderer-main"));
        CompletableFuture<Void> closed = new CompletableFuture<>();
        // handlers use the channel: keep the main thread until it is assigned
        CountDownLatch ready = new CountDownLatch(1);
        mainThread.execute(() -> awaitQuietly(ready));
        channel = IpcChannel.over(pipe, TypedDemoMessages.TYPES, MessageMap.builder()
                .on(CreateView.class, TypedDemoChild::createView)
                .onPeerClosed(() -> closed.complete(null))
                .unhandledError()
                .build(), mainThread);
        ready.countDown();
        closed.get();
        say("the browser closed the channel; exiting");
        System.exit(0);
    }

    /** Runs on renderer-main: loads the page with sync calls, then paints the view. */
    private static void createView(CreateView v) {
        say("creating view " + v.routingId() + " for " + v.url());
        long started = System.nanoTime();
        List<Long> loadMicros = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            ResourceResponse r = channel.sendSync(new LoadResource(i, v.url() + "part" + i), WAIT);
            loadMicros.add((System.nanoTime() - t0) / 1000);
            say("resource #" + r.requestId() + ": " + r.status() + " " + r.mimeType() + " '"
                    + new String(r.body(), StandardCharsets.UTF_8) + "'");
        }
        Cookies cookies = channel.sendSync(new GetCookies(v.url()), WAIT);
        say("cookies: " + cookies.value());
        channel.send(v.routingId(), new TitleChanged("Example page"));
        channel.send(v.routingId(), new Paint(0, 0, 800, 600));
        channel.send(v.routingId(), new Paint(0, 600, 800, 200));
        channel.send(new Histogram("resource_load_us", loadMicros));
        channel.send(new Done(1));
        say("view " + v.routingId() + " ready in " + (System.nanoTime() - started) / 1_000_000 + " ms");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void say(String s) {
        System.out.println("[renderer] " + s);
        System.out.flush();
    }
}
