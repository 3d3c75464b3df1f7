package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.NamedPlatformChannel;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.wire.Limits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One hostile child of {@code hostile_soak_child.py}, launched as a real child of this JVM with an
 * invitation carrying one pipe, driven through its {@link HostileKind.Script} and checked.
 */
final class HostileRun {

    /** How the soak treats its children. */
    record Settings(Path script, Duration stallTimeout, Duration hold, Duration reportDeadline, int floodFrames, int stallers,
            Executor callbacks) {}

    /**
     * What became of one child.
     *
     * @param problem null when the parent did everything it must, else what it failed to do
     * @param reportedBeforeKill a report that counts came before the soak killed the child (if it did)
     * @param errors every report the error handler got, in order
     */
    record Outcome(int index, HostileKind kind, long pid, String problem, boolean reportedBeforeKill,
            List<ProcessError> errors, long millis) {
        boolean ok() {
            return problem == null;
        }

        @Override
        public String toString() {
            return "#" + index + " " + kind.mode + " (pid " + pid + ", " + millis + " ms): "
                    + (problem == null ? "ok" : problem) + "; reports " + errors.stream().map(e -> e.kind() + " '" + e.reason() + "'").toList();
        }
    }

    private static final Duration CLOSE_DEADLINE = Duration.ofSeconds(10);
    private static final int LAST_MESSAGES = 100;

    private final int index;
    private final HostileKind kind;
    private final Settings settings;
    private final ErrorLog errors = new ErrorLog();
    private ChildProcess child;
    private MessagePipe pipe;
    private NamedPlatformChannel named;
    /** The child creates this file when its stall begins. */
    private final Path ready;
    private boolean killed;
    private boolean reportedBeforeKill;

    private HostileRun(int index, HostileKind kind, Settings settings) {
        this.index = index;
        this.kind = kind;
        this.settings = settings;
        this.ready = Path.of(System.getProperty("java.io.tmpdir"),
                "switchboard-soak-" + ProcessHandle.current().pid() + "-" + index + "-" + System.nanoTime() + ".stalled");
    }

    static Outcome run(int index, HostileKind kind, Settings settings) {
        return new HostileRun(index, kind, settings).run();
    }

