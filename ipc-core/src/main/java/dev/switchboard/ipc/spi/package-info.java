/**
 * Transport SPI: what an operating system must provide (handles, frame channels, process
 * launching, named channels, the sandbox channel), for transport implementors. Transports are
 * found with {@link java.util.ServiceLoader}; applications never call these types.
 */
package dev.switchboard.ipc.spi;
