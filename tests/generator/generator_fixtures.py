"""Helpers of the generator tests: fixture spec folders, options and snapshots.

The fixture specs live in tests/fixtures/specs. Each test writes them into a
temporary specs folder with its own manifest and spec cache (see
`golden_refresh.write_specs_dir`), so no test reads specs/ or .cache/specs.
This module has a name of its own because every test folder has a
``conftest`` module, and ``from conftest import`` picks whichever came first.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from generator import load, pipeline
from generator.model import ApiVersion
from generator.normalize import normalize
from generator.problems import Problems

ROOT = Path(__file__).resolve().parents[2]


def _load_golden_refresh() -> ModuleType:
    # tests/ is no package, so the module is loaded from its file.
    path = ROOT / "tests" / "golden_refresh.py"
    spec = importlib.util.spec_from_file_location("golden_refresh", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("golden_refresh", module)
    spec.loader.exec_module(module)
    return module


golden_refresh = _load_golden_refresh()


def fixture_document(name: str = "v1.40.yaml") -> dict[str, Any]:
    """Return a fresh copy of a fixture spec as a dict."""
    data = yaml.safe_load((golden_refresh.FIXTURE_SPECS / name).read_text())
    return copy.deepcopy(load.stringify_keys(data))


def dump(document: dict[str, Any]) -> bytes:
    return yaml.safe_dump(document, sort_keys=False).encode()


@dataclass
class SpecFolder:
    """A temporary specs folder and cache, as `write_specs_dir` made them."""

    root: Path
    specs_dir: Path
    cache_dir: Path

    def options(self, versions: list[str], **changes: Any) -> pipeline.Options:
        options: pipeline.Options = golden_refresh.fixture_options(
            self.root, versions, self.specs_dir, self.cache_dir
        )
        for name, value in changes.items():
            setattr(options, name, value)
        return options

    def load(self, version: str) -> load.LoadedSpec:
        return load.load_spec(
            version,
            load.read_manifest(self.specs_dir),
            self.cache_dir,
            self.specs_dir,
        )

    def normalize(self, version: str, problems: Problems | None = None) -> ApiVersion:
        return normalize(self.load(version), "0" * 40, problems or Problems())


SpecFolderFactory = Callable[..., SpecFolder]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file under ``folder`` with its bytes and mtime in ns."""
    if not folder.exists():
        return {}
    result = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            result[relative] = (path.read_bytes(), path.stat().st_mtime_ns)
    return result


def runtime_env(*paths: Path) -> dict[str, str]:
    """Return an environment whose PYTHONPATH is the runtime source plus ``paths``."""
    entries = [str(ROOT / "runtime"), *(str(path) for path in paths)]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(entries)
    return env
