"""Locate the Docker engines that `scripts/engines.sh start` runs, and send
raw HTTP requests to them.

Standard library only, so that tests can check an engine without the
runtime under test. `scripts/engines.sh start` writes engines.env with
`ENGINE_<key>_NAME`, `_SOCK`, `_VERSION`, `_API` and `_MIN_API` lines for
the engines 20.10, 26.1 and 28.5, and `ENGINES_MODE=docker-host` when every
name points at the caller's DOCKER_HOST.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[1]

# API version that each engine name reports in /version when the engines
# run locally (Debian bookworm, trixie and sid docker.io).
EXPECTED_API_VERSIONS = {"20.10": "1.41", "26.1": "1.45", "28.5": "1.51"}

TEST_IMAGE = "dockerengine-test:busybox"


def env_file_path() -> Path:
    """Return the engines.env path: $ENGINES_ENV, else $ENGINES_DIR/engines.env,
    else <repo>/.cache/engines/engines.env."""
    if os.environ.get("ENGINES_ENV"):
        return Path(os.environ["ENGINES_ENV"])
    engines_dir = os.environ.get("ENGINES_DIR") or REPO_DIR / ".cache" / "engines"
    return Path(engines_dir) / "engines.env"


def read_env_file(path: Path | None = None) -> dict[str, str]:
    """Parse engines.env into a dict of variable name to value.

    Raises FileNotFoundError when the file does not exist.
    """
    values = {}
    text = (path or env_file_path()).read_text()
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key] = value
    return values


def load_engines(path: Path | None = None) -> dict[str, str]:
    """Return the engine addresses by name, e.g. {"20.10": "unix:///…"}.

    Raises FileNotFoundError when engines.env does not exist, and ValueError
    when an ENGINE_<key>_NAME line has no ENGINE_<key>_SOCK line.
    """
    values = read_env_file(path)
    engines = {}
    for key, name in values.items():
        if not (key.startswith("ENGINE_") and key.endswith("_NAME")):
            continue
        address_key = key[: -len("_NAME")] + "_SOCK"
        if address_key not in values:
            raise ValueError(f"{address_key} missing in {path or env_file_path()}")
        engines[name] = values[address_key]
    return engines


def is_docker_host_mode(path: Path | None = None) -> bool:
    """Return True when engines.env points every engine at DOCKER_HOST."""
    return read_env_file(path).get("ENGINES_MODE") == "docker-host"


def version_key(version: str) -> tuple[int, int]:
    """Sort key of a ``1.NN`` API version string."""
    major, _, minor = version.partition(".")
    return int(major), int(minor)


@dataclass(frozen=True)
class EngineInfo:
    """One engine of engines.env with its Docker version and API range."""

    name: str
    address: str
    docker_version: str
    api_version: str
    min_api_version: str
    docker_host_mode: bool

    def serves(self, version: str) -> bool:
        """Return True when ``version`` is within the engine's API range."""
        key = version_key(version)
        low = version_key(self.min_api_version)
        high = version_key(self.api_version)
        return low <= key <= high

    def is_release(self, release: str) -> bool:
        """Return True when the engine runs Docker ``release``, such as ``20.10``."""
        return self.docker_version.startswith(f"{release}.")

    def describe(self) -> str:
        """Describe the engine and its API range for skip reasons.

        For example "engine 20.10 (Docker 20.10.24+dfsg1, API 1.12 to 1.41)",
        or "DOCKER_HOST unix:///run/docker.sock (...)" in docker-host mode.
        """
        details = (
            f"Docker {self.docker_version}, "
            f"API {self.min_api_version} to {self.api_version}"
        )
        if self.docker_host_mode:
            return f"DOCKER_HOST {self.address} ({details})"
        return f"engine {self.name} ({details})"


def engine_key_prefix(values: dict[str, str], name: str) -> str:
    """Return the ``ENGINE_<key>`` prefix of the engine called ``name``."""
    for key, value in values.items():
        if key.startswith("ENGINE_") and key.endswith("_NAME") and value == name:
            return key[: -len("_NAME")]
    raise KeyError(f"no ENGINE_<key>_NAME line names engine {name}")


def load_engine_infos(path: Path | None = None) -> dict[str, EngineInfo]:
    """Return an `EngineInfo` for each engine name in engines.env.

    The versions come from the `_VERSION`, `_API` and `_MIN_API` lines. When
    one is missing or "unknown" (an engines.env written before `_MIN_API`
    existed, or a DOCKER_HOST that curl cannot reach), they come from
    GET /version instead. Raises FileNotFoundError when engines.env does not
    exist.
    """
    values = read_env_file(path)
    docker_host_mode = values.get("ENGINES_MODE") == "docker-host"
    infos = {}
    for name, address in load_engines(path).items():
        prefix = engine_key_prefix(values, name)
        recorded = (
            values.get(f"{prefix}_VERSION", "unknown"),
            values.get(f"{prefix}_API", "unknown"),
            values.get(f"{prefix}_MIN_API", "unknown"),
        )
        if "unknown" in recorded:
            version = request_json(address, "GET", "/version")
            recorded = (
                version["Version"],
                version["ApiVersion"],
                version["MinAPIVersion"],
            )
        docker_version, api_version, min_api_version = recorded
        infos[name] = EngineInfo(
            name,
            address,
            docker_version,
            api_version,
            min_api_version,
            docker_host_mode,
        )
    return infos


class UnixHTTPConnection(http.client.HTTPConnection):
    """An HTTPConnection to a server listening on a unix socket."""

    def __init__(self, socket_path: str, timeout: float = 30.0) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


def connect(address: str, timeout: float = 30.0) -> http.client.HTTPConnection:
    """Open a connection to a `unix://PATH` or `tcp://HOST:PORT` address."""
    if address.startswith("unix://"):
        return UnixHTTPConnection(address[len("unix://") :], timeout=timeout)
    if address.startswith("tcp://"):
        return http.client.HTTPConnection(address[len("tcp://") :], timeout=timeout)
    raise ValueError(
        f"unsupported engine address {address!r}: expected unix:// or tcp://"
    )


def request(
    address: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, bytes]:
    """Send one request to the engine at address and return the status and
    the complete response body."""
    connection = connect(address, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def request_json(address: str, method: str, path: str, **kwargs: Any) -> Any:
    """Send one request and decode the JSON body.

    Raises RuntimeError, with the status and body, unless the status is 2xx.
    """
    status, body = request(address, method, path, **kwargs)
    if not 200 <= status < 300:
        raise RuntimeError(f"{method} {path} on {address} returned {status}: {body!r}")
    return json.loads(body)
