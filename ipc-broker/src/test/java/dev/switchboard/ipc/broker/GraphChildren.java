package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.Handle;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.node.NodeController;
import dev.switchboard.ipc.wire.Id128;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** The child programs of the process-graph tests. */
final class GraphChildren {

    private GraphChildren() {}

    private static final Duration LONG = Duration.ofSeconds(60);

    /**
     * A scriptable child: accepts an invitation with one pipe, "control", says "hello ROLE PID" on
     * it, then runs the commands the test sends (text, with fds and pipe ends attached) until the
     * parent hangs up, then exits. Commands that arrive on a "peer" pipe (a direct pipe to another
     * child) run the same way. {@code args}: role [middle] — a middle child also launches a
     * grandchild ("G") with an invitation of its own and relays between it and the parent.
     *
     * <ul>
     * <li>{@code say TEXT} → TEXT
     * <li>{@code echo} + pipes: echo every message on them back, fds and pipe ends included
     * <li>{@code peer} + pipe: the direct pipe to another child; commands on it run too → "peered"
     * <li>{@code talk COUNT SEED_MINE SEED_THEIRS WARM} + pipe: WARM round of "w i" both ways →
     *     "warm"; on "go", stream COUNT small messages each way and check them → "ok STATS" / "problem .."
     * <li>{@code watch} + pipe: ping through it → "watching"; on peer-closed → "closed WALLCLOCK_MILLIS"
     * <li>{@code ping N} + pipe: N round trips through an echo at the other end → "pinged ok"
     * <li>{@code hold QUOTA:DEST,QUOTA:DEST.. NEXT_BACK} + pipe: read QUOTA numbered messages (checking
     *     order and the fd every 100th carries), write a "b K" back every 10th, report "held ..",
     *     then pass the pipe on to DEST (peer or parent) with the rest of the route
     * <li>{@code y HOP HOPS} + pipe: read whatever is there, write "b HOP" back, pass the pipe to
     *     the peer as HOP+1, or to the parent ("y-back") at HOPS; {@code report} → what each hop read
     * <li>{@code read-fd} + fd → "content TEXT"
     * <li>{@code stats} → "stats STATS"; {@code describe}: the node's ports into the child's log → "described"
     * <li>misbehaviour: {@code bad-fd}, {@code bad-pipe} (a handle of that kind to the parent),
     *     {@code intro random|HEX} (ask the broker for an introduction) → "requested"
     * <li>middle only: {@code g COMMAND} + handles: COMMAND to the grandchild; its replies come back
     *     as "g REPLY", its invitation's errors as "g-error KIND REASON"
     * </ul>
     */
    public static final class Peer {

