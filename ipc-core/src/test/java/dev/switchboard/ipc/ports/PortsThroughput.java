package dev.switchboard.ipc.ports;

import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Not a test: prints how many times per second a pipe end can move between two in-memory nodes.
 * One move = send the end inside a message over a carrier pipe, deliver every event until the
 * nodes are quiet (the proxy left behind included), and read it out on the other side. Run with
 * {@code java -cp ipc-core/target/classes:ipc-core/target/test-classes:<slf4j-api.jar>
 * dev.switchboard.ipc.ports.PortsThroughput [moves]}.
 */
public final class PortsThroughput {

    private record Envelope(int to, Id128 from, Event event) {}

    private final Node[] nodes = new Node[2];
    private final Id128[] names = {new Id128(0x1000, 1), new Id128(0x2000, 2)};
    private final ArrayDeque<Envelope> wire = new ArrayDeque<>();
    private final boolean codec;
    private long events;

    private PortsThroughput(boolean codec) {
        this.codec = codec;
        for (int i = 0; i < 2; i++) {
            int self = i;
            nodes[i] = new Node(names[i], new NodeDelegate() {
                @Override
                public void forwardEvent(Id128 node, Event event) {
                    wire.add(new Envelope(1 - self, names[self], event));
                }

                @Override
                public void portStatusChanged(PortRef port) {}
            });
        }
    }

    private void pump() throws ProtocolException {
        Envelope e;
        while ((e = wire.poll()) != null) {
            events++;
            Event event = e.event();
            if (codec) {
                UserPayload original = event instanceof Event.UserMessage m ? m.payload() : null;
                event = EventCodec.decode(EventCodec.encode(event, original != null ? ByteBuffer.allocate(16) : null));
                if (original != null) {
                    event = ((Event.UserMessage) event).withPayload(original);
                }
            }
            nodes[e.to()].acceptEvent(e.from(), event);
        }
    }

    private double run(int moves) throws ProtocolException {
        PortRef[] carrier = {nodes[0].createUninitializedPort(), nodes[1].createUninitializedPort()};
        nodes[0].initializePort(carrier[0], names[1], carrier[1].name());
        nodes[1].initializePort(carrier[1], names[0], carrier[0].name());
        PortPair pipe = nodes[0].createPortPair();
        PortRef end = pipe.second();
        UserPayload payload = new UserPayload() {};
        int at = 0;
        long start = System.nanoTime();
        for (int i = 0; i < moves; i++) {
            nodes[at].sendUserMessage(carrier[at], payload, List.of(end));
            pump();
            at = 1 - at;
            end = nodes[at].getMessage(carrier[at]).ports().get(0);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (nodes[0].proxyCount() + nodes[1].proxyCount() != 0) {
            throw new AssertionError("proxies left over");
        }
        return moves / seconds;
    }

    public static void main(String[] args) throws Exception {
        int moves = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        for (boolean codec : new boolean[] {false, true}) {
            new PortsThroughput(codec).run(moves / 4); // warm-up
            PortsThroughput t = new PortsThroughput(codec);
            double rate = t.run(moves);
            System.out.printf("%s: %,d moves in-memory, %.0f moves/s, %.1f events per move%n",
                    codec ? "with EventCodec round trip" : "engine only", moves, rate, (double) t.events / moves);
        }
    }
}
