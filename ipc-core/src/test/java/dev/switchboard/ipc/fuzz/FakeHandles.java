package dev.switchboard.ipc.fuzz;

import dev.switchboard.ipc.PlatformHandle;
import dev.switchboard.ipc.spi.HandleOps;
import java.io.FileDescriptor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A batch of stand-in OS handles for a decoder under test: nothing is opened, and every close
 * is counted, so a test can prove that each handle was closed exactly once (or not at all while
 * a decoded value still owns it). Handle {@code i} of the batch has the raw value {@code i}.
 */
final class FakeHandles implements HandleOps {

    private final int[] closes;
    private final List<PlatformHandle> handles;

    FakeHandles(int count) {
        closes = new int[count];
        List<PlatformHandle> hs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            hs.add(PlatformHandle.adopt(i, this));
        }
        handles = Collections.unmodifiableList(hs);
    }

    /** The handles, in the order they arrived with the message. */
    List<PlatformHandle> handles() {
        return handles;
    }

    /** How many times handle {@code i} was closed. */
    int closes(int i) {
        return closes[i];
    }

    @Override
    public void close(long handle) {
        closes[(int) handle]++;
    }

    @Override
    public long duplicate(long handle) {
        throw new UnsupportedOperationException("fake handles are not duplicated");
    }

    @Override
    public long duplicate(FileDescriptor fd) {
        throw new UnsupportedOperationException("fake handles are not duplicated");
    }

    @Override
    public FileDescriptor toFileDescriptor(long handle) {
        throw new UnsupportedOperationException("fake handles have no descriptor");
    }

    @Override
    public void setNotInheritable(long handle) {}

    @Override
    public String describe(long handle) {
        return "fake handle " + handle;
    }
}
