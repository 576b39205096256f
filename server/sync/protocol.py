"""The y-protocols wire format, sans I/O: bytes in, typed messages out, and back.

Frames follow y-protocols' PROTOCOL.md exactly so stock Yjs clients work:

    frame      = varUint(messageType) payload
    sync       = 0, varUint(0|1|2), varUint8Array   (step 1 state vector | step 2 | update)
    awareness  = 1, varUint8Array(awareness update)
    auth       = 2, varUint(0 = permission denied), varString(reason)
    query      = 3                                  (ask for every awareness state)

Decoding is strict: a frame must be consumed exactly, so trailing garbage is an error too.
"""

from __future__ import annotations

from dataclasses import dataclass

MESSAGE_SYNC = 0
MESSAGE_AWARENESS = 1
MESSAGE_AUTH = 2
MESSAGE_QUERY_AWARENESS = 3

SYNC_STEP1 = 0
SYNC_STEP2 = 1
SYNC_UPDATE = 2

AUTH_PERMISSION_DENIED = 0

# JavaScript's lib0 reads varUints into 53-bit safe integers; anything longer is malformed.
_MAX_VARUINT_BYTES = 8


class ProtocolError(ValueError):
    """A frame that does not follow the wire format. The message never contains payload."""


@dataclass(frozen=True, slots=True)
class SyncStep1:
    state_vector: bytes


@dataclass(frozen=True, slots=True)
class SyncStep2:
    update: bytes


@dataclass(frozen=True, slots=True)
class SyncUpdate:
    update: bytes


@dataclass(frozen=True, slots=True)
class AwarenessUpdate:
    payload: bytes


@dataclass(frozen=True, slots=True)
class QueryAwareness:
    pass


@dataclass(frozen=True, slots=True)
class PermissionDenied:
    reason: str


Message = SyncStep1 | SyncStep2 | SyncUpdate | AwarenessUpdate | QueryAwareness | PermissionDenied


class Reader:
    """A cursor over a buffer with lib0's decoding primitives."""

    __slots__ = ("_buf", "pos")

    def __init__(self, buf: bytes) -> None:
        self._buf = buf
        self.pos = 0

    def var_uint(self) -> int:
        pos = self.pos
        if pos < len(self._buf) and self._buf[pos] < 0x80:  # most are one byte: fast path
            self.pos = pos + 1
            return self._buf[pos]
        result = 0
        shift = 0
        for _ in range(_MAX_VARUINT_BYTES):
            if self.pos >= len(self._buf):
                raise ProtocolError("truncated varint")
            byte = self._buf[self.pos]
            self.pos += 1
            result |= (byte & 0x7F) << shift
            if byte < 0x80:
                return result
            shift += 7
        raise ProtocolError("varint too long")

    def var_bytes(self) -> bytes:
        length = self.var_uint()
        end = self.pos + length
        if end > len(self._buf):
            raise ProtocolError("declared length exceeds the frame")
        chunk = self._buf[self.pos : end]
        self.pos = end
        return chunk

    def var_string(self) -> str:
        try:
            return self.var_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("string is not UTF-8") from None

    def done(self) -> bool:
        return self.pos == len(self._buf)

    def expect_end(self) -> None:
        if not self.done():
            raise ProtocolError("trailing bytes after message")


def write_var_uint(num: int) -> bytes:
    out = bytearray()
    while num > 0x7F:
        out.append(0x80 | (num & 0x7F))
        num >>= 7
    out.append(num)
    return bytes(out)


def write_var_bytes(data: bytes) -> bytes:
    return write_var_uint(len(data)) + data


def write_var_string(text: str) -> bytes:
    return write_var_bytes(text.encode("utf-8"))


def decode(frame: bytes) -> Message:
    """Decode one websocket frame into a message, or raise ProtocolError."""
    reader = Reader(frame)
    kind = reader.var_uint()
    message: Message
    if kind == MESSAGE_SYNC:
        step = reader.var_uint()
        payload = reader.var_bytes()
        if step == SYNC_STEP1:
            message = SyncStep1(payload)
        elif step == SYNC_STEP2:
            message = SyncStep2(payload)
        elif step == SYNC_UPDATE:
            message = SyncUpdate(payload)
        else:
            raise ProtocolError(f"unknown sync message type {step}")
    elif kind == MESSAGE_AWARENESS:
        message = AwarenessUpdate(reader.var_bytes())
    elif kind == MESSAGE_QUERY_AWARENESS:
        message = QueryAwareness()
    elif kind == MESSAGE_AUTH:
        if reader.var_uint() != AUTH_PERMISSION_DENIED:
            raise ProtocolError("unknown auth message type")
        message = PermissionDenied(reader.var_string())
    else:
        raise ProtocolError(f"unknown message type {kind}")
    reader.expect_end()
    return message


def encode(message: Message) -> bytes:
    """Encode a message into one websocket frame."""
    match message:
        case SyncStep1(state_vector):
            return bytes([MESSAGE_SYNC, SYNC_STEP1]) + write_var_bytes(state_vector)
        case SyncStep2(update):
            return bytes([MESSAGE_SYNC, SYNC_STEP2]) + write_var_bytes(update)
        case SyncUpdate(update):
            return bytes([MESSAGE_SYNC, SYNC_UPDATE]) + write_var_bytes(update)
        case AwarenessUpdate(payload):
            return bytes([MESSAGE_AWARENESS]) + write_var_bytes(payload)
        case QueryAwareness():
            return bytes([MESSAGE_QUERY_AWARENESS])
        case PermissionDenied(reason):
            return bytes([MESSAGE_AUTH, AUTH_PERMISSION_DENIED]) + write_var_string(reason)
    raise TypeError(f"not a message: {message!r}")
