package dev.switchboard.ipc.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PipeClosedException;
import dev.switchboard.ipc.PlatformChannel;
import dev.switchboard.ipc.node.NodeController;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Trusted children (Python, written from the protocol document) send ADD_CLIENT for made-up
 * nodes by the tens of thousands. The broker registers a bounded number per child, treats none of
 * them as members of the graph until they connect, announces none of them to other clients,
 * reports every flooding child's disconnect, and keeps nothing afterwards.
 */
class AddClientFloodTest {

    private static final int FLOOD = 80_000;
    private static final Duration WAIT = Duration.ofSeconds(120);

    @BeforeAll
    static void warmUp() throws Exception {
        try (Launch l = Launch.java(Children.Echo.class, List.of("control"))) {
            l.pipe("control").write(TestSupport.text("warm"));
            TestSupport.readText(l.pipe("control"), Duration.ofSeconds(30));
        }
    }

    /** A Python child invited with one pipe, and what its invitation reported. */
    private record Hostile(PythonChild child, MessagePipe control, CompletableFuture<ProcessError> error, OutgoingInvitation invitation) {
        static Hostile start(String... args) throws Exception {
            PlatformChannel channel = PlatformChannel.create();
            PythonChild child = PythonChild.start(channel, args);
            OutgoingInvitation inv = new OutgoingInvitation();
            MessagePipe control = inv.attachMessagePipe("control");
            CompletableFuture<ProcessError> error = new CompletableFuture<>();
            inv.send(child.process, channel.takeLocalEndpoint(), error::complete, Launch.CALLBACKS);
            inv.accepted().get(30, TimeUnit.SECONDS);
            return new Hostile(child, control, error, inv);
        }

        void awaitGone() throws Exception {
            ProcessError e = error.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            System.out.println(child.process + ": " + e);
            assertThrows(PipeClosedException.class, () -> control.read(WAIT), "the pipe reports peer-closed");
            control.close();
            child.process.destroyForcibly();
            child.process.onExit().get(30, TimeUnit.SECONDS);
        }
    }

    private static String output(Hostile h) {
        try {
            return h.child.output();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            TestSupport.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /**
     * "flood" closes every channel end the broker sends back; "silent-clients" keeps them all open
     * and never says CLIENT_HELLO on any: either way none of the made-up nodes becomes a member.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"flood", "silent-clients"})
    void aFloodOfAddClientIsBoundedAnnouncedToNobodyAndLeavesNothing(String mode) throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        List<String> threadsBefore = ThreadSnapshot.names();
        int peersBefore = NodeController.get().stats().peers();
        long heapBefore = heapAfterGc();

        Hostile observer = Hostile.start("observe");
        Hostile flood = Hostile.start(mode, Integer.toString(FLOOD));
        String flooder = flood.invitation.accepted().get().toHex();
        ProcessError e = flood.error.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(ProcessError.Kind.MALFORMED, e.kind(), e.reason());
        assertTrue(e.reason().contains("ADD_CLIENT beyond the limit of " + NodeController.MAX_CLIENTS_PER_INVITER), e.reason());
        flood.awaitGone();
        System.out.println(mode + " of " + FLOOD + ": " + e + "; the child said: " + flood.child.output().strip().replace('\n', ' '));

        // Once the broker holds no channel but the observer's, every announcement it will ever
        // make about the flood is queued towards the observer; a message written now arrives after them.
        TestSupport.awaitTrue(WAIT, () -> NodeController.get().stats().peers() <= peersBefore + 1, "peers back to the observer alone");
        observer.control.write(TestSupport.text("after the flood"));
        TestSupport.awaitTrue(WAIT, () -> output(observer).contains("event"), "the observer got the message");
        List<String> heard = output(observer).lines().filter(l -> l.startsWith("node-lost ")).toList();
        System.out.println("the observer heard " + heard.size() + " NODE_LOST: " + heard);
        assertEquals(List.of("node-lost " + flooder), heard, "only the flooder, a real client, is announced");

        observer.control.close();
        observer.child.process.destroyForcibly();
        observer.child.process.onExit().get(30, TimeUnit.SECONDS);
        TestSupport.awaitTrue(Duration.ofSeconds(30), () -> NodeController.get().stats().peers() <= peersBefore, "peers back to " + peersBefore);
        long heapAfter = heapAfterGc();
        System.out.printf("heap after GC: before %.1f MiB, after %.1f MiB (%+.1f MiB)%n",
                heapBefore / 1048576.0, heapAfter / 1048576.0, (heapAfter - heapBefore) / 1048576.0);
        TestSupport.assertFdCountReturnsTo(before.size(), before);
        ThreadSnapshot.assertReturnsTo(threadsBefore, Duration.ofSeconds(10));
    }

    @Test
    void twoFloodsAtOnceAreBothReportedAndTheirPipesClosed() throws Exception {
        Map<Integer, String> before = TestSupport.openFds();
        for (int run = 0; run < 4; run++) {
            List<Hostile> floods = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                floods.add(Hostile.start("flood-exit", Integer.toString(FLOOD)));
            }
            for (Hostile h : floods) {
                h.awaitGone();
            }
        }
        TestSupport.assertFdCountReturnsTo(before.size(), before);
    }

    /**
     * A registration becomes a member only through CLIENT_HELLO naming it, on the channel the
     * broker made for it: with the wrong name the broker hangs up on that channel and nobody hears
     * of the node; with the right one it is a member, and its loss is announced like any other.
     */
    @Test
    void aClientIsAMemberOnlyAfterAHelloNamingItOnItsOwnChannel() throws Exception {
        Hostile observer = Hostile.start("observe");
        int peersBefore = NodeController.get().stats().peers();

        Hostile wrong = Hostile.start("hello-wrong");
        TestSupport.awaitTrue(WAIT, () -> output(wrong).contains("client-closed"), "the broker hung up on the wrong CLIENT_HELLO");
        assertEquals(peersBefore + 1, NodeController.get().stats().peers(), "only the inviter itself is a peer");
        assertTrue(!wrong.error.isDone(), "the inviter is not blamed for a channel it handed on: " + wrong.error.getNow(null));

        Hostile right = Hostile.start("hello-right");
        TestSupport.awaitTrue(WAIT, () -> output(right).contains("client "), "the made-up client said hello");
        String client = output(right).lines().filter(l -> l.startsWith("client ")).findFirst().orElseThrow().substring("client ".length());
        TestSupport.awaitTrue(WAIT, () -> NodeController.get().stats().peers() == peersBefore + 3, "the client that said hello is a member");
        right.control.write(TestSupport.text("drop it")); // the child closes the client's channel on this
        TestSupport.awaitTrue(WAIT, () -> output(observer).contains("node-lost " + client), "the member's loss is announced");

        for (Hostile h : List.of(wrong, right)) {
            h.control.close();
            h.child.process.destroyForcibly();
            h.child.process.onExit().get(30, TimeUnit.SECONDS);
        }
        TestSupport.awaitTrue(WAIT, () -> NodeController.get().stats().peers() <= peersBefore, "only the observer left");
        observer.control.write(TestSupport.text("barrier"));
        TestSupport.awaitTrue(WAIT, () -> output(observer).contains("event"), "the observer got the message");
        List<String> heard = output(observer).lines().filter(l -> l.startsWith("node-lost ")).toList();
        assertEquals(3, heard.size(), "the member and the two inviters, nothing about the wrong hello: " + heard);
        observer.control.close();
        observer.child.process.destroyForcibly();
        observer.child.process.onExit().get(30, TimeUnit.SECONDS);
    }
}
