package dev.switchboard.ipc.ports;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One randomized run: pipes whose ends wander between nodes inside messages (over fixed carrier
 * pipes, and inside each other), while both ends keep writing and reading, a few ends close, and
 * optionally one node dies. The model of what the user did (every end's whereabouts, every message
 * sent) is checked against what the engine delivers:
 *
 * <ul>
 *   <li>every read is the next message of its direction (exactly once, in order);
 *   <li>a message is read or dropped, never both, never twice;
 *   <li>a peer-closed end has read everything the closed end sent, unless the pipe's route touched
 *       the dead node (then the reads only have to be an in-order prefix);
 *   <li>at quiescence no proxy remains and every live pipe is either intact (all delivered both
 *       ways) or, if it touched the dead node, closed at both ends; the status callbacks alone were
 *       enough to find every readable message;
 *   <li>after closing every remaining end, no port remains on any live node.
 * </ul>
 */
final class Simulation {

    /** How big and what kind of run. */
    record Config(int nodes, int dataPipes, int operations, boolean closes, boolean killOne, boolean codec) {}

    private enum Where { HELD, TRAVELLING, CLOSED, DEAD }

    private final class End {
        final Pipe pipe;
        final int side;
        Where where = Where.HELD;
        int node;
        PortRef ref;
        /** While travelling: the end whose queue the carrying message is headed for. */
        End container;

        End(Pipe pipe, int side, int node, PortRef ref) {
            this.pipe = pipe;
            this.side = side;
            hold(node, ref);
        }

        void hold(int atNode, PortRef atRef) {
            where = Where.HELD;
            container = null;
            node = atNode;
            ref = atRef;
            held.put(atRef, this);
        }

        void release(Where to) {
            held.remove(ref);
            where = to;
            ref = null;
        }

        End other() {
            return pipe.ends[1 - side];
        }

        @Override
        public String toString() {
            return "pipe " + pipe.id + (side == 0 ? "a" : "b") + " " + where + (where == Where.HELD ? "@" + node + " " + ref : "");
        }
    }

    private final class Pipe {
        final int id;
        final boolean carrier;
        final End[] ends = new End[2];
        /** Messages sent from side s. */
        final int[] sent = new int[2];
        /** Messages from side s the other side has read. */
        final int[] read = new int[2];
        /** Nodes where a port of this pipe has been. */
        final BitSet touched = new BitSet();

        Pipe(int id, boolean carrier) {
            this.id = id;
            this.carrier = carrier;
        }

        boolean lossy() {
            return victim >= 0 && touched.get(victim);
        }
    }

    private record Info(Pipe pipe, int side, int index, List<End> carried, boolean[] read) {}

    private final long seed;
    private final Config config;
    private final Random rnd;
    private final Network net;
    private final List<Pipe> pipes = new ArrayList<>();
    private final Pipe[][] carriers;
    private final Map<PortRef, End> held = new HashMap<>();
    private final List<End> candidates = new ArrayList<>();
    private final List<TestPayload> messages = new ArrayList<>();
    private int victim = -1;
    private final StringBuilder trace;
    /** What the run exercised, so that a test can tell a busy run from an idle one. */
    final long[] stats = new long[Stat.values().length];

    enum Stat { EVENTS, MOVES, NESTED, READS, CLOSES, DISCARDS, REFUSED, CLOSED_SEEN, LOST_PIPES }

    private void count(Stat s) {
        stats[s.ordinal()]++;
    }

    Simulation(long seed, Config config, boolean tracing) {
        this.seed = seed;
        this.config = config;
        this.rnd = new Random(seed);
        this.net = new Network(config.nodes(), seed, config.codec());
        this.trace = tracing ? new StringBuilder() : null;
        carriers = new Pipe[config.nodes()][config.nodes()];
        if (tracing) {
            net.onDeliver = (src, dst, e) -> log("    deliver " + src + "->" + dst + " " + brief(e));
        }
        net.onForward = (src, dst, e) -> {
            if (trace != null) {
                log("  " + src + "->" + dst + " " + brief(e));
            }
            if (e instanceof Event.UserMessage m && m.payload() instanceof TestPayload p) {
                Info info = (Info) p.tag;
                info.pipe().touched.set(dst);
                for (End c : info.carried()) {
                    c.pipe.touched.set(dst);
                }
            }
        };
    }

