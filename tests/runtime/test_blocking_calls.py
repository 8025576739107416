"""Generated calls of blocking operations wait without a read timeout.

Uses the generated v1.41 package (``make generate``) with a client read
timeout shorter than the response's delay: the fake daemon's sleep, or a
real container's run time.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from docker_engine import DockerTimeoutError
from engines import TEST_IMAGE
from fake_daemon import DaemonHandler, FakeDaemon, RecordedRequest, Reply

CLIENT_TIMEOUT = 0.2
DAEMON_DELAY = 0.6


@pytest.fixture
def v1_41() -> ModuleType:
    try:
        return importlib.import_module("docker_engine.v1_41")
    except ImportError:
        pytest.skip("generated/docker-engine-v1-41 is missing: run make generate")


@pytest.fixture
def client(daemon: FakeDaemon, v1_41: ModuleType) -> Iterator[Any]:
    with v1_41.Client(daemon.url, timeout=CLIENT_TIMEOUT) as generated_client:
        yield generated_client


def add_slow(daemon: FakeDaemon, method: str, path: str, reply: Reply) -> None:
    def respond(handler: DaemonHandler, request: RecordedRequest) -> None:
        time.sleep(DAEMON_DELAY)
        handler.send_reply(reply)

    daemon.add_function(method, path, respond)


def test_wait_outlasts_client_timeout(daemon: FakeDaemon, client: Any) -> None:
    add_slow(
        daemon,
        "POST",
        "/v1.41/containers/web/wait",
        Reply(200, b'{"StatusCode":3}', {"Content-Type": "application/json"}),
    )
    result = client.containers.wait("web")
    assert result.status_code == 3


@pytest.mark.parametrize("operation", ["stop", "restart"])
def test_stop_and_restart_outlast_client_timeout(
    daemon: FakeDaemon, client: Any, operation: str
) -> None:
    add_slow(daemon, "POST", f"/v1.41/containers/web/{operation}", Reply(204))
    method = getattr(client.containers, operation)
    assert method("web", t=1) is None
    assert daemon.requests[0].target == f"/v1.41/containers/web/{operation}?t=1"


def test_prune_outlasts_client_timeout(daemon: FakeDaemon, client: Any) -> None:
    add_slow(
        daemon,
        "POST",
        "/v1.41/images/prune",
        Reply(200, b'{"SpaceReclaimed":0}', {"Content-Type": "application/json"}),
    )
    result = client.images.prune()
    assert result.space_reclaimed == 0


def test_kill_keeps_client_timeout(daemon: FakeDaemon, client: Any) -> None:
    add_slow(daemon, "POST", "/v1.41/containers/web/kill", Reply(204))
    with pytest.raises(DockerTimeoutError) as caught:
        client.containers.kill("web")
    assert caught.value.timeout == CLIENT_TIMEOUT


@pytest.mark.engine
@pytest.mark.parametrize("engine", ["20.10", "26.1", "28.5"])
def test_wait_on_engine_outlasts_client_timeout(
    engines: dict[str, str], name_prefix: str, v1_41: ModuleType, engine: str
) -> None:
    if engine not in engines:
        pytest.skip(f"engine {engine} is not running")
    with v1_41.Client(engines[engine], timeout=0.5) as client:
        created = client.containers.create(
            body={"Image": TEST_IMAGE, "Cmd": ["sleep", "1.5"]},
            name=f"{name_prefix}-wait",
        )
        try:
            client.containers.start(created.id)
            started = time.monotonic()
            result = client.containers.wait(created.id)
            elapsed = time.monotonic() - started
        finally:
            client.containers.delete(created.id, force=True)
    assert result.status_code == 0
    assert elapsed > 0.5
