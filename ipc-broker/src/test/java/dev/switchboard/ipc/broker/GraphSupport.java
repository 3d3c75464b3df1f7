package dev.switchboard.ipc.broker;

import dev.switchboard.ipc.Handle;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.node.NodeController;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Shared by the process-graph tests (pipes that travel between processes) and the child
 * programs in {@link GraphChildren}.
 */
final class GraphSupport {

    private GraphSupport() {}

    /** Messages in the graph streams stay small: the point is their count and order, not bulk. */
    static final int SMALL_CAP = 8192;

    /** Like {@link TestSupport#mixedSize} (mostly under 512 bytes, a few empty), capped at 8 KiB. */
    static int smallSize(long seed, int i) {
        return Math.min(TestSupport.mixedSize(seed, i), SMALL_CAP);
    }

    /** Message {@code i} of a small mixed stream: its index, then bytes that depend on seed, index and position. */
    static byte[] smallPayload(long seed, int i) {
        int size = smallSize(seed, i);
        byte[] b = new byte[size];
        if (size >= 4) {
            ByteBuffer.wrap(b).putInt(i);
        }
        for (int j = Math.min(4, size); j < size; j++) {
            b[j] = (byte) (i * 31 + j + seed);
        }
        return b;
    }

    /** Null when {@code got} is message {@code i} of the small stream with this seed, else what is wrong. */
    static String checkSmall(long seed, int i, byte[] got) {
        return TestSupport.difference(i, smallPayload(seed, i), got);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static Message text(String s, Handle... handles) {
        return Message.of(utf8(s), handles);
    }

    /** Every OS handle and pipe end of {@code m} (taken from it), fds first: for re-sending a message as it came. */
    static Handle[] takeAll(Message m) {
        List<Handle> all = new ArrayList<>(m.takeHandles());
        all.addAll(m.takePipes());
        return all.toArray(new Handle[0]);
    }

    /** "n INDEX": the numbered messages of the travel and bounce streams. */
    static Message numbered(int i, Handle... handles) {
        return text("n " + i, handles);
    }

    /** The index of a numbered message, or -1 when it is something else. */
    static int indexOf(Message m) {
        String t = TestSupport.text(m);
        if (!t.startsWith("n ")) {
            return -1;
        }
        try {
            return Integer.parseInt(t.substring(2));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** A fresh descriptor of a file (open for reading at offset 0). */
    static PlatformHandle fdOf(Path file) throws IOException {
        try (FileInputStream in = new FileInputStream(file.toFile())) {
            return PlatformHandle.duplicateOf(in.getFD());
        }
    }

    /** A temporary file holding {@code content}, as a descriptor; the file itself is deleted at once. */
    static PlatformHandle tempFileFd(String content) throws IOException {
        Path f = Files.createTempFile("graph", ".txt");
        try {
            Files.writeString(f, content);
            return fdOf(f);
        } finally {
            Files.delete(f);
        }
    }

    /** Reads what the descriptor's file holds from its current offset, and closes it. */
    static String contentOf(PlatformHandle h) throws IOException {
        try (FileInputStream in = new FileInputStream(h.toFileDescriptor())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ---- this process's node ----

    static long relayed() {
        return NodeController.get().stats().userMessagesRelayed();
    }

    static long received() {
        return NodeController.get().stats().userMessagesReceived();
    }

    static int proxies() {
        return NodeController.get().stats().proxies();
    }

    static int peers() {
        return NodeController.get().stats().peers();
    }

    /** "peers=P relayed=R received=N proxies=X ports=Y": what a child reports about its node. */
    static String statsLine() {
        var s = NodeController.get().stats();
        return "peers=" + s.peers() + " relayed=" + s.userMessagesRelayed() + " received=" + s.userMessagesReceived()
                + " proxies=" + s.proxies() + " ports=" + s.ports();
    }

    /** The key=value words of a report line. */
    static Map<String, String> fields(String line) {
        Map<String, String> f = new HashMap<>();
        for (String w : line.split(" ")) {
            int eq = w.indexOf('=');
            if (eq > 0) {
                f.put(w.substring(0, eq), w.substring(eq + 1));
            }
        }
        return f;
    }

    static long field(String line, String key) {
        String v = fields(line).get(key);
        if (v == null) {
            throw new AssertionError("no " + key + "= in '" + line + "'");
        }
        return Long.parseLong(v);
    }

    static void closeQuietly(MessagePipe p) {
        if (p != null) {
            p.close();
        }
    }
}
