"""Generation time and peak memory, against openapi-generator's python client.

Runs the generator's CLI in child processes, from a copy of the generator,
templates, specs and runtime taken when the section starts. Edits to the
work tree during the run then change neither the code measured nor the
input fingerprint of the no-op run. A cold run gets an empty output folder and
an empty cache folder through GENERATOR_CACHE_DIR, so it validates and
formats everything again. The pinned specs are read from the work tree's
spec cache, because downloading them is not part of generation.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks import peers
from benchmarks.process import Run, check, run
from benchmarks.stats import Collector, rotate

ALL_VERSIONS = "1.24-1.47"
SPEC_CACHE = peers.ROOT / ".cache" / "specs"

COLD_ALL = "all 24 versions, cold"
NO_OP = "all 24 versions, no-op re-run"
COLD_ONE = "v1.47 only, cold"
OPENAPI_47 = "v1.47, python client"
OPENAPI_41 = "v1.41, python client"

OURS = "docker-engine-generator"
OPENAPI = "openapi-generator"


SNAPSHOT_PARTS = ["generator", "templates", "specs", "runtime"]


def snapshot_generator(target: Path) -> Path:
    """Copy the generator's inputs to ``target`` and return it."""
    for name in SNAPSHOT_PARTS:
        shutil.copytree(
            peers.ROOT / name,
            target / name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return target


def _generate(snapshot: Path, versions: str, out: Path, cache: Path) -> Run:
    env = dict(os.environ, GENERATOR_CACHE_DIR=str(cache))
    # `python -m` puts the working folder first on sys.path, ahead of the
    # work tree's editable install, so the snapshot's generator runs.
    command = [sys.executable, "-m", "generator", "generate", "--versions", versions]
    command += ["--out", str(out), "--cache", str(SPEC_CACHE)]
    return check(run(command, env=env, cwd=snapshot), f"generate {versions}")


def _openapi(version: str, out: Path) -> Run:
    tool = peers.VENV / "bin" / "openapi-generator-cli"
    # Validation stays on, as in this generator's cold runs: openapi-generator
    # 7.26.0 accepts the published v1.41 and v1.47 specs with warnings only.
    command = [str(tool), "generate", "-g", "python"]
    command += ["-i", str(SPEC_CACHE / f"v{version}.yaml"), "-o", str(out)]
    return check(run(command, cwd=peers.ROOT), f"openapi-generator v{version}")


def measure(rounds: int, java: str | None) -> tuple[Collector, list[str]]:
    """Run every task once per round; return the series and skipped tasks."""
    collector = Collector("generation")
    skipped: list[str] = []
    memory: dict[tuple[str, str], list[float]] = {}

    def record(task: str, peer: str, result: Run) -> None:
        collector.add(task, peer, result.seconds, "s")
        memory.setdefault((task, peer), []).append(result.peak_mib)

    snapshot = snapshot_generator(
        Path(tempfile.mkdtemp(prefix="docker-engine-bench-src-")) / "src"
    )

    def ours_all(work: Path) -> None:
        out, cache = work / "out", work / "cache"
        record(COLD_ALL, OURS, _generate(snapshot, ALL_VERSIONS, out, cache))
        record(NO_OP, OURS, _generate(snapshot, ALL_VERSIONS, out, cache))

    def ours_one(work: Path) -> None:
        out, cache = work / "out", work / "cache"
        record(COLD_ONE, OURS, _generate(snapshot, "1.47", out, cache))

    def openapi(version: str, task: str) -> Callable[[Path], None]:
        return lambda work: record(task, OPENAPI, _openapi(version, work / "out"))

    tasks: list[Callable[[Path], None]] = [ours_all, ours_one]
    if java is None:
        skipped.append("openapi-generator: java is missing and apt-get failed")
    else:
        tasks += [openapi("1.47", OPENAPI_47), openapi("1.41", OPENAPI_41)]
    try:
        for round_index in range(rounds):
            for task in rotate(tasks, round_index):
                work = Path(tempfile.mkdtemp(prefix="docker-engine-bench-gen-"))
                try:
                    task(work)
                finally:
                    shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(snapshot.parent, ignore_errors=True)
    for (task, peer), peaks in memory.items():
        collector.series[(task, peer)].notes["peak MiB"] = max(peaks)
    return collector, skipped
