package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.broker.IncomingInvitation;
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The child of the demo. Launched by {@link Demo}; not meant to be started by hand. */
public final class DemoChild {

    private static final Duration WAIT = Duration.ofSeconds(30);

    public static void main(String[] args) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe control = invitation.extractMessagePipe("control");
        MessagePipe data = invitation.extractMessagePipe("data");
        say("accepted the invitation; pipes " + invitation.pipeNames());

        try (Message greeting = control.read(WAIT)) {
            say("parent says: '" + Demo.text(greeting) + "'");
        }

        try (Message lent = data.read(WAIT);
             FileInputStream file = new FileInputStream(lent.takeHandle(0).toFileDescriptor())) {
            say("got '" + Demo.text(lent) + "'; its content: '"
                    + new String(file.readAllBytes(), StandardCharsets.UTF_8).strip() + "'");
        }

        PlatformChannel pair = PlatformChannel.create();
        control.write(Message.of(Demo.utf8("here is a socketpair end"), pair.takeRemoteEndpoint().takeHandle()));
        say("sent one end of a fresh socketpair back on 'control'");
        PlatformHandle mine = pair.takeLocalEndpoint().takeHandle();
        try (OutputStream out = new FileOutputStream(mine.duplicate().toFileDescriptor());
             BufferedReader in = new BufferedReader(new InputStreamReader(
                     new FileInputStream(mine.toFileDescriptor()), StandardCharsets.UTF_8))) {
            say("read over the socketpair: '" + in.readLine() + "'");
            out.write(Demo.utf8("pong from pid " + ProcessHandle.current().pid() + "\n"));
        }

        try {
            control.read(WAIT);
        } catch (PipeClosedException e) {
            say("parent closed 'control'; exiting");
        }
    }

    private static void say(String s) {
        System.out.println("  [child] " + s);
        System.out.flush();
    }
}
