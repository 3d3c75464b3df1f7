package dev.switchboard.ipc.typed;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/** Message declarations shared by the typed tests. */
final class TestMessages {

    private TestMessages() {}

    enum Color { RED, GREEN, BLUE }

    record Cookies(String value) {}

    record FileReply(String path, PlatformHandle file) {}

    record Rect(int x, int y, int w, int h) {
        Rect {
            if (w < 0 || h < 0) {
                throw new IllegalArgumentException("negative size");
            }
        }
    }

    record Tree(String label, List<Tree> children) {}

    record Empty() {}

    @MessageClass(id = 0x1c, name = "ChildProcess")
    sealed interface ChildProcessMsg {
        @MessageId(1) record HistogramData(String name, List<Long> samples) implements ChildProcessMsg {}
        @MessageId(2) @Sync(reply = Cookies.class) record GetCookies(URI url) implements ChildProcessMsg {}
        @MessageId(3) record OpenFile(String path, PlatformHandle file) implements ChildProcessMsg {}
        @MessageId(4) record Paint(Rect rect) implements ChildProcessMsg {}
        @MessageId(5) @Sync(reply = Integer.class) record Ping(int depth, String via) implements ChildProcessMsg {}
        @MessageId(6) @Sync record Fail(String why) implements ChildProcessMsg {}
        @MessageId(7) record Seq(int n) implements ChildProcessMsg {}
        @MessageId(8) record TakePipe(MessagePipe pipe) implements ChildProcessMsg {}
        @MessageId(9) @Sync(reply = FileReply.class) record OpenFor(String path) implements ChildProcessMsg {}
    }

    @MessageClass(id = 0x2a, name = "Everything")
    sealed interface EverythingMsg {
        @MessageId(1) record Prims(boolean z, byte b, short s, char c, int i, long l, float f, double d) implements EverythingMsg {}
        @MessageId(2) record Boxes(Boolean z, Byte b, Short s, Character c, Integer i, Long l, Float f, Double d) implements EverythingMsg {}
        @MessageId(3) record Texts(String s, byte[] bytes, URI uri, UUID id) implements EverythingMsg {}
        @MessageId(4) record Times(Instant at, Duration took) implements EverythingMsg {}
        @MessageId(5) record Colls(List<String> list, Set<Integer> set, Map<String, List<Long>> map, Optional<Rect> maybe,
                                   Optional<String> none) implements EverythingMsg {}
        @MessageId(6) record Nested(Tree tree, Color color, Empty empty, List<Empty> empties) implements EverythingMsg {}
        @MessageId(7) record Handles(List<PlatformHandle> files, Optional<PlatformHandle> extra, PlatformHandle last)
                implements EverythingMsg {}
        @MessageId(8) record Bench(int id, String name, List<Long> values) implements EverythingMsg {}
    }

    @MessageClass(id = 0x30, name = "Calculator")
    interface Calculator {
        @MessageId(1) void log(String line);
        @MessageId(2) CompletableFuture<Integer> add(int a, int b);
        @MessageId(3) @Sync int mul(int a, int b);
        @MessageId(4) @Sync void fail(String why);
    }
}
