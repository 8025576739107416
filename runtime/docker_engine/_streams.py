"""Decoders and iterators for the streaming responses of the Docker Engine API.

The decoders are sans-I/O: each has ``feed(bytes) -> list`` and ``flush()``
and can be tested on crafted byte strings. The stream classes are thin
iterators that feed a decoder from a response or a hijacked socket.

Stream kinds:

- JSON streams (build, image pull and push, load, plugin pull, events,
  stats): concatenated JSON values, decoded by `JsonStreamDecoder`.
- Output streams (logs, attach, exec start): either the multiplexed frame
  format, decoded by `FrameDecoder`, or raw TTY bytes, passed through by
  `RawDecoder`.
- Hijacked connections (attach, exec start): `HijackedStream`
  reads output like an output stream and writes stdin to the socket.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from enum import IntEnum
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from ._errors import DockerEngineError

if TYPE_CHECKING:
    from ._archive import PathStat

__all__ = [
    "ByteStream",
    "FrameDecoder",
    "HeaderLookup",
    "HijackableResponse",
    "HijackedStream",
    "JsonStream",
    "JsonStreamDecoder",
    "MULTIPLEXED_STREAM",
    "OutputStream",
    "RAW_STREAM",
    "RawDecoder",
    "StreamDecodeError",
    "StreamError",
    "StreamType",
    "StreamingResponse",
    "is_multiplexed",
    "multiplexed_from_content_type",
    "upgrade_headers",
]

logger = logging.getLogger("docker_engine")

T = TypeVar("T")

MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"
RAW_STREAM = "application/vnd.docker.raw-stream"

_READ_SIZE = 65536


class HeaderLookup(Protocol):
    """Response headers: ``get`` must match names case-insensitively."""

    def get(self, name: str, /) -> str | None: ...


class StreamingResponse(Protocol):
    """HTTP response whose body is read while it arrives."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> HeaderLookup: ...

    def iter_chunks(self) -> Iterator[bytes]:
        """Yield body chunks as they arrive, without holding bytes back."""
        ...

    def close(self) -> None: ...


class HijackableResponse(StreamingResponse, Protocol):
    """Response to an upgrade request whose connection can be taken over."""

    def detach(self) -> tuple[socket.socket, bytes]:
        """Return the raw socket and the bytes buffered after the response head."""
        ...


class StreamError(DockerEngineError):
    """Error that the daemon reported inside a stream after a success status.

    ``detail`` is the decoded error object for JSON streams and ``None`` for
    the system-error frame of an output stream.
    """

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.message,), {"code": self.code, "detail": self.detail})

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> StreamError:
        """Build the error from an object with ``error`` or ``errorDetail``."""
        detail = value.get("errorDetail")
        if not isinstance(detail, dict):
            detail = {}
        message = (
            value.get("error")
            or detail.get("message")
            or "the daemon reported an error without a message"
        )
        code = detail.get("code")
        return cls(
            str(message),
            code=code if isinstance(code, int) else None,
            detail=value,
        )


class StreamDecodeError(DockerEngineError, ValueError):
    """Stream data that does not follow its format, or that ends too early."""


class StreamType(IntEnum):
    """Stream that a chunk of container output belongs to."""

    STDIN = 0
    STDOUT = 1
    STDERR = 2


_SYSTEM_ERROR = 3


class _DeferredErrorMixin:
    """Keep an error until the items decoded before it have been returned."""

    _pending_error: Exception | None = None

    def _raise_pending(self) -> None:
        error = self._pending_error
        if error is not None:
            self._pending_error = None
            raise error


# Inside an object or array: anything up to the next bracket or the start of
# an unterminated string, with complete strings skipped in one match.
_SKIP_CONTAINER = re.compile(r'(?:[^{}\[\]"]+|"[^"\\]*(?:\\.[^"\\]*)*")*', re.DOTALL)
_STRING_SPECIAL = re.compile(r'["\\]')
_SCALAR_END = re.compile(r'[\s{}\[\]",:]')
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _match_end(pattern: re.Pattern[str], text: str, position: int) -> int:
    """Return the end of a match of a pattern that also matches the empty string."""
    match = pattern.match(text, position)
    return position if match is None else match.end()


