"""The runtime copy in generated/docker-engine records which versions were generated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME_COPY = ROOT / "generated" / "docker-engine"


def run_with_generated_runtime(code: str) -> str:
    if not (RUNTIME_COPY / "docker_engine" / "_versions.py").exists():
        pytest.skip("generated/docker-engine is missing: run make generate")
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PYTHONPATH": str(RUNTIME_COPY), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_version_outside_generated_range() -> None:
    message = run_with_generated_runtime(
        "from docker_engine import MissingVersionPackageError as E; print(E('1.12'))"
    )
    assert "has no client package" in message
    assert "generated for 1.24\u20131.47" in message
    assert "pip install" not in message


def test_version_inside_generated_range() -> None:
    message = run_with_generated_runtime(
        "from docker_engine import MissingVersionPackageError as E; print(E('1.41'))"
    )
    assert "pip install docker-engine-v1-41" in message
