package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.broker.ChildProcess;
import dev.switchboard.ipc.broker.ChildProcessLauncher;
import dev.switchboard.ipc.broker.OutgoingInvitation;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The parent of the demo: launches {@link DemoChild} in a new JVM, invites it with two pipes,
 * greets it, lends it an open file, and gets back one end of a socketpair to talk over.
 */
public final class Demo {

    private static final Duration WAIT = Duration.ofSeconds(30);

    public static void main(String[] args) throws Exception {
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(DemoChild.class)
                .passEndpoint(channel.takeRemoteEndpoint())
                .start();
        say("launched child JVM, pid " + child.pid() + ", its end of the channel in fd 3");

        OutgoingInvitation invitation = new OutgoingInvitation();
        MessagePipe control = invitation.attachMessagePipe("control");
        MessagePipe data = invitation.attachMessagePipe("data");
        invitation.send(child, channel.takeLocalEndpoint(), error -> {
            say("process error: " + error.reason());
            error.process().destroyForcibly();
        });
        say("sent the invitation with pipes 'control' and 'data'");

        control.write(Message.of(utf8("hello from pid " + ProcessHandle.current().pid())));
        say("wrote a greeting on 'control'");

        Path file = Files.createTempFile("switchboard-demo", ".txt");
        Files.writeString(file, "This line was read through a descriptor the parent opened.\n");
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            data.write(Message.of(utf8("an open file"), PlatformHandle.duplicateOf(in.getFD())));
        }
        Files.delete(file); // the child reads it through the descriptor, not the path
        say("passed the descriptor of an open file on 'data' (and deleted the file's name)");

        try (Message reply = control.read(WAIT)) {
            say("child says: '" + text(reply) + "' and sent " + reply.handleCount() + " handle(s)");
            PlatformHandle socketEnd = reply.takeHandle(0);
            try (OutputStream out = new FileOutputStream(socketEnd.duplicate().toFileDescriptor());
                 BufferedReader in = new BufferedReader(new InputStreamReader(
                         new FileInputStream(socketEnd.toFileDescriptor()), StandardCharsets.UTF_8))) {
                out.write(utf8("ping over the socketpair\n"));
                say("wrote a line over the child's socketpair");
                say("child answered over the socketpair: '" + in.readLine() + "'");
            }
        }

        control.close();
        data.close();
        say("closed our pipes; child exited with status " + child.onExit().get());
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(Message m) {
        return new String(m.bytes(), StandardCharsets.UTF_8);
    }

    private static void say(String s) {
        System.out.println("[parent] " + s);
        System.out.flush();
    }
}
