#!/usr/bin/env python3
"""A child written from docs/protocol.md alone that misbehaves on purpose.

It gets its channel to the parent in fd 3, reads the parent's INVITE and then, by mode (argv[1]):
  accept-zero-node    ACCEPT naming the zero id as its node
  accept-zero-port    ACCEPT naming the zero id as its second port
  flood N             a correct ACCEPT, then N ADD_CLIENT frames for made-up nodes
  flood-exit N        the same, then exits at once
  silent-clients N    a correct ACCEPT, then N ADD_CLIENT frames; keeps every channel end the
                      broker sends back open and never speaks on it
  hello-right         a correct ACCEPT, ADD_CLIENT for a made-up node X, then on the channel end the
                      broker sends back: CLIENT_HELLO(X); prints "client <X>"; closes that end
                      when the first EVENT arrives on its own channel
  hello-wrong         the same, but CLIENT_HELLO names another node; prints "client-closed" once
                      the broker hangs up on that channel
  observe             a correct ACCEPT, then only reads; prints "node-lost <node>" for every
                      NODE_LOST and "event" for every EVENT it gets, as they arrive
Afterwards it reads (closing every descriptor that arrives) until the parent hangs up, and prints
what it saw on stdout: "client-added K" lines and, at the end, "eof".
"""
import os
import socket
import struct
import sys
import threading

MAGIC = 0x44425753
INVITE, ACCEPT, EVENT, NODE_LOST, ADD_CLIENT, CLIENT_ADDED, CLIENT_HELLO = 0x02, 0x03, 0x06, 0x09, 0x0A, 0x0B, 0x0E


def frame(ftype, body, handles=0):
    length = 16 + len(body)
    pad = (-length) % 8
    return struct.pack('<IBBHII', MAGIC, 1, ftype, handles, length, 0) + body + b'\0' * pad


def node_id():
    while True:
        b = os.urandom(16)
        if any(b):
            return b


class Reader:
    """Reads frames, collecting the descriptors that ride along (SCM_RIGHTS)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b''
        self.fds = []

    def fill(self, n):
        while len(self.buf) < n:
            data, anc, _, _ = self.sock.recvmsg(65536, socket.CMSG_SPACE(60 * 4))
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                    usable = len(payload) - len(payload) % 4
                    self.fds.extend(struct.unpack('<%di' % (usable // 4), payload[:usable]))
            if not data:
                return False
            self.buf += data
        return True

    def next(self):
        """(type, body, fds) of the next frame, or None at end of stream."""
        if not self.fill(16):
            return None
        _, _, ftype, handles, length, _ = struct.unpack('<IBBHII', self.buf[:16])
        padded = (length + 7) & ~7
        if not self.fill(padded):
            return None
        body = self.buf[16:length]
        self.buf = self.buf[padded:]
        fds, self.fds = self.fds[:handles], self.fds[handles:]
        return ftype, body, fds


def main():
    mode = sys.argv[1]
    sock = socket.socket(fileno=3)
    sock.setblocking(True)
    reader = Reader(sock)
    ftype, body, _ = reader.next()
    assert ftype == INVITE, ftype
    token = body[0:16]
    count = struct.unpack('<I', body[52:56])[0]
    me = node_id()
    ports = [node_id() for _ in range(count)]
    if mode == 'accept-zero-node':
        me = b'\0' * 16
    elif mode == 'accept-zero-port':
        ports[min(1, count - 1)] = b'\0' * 16
    sock.sendall(frame(ACCEPT, token + me + struct.pack('<I', count) + b''.join(ports)))

    kept = []
    added = [0]
    lost = [0]

    if mode.startswith('hello-'):
        made_up = node_id()
        sock.sendall(frame(ADD_CLIENT, made_up))
        while True:
            ftype, _, fds = reader.next()
            if ftype == CLIENT_ADDED:
                break
            for fd in fds:
                os.close(fd)
        client = socket.socket(fileno=fds[0])
        client.sendall(frame(CLIENT_HELLO, made_up if mode == 'hello-right' else node_id()))
        high, low = struct.unpack('<QQ', made_up)
        print('client %016x%016x' % (high, low), flush=True)
        if mode == 'hello-right':
            while True:  # the test writes a message to make us drop the client channel
                ftype, _, fds = reader.next()
                for fd in fds:
                    os.close(fd)
                if ftype == EVENT:
                    break
            client.close()
            print('client-dropped', flush=True)
        else:
            while client.recv(65536):
                pass
            print('client-closed', flush=True)

    def drain():
        while True:
            f = reader.next()
            if f is None:
                break
            ftype, fbody, fds = f
            if ftype == CLIENT_ADDED:
                added[0] += 1
            elif ftype == NODE_LOST:
                lost[0] += 1
                high, low = struct.unpack('<QQ', fbody[:16])
                print('node-lost %016x%016x' % (high, low), flush=True)
            elif ftype == EVENT and mode == 'observe':
                print('event', flush=True)
            if mode.startswith('silent-clients'):
                kept.extend(fds)
            else:
                for fd in fds:
                    os.close(fd)
        for fd in reader.fds:
            os.close(fd)

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    if mode in ('flood', 'flood-exit', 'silent-clients'):
        n = int(sys.argv[2])
        batch = []
        for i in range(n):
            batch.append(frame(ADD_CLIENT, node_id()))
            if len(batch) == 512 or i == n - 1:
                try:
                    sock.sendall(b''.join(batch))
                except OSError:
                    break  # the parent hung up on us
                batch = []
        print('sent %d' % n, flush=True)
        if mode == 'flood-exit':
            os._exit(0)
    t.join()
    print('client-added %d' % added[0], flush=True)
    print('node-lost %d' % lost[0], flush=True)
    print('eof', flush=True)
    for fd in kept:
        os.close(fd)


if __name__ == '__main__':
    main()
