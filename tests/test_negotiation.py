"""Check API version negotiation of the ``docker_engine.Client`` shim on real engines.

The shim should pick the newest generated version each engine serves
(1.41 on 20.10, 1.45 on 26.1, 1.47 on 28.5), import only that version's
package, honour pinned versions, and prefix every request after the probe
with ``/vX.Y``. A logging proxy on a unix socket of this test sits between
the client and the engine and records the request lines that really go over
the wire. Skipped when engines.env does not exist. In docker-host mode only
the cases of the DOCKER_HOST engine's Docker release run.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import docker_engine
import pytest
from conftest_engines import (
    ENGINE_ORDER,
    engine_api_version,
    newest_version_for,
    skip_unless_release,
)
from docker_engine import BadRequestError, MissingVersionPackageError, VersionError
from engines import REPO_DIR

pytestmark = pytest.mark.engine

# The version the shim negotiates with every package installed, by Docker
# release: the release's API version, capped at the newest generated 1.47.
NEGOTIATED_BY_RELEASE = {"20.10": "1.41", "26.1": "1.45", "28.5": "1.47"}

# A request line as the client sends it, for example b"GET /v1.47/info HTTP/1.1".
REQUEST_LINE = re.compile(rb"(GET|HEAD|POST|PUT|DELETE) (/\S*) HTTP/1\.[01]\r\n")

# Prints the negotiated version and the version packages in sys.modules.
MODULES_SCRIPT = """
import json, sys
import docker_engine
client = docker_engine.Client(base_url=sys.argv[1])
client.system.info()
loaded = sorted(name for name in sys.modules if name.startswith("docker_engine.v1_"))
print(json.dumps({"version": client.api_version, "modules": loaded}))
"""

# Prints the negotiated version, or the class and text of the error raised.
NEGOTIATE_SCRIPT = """
import json, sys
import docker_engine
try:
    client = docker_engine.Client(base_url=sys.argv[1])
except docker_engine.DockerEngineError as error:
    print(json.dumps({"error": type(error).__name__, "message": str(error)}))
else:
    print(json.dumps({"version": client.api_version}))
