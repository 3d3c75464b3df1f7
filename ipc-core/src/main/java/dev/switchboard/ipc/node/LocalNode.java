package dev.switchboard.ipc.node;

import dev.switchboard.ipc.wire.Id128;

/** This process's node name: random, 128 bits, fixed for the life of the process. */
public final class LocalNode {

    public static final Id128 NAME = Id128.random();

    private LocalNode() {}
}