        static String role;
        static MessagePipe control;
        static volatile MessagePipe peer;
        static volatile MessagePipe grandchild;
        static final List<Object> kept = new CopyOnWriteArrayList<>();
        static final CountDownLatch go = new CountDownLatch(1);
        static final ExecutorService work = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "peer-work");
            t.setDaemon(true);
            return t;
        });

        public static void main(String[] args) throws Exception {
            role = args[0];
            boolean middle = args.length > 1 && args[1].equals("middle");
            try {
                IncomingInvitation inv = IncomingInvitation.accept();
                control = inv.extractMessagePipe("control");
                log("accepted, node " + NodeController.get().stats().name());
                reply("hello " + role + " " + ProcessHandle.current().pid());
                if (middle) {
                    startGrandchild();
                }
                serve(control);
                log("parent hung up");
            } catch (Throwable t) {
                log("failed: " + t);
                t.printStackTrace();
                System.exit(2);
            }
            System.exit(0);
        }

        static void log(String s) {
            System.out.println("[" + role + " " + ProcessHandle.current().pid() + " " + System.currentTimeMillis() + "] " + s);
            System.out.flush();
        }

        static void reply(String s) {
            try {
                control.write(GraphSupport.text(s));
            } catch (PipeClosedException e) {
                log("cannot reply '" + s + "': control closed");
            }
        }

        /** Runs the commands that arrive on {@code pipe} until its peer closes. */
        static void serve(MessagePipe pipe) throws Exception {
            while (true) {
                Message m;
                try {
                    m = pipe.read(LONG);
                } catch (PipeClosedException e) {
                    return;
                }
                if (m == null) {
                    continue;
                }
                try (Message cur = m) {
                    dispatch(m);
                } catch (Exception | AssertionError e) {
                    log("command '" + TestSupport.text(m) + "' failed: " + e);
                    e.printStackTrace(System.out);
                    reply("problem " + e);
                }
            }
        }

        static void dispatch(Message m) throws Exception {
            String text = TestSupport.text(m);
            String[] w = text.split(" ");
            switch (w[0]) {
                case "say" -> reply(text.substring(4));
                case "echo" -> {
                    for (MessagePipe p : m.takePipes()) {
                        echo(p);
                    }
                }
                case "peer" -> {
                    MessagePipe p = m.takePipe(0);
                    peer = p;
                    work.execute(() -> {
                        try {
                            serve(p);
                            log("peer pipe closed");
                        } catch (Exception e) {
                            log("peer pipe: " + e);
                        }
                    });
                    reply("peered");
                }
                case "talk" -> {
                    MessagePipe p = m.takePipe(0);
                    int count = Integer.parseInt(w[1]);
                    long mine = Long.parseLong(w[2]);
                    long theirs = Long.parseLong(w[3]);
                    int warm = Integer.parseInt(w[4]);
                    work.execute(() -> talk(p, count, mine, theirs, warm));
                }
                case "go" -> go.countDown();
                case "watch" -> {
                    MessagePipe p = m.takePipe(0);
                    work.execute(() -> watch(p));
                }
                case "ping" -> {
                    MessagePipe p = m.takePipe(0);
                    int n = Integer.parseInt(w[1]);
                    work.execute(() -> ping(p, n));
                }
                case "hold" -> hold(m.takePipe(0), w[1], Integer.parseInt(w[2]));
                case "y" -> bounce(m.takePipe(0), Integer.parseInt(w[1]), Integer.parseInt(w[2]));
                case "report" -> bounceReport();
                case "read-fd" -> reply("content " + GraphSupport.contentOf(m.takeHandle(0)));
                case "stats" -> reply("stats " + GraphSupport.statsLine());
                case "describe" -> {
                    // diagnosis: the node's ports, into the log
                    log("ports:\n" + NodeController.get().node().describe() + "channels:\n" + NodeController.get().describeChannels());
                    reply("described");
                }
                case "bad-fd" -> {
                    reply("sending an fd");
                    PlatformHandle h = GraphSupport.tempFileFd("secret");
                    try {
                        control.write(GraphSupport.text("here is an fd", h));
                    } catch (RuntimeException e) {
                        reply("write failed " + e);
                    }
                }
                case "bad-pipe" -> {
                    reply("sending a pipe end");
                    MessagePipe.Pair pair = MessagePipe.create();
                    kept.add(pair.end1());
                    try {
                        control.write(GraphSupport.text("here is a pipe end", pair.end0()));
                    } catch (RuntimeException e) {
                        reply("write failed " + e);
                    }
                }
                case "intro" -> {
                    Id128 node = w[1].equals("random") ? Id128.random() : Id128.fromHex(w[1]);
                    log("requesting an introduction to " + node);
                    NodeController.get().requestIntroductionForTest(node);
                    reply("requested");
                }
                case "g" -> {
                    MessagePipe g = grandchild;
                    if (g == null) {
                        reply("problem no grandchild");
                    } else {
                        g.write(GraphSupport.text(text.substring(2), GraphSupport.takeAll(m)));
                    }
                }
                default -> reply("problem unknown command '" + text + "'");
            }
        }

        static final ExecutorService listeners = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "peer-listener");
            t.setDaemon(true);
            return t;
        });

        static void echo(MessagePipe p) {
            kept.add(p);
            p.setListener(listeners, new MessagePipe.Listener() {
                @Override
                public void onMessage(MessagePipe pipe, Message message) {
                    try {
                        pipe.write(Message.of(message.bytes(), GraphSupport.takeAll(message)));
                    } catch (PipeClosedException e) {
                        message.close();
                    }
                }

                @Override
                public void onPeerClosed(MessagePipe pipe) {
                    pipe.close();
                }
            });
        }

        static void talk(MessagePipe p, int count, long mine, long theirs, int warm) {
            kept.add(p);
            try {
                for (int i = 0; i < warm; i++) {
                    p.write(GraphSupport.text("w " + i));
                }
                for (int i = 0; i < warm; i++) {
                    Message m = p.read(LONG);
                    String got = m == null ? null : TestSupport.text(m);
                    if (m != null) {
                        m.close();
                    }
                    if (!("w " + i).equals(got)) {
                        reply("problem warm-up message " + i + " was " + got);
                        return;
                    }
                }
                reply("warm");
                if (!go.await(5, TimeUnit.MINUTES)) {
                    reply("problem no go");
                    return;
                }
                AtomicReference<Throwable> writeFailure = new AtomicReference<>();
                Thread writer = new Thread(() -> {
                    try {
                        for (int i = 0; i < count; i++) {
                            p.write(Message.of(GraphSupport.smallPayload(mine, i)));
                        }
                    } catch (Throwable t) {
                        writeFailure.set(t);
                    }
                }, "talk-writer");
                long start = System.nanoTime();
                writer.start();
                String problem = null;
                for (int i = 0; i < count && problem == null; i++) {
                    Message m = p.read(LONG);
                    if (m == null) {
                        problem = "message " + i + " did not arrive";
                    } else {
                        try (Message cur = m) {
                            problem = GraphSupport.checkSmall(theirs, i, m.bytes());
                        }
                    }
                }
                writer.join();
                if (problem == null && writeFailure.get() != null) {
                    problem = "writing failed: " + writeFailure.get();
                }
                log("talk: " + count + " each way in " + (System.nanoTime() - start) / 1_000_000 + " ms, " + problem);
                reply(problem == null ? "ok " + GraphSupport.statsLine() : "problem " + problem);
            } catch (Throwable t) {
                reply("problem " + t);
            }
        }

        static void watch(MessagePipe p) {
            kept.add(p);
            CountDownLatch pong = new CountDownLatch(1);
            p.setListener(listeners, new MessagePipe.Listener() {
                @Override
                public void onMessage(MessagePipe pipe, Message message) {
                    message.close();
                    pong.countDown();
                }

                @Override
                public void onPeerClosed(MessagePipe pipe) {
                    long now = System.currentTimeMillis();
                    log("watched pipe closed");
                    reply("closed " + now);
                }
            });
            try {
                p.write(GraphSupport.text("ping"));
                reply(pong.await(60, TimeUnit.SECONDS) ? "watching" : "problem no pong");
            } catch (Throwable t) {
                reply("problem " + t);
            }
        }

        static void ping(MessagePipe p, int n) {
            kept.add(p);
            try {
                for (int i = 0; i < n; i++) {
                    p.write(GraphSupport.text("ping " + i));
                }
                for (int i = 0; i < n; i++) {
                    Message m = p.read(LONG);
                    String got = m == null ? null : TestSupport.text(m);
                    if (m != null) {
                        m.close();
                    }
                    if (!("ping " + i).equals(got)) {
                        reply("problem ping " + i + " came back as " + got);
                        return;
                    }
                }
                reply("pinged ok");
            } catch (Throwable t) {
                reply("problem " + t);
            }
        }

        /** Travelling pipe: read a quota of numbered messages, then pass the pipe on. */
        static void hold(MessagePipe q, String route, int nextBack) throws Exception {
            String[] legs = route.split(",", 2);
            int quota = Integer.parseInt(legs[0].split(":")[0]);
            String dest = legs[0].split(":")[1];
            String rest = legs.length > 1 ? legs[1] : "-";
            int first = -1;
            int expected = -1;
            int firstBack = nextBack;
            String problem = null;
            for (int k = 0; k < quota; k++) {
                Message m = q.read(LONG);
                if (m == null) {
                    problem = "nothing after " + k + " messages";
                    break;
                }
                try (Message cur = m) {
                    int i = GraphSupport.indexOf(m);
                    if (first < 0) {
                        first = i;
                        expected = i;
                    }
                    if (i != expected && problem == null) {
                        problem = "read " + i + " where " + expected + " was due";
                    }
                    expected = i + 1;
                    if (i % 100 == 0) {
                        if (m.handleCount() != 1) {
                            problem = problem != null ? problem : "message " + i + " has " + m.handleCount() + " fds, expected 1";
                        } else {
                            String content = GraphSupport.contentOf(m.takeHandle(0));
                            if (!content.equals("fd-" + i) && problem == null) {
                                problem = "message " + i + " carries the fd of '" + content + "'";
                            }
                        }
                    } else if (m.handleCount() != 0 && problem == null) {
                        problem = "message " + i + " has " + m.handleCount() + " fds";
                    }
                }
                if (k % 10 == 9) {
                    q.write(GraphSupport.text("b " + nextBack++));
                }
            }
            reply("held first=" + first + " count=" + (expected - first) + " back=" + firstBack + ".." + nextBack
                    + " problem=" + (problem == null ? "none" : problem.replace(' ', '_')));
            Message pass = GraphSupport.text("hold " + rest + " " + nextBack, q);
            log("passing the pipe to " + dest + " after reading " + first + ".." + (expected - 1));
            if (dest.equals("peer")) {
                peer.write(pass);
            } else {
                control.write(pass);
            }
        }

        static final boolean DEBUG = Boolean.getBoolean("graph.debug");
        static final Object bounceLock = new Object();
        static final List<String> hops = new ArrayList<>();
        static String bounceProblem;

        /** Bounced pipe: read whatever is there, then pass it on. */
        static void bounce(MessagePipe y, int hop, int total) throws Exception {
            synchronized (bounceLock) {
                if (hop < 5 || hop % 100 == 0 || DEBUG) {
                    log("hop " + hop + ": got the end " + y);
                }
                int first = -1;
                int count = 0;
                Message m = y.read(Duration.ofMillis(3));
                while (m != null && count < 2000) {
                    try (Message cur = m) {
                        int i = GraphSupport.indexOf(m);
                        if (first < 0) {
                            first = i;
                        }
                        if (i != first + count && bounceProblem == null) {
                            bounceProblem = "hop_" + hop + ":_read_" + i + "_where_" + (first + count) + "_was_due";
                        }
                        count++;
                    }
                    m = y.poll();
                }
                if (m != null) {
                    m.close();
                    bounceProblem = "hop_" + hop + ":_more_than_2000_messages";
                }
                hops.add(hop + ":" + first + ":" + count);
                if (DEBUG) {
                    log("hop " + hop + ": read " + first + "+" + count + ", passing on");
                }
                y.write(GraphSupport.text("b " + hop));
                if (hop < total) {
                    peer.write(GraphSupport.text("y " + (hop + 1) + " " + total, y));
                } else {
                    control.write(GraphSupport.text("y-back " + hop, y));
                }
            }
        }

        static void bounceReport() {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (GraphSupport.proxies() > 0 && System.nanoTime() < deadline) {
                TestSupport.sleep(10);
            }
            synchronized (bounceLock) {
                reply("report proxies=" + GraphSupport.proxies() + " problem=" + (bounceProblem == null ? "none" : bounceProblem)
                        + " hops=" + String.join(",", hops));
            }
        }

        /** Middle child: launch the grandchild with an invitation of our own and relay for it. */
        static void startGrandchild() throws Exception {
            PlatformChannel ch = PlatformChannel.create();
            ChildProcess g = ChildProcessLauncher.forJava(Peer.class)
                    .jvmOptions(GraphLaunch.JVM_OPTIONS)
                    .passEndpoint(ch.takeRemoteEndpoint())
                    .args("G")
                    .appendOutput(Launch.childLog(Peer.class))
                    .appendError(Launch.childLog(Peer.class))
                    .start();
            OutgoingInvitation inv = new OutgoingInvitation();
            MessagePipe gControl = inv.attachMessagePipe("control");
            inv.send(g, ch.takeLocalEndpoint(), e -> {
                log("grandchild error " + e);
                reply("g-error " + e.kind() + " " + e.reason());
            }, listeners);
            Id128 gNode = inv.accepted().get(60, TimeUnit.SECONDS);
            grandchild = gControl;
            kept.add(g);
            work.execute(() -> {
                while (true) {
                    Message m;
                    try {
                        m = gControl.read(LONG);
                    } catch (PipeClosedException e) {
                        reply("g-closed");
                        return;
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (m != null) {
                        try (Message cur = m) {
                            Handle[] hs = GraphSupport.takeAll(m);
                            control.write(GraphSupport.text("g " + TestSupport.text(m), hs));
                        } catch (PipeClosedException e) {
                            return;
                        }
                    }
                }
            });
            reply("middle-ready " + gNode.toHex());
        }
    }

    /**
     * The child of an isolated invitation: {@code acceptIsolated()} gives it the one pipe. Says
     * "hello" on it, then: "n I" is echoed; "read-fd" + fd → "content TEXT"; "make-fd TEXT" → a
     * message with an fd of a file holding TEXT; exits when the parent hangs up.
     */
    public static final class Isolated {
        public static void main(String[] args) throws Exception {
            MessagePipe pipe = IncomingInvitation.acceptIsolated();
            pipe.write(GraphSupport.text("hello isolated " + ProcessHandle.current().pid()));
            while (true) {
                Message m;
                try {
                    m = pipe.read(LONG);
                } catch (PipeClosedException e) {
                    break;
                }
                if (m == null) {
                    continue;
                }
                try (Message cur = m) {
                    String text = TestSupport.text(m);
                    if (text.equals("read-fd")) {
                        pipe.write(GraphSupport.text(m.handleCount() == 1 ? "content " + GraphSupport.contentOf(m.takeHandle(0))
                                : "problem " + m.handleCount() + " fds"));
                    } else if (text.startsWith("make-fd ")) {
                        pipe.write(GraphSupport.text("fd", GraphSupport.tempFileFd(text.substring(8))));
                    } else {
                        pipe.write(Message.of(m.bytes(), GraphSupport.takeAll(m)));
                    }
                }
            }
            System.exit(0);
        }
    }
}
