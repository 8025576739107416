"""HTTP/1.1 transport to the daemon, built on the sans-I/O ``h11`` library.

`Transport` owns the connections: unix socket, TCP or TLS, chosen by a
`HostConfig`. Idle keep-alive connections wait in a pool guarded by a lock,
so one transport can serve many threads. A connection goes back to the pool
only after a complete request/response cycle that both sides agree to keep
open. Errors, timeouts, ``Connection: close`` and partly read streams close
it instead.

Timeouts, in seconds:

* ``connect_timeout`` bounds opening the socket and the TLS handshake, and
  defaults to ``timeout``.
* ``timeout`` bounds each wait for data of a `Transport.request` response.
  A per-call ``timeout`` overrides it: ``None`` means "use the default" and
  ``math.inf`` means "wait forever".
* ``stream_timeout`` does the same for `Transport.stream`, and defaults to
  waiting forever because streams such as ``events`` or ``logs`` with
  ``follow`` may stay silent for hours.

Request bodies are ``bytes`` (sent with ``Content-Length``), or a binary
file object or an iterable of ``bytes`` (sent with
``Transfer-Encoding: chunked`` as they are read).

The per-request path is kept short because clients often make many small
calls: headers are pre-encoded once, timeouts are set on the socket only
when they change, and nothing is formatted for the log unless debug
logging is on.
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import socket
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any, TypeAlias

import h11

from ._config import HostConfig, TLSConfig, parse_host
from ._errors import (
    DockerConnectionError,
    DockerEngineError,
    DockerTimeoutError,
    is_error_status,
)

if TYPE_CHECKING:
    import ssl

    from h11._headers import Headers as _H11Headers

__all__ = [
    "Body",
    "Headers",
    "Response",
    "StreamingResponse",
    "Transport",
    "redact_target",
]

logger = logging.getLogger("docker_engine")

Body: TypeAlias = bytes | bytearray | memoryview | IO[bytes] | Iterable[bytes] | None
HeaderInput: TypeAlias = Mapping[str, str] | Sequence[tuple[str, str]] | None

_DEBUG = logging.DEBUG
_SECRET_QUERY_VALUE = re.compile(r"(?<=[?&]buildargs=)[^&]*")
_RECV_SIZE = 65536
_FILE_CHUNK_SIZE = 65536
# Bodies up to this size are sent in the same send call as the head.
_SMALL_BODY = 65536
_USER_AGENT = b"docker-engine-python"
_METHODS_WITH_BODY = frozenset((b"POST", b"PUT", b"PATCH"))

_NEED_DATA = h11.NEED_DATA
_Data = h11.Data
_EndOfMessage = h11.EndOfMessage
_H11Response = h11.Response
_InformationalResponse = h11.InformationalResponse
_ConnectionClosed = h11.ConnectionClosed
_DONE = h11.DONE
# h11 events are immutable, so one instance serves every request.
_END_OF_MESSAGE = h11.EndOfMessage()


class Headers(Mapping[str, str]):
    """Response headers with case-insensitive lookup.

    Wraps the header list parsed by h11 (names already lowercase) without
    copying it. ``headers["Content-Type"]`` returns the first value of that
    name, and `get_all` returns every value. Iteration yields lowercase names.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Sequence[tuple[bytes, bytes]]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> str:
        key = name.lower().encode("latin-1")
        for item_name, value in self._items:
            if item_name == key:
                return value.decode("latin-1")
        raise KeyError(name)

    def get_all(self, name: str) -> list[str]:
        """Return every value of a header, in the order received."""
        key = name.lower().encode("latin-1")
        return [
            value.decode("latin-1")
            for item_name, value in self._items
            if item_name == key
        ]

    def __iter__(self) -> Iterator[str]:
        for item_name, _ in self._items:
            yield item_name.decode("latin-1")

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class Response:
    """A completed response: status, headers and the whole body.

    ``path`` is the request target (with the query string), ``url`` adds
    the daemon address in front of it.
    """

    __slots__ = ("status", "reason", "headers", "content", "method", "path", "_address")

    def __init__(
        self,
        status: int,
        reason: str,
        headers: Headers,
        content: bytes,
        method: str,
        path: str,
        address: str,
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.content = content
        self.method = method
        self.path = path
        self._address = address

    @property
    def url(self) -> str:
        """Daemon address followed by the request target."""
        return self._address + self.path

    @property
    def ok(self) -> bool:
        """True for a status below 300 or 304, the statuses `ApiClient` returns."""
        return not is_error_status(self.status)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8, with invalid bytes replaced."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """Decode the body as JSON, returning ``None`` for an empty body."""
        if not self.content:
            return None
        return json.loads(self.content)

    def __repr__(self) -> str:
        return f"<Response [{self.status}] {self.method} {redact_target(self.path)}>"


class _Connection:
    """One socket with its h11 state machine."""

    __slots__ = ("sock", "h11", "timeout", "eof")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.h11 = h11.Connection(h11.CLIENT)
        self.timeout = sock.gettimeout()
        # h11 lets a body that ends with the connection finish in state DONE,
        # so the end of the connection is tracked here to keep it out of the pool.
        self.eof = False

    def set_timeout(self, timeout: float | None) -> None:
        # settimeout costs a system call, so skip it when nothing changes.
        if timeout != self.timeout:
            self.sock.settimeout(timeout)
            self.timeout = timeout

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class ChunkedDecoder:
    """Sans-I/O decoder of an HTTP/1.1 chunked body: `feed` bytes, get the data.

    The daemon flushes every log line and JSON message as a chunk of its own,
    so 50 MiB of 64-byte log lines arrive in about 820,000 chunks. h11 returns one
    event per chunk; this decoder returns the data of all the chunks in one
    ``recv`` as a single bytes object, which is what streaming needs.
    """

    __slots__ = ("_buffer", "_remaining", "_state")

    _SIZE, _DATA, _DATA_END, _TRAILER, _DONE = range(5)
    _MAX_LINE = 4096

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._remaining = 0
        self._state = self._SIZE

    @property
    def done(self) -> bool:
        """True once the last chunk and the trailer were read."""
        return self._state == self._DONE

    @property
    def leftover(self) -> int:
        """Bytes received after the end of the body (0 from a well-behaved server)."""
        return len(self._buffer)

    def feed(self, data: bytes) -> bytes:
        """Decode ``data``; return the body bytes it completes (may be empty).

        Raises `ValueError` for a malformed size line or chunk end.
        """
        buffer = self._buffer
        buffer += data
        pieces: list[bytes] = []
        position = self._decode(buffer, pieces)
        del buffer[:position]
        return b"".join(pieces)

    def _decode(self, buffer: bytearray, pieces: list[bytes]) -> int:
        position, end = 0, len(buffer)
        state = self._state
        while state != self._DONE:
            if state == self._DATA:
                take = min(self._remaining, end - position)
                if take == 0:
                    break
                pieces.append(bytes(buffer[position : position + take]))
                position += take
                self._remaining -= take
                if self._remaining:
                    break
                state = self._DATA_END
            elif state == self._DATA_END:
                if end - position < 2:
                    break
                if buffer[position : position + 2] != b"\r\n":
                    raise ValueError("chunk data is not followed by CRLF")
                position += 2
                state = self._SIZE
            else:
                line_end = buffer.find(b"\r\n", position)
                if line_end < 0:
                    if end - position > self._MAX_LINE:
                        raise ValueError("chunk size line is too long")
                    break
                line = bytes(buffer[position:line_end])
                position = line_end + 2
                if state == self._TRAILER:
                    state = self._DONE if not line else self._TRAILER
                    continue
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    state = self._TRAILER
                else:
                    self._remaining = size
                    state = self._DATA
        self._state = state
        return position


class StreamingResponse:
    """A response whose body is read as it arrives.

    Iterating yields each piece of the body as soon as one ``recv`` returns
    it, without waiting to fill a buffer. `close` returns the connection to
    the pool when the body was read to the end and closes it otherwise.
    `detach` hands over the raw socket for hijacked connections (attach,
    exec start). Use it as a context manager to close it reliably.
    """

    __slots__ = (
        "status",
        "reason",
        "headers",
        "method",
        "path",
        "_transport",
        "_conn",
        "_complete",
    )

    def __init__(
        self,
        transport: Transport,
        conn: _Connection,
        status: int,
        reason: str,
        headers: Headers,
        method: str,
        path: str,
    ) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.method = method
        self.path = path
        self._transport = transport
        self._conn: _Connection | None = conn
        self._complete = False

    @property
    def closed(self) -> bool:
        """True once the body was read to the end, or after close or detach."""
        return self._conn is None

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_chunks()

    def iter_chunks(self) -> Iterator[bytes]:
        """Yield body pieces as they arrive, then release the connection."""
        conn = self._conn
        if conn is None:
            return
        if self._is_chunked():
            yield from self._iter_chunked(conn)
            return
        connection = conn.h11
        sock = conn.sock
        try:
            while True:
                event = connection.next_event()
                if event is _NEED_DATA:
                    data = sock.recv(_RECV_SIZE)
                    if not data:
                        conn.eof = True
                    connection.receive_data(data)
                elif type(event) is _Data:
                    yield bytes(event.data)
                elif type(event) is _EndOfMessage:
                    self._complete = True
                    break
                elif type(event) is _ConnectionClosed:
                    # A body framed by the end of the connection ends here.
                    self._complete = False
                    break
                else:
                    break
        except (OSError, h11.RemoteProtocolError) as error:
            raise self._read_failed(conn, error) from error
        self.close()

    def _read_failed(self, conn: _Connection, error: Exception) -> DockerEngineError:
        """Close the connection and build the error for a failed body read."""
        self._discard()
        target = redact_target(self.path)
        if isinstance(error, TimeoutError):
            return DockerTimeoutError(
                "read", conn.timeout, self._transport.address, self.method, target
            )
        return DockerConnectionError(
            self._transport.address,
            f"connection to {self._transport.address} broke while reading "
            f"the response of {self.method} {target}: {error}",
        )

    def _is_chunked(self) -> bool:
        if self.method == "HEAD" or self.status in (204, 304) or self.status < 200:
            return False
        encoding = self.headers.get("transfer-encoding", "")
        return encoding.lower().rstrip().endswith("chunked")

    def _iter_chunked(self, conn: _Connection) -> Iterator[bytes]:
        """Yield the data of a chunked body, one piece per ``recv``.

        The body is decoded here instead of by h11. A connection read to the
        end goes back to the pool with a fresh h11 state.
        """
        decoder = ChunkedDecoder()
        buffered, _ = conn.h11.trailing_data
        try:
            piece = decoder.feed(bytes(buffered))
            if piece:
                yield piece
            while not decoder.done:
                data = conn.sock.recv(_RECV_SIZE)
                if not data:
                    raise ConnectionError("the daemon closed the connection mid-body")
                piece = decoder.feed(data)
                if piece:
                    yield piece
        except (OSError, ValueError) as error:
            raise self._read_failed(conn, error) from error
        self._conn = None
        reusable = decoder.leftover == 0 and "close" not in (
            self.headers.get("connection", "").lower()
        )
        if reusable:
            conn.h11 = h11.Connection(h11.CLIENT)
            self._transport._keep_idle(conn)
        else:
            conn.close()

    def read(self) -> bytes:
        """Read the rest of the body and release the connection."""
        return b"".join(self.iter_chunks())

    def detach(self) -> tuple[socket.socket, bytes]:
        """Take over the socket, with the bytes already received after the head.

        After a 101 Switching Protocols (or the 200 of an old-style attach),
        the daemon sends and receives a raw stream on the socket. The caller owns the
        socket from now on and must close it.
        """
        conn = self._conn
        if conn is None:
            raise RuntimeError("the response was already closed or detached")
        self._conn = None
        buffered, _ = conn.h11.trailing_data
        return conn.sock, bytes(buffered)

    def close(self) -> None:
        """Return the connection to the pool if the body was read, else close it."""
        conn = self._conn
        if conn is None:
            return
        self._conn = None
        if self._complete:
            self._transport._release(conn)
        else:
            conn.close()

    def _discard(self) -> None:
        conn = self._conn
        self._conn = None
        if conn is not None:
            conn.close()

    def __enter__(self) -> StreamingResponse:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        target = redact_target(self.path)
        return f"<StreamingResponse [{self.status}] {self.method} {target}>"


class _StaleConnection(Exception):
    """A pooled connection was closed by the daemon before it responded."""


class Transport:
    """Connection pool and HTTP/1.1 client for one daemon address.

    ``host`` is a `HostConfig` or an address string such as
    ``unix:///var/run/docker.sock`` or ``tcp://10.0.0.5:2376``. At most
    ``max_idle_connections`` idle connections are kept.
    """

    def __init__(
        self,
        host: HostConfig | str | None = None,
        *,
        tls: TLSConfig | bool | None = None,
        timeout: float | None = 60.0,
        connect_timeout: float | None = None,
        stream_timeout: float | None = None,
        max_idle_connections: int = 10,
        user_agent: str | None = None,
    ) -> None:
        if isinstance(host, HostConfig):
            self.config = host
        else:
            self.config = parse_host(host, tls)
        self.address = self.config.url

        self.timeout = _socket_timeout(timeout)
        self.connect_timeout = (
            self.timeout
            if connect_timeout is None
            else _socket_timeout(connect_timeout)
        )
        self.stream_timeout = _socket_timeout(stream_timeout)
        self.max_idle_connections = max_idle_connections

        self._ssl_context: ssl.SSLContext | None = None
        if self.config.tls is not None:
            self._ssl_context = self.config.tls.ssl_context()

        agent = _USER_AGENT if user_agent is None else user_agent.encode("latin-1")
        self._base_headers: list[tuple[bytes, bytes]] = [
            (b"Host", _encode_host(self.config.http_host)),
            (b"User-Agent", agent),
        ]
        # h11 validates header lists on every request but accepts the
        # Headers object of an earlier request as already valid, so the
        # common cases (no extra headers, no body) are validated only once.
        self._plain_headers = _validated_headers(self._base_headers)
        self._empty_body_headers = _validated_headers(
            [*self._base_headers, (b"Content-Length", b"0")]
        )

        self._idle: list[_Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        _transports.add(self)

    # -- public API -------------------------------------------------------

    def request(
        self,
        method: str,
        target: str,
        *,
        headers: HeaderInput = None,
        body: Body = None,
        timeout: float | None = None,
    ) -> Response:
        """Send a request and read the whole response.

        ``target`` is the path with its query string. Any status is
        returned, because raising for errors is the caller's job. Raises
        `DockerConnectionError` or `DockerTimeoutError`.
        """
        debug = logger.isEnabledFor(_DEBUG)
        started = time.perf_counter() if debug else 0.0
        read_timeout = self.timeout if timeout is None else _socket_timeout(timeout)
        conn, head = self._exchange(method, target, headers, body, read_timeout)
        try:
            content = self._read_body(conn)
        except TimeoutError as error:
            conn.close()
            raise DockerTimeoutError(
                "read", read_timeout, self.address, method, redact_target(target)
            ) from error
        except (OSError, h11.RemoteProtocolError) as error:
            conn.close()
            raise self._broken(method, target, error) from error
        self._release(conn)
        response = Response(
            head.status_code,
            head.reason.decode("latin-1"),
            Headers(head.headers),
            content,
            method,
            target,
            self.address,
        )
        if debug:
            elapsed = (time.perf_counter() - started) * 1000
            logger.debug(
                "%s %s -> %d (%d bytes) in %.2f ms",
                method,
                redact_target(target),
                head.status_code,
                len(content),
                elapsed,
            )
        return response

    def stream(
        self,
        method: str,
        target: str,
        *,
        headers: HeaderInput = None,
        body: Body = None,
        timeout: float | None = None,
    ) -> StreamingResponse:
        """Send a request and return once the response head has arrived.

        The caller reads the body from the returned `StreamingResponse` and
        must close it (or use it as a context manager).
        """
        debug = logger.isEnabledFor(_DEBUG)
        started = time.perf_counter() if debug else 0.0
        read_timeout = (
            self.stream_timeout if timeout is None else _socket_timeout(timeout)
        )
        conn, head = self._exchange(method, target, headers, body, read_timeout)
        if debug:
            elapsed = (time.perf_counter() - started) * 1000
            logger.debug(
                "%s %s -> %d (streaming) in %.2f ms",
                method,
                redact_target(target),
                head.status_code,
                elapsed,
            )
        return StreamingResponse(
            self,
            conn,
            head.status_code,
            head.reason.decode("latin-1"),
            Headers(head.headers),
            method,
            target,
        )

    def close(self) -> None:
        """Close every idle connection, and each busy one when it is released."""
        with self._lock:
            self._closed = True
            idle = self._idle
            self._idle = []
        for conn in idle:
            conn.close()
        if idle and logger.isEnabledFor(_DEBUG):
            logger.debug("closed %d idle connections to %s", len(idle), self.address)

    @property
    def idle_connections(self) -> int:
        """Number of connections waiting in the pool."""
        return len(self._idle)

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Transport {self.address}>"

    def _forget_connections(self) -> None:
        # Runs in a forked child: the pooled sockets are shared with the
        # parent, so the child closes its copies and starts a fresh pool.
        self._lock = threading.Lock()
        idle = self._idle
        self._idle = []
        for conn in idle:
            conn.close()

    # -- connections ------------------------------------------------------

    def _connect(self) -> _Connection:
        config = self.config
        if logger.isEnabledFor(_DEBUG):
            logger.debug("connecting to %s", self.address)
        sock: socket.socket | None = None
        try:
            if config.scheme == "unix":
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.connect_timeout)
                assert config.path is not None
                sock.connect(config.path)
            else:
                assert config.host is not None and config.port is not None
                sock = socket.create_connection(
                    (config.host, config.port), timeout=self.connect_timeout
                )
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if self._ssl_context is not None:
                    sock = self._ssl_context.wrap_socket(
                        sock, server_hostname=config.host
                    )
        except TimeoutError as error:
            if sock is not None:
                sock.close()
            raise DockerTimeoutError(
                "connect", self.connect_timeout, self.address
            ) from error
        except OSError as error:
            if sock is not None:
                sock.close()
            raise DockerConnectionError.from_os_error(self.address, error) from error
        return _Connection(sock)

    def _acquire(self) -> tuple[_Connection, bool]:
        with self._lock:
            if self._closed:
                raise DockerConnectionError(
                    self.address, f"the transport to {self.address} is closed"
                )
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _keep_idle(self, conn: _Connection) -> None:
        """Pool a connection whose h11 state was reset after a finished exchange."""
        with self._lock:
            if not self._closed and len(self._idle) < self.max_idle_connections:
                self._idle.append(conn)
                return
        conn.close()

    def _release(self, conn: _Connection) -> None:
        connection = conn.h11
        if (
            connection.our_state is _DONE
            and connection.their_state is _DONE
            and not conn.eof
        ):
            connection.start_next_cycle()
            with self._lock:
                if not self._closed and len(self._idle) < self.max_idle_connections:
                    self._idle.append(conn)
                    return
        conn.close()

    # -- one request/response exchange -----------------------------------

    def _exchange(
        self,
        method: str,
        target: str,
        headers: HeaderInput,
        body: Body,
        read_timeout: float | None,
    ) -> tuple[_Connection, h11.Response | h11.InformationalResponse]:
        """Send the request and read the response head, retrying once if stale.

        A pooled connection the daemon closed while idle fails before any
        response byte arrives. The request is then sent again on a new
        connection, but only when its body can be sent twice (none or bytes).
        """
        if isinstance(body, (bytearray, memoryview)):
            # h11 takes bytes, and len() of a memoryview counts items, not bytes.
            body = bytes(body)
        method_bytes = method.encode("ascii")
        request_headers = self._build_headers(method_bytes, headers, body)
        try:
            request = h11.Request(
                method=method_bytes,
                target=target.encode("ascii"),
                headers=request_headers,
            )
        except h11.LocalProtocolError as error:
            # For example a header value containing a line break. h11 quotes
            # the bad value, which may be a credential, so only its reason
            # is kept.
            reason = str(error).split(" b'", 1)[0].split(' b"', 1)[0]
            raise ValueError(
                f"invalid request {method} {redact_target(target)}: {reason}"
            ) from None
        replayable = body is None or isinstance(body, bytes)
        while True:
            conn, reused = self._acquire()
            conn.set_timeout(read_timeout)
            try:
                try:
                    self._send(conn, request, body)
                except (BrokenPipeError, ConnectionResetError) as send_error:
                    if reused:
                        raise _StaleConnection() from None
                    # The daemon may have rejected the request before the
                    # body was complete and closed the connection. Its error
                    # response is more useful than the broken pipe.
                    try:
                        head = self._read_head(conn, False)
                    except (OSError, h11.RemoteProtocolError):
                        raise send_error from None
                    return conn, head
                head = self._read_head(conn, reused)
            except _StaleConnection:
                conn.close()
                if replayable:
                    if logger.isEnabledFor(_DEBUG):
                        logger.debug(
                            "pooled connection to %s was closed, reconnecting",
                            self.address,
                        )
                    continue
                raise self._broken(method, target, None) from None
            except TimeoutError as error:
                conn.close()
                raise DockerTimeoutError(
                    "read", read_timeout, self.address, method, redact_target(target)
                ) from error
            except (OSError, h11.RemoteProtocolError) as error:
                conn.close()
                raise self._broken(method, target, error) from error
            except BaseException:
                conn.close()
                raise
            return conn, head

    def _build_headers(
        self, method: bytes, headers: HeaderInput, body: Body
    ) -> list[tuple[bytes, bytes]] | _H11Headers:
        if not headers and body is None:
            if method in _METHODS_WITH_BODY:
                return self._empty_body_headers
            return self._plain_headers
        result = self._base_headers
        if headers:
            result = result.copy()
            items = headers.items() if isinstance(headers, Mapping) else headers
            for name, value in items:
                result.append((name.encode("latin-1"), value.encode("latin-1")))
        if body is None:
            if method in _METHODS_WITH_BODY:
                result = [*result, (b"Content-Length", b"0")]
        elif isinstance(body, (bytes, bytearray, memoryview)):
            result = [*result, (b"Content-Length", str(len(body)).encode("ascii"))]
        else:
            result = [*result, (b"Transfer-Encoding", b"chunked")]
        return result

    def _send(self, conn: _Connection, request: h11.Request, body: Body) -> None:
        connection = conn.h11
        sock = conn.sock
        head = connection.send(request)
        assert head is not None
        if body is None:
            connection.send(_END_OF_MESSAGE)
            sock.sendall(head)
            return
        if isinstance(body, bytes):
            if body:
                # Only advances h11's Content-Length count: with passthrough
                # h11 returns the payload uncopied, and it is sent below.
                connection.send_with_data_passthrough(_Data(data=body))
            connection.send(_END_OF_MESSAGE)
            if len(body) <= _SMALL_BODY:
                sock.sendall(head + body)
            else:
                sock.sendall(head)
                sock.sendall(body)
            return
        sock.sendall(head)
        for chunk in _iter_body(body):
            if chunk:
                data = connection.send(_Data(data=chunk))
                assert data is not None
                sock.sendall(data)
        end = connection.send(_END_OF_MESSAGE)
        assert end is not None
        sock.sendall(end)

    def _read_head(
        self, conn: _Connection, reused: bool
    ) -> h11.Response | h11.InformationalResponse:
        connection = conn.h11
        sock = conn.sock
        # The daemon sends nothing unasked, so the receive buffer is empty
        # after a request and the first next_event() would only return
        # NEED_DATA. Reading first saves that call on every request.
        try:
            data = sock.recv(_RECV_SIZE)
        except ConnectionResetError:
            if reused:
                raise _StaleConnection() from None
            raise
        if not data and reused:
            raise _StaleConnection()
        connection.receive_data(data)
        while True:
            event = connection.next_event()
            if event is _NEED_DATA:
                connection.receive_data(sock.recv(_RECV_SIZE))
            elif type(event) is _H11Response:
                return event
            elif type(event) is _InformationalResponse:
                if event.status_code == 101:
                    return event
                # 100 Continue and other interim responses are skipped.
            elif type(event) is _ConnectionClosed:
                raise ConnectionResetError("the daemon closed the connection")
            else:
                raise h11.RemoteProtocolError(f"unexpected event {event!r}")

    def _read_body(self, conn: _Connection) -> bytes:
        connection = conn.h11
        sock = conn.sock
        chunks: list[bytes | bytearray] = []
        while True:
            event = connection.next_event()
            if type(event) is _Data:
                chunks.append(event.data)
            elif type(event) is _EndOfMessage:
                break
            elif event is _NEED_DATA:
                data = sock.recv(_RECV_SIZE)
                if not data:
                    conn.eof = True
                connection.receive_data(data)
            elif type(event) is _ConnectionClosed:
                break
            else:
                raise h11.RemoteProtocolError(f"unexpected event {event!r}")
        return b"".join(chunks)

    def _broken(
        self, method: str, target: str, error: BaseException | None
    ) -> DockerConnectionError:
        text = (
            f"connection to {self.address} broke during {method} "
            f"{redact_target(target)}"
        )
        if error is not None:
            text += f": {type(error).__name__}: {error}"
        else:
            text += ": the daemon closed it before answering"
        return DockerConnectionError(self.address, text)


_transports: weakref.WeakSet[Transport] = weakref.WeakSet()


def _forget_connections_after_fork() -> None:
    for transport in list(_transports):
        transport._forget_connections()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_connections_after_fork)


def redact_target(target: str) -> str:
    """Hide the values of query parameters that may carry secrets.

    Build arguments (``buildargs``) often carry tokens, so their value is
    replaced before a request target reaches a log line, repr or message.
    """
    if "buildargs=" not in target:
        return target
    return _SECRET_QUERY_VALUE.sub("<redacted>", target)


def _encode_host(host: str) -> bytes:
    try:
        return host.encode("ascii")
    except UnicodeEncodeError:
        name, _, port = host.rpartition(":")
        return name.encode("idna") + b":" + port.encode("ascii")


def _validated_headers(headers: list[tuple[bytes, bytes]]) -> _H11Headers:
    return h11.Request(method=b"GET", target=b"/", headers=headers).headers


def _socket_timeout(value: float | None) -> float | None:
    if value is None or math.isinf(value):
        return None
    if value <= 0:
        raise ValueError(
            f"invalid timeout {value!r}: must be a positive number of seconds"
        )
    return float(value)


def _iter_body(body: Body) -> Iterator[bytes]:
    read = getattr(body, "read", None)
    if read is not None:
        while True:
            chunk = read(_FILE_CHUNK_SIZE)
            if not chunk:
                return
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise TypeError("request body file must be opened in binary mode")
            yield bytes(chunk)
    assert body is not None
    for chunk in body:
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"request body iterables must yield bytes, not {type(chunk).__name__}"
            )
        yield bytes(chunk)
