"""Fixtures and helpers of the tests that run against the real engines.

Registered from tests/conftest.py through ``pytest_plugins``. The engines
are the ones `scripts/engines.sh start` runs; every fixture here skips the
test when engines.env does not exist. `skip_unless_serves` and
`skip_unless_release` skip the cases that the engine behind a name cannot
run, which matters in docker-host mode, where every name is DOCKER_HOST.
"""

from __future__ import annotations

import functools
import importlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from docker_engine import NotFoundError
from engines import (
    EngineInfo,
    env_file_path,
    load_engine_infos,
    load_engines,
    request_json,
    version_key,
)

# Engine names in the order used to spread API versions over them.
ENGINE_ORDER = ("20.10", "26.1", "28.5")

# Every API version the generator emits a package for.
GENERATED_VERSIONS = tuple(f"1.{minor}" for minor in range(24, 48))

# Prefix of every object a test creates, so leftovers are easy to find.
NAME_PREFIX = "dengine-test"


@functools.cache
def engine_api_version(address: str) -> str:
    """Return the newest API version that the engine at ``address`` serves."""
    version: str = request_json(address, "GET", "/version")["ApiVersion"]
    return version


@functools.cache
def cached_engine_infos(path: Path) -> dict[str, EngineInfo]:
    """Return `load_engine_infos` of ``path``, read once per test session."""
    return load_engine_infos(path)


def engine_info(name: str) -> EngineInfo:
    """Return the `EngineInfo` of engine ``name``.

    Skips the test when engines.env does not exist or does not list ``name``.
    """
    path = env_file_path()
    try:
        infos = cached_engine_infos(path)
    except FileNotFoundError:
        pytest.skip(f"{path} not found: run scripts/engines.sh start")
    if name not in infos:
        pytest.skip(f"engine {name} missing in {path}")
    return infos[name]


def engine_serves(name: str, version: str) -> bool:
    """Return True when engine ``name`` serves API ``version``.

    In docker-host mode every name is the DOCKER_HOST engine, so this checks
    that engine's range.
    """
    return engine_info(name).serves(version)


def skip_unless_serves(name: str, version: str) -> None:
    """Skip the test unless engine ``name`` serves API ``version``."""
    info = engine_info(name)
    if not info.serves(version):
        pytest.skip(f"{info.describe()} does not serve API {version}")


def skip_unless_release(name: str) -> None:
    """Skip the test in docker-host mode unless DOCKER_HOST runs Docker ``name``.

    For tests whose expectations hold for one Docker release only. Local
    engines are never skipped, so that a local engine of the wrong release
    fails the tests instead.
    """
    info = engine_info(name)
    if info.docker_host_mode and not info.is_release(name):
        pytest.skip(
            f"this case expects Docker {name}, but engines.env points "
            f"engine {name} at {info.describe()}"
        )


def engines_serving(engines: dict[str, str], version: str) -> list[str]:
    """List the engine names, in `ENGINE_ORDER`, that serve API ``version``."""
    return [
        name
        for name in ENGINE_ORDER
        if name in engines and engine_serves(name, version)
    ]


def engine_for_version(engines: dict[str, str], version: str) -> str:
    """Pick the engine that tests ``version``, rotating over the engines serving it.

    The rotation by minor version gives every engine old and new versions:
    1.24 runs on 20.10, 1.25 on 26.1, 1.26 on 28.5, and 1.42 (beyond 20.10)
    on 26.1 or 28.5. Skips the test when no engine serves ``version``.
    """
    serving = engines_serving(engines, version)
    if not serving:
        # dict.fromkeys drops repeats, because in docker-host mode all names
        # are one engine.
        described = dict.fromkeys(
            engine_info(name).describe() for name in ENGINE_ORDER if name in engines
        )
        pytest.skip(f"API {version} is outside the range of {', '.join(described)}")
    return serving[version_key(version)[1] % len(serving)]


def newest_version_for(address: str) -> str:
    """Return the newest generated version that the engine at ``address`` serves.

    This is the version the shim negotiates when every package is installed.
    """
    ceiling = version_key(engine_api_version(address))
    return max(
        (version for version in GENERATED_VERSIONS if version_key(version) <= ceiling),
        key=version_key,
    )


def version_module(version: str) -> Any:
    """Import ``docker_engine.v1_NN`` for a ``1.NN`` version string."""
    return importlib.import_module(f"docker_engine.v1_{version_key(version)[1]}")


def model_class(models: Any, *names: str) -> Any:
    """Return the first of ``names`` defined in a version's models module.

    Some request bodies were renamed between versions, for example
    ``ContainerExecRequest`` (up to 1.39) became ``ExecConfig`` (1.40).
    """
    for name in names:
        cls = getattr(models, name, None)
        if cls is not None:
            return cls
    raise AttributeError(f"{models.__name__} defines none of {', '.join(names)}")


class Cleanup:
    """Callables run in reverse order at teardown; missing objects are ignored."""

    def __init__(self) -> None:
        self._actions: list[Callable[[], object]] = []

    def add(self, action: Callable[[], object]) -> None:
        """Register ``action`` to run at teardown, before those added earlier."""
        self._actions.append(action)

    def run(self) -> None:
        """Run every action, then raise the first failure other than a 404."""
        failures: list[BaseException] = []
        while self._actions:
            action = self._actions.pop()
            try:
                action()
            except NotFoundError:
                pass
            except Exception as error:
                failures.append(error)
        if failures:
            raise failures[0]


@pytest.fixture(scope="session")
def engines() -> dict[str, str]:
    """Engine addresses by name, from engines.env."""
    try:
        return load_engines()
    except FileNotFoundError:
        pytest.skip(f"{env_file_path()} not found: run scripts/engines.sh start")


@pytest.fixture
def name_prefix() -> str:
    """Unique prefix for the names of the objects one test creates."""
    return f"{NAME_PREFIX}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def cleanup() -> Iterator[Cleanup]:
    """A `Cleanup` whose actions run when the test ends, even when it fails."""
    actions = Cleanup()
    try:
        yield actions
    finally:
        actions.run()
