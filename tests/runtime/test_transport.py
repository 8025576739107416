"""Tests of the h11 transport against a real HTTP server on a unix socket."""

from __future__ import annotations

import io
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator

import pytest
from docker_engine._errors import DockerConnectionError, DockerTimeoutError
from docker_engine._transport import Transport, redact_target
from fake_daemon import (
    DaemonHandler,
    FakeDaemon,
    RecordedRequest,
    Reply,
    ReplyFunction,
)


@pytest.fixture
def transport(daemon: FakeDaemon) -> Iterator[Transport]:
    with Transport(daemon.url, timeout=5) as client:
        yield client


def test_request_reads_status_headers_body(
    daemon: FakeDaemon, transport: Transport
) -> None:
    daemon.add("GET", "/info", json={"ID": "x"}, headers={"Api-Version": "1.47"})
    response = transport.request("GET", "/info?size=1")
    assert response.status == 200
    assert response.json() == {"ID": "x"}
    assert response.headers["api-version"] == "1.47"
    assert response.headers["API-VERSION"] == "1.47"
    assert response.headers.get("Missing") is None
    assert response.method == "GET"
    assert response.path == "/info?size=1"
    assert response.url == daemon.url + "/info?size=1"
    assert daemon.requests[0].target == "/info?size=1"
    assert daemon.requests[0].headers["host"] == "localhost"


def test_pool_reuses_one_connection(daemon: FakeDaemon, transport: Transport) -> None:
    daemon.add("GET", "/_ping", body=b"OK")
    for _ in range(5):
        assert transport.request("GET", "/_ping").content == b"OK"
    assert daemon.connections_used == 1
    assert transport.idle_connections == 1


def test_head_response_has_no_body(daemon: FakeDaemon, transport: Transport) -> None:
    daemon.add("HEAD", "/_ping", body=b"OK", headers={"Api-Version": "1.45"})
    response = transport.request("HEAD", "/_ping")
    assert response.content == b""
    assert response.headers["Api-Version"] == "1.45"
    # The connection stays usable after a HEAD with Content-Length.
    daemon.add("GET", "/_ping", body=b"OK")
    assert transport.request("GET", "/_ping").content == b"OK"
    assert daemon.connections_used == 1


def test_connection_close_is_not_pooled(
    daemon: FakeDaemon, transport: Transport
) -> None:
    daemon.add("GET", "/bye", body=b"x", headers={"Connection": "close"})
    transport.request("GET", "/bye")
    assert transport.idle_connections == 0
    transport.request("GET", "/bye")
    assert daemon.connections_used == 2


def test_stale_pooled_connection_is_retried(
    daemon: FakeDaemon, transport: Transport
) -> None:
    def reply_then_hang_up(handler: DaemonHandler, request: RecordedRequest) -> None:
        # The reply promises keep-alive, then the server drops the
        # connection, as a daemon does when an idle connection times out.
        handler.send_response(200)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"OK")
        handler.wfile.flush()
        handler.close_connection = True

    daemon.add_function("GET", "/flaky", reply_then_hang_up)
    daemon.add_function("POST", "/flaky", reply_then_hang_up)
    assert transport.request("GET", "/flaky").content == b"OK"
    time.sleep(0.1)
    assert transport.request("GET", "/flaky").content == b"OK"
    assert transport.request("POST", "/flaky", body=b"data").content == b"OK"
    assert daemon.connections_used == 3


def test_concurrent_requests_share_pool(
    daemon: FakeDaemon, transport: Transport
) -> None:
    daemon.add("GET", "/_ping", body=b"OK")
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(20):
                assert transport.request("GET", "/_ping").content == b"OK"
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(daemon.requests) == 160
    assert daemon.connections_used <= 8
    assert transport.idle_connections <= 8


