package dev.switchboard.ipc.broker;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import dev.switchboard.ipc.Message;
import dev.switchboard.ipc.MessagePipe;
import dev.switchboard.ipc.SharedBuffer;
import dev.switchboard.ipc.SharedMapping;
import dev.switchboard.ipc.SharedMemoryLimitException;
import java.io.IOException;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Child programs of {@link SharedBufferChildTest}. */
final class SharedBufferChildren {

    private SharedBufferChildren() {}

    private static final Duration LONG = Duration.ofSeconds(60);

    /**
     * Receives a read-only buffer on "control", tries every route to write it (a writable mapping,
     * mprotect, a writable re-open through /proc/self/fd, a put into its ByteBuffer) and reports
     * which succeeded ("refused all" when none did) with what it read; then, on "again", reports
     * what it reads through the same mapping now.
     */
    public static final class ReadOnlyReceiver {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe control = inv.extractMessagePipe("control");
            try (Message m = control.read(LONG);
                    SharedBuffer ro = m.takeSharedBuffer(0);
                    SharedMapping map = ro.map()) {
                List<String> wrote = new ArrayList<>();
                if (!ro.isReadOnly() || !map.isReadOnly()) {
                    wrote.add("arrived-writable");
                }
                try {
                    map.buffer().put(0, (byte) 'X');
                    wrote.add("bytebuffer-put");
                } catch (ReadOnlyBufferException expected) {
                    // refused
                }
                int fd = onlySharedMemoryFd();
                int size = (int) ro.size();
                long w = Raw.mmap(0, size, Raw.PROT_READ | Raw.PROT_WRITE, Raw.MAP_SHARED, fd, 0);
                if (w != -1) {
                    wrote.add("mmap-prot-write");
                    Raw.munmap(w, size);
                }
                long r = Raw.mmap(0, size, Raw.PROT_READ, Raw.MAP_SHARED, fd, 0);
                if (r == -1) {
                    wrote.add("read-only-mmap-failed");
                } else {
                    if (Raw.mprotect(r, size, Raw.PROT_READ | Raw.PROT_WRITE) == 0) {
                        wrote.add("mprotect");
                    }
                    Raw.munmap(r, size);
                }
                int rw = Raw.open("/proc/self/fd/" + fd, Raw.O_RDWR | Raw.O_CLOEXEC, 0);
                if (rw >= 0) {
                    Memory one = new Memory(1);
                    one.setByte(0, (byte) 'X');
                    if (Raw.write(rw, one, 1) == 1) {
                        wrote.add("reopen-write");
                    }
                    long w2 = Raw.mmap(0, size, Raw.PROT_READ | Raw.PROT_WRITE, Raw.MAP_SHARED, rw, 0);
                    if (w2 != -1) {
                        wrote.add("reopen-mmap-prot-write");
                        Raw.munmap(w2, size);
                    }
                    Raw.close(rw);
                }
                String seen = ascii(map, 8);
                control.write(TestSupport.text((wrote.isEmpty() ? "refused all" : "wrote " + wrote) + " read " + seen));
                try (Message again = control.read(LONG)) {
                    control.write(TestSupport.text("read " + ascii(map, 8)));
                }
            }
            control.close();
        }

        private static String ascii(SharedMapping map, int n) {
            byte[] b = new byte[n];
            map.buffer().get(0, b);
            return new String(b, StandardCharsets.US_ASCII);
        }

