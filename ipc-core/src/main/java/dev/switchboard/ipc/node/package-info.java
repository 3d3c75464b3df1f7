/**
 * Internal: this process's node, its channels to other nodes, and the payloads user messages
 * carry between them. Public only for Switchboard's own modules; not an API, and it changes
 * without notice.
 */
package dev.switchboard.ipc.node;
