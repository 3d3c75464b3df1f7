package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.PlatformHandle;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invitations between this JVM and real child JVMs. */
class InvitationTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void messagesAndDescriptorsRoundTripThroughAChildOnSeveralPipes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("f.txt");
        Files.writeString(file, "through the child and back");
        try (Launch l = Launch.java(Children.Echo.class, List.of("control", "data"))) {
            MessagePipe control = l.pipe("control");
            MessagePipe data = l.pipe("data");
            // written before the child can possibly have accepted: they wait and keep order
            for (int i = 0; i < 50; i++) {
                control.write(TestSupport.text("c" + i));
                data.write(TestSupport.text("d" + i));
            }
            PlatformHandle fd;
            try (FileInputStream in = new FileInputStream(file.toFile())) {
                fd = PlatformHandle.duplicateOf(in.getFD());
            }
            data.write(Message.of("with fd".getBytes(StandardCharsets.UTF_8), fd));
            assertTrue(!fd.isValid(), "writing moved the handle into the pipe");
            for (int i = 0; i < 50; i++) {
                assertEquals("c" + i, TestSupport.readText(control, WAIT));
                assertEquals("d" + i, TestSupport.readText(data, WAIT));
            }
            try (Message back = data.read(WAIT)) {
                assertEquals("with fd", TestSupport.text(back));
                assertEquals(1, back.handleCount());
                try (FileInputStream in = new FileInputStream(back.takeHandle(0).toFileDescriptor())) {
                    assertEquals("through the child and back", new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            assertTrue(l.error.getNow(null) == null, "no process error: " + l.error.getNow(null));
        }
    }

    @Test
    void listenerGetsEveryMessageInOrderOnTheChosenExecutorThenPeerClosed() throws Exception {
        try (Launch l = Launch.java(Children.Echo.class, List.of("control"))) {
            MessagePipe control = l.pipe("control");
            java.util.concurrent.LinkedBlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
            java.util.concurrent.ExecutorService exec = java.util.concurrent.Executors.newFixedThreadPool(3, r -> new Thread(r, "user-exec"));
            java.util.concurrent.CompletableFuture<String> closedOn = new java.util.concurrent.CompletableFuture<>();
            control.setListener(exec, new MessagePipe.Listener() {
                @Override
                public void onMessage(MessagePipe pipe, Message message) {
                    got.add(Thread.currentThread().getName() + ":" + TestSupport.text(message));
                }

                @Override
                public void onPeerClosed(MessagePipe pipe) {
                    closedOn.complete(Thread.currentThread().getName());
                }
            });
            for (int i = 0; i < 1000; i++) {
                control.write(TestSupport.text(Integer.toString(i)));
            }
            for (int i = 0; i < 1000; i++) {
                assertEquals("user-exec:" + i, got.poll(30, TimeUnit.SECONDS));
            }
            l.child.destroyForcibly();
            assertEquals("user-exec", closedOn.get(10, TimeUnit.SECONDS));
            exec.shutdown();
        }
    }

    @Test
    void childThatDiesBeforeAcceptingClosesEveryPipeAndReportsWhy() throws Exception {
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forCommand(List.of("true"))
                .passEndpoint(channel.takeRemoteEndpoint()).start();
        Launch l = Launch.invite(child, channel, List.of("control", "data"));
        ProcessError e = l.error.get(10, TimeUnit.SECONDS);
        assertEquals(ProcessError.Kind.DISCONNECTED, e.kind());
        assertTrue(e.reason().startsWith("child disconnected before accepting the invitation"), e.reason());
        assertEquals(child, e.process());
        for (MessagePipe p : l.pipes.values()) {
            assertThrows(PipeClosedException.class, () -> p.read(WAIT));
        }
        assertEquals(0, child.onExit().get(10, TimeUnit.SECONDS));
    }

    @Test
    void aPipeClosedBeforeTheChildAcceptsDeliversWhatWasWrittenThenReportsPeerClosedThere() throws Exception {
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(Children.Echo.class)
                .jvmOptions("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .passEndpoint(channel.takeRemoteEndpoint())
                .appendOutput(Launch.childLog(Children.Echo.class))
                .appendError(Launch.childLog(Children.Echo.class))
                .start();
        try {
            OutgoingInvitation invitation = new OutgoingInvitation();
            MessagePipe control = invitation.attachMessagePipe("control");
            MessagePipe data = invitation.attachMessagePipe("data");
            data.write(TestSupport.text("written before closing"));
            data.close();
            List<ProcessError> errors = new CopyOnWriteArrayList<>();
            invitation.send(child, channel.takeLocalEndpoint(), errors::add);
            // Echo exits once any of its pipes reports the peer closed; 'control' stays open
            assertEquals(0, child.onExit().get(20, TimeUnit.SECONDS), "the child never saw 'data' closed");
            assertEquals(List.of(), errors.stream().filter(e -> e.kind() != ProcessError.Kind.DISCONNECTED).toList());
            control.close();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void extractingANameThatWasNotAttachedIsAClearError() throws Exception {
        try (Launch l = Launch.java(Children.ExtractTwice.class, List.of("only"))) {
            assertEquals("the invitation has no pipe 'other'; it has [only]", TestSupport.readText(l.pipe("only"), WAIT));
            assertEquals("pipe 'only' was already extracted", TestSupport.readText(l.pipe("only"), WAIT));
        }
    }

    @Test
    void childOutputCanGoToFiles(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out.txt");
        Path err = dir.resolve("err.txt");
        ChildProcess child = ChildProcessLauncher.forCommand(List.of("sh", "-c", "echo to-out; echo to-err >&2"))
                .redirectOutput(out).redirectError(err).start();
        assertEquals(0, child.onExit().get(10, TimeUnit.SECONDS));
        assertEquals("to-out\n", Files.readString(out));
        assertEquals("to-err\n", Files.readString(err));
    }

    @Test
    void aSocketPairEndTravelsToTheChildAndCarriesALine() throws Exception {
        try (Launch l = Launch.java(Children.Echo.class, List.of("control"))) {
            PlatformChannel pair = PlatformChannel.create();
            l.pipe("control").write(Message.of(new byte[] {1}, pair.takeRemoteEndpoint().takeHandle()));
            try (Message back = l.pipe("control").read(WAIT);
                 FileOutputStream a = new FileOutputStream(pair.takeLocalEndpoint().takeHandle().toFileDescriptor());
                 FileInputStream b = new FileInputStream(back.takeHandle(0).toFileDescriptor())) {
                a.write("line\n".getBytes(StandardCharsets.UTF_8));
                byte[] line = new byte[5];
                new java.io.DataInputStream(b).readFully(line);
                assertArrayEquals("line\n".getBytes(StandardCharsets.UTF_8), line);
            }
        }
    }
}