    /** Runs the scenario and checks it; throws AssertionError naming the seed on the first violation. */
    void run() {
        try {
            setUp();
            int killAt = config.killOne() ? config.operations() / 4 + rnd.nextInt(config.operations() / 2) : -1;
            for (int op = 0; op < config.operations(); op++) {
                if (op == killAt) {
                    kill(rnd.nextInt(config.nodes()));
                }
                step(op);
            }
            drain();
            checkQuiescent();
            closeEverything();
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("seed " + seed + " " + config + ": " + e.getMessage()
                    + (trace != null ? "\n--- trace ---\n" + trace : "\n(rerun with -Dports.sim.seed=" + seed + " for a trace)")
                    + "\n--- nodes ---\n" + net.describe(), e);
        }
    }

    private static String brief(Event e) {
        String s = e.toString();
        return s.replaceAll("Id128\\[high=(-?\\d+), low=(-?\\d+)\\]", "#")
                .replaceAll("=([0-9a-f]{8})[0-9a-f]{24}", "=$1");
    }

    private void log(String s) {
        if (trace != null) {
            trace.append(s).append('\n');
        }
    }

    private void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    private void setUp() {
        int n = config.nodes();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                PortRef[] c = net.connect(i, j);
                Pipe p = new Pipe(pipes.size(), true);
                p.ends[0] = new End(p, 0, i, c[0]);
                p.ends[1] = new End(p, 1, j, c[1]);
                p.touched.set(i);
                p.touched.set(j);
                pipes.add(p);
                carriers[i][j] = p;
                carriers[j][i] = p;
            }
        }
        for (int k = 0; k < config.dataPipes(); k++) {
            int at = rnd.nextInt(n);
            PortPair pair = net.node(at).createPortPair();
            Pipe p = new Pipe(pipes.size(), false);
            p.ends[0] = new End(p, 0, at, pair.first());
            p.ends[1] = new End(p, 1, at, pair.second());
            p.touched.set(at);
            pipes.add(p);
        }
    }

    private void step(int op) {
        int r = rnd.nextInt(100);
        if (r < 50 && net.deliverOne()) {
            return;
        }
        if (r < 66) {
            End e = randomHeld(false);
            if (e != null) {
                List<End> cargo = new ArrayList<>();
                if (rnd.nextInt(4) == 0) {
                    End c = randomHeldAt(e.node, e.pipe);
                    if (c != null && !wouldNest(c, e.other())) {
                        count(Stat.NESTED);
                        cargo.add(c);
                    }
                }
                write(e, cargo);
            }
        } else if (r < 78) {
            End e = randomHeld(true);
            if (e != null) {
                int to = rnd.nextInt(config.nodes());
                if (to != e.node && !net.isDead(to)) {
                    Pipe c = carriers[e.node][to];
                    End via = c.ends[0].node == e.node && c.ends[0].where == Where.HELD ? c.ends[0] : c.ends[1];
                    if (via.where == Where.HELD && via.node == e.node) {
                        count(Stat.MOVES);
                        write(via, List.of(e));
                    }
                }
            }
        } else if (r < 96) {
            End e = randomHeld(false);
            if (e != null) {
                read(e);
            }
        } else if (config.closes() && op > config.operations() / 2) {
            End e = randomHeld(true);
            if (e != null) {
                log("close " + e);
                count(Stat.CLOSES);
                net.node(e.node).closePort(e.ref);
                e.release(Where.CLOSED);
            }
        }
    }

    private End randomHeld(boolean dataOnly) {
        return pick(e -> !dataOnly || !e.pipe.carrier);
    }

    private End randomHeldAt(int node, Pipe not) {
        return pick(e -> e.node == node && e.pipe != not && !e.pipe.carrier);
    }

    /** A random held end matching {@code filter}, in a fixed order so that a seed replays exactly. */
    private End pick(java.util.function.Predicate<End> filter) {
        candidates.clear();
        for (Pipe p : pipes) {
            for (End e : p.ends) {
                if (e.where == Where.HELD && filter.test(e)) {
                    candidates.add(e);
                }
            }
        }
        return candidates.isEmpty() ? null : candidates.get(rnd.nextInt(candidates.size()));
    }

    /**
     * Whether sending {@code cargo} into {@code destination}'s queue would put it inside itself:
     * if the destination already travels (transitively) inside cargo, neither could ever be read.
     * The engine does not detect such cycles (nor does Mojo); a real user must not build them.
     */
    private boolean wouldNest(End cargo, End destination) {
        for (End d = destination; d != null; d = d.where == Where.TRAVELLING ? d.container : null) {
            if (d == cargo) {
                return true;
            }
        }
        return false;
    }

    private void write(End e, List<End> cargo) {
        Pipe p = e.pipe;
        Info info = new Info(p, e.side, p.sent[e.side], List.copyOf(cargo), new boolean[1]);
        TestPayload payload = new TestPayload("p" + p.id + "/" + e.side + "#" + info.index(), info);
        List<PortRef> refs = new ArrayList<>();
        for (End c : cargo) {
            refs.add(c.ref);
        }
        // The engine may drop the message before the call returns (a local peer that is already
        // closed), so the model must already say it is sent and its cargo travelling.
        payload.onDiscard = () -> discarded(payload);
        p.sent[e.side]++;
        for (End c : cargo) {
            c.release(Where.TRAVELLING);
            c.container = e.other();
        }
        SendResult result = net.node(e.node).sendUserMessage(e.ref, payload, refs);
        log("write " + payload + " from " + e + " carrying " + cargo + " -> " + result);
        if (result == SendResult.PEER_CLOSED) {
            check(victim >= 0 || e.other().where != Where.HELD, "send failed with PEER_CLOSED although " + e.other() + " is alive");
            check(payload.discards.get() == 0, "a refused payload was discarded");
            count(Stat.REFUSED);
            p.sent[e.side]--;
            for (int k = 0; k < cargo.size(); k++) {
                cargo.get(k).hold(e.node, refs.get(k));
            }
            return;
        }
        messages.add(payload);
    }

    private void discarded(TestPayload payload) {
        Info info = (Info) payload.tag;
        log("discarded " + payload);
        count(Stat.DISCARDS);
        check(payload.discards.get() == 1, payload + " discarded " + payload.discards.get() + " times");
        check(!info.read()[0], payload + " discarded after it was read");
        for (End c : info.carried()) {
            check(c.where == Where.TRAVELLING, c + " was inside dropped " + payload + " but is not travelling");
            c.where = Where.DEAD;
        }
    }

    /** Reads one message; false if none was there, after checking what a closed peer implies. */
    private boolean read(End e) {
        if (readOne(e)) {
            return true;
        }
        if (net.node(e.node).getStatus(e.ref).peerClosed()) {
            closedPeerSeen(e);
        }
        return false;
    }

    private boolean readOne(End e) {
        ReceivedMessage m = net.node(e.node).getMessage(e.ref);
        if (m == null) {
            return false;
        }
        TestPayload payload = (TestPayload) m.payload();
        Info info = (Info) payload.tag;
        log("read " + payload + " at " + e + " ports " + m.ports());
        check(info.pipe() == e.pipe && info.side() == 1 - e.side, e + " read " + payload + " which belongs elsewhere");
        check(info.index() == e.pipe.read[info.side()], e + " read " + payload + " but expected #" + e.pipe.read[info.side()]);
        check(!info.read()[0] && payload.discards.get() == 0, payload + " delivered after being read or dropped");
        info.read()[0] = true;
        count(Stat.READS);
        e.pipe.read[info.side()]++;
        check(m.ports().size() == info.carried().size(), payload + " arrived with " + m.ports().size() + " ports, sent with " + info.carried().size());
        for (int k = 0; k < m.ports().size(); k++) {
            End c = info.carried().get(k);
            check(c.where == Where.TRAVELLING, c + " arrived but was not travelling");
            c.hold(e.node, m.ports().get(k));
        }
        return true;
    }

    /** The peer of e is reported closed: it must really be gone, and everything it sent must be readable now. */
    private void closedPeerSeen(End e) {
        count(Stat.CLOSED_SEEN);
        End other = e.other();
        Pipe p = e.pipe;
        if (!p.lossy()) {
            check(other.where != Where.HELD, e + " reports its peer closed but " + other + " is alive");
            while (readOne(e)) {
                // everything the peer sent must be here already
            }
            check(p.read[other.side] == p.sent[other.side],
                    e + " reports its peer closed after reading " + p.read[other.side] + " of " + p.sent[other.side]);
        }
    }

    private void kill(int v) {
        log("kill node " + v);
        victim = v;
        for (End e : new ArrayList<>(held.values())) {
            if (e.node == v) {
                e.release(Where.DEAD);
            }
        }
        net.kill(v);
    }

    /** Runs the network to quiescence, reading only the ports the status callbacks named. */
    private void drain() {
        long budget = 2_000_000;
        while (true) {
            if (--budget < 0) {
                throw new AssertionError("no quiescence; in flight " + net.inFlight());
            }
            if (net.deliverOne()) {
                continue;
            }
            if (net.signalled.isEmpty()) {
                return;
            }
            List<PortRef> signalled = new ArrayList<>(net.signalled);
            net.signalled.clear();
            for (PortRef ref : signalled) {
                End e = held.get(ref);
                if (e != null) {
                    while (read(e)) {
                        // drain it
                    }
                }
            }
        }
    }

    private void checkQuiescent() {
        check(net.inFlight() == 0, "events still in flight");
        for (Pipe p : pipes) {
            for (End e : p.ends) {
                if (e.where == Where.TRAVELLING) {
                    // Only a message lost with the dead node can keep an end from ever arriving.
                    check(p.lossy(), e + " never arrived");
                    e.where = Where.DEAD;
                }
            }
            End a = p.ends[0];
            End b = p.ends[1];
            PortStatus sa = a.where == Where.HELD ? net.node(a.node).getStatus(a.ref) : null;
            PortStatus sb = b.where == Where.HELD ? net.node(b.node).getStatus(b.ref) : null;
            for (PortStatus s : new PortStatus[] {sa, sb}) {
                check(s == null || !s.hasMessages(), "pipe " + p.id + " has a readable message nobody was told about");
            }
            if (sa != null && sb != null) {
                if (sa.peerClosed() || sb.peerClosed() || !p.lossy()) {
                    check(p.lossy() || (!sa.peerClosed() && !sb.peerClosed()), "intact pipe " + p.id + " reports a closed peer");
                    check(sa.peerClosed() == sb.peerClosed(), "pipe " + p.id + " is closed at one end only: " + sa + " / " + sb);
                }
                if (!sa.peerClosed()) {
                    check(p.read[0] == p.sent[0] && p.read[1] == p.sent[1], "pipe " + p.id + " is open but lost messages: sent "
                            + p.sent[0] + "/" + p.sent[1] + " read " + p.read[0] + "/" + p.read[1]);
                }
            } else if (sa != null || sb != null) {
                End alive = sa != null ? a : b;
                PortStatus s = sa != null ? sa : sb;
                check(s.peerClosed(), alive + " does not see that " + alive.other() + " is gone");
                if (p.lossy()) {
                    count(Stat.LOST_PIPES);
                }
                if (!p.lossy()) {
                    check(p.read[alive.other().side] == p.sent[alive.other().side], alive + " missed messages of its closed peer");
                }
            }
        }
        check(net.proxies() == 0, net.proxies() + " proxies outlived their use");
        for (TestPayload m : messages) {
            Info info = (Info) m.tag;
            check(m.discards.get() <= 1 && !(info.read()[0] && m.discards.get() > 0), m + " read and dropped");
        }
    }

    private void closeEverything() {
        for (End e : new ArrayList<>(held.values())) {
            net.node(e.node).closePort(e.ref);
            e.release(Where.CLOSED);
        }
        net.settle();
        check(net.ports() == 0, net.ports() + " ports left after closing everything");
        if (victim < 0) {
            for (TestPayload m : messages) {
                Info info = (Info) m.tag;
                check(info.read()[0] || m.discards.get() == 1, m + " neither read nor dropped");
            }
        }
    }

    long eventsDelivered() {
        return net.delivered;
    }

    /** Call after {@link #run()}. */
    long[] stats() {
        stats[Stat.EVENTS.ordinal()] = net.delivered;
        return stats;
    }
}
