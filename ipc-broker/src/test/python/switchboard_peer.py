#!/usr/bin/env python3
"""A Switchboard peer written from docs/protocol.md alone, with Python's standard library.

It finds its endpoint from the launch switch (protocol.md §10), accepts the invitation (§11) and
echoes every message on every invited pipe: the same bytes and the same OS handles. Pipe ends it
receives are accepted and closed at once (§13). When the other end of a pipe closes, it closes
its end; when no port is left, it closes its channels and exits 0.

Options (before the switch, which the launcher appends last):
  --exit-after=N   after echoing N messages, kill itself with SIGKILL (no port is closed)
  --shared-buffer=KIND  answer every message with one shared buffer (§6, handle descriptors)
                   instead of the echo: "read-only" and "writable" are honest (4096 bytes, the
                   first bytes "from python"); "unsealed", "truncated" (shrinking not sealed,
                   cut to 0 bytes once sent), "smaller" (4096 bytes claiming 8192),
                   "writable-as-read-only" and "not-memfd" lie about what they send
Exit status: 0 done; 2 no invitation or bad switch; 3 the endpoint did not arrive as §10 says.
"""

import array
import collections
import faulthandler
import fcntl
import os
import secrets
import select
import signal
import socket
import struct
import sys

MAGIC = 0x44425753
VERSION = 1
HEADER = struct.Struct("<IBBHII")  # magic, version, type, handle count, frame length, reserved

CONNECT, INVITE, ACCEPT, EVENT = 0x01, 0x02, 0x03, 0x06
REQUEST_INTRODUCTION, INTRODUCE, NODE_LOST = 0x07, 0x08, 0x09
ADD_CLIENT, CLIENT_ADDED, BROKER_CHANNEL, BAD_MESSAGE = 0x0A, 0x0B, 0x0C, 0x0D
CLIENT_HELLO = 0x0E
FRAME_TYPES = {CONNECT, INVITE, ACCEPT, EVENT, REQUEST_INTRODUCTION, INTRODUCE, NODE_LOST,
               ADD_CLIENT, CLIENT_ADDED, BROKER_CHANNEL, BAD_MESSAGE, CLIENT_HELLO}
# handles a frame type may carry: an exact number, or None for 0..MAX_HANDLES
FRAME_HANDLES = {EVENT: None, INTRODUCE: (0, 1), CLIENT_ADDED: 1, BROKER_CHANNEL: 1}

USER_MESSAGE, PORT_ACCEPTED, OBSERVE_PROXY, OBSERVE_PROXY_ACK = 1, 2, 3, 4
OBSERVE_CLOSURE, UPDATE_PREVIOUS, ROUTE_LOST = 5, 6, 7
EVENT_HEADER = struct.Struct("<B16s16s")  # type, target port, sending port
DESCRIPTOR = struct.Struct("<16s16s16s16s16sQQQB")
MAX_SEQUENCE = (1 << 63) - 1
HANDLE_DESCRIPTOR = struct.Struct("<BB6sQ")  # kind, flags, reserved, size
KIND_PLATFORM, KIND_SHARED_MEMORY, FLAG_READ_ONLY = 0, 1, 0x01
F_SEAL_FUTURE_WRITE = 0x10  # Linux 5.1+; Python's fcntl module does not name it

MAX_HANDLES = 60
MAX_FRAME = (64 << 20) + 80
MAX_PORTS_PER_MESSAGE = 64
MAX_PIPES = 1024
SWITCH = "--switchboard-platform-channel="
ZERO = bytes(16)


class ProtocolError(Exception):
    pass


def log(*parts):
    print("switchboard_peer:", *parts, file=sys.stderr, flush=True)


def hex_id(i):
    high, low = struct.unpack("<QQ", i)
    return "%016x%016x" % (high, low)


def id_from_hex(text):
    """§10: 16 hex digits of the high u64, then 16 of the low u64; each little-endian on the wire."""
    if len(text) != 32:
        raise ValueError("a token is 32 hex digits")
    return struct.pack("<QQ", int(text[:16], 16), int(text[16:], 16))


