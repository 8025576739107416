"""The two baseline peers: http.client over a unix socket, and a bare socket.

The bare socket sends request bytes prepared in advance and reads the
response with the least parsing that finds its end. It is the floor that no
HTTP client can beat.
"""

from __future__ import annotations

import http.client
import socket

from tests.engines import UnixHTTPConnection

_HEAD_END = b"\r\n\r\n"
_LAST_CHUNK = b"\r\n0\r\n\r\n"


def _content_length(head: bytes) -> int | None:
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return None


def request_bytes(path: str, *, close: bool = False) -> bytes:
    """Return the bytes of a GET request for ``path``."""
    connection = "close" if close else "keep-alive"
    return (
        f"GET {path} HTTP/1.1\r\nHost: docker\r\nConnection: {connection}\r\n\r\n"
    ).encode("ascii")


class BareSocket:
    """A kept-alive unix socket that sends fixed bytes and reads one response."""

    def __init__(self, socket_path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(socket_path)

    def exchange(self, request: bytes) -> bytes:
        """Send ``request`` and return the whole response, head included.

        Handles a Content-Length body and a chunked body (which ends with
        the last-chunk marker). The chunks are not decoded.
        """
        self.sock.sendall(request)
        data = b""
        while _HEAD_END not in data:
            data += self._recv()
        head, _, body = data.partition(_HEAD_END)
        length = _content_length(head)
        parts = [body]
        if length is not None:
            size = len(body)
            while size < length:
                received = self._recv()
                parts.append(received)
                size += len(received)
            return head + b"".join(parts)
        # A chunked body ends with the last-chunk marker. The CRLF put in
        # front also finds the marker of an empty body.
        tail = (b"\r\n" + body)[-len(_LAST_CHUNK) :]
        while tail != _LAST_CHUNK:
            received = self._recv()
            parts.append(received)
            tail = (tail + received)[-len(_LAST_CHUNK) :]
        return head + b"".join(parts)

    def _recv(self) -> bytes:
        received = self.sock.recv(65536)
        if not received:
            raise ConnectionError("engine closed the connection inside a response")
        return received

    def read_to_end(self, request: bytes, buffer: bytearray) -> int:
        """Send a ``Connection: close`` request and count the bytes until EOF."""
        self.sock.sendall(request)
        view = memoryview(buffer)
        total = 0
        while True:
            count = self.sock.recv_into(view)
            if count == 0:
                return total
            total += count

    def close(self) -> None:
        self.sock.close()


def http_client(socket_path: str) -> http.client.HTTPConnection:
    """Return a kept-alive http.client connection to the engine socket."""
    return UnixHTTPConnection(socket_path, timeout=300.0)


def http_get(connection: http.client.HTTPConnection, path: str) -> bytes:
    """Send a GET with http.client and return the body."""
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise RuntimeError(f"GET {path} returned {response.status}: {body!r}")
    return body
