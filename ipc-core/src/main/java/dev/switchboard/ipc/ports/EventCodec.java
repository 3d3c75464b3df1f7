package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Internal: encodes and decodes {@link Event}s: pure functions over {@link ByteBuffer}s, little-endian,
 * packed, layouts in docs/ports.md. A user message's payload is an opaque tail: the caller supplies
 * its bytes when encoding and gets them back as a slice ({@link BytesPayload}) when decoding; OS
 * handles travel beside the bytes and are counted by the frame that carries the event, not here.
 * Decoding checks every count and length before using it and rejects anything the layout does not
 * allow with a {@link ProtocolException} that names the field.
 */
public final class EventCodec {

    /** Bytes common to every event: type, target port, sending port. */
    public static final int HEADER_SIZE = 1 + 2 * Id128.SIZE;

    /** Bytes of one {@link PortDescriptor}. */
    public static final int DESCRIPTOR_SIZE = 5 * Id128.SIZE + 3 * 8 + 1;

    /** Bytes of a user message before its descriptors: header, sequence number, port count. */
    public static final int USER_MESSAGE_FIXED_SIZE = HEADER_SIZE + 8 + 2;

    /** Most ports one user message may carry. */
    public static final int MAX_PORTS_PER_MESSAGE = 64;

    static final int USER_MESSAGE = 1;
    static final int PORT_ACCEPTED = 2;
    static final int OBSERVE_PROXY = 3;
    static final int OBSERVE_PROXY_ACK = 4;
    static final int OBSERVE_CLOSURE = 5;
    static final int UPDATE_PREVIOUS = 6;
    static final int ROUTE_LOST = 7;

    private static final int PEER_CLOSED_FLAG = 0x01;

    private EventCodec() {}

    /** Bytes {@code event} occupies when encoded with a user payload of {@code userBytes} bytes. */
    public static int encodedLength(Event event, int userBytes) {
        if (userBytes < 0) {
            throw new IllegalArgumentException("negative payload length " + userBytes);
        }
        if (event instanceof Event.UserMessage m) {
            return USER_MESSAGE_FIXED_SIZE + m.ports().size() * DESCRIPTOR_SIZE + userBytes;
        }
        if (userBytes != 0) {
            throw new IllegalArgumentException(typeName(event) + " has no user payload");
        }
        return HEADER_SIZE + bodySize(event);
    }

    /** A fresh buffer holding {@code event}, flipped; for events other than user messages. */
    public static ByteBuffer encode(Event event) {
        return encode(event, null);
    }

    /**
     * A fresh buffer holding {@code event} followed by {@code userBytes} (read without moving its
     * position), flipped. {@code userBytes} may be non-empty only for a user message.
     */
    public static ByteBuffer encode(Event event, ByteBuffer userBytes) {
        int tail = userBytes == null ? 0 : userBytes.remaining();
        ByteBuffer out = ByteBuffer.allocate(encodedLength(event, tail));
        encode(event, userBytes, out);
        return out.flip();
    }

    /**
     * Writes {@code event} and then {@code userBytes} at {@code out}'s position, which advances by
     * {@link #encodedLength}. The event must satisfy the same rules {@link #decode} enforces.
     */
    public static void encode(Event event, ByteBuffer userBytes, ByteBuffer out) {
        try {
            EventChecks.validate(event);
        } catch (ProtocolException e) {
            throw new IllegalArgumentException("cannot encode: " + e.getMessage(), e);
        }
        int tail = userBytes == null ? 0 : userBytes.remaining();
        int length = encodedLength(event, tail);
        if (out.remaining() < length) {
            throw new IllegalArgumentException("need " + length + " bytes, buffer has " + out.remaining());
        }
        ByteOrder saved = out.order();
        out.order(ByteOrder.LITTLE_ENDIAN);
        try {
            out.put((byte) typeCode(event));
            putId(out, event.port());
            putId(out, event.from());
            if (event instanceof Event.UserMessage m) {
                out.putLong(m.sequence());
                out.putShort((short) m.ports().size());
                for (PortDescriptor d : m.ports()) {
                    putId(out, d.name());
                    putId(out, d.peerNode());
                    putId(out, d.peerPort());
                    putId(out, d.referringNode());
                    putId(out, d.referringPort());
                    out.putLong(d.nextSequenceToSend());
                    out.putLong(d.nextSequenceToReceive());
                    out.putLong(d.lastSequenceToReceive());
                    out.put((byte) (d.peerClosed() ? PEER_CLOSED_FLAG : 0));
                }
                if (tail > 0) {
                    out.put(userBytes.duplicate());
                }
            } else if (event instanceof Event.ObserveProxy p) {
                putId(out, p.targetNode());
                putId(out, p.targetPort());
            } else if (event instanceof Event.ObserveProxyAck a) {
                out.putLong(a.lastSequence());
            } else if (event instanceof Event.ObserveClosure c) {
                out.putLong(c.lastSequence());
            } else if (event instanceof Event.UpdatePrevious u) {
                putId(out, u.previousNode());
                putId(out, u.previousPort());
            }
        } finally {
            out.order(saved);
        }
    }

