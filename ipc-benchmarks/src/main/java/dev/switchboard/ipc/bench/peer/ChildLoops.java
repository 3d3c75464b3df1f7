package dev.switchboard.ipc.bench.peer;

/**
 * The answering side of every {@link Link} workload: the mirror image of {@link ParentLoops}.
 * A round trip is answered with this side's buffer of the same size. Over a byte stream that
 * buffer holds what just arrived, so it is a true echo; a message link does not copy into it,
 * and nobody compares contents, since only sizes and timing matter here.
 */
public final class ChildLoops {

    private ChildLoops() {}

    public static void serve(Link link, Workload w) throws Exception {
        byte[] ack = {'A'};
        switch (w.kind()) {
            case RTT -> {
                for (int size : w.sizes()) {
                    byte[] buf = new byte[size];
                    for (int i = 0; i < w.warmup() + w.measured(); i++) {
                        link.receive(buf, size);
                        link.send(buf, size);
                    }
                }
            }
            case STREAM -> {
                for (int i = 0; i < w.sizes().size(); i++) {
                    int size = w.sizes().get(i);
                    byte[] buf = new byte[size];
                    for (int t = 0; t < w.warmup() + w.measured(); t++) {
                        link.drain(buf, size, w.batch(i));
                        link.send(ack, 1);
                    }
                }
            }
            case FDS -> {
                for (int t = 0; t < w.warmup() + w.measured(); t++) {
                    for (int j = 0; j < w.batch(0); j++) {
                        link.receiveDescriptor();
                    }
                    link.send(ack, 1);
                }
            }
            default -> throw new IllegalArgumentException(w.kind() + " is not a link workload");
        }
    }
}
