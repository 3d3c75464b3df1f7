#!/usr/bin/env python3
"""A child that breaks the Switchboard wire protocol (docs/protocol.md) in one chosen way.

Usage: hostile_soak_child.py KIND [ARGS...] --switchboard-platform-channel=fd:N | =unix:PATH;token=HEX

Written from the protocol document alone, with the Python standard library, so that it shares no
code (and no bugs) with the Java side it attacks. Every kind either ends on its own or waits for
the parent to hang up; the kinds that stall are ended by the test with SIGKILL.
"""

import array
import os
import socket
import struct
import sys
import tempfile
import time

MAGIC = 0x44425753
VERSION = 1
HEADER = 16
MAX_FDS_PER_FRAME = 60

CONNECT, INVITE, ACCEPT, EVENT = 0x01, 0x02, 0x03, 0x06
REQUEST_INTRODUCTION, ADD_CLIENT = 0x07, 0x0A
USER_MESSAGE, OBSERVE_CLOSURE = 0x01, 0x05

ZERO_ID = bytes(16)


def new_id():
    """A random non-zero id128 (u64 high, u64 low, little-endian: any 16 random bytes)."""
    while True:
        b = os.urandom(16)
        if b != ZERO_ID:
            return b


def id_from_hex(text):
    """The switch writes an id as 32 hex digits, high half first; the wire wants two little-endian u64."""
    return struct.pack('<QQ', int(text[:16], 16), int(text[16:32], 16))


def header(frame_type, handles, length, magic=MAGIC):
    return struct.pack('<IBBHII', magic, VERSION, frame_type, handles, length, 0)


def frame(frame_type, body, handles=0):
    length = HEADER + len(body)
    return header(frame_type, handles, length) + body + bytes((-length) % 8)


def user_message(target, sender, seq, payload):
    return struct.pack('<B16s16sQH', USER_MESSAGE, target, sender, seq, 0) + payload


def observe_closure(target, sender, last_seq):
    return struct.pack('<B16s16sQ', OBSERVE_CLOSURE, target, sender, last_seq)


def read_exactly(sock, n):
    out = bytearray()
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            raise EOFError('parent hung up after %d of %d bytes' % (len(out), n))
        out += chunk
    return bytes(out)


def read_frame(sock):
    magic, version, frame_type, handles, length, _ = struct.unpack('<IBBHII', read_exactly(sock, HEADER))
    if magic != MAGIC or version != VERSION or length < HEADER:
        raise ValueError('parent sent a bad header: magic 0x%08x version %d length %d' % (magic, version, length))
    padded = (length + 7) & ~7
    body = read_exactly(sock, padded - HEADER)[:length - HEADER]
    return frame_type, body


def read_invite(sock):
    frame_type, body = read_frame(sock)
    if frame_type != INVITE:
        raise ValueError('expected INVITE, got type 0x%02x' % frame_type)
    token, inviter, broker, flags, count = struct.unpack_from('<16s16s16sII', body, 0)
    at, ports = 56, []
    for _ in range(count):
        port, name_len = struct.unpack_from('<16sH', body, at)
        at += 18 + name_len
        ports.append(port)
    return token, ports


def accept(sock, token, node, my_ports):
    body = token + node + struct.pack('<I', len(my_ports)) + b''.join(my_ports)
    sock.sendall(frame(ACCEPT, body))


def join(sock):
    """Reads INVITE and answers ACCEPT like a well-behaved invitee: (inviter's ports, ours)."""
    token, theirs = read_invite(sock)
    mine = [new_id() for _ in theirs]
    accept(sock, token, new_id(), mine)
    return theirs, mine


def send_with_fds(sock, data, fds):
    sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))])


def marked_fd(kind):
    """An open fd whose /proc link names this kind, so a leak in the parent says where it came from."""
    fd, path = tempfile.mkstemp(prefix='switchboard-soak-%s-' % kind)
    os.unlink(path)
    return fd


