"""Fixtures of the runtime tests, which import docker_engine from runtime/."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "runtime"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_daemon import FakeDaemon  # noqa: E402


@pytest.fixture
def daemon() -> Iterator[FakeDaemon]:
    """A started fake daemon on a unix socket in a fresh temporary folder."""
    server = FakeDaemon().start()
    try:
        yield server
    finally:
        server.stop()
