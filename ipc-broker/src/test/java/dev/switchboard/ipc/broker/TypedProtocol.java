package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.typed.MessageClass;
import dev.switchboard.ipc.typed.MessageId;
import dev.switchboard.ipc.typed.MessageTypes;
import dev.switchboard.ipc.typed.Sync;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The messages of the typed real-process tests. Both JVMs register the same closed set, except
 * where a test says otherwise.
 */
public final class TypedProtocol {

    private TypedProtocol() {}

    static final MessageTypes TYPES = MessageTypes.of(ChildHost.class, View.class, ChildControl.class);

    /** Child to parent, on the control route. */
    @MessageClass(id = 0x1c, name = "ChildHost")
    public sealed interface ChildHost {
        @MessageId(1) record Histogram(String name, List<Long> samples) implements ChildHost {}
        @MessageId(2) @Sync(reply = Cookies.class) record GetCookies(String url) implements ChildHost {}
        @MessageId(3) @Sync(reply = Resource.class) record ResourceRequest(int id, String url) implements ChildHost {}
        @MessageId(4) record Report(String text) implements ChildHost {}
        /** The parent's message map has no entry for it. */
        @MessageId(5) record Unexpected(int value) implements ChildHost {}
    }

    /** Routed, both ways: addressed to one view by its routing id. */
    @MessageClass(id = 0x1d, name = "View")
    public sealed interface View {
        @MessageId(1) record Paint(int route, int seq) implements View {}
    }

    /** Parent to child (and, for {@link Nest}, child to parent). */
    @MessageClass(id = 0x1e, name = "ChildControl")
    public sealed interface ChildControl {
        @MessageId(1) record Start(List<Integer> routes, int count) implements ChildControl {}
        @MessageId(2) @Sync(reply = Depth.class) record Nest(int depth) implements ChildControl {}
        @MessageId(3) @Sync(reply = Slept.class) record Sleep(int millis) implements ChildControl {}
        @MessageId(4) @Sync(reply = Slept.class) record Hang() implements ChildControl {}
        @MessageId(5) @Sync(reply = Depth.class) record Fail(String why) implements ChildControl {}
    }

    public record Cookies(String value) {}

    public record Resource(int id, int status, String body) {}

    /** A nested call's answer: how many calls deep it went, and the threads that answered, outermost last. */
    public record Depth(int depth, List<String> path) {}

    public record Slept(int millis) {}

    /** A Mojo-style interface bound with Remote / Receiver. */
    @MessageClass(id = 0x20, name = "Calculator")
    public interface Calculator {
        @MessageId(1) void log(String line);

        @MessageId(2) CompletableFuture<Integer> add(int a, int b);

        @MessageId(3) @Sync int mul(int a, int b);

        @MessageId(4) @Sync List<String> logged();
    }
}