"""


@pytest.fixture(params=ENGINE_ORDER)
def engine(request: pytest.FixtureRequest, engines: dict[str, str]) -> str:
    """Address of one engine, skipped unless it runs the release it is named after."""
    name: str = request.param
    skip_unless_release(name)
    return engines[name]


def version_paths(versions: list[str] | None = None) -> list[str]:
    """Return sys.path entries for the runtime and the given version packages.

    ``None`` selects every generated version, as tests/conftest.py does.
    """
    folders = sorted((REPO_DIR / "generated").glob("docker-engine-v1-*"))
    if versions is not None:
        selected = {
            f"docker-engine-v{version.replace('.', '-')}" for version in versions
        }
        folders = [folder for folder in folders if folder.name in selected]
    return [str(REPO_DIR / "runtime"), *(str(folder) for folder in folders)]


def run_script(script: str, address: str, paths: list[str]) -> dict[str, object]:
    """Run ``script`` in a fresh interpreter with ``paths`` first on sys.path.

    Returns the JSON object that the script prints.
    """
    completed = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path[:0] = {paths!r}\n{script}"]
        + [address],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout)
    return result


class LoggingProxy:
    """Relays connections from a unix socket to an engine's unix socket.

    Records the request line of every request sent through it, in the order
    they arrive, by scanning the client-to-engine bytes.
    """

    def __init__(self, socket_path: str, upstream_path: str) -> None:
        self.socket_path = socket_path
        self.upstream_path = upstream_path
        self.request_lines: list[str] = []
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)

    @property
    def address(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> LoggingProxy:
        self._listener.bind(self.socket_path)
        self._listener.listen(8)
        self._spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        # On Linux, shutdown wakes the thread blocked in accept(), and close
        # alone does not.
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.upstream_path)
            with self._lock:
                self._sockets.extend([client, upstream])
            self._spawn(self._relay, client, upstream, True)
            self._spawn(self._relay, upstream, client, False)

    def _relay(self, source: socket.socket, sink: socket.socket, log: bool) -> None:
        pending = b""
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                data = b""
            if not data:
                try:
                    sink.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            if log:
                pending = self._record(pending + data)
            try:
                sink.sendall(data)
            except OSError:
                return

    def _record(self, data: bytes) -> bytes:
        """Record the request lines in ``data`` and return the unscanned rest."""
        end = 0
        for match in REQUEST_LINE.finditer(data):
            line = f"{match.group(1).decode()} {match.group(2).decode()}"
            with self._lock:
                self.request_lines.append(line)
            end = match.end()
        # Keep a tail long enough to hold a request line split across reads.
        rest = data[end:]
        return rest[-8192:]


@pytest.fixture
def proxy(engine: str) -> Iterator[LoggingProxy]:
    if not engine.startswith("unix://"):
        pytest.skip(f"the logging proxy forwards to unix sockets only, not {engine}")
    with tempfile.TemporaryDirectory(prefix="dengine-proxy-") as folder:
        server = LoggingProxy(
            str(Path(folder) / "proxy.sock"), engine[len("unix://") :]
        ).start()
        try:
            yield server
        finally:
            server.stop()


def test_shim_picks_newest(engine: str) -> None:
    client = docker_engine.Client(base_url=engine)
    expected = newest_version_for(engine)
    try:
        assert client.api_version == expected
        assert type(client).__module__ == f"docker_engine.v1_{expected[2:]}.client"
        assert client.system.version().api_version == engine_api_version(engine)
    finally:
        client.api.close()


@pytest.mark.parametrize("name", ENGINE_ORDER)
def test_shim_version_per_release(engines: dict[str, str], name: str) -> None:
    skip_unless_release(name)
    client = docker_engine.Client(base_url=engines[name])
    try:
        assert client.api_version == NEGOTIATED_BY_RELEASE[name]
    finally:
        client.api.close()


def test_imports_one_version(engine: str) -> None:
    expected = newest_version_for(engine)
    result = run_script(MODULES_SCRIPT, engine, version_paths())
    package = f"docker_engine.v1_{expected[2:]}"
    modules = result["modules"]
    assert result["version"] == expected
    assert isinstance(modules, list)
    assert package in modules
    assert [name for name in modules if not name.startswith(package)] == []


def test_prefix_on_every_request(proxy: LoggingProxy, engine: str) -> None:
    client = docker_engine.Client(base_url=proxy.address)
    version = client.api_version
    probe = list(proxy.request_lines)
    client.system.ping()
    client.system.info()
    client.containers.list(all=True)
    client.api.close()

    assert probe[0] == "HEAD /_ping"
    # The daemon's own version needs no minimum check, so only an engine
    # newer than 1.47 also gets GET /version.
    if version == engine_api_version(engine):
        assert probe == ["HEAD /_ping"]
    else:
        assert probe == ["HEAD /_ping", "GET /version"]
    after_probe = proxy.request_lines[len(probe) :]
    assert after_probe == [
        f"GET /v{version}/_ping",
        f"GET /v{version}/info",
        f"GET /v{version}/containers/json?all=1",
    ]


def test_pinned_too_new(engines: dict[str, str]) -> None:
    skip_unless_release("20.10")
    client = docker_engine.Client(base_url=engines["20.10"], version="1.47")
    try:
        assert client.api_version == "1.47"
        with pytest.raises(BadRequestError) as caught:
            client.system.version()
    finally:
        client.api.close()
    error = caught.value
    assert error.status == 400
    assert error.path == "/v1.47/version"
    assert error.message == (
        "client version 1.47 is too new. Maximum supported API version is 1.41"
    )


def test_pinned_not_generated(engine: str) -> None:
    with pytest.raises(MissingVersionPackageError) as caught:
        docker_engine.Client(base_url=engine, version="1.12")
    assert caught.value.version == "1.12"
    assert str(caught.value).startswith("API version 1.12 is not installed")


def test_env_pins_version(engine: str) -> None:
    environ = {"DOCKER_HOST": engine, "DOCKER_API_VERSION": "1.30"}
    client = docker_engine.Client.from_env(environ=environ)
    try:
        assert client.api_version == "1.30"
        assert type(client).__module__ == "docker_engine.v1_30.client"
        with client.api.capture_responses() as responses:
            client.system.info()
    finally:
        client.api.close()
    assert [response.path for response in responses] == ["/v1.30/info"]


def test_no_common_version(engines: dict[str, str]) -> None:
    skip_unless_release("20.10")
    result = run_script(NEGOTIATE_SCRIPT, engines["20.10"], version_paths(["1.47"]))
    message = str(result["message"])
    assert result["error"] == VersionError.__name__
    assert message.startswith("no common API version: daemon supports ")
    assert (
        "supports 1.12\u20131.41, installed packages cover 1.47\u20131.47." in message
    )
    assert message.endswith("e.g. 'pip install docker-engine-v1-41'")


def test_oldest_installed_only(engine: str) -> None:
    result = run_script(NEGOTIATE_SCRIPT, engine, version_paths(["1.24"]))
    assert result == {"version": "1.24"}


def test_pinned_skips_probe(proxy: LoggingProxy) -> None:
    environ = {"DOCKER_HOST": proxy.address, "DOCKER_API_VERSION": "1.30"}
    client = docker_engine.Client.from_env(environ=environ)
    try:
        client.system.info()
    finally:
        client.api.close()
    assert proxy.request_lines == ["GET /v1.30/info"]
