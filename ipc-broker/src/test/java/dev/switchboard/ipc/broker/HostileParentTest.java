package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.wire.FrameBody;
import dev.switchboard.ipc.wire.FrameCodec;
import dev.switchboard.ipc.wire.Id128;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The hostile party is the parent: this test launches a real Java child that calls
 * {@code IncomingInvitation.accept()} with its default 30 s timeout, and plays the inviter on the
 * other end of the socketpair with raw frames. Every INVITE field that breaks the protocol makes
 * the child fail at once with an {@link InvitationException} naming the field, and hang up.
 */
class HostileParentTest {

    private static final Id128 ZERO = new Id128(0, 0);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "zero-token    | INVITE token is zero",
        "zero-inviter  | INVITE inviter node is zero",
        "zero-broker   | INVITE broker is zero",
        "zero-port     | INVITE pipe port 1 is zero",
        "isolated      | got an isolated invitation where a normal one was expected",
    })
    void aMalformedInviteFailsTheChildAtOnceNamingTheField(String mode, String reason, @TempDir Path dir) throws Exception {
        Id128 token = Id128.random();
        Id128 inviter = Id128.random();
        Id128 broker = inviter;
        Id128 port = Id128.random();
        boolean isolated = false;
        switch (mode) {
            case "zero-token" -> token = ZERO;
            case "zero-inviter" -> inviter = ZERO;
            case "zero-broker" -> broker = ZERO;
            case "zero-port" -> port = ZERO;
            case "isolated" -> {
                isolated = true;
                broker = ZERO;
            }
            default -> throw new IllegalArgumentException(mode);
        }
        List<FrameBody.PipeName> pipes = isolated ? List.of(new FrameBody.PipeName("a", Id128.random()))
                : List.of(new FrameBody.PipeName("a", Id128.random()), new FrameBody.PipeName("b", port));
        ByteBuffer invite = FrameCodec.encode(new FrameBody.Invite(token, inviter, broker, isolated, pipes));

        Path out = dir.resolve("child.out");
        PlatformChannel channel = PlatformChannel.create();
        ChildProcess child = ChildProcessLauncher.forJava(InviteeChild.class)
                .jvmOptions("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                .passEndpoint(channel.takeRemoteEndpoint())
                .redirectOutput(out)
                .appendError(Launch.childLog(InviteeChild.class))
                .start();
        FileDescriptor mine = channel.takeLocalEndpoint().takeHandle().toFileDescriptor(); // closed with toChild
        try (FileOutputStream toChild = new FileOutputStream(mine);
             FileInputStream fromChild = new FileInputStream(mine)) {
            toChild.write(invite.array(), invite.arrayOffset() + invite.position(), invite.remaining());
            // the child drops the channel: nothing comes back, not even an ACCEPT
            assertEquals(-1, fromChild.read(), "the child answered a malformed INVITE");
            assertEquals(0, child.onExit().get(60, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        String said = Files.readString(out).strip();
        System.out.println(mode + ": " + said);
        assertTrue(said.startsWith("failed after "), said);
        assertTrue(said.contains("invitation failed: malformed invitation from the parent: " + reason), said);
    }
}
