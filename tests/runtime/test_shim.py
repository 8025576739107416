"""Tests of docker_engine.Client with fake version packages and a fake daemon."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docker_engine
import pytest
from docker_engine import ApiClient, Client, MissingVersionPackageError, NotFoundError
from fake_daemon import FakeDaemon

VERSION_PACKAGE = """
from docker_engine._api import ApiClient

API_VERSION = "{version}"


class Client:
    def __init__(self, base_url=None, *, timeout=60.0, api=None):
        self.api = api
        self.api_version = api.api_version
"""


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Install fake v1_41 and v1_45 packages on docker_engine.__path__."""
    root = tmp_path / "docker_engine"
    for version in ("1.41", "1.45"):
        package = root / f"v1_{version.split('.')[1]}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(VERSION_PACKAGE.format(version=version))
    # Only the runtime and the fake packages: generated packages that other
    # test setup put on sys.path must not satisfy these imports.
    runtime_folder = str(Path(docker_engine.__file__).parent)
    monkeypatch.setattr(docker_engine, "__path__", [runtime_folder, str(root)])
    for name in list(sys.modules):
        if name.startswith("docker_engine.v1_"):
            monkeypatch.delitem(sys.modules, name)
    for attribute in ("v1_41", "v1_45"):
        if hasattr(docker_engine, attribute):
            monkeypatch.delattr(docker_engine, attribute)
    yield ["1.41", "1.45"]
    for name in list(sys.modules):
        if name.startswith("docker_engine.v1_"):
            del sys.modules[name]
    for attribute in ("v1_41", "v1_45"):
        if hasattr(docker_engine, attribute):
            delattr(docker_engine, attribute)


def test_client_returns_negotiated_version_client(
    daemon: FakeDaemon, packages: list[str]
) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.45"})
    client = Client(daemon.url)
    assert type(client).__module__ == "docker_engine.v1_45"
    assert client.api_version == "1.45"
    assert isinstance(client.api, ApiClient)
    assert client.api.transport.address == daemon.url
    assert "docker_engine.v1_45" in sys.modules
    assert "docker_engine.v1_41" not in sys.modules


def test_client_from_env_reads_host_and_version(
    daemon: FakeDaemon, packages: list[str]
) -> None:
    client = Client.from_env(
        environ={"DOCKER_HOST": daemon.url, "DOCKER_API_VERSION": "1.41"}
    )
    assert client.api_version == "1.41"
    assert daemon.requests == []
    assert "docker_engine.v1_45" not in sys.modules


def test_explicit_version_wins_over_env(
    daemon: FakeDaemon, packages: list[str]
) -> None:
    client = Client.from_env(
        environ={"DOCKER_HOST": daemon.url, "DOCKER_API_VERSION": "1.41"},
        version="1.45",
    )
    assert client.api_version == "1.45"


def test_pinned_version_not_installed(daemon: FakeDaemon, packages: list[str]) -> None:
    with pytest.raises(MissingVersionPackageError, match="docker-engine-v1-47"):
        Client(daemon.url, version="1.47")


def test_client_requests_use_version_prefix(
    daemon: FakeDaemon, packages: list[str]
) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.45"})
    daemon.add("GET", "/v1.45/info", json={"ID": "x"})
    client = Client(daemon.url)
    assert client.api.request("GET", "/info").json() == {"ID": "x"}
    assert daemon.connections_used == 1


def test_package_path_is_extended_first() -> None:
    tree = ast.parse(Path(docker_engine.__file__).read_text())
    statements = [
        node
        for node in tree.body
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    assert ast.unparse(statements[1]) == "__path__ = _extend_path(__path__, __name__)"


def test_version_package_found_in_other_entry(tmp_path: Path) -> None:
    version_dir = tmp_path / "docker_engine" / "v1_99"
    version_dir.mkdir(parents=True)
    (version_dir / "__init__.py").write_text("MARK = 'other entry'\n")
    runtime_dir = Path(docker_engine.__file__).resolve().parent.parent
    code = "import docker_engine.v1_99 as m; print(m.MARK)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": f"{runtime_dir}:{tmp_path}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "other entry"


@pytest.mark.skipif(
    "1.47" not in docker_engine.installed_versions(),
    reason="needs the generated docker-engine-v1-47 package on sys.path",
)
def test_generated_client_against_fake_daemon(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.47"})
    daemon.add("GET", "/v1.47/_ping", body=b"OK")
    daemon.add("GET", "/v1.47/containers/web/json", json={"Id": "abc", "Name": "/web"})
    daemon.add(
        "GET",
        "/v1.47/containers/gone/json",
        status=404,
        json={"message": "No such container: gone"},
    )
    client = Client(daemon.url)
    assert type(client).__module__.startswith("docker_engine.v1_47")
    assert client.api_version == "1.47"
    assert client.system.ping() == "OK"
    assert client.containers.inspect("web").to_dict() == {"Id": "abc", "Name": "/web"}
    with pytest.raises(NotFoundError, match="container 'gone' not found"):
        client.containers.inspect("gone")
    assert daemon.connections_used == 1
