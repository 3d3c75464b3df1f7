package dev.switchboard.ipc.bench.jmh;

import dev.switchboard.ipc.ports.Event;
import dev.switchboard.ipc.ports.Node;
import dev.switchboard.ipc.ports.NodeDelegate;
import dev.switchboard.ipc.ports.PortPair;
import dev.switchboard.ipc.ports.PortRef;
import dev.switchboard.ipc.ports.ReceivedMessage;
import dev.switchboard.ipc.ports.UserPayload;
import dev.switchboard.ipc.wire.Id128;
import dev.switchboard.ipc.wire.ProtocolException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The ports engine's own cost, without I/O: a message through a local pipe, a message across two
 * nodes (events handed over in memory), and moving a pipe end to the other node and back.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PortsRoutingBenchmark {

    private static final UserPayload PAYLOAD = new UserPayload() {};

    /** Two nodes whose events wait in one FIFO until {@link #pump()} delivers them. */
    private final ArrayDeque<Object[]> wire = new ArrayDeque<>();
    private Node a;
    private Node b;
    private PortPair local;
    private PortRef toB;
    private PortRef atB;
    private PortRef carrierA;
    private PortRef carrierB;

    private final class Wire implements NodeDelegate {
        @Override
        public void forwardEvent(Id128 node, Event event) {
            wire.add(new Object[] {node, event});
        }

        @Override
        public void portStatusChanged(PortRef port) {}
    }

    @Setup
    public void setUp() throws ProtocolException {
        a = new Node(Id128.random(), new Wire());
        b = new Node(Id128.random(), new Wire());
        local = a.createPortPair();
        PortRef x = a.createUninitializedPort();
        PortRef y = b.createUninitializedPort();
        a.initializePort(x, b.name(), y.name());
        b.initializePort(y, a.name(), x.name());
        toB = x;
        atB = y;
        PortRef cx = a.createUninitializedPort();
        PortRef cy = b.createUninitializedPort();
        a.initializePort(cx, b.name(), cy.name());
        b.initializePort(cy, a.name(), cx.name());
        carrierA = cx;
        carrierB = cy;
        pump();
    }

    private void pump() throws ProtocolException {
        Object[] e;
        while ((e = wire.poll()) != null) {
            Id128 dest = (Id128) e[0];
            Node from = dest.equals(a.name()) ? b : a;
            (dest.equals(a.name()) ? a : b).acceptEvent(from.name(), (Event) e[1]);
        }
    }

    @Benchmark
    public ReceivedMessage localPipe() {
        a.sendUserMessage(local.first(), PAYLOAD, List.of());
        return a.getMessage(local.second());
    }

    @Benchmark
    public ReceivedMessage acrossNodes() throws ProtocolException {
        a.sendUserMessage(toB, PAYLOAD, List.of());
        pump();
        return b.getMessage(atB);
    }

    /** A pipe end travels A to B and back, until no proxy is left: two full moves. */
    @Benchmark
    public ReceivedMessage moveThereAndBack() throws ProtocolException {
        PortPair p = a.createPortPair();
        a.sendUserMessage(carrierA, PAYLOAD, List.of(p.second()));
        pump();
        PortRef moved = b.getMessage(carrierB).ports().get(0);
        b.sendUserMessage(carrierB, PAYLOAD, List.of(moved));
        pump();
        ReceivedMessage back = a.getMessage(carrierA);
        a.closePort(p.first());
        a.closePort(back.ports().get(0));
        pump();
        return back;
    }
}
