"""The y-protocols codec without sockets: round-trips, exact bytes, and strict decoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.sync import protocol
from server.sync.protocol import (
    AwarenessUpdate,
    Message,
    PermissionDenied,
    ProtocolError,
    QueryAwareness,
    Reader,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    decode,
    encode,
    write_var_bytes,
    write_var_string,
    write_var_uint,
)

# Eight 7-bit groups: the longest varUint the decoder accepts (lib0 itself stops at 53 bits).
MAX_VARUINT = 2**56 - 1

blobs = st.binary(max_size=300)
texts = st.text(st.characters(codec="utf-8"), max_size=100)
messages: st.SearchStrategy[Message] = st.one_of(
    st.builds(SyncStep1, blobs),
    st.builds(SyncStep2, blobs),
    st.builds(SyncUpdate, blobs),
    st.builds(AwarenessUpdate, blobs),
    st.just(QueryAwareness()),
    st.builds(PermissionDenied, texts),
)


# Primitives -------------------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=MAX_VARUINT))
def test_var_uint_round_trip(number: int) -> None:
    encoded = write_var_uint(number)
    reader = Reader(encoded)
    assert reader.var_uint() == number
    assert reader.done()
    assert len(encoded) == max(1, -(-number.bit_length() // 7))


@given(blobs)
def test_var_bytes_round_trip(data: bytes) -> None:
    reader = Reader(write_var_bytes(data) + b"rest")
    assert reader.var_bytes() == data
    assert reader.pos == len(write_var_bytes(data))


@given(texts)
def test_var_string_round_trip(text: str) -> None:
    reader = Reader(write_var_string(text))
    assert reader.var_string() == text
    reader.expect_end()


def test_var_uint_matches_lib0_bytes() -> None:
    assert write_var_uint(0) == b"\x00"
    assert write_var_uint(127) == b"\x7f"
    assert write_var_uint(128) == b"\x80\x01"
    assert write_var_uint(300) == b"\xac\x02"
    assert write_var_uint(2**53 - 1) == b"\xff\xff\xff\xff\xff\xff\xff\x0f"


def test_var_uint_accepts_eight_bytes_and_refuses_nine() -> None:
    assert Reader(write_var_uint(MAX_VARUINT)).var_uint() == MAX_VARUINT
    with pytest.raises(ProtocolError, match="varint too long"):
        Reader(write_var_uint(MAX_VARUINT + 1)).var_uint()
    with pytest.raises(ProtocolError, match="varint too long"):
        Reader(b"\xff" * 10).var_uint()


@pytest.mark.parametrize("data", [b"", b"\x80", b"\xff\xff\xff"])
def test_truncated_var_uint(data: bytes) -> None:
    with pytest.raises(ProtocolError, match="truncated varint"):
        Reader(data).var_uint()


def test_declared_length_beyond_the_buffer() -> None:
    with pytest.raises(ProtocolError, match="declared length exceeds the frame"):
        Reader(b"\x05abcd").var_bytes()
    with pytest.raises(ProtocolError, match="declared length exceeds the frame"):
        Reader(write_var_uint(2**40)).var_bytes()


def test_var_string_must_be_utf8() -> None:
    with pytest.raises(ProtocolError, match="not UTF-8"):
        Reader(write_var_bytes(b"\xff\xfe")).var_string()


# Messages ---------------------------------------------------------------------------------


@given(messages)
def test_message_round_trip(message: Message) -> None:
    assert decode(encode(message)) == message


@pytest.mark.parametrize(
    ("message", "frame"),
    [
        (SyncStep1(b"\x00"), b"\x00\x00\x01\x00"),
        (SyncStep2(b"\x00\x00"), b"\x00\x01\x02\x00\x00"),
        (SyncUpdate(b"\x01\x02\x03"), b"\x00\x02\x03\x01\x02\x03"),
        (AwarenessUpdate(b"\x00"), b"\x01\x01\x00"),
        (QueryAwareness(), b"\x03"),
        (PermissionDenied("no"), b"\x02\x00\x02no"),
    ],
)
def test_frames_are_y_protocols_bytes(message: Message, frame: bytes) -> None:
    assert encode(message) == frame
    assert decode(frame) == message


@given(messages, st.data())
def test_every_strict_prefix_is_refused(message: Message, data: st.DataObject) -> None:
    frame = encode(message)
    cut = data.draw(st.integers(min_value=0, max_value=len(frame) - 1))
    with pytest.raises(ProtocolError):
        decode(frame[:cut])


@given(messages, st.binary(min_size=1, max_size=20))
def test_trailing_bytes_are_refused(message: Message, extra: bytes) -> None:
    with pytest.raises(ProtocolError, match="trailing bytes"):
        decode(encode(message) + extra)


@given(st.binary(max_size=64))
def test_arbitrary_bytes_decode_or_raise_protocol_error(frame: bytes) -> None:
    try:
        message = decode(frame)
    except ProtocolError:
        return  # nothing else (IndexError, UnicodeDecodeError, ...) may escape
    assert decode(encode(message)) == message


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        (b"", "truncated varint"),
        (b"\x80", "truncated varint"),
        (b"\xff" * 10, "varint too long"),
        (b"\x07", "unknown message type 7"),
        (b"\x00", "truncated varint"),
        (b"\x00\x09\x00", "unknown sync message type 9"),
        (b"\x00\x02" + write_var_uint(2**40), "declared length exceeds the frame"),
        (b"\x00\x02\x05abc", "declared length exceeds the frame"),
        (b"\x00\x02\x00\x00", "trailing bytes"),
        (b"\x03\x00", "trailing bytes"),
        (b"\x01", "truncated varint"),
        (b"\x02\x01\x00", "unknown auth message type"),
        (b"\x02\x00\x02\xff\xfe", "not UTF-8"),
    ],
)
def test_strict_decoding_errors(frame: bytes, error: str) -> None:
    with pytest.raises(ProtocolError, match=error):
        decode(frame)


def test_protocol_error_is_a_value_error() -> None:
    assert issubclass(ProtocolError, ValueError)


def test_encode_refuses_what_is_not_a_message() -> None:
    with pytest.raises(TypeError):
        encode("hello")  # type: ignore[arg-type]


def test_message_type_constants_match_y_protocols() -> None:
    assert (protocol.MESSAGE_SYNC, protocol.MESSAGE_AWARENESS) == (0, 1)
    assert (protocol.MESSAGE_AUTH, protocol.MESSAGE_QUERY_AWARENESS) == (2, 3)
    assert (protocol.SYNC_STEP1, protocol.SYNC_STEP2, protocol.SYNC_UPDATE) == (0, 1, 2)