        /** The one descriptor of this process that is a Switchboard memfd: the buffer that arrived. */
        private static int onlySharedMemoryFd() throws IOException {
            List<Integer> found = new ArrayList<>();
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    try {
                        if (Files.readSymbolicLink(p).toString().contains("memfd:switchboard-shared")) {
                            found.add(Integer.parseInt(p.getFileName().toString()));
                        }
                    } catch (IOException gone) {
                        // closed while listed
                    }
                }
            }
            if (found.size() != 1) {
                throw new IllegalStateException("expected one shared-memory fd, found " + found);
            }
            return found.get(0);
        }
    }

    /**
     * Asks the broker for a buffer of each size in {@code args} (after the first, "send" or
     * "keep") and writes "results" with, per size, "ok" or the limit that refused it. With "send",
     * each buffer it got goes to the parent on "control" first, with "child" written at its start.
     */
    public static final class BrokerAllocator {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe control = inv.extractMessagePipe("control");
            boolean send = args[0].equals("send");
            List<String> results = new ArrayList<>();
            List<SharedBuffer> kept = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                long size = Long.parseLong(args[i]);
                try {
                    SharedBuffer b = SharedBuffer.createByBroker(size);
                    try (SharedMapping m = b.map(0, (int) Math.min(size, 4096))) {
                        m.buffer().put(0, "child".getBytes(StandardCharsets.US_ASCII), 0, (int) Math.min(size, 5));
                    }
                    results.add(b.size() == size && !b.isReadOnly() ? "ok" : "wrong " + b);
                    if (send) {
                        control.write(Message.of(new byte[0], b));
                    } else {
                        kept.add(b);
                    }
                } catch (SharedMemoryLimitException e) {
                    results.add(e.kind().name());
                }
            }
            control.write(TestSupport.text("results " + String.join(" ", results)));
            try (Message bye = control.read(LONG)) {
                kept.forEach(SharedBuffer::close);
            }
            control.close();
        }
    }

    /**
     * Asks the broker for {@code args[0]} bytes again and again, ignoring every refusal, until the
     * broker stops answering (it drops a client that collects too many); exits 0 then, 1 if the
     * broker never does within {@code args[1]} requests.
     */
    public static final class QuotaFlood {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe control = inv.extractMessagePipe("control");
            long size = Long.parseLong(args[0]);
            int most = Integer.parseInt(args[1]);
            for (int i = 0; i < most; i++) {
                try {
                    SharedBuffer.createByBroker(size).close();
                } catch (SharedMemoryLimitException refused) {
                    // asks again anyway
                } catch (java.io.UncheckedIOException dropped) {
                    System.exit(0);
                }
            }
            control.close();
            System.exit(1);
        }
    }

    /**
     * Invites a {@link BrokerAllocator} ("send", then the sizes in {@code args}) as its own child,
     * so that the grandchild's broker is not its inviter, and hands the parent its end of the
     * grandchild's "control" pipe; exits when the parent closes "control".
     */
    public static final class MiddleInviter {
        public static void main(String[] args) throws Exception {
            IncomingInvitation inv = IncomingInvitation.accept();
            MessagePipe control = inv.extractMessagePipe("control");
            var channel = dev.switchboard.ipc.PlatformChannel.create();
            List<String> grandArgs = new ArrayList<>(List.of("send"));
            grandArgs.addAll(List.of(args));
            ChildProcess grandchild = ChildProcessLauncher.forJava(BrokerAllocator.class)
                    .jvmOptions("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")
                    .passEndpoint(channel.takeRemoteEndpoint())
                    .args(grandArgs.toArray(String[]::new))
                    .start();
            OutgoingInvitation out = new OutgoingInvitation();
            MessagePipe toGrandchild = out.attachMessagePipe("control");
            out.send(grandchild, channel.takeLocalEndpoint());
            out.accepted().get(); // a pipe end travels once its invitation is connected
            control.write(Message.of(new byte[0], toGrandchild));
            try {
                control.read(LONG);
            } catch (dev.switchboard.ipc.PipeClosedException done) {
                // the parent is finished
            }
            grandchild.onExit().get();
        }
    }

    /** Raw libc calls, as a receiver that tries to get around the read-only rule makes them. Linux LP64. */
    static final class Raw {
        static final int PROT_READ = 1;
        static final int PROT_WRITE = 2;
        static final int MAP_SHARED = 1;
        static final int O_RDWR = 2;
        static final int O_CLOEXEC = 02000000;

        static {
            Native.register(Raw.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        private Raw() {}

        static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

        static native int munmap(long address, long length);

        static native int mprotect(long address, long length, int prot);

        static native int open(String path, int flags, int mode);

        static native long write(int fd, Pointer buf, long count);

        static native int close(int fd);
    }
}