class JsonStreamDecoder(_DeferredErrorMixin):
    """Incremental decoder of concatenated JSON values.

    Values may be separated by any JSON whitespace or by nothing, and chunk
    boundaries may fall anywhere, even inside a UTF-8 character. A small
    scanner tracks nesting and string state across chunks to find where each
    value ends. Each value is then parsed once with ``raw_decode``, so the
    total work is linear in the stream length.
    """

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._json = json.JSONDecoder()
        self._pending: list[str] = []
        self._started = False
        self._depth = 0
        self._in_string = False
        self._escaped = False
        self._in_scalar = False

    def feed(self, data: bytes) -> list[Any]:
        """Decode ``data`` and return the values that it completes."""
        self._raise_pending()
        try:
            text = self._utf8.decode(data)
        except UnicodeDecodeError as error:
            raise StreamDecodeError(f"invalid UTF-8 in JSON stream: {error}") from None
        return self._feed_text(text)

    def flush(self) -> list[Any]:
        """Return the last values at end of stream.

        Raises `StreamDecodeError` if the stream ends inside a value.
        """
        values = self.feed(b"")
        try:
            values += self._feed_text(self._utf8.decode(b"", final=True))
        except UnicodeDecodeError as error:
            raise StreamDecodeError(f"invalid UTF-8 in JSON stream: {error}") from None
        if self._in_scalar:
            values.append(self._decode_pending())
        elif self._started:
            size = sum(len(part) for part in self._pending)
            raise StreamDecodeError(
                f"JSON stream ended inside a value after {size} characters"
            )
        return values

    close = flush

    def _feed_text(self, text: str) -> list[Any]:
        values: list[Any] = []
        position = 0
        while position < len(text):
            if not self._started:
                position = _match_end(_WHITESPACE, text, position)
                if position == len(text):
                    break
            start = position
            end = self._scan(text, position)
            if end < 0:
                self._pending.append(text[start:])
                break
            try:
                values.append(self._decode_value(text, start, end))
            except StreamDecodeError as error:
                if not values:
                    raise
                self._pending_error = error
                break
            position = end
        return values

    def _decode_value(self, text: str, start: int, end: int) -> Any:
        if not self._pending:
            self._reset_scanner()
            return self._parse(text, start, end)
        self._pending.append(text[start:end])
        return self._decode_pending()

    def _decode_pending(self) -> Any:
        text = "".join(self._pending)
        self._pending.clear()
        self._reset_scanner()
        return self._parse(text, 0, len(text))

    def _parse(self, text: str, start: int, end: int) -> Any:
        try:
            value, parsed_end = self._json.raw_decode(text, start)
        except json.JSONDecodeError as error:
            raise StreamDecodeError(f"invalid JSON in stream: {error}") from None
        if parsed_end != end:
            snippet = text[start:end][:80]
            raise StreamDecodeError(f"invalid JSON value in stream: {snippet!r}")
        return value

    def _reset_scanner(self) -> None:
        self._started = False
        self._depth = 0
        self._in_string = False
        self._escaped = False
        self._in_scalar = False

    def _scan(self, text: str, position: int) -> int:
        """Advance the scanner and return the end of the current value, or -1."""
        if not self._started:
            position = self._start_value(text, position)
        while True:
            if self._in_string:
                position = self._scan_string(text, position)
                if position < 0 or self._depth == 0:
                    return position
            elif self._in_scalar:
                match = _SCALAR_END.search(text, position)
                return -1 if match is None else match.start()
            else:
                position = self._scan_container(text, position)
                if position < 0 or self._depth == 0:
                    return position

    def _start_value(self, text: str, position: int) -> int:
        self._started = True
        first = text[position]
        if first in "{[":
            self._depth = 1
        elif first == '"':
            self._in_string = True
        else:
            self._in_scalar = True
        return position + 1

    def _scan_string(self, text: str, position: int) -> int:
        """Move past the closing quote of a string, or return -1."""
        while True:
            if self._escaped:
                if position >= len(text):
                    return -1
                self._escaped = False
                position += 1
            match = _STRING_SPECIAL.search(text, position)
            if match is None:
                return -1
            position = match.end()
            if match.group() == "\\":
                self._escaped = True
            else:
                self._in_string = False
                return position

    def _scan_container(self, text: str, position: int) -> int:
        """Move past the next bracket or into the next unterminated string."""
        position = _match_end(_SKIP_CONTAINER, text, position)
        if position >= len(text):
            return -1
        char = text[position]
        if char == '"':
            self._in_string = True
        elif char in "{[":
            self._depth += 1
        else:
            self._depth -= 1
        return position + 1