def random_id():
    while True:
        i = secrets.token_bytes(16)
        if i != ZERO:
            return i


def close_fds(fds):
    for fd in fds:
        os.close(fd)


def pad8(n):
    return (n + 7) & ~7


def encode_frame(frame_type, body, handle_count=0):
    length = HEADER.size + len(body)
    return HEADER.pack(MAGIC, VERSION, frame_type, handle_count, length, 0) + body + bytes(pad8(length) - length)


# ---------------------------------------------------------------------------------------- frames

class Channel:
    """One node channel: frames both ways, descriptors matched as protocol.md §3 says."""

    def __init__(self, sock, peer):
        self.sock = sock
        self.peer = peer  # node at the other end; None until the handshake names it
        self.buf = bytearray()
        self.pos = 0  # index in buf of the next frame
        self.offset = 0  # stream offset of buf[pos]
        self.received = 0  # stream bytes read so far
        self.batches = collections.deque()  # [fds, start, end) of each read that brought fds
        self.pending = None  # (header fields, claimed fds) of a frame whose bytes are not all here
        self.closed = False

    def fileno(self):
        return self.sock.fileno()

    def send(self, frame_type, body, fds=()):
        """§3: the sendmsg that carries a frame's descriptors starts at the frame's first byte."""
        if len(fds) > MAX_HANDLES:
            raise ValueError("at most %d handles per frame" % MAX_HANDLES)
        data = encode_frame(frame_type, body, len(fds))
        sent = 0
        if fds:
            while True:
                try:
                    sent = self.sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))])
                    break
                except InterruptedError:
                    continue  # nothing was sent, descriptors included: retry with them
        self.sock.sendall(memoryview(data)[sent:])

    def read(self):
        """One read; returns the complete frames it finished as (type, body, fds), or None at end of stream."""
        flags = getattr(socket, "MSG_CMSG_CLOEXEC", 0)  # §3: received descriptors are close-on-exec at once
        data, ancdata, msg_flags, _ = self.sock.recvmsg(1 << 20, socket.CMSG_SPACE(253 * 4), flags)
        fds = []
        for level, kind, payload in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                a = array.array("i")
                a.frombytes(payload[:len(payload) - len(payload) % a.itemsize])
                fds.extend(a)
        if not flags:
            for fd in fds:
                fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        start = self.received
        self.received += len(data)
        if fds:
            self.batches.append((fds, start, self.received))
        if msg_flags & socket.MSG_CTRUNC:
            raise ProtocolError("descriptors were truncated (more than one read can take)")
        if not data:
            if self.pos < len(self.buf):
                raise ProtocolError("connection closed mid-frame at offset %d" % self.offset)
            return None
        self.buf += data
        return self._frames()

    def _frames(self):
        frames = []
        while True:
            if self.pending is None:
                if len(self.buf) - self.pos < HEADER.size:
                    break
                header = self._header()
                # all of a frame's descriptors came with the read that holds its first byte
                self.pending = header, self._claim(self.offset, header[1], pad8(header[2]))
            (ftype, nh, length), fds = self.pending
            padded = pad8(length)
            if len(self.buf) - self.pos < padded:
                break
            self.pending = None
            frame = bytes(self.buf[self.pos:self.pos + padded])
            if any(frame[length:]):
                close_fds(fds)
                raise ProtocolError("nonzero padding in the frame at offset %d" % self.offset)
            self.pos += padded
            self.offset += padded
            frames.append((ftype, frame[HEADER.size:length], fds))
        if self.pos > (1 << 20) or self.pos == len(self.buf):
            del self.buf[:self.pos]
            self.pos = 0
        self._check_orphans(self.offset + (pad8(self.pending[0][2]) if self.pending else 0))
        return frames

    def _header(self):
        """Checks the header at the next frame's start (§2): (type, handle count, frame length)."""
        magic, version, ftype, nh, length, reserved = HEADER.unpack_from(self.buf, self.pos)
        if magic != MAGIC:
            raise ProtocolError("bad magic 0x%08x" % magic)
        if version != VERSION:
            raise ProtocolError("unsupported version %d" % version)
        if ftype not in FRAME_TYPES:
            raise ProtocolError("unknown frame type 0x%02x" % ftype)
        if nh > MAX_HANDLES:
            raise ProtocolError("frame declares %d handles" % nh)
        if length < HEADER.size or length > MAX_FRAME:
            raise ProtocolError("frame length %d out of bounds" % length)
        if reserved != 0:
            raise ProtocolError("reserved header field is not 0")
        allowed = FRAME_HANDLES.get(ftype, 0)
        if allowed is not None and nh not in (allowed if isinstance(allowed, tuple) else (allowed,)):
            raise ProtocolError("frame type 0x%02x carries %d handles" % (ftype, nh))
        return ftype, nh, length

    def _check_orphans(self, next_start):
        if self.batches and self.batches[0][2] <= next_start:
            raise ProtocolError("fds without a frame")

    def _claim(self, start, declared, padded):
        """§3's receiver rule for the frame that starts at stream offset `start`."""
        self._check_orphans(start)
        oldest = self.batches[0] if self.batches else None
        holds_start = oldest is not None and oldest[1] <= start < oldest[2]
        if declared == 0:
            if holds_start and start + padded >= oldest[2]:
                raise ProtocolError("fds without a frame at offset %d" % start)
            return []
        arrived = len(oldest[0]) if holds_start else 0
        if arrived != declared:
            raise ProtocolError("frame at offset %d declares %d handles but %d arrived with it" % (start, declared, arrived))
        self.batches.popleft()
        return oldest[0]

    def close(self):
        if not self.closed:
            self.closed = True
            for fds, _, _ in self.batches:
                close_fds(fds)
            self.batches.clear()
            if self.pending:
                close_fds(self.pending[1])
                self.pending = None
            self.sock.close()


