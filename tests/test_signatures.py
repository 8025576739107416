"""Per-version signatures: what a version lacks cannot be passed to it.

Each version package has its own keyword-only signatures, so an argument
that a version does not define fails twice: as a TypeError when the call
runs, before any request is sent, and as a mypy error. The cases are real
differences between the generated versions. ``HealthConfig.StartInterval``
first appears in the v1.44 spec, and the ``signal`` query parameter of
``POST /containers/{id}/stop`` first appears in v1.42, so v1.25 lacks it.
"""

from __future__ import annotations

import inspect
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, cast

import pytest
from docker_engine._api import ApiClient

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
GOLDEN_V140 = ROOT / "tests" / "golden" / "docker-engine-v1-40"


def generated_module(name: str) -> Any:
    return pytest.importorskip(f"docker_engine.{name}", reason="run 'make generate'")


models141 = generated_module("v1_41.models")
models144 = generated_module("v1_44.models")
models147 = generated_module("v1_47.models")
containers125 = generated_module("v1_25.api.containers")
containers147 = generated_module("v1_47.api.containers")


class RecordingApi:
    """Test double of `ApiClient` that records requests instead of sending them."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def request(self, method: str, path: str, **kwargs: Any) -> None:
        self.calls.append((method, path, kwargs))


def containers_api(module: Any, recorder: RecordingApi) -> Any:
    return module.ContainersApi(cast(ApiClient, recorder))


def test_model_rejects_newer_field() -> None:
    with pytest.raises(TypeError, match="start_interval"):
        models141.HealthConfig(start_interval=1_000_000_000)


def test_model_accepts_own_field() -> None:
    config = models144.HealthConfig(start_interval=1_000_000_000)
    assert config.to_dict() == {"StartInterval": 1_000_000_000}


def test_method_rejects_newer_parameter() -> None:
    recorder = RecordingApi()
    containers = containers_api(containers125, recorder)
    with pytest.raises(TypeError, match="signal"):
        containers.stop("web", signal="SIGKILL")
    assert recorder.calls == []


def test_method_sends_own_parameter() -> None:
    recorder = RecordingApi()
    containers_api(containers147, recorder).stop("web", signal="SIGKILL")
    # Stop waits up to t seconds, so the generated call has no read timeout.
    expected = {"query": {"signal": "SIGKILL", "t": None}, "timeout": math.inf}
    assert recorder.calls == [("POST", "/containers/web/stop", expected)]


SNIPPET = """\
from docker_engine.v1_25.api.containers import ContainersApi as ContainersApi125
from docker_engine.v1_41 import models as models141
from docker_engine.v1_44 import models as models144
from docker_engine.v1_47.api.containers import ContainersApi as ContainersApi147


def call(old: ContainersApi125, new: ContainersApi147) -> None:
    models141.HealthConfig(start_interval=1)
    models144.HealthConfig(start_interval=1)
    old.stop("web", signal="SIGKILL")
    new.stop("web", signal="SIGKILL")
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Run mypy --strict on `SNIPPET` against the generated packages."""
    folder = tmp_path_factory.mktemp("signatures")
    (folder / "snippet.py").write_text(SNIPPET)
    distributions = ["docker-engine"] + [
        f"docker-engine-v1-{minor}" for minor in (25, 41, 44, 47)
    ]
    env = dict(os.environ)
    env["MYPYPATH"] = os.pathsep.join(str(GENERATED / name) for name in distributions)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
        + ["--config-file", "", "snippet.py"],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env,
    )
    return result.stdout + result.stderr


def test_mypy_rejects_newer_field(mypy_output: str) -> None:
    expected = 'snippet.py:8: error: Unexpected keyword argument "start_interval"'
    assert expected in mypy_output


def test_mypy_rejects_newer_parameter(mypy_output: str) -> None:
    expected = 'snippet.py:10: error: Unexpected keyword argument "signal"'
    assert expected in mypy_output


def test_mypy_accepts_own_arguments(mypy_output: str) -> None:
    assert "snippet.py:9:" not in mypy_output
    assert "snippet.py:11:" not in mypy_output
    assert "Found 2 errors in 1 file" in mypy_output


def test_deprecated_fields_marked() -> None:
    """Deprecated fields keep the spec's "Deprecated" note as their docstring."""
    fields = [
        models144.ImageInspect.container_config,
        models147.NetworkSettings.secondary_ip_addresses,
    ]
    for field in fields:
        doc = inspect.getdoc(field) or ""
        assert doc.lstrip("*> ").lower().startswith("deprecated"), doc


WARN_ON_RENAME = """\
import warnings
from typing import Any
from docker_engine.v1_40.api.widget import WidgetApi

class RecordingApi:
    def request(self, *args: Any, **kwargs: Any) -> None:
        pass

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    WidgetApi(RecordingApi()).rename("w1")
print([(w.category.__name__, str(w.message)) for w in caught])
"""


def test_deprecated_operation_warns() -> None:
    """The pinned v1.24-v1.47 specs deprecate no operation, so use a fixture's."""
    if not GOLDEN_V140.is_dir():
        pytest.skip("no golden output of the fixture specs")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "runtime"), str(GOLDEN_V140)])
    result = subprocess.run(
        [sys.executable, "-c", WARN_ON_RENAME],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    expected = (
        "('DeprecationWarning', 'widget.rename is deprecated in the Docker Engine API')"
    )
    assert expected in result.stdout