_HEADER_SIZE = 8
_Chunk = tuple[StreamType, bytes]


class FrameDecoder(_DeferredErrorMixin):
    """Incremental decoder of the multiplexed output format.

    Each frame is an 8-byte header (stream type, three zero bytes, payload
    length as a big-endian uint32) followed by the payload. Payload bytes are
    returned as soon as they arrive, even when a frame is incomplete, and
    consecutive bytes of one stream in a single ``feed`` are joined. Type 3
    frames carry a daemon error message and raise `StreamError` once
    complete. The work is linear in the stream length.
    """

    def __init__(self) -> None:
        self._header = bytearray()
        self._stream: int | None = None
        self._remaining = 0
        self._error_message = bytearray()

    def feed(self, data: bytes) -> list[_Chunk]:
        """Decode ``data`` and return its payload bytes by stream."""
        self._raise_pending()
        stream = self._stream
        if (
            stream is not None
            and 0 < len(data) < self._remaining
            and stream < _SYSTEM_ERROR
        ):
            # Fast path for small reads inside a long payload.
            self._remaining -= len(data)
            return [(StreamType(stream), bytes(data))]
        runs: list[tuple[StreamType, list[memoryview]]] = []
        view = memoryview(data)
        position = 0
        try:
            while position < len(view):
                if self._stream is None:
                    position = self._read_header(view, position)
                else:
                    position = self._read_payload(view, position, runs)
        except (StreamError, StreamDecodeError) as error:
            if not runs:
                raise
            self._pending_error = error
        return [(stream, b"".join(parts)) for stream, parts in runs]

    def flush(self) -> list[_Chunk]:
        """Check that the stream did not end inside a frame."""
        self._raise_pending()
        if self._header:
            raise StreamDecodeError(
                f"output stream ended inside a frame header after "
                f"{len(self._header)} of {_HEADER_SIZE} bytes"
            )
        if self._stream is not None:
            raise StreamDecodeError(
                f"output stream ended with {self._remaining} bytes of a frame "
                "payload missing"
            )
        return []

    close = flush

    def _read_header(self, view: memoryview, position: int) -> int:
        needed = _HEADER_SIZE - len(self._header)
        self._header += view[position : position + needed]
        position += needed
        if len(self._header) < _HEADER_SIZE:
            return position
        header = bytes(self._header)
        self._header.clear()
        stream = header[0]
        if stream > _SYSTEM_ERROR or header[1:4] != b"\0\0\0":
            raise StreamDecodeError(
                f"invalid frame header {header.hex()} in output stream. "
                "If the container has a TTY, read the output as a raw stream"
            )
        self._stream = stream
        self._remaining = int.from_bytes(header[4:], "big")
        if self._remaining == 0:
            self._end_frame()
        return position

    def _read_payload(
        self,
        view: memoryview,
        position: int,
        runs: list[tuple[StreamType, list[memoryview]]],
    ) -> int:
        assert self._stream is not None
        end = min(len(view), position + self._remaining)
        payload = view[position:end]
        self._remaining -= end - position
        if self._stream == _SYSTEM_ERROR:
            self._error_message += payload
        elif runs and runs[-1][0] == self._stream:
            runs[-1][1].append(payload)
        else:
            runs.append((StreamType(self._stream), [payload]))
        if self._remaining == 0:
            self._end_frame()
        return end

    def _end_frame(self) -> None:
        stream = self._stream
        self._stream = None
        if stream == _SYSTEM_ERROR:
            message = self._error_message.decode("utf-8", errors="replace")
            self._error_message.clear()
            raise StreamError(message.strip() or "the daemon reported an error")