def test_bytes_body_has_content_length(
    daemon: FakeDaemon, transport: Transport
) -> None:
    daemon.add("POST", "/echo", status=201)
    transport.request(
        "POST", "/echo", body=b'{"a":1}', headers={"Content-Type": "application/json"}
    )
    request = daemon.requests[0]
    assert request.body == b'{"a":1}'
    assert request.headers["content-length"] == "7"
    assert request.headers["content-type"] == "application/json"
    assert not request.chunked


def test_post_without_body_sends_zero_length(
    daemon: FakeDaemon, transport: Transport
) -> None:
    daemon.add("POST", "/containers/x/start", status=204)
    assert transport.request("POST", "/containers/x/start").status == 204
    assert daemon.requests[0].headers["content-length"] == "0"


def test_iterable_body_is_chunked(daemon: FakeDaemon, transport: Transport) -> None:
    daemon.add("POST", "/build", body=b"done")

    def parts() -> Iterator[bytes]:
        yield b"first "
        yield b""
        yield b"second"

    transport.request("POST", "/build", body=parts())
    request = daemon.requests[0]
    assert request.chunked
    assert request.headers["transfer-encoding"] == "chunked"
    assert request.body == b"first second"


def test_file_body_is_chunked(daemon: FakeDaemon, transport: Transport) -> None:
    daemon.add("PUT", "/archive", body=b"")
    payload = os.urandom(200_000)
    transport.request("PUT", "/archive", body=io.BytesIO(payload))
    assert daemon.requests[0].chunked
    assert daemon.requests[0].body == payload


def test_large_bytes_body(daemon: FakeDaemon, transport: Transport) -> None:
    daemon.add("POST", "/load")
    payload = os.urandom(300_000)
    transport.request("POST", "/load", body=payload)
    assert daemon.requests[0].body == payload


def test_text_file_body_is_rejected(daemon: FakeDaemon, transport: Transport) -> None:
    daemon.add("POST", "/load")
    with pytest.raises(TypeError, match="binary mode"):
        transport.request("POST", "/load", body=io.StringIO("text"))  # type: ignore[arg-type]


def test_invalid_header_value_is_rejected(transport: Transport) -> None:
    with pytest.raises(ValueError, match="Illegal header value") as caught:
        transport.request("GET", "/x", headers={"X-Test": "secret\r\nInjected: 1"})
    assert "secret" not in str(caught.value)


def test_read_timeout(daemon: FakeDaemon, transport: Transport) -> None:
    def slow(handler: DaemonHandler, request: RecordedRequest) -> None:
        time.sleep(0.5)

    daemon.add_function("GET", "/slow", slow)
    started = time.monotonic()
    with pytest.raises(DockerTimeoutError) as caught:
        transport.request("GET", "/slow", timeout=0.1)
    assert time.monotonic() - started < 0.45
    assert caught.value.phase == "read"
    assert caught.value.timeout == 0.1
    assert "GET /slow" in str(caught.value)
    assert transport.idle_connections == 0


def test_timeout_change_per_request(daemon: FakeDaemon, transport: Transport) -> None:
    daemon.add("GET", "/_ping", body=b"OK")
    transport.request("GET", "/_ping", timeout=0.5)
    transport.request("GET", "/_ping", timeout=float("inf"))
    transport.request("GET", "/_ping")
    assert daemon.connections_used == 1


def test_invalid_timeout_is_rejected(transport: Transport) -> None:
    with pytest.raises(ValueError, match="invalid timeout"):
        transport.request("GET", "/_ping", timeout=0)


def test_connect_timeout_on_loopback_tcp() -> None:
    # A listener that never accepts: once its backlog is full, Linux drops
    # further SYNs, so connect() waits until its timeout.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            try:
                filler.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            fillers.append(filler)
        transport = Transport(f"tcp://127.0.0.1:{port}", connect_timeout=0.2)
        with pytest.raises(DockerTimeoutError) as caught:
            transport.request("GET", "/_ping")
        assert caught.value.phase == "connect"
    finally:
        for filler in fillers:
            filler.close()
        server.close()


