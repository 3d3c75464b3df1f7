package dev.switchboard.ipc.examples;

import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.broker.IncomingInvitation;
import dev.switchboard.ipc.broker.sandbox.BrokenDownTime;
import dev.switchboard.ipc.broker.sandbox.SandboxIpcClient;
import dev.switchboard.ipc.broker.sandbox.SandboxRequestRefusedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

/** The child of {@link SandboxDemo}; not meant to be started by hand. */
public final class SandboxDemoChild {

    private static final Duration WAIT = Duration.ofSeconds(30);

    public static void main(String[] args) throws Exception {
        IncomingInvitation invitation = IncomingInvitation.accept(
                IncomingInvitation.Options.DEFAULT.exitWhenParentDies(1));
        MessagePipe results = invitation.extractMessagePipe("results");

        // Synchronous calls to the parent: no message loop, no callback, just a blocking request.
        SandboxIpcClient sandbox = SandboxIpcClient.fromEnvironment();
        long now = Instant.now().getEpochSecond();
        BrokenDownTime here = sandbox.localTime(now);
        BrokenDownTime tokyo = sandbox.localTime(now, "Asia/Tokyo");
        say("LocalTime from the host: " + describe(here) + "; in Tokyo " + describe(tokyo));

        try {
            sandbox.makeSharedMemorySegment(4096, true).close();
        } catch (SandboxRequestRefusedException e) {
            say("executable segment refused, as configured: " + e.getMessage());
        }

        SharedBuffer segment = sandbox.makeSharedMemorySegment(4096, false);
        byte[] text = ("written by the child (pid " + ProcessHandle.current().pid() + ") at "
                + describe(here)).getBytes(StandardCharsets.UTF_8);
        try (SharedMapping mapping = segment.map()) {
            ByteBuffer map = mapping.buffer();
            map.putInt(0, text.length);
            map.put(4, text);
        }
        say("got a " + segment.size() + "-byte segment from the host and wrote "
                + text.length + " bytes into it");

        // the segment's handle moves into the message: the pipe owns it from here
        results.write(Message.of(("segment with " + text.length + " bytes of text").getBytes(StandardCharsets.UTF_8),
                segment));
        say("sent the segment back over the message pipe");

        try {
            results.read(WAIT);
        } catch (PipeClosedException e) {
            say("parent closed the pipe; exiting");
        }
    }

    private static String describe(BrokenDownTime t) {
        return String.format("%04d-%02d-%02d %02d:%02d:%02d %s (UTC offset %s%s)", t.year(), t.month(),
                t.dayOfMonth(), t.hour(), t.minute(), t.second(), t.zoneAbbreviation(),
                ZoneOffset.ofTotalSeconds(t.utcOffsetSeconds()).getId(), t.daylightSaving() ? ", DST" : "");
    }

    private static void say(String s) {
        System.out.println("  [child] " + s);
        System.out.flush();
    }
}