# ---------------------------------------------------------------------------------------- events

class Event:
    def __init__(self, etype, target, sending):
        self.type, self.target, self.sending = etype, target, sending
        self.seq = self.last = 0
        self.descriptors = []
        self.payload = b""
        self.node = self.port = None


def decode_event(body):
    """§6, with its validation."""
    if len(body) < EVENT_HEADER.size:
        raise ProtocolError("event truncated")
    etype, target, sending = EVENT_HEADER.unpack_from(body)
    if target == ZERO or sending == ZERO:
        raise ProtocolError("zero port id")
    e = Event(etype, target, sending)
    rest = body[EVENT_HEADER.size:]
    if etype == USER_MESSAGE:
        if len(rest) < 10:
            raise ProtocolError("USER_MESSAGE truncated")
        e.seq, n = struct.unpack_from("<QH", rest)
        if not 1 <= e.seq <= MAX_SEQUENCE:
            raise ProtocolError("bad sequence number %d" % e.seq)
        if n > MAX_PORTS_PER_MESSAGE:
            raise ProtocolError("%d ports in one message" % n)
        if len(rest) < 10 + n * DESCRIPTOR.size:
            raise ProtocolError("USER_MESSAGE port descriptors truncated")
        names = set()
        for i in range(n):
            d = DESCRIPTOR.unpack_from(rest, 10 + i * DESCRIPTOR.size)
            name, peer_node, peer_port, ref_node, ref_port, next_send, next_recv, last, flags = d
            if ZERO in (name, peer_node, peer_port, ref_node, ref_port):
                raise ProtocolError("zero id in port descriptor %d" % i)
            if not (1 <= next_send <= MAX_SEQUENCE and 1 <= next_recv <= MAX_SEQUENCE) or flags & ~1:
                raise ProtocolError("bad port descriptor %d" % i)
            if (flags & 1 and last < next_recv - 1) or (not flags & 1 and last != 0):
                raise ProtocolError("bad last sequence number in port descriptor %d" % i)
            if name in names:
                raise ProtocolError("the same port twice in one message")
            names.add(name)
            e.descriptors.append(d)
        e.payload = rest[10 + n * DESCRIPTOR.size:]
        return e
    sizes = {PORT_ACCEPTED: 0, OBSERVE_PROXY: 32, OBSERVE_PROXY_ACK: 8, OBSERVE_CLOSURE: 8,
             UPDATE_PREVIOUS: 32, ROUTE_LOST: 0}
    if etype not in sizes:
        raise ProtocolError("unknown event type 0x%02x" % etype)
    if len(rest) != sizes[etype]:
        raise ProtocolError("event 0x%02x has %d body bytes, expected %d" % (etype, len(rest), sizes[etype]))
    if sizes[etype] == 32:
        e.node, e.port = rest[:16], rest[16:]
        if ZERO in (e.node, e.port):
            raise ProtocolError("zero id in event 0x%02x" % etype)
    elif sizes[etype] == 8:
        (e.last,) = struct.unpack("<Q", rest)
        if e.last > MAX_SEQUENCE:
            raise ProtocolError("last sequence number above 2^63-1")
    return e


