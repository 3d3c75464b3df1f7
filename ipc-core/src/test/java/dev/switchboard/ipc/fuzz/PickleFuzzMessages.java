package dev.switchboard.ipc.fuzz;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.ParamCodecs;
import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.pickle.PickleReader;
import dev.switchboard.ipc.typed.MessageClass;
import dev.switchboard.ipc.typed.MessageId;
import dev.switchboard.ipc.typed.MessageTypes;
import dev.switchboard.ipc.typed.Sync;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * The registry the pickle fuzz target decodes against: between them, its messages use every
 * built-in codec (primitives, boxes, String, byte[], enum, List, Set, Map, Optional, UUID,
 * Instant, Duration, URI, PlatformHandle, MessagePipe), records that are nested, empty,
 * validating and recursive, a user codec, sync records with reply types (empty, a record, a
 * record holding a handle) and method messages (one-way, async and sync).
 */
final class PickleFuzzMessages {

    private PickleFuzzMessages() {}

    enum Color { RED, GREEN, BLUE }

    record Empty() {}

    /** Refuses a negative size: decoding must turn that into a PickleException. */
    record Rect(int x, int y, int w, int h) {
        Rect {
            if (w < 0 || h < 0) {
                throw new IllegalArgumentException("negative size");
            }
        }
    }

    /** Recursive through a list. */
    record Tree(String label, List<Tree> children) {}

    /** Recursive through an optional. */
    record Chain(int value, Optional<Chain> next) {}

    record FileReply(String path, PlatformHandle file) {}

    /** A user type that is not a record: only its registered codec can read it. */
    record Money(long cents) {}

    /** Thrown by {@link #MONEY}'s read for a negative amount: a user codec may throw anything. */
    static final class MoneyRefused extends RuntimeException {
        MoneyRefused(long cents) {
            super("negative amount " + cents, null, false, false);
        }
    }

    /** int64 cents; refuses negative amounts by throwing its own exception, not a PickleException. */
    static final ParamCodec<Money> MONEY = new ParamCodec<>() {
        @Override
        public void write(Pickle p, Money v) {
            p.writeLong(v.cents());
        }

        @Override
        public Money read(PickleReader r) {
            long c = r.readLong();
            if (c < 0) {
                throw new MoneyRefused(c);
            }
            return new Money(c);
        }

        @Override
        public int minWireSize() {
            return 8;
        }
    };

    @MessageClass(id = 0x51, name = "Fuzzed")
    sealed interface FuzzedMsg {
        @MessageId(1) record Prims(boolean z, byte b, short s, char c, int i, long l, float f, double d) implements FuzzedMsg {}
        @MessageId(2) record Boxes(Boolean z, Byte b, Short s, Character c, Integer i, Long l, Float f, Double d) implements FuzzedMsg {}
        @MessageId(3) record Texts(String s, byte[] bytes, URI uri, UUID id) implements FuzzedMsg {}
        @MessageId(4) record Times(Instant at, Duration took) implements FuzzedMsg {}
        @MessageId(5) record Colls(List<String> list, Set<Integer> set, Map<String, List<Long>> map, Optional<Rect> maybe,
                                   Set<Color> colors) implements FuzzedMsg {}
        @MessageId(6) record Nested(Tree tree, Chain chain, Color color, Empty empty, List<Empty> empties) implements FuzzedMsg {}
        @MessageId(7) record Handles(List<PlatformHandle> files, Optional<PlatformHandle> extra, Map<Integer, PlatformHandle> named,
                                     PlatformHandle last) implements FuzzedMsg {}
        @MessageId(8) record TakePipe(String name, MessagePipe pipe) implements FuzzedMsg {}
        @MessageId(9) record Wallet(Money total, Map<String, Money> by, List<Optional<Money>> history) implements FuzzedMsg {}
        @MessageId(10) @Sync(reply = Rect.class) record GetRect(int id) implements FuzzedMsg {}
        @MessageId(11) @Sync record Flush() implements FuzzedMsg {}
        @MessageId(12) @Sync(reply = FileReply.class) record OpenFor(String path) implements FuzzedMsg {}
        @MessageId(0xFFFF) record Bulk(byte[] data, List<Double> samples) implements FuzzedMsg {}
    }

    @MessageClass(id = 0x52, name = "Service")
    interface Service {
        @MessageId(1) void log(String line, Color level);
        @MessageId(2) CompletableFuture<Integer> add(int a, int b);
        @MessageId(3) @Sync long mul(long a, long b);
        @MessageId(4) @Sync void ping();
        @MessageId(5) CompletableFuture<Void> pay(Money amount, Optional<String> memo);
        @MessageId(6) void send(PlatformHandle file, List<Chain> meta);
    }

    static final MessageTypes TYPES =
            MessageTypes.of(ParamCodecs.builder().add(Money.class, MONEY).build(), FuzzedMsg.class, Service.class);
}