def drain_until_hangup(sock):
    """Reads (and ignores) what the parent sends until it closes the channel."""
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass


def hold(sock):
    """Neither reads nor writes again: waits to be killed (or for the parent to hang up)."""
    ready = os.environ.get('SOAK_READY_FILE')
    if ready:
        # tells the soak that the stall has begun: only from now on does holding the child test anything
        open(ready, 'w').close()
    try:
        sock.recv(1, socket.MSG_PEEK)
        while True:
            time.sleep(3600)
    except OSError:
        pass


# ------------------------------------------------------------------ kinds: bytes that break framing

def bad_magic(sock, args):
    sock.sendall(header(EVENT, 0, 32, magic=0x0BADF00D) + bytes(16))
    drain_until_hangup(sock)


def truncated_header(sock, args):
    sock.sendall(struct.pack('<IB', MAGIC, VERSION))
    # exits at once: end of stream inside the header


def length_past_limit(sock, args):
    sock.sendall(header(EVENT, 0, 0x7FFFFFFF))
    drain_until_hangup(sock)


def handle_count_mismatch(sock, args):
    fd = marked_fd('handle-count-mismatch')
    send_with_fds(sock, header(EVENT, 3, 48) + bytes(32), [fd])
    os.close(fd)
    drain_until_hangup(sock)


def fds_without_frame(sock, args):
    fd = marked_fd('fds-without-frame')
    send_with_fds(sock, header(EVENT, 0, 48) + bytes(32), [fd, fd])
    os.close(fd)
    drain_until_hangup(sock)


def too_many_fds(sock, args):
    """One sendmsg with more fds than a frame may carry: 61 up to the kernel's 253."""
    count = int(args[0]) if args else 253
    theirs, mine = join(sock)
    fd = marked_fd('too-many-fds')
    body = user_message(theirs[0], mine[0], 1, b'x')
    send_with_fds(sock, frame(EVENT, body, handles=min(count, 0xFFFF)), [fd] * count)
    os.close(fd)
    drain_until_hangup(sock)


def fd_drip(sock, args):
    """15 one-byte writes with 60 fds each: the first 15 bytes of a header, then silence."""
    theirs, mine = join(sock)
    fd = marked_fd('fd-drip')
    first = header(EVENT, MAX_FDS_PER_FRAME, 64)
    for i in range(15):
        send_with_fds(sock, first[i:i + 1], [fd] * MAX_FDS_PER_FRAME)
    os.close(fd)
    hold(sock)


def silent_payload(sock, args):
    """A user message header that declares a 64 MiB payload, a few bytes of it, then silence."""
    theirs, mine = join(sock)
    payload = 64 << 20
    event_header = user_message(theirs[0], mine[0], 1, b'')
    length = HEADER + len(event_header) + payload
    sock.sendall(header(EVENT, 0, length) + event_header + bytes(4096))
    hold(sock)


def no_handshake(sock, args):
    """Reads the INVITE and never answers."""
    read_invite(sock)
    hold(sock)


# ------------------------------------------------------------------ kinds: well-formed frames, bad content

def accept_zero_node(sock, args):
    token, theirs = read_invite(sock)
    accept(sock, token, ZERO_ID, [new_id() for _ in theirs])
    drain_until_hangup(sock)


def accept_zero_port(sock, args):
    token, theirs = read_invite(sock)
    accept(sock, token, new_id(), [ZERO_ID for _ in theirs])
    drain_until_hangup(sock)


def add_client_flood(sock, args):
    """A trusted client that asks its broker to adopt tens of thousands of made-up invitees."""
    count = int(args[0]) if args else 20000
    join(sock)
    batch = b''.join(frame(ADD_CLIENT, new_id()) for _ in range(count))
    sock.sendall(batch)
    hold(sock)


