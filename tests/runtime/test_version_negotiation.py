"""Tests of API version negotiation against a fake daemon on a unix socket."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from docker_engine._errors import MissingVersionPackageError, ServerError, VersionError
from docker_engine._negotiation import (
    DaemonVersions,
    VersionNegotiator,
    choose_version,
    installed_versions,
)
from docker_engine._transport import Transport
from fake_daemon import FakeDaemon


def paths(daemon: FakeDaemon) -> list[str]:
    return [f"{request.method} {request.path}" for request in daemon.requests]


def negotiator(
    daemon: FakeDaemon, installed: list[str], pinned: str | None = None
) -> VersionNegotiator:
    return VersionNegotiator(
        Transport(daemon.url, timeout=5), pinned=pinned, installed=installed
    )


def test_head_ping_header_matches_newest_package(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.47"})
    assert negotiator(daemon, ["1.41", "1.47"]).version() == "1.47"
    assert paths(daemon) == ["HEAD /_ping"]


def test_older_package_checks_daemon_minimum(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.51"})
    daemon.add("GET", "/version", json={"ApiVersion": "1.51", "MinAPIVersion": "1.24"})
    assert negotiator(daemon, ["1.41", "1.47"]).version() == "1.47"
    assert paths(daemon) == ["HEAD /_ping", "GET /version"]


def test_head_not_allowed_falls_back_to_get(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", status=405)
    daemon.add("GET", "/_ping", body=b"OK", headers={"API-Version": "1.39"})
    assert negotiator(daemon, ["1.39"]).version() == "1.39"
    assert paths(daemon) == ["HEAD /_ping", "GET /_ping"]


def test_missing_header_uses_version_endpoint(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", status=404)
    daemon.add("GET", "/_ping", body=b"OK")
    daemon.add("GET", "/version", json={"ApiVersion": "1.25", "MinAPIVersion": "1.12"})
    assert negotiator(daemon, ["1.24", "1.25", "1.30"]).version() == "1.25"
    assert paths(daemon) == ["HEAD /_ping", "GET /_ping", "GET /version"]


def test_daemon_minimum_above_packages(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.51"})
    daemon.add("GET", "/version", json={"ApiVersion": "1.51", "MinAPIVersion": "1.44"})
    with pytest.raises(VersionError) as caught:
        negotiator(daemon, ["1.41"]).version()
    message = str(caught.value)
    assert "daemon supports 1.44\u20131.51" in message
    assert "installed packages cover 1.41\u20131.41" in message


def test_packages_newer_than_daemon(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.40"})
    with pytest.raises(VersionError, match="installed packages cover 1.45\u20131.47"):
        negotiator(daemon, ["1.45", "1.47"]).version()


def test_no_packages_installed(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.47"})
    with pytest.raises(VersionError, match="pip install docker-engine-v1-47"):
        negotiator(daemon, []).version()


def test_ping_server_error_raises(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", status=500)
    with pytest.raises(ServerError):
        negotiator(daemon, ["1.47"]).version()


def test_invalid_daemon_version(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "banana"})
    with pytest.raises(VersionError, match="invalid API version"):
        negotiator(daemon, ["1.47"]).version()


def test_pinned_version_skips_daemon(daemon: FakeDaemon) -> None:
    assert negotiator(daemon, ["1.41", "1.47"], pinned="1.41").version() == "1.41"
    assert daemon.requests == []


def test_pinned_version_without_package(daemon: FakeDaemon) -> None:
    with pytest.raises(MissingVersionPackageError) as caught:
        negotiator(daemon, ["1.41"], pinned="1.47").version()
    assert "pip install docker-engine-v1-47" in str(caught.value)
    assert daemon.requests == []


def test_negotiates_once_across_threads(daemon: FakeDaemon) -> None:
    daemon.add("HEAD", "/_ping", headers={"Api-Version": "1.47"})
    shared = negotiator(daemon, ["1.47"])
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(shared.version()))
        for _ in range(10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["1.47"] * 10
    assert paths(daemon) == ["HEAD /_ping"]


def test_choose_version_picks_newest_not_above_daemon() -> None:
    daemon = DaemonVersions("1.45", "1.24")
    assert choose_version(daemon, ["1.41", "1.43", "1.47"]) == "1.43"


def test_choose_version_compares_numerically() -> None:
    assert choose_version(DaemonVersions("1.100"), ["1.9", "1.47"]) == "1.47"


def test_installed_versions_scans_without_import(tmp_path: Path) -> None:
    root = tmp_path / "docker_engine"
    for name in ("v1_47", "v1_9", "v1_41"):
        (root / name).mkdir(parents=True)
        (root / name / "__init__.py").write_text("raise RuntimeError('imported')\n")
    (root / "v1_x").mkdir()
    (root / "v1_x" / "__init__.py").write_text("")
    (root / "v1_50.py").write_text("")
    assert installed_versions([str(root)]) == ["1.9", "1.41", "1.47"]