def user_message(target, sending, seq, payload):
    return EVENT_HEADER.pack(USER_MESSAGE, target, sending) + struct.pack("<QH", seq, 0) + payload


def simple_event(etype, target, sending, extra=b""):
    return EVENT_HEADER.pack(etype, target, sending) + extra


# ---------------------------------------------------------------------------------------- ports

class Port:
    """§12.1. This peer never sends pipe ends, so every port it has is a receiving port."""

    def __init__(self, name, peer, previous, next_send=1, next_recv=1, last=None):
        self.name = name
        self.peer = peer  # (node, port)
        self.previous = previous  # (node, port)
        self.next_send = next_send
        self.next_recv = next_recv
        self.queue = {}  # seq -> (payload, fds, carried port names)
        self.last = last
        self.lost = False
        self.early = collections.OrderedDict()  # (node, port) -> [(event, fds, carried)]
        self.in_message = False  # carried inside a message not yet delivered

    def peer_closed(self):
        return self.last is not None and self.next_recv - 1 >= self.last


class Peer:

    def __init__(self, exit_after, shared_buffer=None):
        self.name = random_id()
        self.exit_after = exit_after
        self.shared_buffer = shared_buffer
        self.echoed = 0
        self.channels = {}  # node -> Channel
        self.lost = set()
        self.waiting = {}  # node -> [(event bytes, fds)] until a channel exists
        self.unsent_requests = []
        self.ports = {}
        self.pipes = set()  # ports of invited pipes
        self.local = collections.deque()  # events between ports of this node
        self.inviter = self.broker = None
        self.broker_channel = None
        self.isolated = False

    # ---- sending (§12.2, §12.8)

    def send_event(self, node, event, fds=()):
        """Takes ownership of `fds`: sent (then closed here), queued, or closed when dropped."""
        if node == self.name:
            self.local.append((event, list(fds)))
        elif node in self.lost:
            close_fds(fds)
        elif node in self.channels:
            self.channels[node].send(EVENT, event, fds)
            close_fds(fds)  # the receiver got duplicates
        else:
            first = node not in self.waiting
            self.waiting.setdefault(node, []).append((event, list(fds)))
            if first:
                self.request_introduction(node)

    def request_introduction(self, node):
        if self.isolated or self.broker is None:
            self.node_lost(node)  # no broker: nobody can introduce us
        elif self.broker_channel is None:
            self.unsent_requests.append(node)
        else:
            self.broker_channel.send(REQUEST_INTRODUCTION, node)

    def write(self, port, payload, fds):
        if port.last is not None:  # the peer is closed or lost: refused, nothing sent
            close_fds(fds)
            return
        seq = port.next_send
        port.next_send += 1
        self.send_event(port.peer[0], user_message(port.peer[1], port.name, seq, payload), fds)

    # ---- receiving (§12.3, §12.4)

    def on_event(self, source, e, fds):
        if source in self.lost:
            close_fds(fds)
            return
        carried = [self.accept_descriptor(source, d) for d in e.descriptors] if e.type == USER_MESSAGE else []
        p = self.ports.get(e.target)
        if p is None:
            self.drop(fds, carried)
            return
        if e.type == PORT_ACCEPTED:
            return  # only proxies wait for it; this peer has none
        if e.type == OBSERVE_PROXY:
            if (source, e.sending) == p.peer:
                p.peer = (e.node, e.port)
                ack = simple_event(OBSERVE_PROXY_ACK, e.sending, p.name, struct.pack("<Q", p.next_send - 1))
                self.send_event(source, ack)
                self.check_route(p)
            return
        if (source, e.sending) != p.previous:
            if p.lost:
                self.drop(fds, carried)
            else:
                p.early.setdefault((source, e.sending), []).append((e, fds, carried))
            return
        self.handle(p, e, fds, carried)
        self.release_early(p)

    def release_early(self, p):
        while self.ports.get(p.name) is p and p.early.get(p.previous):
            queue = p.early[p.previous]
            e, fds, carried = queue.pop(0)
            if not queue:
                del p.early[p.previous]
            self.handle(p, e, fds, carried)

    def handle(self, p, e, fds, carried):
        if e.type == USER_MESSAGE:
            if p.lost or e.seq < p.next_recv or e.seq in p.queue or (p.last is not None and e.seq > p.last):
                self.drop(fds, carried)
                return
            p.queue[e.seq] = (e.payload, fds, carried)
            self.deliver(p)
        elif e.type == OBSERVE_CLOSURE:
            self.set_last(p, e.last)
            reply = simple_event(OBSERVE_CLOSURE, p.peer[1], p.name, struct.pack("<Q", p.next_send - 1))
            self.send_event(p.peer[0], reply)
            self.deliver(p)
        elif e.type == UPDATE_PREVIOUS:
            p.previous = (e.node, e.port)
            self.check_route(p)
        elif e.type == ROUTE_LOST:
            self.become_lost(p)
        # OBSERVE_PROXY_ACK: only for proxies

    def accept_descriptor(self, source, d):
        name, peer_node, peer_port, ref_node, ref_port, next_send, next_recv, last, flags = d
        p = Port(name, (peer_node, peer_port), (ref_node, ref_port), next_send, next_recv, last if flags & 1 else None)
        p.in_message = True
        self.ports[name] = p
        self.send_event(ref_node, simple_event(PORT_ACCEPTED, ref_port, name))
        self.check_route(p)
        return name

    def set_last(self, p, last):
        if p.last is not None:
            return  # the first word on where a stream ends is final
        p.last = max(last, p.next_recv - 1)
        for seq in [s for s in p.queue if s > p.last]:
            _, fds, carried = p.queue.pop(seq)
            self.drop(fds, carried)

    def deliver(self, p):
        while self.ports.get(p.name) is p and not p.in_message and p.next_recv in p.queue:
            payload, fds, carried = p.queue.pop(p.next_recv)
            p.next_recv += 1
            self.on_message(p, payload, fds, carried)
        if self.ports.get(p.name) is p and not p.in_message and p.peer_closed():
            # §12.6: the closure was already answered, so closing needs to send nothing more
            self.close_port(p, notify=False)

    # ---- the application: echo

    def on_message(self, p, payload, fds, carried):
        for name in carried:  # §13: a peer that does not keep pipe ends closes them
            c = self.ports.get(name)
            if c is not None:
                self.close_port(c, notify=True)
        if self.shared_buffer is not None:
            close_fds(fds)
            fd, descriptor = make_shared_buffer(self.shared_buffer)
            keep = os.dup(fd) if self.shared_buffer == "truncated" else None
            self.write(p, descriptor + b"shared", [fd])
            if keep is not None:  # cut the file under whoever maps it now
                os.ftruncate(keep, 0)
                os.close(keep)
        else:
            self.write(p, payload, fds)
        self.echoed += 1
        if self.exit_after is not None and self.echoed >= self.exit_after:
            os.kill(os.getpid(), signal.SIGKILL)

    # ---- closing and losing (§12.6, §12.7)

    def close_port(self, p, notify):
        work = [(p, notify)]
        while work:
            q, tell = work.pop()
            if self.ports.get(q.name) is not q:
                continue
            del self.ports[q.name]
            self.pipes.discard(q.name)
            inner = []
            for _, fds, carried in q.queue.values():
                close_fds(fds)
                inner.extend(carried)
            for events in q.early.values():
                for _, fds, carried in events:
                    close_fds(fds)
                    inner.extend(carried)
            q.queue.clear()
            q.early.clear()
            if tell and q.last is None and q.peer[0] not in self.lost:
                closure = simple_event(OBSERVE_CLOSURE, q.peer[1], q.name, struct.pack("<Q", q.next_send - 1))
                self.send_event(q.peer[0], closure)
            work.extend((self.ports[n], True) for n in inner if n in self.ports)

    def drop(self, fds, carried):
        close_fds(fds)
        for name in carried:
            c = self.ports.get(name)
            if c is not None:
                self.close_port(c, notify=True)

    def check_route(self, p):
        if p.peer[0] in self.lost or p.previous[0] in self.lost:
            self.become_lost(p)

    def become_lost(self, p):
        if p.lost or self.ports.get(p.name) is not p:
            return
        p.lost = True
        end = p.next_recv - 1
        while end + 1 in p.queue:
            end += 1
        if p.last is None or p.last > end:
            p.last = end
        for seq in [s for s in p.queue if s > p.last]:
            _, fds, carried = p.queue.pop(seq)
            self.drop(fds, carried)
        early = [item for events in p.early.values() for item in events]
        p.early.clear()
        for _, fds, carried in early:
            self.drop(fds, carried)
        if p.peer[0] not in self.lost:
            self.send_event(p.peer[0], simple_event(ROUTE_LOST, p.peer[1], p.name))
        self.deliver(p)

    def node_lost(self, node, how="unreachable"):
        if node in self.lost:
            return
        log("lost node", hex_id(node), "(%s)" % how)
        self.lost.add(node)
        channel = self.channels.pop(node, None)
        if channel is not None:
            channel.close()
        for _, fds in self.waiting.pop(node, []):
            close_fds(fds)
        for p in list(self.ports.values()):
            for key in [k for k in p.early if k[0] == node]:
                for _, fds, carried in p.early.pop(key):
                    self.drop(fds, carried)
        for p in list(self.ports.values()):
            if self.ports.get(p.name) is p:
                self.check_route(p)

    # ---- channels (§11)

    def add_channel(self, node, channel):
        channel.peer = node
        self.channels[node] = channel
        for event, fds in self.waiting.pop(node, []):
            channel.send(EVENT, event, fds)
            close_fds(fds)

    def on_frame(self, channel, ftype, body, fds):
        if ftype == EVENT:
            try:
                e = decode_event(body)
                if fds and e.type != USER_MESSAGE:
                    raise ProtocolError("an event other than USER_MESSAGE carries handles")
                for d in e.descriptors:
                    if d[3] != channel.peer:
                        raise ProtocolError("a carried port's referring node is not the node the message came from")
                    if d[0] in self.ports:
                        raise ProtocolError("a carried port's name is already in use here")
            except ProtocolError:
                close_fds(fds)
                raise
            self.on_event(channel.peer, e, fds)
        elif ftype in (INTRODUCE, NODE_LOST, BAD_MESSAGE):
            if channel is not self.broker_channel:
                close_fds(fds)
                raise ProtocolError("frame 0x%02x from a node that is not our broker" % ftype)
            if ftype == BAD_MESSAGE:
                log("broker reports a bad message:", body[18:].decode("utf-8", "replace"))
                return
            try:
                node = self.node_body(body)
            except ProtocolError:
                close_fds(fds)
                raise
            if ftype == NODE_LOST:
                self.node_lost(node, "NODE_LOST")
            elif not fds:
                self.node_lost(node, "INTRODUCE without a channel")  # the broker knows no such node
            elif node in self.channels or node in self.lost or node == self.name:
                close_fds(fds)  # crossing introduction: keep the first channel
            else:
                log("introduced to", hex_id(node))
                self.add_channel(node, self.open_channel(fds[0]))
        elif ftype == BROKER_CHANNEL:
            node = body if len(body) == 16 else None
            if (channel.peer != self.inviter or self.broker_channel is not None or node != self.broker
                    or self.isolated):
                close_fds(fds)
                raise ProtocolError("unexpected BROKER_CHANNEL")
            log("got the channel to broker", hex_id(node))
            self.broker_channel = self.open_channel(fds[0])
            self.broker_channel.send(CLIENT_HELLO, self.name)  # its first frame there (§5)
            self.add_channel(node, self.broker_channel)
            for node in self.unsent_requests:
                self.broker_channel.send(REQUEST_INTRODUCTION, node)
            self.unsent_requests.clear()
        else:
            close_fds(fds)
            raise ProtocolError("frame type 0x%02x is not for this node" % ftype)

    @staticmethod
    def node_body(body):
        if len(body) != 16 or body == ZERO:
            raise ProtocolError("a node frame's body is one non-zero id")
        return body

    @staticmethod
    def open_channel(fd):
        fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        return Channel(socket.socket(fileno=fd), None)

    # ---- the handshake (§5, §11)

    def accept_invitation(self, channel, body):
        if len(body) < 56:
            raise ProtocolError("INVITE truncated")
        token, inviter, broker, flags, count = struct.unpack_from("<16s16s16sII", body)
        if flags & ~1 or count > MAX_PIPES or (flags & 1 and count != 1) or ZERO in (token, inviter):
            raise ProtocolError("bad INVITE")
        at, names, ours = 56, [], []
        for _ in range(count):
            if len(body) < at + 18:
                raise ProtocolError("INVITE pipe truncated")
            port, length = struct.unpack_from("<16sH", body, at)
            name = body[at + 18:at + 18 + length].decode("utf-8")
            if port == ZERO or not 1 <= length <= 255 or len(name.encode("utf-8")) != length:
                raise ProtocolError("bad INVITE pipe entry")
            at += 18 + length
            names.append((name, port))
        if at != len(body):
            raise ProtocolError("INVITE has trailing bytes")
        self.inviter = inviter
        self.isolated = bool(flags & 1)
        self.broker = None if self.isolated else broker
        for name, port in names:
            mine = random_id()
            while mine in self.ports:
                mine = random_id()
            self.ports[mine] = Port(mine, (inviter, port), (inviter, port))
            self.pipes.add(mine)
            ours.append(mine)
        channel.send(ACCEPT, token + self.name + struct.pack("<I", len(ours)) + b"".join(ours))
        self.add_channel(inviter, channel)
        if not self.isolated and broker == inviter:
            self.broker_channel = channel
        log("accepted invitation from", hex_id(inviter), "pipes", [n for n, _ in names],
            "isolated" if self.isolated else "")

    # ---- the loop

    def run(self, channel):
        invited = False
        while True:
            if invited and not self.ports:
                break
            live = list(self.channels.values()) if invited else [channel]
            if not live:
                break
            readable, _, _ = select.select(live, [], [])
            for c in readable:
                if c.closed:
                    continue
                try:
                    frames = c.read()
                    if frames is None:
                        if not invited:
                            log("channel closed before INVITE")
                            sys.exit(2)
                        self.node_lost(c.peer, "end of stream")
                        continue
                    for ftype, body, fds in frames:
                        if not invited:
                            if ftype != INVITE or fds:
                                close_fds(fds)
                                raise ProtocolError("first frame is 0x%02x, expected INVITE" % ftype)
                            self.accept_invitation(c, body)
                            invited = True
                            continue
                        if c.closed:
                            close_fds(fds)
                            continue
                        self.on_frame(c, ftype, body, fds)
                        self.run_local()
                except (ProtocolError, UnicodeDecodeError) as e:
                    log("protocol error from", hex_id(c.peer) if c.peer else "inviter", ":", e)
                    if not invited:
                        sys.exit(2)
                    c.close()
                    self.node_lost(c.peer)
                except (ConnectionError, BrokenPipeError) as e:
                    if not invited:
                        sys.exit(2)
                    c.close()
                    self.node_lost(c.peer)
        for c in list(self.channels.values()):
            c.close()
        log("all pipes closed; echoed", self.echoed, "messages")

    def run_local(self):
        while self.local:
            event, fds = self.local.popleft()
            self.on_event(self.name, decode_event(event), fds)


