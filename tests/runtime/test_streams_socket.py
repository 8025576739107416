"""HijackedStream over real sockets: unix socketpairs, loopback TCP and TLS.

A thread plays the daemon's side of a hijacked connection: it reads stdin
until end of file, then writes output and closes the connection.
"""

from __future__ import annotations

import shutil
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker_engine._streams import HijackedStream, StreamType

TIMEOUT = 10.0


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxI", stream, len(payload)) + payload


def read_to_eof(sock: socket.socket) -> bytes:
    parts: list[bytes] = []
    while True:
        data = sock.recv(4096)
        if not data:
            return b"".join(parts)
        parts.append(data)


class FakeDaemon:
    """Runs the daemon side of one connection in a thread."""

    def __init__(self, handle: Callable[[socket.socket], None]) -> None:
        self.error: BaseException | None = None
        self._handle = handle
        self._thread: threading.Thread | None = None

    def start(self, sock: socket.socket) -> None:
        sock.settimeout(TIMEOUT)
        self._thread = threading.Thread(target=self._run, args=(sock,))
        self._thread.start()

    def _run(self, sock: socket.socket) -> None:
        try:
            self._handle(sock)
        except BaseException as error:  # reported by join()
            self.error = error
        finally:
            sock.close()

    def join(self) -> None:
        assert self._thread is not None
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive()
        if self.error is not None:
            raise self.error


def echo_multiplexed(sock: socket.socket) -> None:
    """Read stdin to EOF, then send it back as stdout and a line on stderr."""
    stdin = read_to_eof(sock)
    sock.sendall(frame(1, stdin) + frame(2, b"done\n"))


@pytest.fixture
def unix_pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    client, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(TIMEOUT)
    yield client, server
    client.close()
    server.close()


