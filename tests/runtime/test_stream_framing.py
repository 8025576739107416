"""TTY lookups for output framing, finished hijacked streams and path stats.

The fake daemon plays the inspect, logs, attach, exec start and archive
endpoints, so these tests check which requests `ApiClient` sends to learn
the framing and how it decodes the archive header.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import pytest
from docker_engine._api import TTY_FROM_BODY, ApiClient
from docker_engine._archive import PathStat, path_stat_from_headers
from docker_engine._models import Model
from docker_engine._streams import HijackedStream, multiplexed_from_content_type
from docker_engine._transport import Transport
from fake_daemon import DaemonHandler, FakeDaemon, RecordedRequest, ReplyFunction

INSPECT_PATH = "/v1.41/containers/web/json"
PATH_STAT = {
    "name": "payload.bin",
    "size": 5,
    "mode": 0o640,
    "mtime": "2026-01-02T03:04:05Z",
    "linkTarget": "",
}


@pytest.fixture
def api(daemon: FakeDaemon) -> Iterator[ApiClient]:
    with ApiClient(Transport(daemon.url, timeout=5), "1.41") as client:
        yield client


def frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def inspect_paths(daemon: FakeDaemon) -> list[str]:
    return [r.path for r in daemon.requests if r.path == INSPECT_PATH]


def upgrade_reply(content_type: str, output: bytes) -> ReplyFunction:
    def reply(handler: DaemonHandler, request: RecordedRequest) -> None:
        handler.wfile.write(
            b"HTTP/1.1 101 UPGRADED\r\nContent-Type: "
            + content_type.encode()
            + b"\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
            + output
        )
        handler.wfile.flush()
        handler.close_connection = True

    return reply


@pytest.mark.parametrize(
    ("tty", "body", "multiplexed"),
    [
        (False, frame(1, b"out\n"), True),
        (True, b"raw\r\n", False),
    ],
)
def test_logs_framing_from_inspect(
    daemon: FakeDaemon, api: ApiClient, tty: bool, body: bytes, multiplexed: bool
) -> None:
    daemon.add("GET", INSPECT_PATH, json={"Id": "web", "Config": {"Tty": tty}})
    daemon.add("GET", "/v1.41/containers/web/logs", body=body)
    with api.stream_output(
        "GET", "/containers/web/logs", tty_from="/containers/web/json"
    ) as stream:
        assert stream.multiplexed is multiplexed
        stream.read_all()
    assert inspect_paths(daemon) == [INSPECT_PATH]


def test_logs_explicit_tty_skips_inspect(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("GET", "/v1.41/containers/web/logs", body=b"raw")
    with api.stream_output(
        "GET", "/containers/web/logs", tty=True, tty_from="/containers/web/json"
    ) as stream:
        assert stream.read_all() == (b"raw", b"")
    assert inspect_paths(daemon) == []


@pytest.mark.parametrize(
    ("service", "multiplexed"),
    [
        ({"Spec": {"TaskTemplate": {"ContainerSpec": {"TTY": True}}}}, False),
        # The daemon leaves out a false TTY.
        ({"Spec": {"TaskTemplate": {"ContainerSpec": {}}}}, True),
        ({"Spec": {"TaskTemplate": {}}}, True),
    ],
)
def test_service_logs_framing_from_spec(
    daemon: FakeDaemon, api: ApiClient, service: object, multiplexed: bool
) -> None:
    daemon.add("GET", "/v1.41/services/web", json=service)
    daemon.add("GET", "/v1.41/services/web/logs", body=b"")
    with api.stream_output(
        "GET",
        "/services/web/logs",
        tty_from="/services/web",
        tty_field="Spec.TaskTemplate.ContainerSpec.TTY",
    ) as stream:
        assert stream.multiplexed is multiplexed


def test_attach_content_type_skips_inspect(daemon: FakeDaemon) -> None:
    reply = upgrade_reply("application/vnd.docker.raw-stream", b"raw")
    daemon.add_function("POST", "/v1.42/containers/web/attach", reply)
    with ApiClient(Transport(daemon.url, timeout=5), "1.42") as api:
        with api.hijack(
            "POST", "/containers/web/attach", tty_from="/containers/web/json"
        ) as stream:
            assert not stream.multiplexed
            assert stream.read_all() == (b"raw", b"")
    assert [r.path for r in daemon.requests] == ["/v1.42/containers/web/attach"]


def test_attach_before_1_42_inspects(daemon: FakeDaemon, api: ApiClient) -> None:
    # Before API 1.42 the daemon labels multiplexed output raw-stream too.
    reply = upgrade_reply("application/vnd.docker.raw-stream", frame(2, b"err\n"))
    daemon.add_function("POST", "/v1.41/containers/web/attach", reply)
    daemon.add("GET", INSPECT_PATH, json={"Config": {"Tty": False}})
    with api.hijack(
        "POST", "/containers/web/attach", tty_from="/containers/web/json"
    ) as stream:
        assert stream.multiplexed
        assert stream.read_all() == (b"", b"err\n")
    assert inspect_paths(daemon) == [INSPECT_PATH]


def test_other_upgrade_protocol_is_raw(daemon: FakeDaemon, api: ApiClient) -> None:
    reply = upgrade_reply("", frame(1, b"not a frame"))
    daemon.add_function("POST", "/v1.41/session", reply)
    with api.hijack("POST", "/session", headers={"Upgrade": "h2c"}) as stream:
        assert not stream.multiplexed
        assert stream.read_all() == (frame(1, b"not a frame"), b"")
    assert daemon.requests[0].headers["upgrade"] == "h2c"


class StartConfig(Model):
    __slots__ = ()


@pytest.mark.parametrize(
    ("body", "multiplexed"),
    [
        ({"Detach": False}, True),
        ({"Detach": False, "Tty": False}, True),
        ({"Detach": False, "Tty": True}, False),
        (StartConfig.from_dict({"Tty": True}), False),
    ],
)
def test_exec_start_framing_from_body(
    daemon: FakeDaemon, api: ApiClient, body: object, multiplexed: bool
) -> None:
    reply = upgrade_reply("application/vnd.docker.raw-stream", b"")
    daemon.add_function("POST", "/v1.41/exec/e1/start", reply)
    with api.hijack(
        "POST", "/exec/e1/start", json=body, tty_from=TTY_FROM_BODY
    ) as stream:
        assert stream.multiplexed is multiplexed
    assert [r.path for r in daemon.requests] == ["/v1.41/exec/e1/start"]


def test_detached_exec_start_is_finished(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("POST", "/v1.41/exec/e1/start", body=b"")
    with api.hijack(
        "POST", "/exec/e1/start", json={"Detach": True}, tty_from=TTY_FROM_BODY
    ) as stream:
        with pytest.raises(BrokenPipeError):
            stream.write(b"stdin")
        assert stream.read_all() == (b"", b"")
    # The ordinary response left its connection reusable.
    assert api.transport.idle_connections == 1


def test_finished_stream_yields_output() -> None:
    with HijackedStream.finished(frame(1, b"done\n"), multiplexed=True) as stream:
        assert stream.read_all() == (b"done\n", b"")


@pytest.mark.parametrize(
    ("content_type", "version", "status", "expected"),
    [
        ("application/vnd.docker.multiplexed-stream", "1.42", 101, True),
        ("application/vnd.docker.raw-stream", "1.47", 101, False),
        ("application/vnd.docker.raw-stream; charset=x", "1.47", 101, False),
        ("application/vnd.docker.raw-stream", "1.41", 101, None),
        ("application/vnd.docker.raw-stream", "1.47", 200, None),
        ("text/plain", "1.47", 101, None),
        (None, "1.47", 101, None),
    ],
)
def test_content_type_framing(
    content_type: str | None, version: str, status: int, expected: bool | None
) -> None:
    assert multiplexed_from_content_type(content_type, version, status) is expected


def encoded_stat() -> str:
    return base64.b64encode(json.dumps(PATH_STAT).encode()).decode()


def test_get_archive_path_stat(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add(
        "GET",
        "/v1.41/containers/web/archive",
        body=b"tar bytes",
        headers={"X-Docker-Container-Path-Stat": encoded_stat()},
    )
    with api.stream_bytes(
        "GET", "/containers/web/archive", query={"path": "/payload.bin"}
    ) as archive:
        stat = archive.path_stat
        assert archive.read_all() == b"tar bytes"
    assert stat == PathStat("payload.bin", 5, 0o640, "2026-01-02T03:04:05Z", "")
    assert stat.permissions == 0o640


def test_export_has_no_path_stat(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("GET", "/v1.41/containers/web/export", body=b"tar bytes")
    with api.stream_bytes("GET", "/containers/web/export") as archive:
        assert archive.path_stat is None


def test_head_archive_path_stat(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add(
        "HEAD",
        "/v1.41/containers/web/archive",
        headers={"X-Docker-Container-Path-Stat": encoded_stat()},
    )
    response = api.request("HEAD", "/containers/web/archive", query={"path": "/p"})
    assert path_stat_from_headers(response.headers).size == 5


def test_missing_path_stat_header_raises() -> None:
    with pytest.raises(ValueError, match="has no X-Docker-Container-Path-Stat"):
        path_stat_from_headers({})
