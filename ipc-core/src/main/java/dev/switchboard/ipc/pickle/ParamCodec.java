package dev.switchboard.ipc.pickle;

/**
 * Writes values of one type into a {@link Pickle} and reads them back from a {@link PickleReader}
 * (Chromium calls this ParamTraits). Register one for each of your own types that is not a record
 * with {@link ParamCodecs.Builder#add}.
 *
 * <p>{@code read} must consume exactly what {@code write} produced, must throw only
 * {@link PickleException} for bad input (the reader's own methods already do), and must never
 * pre-size a container from a count it read (use {@link PickleReader#readCount(int)}, which
 * bounds the count by the bytes that remain). Codecs are shared between threads: keep them
 * stateless.
 */
public interface ParamCodec<T> {

    void write(Pickle pickle, T value);

    T read(PickleReader reader);

    /**
     * The fewest bytes any value of this type occupies; at least 4 (every value in a pickle takes
     * at least one 4-byte slot). Counts read off the wire are bounded with it.
     */
    default int minWireSize() {
        return 4;
    }
}
