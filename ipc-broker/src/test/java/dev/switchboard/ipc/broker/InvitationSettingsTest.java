package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.PlatformChannelEndpoint;
import dev.switchboard.ipc.wire.Limits;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What an invitation lets callers change, and when. */
class InvitationSettingsTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void limitsTrustAndPipesAreFixedOnceTheInvitationIsSent() throws Exception {
        OutgoingInvitation invitation = new OutgoingInvitation();
        MessagePipe pipe = invitation.attachMessagePipe("control");
        PlatformChannel channel = PlatformChannel.create();
        PlatformChannelEndpoint remote = channel.takeRemoteEndpoint(); // nobody accepts
        try {
            invitation.send(null, channel.takeLocalEndpoint());

            // the handshake already took its settings: a later change would be silently lost
            IllegalStateException limits = assertThrows(IllegalStateException.class,
                    () -> invitation.limits(Limits.DEFAULT));
            assertEquals("invitation already sent", limits.getMessage());
            assertThrows(IllegalStateException.class, invitation::untrustedProcess);
            assertThrows(IllegalStateException.class, () -> invitation.attachMessagePipe("late"));
        } finally {
            remote.close();
            pipe.close();
        }
    }

    @Test
    void theChildCannotChangeTheInvitationsPipeNames() throws Exception {
        try (Launch l = Launch.java(ClearsPipeNames.class, List.of("b", "a"))) {
            assertEquals("unmodifiable [a, b]; extracted b", TestSupport.readText(l.pipe("b"), WAIT));
        }
    }

    /** Tries to clear {@code pipeNames()}, then extracts "b" and reports on it. */
    public static final class ClearsPipeNames {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            String outcome;
            try {
                inv.pipeNames().clear();
                outcome = "cleared";
            } catch (UnsupportedOperationException e) {
                outcome = "unmodifiable";
            }
            MessagePipe b = inv.extractMessagePipe("b");
            b.write(TestSupport.text(outcome + " " + inv.pipeNames() + "; extracted b"));
            Children.awaitPeerClosed(b);
        }
    }
}