    private Outcome run() {
        long start = System.nanoTime();
        String problem = null;
        try {
            launch();
            problem = switch (kind.script) {
                case MISBEHAVES -> misbehaves();
                case STALLS -> stalls();
                case STREAMS -> streams();
                case EXITS_AT_ONCE -> exitsAtOnce();
                case CONNECTS_PAST_STALLERS -> connectsPastStallers();
            };
        } catch (Exception e) {
            problem = "the soak itself failed: " + e;
        }
        problem = finish(problem);
        return new Outcome(index, kind, child == null ? -1 : child.pid(), problem, reportedBeforeKill, errors.all(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of("python3", settings.script().toString(), kind.mode));
        switch (kind) {
            case ADD_CLIENT_FLOOD -> command.add(Integer.toString(settings.floodFrames()));
            case NAMED_STALL -> command.add(Integer.toString(settings.stallers()));
            case EXIT_AT_ONCE -> command.add(Integer.toString(LAST_MESSAGES));
            default -> { }
        }
        Path log = Launch.childLog(HostileRun.class);
        ChildProcessLauncher launcher = ChildProcessLauncher.forCommand(command).appendOutput(log).appendError(log)
                .environment("SOAK_READY_FILE", ready.toString());
        OutgoingInvitation invitation = new OutgoingInvitation();
        pipe = invitation.attachMessagePipe("hostile");
        if (kind.untrusted()) {
            invitation.untrustedProcess();
        }
        // a stall must be ended by the parent's own timeouts, set short here so that the soak can wait for them
        if (kind == HostileKind.SILENT_PAYLOAD) {
            invitation.limits(Limits.DEFAULT.withFrameTimeout(settings.stallTimeout()));
        } else if (kind == HostileKind.NO_HANDSHAKE) {
            invitation.limits(Limits.DEFAULT.withHandshakeTimeout(settings.stallTimeout()));
        }
        if (kind == HostileKind.NAMED_STALL) {
            named = NamedPlatformChannel.create();
            child = launcher.passNamedChannel(named).start();
            invitation.send(child, named, errors, settings.callbacks());
        } else {
            PlatformChannel channel = PlatformChannel.create();
            child = launcher.passEndpoint(channel.takeRemoteEndpoint()).start();
            invitation.send(child, channel.takeLocalEndpoint(), errors, settings.callbacks());
        }
    }

    private String misbehaves() throws InterruptedException {
        ProcessError e = errors.await(kind::matches, settings.reportDeadline());
        if (e == null) {
            return "not reported within " + settings.reportDeadline().toSeconds() + " s of its misbehaviour";
        }
        reportedBeforeKill = true;
        return drainToPeerClosed();
    }

    private String stalls() throws InterruptedException {
        // a loaded machine can take a second to start the interpreter: hold the child only once it stalls
        long deadline = System.nanoTime() + settings.reportDeadline().toNanos();
        while (!Files.exists(ready)) {
            if (System.nanoTime() > deadline) {
                return "did not reach its stall within " + settings.reportDeadline().toSeconds() + " s";
            }
            Thread.sleep(10);
        }
        reportedBeforeKill = errors.await(kind::matches, settings.hold()) != null;
        kill();
        if (!reportedBeforeKill) {
            return "not dropped by the parent's " + settings.stallTimeout().toMillis() + " ms timeout within "
                    + settings.hold().toMillis() + " ms of stalling";
        }
        return drainToPeerClosed();
    }

    private String streams() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            Message m = pipe.read(settings.reportDeadline());
            if (m == null) {
                return "message " + i + " of its stream did not arrive";
            }
            m.close();
        }
        kill();
        if (errors.await(kind::matches, settings.reportDeadline()) == null) {
            return "not reported within " + settings.reportDeadline().toSeconds() + " s of being killed";
        }
        return drainToPeerClosed();
    }

    /** The parent writes all along; every one of the child's last messages must still arrive, then peer-closed. */
    private String exitsAtOnce() throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        byte[] chunk = new byte[16 * 1024];
        Thread writer = new Thread(() -> {
            try {
                while (!stop.get()) {
                    pipe.write(Message.of(chunk));
                }
            } catch (IllegalStateException closed) {
                // PipeClosedException once the peer is gone, or this end closed by finish()
            }
        }, "soak-writer-" + index);
        writer.setDaemon(true);
        writer.start();
        String problem = null;
        try {
            for (int i = 0; i < LAST_MESSAGES && problem == null; i++) {
                Message m;
                try {
                    m = pipe.read(CLOSE_DEADLINE);
                } catch (PipeClosedException e) {
                    problem = "peer-closed after " + i + " of its " + LAST_MESSAGES + " last messages";
                    break;
                }
                if (m == null) {
                    problem = "last message " + i + " did not arrive within " + CLOSE_DEADLINE.toSeconds() + " s";
                    break;
                }
                try (m) {
                    String text = TestSupport.text(m);
                    if (!text.equals("last " + i)) {
                        problem = "last message " + i + " arrived as '" + text + "'";
                    }
                }
            }
            if (problem == null) {
                problem = awaitPeerClosed("after its last message");
            }
        } finally {
            stop.set(true);
        }
        writer.join(CLOSE_DEADLINE.toMillis());
        if (writer.isAlive()) {
            writer.interrupt();
            return (problem == null ? "" : problem + "; ") + "the parent's writer is still blocked in write() after the child exited";
        }
        return problem;
    }

    private String connectsPastStallers() throws InterruptedException {
        long start = System.nanoTime();
        Message m;
        try {
            m = pipe.read(settings.reportDeadline());
        } catch (PipeClosedException e) {
            return "the real child never connected past " + settings.stallers() + " silent connections: " + errors.all();
        }
        if (m == null) {
            return "the real child's hello did not arrive within " + settings.reportDeadline().toSeconds() + " s past "
                    + settings.stallers() + " silent connections";
        }
        try (m) {
            String text = TestSupport.text(m);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            return text.equals("hello") ? null : "the real child said '" + text + "' after " + ms + " ms";
        }
    }

    /** Reads (and drops) what is left until peer-closed. */
    private String drainToPeerClosed() throws InterruptedException {
        long deadline = System.nanoTime() + CLOSE_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Message m = pipe.read(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (m != null) {
                    m.close();
                }
            } catch (PipeClosedException e) {
                return null;
            }
        }
        return "its pipe did not report peer-closed within " + CLOSE_DEADLINE.toSeconds() + " s";
    }

    private String awaitPeerClosed(String when) throws InterruptedException {
        try {
            Message m = pipe.read(CLOSE_DEADLINE);
            if (m != null) {
                String text = TestSupport.text(m);
                m.close();
                return "a message '" + text + "' " + when + " instead of peer-closed";
            }
            return "no peer-closed within " + CLOSE_DEADLINE.toSeconds() + " s " + when;
        } catch (PipeClosedException e) {
            return null;
        }
    }

    private void kill() {
        killed = true;
        child.destroyForcibly();
    }

    /** Closes this side and makes sure the child is gone, whatever happened before. */
    private String finish(String problem) {
        if (pipe != null) {
            pipe.close();
        }
        if (child != null) {
            if (!killed) {
                child.destroyForcibly();
            }
            try {
                child.onExit().get(CLOSE_DEADLINE.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                problem = (problem == null ? "" : problem + "; ") + "child did not exit after SIGKILL: " + e;
            }
        }
        if (named != null) {
            named.close();
        }
        try {
            Files.deleteIfExists(ready);
        } catch (IOException e) {
            problem = (problem == null ? "" : problem + "; ") + "cannot delete " + ready + ": " + e;
        }
        return problem;
    }
}
