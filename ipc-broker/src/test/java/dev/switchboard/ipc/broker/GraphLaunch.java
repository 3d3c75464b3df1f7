package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.Handle;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.wire.Id128;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link GraphChildren.Peer} child launched with an invitation carrying one pipe, "control", over
 * which the test sends it commands (text, with fds and pipe ends attached) and it answers. Replies
 * are collected by a listener, so a test can wait for the one it wants while others pile up.
 */
final class GraphLaunch implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(60);
    static final String[] JVM_OPTIONS = {"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"};

    final String role;
    final ChildProcess child;
    final MessagePipe control;
    /** The child's node name, once it has accepted. */
    final CompletableFuture<Id128> node;
    /** Every error the invitation's handler reported, in order. */
    final LinkedBlockingQueue<ProcessError> errors = new LinkedBlockingQueue<>();
    /** Completes with System.nanoTime() when "control" reports peer-closed. */
    final CompletableFuture<Long> controlClosedAt = new CompletableFuture<>();

    private final List<Message> backlog = new ArrayList<>(); // guarded by itself

    private GraphLaunch(String role, ChildProcess child, MessagePipe control, CompletableFuture<Id128> node) {
        this.role = role;
        this.child = child;
        this.control = control;
        this.node = node;
    }

    /** A trusted child; waits for its "hello". */
    static GraphLaunch start(String role, String... args) throws Exception {
        return start(role, false, args);
    }

    /**
     * Launches a {@link GraphChildren.Peer} as {@code role} (its first argument, then {@code args})
     * and waits until it says hello on "control".
     */
    static GraphLaunch start(String role, boolean untrusted, String... args) throws Exception {
        List<String> jvm = new ArrayList<>(List.of(JVM_OPTIONS));
        if (Boolean.getBoolean("graph.debug")) {
            jvm.add("-Dgraph.debug=true");
        }
        List<String> all = new ArrayList<>();
        all.add(role);
        all.addAll(List.of(args));
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(GraphChildren.Peer.class)
                .jvmOptions(jvm.toArray(new String[0]))
                .passEndpoint(channel.takeRemoteEndpoint())
                .args(all.toArray(new String[0]))
                .appendOutput(Launch.childLog(GraphChildren.Peer.class))
                .appendError(Launch.childLog(GraphChildren.Peer.class))
                .start();
        OutgoingInvitation inv = new OutgoingInvitation();
        if (untrusted) {
            inv.untrustedProcess();
        }
        MessagePipe control = inv.attachMessagePipe("control");
        GraphLaunch l = new GraphLaunch(role, child, control, inv.accepted());
        inv.send(child, channel.takeLocalEndpoint(), l.errors::add, Launch.CALLBACKS);
        l.listen();
        try {
            l.expect("hello " + role);
        } catch (Throwable t) {
            l.close();
            throw t;
        }
        return l;
    }

    private void listen() {
        control.setListener(Launch.CALLBACKS, new MessagePipe.Listener() {
            @Override
            public void onMessage(MessagePipe pipe, Message message) {
                synchronized (backlog) {
                    backlog.add(message);
                    backlog.notifyAll();
                }
            }

            @Override
            public void onPeerClosed(MessagePipe pipe) {
                controlClosedAt.complete(System.nanoTime());
                synchronized (backlog) {
                    backlog.notifyAll();
                }
            }
        });
    }

    /** Sends a command, with handles and pipe ends attached (they move to the child). */
    void send(String text, Handle... handles) {
        control.write(GraphSupport.text(text, handles));
    }

    /** The first reply (oldest first) whose text starts with {@code prefix}; waits up to {@code timeout}. */
    Message expectMessage(String prefix, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (backlog) {
            while (true) {
                for (Iterator<Message> it = backlog.iterator(); it.hasNext(); ) {
                    Message m = it.next();
                    if (TestSupport.text(m).startsWith(prefix)) {
                        it.remove();
                        return m;
                    }
                }
                if (controlClosedAt.isDone()) {
                    throw new AssertionError(role + ": control closed while waiting for '" + prefix + "'; got " + texts());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError(role + ": no '" + prefix + "' within " + timeout + "; got " + texts());
                }
                TimeUnit.NANOSECONDS.timedWait(backlog, left);
            }
        }
    }

    /** The text of the first reply starting with {@code prefix} (the message is closed). */
    String expect(String prefix, Duration timeout) throws InterruptedException {
        try (Message m = expectMessage(prefix, timeout)) {
            return TestSupport.text(m);
        }
    }

    String expect(String prefix) throws InterruptedException {
        return expect(prefix, WAIT);
    }

    /** Sends {@code command} and returns the reply starting with {@code prefix}. */
    String ask(String command, String prefix) throws InterruptedException {
        send(command);
        return expect(prefix);
    }

    /** This child's node counters as it reports them ("peers=.. relayed=.. ..."). */
    String stats() throws InterruptedException {
        return ask("stats", "stats ");
    }

    private List<String> texts() {
        List<String> t = new ArrayList<>();
        for (Message m : backlog) {
            String s = TestSupport.text(m);
            t.add(s.length() > 200 ? s.substring(0, 200) + "..." : s);
        }
        return t;
    }

    /** Waits until "control" reports peer-closed; false if it did not within {@code timeout}. */
    boolean awaitControlClosed(Duration timeout) throws InterruptedException {
        try {
            controlClosedAt.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError(e);
        }
    }

    private final List<ProcessError> seenErrors = new ArrayList<>(); // guarded by itself

    /**
     * The first error of {@code kind} the invitation's handler got within {@code timeout}, or null.
     * Errors of other kinds are kept in {@link #seenErrors()}: handlers run on a multi-threaded
     * executor, so two reports about one event may arrive in either order.
     */
    ProcessError awaitError(ProcessError.Kind kind, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (seenErrors) {
            for (ProcessError e : seenErrors) {
                if (e.kind() == kind) {
                    return e;
                }
            }
            while (true) {
                long left = deadline - System.nanoTime();
                ProcessError e = errors.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                if (e == null) {
                    return null;
                }
                seenErrors.add(e);
                if (e.kind() == kind) {
                    return e;
                }
            }
        }
    }

    /** Every error {@link #awaitError} has taken so far, in arrival order. */
    List<ProcessError> seenErrors() {
        synchronized (seenErrors) {
            return List.copyOf(seenErrors);
        }
    }

    /** The first error the invitation's handler got within {@code timeout}, or null. */
    ProcessError firstError(Duration timeout) throws InterruptedException {
        return errors.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws Exception {
        control.close();
        synchronized (backlog) {
            backlog.forEach(Message::close);
            backlog.clear();
        }
        child.destroyForcibly();
        child.onExit().get(30, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return role + " (pid " + child.pid() + ")";
    }
}