class RawDecoder:
    """Pass-through decoder for the output of a container with a TTY.

    A TTY merges stdout and stderr, so every byte is reported as stdout. Bytes
    are returned as they arrive and never held back waiting for a newline, so
    ``\\r`` progress bars show up at once.
    """

    def feed(self, data: bytes) -> list[_Chunk]:
        """Return ``data`` as stdout bytes."""
        return [(StreamType.STDOUT, bytes(data))] if data else []

    def flush(self) -> list[_Chunk]:
        """Return nothing, because raw output has no framing to check."""
        return []

    close = flush


def is_multiplexed(
    tty: bool | None, content_type: str | None, api_version: str, status: int
) -> bool:
    """Decide whether output is multiplexed frames (True) or raw TTY bytes.

    A known ``tty`` setting of the container or exec decides: output is
    multiplexed exactly when there is no TTY. Otherwise the Content-Type
    decides, but only for a 101 response from API 1.42 or later, because
    earlier daemons label both framings ``application/vnd.docker.raw-stream``.
    In every other case the output is taken to be multiplexed, because
    containers and execs have no TTY unless one was requested.
    """
    if tty is not None:
        return not tty
    multiplexed = multiplexed_from_content_type(content_type, api_version, status)
    return True if multiplexed is None else multiplexed


def multiplexed_from_content_type(
    content_type: str | None, api_version: str, status: int
) -> bool | None:
    """Return the framing that the Content-Type of an upgraded response states.

    Returns None when the Content-Type does not decide: the status is not 101,
    the API version is below 1.42, where daemons label both framings
    ``application/vnd.docker.raw-stream``, or the media type is another one.
    """
    if status != 101 or not content_type or _version_tuple(api_version) < (1, 42):
        return None
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == MULTIPLEXED_STREAM:
        return True
    if media_type == RAW_STREAM:
        return False
    return None


def _version_tuple(api_version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in api_version.lstrip("v").split("."))
    except ValueError:
        raise ValueError(
            f"invalid API version {api_version!r}: expected a form like '1.47'"
        ) from None


def _has_framed_body(headers: HeaderLookup) -> bool:
    """Return whether a response states its body length, so it ends in HTTP."""
    return (
        headers.get("Content-Length") is not None
        or headers.get("Transfer-Encoding") is not None
    )


def upgrade_headers() -> dict[str, str]:
    """Return the headers that ask the daemon to upgrade to a raw TCP stream."""
    return {"Connection": "Upgrade", "Upgrade": "tcp"}


class _ClosingStream:
    """Base of the stream classes: closing, and use as a context manager."""

    _closed = False

    def close(self) -> None:
        """Release the connection; the stream yields nothing afterwards."""
        if not self._closed:
            self._closed = True
            self._release()

    @property
    def closed(self) -> bool:
        """Whether `close` has run."""
        return self._closed

    def _release(self) -> None:
        raise NotImplementedError

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


_S = TypeVar("_S", bound=_ClosingStream)


class _ItemIterator(_ClosingStream, Generic[T]):
    """Iterator that closes the stream when it ends, fails or is closed."""

    def __init__(self) -> None:
        self._items: Iterator[T] | None = None

    def _generate(self) -> Iterator[T]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        if self._closed:
            raise StopIteration
        if self._items is None:
            self._items = self._generate()
        try:
            return next(self._items)
        except Exception as error:
            # The generator has finished or failed (StopIteration included),
            # so only the connection is left to release.
            self._items = None
            if self._closed and not isinstance(error, StopIteration):
                # Another thread closed the stream, which broke the read.
                logger.debug("read of closed %s failed: %r", type(self).__name__, error)
                raise StopIteration from None
            self.close()
            raise
        except BaseException:
            self._items = None
            self.close()
            raise

    def close(self) -> None:
        """Stop reading and release the connection, even before the end.

        Another thread may call this to stop an iteration that waits for
        data. The iteration ends without an error once its read fails, which
        needs a response whose ``close`` interrupts a blocked read.
        `HijackedStream` shuts its socket down so that it does.
        """
        items = self._items
        self._items = None
        if items is not None and not self._closed:
            logger.debug("closing %s before the end of the stream", type(self).__name__)
        try:
            if items is not None and hasattr(items, "close"):
                items.close()
        except ValueError:
            # The generator is running in another thread. Releasing the
            # connection below makes its blocked read fail.
            pass
        finally:
            super().close()