def untrusted_fd(sock, args):
    theirs, mine = join(sock)
    fd = marked_fd('untrusted-fd')
    send_with_fds(sock, frame(EVENT, user_message(theirs[0], mine[0], 1, b'fd'), handles=1), [fd])
    os.close(fd)
    drain_until_hangup(sock)


def untrusted_intro(sock, args):
    join(sock)
    sock.sendall(frame(REQUEST_INTRODUCTION, new_id()))
    drain_until_hangup(sock)


# ------------------------------------------------------------------ kinds: process lifetime

def exit_at_once(sock, args):
    """Writes its last messages and its closure, closes and exits while the parent still writes.

    It reads nothing after the INVITE but the first byte of the parent's stream, so that bytes of
    the parent's are in flight (and unread) when it closes.
    """
    count = int(args[0]) if args else 100
    theirs, mine = join(sock)
    sock.recv(1)
    out = bytearray()
    for i in range(count):
        out += frame(EVENT, user_message(theirs[0], mine[0], i + 1, b'last %d' % i))
    out += frame(EVENT, observe_closure(theirs[0], mine[0], count))
    sock.sendall(out)
    sock.close()
    os._exit(0)


def stream_until_killed(sock, args):
    """Streams small messages until the test kills it (a kill -9 mid-stream)."""
    theirs, mine = join(sock)
    seq = 0
    while True:
        seq += 1
        sock.sendall(frame(EVENT, user_message(theirs[0], mine[0], seq, b'stream %d' % seq + bytes(1000))))
        time.sleep(0.001)


def named_stall(address, token, args):
    """Same-user connections that send nothing, then the real one, which says hello."""
    stallers = int(args[0]) if args else 10
    held = [connect(address) for _ in range(stallers)]
    sock = connect(address)
    sock.sendall(frame(CONNECT, token))
    theirs, mine = join(sock)
    sock.sendall(frame(EVENT, user_message(theirs[0], mine[0], 1, b'hello')))
    drain_until_hangup(sock)
    for s in held:
        s.close()


def connect(address):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if address.startswith('unix:'):
        s.connect(address[len('unix:'):])
    elif address.startswith('abstract:'):
        s.connect('\0' + address[len('abstract:'):])
    else:
        raise ValueError('unknown address ' + address)
    return s


KINDS = {
    'bad-magic': bad_magic,
    'truncated-header': truncated_header,
    'length-past-limit': length_past_limit,
    'handle-count-mismatch': handle_count_mismatch,
    'fds-without-frame': fds_without_frame,
    'too-many-fds': too_many_fds,
    'fd-drip': fd_drip,
    'silent-payload': silent_payload,
    'no-handshake': no_handshake,
    'accept-zero-node': accept_zero_node,
    'accept-zero-port': accept_zero_port,
    'add-client-flood': add_client_flood,
    'untrusted-fd': untrusted_fd,
    'untrusted-intro': untrusted_intro,
    'exit-at-once': exit_at_once,
    'stream-until-killed': stream_until_killed,
}


def main():
    switch = '--switchboard-platform-channel='
    channel = next((a[len(switch):] for a in sys.argv if a.startswith(switch)), None)
    positional = [a for a in sys.argv[1:] if not a.startswith('--switchboard-')]
    if channel is None or not positional:
        sys.exit('usage: hostile_soak_child.py KIND [ARGS...] %sfd:N' % switch)
    kind, args = positional[0], positional[1:]
    if kind == 'named-stall':
        address, _, token = channel.partition(';token=')
        named_stall(address, id_from_hex(token), args)
        return
    if not channel.startswith('fd:'):
        sys.exit('kind %s needs an inherited channel, got %s' % (kind, channel))
    sock = socket.socket(fileno=int(channel[len('fd:'):]))
    try:
        KINDS[kind](sock, args)
    except (EOFError, BrokenPipeError, ConnectionResetError):
        pass  # the parent hung up first: that is its right


if __name__ == '__main__':
    main()
