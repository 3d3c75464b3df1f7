package dev.switchboard.ipc.node;

import dev.switchboard.ipc.wire.Id128;

/**
 * Internal: counters of this process's node.
 *
 * @param name the node's name
 * @param userMessagesReceived user messages that arrived from other nodes
 * @param userMessagesRelayed of those, the ones this node forwarded on to yet another node
 *     (a proxy left behind by a pipe end that moved); zero once every route is direct
 * @param peers node channels open now
 * @param ports ports of this node, proxies included
 * @param proxies ports that only forward
 */
public record NodeStats(Id128 name, long userMessagesReceived, long userMessagesRelayed, int peers, int ports, int proxies) {}
