package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.typed.MessageClass;
import dev.switchboard.ipc.typed.MessageId;
import dev.switchboard.ipc.typed.MessageTypes;
import dev.switchboard.ipc.typed.Sync;
import java.util.List;

/**
 * The messages of the typed demo, shared by {@link TypedDemo} (the "browser") and
 * {@link TypedDemoChild} (the "renderer"). Both register the same closed set.
 */
public final class TypedDemoMessages {

    private TypedDemoMessages() {}

    public static final MessageTypes TYPES = MessageTypes.of(Renderer.class, RendererHost.class, ViewHost.class);

    /** Browser to renderer, control. */
    @MessageClass(id = 0x30, name = "Renderer")
    public sealed interface Renderer {
        /** Create a view; its messages come back routed with {@code routingId}. */
        @MessageId(1) record CreateView(int routingId, String url) implements Renderer {}
    }

    /** Renderer to browser, control. The two sync ones are answered by the browser's I/O-thread filter. */
    @MessageClass(id = 0x31, name = "RendererHost")
    public sealed interface RendererHost {
        @MessageId(1) @Sync(reply = ResourceResponse.class) record LoadResource(int requestId, String url) implements RendererHost {}
        @MessageId(2) @Sync(reply = Cookies.class) record GetCookies(String url) implements RendererHost {}
        @MessageId(3) record Histogram(String name, List<Long> samples) implements RendererHost {
            /** Keeps its own immutable copy, so that the sender can reuse its list. */
            public Histogram {
                samples = List.copyOf(samples);
            }
        }
        @MessageId(4) record Done(int views) implements RendererHost {}
    }

    /** Renderer to browser, routed to one view. */
    @MessageClass(id = 0x32, name = "ViewHost")
    public sealed interface ViewHost {
        @MessageId(1) record Paint(int x, int y, int width, int height) implements ViewHost {}
        @MessageId(2) record TitleChanged(String title) implements ViewHost {}
    }

    public record ResourceResponse(int requestId, int status, String mimeType, byte[] body) {}

    public record Cookies(String value) {}
}
