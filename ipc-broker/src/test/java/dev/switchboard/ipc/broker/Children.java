package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformHandle;
import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The child programs the real-process tests launch. Each is a main class of its own. */
final class Children {

    private Children() {}

    private static final Duration LONG = Duration.ofSeconds(60);

    /** Echoes every message on "control" and "data" back on the same pipe, handles included. */
    public static final class Echo {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            CompletableFuture<Void> done = new CompletableFuture<>();
            for (String name : inv.pipeNames()) {
                MessagePipe p = inv.extractMessagePipe(name);
                p.setListener(Runnable::run, new MessagePipe.Listener() {
                    @Override
                    public void onMessage(MessagePipe pipe, Message message) {
                        try {
                            pipe.write(message);
                        } catch (PipeClosedException e) {
                            message.close();
                        }
                    }

                    @Override
                    public void onPeerClosed(MessagePipe pipe) {
                        done.complete(null);
                    }
                });
            }
            done.get();
        }
    }

    /** Extracts a name that was not attached, then "only" twice; reports both errors on "only". */
    public static final class ExtractTwice {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            String missing;
            try {
                inv.extractMessagePipe("other");
                missing = "no error";
            } catch (IllegalArgumentException e) {
                missing = e.getMessage();
            }
            MessagePipe only = inv.extractMessagePipe("only");
            String twice;
            try {
                inv.extractMessagePipe("only");
                twice = "no error";
            } catch (IllegalStateException e) {
                twice = e.getMessage();
            }
            only.write(TestSupport.text(missing));
            only.write(TestSupport.text(twice));
            awaitPeerClosed(only);
        }
    }

    /** Reports its open descriptors ("fd target" lines) on "control", then waits for the parent to hang up. */
    public static final class ListFds {
        public static void main(String[] args) throws Exception {
            // list before Switchboard opens anything of its own beyond the inherited slot
            Map<Integer, String> fds = TestSupport.openFds();
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe control = inv.extractMessagePipe("control");
            StringBuilder sb = new StringBuilder();
            fds.forEach((fd, target) -> sb.append(fd).append(' ').append(target).append('\n'));
            control.write(TestSupport.text(sb.toString()));
            awaitPeerClosed(control);
        }
    }

    /**
     * Sends {@code count} mixed-size messages on "data" while verifying the {@code count} the
     * parent sends, then reports "ok" or the first problem on "control".
     */
    public static final class Stream {
        public static void main(String[] args) throws Exception {
            int count = Integer.parseInt(args[0]);
            long seed = Long.parseLong(args[1]);
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe control = inv.extractMessagePipe("control");
            MessagePipe data = inv.extractMessagePipe("data");
            Thread writer = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    data.write(Message.of(TestSupport.mixedPayload(seed + 1, i)));
                }
            });
            writer.start();
            String problem = null;
            for (int i = 0; i < count && problem == null; i++) {
                Message m = data.read(LONG);
                problem = m == null ? "message " + i + " did not arrive" : TestSupport.checkMixed(seed, i, m.bytes());
            }
            writer.join();
            control.write(TestSupport.text(problem == null ? "ok" : problem));
            awaitPeerClosed(control);
        }
    }

    /**
     * Receives {@code count} messages on "data", each an index and one fd of a file whose content
     * is "file-INDEX". Starts reading only after a pause so that the parent's socket buffer fills.
     * Reports "ok FDS_BEFORE FDS_AFTER" or the first problem on "control".
     */
    public static final class SlowFdReader {
        public static void main(String[] args) throws Exception {
            int count = Integer.parseInt(args[0]);
            long pauseMs = Long.parseLong(args[1]);
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe control = inv.extractMessagePipe("control");
            MessagePipe data = inv.extractMessagePipe("data");
            int before = TestSupport.openFdCount();
            Thread.sleep(pauseMs);
            String problem = null;
            for (int i = 0; i < count && problem == null; i++) {
                Message m = data.read(LONG);
                if (m == null) {
                    problem = "message " + i + " did not arrive";
                    break;
                }
                int index = ByteBuffer.wrap(m.bytes()).getInt();
                if (index != i || m.handleCount() != 1) {
                    problem = "message " + i + " has index " + index + " and " + m.handleCount() + " handles";
                }
                PlatformHandle h = m.takeHandle(0);
                try (FileInputStream in = new FileInputStream(h.toFileDescriptor())) {
                    String content = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    if (problem == null && !content.equals("file-" + i)) {
                        problem = "message " + i + " carries the fd of '" + content + "'";
                    }
                }
                if (i % 500 == 0) {
                    Thread.sleep(1); // stay slower than the writer throughout
                }
            }
            int after = TestSupport.openFdCount();
            control.write(TestSupport.text(problem == null ? "ok " + before + " " + after : problem));
            awaitPeerClosed(control);
        }
    }

    /** Writes on "control" and "data" until killed. */
    public static final class Chatter {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe control = inv.extractMessagePipe("control");
            MessagePipe data = inv.extractMessagePipe("data");
            control.write(TestSupport.text("started " + ProcessHandle.current().pid()));
            byte[] chunk = new byte[4096];
            while (true) {
                data.write(Message.of(chunk));
                Thread.sleep(1);
            }
        }
    }

    /**
     * Middle process for the parent-death test: launches {@link Orphan} with an invitation,
     * reports "ready" on stdout, then waits to be killed.
     */
    public static final class MiddleParent {
        public static void main(String[] args) throws Exception {
            String resultFile = args[0];
            boolean exitPolicy = Boolean.parseBoolean(args[1]);
            var channel = dev.switchboard.ipc.PlatformChannel.create();
            ChildProcess child = ChildProcessLauncher.forJava(Orphan.class)
                    .passEndpoint(channel.takeRemoteEndpoint())
                    .args(resultFile, Boolean.toString(exitPolicy))
                    .start();
            OutgoingInvitation inv = new OutgoingInvitation();
            MessagePipe control = inv.attachMessagePipe("control");
            MessagePipe data = inv.attachMessagePipe("data");
            inv.send(child, channel.takeLocalEndpoint());
            control.write(TestSupport.text("hello"));
            if (!"ready".equals(TestSupport.readText(control, LONG))) {
                System.exit(3);
            }
            System.out.println("ready " + child.pid());
            System.out.flush();
            data.write(TestSupport.text("keep"));
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    /** Waits for its parent to die; writes "closed MILLIS" (wall clock) to the result file when both pipes report it. */
    public static final class Orphan {
        public static void main(String[] args) throws Exception {
            Path result = Path.of(args[0]);
            boolean exitPolicy = Boolean.parseBoolean(args[1]);
            IncomingInvitation.Options options = IncomingInvitation.Options.DEFAULT;
            if (exitPolicy) {
                options = options.exitWhenParentDies(7);
            }
            IncomingInvitation inv = IncomingInvitation.accept(options);
            MessagePipe control = inv.extractMessagePipe("control");
            MessagePipe data = inv.extractMessagePipe("data");
            TestSupport.readText(control, LONG);
            control.write(TestSupport.text("ready"));
            if (exitPolicy) {
                Thread.sleep(Long.MAX_VALUE);
            }
            awaitPeerClosed(control);
            awaitPeerClosed(data);
            Files.writeString(result, "closed " + System.currentTimeMillis());
        }
    }

    static void awaitPeerClosed(MessagePipe pipe) throws InterruptedException {
        while (true) {
            try {
                Message m = pipe.read(LONG);
                if (m != null) {
                    m.close();
                }
            } catch (PipeClosedException e) {
                return;
            }
        }
    }

}
