"""ChunkedDecoder on crafted byte strings: every split point must decode alike."""

from __future__ import annotations

import pytest
from docker_engine._transport import ChunkedDecoder

BODY = b"5\r\nhello\r\n1;name=value\r\n \r\n6\r\nworld!\r\n0\r\nX-Trailer: 1\r\n\r\n"


def decode_in_pieces(data: bytes, size: int) -> tuple[bytes, ChunkedDecoder]:
    decoder = ChunkedDecoder()
    output = b"".join(
        decoder.feed(data[index : index + size]) for index in range(0, len(data), size)
    )
    return output, decoder


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, len(BODY)])
def test_chunked_any_split(size: int) -> None:
    output, decoder = decode_in_pieces(BODY, size)
    assert output == b"hello world!"
    assert decoder.done
    assert decoder.leftover == 0


def test_chunked_joins_one_feed() -> None:
    decoder = ChunkedDecoder()
    many = b"".join(b"2\r\nab\r\n" for _ in range(1000)) + b"0\r\n\r\n"
    assert decoder.feed(many) == b"ab" * 1000
    assert decoder.done


def test_chunked_not_done_before_last() -> None:
    decoder = ChunkedDecoder()
    assert decoder.feed(b"3\r\nabc\r\n") == b"abc"
    assert not decoder.done


def test_chunked_leftover_counted() -> None:
    decoder = ChunkedDecoder()
    decoder.feed(b"0\r\n\r\nHTTP/1.1")
    assert decoder.done
    assert decoder.leftover == len(b"HTTP/1.1")


def test_chunked_bad_size_raises() -> None:
    with pytest.raises(ValueError):
        ChunkedDecoder().feed(b"zz\r\n")


def test_chunked_missing_crlf_raises() -> None:
    with pytest.raises(ValueError, match="CRLF"):
        ChunkedDecoder().feed(b"2\r\nabXY")


def test_chunked_endless_size_line_raises() -> None:
    with pytest.raises(ValueError, match="too long"):
        ChunkedDecoder().feed(b"1" * 5000)
