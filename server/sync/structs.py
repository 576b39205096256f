"""What a Yjs update (v1 encoding) brings and what it builds on, read without applying it.

yrs can hold an update whose dependencies have not arrived ("pending") and integrate it
later, but pycrdt 0.14's yrs loses content doing so when several such updates wait at once
(a client that reconnects with offline edits and keeps typing before its sync step 2 lands
does exactly this). The room therefore never hands yrs an update it cannot integrate at once:
`missing` says whether anything an update refers to is absent from a document's state
vector, and the room holds such updates until their dependencies are there.

`shape` also refuses what Yjs never writes but yrs would apply without reporting a change,
so that nothing reaches the room's document except through the log: deleted ranges of length
zero (yrs splits the block at that clock, unreported) and GC structs of length zero (kept,
unreported, and a later encoding panics). Other empty structs are let through: yrs either
refuses them or changes nothing (tests/unit/test_fuzz_frames.py tries each kind), and pycrdt itself
writes an empty string item after splitting a multi-byte character.

Only struct headers and lengths are read; content is skipped, but its size is noted (the
longest run of text, the largest other value, key or root name: limits.py bounds them before
an update is applied). Format: yjs `encoding.js`
(writeStructs, writeDeleteSet) with lib0's varUint / varString / any encodings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.sync.protocol import ProtocolError, Reader

_GC = 0
_DELETED = 1
_JSON = 2
_BINARY = 3
_STRING = 4
_EMBED = 5
_FORMAT = 6
_TYPE = 7
_ANY = 8
_DOC = 9
_SKIP = 10
_XML_ELEMENT = 3
_XML_HOOK = 5

_ORIGIN = 0x80
_RIGHT_ORIGIN = 0x40
_PARENT_SUB = 0x20
_CONTENT = 0x1F


@dataclass(slots=True)
class UpdateShape:
    """The ID ranges an update carries and the IDs it needs to exist already."""

    ranges: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # client -> [start, end)
    needs: list[tuple[int, int]] = field(default_factory=list)  # (client, clock) references
    deletes: list[tuple[int, int, int]] = field(default_factory=list)  # (client, clock, length)
    text: int = 0  # characters of string content it inserts (for the card text limit)
    # The longest run of text one struct inserts (characters), and the largest other content
    # of one struct, map key or root type name (encoded bytes): see limits.py.
    longest_text: int = 0
    largest: int = 0
    creators: dict[str, int] = field(default_factory=dict)  # root map key -> client (see shape)


def shape(update: bytes, creators_of: str | None = None) -> UpdateShape:
    """Read an update's structure; raise ProtocolError if it is not a v1 update.

    `creators_of`: also note which client first set each key of that root map (`creators`).
    """
    reader = _Reader(update)
    result = UpdateShape()
    for _ in range(reader.var_uint()):
        count = reader.var_uint()
        client = reader.var_uint()
        clock = reader.var_uint()
        spans = result.ranges.setdefault(client, [])
        for _ in range(count):
            length = _struct(reader, result, client, creators_of)
            if length is None:
                raise ProtocolError("malformed update")
            kind, size = length
            if kind == _GC and not size:
                # Yjs never writes one, and yrs keeps it without reporting a change (the
                # document's encoding changes, never the log's) and later fails to encode.
                raise ProtocolError("malformed update: an empty GC struct")
            if kind == _STRING:
                result.text += size
                if size > result.longest_text:
                    result.longest_text = size
            if kind != _SKIP and size:
                spans.append((clock, clock + size))
            clock += size
    for _ in range(reader.var_uint()):
        client = reader.var_uint()
        for _ in range(reader.var_uint()):
            start = reader.var_uint()
            span = reader.var_uint()
            if not span:
                # Likewise an empty deleted range: yrs splits the block there, unreported.
                raise ProtocolError("malformed update: an empty deleted range")
            result.deletes.append((client, start, span))
    return result


def missing(update: bytes, state_vector: dict[int, int]) -> bool:
    """Does `update` refer to anything that neither the document nor the update holds?"""
    return incomplete(shape(update), state_vector)


def incomplete(found: UpdateShape, state_vector: dict[int, int]) -> bool:
    """`missing`, for an update already read."""
    known = dict(state_vector)
    # What the update itself brings, contiguous with what the document has, is usable.
    for client, spans in found.ranges.items():
        for start, end in sorted(spans):
            if start > known.get(client, 0):
                return True  # a gap: structs before `start` never arrived
            known[client] = max(known.get(client, 0), end)
    if any(clock >= known.get(client, 0) for client, clock in found.needs):
        return True
    return any(clock + length > known.get(client, 0) for client, clock, length in found.deletes)


def beyond(update: bytes, state_vector: dict[int, int]) -> bool:
    """Does `update` carry structs the document has not seen (integrable or not)?"""
    return any(
        end > state_vector.get(client, 0)
        for client, spans in shape(update).ranges.items()
        for _, end in spans
    )


def decode_state_vector(data: bytes) -> dict[int, int]:
    reader = Reader(data)
    result = {}
    for _ in range(reader.var_uint()):
        client = reader.var_uint()
        result[client] = reader.var_uint()
    reader.expect_end()
    return result


class _Reader(Reader):
    def skip(self, count: int) -> None:
        end = self.pos + count
        if end > len(self._buf):
            raise ProtocolError("malformed update")
        self.pos = end

    def var_int(self) -> None:
        for _ in range(10):
            self.skip(1)
            if self._buf[self.pos - 1] < 0x80:
                return
        raise ProtocolError("malformed update")

    def any(self, depth: int = 0) -> None:
        if depth > 64:
            raise ProtocolError("malformed update")
        self.skip(1)
        tag = self._buf[self.pos - 1]
        if tag in (127, 126, 121, 120):  # undefined, null, false, true
            return
        if tag == 125:
            self.var_int()
        elif tag == 124:
            self.skip(4)
        elif tag in (123, 122):
            self.skip(8)
        elif tag == 119:
            self.var_bytes()
        elif tag == 118:
            for _ in range(self.var_uint()):
                self.var_bytes()
                self.any(depth + 1)
        elif tag == 117:
            for _ in range(self.var_uint()):
                self.any(depth + 1)
        elif tag == 116:
            self.var_bytes()
        else:
            raise ProtocolError("malformed update")


def creators(update: bytes, root: str) -> dict[str, int]:
    """Which Yjs client first set each key of the root map `root` (e.g. each card of "items").

    A map entry's first write is the only one that names its parent and key (later writes
    point at the entry they replace), so these are the clients that created the entries.
    """
    return shape(update, creators_of=root).creators


def _struct(
    reader: _Reader, found: UpdateShape, client: int = 0, creators_of: str | None = None
) -> tuple[int, int] | None:
    """Read one struct; return (content kind, clock length)."""
    reader.skip(1)
    info = reader._buf[reader.pos - 1]
    kind = info & _CONTENT
    if kind in (_GC, _SKIP):
        return kind, reader.var_uint()
    if info & _ORIGIN:
        found.needs.append((reader.var_uint(), reader.var_uint()))
    if info & _RIGHT_ORIGIN:
        found.needs.append((reader.var_uint(), reader.var_uint()))
    if not info & (_ORIGIN | _RIGHT_ORIGIN):
        root = None
        if reader.var_uint() == 1:
            start = reader.pos
            root = reader.var_string()  # a root type's name
            found.largest = max(found.largest, reader.pos - start)
        else:
            found.needs.append((reader.var_uint(), reader.var_uint()))  # parent item
        if info & _PARENT_SUB:
            start = reader.pos
            key = reader.var_string()
            found.largest = max(found.largest, reader.pos - start)
            if creators_of is not None and root == creators_of:
                found.creators.setdefault(key, client)
    start = reader.pos
    length = _content_length(reader, kind)
    if kind != _STRING and reader.pos - start > found.largest:
        found.largest = reader.pos - start  # a value: a string, a JSON object, binary...
    return kind, length


_ASTRAL_LEADS = tuple(bytes([b]) for b in range(0xF0, 0xF5))


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("string is not UTF-8") from None


def _content_length(reader: _Reader, kind: int) -> int:
    if kind == _DELETED:
        return reader.var_uint()
    if kind == _JSON:
        count = reader.var_uint()
        for _ in range(count):
            reader.var_bytes()
        return count
    if kind in (_BINARY, _EMBED):
        reader.var_bytes()
        return 1
    if kind == _STRING:
        raw = reader.var_bytes()
        text = _utf8(raw)
        if text.isascii():  # a flag of the string, not a scan
            return len(text)
        # Yjs counts UTF-16 code units: one per character, two past U+FFFF, whose UTF-8 starts
        # with F0-F4. Counted on the bytes, without a UTF-16 copy (of up to a frame's size).
        return len(text) + sum(raw.count(lead) for lead in _ASTRAL_LEADS)
    if kind == _FORMAT:
        reader.var_bytes()
        reader.var_bytes()
        return 1
    if kind == _TYPE:
        if reader.var_uint() in (_XML_ELEMENT, _XML_HOOK):
            reader.var_bytes()
        return 1
    if kind == _ANY:
        count = reader.var_uint()
        for _ in range(count):
            reader.any()
        return count
    if kind == _DOC:
        reader.var_bytes()
        reader.any()
        return 1
    raise ProtocolError("malformed update")