    /**
     * Decodes the one event that fills {@code in} from its position to its limit, without moving
     * its position. A user message's payload is a {@link BytesPayload} over the tail of {@code in}.
     *
     * @throws ProtocolException naming the first thing that is wrong
     */
    public static Event decode(ByteBuffer in) throws ProtocolException {
        ByteBuffer b = in.slice().order(ByteOrder.LITTLE_ENDIAN);
        need(b, 1, "event type");
        int type = b.get() & 0xff;
        String what = typeName(type);
        if (what == null) {
            throw new ProtocolException(String.format("unknown event type 0x%02x", type));
        }
        Id128 port = id(b, what + " target port");
        Id128 from = id(b, what + " sending port");
        Event event;
        switch (type) {
            case USER_MESSAGE -> {
                need(b, 8, what + " sequence number");
                long sequence = b.getLong();
                need(b, 2, what + " port count");
                int count = b.getShort() & 0xffff;
                if (count > MAX_PORTS_PER_MESSAGE) {
                    throw new ProtocolException(what + " carries " + count + " ports, limit is " + MAX_PORTS_PER_MESSAGE);
                }
                List<PortDescriptor> ports = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    String d = what + " port descriptor " + i;
                    need(b, DESCRIPTOR_SIZE, d);
                    Id128 name = readId(b);
                    Id128 peerNode = readId(b);
                    Id128 peerPort = readId(b);
                    Id128 referringNode = readId(b);
                    Id128 referringPort = readId(b);
                    long nextSend = b.getLong();
                    long nextReceive = b.getLong();
                    long lastReceive = b.getLong();
                    int flags = b.get() & 0xff;
                    if ((flags & ~PEER_CLOSED_FLAG) != 0) {
                        throw new ProtocolException(String.format("%s flags 0x%02x has unknown bits", d, flags));
                    }
                    ports.add(new PortDescriptor(name, peerNode, peerPort, referringNode, referringPort,
                            nextSend, nextReceive, lastReceive, (flags & PEER_CLOSED_FLAG) != 0));
                }
                ByteBuffer tail = b.slice();
                b.position(b.limit());
                event = new Event.UserMessage(port, from, sequence, ports, new BytesPayload(tail));
            }
            case PORT_ACCEPTED -> event = new Event.PortAccepted(port, from);
            case OBSERVE_PROXY -> event = new Event.ObserveProxy(port, from,
                    id(b, what + " target node"), id(b, what + " target port of the proxy"));
            case OBSERVE_PROXY_ACK -> {
                need(b, 8, what + " last sequence number");
                event = new Event.ObserveProxyAck(port, from, b.getLong());
            }
            case OBSERVE_CLOSURE -> {
                need(b, 8, what + " last sequence number");
                event = new Event.ObserveClosure(port, from, b.getLong());
            }
            case UPDATE_PREVIOUS -> event = new Event.UpdatePrevious(port, from,
                    id(b, what + " previous node"), id(b, what + " previous port"));
            case ROUTE_LOST -> event = new Event.RouteLost(port, from);
            default -> throw new AssertionError(type);
        }
        if (b.hasRemaining()) {
            throw new ProtocolException(what + " has " + b.remaining() + " trailing bytes");
        }
        EventChecks.validate(event);
        return event;
    }

    static String typeName(Event event) {
        return typeName(typeCode(event));
    }

    private static String typeName(int type) {
        return switch (type) {
            case USER_MESSAGE -> "USER_MESSAGE";
            case PORT_ACCEPTED -> "PORT_ACCEPTED";
            case OBSERVE_PROXY -> "OBSERVE_PROXY";
            case OBSERVE_PROXY_ACK -> "OBSERVE_PROXY_ACK";
            case OBSERVE_CLOSURE -> "OBSERVE_CLOSURE";
            case UPDATE_PREVIOUS -> "UPDATE_PREVIOUS";
            case ROUTE_LOST -> "ROUTE_LOST";
            default -> null;
        };
    }

    private static int typeCode(Event event) {
        if (event instanceof Event.UserMessage) {
            return USER_MESSAGE;
        } else if (event instanceof Event.PortAccepted) {
            return PORT_ACCEPTED;
        } else if (event instanceof Event.ObserveProxy) {
            return OBSERVE_PROXY;
        } else if (event instanceof Event.ObserveProxyAck) {
            return OBSERVE_PROXY_ACK;
        } else if (event instanceof Event.ObserveClosure) {
            return OBSERVE_CLOSURE;
        } else if (event instanceof Event.UpdatePrevious) {
            return UPDATE_PREVIOUS;
        } else if (event instanceof Event.RouteLost) {
            return ROUTE_LOST;
        }
        throw new AssertionError(event);
    }

    private static int bodySize(Event event) {
        if (event instanceof Event.ObserveProxy) {
            return 2 * Id128.SIZE;
        } else if (event instanceof Event.ObserveProxyAck || event instanceof Event.ObserveClosure) {
            return 8;
        } else if (event instanceof Event.UpdatePrevious) {
            return 2 * Id128.SIZE;
        }
        return 0;
    }

    private static void putId(ByteBuffer out, Id128 id) {
        out.putLong(id.high());
        out.putLong(id.low());
    }

    private static Id128 id(ByteBuffer b, String what) throws ProtocolException {
        need(b, Id128.SIZE, what);
        return readId(b);
    }

    private static void need(ByteBuffer b, int n, String what) throws ProtocolException {
        if (b.remaining() < n) {
            throw new ProtocolException(what + " truncated: need " + n + " bytes, " + b.remaining() + " left");
        }
    }

    // Id128's own reader is private to the wire package; the layout (high u64, then low) is the same.
    private static Id128 readId(ByteBuffer b) {
        long high = b.getLong();
        long low = b.getLong();
        return new Id128(high, low);
    }
}
