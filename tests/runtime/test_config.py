"""Tests of DOCKER_HOST, TLS and API version parsing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from docker_engine._config import (
    TLSConfig,
    host_from_env,
    parse_host,
    parse_version,
    tls_from_env,
    version_from_env,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (None, "unix:///var/run/docker.sock"),
        ("unix:///run/user/1000/docker.sock", "unix:///run/user/1000/docker.sock"),
        ("unix://", "unix:///var/run/docker.sock"),
        ("/tmp/d.sock", "unix:///tmp/d.sock"),
        ("tcp://10.0.0.5:2375", "tcp://10.0.0.5:2375"),
        ("tcp://10.0.0.5", "tcp://10.0.0.5:2375"),
        ("tcp://:2375", "tcp://127.0.0.1:2375"),
        ("http://example.com", "tcp://example.com:2375"),
        ("tcp://[::1]:2375", "tcp://[::1]:2375"),
        ("https://example.com", "tcp://example.com:2376"),
    ],
)
def test_parse_host_addresses(url: str | None, expected: str) -> None:
    assert parse_host(url).url == expected


def test_parse_host_unix_fields() -> None:
    config = parse_host("unix:///tmp/d.sock")
    assert config.scheme == "unix"
    assert config.path == "/tmp/d.sock"
    assert config.tls is None
    assert config.http_host == "localhost"


def test_parse_host_tcp_with_tls_defaults_to_2376() -> None:
    config = parse_host("tcp://docker.example", tls=True)
    assert config.port == 2376
    assert config.tls == TLSConfig()
    assert config.http_host == "docker.example:2376"


def test_parse_host_https_turns_on_tls() -> None:
    config = parse_host("https://docker.example:443")
    assert config.tls is not None
    assert config.port == 443


def test_parse_host_ipv6_host_header() -> None:
    assert parse_host("tcp://[::1]:2375").http_host == "[::1]:2375"


@pytest.mark.parametrize(
    "url",
    [
        "ssh://user@host",
        "npipe:////./pipe/docker_engine",
        "docker.example:2375",
        "tcp://h:x",
    ],
)
def test_parse_host_rejects_unsupported(url: str) -> None:
    with pytest.raises(ValueError, match="Docker host"):
        parse_host(url)


def test_parse_host_rejects_path() -> None:
    with pytest.raises(ValueError, match="must not contain a path"):
        parse_host("tcp://h:2375/api")


def write_certs(
    folder: Path, names: tuple[str, ...] = ("ca.pem", "cert.pem", "key.pem")
) -> None:
    for name in names:
        (folder / name).write_text("placeholder")


def test_tls_off_without_variables() -> None:
    assert tls_from_env({}) is None
    assert tls_from_env({"DOCKER_TLS_VERIFY": ""}) is None


def test_tls_verify_reads_cert_path(tmp_path: Path) -> None:
    write_certs(tmp_path)
    config = tls_from_env({"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)})
    assert config == TLSConfig(
        ca_cert=str(tmp_path / "ca.pem"),
        client_cert=str(tmp_path / "cert.pem"),
        client_key=str(tmp_path / "key.pem"),
        verify=True,
    )


def test_tls_verify_zero_still_enables(tmp_path: Path) -> None:
    # The docker CLI checks only that the variable is non-empty.
    config = tls_from_env({"DOCKER_TLS_VERIFY": "0", "DOCKER_CERT_PATH": str(tmp_path)})
    assert config is not None
    assert config.verify


def test_tls_without_verify(tmp_path: Path) -> None:
    write_certs(tmp_path, ("ca.pem",))
    config = tls_from_env({"DOCKER_TLS": "1", "DOCKER_CERT_PATH": str(tmp_path)})
    assert config is not None
    assert not config.verify
    assert config.client_cert is None
    assert config.client_key is None


def test_tls_cert_path_defaults_to_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".docker").mkdir()
    write_certs(tmp_path / ".docker")
    config = tls_from_env({"DOCKER_TLS_VERIFY": "1"})
    assert config is not None
    assert config.ca_cert == os.path.join(tmp_path, ".docker", "ca.pem")


def test_host_from_env_combines_tls(tmp_path: Path) -> None:
    write_certs(tmp_path)
    config = host_from_env(
        {
            "DOCKER_HOST": "tcp://docker.example",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(tmp_path),
        }
    )
    assert config.url == "tcp://docker.example:2376"
    assert config.tls is not None
    assert config.tls.ca_cert == str(tmp_path / "ca.pem")


def test_host_from_env_default() -> None:
    assert host_from_env({}).url == "unix:///var/run/docker.sock"
    assert host_from_env({"DOCKER_HOST": ""}).url == "unix:///var/run/docker.sock"


def test_tls_config_repr_has_paths_only(tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----SECRET")
    text = repr(TLSConfig(client_key=str(key)))
    assert "SECRET" not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.47", "1.47"), (" 1.24 ", "1.24"), ("v1.41", "1.41"), ("1.047", "1.47")],
)
def test_parse_version_accepts(text: str, expected: str) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["1", "2.0", "1.x", "latest", "1.47.1", ""])
def test_parse_version_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="expected the form 1.NN"):
        parse_version(text)


def test_version_from_env() -> None:
    assert version_from_env({}) is None
    assert version_from_env({"DOCKER_API_VERSION": ""}) is None
    assert version_from_env({"DOCKER_API_VERSION": "1.43"}) == "1.43"
    with pytest.raises(ValueError):
        version_from_env({"DOCKER_API_VERSION": "auto"})