class JsonStream(_ItemIterator[T]):
    """Iterator over the JSON values of a streaming response, decoded to T.

    An object with an ``error`` or ``errorDetail`` key raises `StreamError`
    after the values before it have been yielded. The daemon sends such
    objects with a 200 status, for example when a build step fails.
    Leaving the iteration early and closing the stream closes the
    connection.
    """

    def __init__(self, response: StreamingResponse, decode: Callable[[Any], T]) -> None:
        super().__init__()
        self._response = response
        self._decode = decode

    def _generate(self) -> Iterator[T]:
        decoder = JsonStreamDecoder()
        for chunk in self._response.iter_chunks():
            for value in decoder.feed(chunk):
                yield self._convert(value)
        for value in decoder.flush():
            yield self._convert(value)

    def _convert(self, value: Any) -> T:
        if isinstance(value, dict) and ("error" in value or "errorDetail" in value):
            raise StreamError.from_json(value)
        return self._decode(value)

    def _release(self) -> None:
        self._response.close()


class _OutputReader(_ItemIterator[_Chunk]):
    """Container output as (stream, bytes) pairs, read from a byte source."""

    def __init__(self, multiplexed: bool) -> None:
        super().__init__()
        self._decoder: FrameDecoder | RawDecoder = (
            FrameDecoder() if multiplexed else RawDecoder()
        )

    @property
    def multiplexed(self) -> bool:
        """Whether the output is decoded as multiplexed frames."""
        return isinstance(self._decoder, FrameDecoder)

    def _read_chunks(self) -> Iterator[bytes]:
        raise NotImplementedError

    def _generate(self) -> Iterator[_Chunk]:
        for data in self._read_chunks():
            yield from self._decoder.feed(data)
        yield from self._decoder.flush()

    def iter_bytes(self) -> Iterator[bytes]:
        """Yield the output bytes of all streams in arrival order."""
        for _stream, data in self:
            yield data

    def read_all(self) -> tuple[bytes, bytes]:
        """Read to the end and return (stdout, stderr).

        Stdin frames count as stdout, as in the Docker CLI. With a TTY,
        everything is stdout.
        """
        stdout: list[bytes] = []
        stderr: list[bytes] = []
        for stream, data in self:
            (stderr if stream == StreamType.STDERR else stdout).append(data)
        return b"".join(stdout), b"".join(stderr)


class OutputStream(_OutputReader):
    """Output of logs, or of attach without an upgrade, from a streaming response.

    Iterating yields (`StreamType`, bytes) pairs as the bytes arrive. Use
    `is_multiplexed` to choose ``multiplexed``.
    """

    def __init__(self, response: StreamingResponse, *, multiplexed: bool) -> None:
        super().__init__(multiplexed)
        self._response = response

    def _read_chunks(self) -> Iterator[bytes]:
        return self._response.iter_chunks()

    def _release(self) -> None:
        self._response.close()


