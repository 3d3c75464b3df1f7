package dev.switchboard.ipc.fuzz;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.Chain;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.Color;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.Empty;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.FileReply;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.FuzzedMsg;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.Money;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.Rect;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.Service;
import dev.switchboard.ipc.fuzz.PickleFuzzMessages.Tree;
import dev.switchboard.ipc.pickle.ParamCodec;
import dev.switchboard.ipc.pickle.Pickle;
import dev.switchboard.ipc.typed.MessageCodec;
import dev.switchboard.ipc.typed.MessageHeader;
import dev.switchboard.ipc.typed.MessageTypes;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The pickle target's seeds: valid messages of every shape in {@link PickleFuzzMessages}, each
 * as the target reads it (a handle-count byte, then the bytes the real encoder wrote).
 * {@code PickleSeedsTest} checks that the committed seeds are exactly these; after changing
 * them, rewrite the files with {@code main} (argument: the seeds directory).
 */
final class PickleSeeds {

    private static final MessageTypes TYPES = PickleFuzzMessages.TYPES;
    private static final int SYNC = MessageHeader.SYNC | MessageHeader.EXPECTS_REPLY;

    private PickleSeeds() {}

    static Map<String, byte[]> all() {
        Map<String, byte[]> s = new LinkedHashMap<>();
        s.put("prims-min", request(new FuzzedMsg.Prims(false, Byte.MIN_VALUE, Short.MIN_VALUE, Character.MIN_VALUE,
                Integer.MIN_VALUE, Long.MIN_VALUE, -0.0f, Double.NEGATIVE_INFINITY)));
        s.put("prims-max", request(new FuzzedMsg.Prims(true, Byte.MAX_VALUE, Short.MAX_VALUE, Character.MAX_VALUE,
                Integer.MAX_VALUE, Long.MAX_VALUE, Float.NaN, Double.MIN_VALUE)));
        // signalling NaNs with payloads: their exact bits must survive decoding and re-encoding
        s.put("prims-nan-payloads", request(new FuzzedMsg.Prims(true, (byte) 0, (short) 0, 'a', 0, 0L,
                Float.intBitsToFloat(0x7f800001), Double.longBitsToDouble(0xfff0000000000001L))));
        s.put("boxes", request(new FuzzedMsg.Boxes(true, (byte) -1, (short) 300, 'é', 7, -8L, 1.5f, -2.25)));
        s.put("texts", request(new FuzzedMsg.Texts("héllo wörld 𝄞 ✓", new byte[] {0, -1, 127, -128, 5},
                URI.create("https://user@example.com:8080/a%20b?q=1#frag"), new UUID(0x0123456789abcdefL, -2L))));
        s.put("texts-empty", request(new FuzzedMsg.Texts("", new byte[0], URI.create("urn:x"), new UUID(0, 0))));
        s.put("times", request(new FuzzedMsg.Times(Instant.ofEpochSecond(1_700_000_000L, 123_456_789),
                Duration.ofSeconds(-5, 999_999_999))));
        s.put("times-edges", request(new FuzzedMsg.Times(Instant.MIN, Duration.ofSeconds(Long.MAX_VALUE, 999_999_999))));
        Map<String, List<Long>> map = new LinkedHashMap<>();
        map.put("a", List.of(1L, -1L));
        map.put("", List.of());
        s.put("colls", request(new FuzzedMsg.Colls(List.of("x", "yz", ""), new LinkedHashSet<>(List.of(3, 1, 2)), map,
                Optional.of(new Rect(1, 2, 3, 4)), new LinkedHashSet<>(List.of(Color.BLUE, Color.RED)))));
        s.put("colls-empty", request(new FuzzedMsg.Colls(List.of(), Set.of(), Map.of(), Optional.empty(), Set.of())));
        Tree tree = new Tree("root", List.of(new Tree("a", List.of()), new Tree("b", List.of(new Tree("c", List.of())))));
        Chain chain = new Chain(1, Optional.of(new Chain(2, Optional.of(new Chain(3, Optional.empty())))));
        s.put("nested", request(new FuzzedMsg.Nested(tree, chain, Color.GREEN, new Empty(), List.of(new Empty(), new Empty()))));
        s.put("handles", withHandles(5, hs -> MessageCodec.encodeRequest(TYPES, 3, new FuzzedMsg.Handles(List.of(hs.get(0), hs.get(1)),
                Optional.of(hs.get(2)), Map.of(7, hs.get(3)), hs.get(4)), 0, 0)));
        s.put("handles-one", withHandles(1, hs -> MessageCodec.encodeRequest(TYPES, 3,
                new FuzzedMsg.Handles(List.of(), Optional.empty(), Map.of(), hs.get(0)), 0, 0)));
        s.put("take-pipe", take(0, raw(new MessageHeader(9, TYPES.typeIdOf(FuzzedMsg.TakePipe.class), 0, 0), p -> {
            p.writeString("pipe");
            p.writeInt(0); // index of a pipe end the target never supplies
        })));
        Map<String, Money> by = new LinkedHashMap<>();
        by.put("rent", new Money(100_000));
        by.put("food", new Money(0));
        s.put("wallet", request(new FuzzedMsg.Wallet(new Money(42), by, List.of(Optional.of(new Money(7)), Optional.empty()))));
        s.put("get-rect", take(0, MessageCodec.encodeRequest(TYPES, 2, new FuzzedMsg.GetRect(5), SYNC, 77)));
        s.put("get-rect-reply", take(0, MessageCodec.encodeReply(TYPES, 2, TYPES.typeIdOf(FuzzedMsg.GetRect.class), 77,
                new Rect(0, -1, 10, 20))));
        s.put("flush", take(0, MessageCodec.encodeRequest(TYPES, 2, new FuzzedMsg.Flush(), SYNC, 1)));
        s.put("flush-reply", take(0, MessageCodec.encodeReply(TYPES, 2, TYPES.typeIdOf(FuzzedMsg.Flush.class), 1, null)));
        s.put("open-for", take(0, MessageCodec.encodeRequest(TYPES, 4, new FuzzedMsg.OpenFor("/tmp/x"), SYNC, -3)));
        s.put("open-for-reply", withHandles(1, hs -> MessageCodec.encodeReply(TYPES, 4, TYPES.typeIdOf(FuzzedMsg.OpenFor.class), -3,
                new FileReply("/tmp/x", hs.get(0)))));
        s.put("error-reply", take(0, MessageCodec.encodeErrorReply(4, TYPES.typeIdOf(FuzzedMsg.OpenFor.class), 9, "no such file ✗")));
        // longer than the encoder ever sends (it cuts at MAX_ERROR_REASON chars); a peer may send it
        s.put("error-reply-long", take(0, raw(new MessageHeader(4, TYPES.typeIdOf(FuzzedMsg.OpenFor.class),
                MessageHeader.REPLY | MessageHeader.REPLY_ERROR, 9), p -> p.writeString("é".repeat(MessageCodec.MAX_ERROR_REASON + 1)))));
        s.put("bulk", request(new FuzzedMsg.Bulk(new byte[] {1, 2, 3, 4, 5, 6, 7}, List.of(0.5, Double.NaN, -0.0))));
        s.put("service-log", call("log", 0, 0, "started", Color.RED));
        s.put("service-add", call("add", MessageHeader.EXPECTS_REPLY, 11, 2, 3));
        s.put("service-add-reply", take(0, MessageCodec.encodeReply(TYPES, 1, typeId("add"), 11, 5)));
        s.put("service-mul", call("mul", SYNC, 12, 6L, -7L));
        s.put("service-mul-reply", take(0, MessageCodec.encodeReply(TYPES, 1, typeId("mul"), 12, -42L)));
        s.put("service-ping", call("ping", SYNC, 13));
        s.put("service-ping-reply", take(0, MessageCodec.encodeReply(TYPES, 1, typeId("ping"), 13, null)));
        s.put("service-pay", call("pay", MessageHeader.EXPECTS_REPLY, 14, new Money(250), Optional.of("tip")));
        s.put("service-pay-reply", take(0, MessageCodec.encodeReply(TYPES, 1, typeId("pay"), 14, null)));
        s.put("service-send", withHandles(1, hs -> encodeCall("send", 0, 0, hs.get(0), List.of(new Chain(0, Optional.empty())))));
        return s;
    }

