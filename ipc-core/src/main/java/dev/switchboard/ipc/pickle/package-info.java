/**
 * Pickling: a 4-byte-aligned, little-endian value encoding ({@link dev.switchboard.ipc.pickle.Pickle}
 * writes, {@link dev.switchboard.ipc.pickle.PickleReader} reads strictly) and the codecs
 * ({@link dev.switchboard.ipc.pickle.ParamCodec}, resolved by {@link dev.switchboard.ipc.pickle.ParamCodecs})
 * that turn Java values into it and back. Pure logic, no I/O. The byte layout of every built-in
 * type is in {@code docs/protocol.md}, section "Typed messages".
 *
 * <p>Decoding never loads or instantiates a class named by the input: a reader is always driven by
 * a codec the receiving code resolved from a type it declared.
 */
package dev.switchboard.ipc.pickle;