# ---------------------------------------------------------------------------------------- shared buffers

def make_shared_buffer(kind):
    """A descriptor and its §6 handle descriptor: honest, or lying as `kind` says."""
    size = 4096
    if kind == "not-memfd":
        r, w = os.pipe()
        os.close(w)
        return r, HANDLE_DESCRIPTOR.pack(KIND_SHARED_MEMORY, 0, bytes(6), size)
    fd = os.memfd_create("python-shared", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, size)
    os.pwrite(fd, b"from python", 0)
    if kind == "unsealed":
        return fd, HANDLE_DESCRIPTOR.pack(KIND_SHARED_MEMORY, 0, bytes(6), size)
    if kind == "truncated":  # growing sealed, shrinking not: the sender truncates it once sent
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_GROW)
        return fd, HANDLE_DESCRIPTOR.pack(KIND_SHARED_MEMORY, 0, bytes(6), size)
    fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
    if kind == "smaller":
        return fd, HANDLE_DESCRIPTOR.pack(KIND_SHARED_MEMORY, 0, bytes(6), 2 * size)
    if kind == "writable-as-read-only":
        return fd, HANDLE_DESCRIPTOR.pack(KIND_SHARED_MEMORY, FLAG_READ_ONLY, bytes(6), size)
    if kind == "writable":
        return fd, HANDLE_DESCRIPTOR.pack(KIND_SHARED_MEMORY, 0, bytes(6), size)
    if kind == "read-only":
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, F_SEAL_FUTURE_WRITE | fcntl.F_SEAL_SEAL)
        ro = os.open("/proc/self/fd/%d" % fd, os.O_RDONLY | os.O_CLOEXEC)
        os.close(fd)
        return ro, HANDLE_DESCRIPTOR.pack(KIND_SHARED_MEMORY, FLAG_READ_ONLY, bytes(6), size)
    raise ValueError("unknown --shared-buffer kind " + kind)


