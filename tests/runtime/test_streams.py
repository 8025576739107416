"""Unit tests of the stream decoders and iterators, on crafted byte strings."""

from __future__ import annotations

import itertools
import json
import struct
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from docker_engine._errors import DockerEngineError
from docker_engine._streams import (
    ByteStream,
    FrameDecoder,
    JsonStream,
    JsonStreamDecoder,
    OutputStream,
    RawDecoder,
    StreamDecodeError,
    StreamError,
    StreamType,
    is_multiplexed,
    upgrade_headers,
)


class FakeResponse:
    """Streaming response that returns prepared chunks and records closing."""

    def __init__(
        self,
        chunks: list[bytes],
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.headers = headers or {}
        self.chunks = chunks
        self.chunks_read = 0
        self.closed = False

    def iter_chunks(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.chunks_read += 1
            yield chunk

    def close(self) -> None:
        self.closed = True


def split_every(data: bytes, sizes: Iterator[int]) -> list[bytes]:
    """Split ``data`` into chunks whose sizes cycle through ``sizes``."""
    chunks = []
    position = 0
    for size in sizes:
        if position >= len(data):
            break
        chunks.append(data[position : position + size])
        position += size
    return chunks


def decode_json_chunks(chunks: list[bytes]) -> list[Any]:
    decoder = JsonStreamDecoder()
    values: list[Any] = []
    for chunk in chunks:
        values += decoder.feed(chunk)
    values += decoder.flush()
    return values


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(payload)) + payload


def decode_frames(chunks: list[bytes]) -> list[tuple[StreamType, bytes]]:
    decoder = FrameDecoder()
    items: list[tuple[StreamType, bytes]] = []
    for chunk in chunks:
        items += decoder.feed(chunk)
    items += decoder.flush()
    return items


def join_by_stream(items: list[tuple[StreamType, bytes]]) -> dict[StreamType, bytes]:
    parts: dict[StreamType, list[bytes]] = {}
    for stream, data in items:
        parts.setdefault(stream, []).append(data)
    return {stream: b"".join(chunks) for stream, chunks in parts.items()}


# JsonStreamDecoder

SAMPLE_VALUES: list[Any] = [
    {"status": "Pulling fs layer", "id": "a1b2"},
    {"stream": "Step 1/2 : FROM busybox\n"},
    {"aux": {"ID": "sha256:abc"}},
    {"s": 'brackets } ] { [ and "quotes" and \\ backslash'},
    {"unicode": "h\u00e9llo \u2603 \U0001f600"},
    [1, 2.5, -3e2, True, False, None],
    {"nested": {"a": [{"b": []}, {}]}},
]


def test_json_several_values_in_one_chunk() -> None:
    data = b"".join(json.dumps(v).encode() + b"\n" for v in SAMPLE_VALUES)
    assert decode_json_chunks([data]) == SAMPLE_VALUES


def test_json_value_split_at_every_offset() -> None:
    data = json.dumps(SAMPLE_VALUES[3]).encode() + b"\r\n"
    data += json.dumps(SAMPLE_VALUES[4], ensure_ascii=False).encode()
    for cut in range(len(data) + 1):
        values = decode_json_chunks([data[:cut], data[cut:]])
        assert values == [SAMPLE_VALUES[3], SAMPLE_VALUES[4]], cut


def test_json_byte_by_byte_with_utf8() -> None:
    data = b"".join(
        json.dumps(v, ensure_ascii=False).encode() + b"\r\n" for v in SAMPLE_VALUES
    )
    chunks = [data[i : i + 1] for i in range(len(data))]
    assert decode_json_chunks(chunks) == SAMPLE_VALUES


def test_json_crlf_split_across_reads() -> None:
    chunks = [b'{"a": 1}\r', b'\n{"b": 2}\r', b"\n"]
    assert decode_json_chunks(chunks) == [{"a": 1}, {"b": 2}]


def test_json_values_without_separator() -> None:
    assert decode_json_chunks([b'{"a":1}{"b":2}[3]"x"']) == [
        {"a": 1},
        {"b": 2},
        [3],
        "x",
    ]


def test_json_value_returned_before_next_arrives() -> None:
    decoder = JsonStreamDecoder()
    assert decoder.feed(b'{"Type": "container"}') == [{"Type": "container"}]
    assert decoder.feed(b'\n{"Type": ') == []
    assert decoder.feed(b'"image"}\n') == [{"Type": "image"}]


def test_json_escaped_quote_at_chunk_boundary() -> None:
    chunks = [b'{"s": "a\\', b'"b\\\\', b'", "t": "}"}']
    assert decode_json_chunks(chunks) == [{"s": 'a"b\\', "t": "}"}]


def test_json_top_level_scalars() -> None:
    chunks = [b"1 2", b"3 true nu", b"ll -4.5e1\n"]
    assert decode_json_chunks(chunks) == [1, 23, True, None, -45.0]


def test_json_scalar_at_end_of_stream() -> None:
    assert decode_json_chunks([b"[1] 42"]) == [[1], 42]


def test_json_whitespace_before_eof() -> None:
    assert decode_json_chunks([b'{"a": 1}\n', b"  \r\n\t ", b""]) == [{"a": 1}]


def test_json_empty_stream() -> None:
    assert decode_json_chunks([]) == []


def test_json_truncated_value_at_eof_raises() -> None:
    decoder = JsonStreamDecoder()
    assert decoder.feed(b'{"a": 1}\n{"b": [1, 2') == [{"a": 1}]
    with pytest.raises(StreamDecodeError, match="ended inside a value"):
        decoder.flush()


def test_json_truncated_string_at_eof_raises() -> None:
    decoder = JsonStreamDecoder()
    decoder.feed(b'"abc')
    with pytest.raises(StreamDecodeError):
        decoder.flush()


def test_json_truncated_utf8_at_eof_raises() -> None:
    decoder = JsonStreamDecoder()
    assert decoder.feed(b'"\xc3\xa9"\xc3') == ["\u00e9"]
    with pytest.raises(StreamDecodeError, match="UTF-8"):
        decoder.flush()


def test_json_invalid_value_after_valid_ones() -> None:
    decoder = JsonStreamDecoder()
    assert decoder.feed(b'{"a": 1}\n{"b": tru}\n') == [{"a": 1}]
    with pytest.raises(StreamDecodeError, match="invalid JSON"):
        decoder.feed(b"")


def test_json_invalid_scalar_raises() -> None:
    with pytest.raises(StreamDecodeError):
        decode_json_chunks([b"12abc "])


def test_json_stray_closing_bracket_raises() -> None:
    with pytest.raises(StreamDecodeError):
        decode_json_chunks([b"}"])


def test_json_many_values_in_odd_chunks() -> None:
    values = [
        {"id": i, "progress": "=" * (i % 50), "list": [i] * (i % 5)}
        for i in range(3000)
    ]
    data = b"\n".join(json.dumps(v).encode() for v in values)
    chunks = split_every(data, itertools.cycle([1, 7, 64, 3, 1000, 5]))
    assert decode_json_chunks(chunks) == values


def test_json_large_value_in_small_chunks() -> None:
    value = {
        "layers": [{"digest": "sha256:" + "ab" * 32, "n": i} for i in range(20000)]
    }
    data = json.dumps(value).encode()
    chunks = split_every(data, itertools.cycle(range(1, 8)))
    assert decode_json_chunks(chunks) == [value]


# JsonStream


def test_json_stream_decodes_items() -> None:
    response = FakeResponse([b'{"n": 1}\n{"n"', b": 2}\n"])
    stream = JsonStream(response, lambda v: v["n"])
    assert list(stream) == [1, 2]
    assert response.closed


def test_json_stream_error_after_two_items() -> None:
    response = FakeResponse(
        [
            b'{"stream": "Step 1/3"}\n{"stream": "Step 2/3"}\n',
            b'{"errorDetail": {"code": 1, "message": "returned a non-zero code: 1"},'
            b' "error": "The command returned a non-zero code: 1"}\n',
            b'{"stream": "never read"}\n',
        ]
    )
    stream = JsonStream(response, lambda v: v["stream"])
    assert next(stream) == "Step 1/3"
    assert next(stream) == "Step 2/3"
    with pytest.raises(StreamError) as caught:
        next(stream)
    assert caught.value.message == "The command returned a non-zero code: 1"
    assert caught.value.code == 1
    assert caught.value.detail is not None
    assert isinstance(caught.value, DockerEngineError)
    assert response.closed
    assert list(stream) == []


def test_json_stream_error_detail_only() -> None:
    response = FakeResponse([b'{"errorDetail": {"message": "denied"}}'])
    with pytest.raises(StreamError, match="^denied$"):
        list(JsonStream(response, lambda v: v))


def test_json_stream_truncated_raises() -> None:
    response = FakeResponse([b'{"a": 1}\n{"a": '])
    stream = JsonStream(response, lambda v: v)
    assert next(stream) == {"a": 1}
    with pytest.raises(StreamDecodeError):
        next(stream)
    assert response.closed


def test_json_stream_early_stop_closes() -> None:
    response = FakeResponse([b"1\n", b"2\n", b"3\n"])
    with JsonStream(response, int) as stream:
        for item in stream:
            if item == 1:
                break
    assert response.closed
    assert response.chunks_read == 1
    assert stream.closed


def test_json_stream_close_before_reading() -> None:
    response = FakeResponse([b"1\n"])
    stream = JsonStream(response, int)
    stream.close()
    assert response.closed
    assert response.chunks_read == 0
    assert list(stream) == []


def test_json_stream_decode_failure_closes() -> None:
    def reject(value: Any) -> int:
        raise KeyError("missing")

    response = FakeResponse([b"{}\n"])
    with pytest.raises(KeyError):
        list(JsonStream(response, reject))
    assert response.closed


# FrameDecoder


def test_frames_in_one_chunk() -> None:
    data = frame(1, b"out1") + frame(1, b"out2") + frame(2, b"err") + frame(1, b"x")
    assert FrameDecoder().feed(data) == [
        (StreamType.STDOUT, b"out1out2"),
        (StreamType.STDERR, b"err"),
        (StreamType.STDOUT, b"x"),
    ]


def test_frame_split_at_every_offset() -> None:
    data = frame(1, b"hello") + frame(2, b"world!") + frame(0, b"in")
    for cut in range(len(data) + 1):
        items = decode_frames([data[:cut], data[cut:]])
        assert join_by_stream(items) == {
            StreamType.STDOUT: b"hello",
            StreamType.STDERR: b"world!",
            StreamType.STDIN: b"in",
        }, cut


def test_frame_payload_returned_before_frame_ends() -> None:
    decoder = FrameDecoder()
    data = frame(1, b"downloading 10%\rdownloading 20%\r")
    assert decoder.feed(data[:12]) == [(StreamType.STDOUT, b"down")]
    assert decoder.feed(data[12:20]) == [(StreamType.STDOUT, b"loading ")]
    assert decoder.feed(data[20:]) == [(StreamType.STDOUT, data[20:])]
    assert decoder.flush() == []


def test_frame_zero_length() -> None:
    data = frame(1, b"") + frame(2, b"e") + frame(2, b"")
    assert decode_frames([data]) == [(StreamType.STDERR, b"e")]


def test_frame_stdin_type() -> None:
    assert FrameDecoder().feed(frame(0, b"echo")) == [(StreamType.STDIN, b"echo")]


def test_frame_system_error_raises() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(frame(1, b"ok\n") + frame(3, b"exec failed")[:10]) == [
        (StreamType.STDOUT, b"ok\n")
    ]
    with pytest.raises(StreamError, match="^exec failed$"):
        decoder.feed(frame(3, b"exec failed")[10:])


def test_frame_system_error_after_items_in_same_chunk() -> None:
    decoder = FrameDecoder()
    data = frame(2, b"warn\n") + frame(3, b"container stopped\n") + frame(1, b"x")
    assert decoder.feed(data) == [(StreamType.STDERR, b"warn\n")]
    with pytest.raises(StreamError) as caught:
        decoder.flush()
    assert caught.value.message == "container stopped"


@pytest.mark.parametrize(
    "header",
    [
        b"\x04\0\0\0\0\0\0\x01",
        b"\x01\0\x01\0\0\0\0\x01",
        b"\x02\0\0\x20\0\0\0\x01",
        b"hello wo",
    ],
)
def test_frame_invalid_header_raises(header: bytes) -> None:
    with pytest.raises(StreamDecodeError, match=header.hex()):
        FrameDecoder().feed(header + b"x")


def test_frame_invalid_header_after_items() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(frame(1, b"a") + b"\x05" + bytes(7)) == [
        (StreamType.STDOUT, b"a")
    ]
    with pytest.raises(StreamDecodeError, match="invalid frame header"):
        decoder.feed(b"")


def test_frame_truncated_header_at_eof_raises() -> None:
    decoder = FrameDecoder()
    decoder.feed(frame(1, b"a") + b"\x01\0\0")
    with pytest.raises(StreamDecodeError, match="3 of 8"):
        decoder.flush()


def test_frame_truncated_payload_at_eof_raises() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(frame(1, b"abcdef")[:-2]) == [(StreamType.STDOUT, b"abcd")]
    with pytest.raises(StreamDecodeError, match="2 bytes"):
        decoder.flush()


def test_frames_8mb_in_tiny_chunks() -> None:
    expected: dict[StreamType, list[bytes]] = {
        StreamType.STDOUT: [],
        StreamType.STDERR: [],
    }
    frames = []
    total = 0
    index = 0
    while total < 8 * 1024 * 1024:
        stream = StreamType.STDOUT if index % 3 else StreamType.STDERR
        payload = bytes([index % 251]) * ((index * 7919) % 65536)
        frames.append(frame(stream, payload))
        expected[stream].append(payload)
        total += len(payload)
        index += 1
    chunks = split_every(b"".join(frames), itertools.cycle(range(1, 8)))
    joined = join_by_stream(decode_frames(chunks))
    assert joined[StreamType.STDOUT] == b"".join(expected[StreamType.STDOUT])
    assert joined[StreamType.STDERR] == b"".join(expected[StreamType.STDERR])


# RawDecoder


def test_raw_passes_bytes_through_at_once() -> None:
    decoder = RawDecoder()
    assert decoder.feed(b"progress 10%\r") == [(StreamType.STDOUT, b"progress 10%\r")]
    assert decoder.feed(b"pro") == [(StreamType.STDOUT, b"pro")]
    assert decoder.feed(b"") == []
    assert decoder.flush() == []


def test_raw_accepts_frame_like_bytes() -> None:
    data = b"\x05\x01\x02garbage"
    assert RawDecoder().feed(data) == [(StreamType.STDOUT, data)]


# is_multiplexed and upgrade_headers


@pytest.mark.parametrize(
    ("tty", "content_type", "version", "status", "expected"),
    [
        (False, "application/vnd.docker.raw-stream", "1.47", 101, True),
        (True, "application/vnd.docker.multiplexed-stream", "1.47", 101, False),
        (None, "application/vnd.docker.raw-stream", "1.42", 101, False),
        (None, "application/vnd.docker.multiplexed-stream", "1.44", 101, True),
        (None, "Application/Vnd.Docker.Raw-Stream; charset=x", "v1.47", 101, False),
        (None, "application/vnd.docker.raw-stream", "1.41", 101, True),
        (None, "application/vnd.docker.raw-stream", "1.47", 200, True),
        (None, None, "1.47", 101, True),
        (None, "text/plain", "1.47", 101, True),
        (None, None, "1.24", 200, True),
    ],
)
def test_is_multiplexed(
    tty: bool | None,
    content_type: str | None,
    version: str,
    status: int,
    expected: bool,
) -> None:
    assert is_multiplexed(tty, content_type, version, status) is expected


def test_is_multiplexed_invalid_version() -> None:
    with pytest.raises(ValueError, match="invalid API version"):
        is_multiplexed(None, "application/vnd.docker.raw-stream", "latest", 101)


def test_upgrade_headers() -> None:
    assert upgrade_headers() == {"Connection": "Upgrade", "Upgrade": "tcp"}


# OutputStream


def test_output_stream_iterates_pairs() -> None:
    data = frame(1, b"out") + frame(2, b"err")
    response = FakeResponse(split_every(data, itertools.cycle([5])))
    stream = OutputStream(response, multiplexed=True)
    assert join_by_stream(list(stream)) == {
        StreamType.STDOUT: b"out",
        StreamType.STDERR: b"err",
    }
    assert stream.multiplexed
    assert response.closed


def test_output_stream_read_all_separates() -> None:
    data = frame(1, b"a") + frame(2, b"b") + frame(0, b"c") + frame(1, b"d")
    stream = OutputStream(FakeResponse([data]), multiplexed=True)
    assert stream.read_all() == (b"acd", b"b")


def test_output_stream_iter_bytes_merges() -> None:
    data = frame(1, b"a") + frame(2, b"b") + frame(1, b"c")
    stream = OutputStream(FakeResponse([data]), multiplexed=True)
    assert b"".join(stream.iter_bytes()) == b"abc"


def test_output_stream_raw() -> None:
    response = FakeResponse([b"50%\r", b"100%\r\n"])
    stream = OutputStream(response, multiplexed=False)
    assert list(stream.iter_bytes()) == [b"50%\r", b"100%\r\n"]
    assert not stream.multiplexed


def test_output_stream_system_error() -> None:
    data = frame(1, b"partial") + frame(3, b"broken pipe")
    response = FakeResponse([data])
    stream = OutputStream(response, multiplexed=True)
    assert next(stream) == (StreamType.STDOUT, b"partial")
    with pytest.raises(StreamError, match="broken pipe"):
        next(stream)
    assert response.closed


def test_output_stream_context_manager_closes() -> None:
    response = FakeResponse([frame(1, b"a"), frame(1, b"b")])
    with OutputStream(response, multiplexed=True) as stream:
        assert next(stream) == (StreamType.STDOUT, b"a")
    assert response.closed
    assert list(stream) == []


# ByteStream


def test_byte_stream_read_all() -> None:
    response = FakeResponse([b"ab", b"cd"], headers={"Content-Type": "x-tar"})
    stream = ByteStream(response)
    assert stream.headers.get("Content-Type") == "x-tar"
    assert stream.read_all() == b"abcd"
    assert response.closed


def test_byte_stream_write_to() -> None:
    import io

    target = io.BytesIO()
    assert ByteStream(FakeResponse([b"ab", b"", b"c"])).write_to(target) == 3
    assert target.getvalue() == b"abc"


def test_stream_error_pickles() -> None:
    import pickle

    error = StreamError("pull denied", code=401, detail={"error": "pull denied"})
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == "pull denied"
    assert copy.code == 401
    assert copy.detail == {"error": "pull denied"}


class BlockingResponse(FakeResponse):
    """Response whose second read waits until the response is closed."""

    def __init__(self) -> None:
        super().__init__([b'{"Type": "container"}\n'])
        self.released = threading.Event()

    def iter_chunks(self) -> Iterator[bytes]:
        yield from super().iter_chunks()
        self.released.wait(10)
        raise OSError("connection closed while reading")

    def close(self) -> None:
        super().close()
        self.released.set()


def test_json_stream_close_from_other_thread() -> None:
    response = BlockingResponse()
    stream = JsonStream(response, lambda value: value["Type"])
    results: list[object] = []

    def iterate() -> None:
        try:
            results.append(list(stream))
        except BaseException as error:
            results.append(error)

    reader = threading.Thread(target=iterate)
    reader.start()
    reader.join(0.2)
    assert reader.is_alive()
    stream.close()
    reader.join(10)
    assert not reader.is_alive()
    assert results == [["container"]]
    assert response.closed