def test_hijacked_unix_write_half_close_read(
    unix_pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = unix_pair
    daemon = FakeDaemon(echo_multiplexed)
    daemon.start(server)
    with HijackedStream(client, frame(1, b"buffered "), multiplexed=True) as stream:
        stream.write(b"line 1\n")
        stream.sendall(b"line 2\n")
        stream.close_write()
        stdout, stderr = stream.read_all()
    daemon.join()
    assert stdout == b"buffered line 1\nline 2\n"
    assert stderr == b"done\n"
    assert stream.closed


def test_hijacked_output_before_eof(
    unix_pair: tuple[socket.socket, socket.socket],
) -> None:
    def interactive(sock: socket.socket) -> None:
        sock.sendall(frame(1, b"prompt> "))
        command = b""
        while not command.endswith(b"\n"):
            command += sock.recv(1)
        sock.sendall(frame(1, b"ran " + command))
        assert read_to_eof(sock) == b""

    client, server = unix_pair
    daemon = FakeDaemon(interactive)
    daemon.start(server)
    stream = HijackedStream(client, multiplexed=True)
    assert next(stream) == (StreamType.STDOUT, b"prompt> ")
    stream.write(b"ls\n")
    assert next(stream) == (StreamType.STDOUT, b"ran ls\n")
    stream.close_write()
    assert list(stream) == []
    daemon.join()


def test_hijacked_split_frames(
    unix_pair: tuple[socket.socket, socket.socket],
) -> None:
    data = frame(1, b"out" * 1000) + frame(2, b"err") + frame(1, b"!")

    def dribble(sock: socket.socket) -> None:
        read_to_eof(sock)
        for position in range(0, len(data), 7):
            sock.sendall(data[position : position + 7])

    client, server = unix_pair
    daemon = FakeDaemon(dribble)
    daemon.start(server)
    stream = HijackedStream(client, multiplexed=True)
    stream.close_write()
    assert stream.read_all() == (b"out" * 1000 + b"!", b"err")
    daemon.join()


def test_hijacked_buffered_partial_frame(
    unix_pair: tuple[socket.socket, socket.socket],
) -> None:
    whole = frame(2, b"early") + frame(1, b"late")

    def finish(sock: socket.socket) -> None:
        read_to_eof(sock)
        sock.sendall(whole[5:])

    client, server = unix_pair
    daemon = FakeDaemon(finish)
    daemon.start(server)
    stream = HijackedStream(client, whole[:5], multiplexed=True)
    stream.close_write()
    assert stream.read_all() == (b"late", b"early")
    daemon.join()


def test_hijacked_tcp_raw_mode() -> None:
    def tty(sock: socket.socket) -> None:
        stdin = read_to_eof(sock)
        sock.sendall(b"50%\r")
        sock.sendall(b"100%\r\n" + stdin)

    listener = socket.create_server(("127.0.0.1", 0))
    try:
        client = socket.create_connection(listener.getsockname(), timeout=TIMEOUT)
        server, _address = listener.accept()
    finally:
        listener.close()
    daemon = FakeDaemon(tty)
    daemon.start(server)
    with HijackedStream(client, b"$ ", multiplexed=False) as stream:
        stream.write(b"exit\n")
        stream.close_write()
        output = b"".join(stream.iter_bytes())
    daemon.join()
    assert output == b"$ 50%\r100%\r\nexit\n"


class FakeUpgradeResponse:
    """Upgraded response that hands over one end of a socketpair."""

    def __init__(self, sock: socket.socket, status: int, content_type: str) -> None:
        self.status = status
        self.headers = {"Content-Type": content_type}
        self._socket = sock
        self.closed = False

    def iter_chunks(self) -> Iterator[bytes]:
        raise AssertionError("a hijacked response is not read as a body")

    def close(self) -> None:
        self.closed = True

    def detach(self) -> tuple[socket.socket, bytes]:
        return self._socket, frame(1, b"first")


@pytest.mark.parametrize(
    ("status", "content_type", "version", "tty", "expected_stdout"),
    [
        (101, "application/vnd.docker.multiplexed-stream", "1.47", None, b"first"),
        (200, "application/vnd.docker.raw-stream", "1.24", False, b"first"),
        (101, "application/vnd.docker.raw-stream", "1.45", None, frame(1, b"first")),
        (101, "application/vnd.docker.raw-stream", "1.41", True, frame(1, b"first")),
    ],
)
def test_hijacked_from_response(
    unix_pair: tuple[socket.socket, socket.socket],
    status: int,
    content_type: str,
    version: str,
    tty: bool | None,
    expected_stdout: bytes,
) -> None:
    client, server = unix_pair
    daemon = FakeDaemon(lambda sock: None)
    daemon.start(server)
    response = FakeUpgradeResponse(client, status, content_type)
    stream = HijackedStream.from_response(response, tty=tty, api_version=version)
    assert stream.socket is client
    assert stream.read_all() == (expected_stdout, b"")
    daemon.join()


def test_hijacked_from_error_response_raises(
    unix_pair: tuple[socket.socket, socket.socket],
) -> None:
    client, _server = unix_pair
    response = FakeUpgradeResponse(client, 404, "application/json")
    with pytest.raises(ValueError, match="status 404"):
        HijackedStream.from_response(response, tty=None, api_version="1.47")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed, so no test certificate can be made")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_hijacked_tls_half_close(
    unix_pair: tuple[socket.socket, socket.socket],
    certificate: tuple[Path, Path],
    version: ssl.TLSVersion,
) -> None:
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    # close_write ends the TCP stream without a TLS close_notify alert. Go's
    # crypto/tls in the daemon accepts that as end of input, and OpenSSL 3
    # does the same only with this option.
    if not hasattr(ssl, "OP_IGNORE_UNEXPECTED_EOF"):
        pytest.skip("the ssl module was built without OpenSSL 3")
    server_context.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    server_context.minimum_version = server_context.maximum_version = version
    client_context = ssl.create_default_context(cafile=str(cert))
    client_context.minimum_version = client_context.maximum_version = version
    client_raw, server_raw = unix_pair

    def tls_daemon(sock: socket.socket) -> None:
        with server_context.wrap_socket(sock, server_side=True) as tls:
            echo_multiplexed(tls)

    daemon = FakeDaemon(tls_daemon)
    daemon.start(server_raw)
    client = client_context.wrap_socket(client_raw, server_hostname="localhost")
    with HijackedStream(client, multiplexed=True) as stream:
        stream.write(b"secret stdin")
        stream.close_write()
        stdout, stderr = stream.read_all()
    daemon.join()
    assert stdout == b"secret stdin"
    assert stderr == b"done\n"


def test_hijacked_close_from_other_thread(
    unix_pair: tuple[socket.socket, socket.socket],
) -> None:
    client, server = unix_pair
    stream = HijackedStream(client, multiplexed=True)
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
    reader.join(TIMEOUT)
    assert not reader.is_alive()
    assert results == [[]]
    assert client.fileno() == -1