def test_missing_socket_names_fix() -> None:
    folder = tempfile.mkdtemp(dir="/tmp")
    transport = Transport(f"unix://{folder}/absent.sock")
    with pytest.raises(DockerConnectionError) as caught:
        transport.request("GET", "/_ping")
    assert "socket file does not exist" in str(caught.value)
    assert "DOCKER_HOST" in str(caught.value)
    assert caught.value.address == f"unix://{folder}/absent.sock"
    assert isinstance(caught.value.__cause__, FileNotFoundError)


def test_refused_socket_names_fix() -> None:
    folder = tempfile.mkdtemp(dir="/tmp")
    path = f"{folder}/dead.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.close()  # the file stays, but nothing listens
    with pytest.raises(DockerConnectionError, match="connection was refused"):
        Transport("unix://" + path).request("GET", "/_ping")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores socket file permissions")
def test_permission_denied_names_fix(daemon: FakeDaemon) -> None:
    os.chmod(daemon.socket_path, 0)
    with pytest.raises(DockerConnectionError, match="permission denied"):
        Transport(daemon.url).request("GET", "/_ping")


def test_closed_transport_rejects_requests(daemon: FakeDaemon) -> None:
    daemon.add("GET", "/_ping", body=b"OK")
    transport = Transport(daemon.url)
    transport.request("GET", "/_ping")
    transport.close()
    assert transport.idle_connections == 0
    with pytest.raises(DockerConnectionError, match="closed"):
        transport.request("GET", "/_ping")


def chunked_writer(pieces: list[bytes], pause: float) -> ReplyFunction:
    def reply(handler: DaemonHandler, request: RecordedRequest) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        handler.wfile.flush()
        for piece in pieces:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            handler.wfile.flush()
            time.sleep(pause)
        handler.wfile.write(b"0\r\n\r\n")
        handler.wfile.flush()

    return reply


def test_stream_yields_chunks_as_they_arrive(
    daemon: FakeDaemon, transport: Transport
) -> None:
    daemon.add_function(
        "GET", "/events", chunked_writer([b'{"a":1}\n', b'{"b":2}\n'], 0.3)
    )
    started = time.monotonic()
    with transport.stream("GET", "/events") as response:
        assert response.status == 200
        chunks = response.iter_chunks()
        first = next(chunks)
        # The first chunk is delivered before the server sends the second.
        assert time.monotonic() - started < 0.25
        assert first == b'{"a":1}\n'
        assert list(chunks) == [b'{"b":2}\n']
    assert response.closed
    assert transport.idle_connections == 1


def test_stream_read_releases_connection(
    daemon: FakeDaemon, transport: Transport
) -> None:
    daemon.add_function("GET", "/logs", chunked_writer([b"a", b"b", b"c"], 0))
    response = transport.stream("GET", "/logs")
    assert response.read() == b"abc"
    assert transport.idle_connections == 1


def test_stream_closed_early_drops_connection(
    daemon: FakeDaemon, transport: Transport
) -> None:
    daemon.add_function("GET", "/logs", chunked_writer([b"a", b"b"], 0.2))
    response = transport.stream("GET", "/logs")
    assert next(iter(response)) == b"a"
    response.close()
    assert transport.idle_connections == 0


def test_stream_body_until_close(daemon: FakeDaemon, transport: Transport) -> None:
    def until_close(handler: DaemonHandler, request: RecordedRequest) -> None:
        handler.send_response(200)
        handler.end_headers()
        handler.wfile.write(b"raw bytes")
        handler.wfile.flush()
        handler.close_connection = True

    daemon.add_function("GET", "/export", until_close)
    response = transport.stream("GET", "/export")
    assert response.read() == b"raw bytes"
    assert transport.idle_connections == 0


