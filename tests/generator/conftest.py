"""Fixtures of the generator tests; the helpers are in generator_fixtures.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from generator_fixtures import SpecFolder, SpecFolderFactory, dump, golden_refresh


@pytest.fixture
def spec_folder(tmp_path: Path) -> SpecFolderFactory:
    """Return a factory of spec folders under ``tmp_path``.

    With no arguments the folder contains the fixture specs, and ``specs`` maps file
    names to contents (bytes, or a dict that is dumped as YAML).
    """
    counter = 0

    def make(
        specs: dict[str, bytes | dict[str, Any]] | None = None,
        corrections: dict[str, str] | None = None,
        derive: dict[str, str] | None = None,
    ) -> SpecFolder:
        nonlocal counter
        counter += 1
        root = tmp_path / f"specs-{counter}"
        files = golden_refresh.fixture_specs() if specs is None else {}
        for name, content in (specs or {}).items():
            files[name] = content if isinstance(content, bytes) else dump(content)
        specs_dir, cache_dir = golden_refresh.write_specs_dir(
            root, files, corrections, derive
        )
        return SpecFolder(root, specs_dir, cache_dir)

    return make