    private static byte[] request(FuzzedMsg m) {
        return take(0, MessageCodec.encodeRequest(TYPES, 1, m, 0, 0));
    }

    /** The target's input: the handle count, then the message bytes. Closes the message. */
    private static byte[] take(int handles, Message m) {
        byte[] b = m.bytes();
        if (m.handleCount() != handles) {
            throw new IllegalStateException(m.handleCount() + " handles, expected " + handles);
        }
        m.close();
        byte[] out = new byte[b.length + 1];
        out[0] = (byte) handles;
        System.arraycopy(b, 0, out, 1, b.length);
        return out;
    }

    private static byte[] withHandles(int count, java.util.function.Function<List<PlatformHandle>, Message> encode) {
        return take(count, encode.apply(new FakeHandles(count).handles()));
    }

    private static Message raw(MessageHeader h, java.util.function.Consumer<Pickle> body) {
        Pickle p = new Pickle();
        h.writeTo(p);
        body.accept(p);
        return Message.of(p.toByteArray());
    }

    private static Method method(String name) {
        for (Method m : Service.class.getMethods()) {
            if (m.getName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static int typeId(String method) {
        return TYPES.typeIdOf(method(method));
    }

    /** A method message, written field by field with the registry's codecs (as a Remote would). */
    @SuppressWarnings("unchecked")
    private static Message encodeCall(String name, int flags, long requestId, Object... args) {
        Method m = method(name);
        Pickle p = new Pickle();
        new MessageHeader(1, TYPES.typeIdOf(m), flags, requestId).writeTo(p);
        Type[] ps = m.getGenericParameterTypes();
        for (int i = 0; i < ps.length; i++) {
            ((ParamCodec<Object>) TYPES.codecs().codecFor(ps[i])).write(p, args[i]);
        }
        List<PlatformHandle> hs = p.handles();
        return hs.isEmpty() ? Message.of(p.toByteArray()) : Message.of(p.toByteArray(), hs);
    }

    private static byte[] call(String name, int flags, long requestId, Object... args) {
        return take(0, encodeCall(name, flags, requestId, args));
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : all().entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
    }
}
