/**
 * Internal: the Linux and macOS transport, found through {@link java.util.ServiceLoader}. Public
 * only for Switchboard's own modules; applications depend on this module at run time and never
 * call its types.
 */
package dev.switchboard.ipc.transport.unix;
