"""A small HTTP/1.1 server on a unix socket that plays the Docker daemon in tests.

Routes map (method, path without query) to a canned reply or to a function
that writes its own response through the handler, for cases such as slow
responses, dropped connections or protocol upgrades. Every request is
recorded with the number of the connection it arrived on, so tests can
check connection reuse.
"""

from __future__ import annotations

import itertools
import json as jsonlib
import os
import shutil
import socketserver
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any


@dataclass
class RecordedRequest:
    method: str
    target: str
    path: str
    headers: dict[str, str]
    body: bytes
    connection: int
    chunked: bool


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


ReplyFunction = Callable[["DaemonHandler", RecordedRequest], None]


class DaemonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    daemon: FakeDaemon
    connection_number: int

    def setup(self) -> None:
        super().setup()
        self.connection_number = self.daemon.next_connection()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read_body(self) -> tuple[bytes, bool]:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    # Trailer section: read up to the empty line.
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts), True
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(length), False

    def _dispatch(self) -> None:
        path = self.path.split("?", 1)[0]
        if (self.command, path) in self.daemon.unread_bodies:
            body, chunked = b"", False
        else:
            body, chunked = self._read_body()
        request = RecordedRequest(
            method=self.command,
            target=self.path,
            path=path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=body,
            connection=self.connection_number,
            chunked=chunked,
        )
        self.daemon.record(request)
        route = self.daemon.routes.get((self.command, path))
        if route is None:
            route = Reply(
                404,
                b'{"message":"page not found"}',
                {"Content-Type": "application/json"},
            )
        if callable(route):
            route(self, request)
            return
        self.send_reply(route)

    def send_reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.status != 304:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command != "HEAD" and reply.status != 304:
            self.wfile.write(reply.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _dispatch


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True


class FakeDaemon:
    """Start with `start`, stop with `stop`; ``url`` is its ``unix://`` address."""

    def __init__(self) -> None:
        # Socket paths are limited to about 100 bytes, so avoid pytest's
        # long tmp_path names.
        self.folder = tempfile.mkdtemp(prefix="fake-dockerd-", dir="/tmp")
        self.socket_path = os.path.join(self.folder, "docker.sock")
        self.url = "unix://" + self.socket_path
        self.routes: dict[tuple[str, str], Reply | ReplyFunction] = {}
        self.requests: list[RecordedRequest] = []
        # Routes whose function responds without reading the request body.
        self.unread_bodies: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._connections = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def next_connection(self) -> int:
        with self._lock:
            return next(self._connections)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def add(
        self,
        method: str,
        path: str,
        status: int = 200,
        *,
        body: bytes = b"",
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        reply_headers = dict(headers or {})
        if json is not None:
            body = jsonlib.dumps(json).encode()
            reply_headers.setdefault("Content-Type", "application/json")
        self.routes[(method, path)] = Reply(status, body, reply_headers)

    def add_function(
        self, method: str, path: str, function: ReplyFunction, *, read_body: bool = True
    ) -> None:
        self.routes[(method, path)] = function
        if not read_body:
            self.unread_bodies.add((method, path))

    def start(self) -> FakeDaemon:
        handler = type("BoundHandler", (DaemonHandler,), {"daemon": self})
        self._server = _Server(self.socket_path, handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def connections_used(self) -> int:
        """Number of distinct connections that carried at least one request."""
        with self._lock:
            return len({request.connection for request in self.requests})