class HijackedStream(_OutputReader):
    """Connection taken over after attach or exec start, for stdin and output.

    Writes go to the socket as stdin of the process. Iterating reads output
    until the daemon closes the connection, starting with ``buffered``, the
    bytes that arrived together with the response head. Works with plain
    unix and TCP sockets and with `ssl.SSLSocket`.
    """

    def __init__(
        self, sock: socket.socket, buffered: bytes = b"", *, multiplexed: bool
    ) -> None:
        super().__init__(multiplexed)
        self._socket = sock
        self._buffered = buffered

    @classmethod
    def from_response(
        cls, response: HijackableResponse, *, tty: bool | None, api_version: str
    ) -> HijackedStream:
        """Take over the connection of an upgraded response.

        A 200 status counts as upgraded, because old daemons and some proxies
        respond with 200 and then switch to the raw stream without a 101.
        """
        if response.status not in (101, 200):
            raise ValueError(
                f"cannot hijack a response with status {response.status}: "
                "expected 101 or 200"
            )
        multiplexed = is_multiplexed(
            tty, response.headers.get("Content-Type"), api_version, response.status
        )
        if response.status == 200 and _has_framed_body(response.headers):
            # An ordinary response, for example to exec start with Detach:
            # the daemon did not switch protocols, so its body is all the output.
            return cls.finished(
                b"".join(response.iter_chunks()), multiplexed=multiplexed
            )
        sock, buffered = response.detach()
        return cls(sock, buffered, multiplexed=multiplexed)

    @classmethod
    def finished(cls, output: bytes = b"", *, multiplexed: bool) -> HijackedStream:
        """Return a stream whose output is ``output`` and whose stdin is closed.

        The socket is one end of a socket pair whose other end is already
        closed, so reads end after ``output`` and writes raise
        `BrokenPipeError`.
        """
        own, peer = socket.socketpair()
        peer.close()
        return cls(own, output, multiplexed=multiplexed)

    @property
    def socket(self) -> socket.socket:
        """Underlying socket, for timeouts or ``select``."""
        return self._socket

    def write(self, data: bytes) -> None:
        """Send all of ``data`` to the process's stdin."""
        self._socket.sendall(data)

    sendall = write

    def close_write(self) -> None:
        """Signal end of stdin and keep reading output.

        This shuts down the write side of the connection. For TLS the
        shutdown goes to the TCP socket under the TLS layer, with no TLS
        close_notify alert, as Docker's Go client does. `ssl.SSLSocket.shutdown`
        and `ssl.SSLSocket.unwrap` cannot be used: the first drops the TLS
        state, and after the second OpenSSL rejects the output that follows.
        Go's crypto/tls, which the daemon uses, reads a TCP end of file at a
        record boundary as a clean end of input and can still write.

        NOTE: a TLS proxy built on OpenSSL 3 in front of the daemon treats
        this end of file as an error unless it sets
        SSL_OP_IGNORE_UNEXPECTED_EOF, and may then drop the rest of the output.
        """
        if isinstance(self._socket, ssl.SSLSocket):
            socket.socket.shutdown(self._socket, socket.SHUT_WR)
        else:
            self._socket.shutdown(socket.SHUT_WR)

    def _read_chunks(self) -> Iterator[bytes]:
        if self._buffered:
            data, self._buffered = self._buffered, b""
            yield data
        while True:
            data = self._socket.recv(_READ_SIZE)
            if not data:
                return
            yield data

    def _release(self) -> None:
        # close() alone does not wake a thread blocked in recv() on Linux,
        # but shutdown() does. It goes to the TCP socket under TLS, because
        # SSLSocket.shutdown would first drop the TLS state.
        try:
            socket.socket.shutdown(self._socket, socket.SHUT_RDWR)
        except OSError:
            pass  # Already disconnected.
        self._socket.close()


class ByteStream(_ItemIterator[bytes]):
    """Body of a response read in chunks, for example a tar archive.

    Iterating yields the chunks as they arrive. ``headers`` stays available
    after the body is read.
    """

    def __init__(self, response: StreamingResponse) -> None:
        super().__init__()
        self._response = response

    @property
    def headers(self) -> HeaderLookup:
        """Response headers."""
        return self._response.headers

    @property
    def path_stat(self) -> PathStat | None:
        """Stat of the archived path, from ``X-Docker-Container-Path-Stat``.

        None when the response has no such header (export, image save).
        Raises `ValueError` if the header is not valid.
        """
        from ._archive import PATH_STAT_HEADER, decode_path_stat

        value = self._response.headers.get(PATH_STAT_HEADER)
        return None if value is None else decode_path_stat(value)

    def _generate(self) -> Iterator[bytes]:
        return self._response.iter_chunks()

    def read_all(self) -> bytes:
        """Read the rest of the body and return it."""
        return b"".join(self)

    def write_to(self, file: _Writable) -> int:
        """Copy the rest of the body to ``file`` and return the number of bytes."""
        total = 0
        for chunk in self:
            file.write(chunk)
            total += len(chunk)
        return total

    def _release(self) -> None:
        self._response.close()


class _Writable(Protocol):
    def write(self, data: bytes, /) -> object: ...