def test_detach_after_upgrade_returns_buffered_bytes(
    daemon: FakeDaemon, transport: Transport
) -> None:
    def upgrade(handler: DaemonHandler, request: RecordedRequest) -> None:
        # Head and first stream bytes in one write, so they arrive together.
        handler.wfile.write(
            b"HTTP/1.1 101 UPGRADED\r\n"
            b"Content-Type: application/vnd.docker.raw-stream\r\n"
            b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
            b"hello "
        )
        handler.wfile.flush()
        data = handler.connection.recv(100)
        handler.wfile.write(b"echo:" + data)
        handler.wfile.flush()
        handler.close_connection = True

    daemon.add_function("POST", "/attach", upgrade)
    response = transport.stream(
        "POST", "/attach", headers={"Connection": "Upgrade", "Upgrade": "tcp"}
    )
    assert response.status == 101
    assert response.headers["Content-Type"] == "application/vnd.docker.raw-stream"
    time.sleep(0.1)
    sock, buffered = response.detach()
    try:
        received = buffered
        while len(received) < len(b"hello "):
            received += sock.recv(100)
        assert received == b"hello "
        sock.sendall(b"stdin")
        reply = b""
        while len(reply) < len(b"echo:stdin"):
            reply += sock.recv(100)
        assert reply == b"echo:stdin"
    finally:
        sock.close()
    assert response.closed
    with pytest.raises(RuntimeError, match="already closed"):
        response.detach()


def test_debug_log_has_no_header_values(
    daemon: FakeDaemon, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    daemon.add("POST", "/images/create", body=b"{}")
    caplog.set_level("DEBUG", logger="docker_engine")
    transport.request("POST", "/images/create", headers={"X-Registry-Auth": "c2VjcmV0"})
    assert "POST /images/create -> 200" in caplog.text
    assert "c2VjcmV0" not in caplog.text


def test_redact_target_hides_buildargs() -> None:
    target = '/v1.47/build?t=app&buildargs={"TOKEN":"s3cr3t"}&q=1'
    assert redact_target(target) == "/v1.47/build?t=app&buildargs=<redacted>&q=1"
    assert redact_target("/v1.47/info") == "/v1.47/info"


def test_debug_log_redacts_buildargs(
    daemon: FakeDaemon, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    daemon.add("POST", "/build", body=b"{}")
    caplog.set_level("DEBUG", logger="docker_engine")
    response = transport.request(
        "POST", "/build?buildargs=%7B%22T%22%3A%22s3cr3t%22%7D"
    )
    assert "buildargs=<redacted>" in caplog.text
    assert "s3cr3t" not in caplog.text
    assert "s3cr3t" not in repr(response)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_child_gets_fresh_pool(daemon: FakeDaemon, transport: Transport) -> None:
    daemon.add("GET", "/_ping", body=b"OK")
    transport.request("GET", "/_ping")
    assert transport.idle_connections == 1
    pid = os.fork()
    if pid == 0:
        # Child: the inherited connection must not be reused.
        code = 0 if transport.idle_connections == 0 else 1
        if code == 0 and transport.request("GET", "/_ping").content != b"OK":
            code = 2
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert transport.request("GET", "/_ping").content == b"OK"
    assert transport.idle_connections == 1
    assert daemon.connections_used == 2


def test_early_rejection_of_upload_is_returned(
    daemon: FakeDaemon, transport: Transport
) -> None:
    def reject(handler: DaemonHandler, request: RecordedRequest) -> None:
        handler.send_reply(Reply(413, b'{"message":"too large"}'))
        handler.wfile.flush()
        handler.close_connection = True

    daemon.add_function("POST", "/load", reject, read_body=False)

    def endless() -> Iterator[bytes]:
        block = b"x" * 65536
        for _ in range(2000):
            yield block

    response = transport.request("POST", "/load", body=endless())
    assert response.status == 413
    assert response.json() == {"message": "too large"}
    assert transport.idle_connections == 0