# ---------------------------------------------------------------------------------------- bootstrap

def endpoint_from_switch(value):
    """§10: fd:N (checked against the promised state) or a named channel with its token."""
    if value.startswith("fd:"):
        fd = int(value[3:])
        if fcntl.fcntl(fd, fcntl.F_GETFD) & fcntl.FD_CLOEXEC:
            log("endpoint fd", fd, "arrived with FD_CLOEXEC set")
            sys.exit(3)
        if fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_NONBLOCK:
            log("endpoint fd", fd, "arrived non-blocking")
            sys.exit(3)
        sock = socket.socket(fileno=fd)
        if sock.family != socket.AF_UNIX or sock.type != socket.SOCK_STREAM:
            log("endpoint fd", fd, "is not an AF_UNIX stream socket")
            sys.exit(3)
        fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        return Channel(sock, None)
    address, sep, token = value.rpartition(";token=")
    if not sep:
        log("bad switch value", value)
        sys.exit(2)
    if address.startswith("unix:"):
        target = address[len("unix:"):]
    elif address.startswith("abstract:"):
        target = "\0" + address[len("abstract:"):]
    else:
        log("bad channel address", address)
        sys.exit(2)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM | getattr(socket, "SOCK_CLOEXEC", 0))
    sock.connect(target)
    channel = Channel(sock, None)
    channel.send(CONNECT, id_from_hex(token))
    return channel


def main(argv):
    faulthandler.register(signal.SIGUSR1)  # a stuck peer's stack, for whoever debugs a test
    values = [a[len(SWITCH):] for a in argv if a.startswith(SWITCH)]
    if len(values) != 1:
        log("expected one", SWITCH + "VALUE argument, got", len(values))
        return 2
    exit_after = None
    shared_buffer = None
    for a in argv:
        if a.startswith("--exit-after="):
            exit_after = int(a[len("--exit-after="):])
        if a.startswith("--shared-buffer="):
            shared_buffer = a[len("--shared-buffer="):]
    peer = Peer(exit_after, shared_buffer)
    peer.run(endpoint_from_switch(values[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
