"""The whole run: load, validate, normalize, render, format, write."""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version as package_version
from itertools import repeat
from pathlib import Path

from generator import load, validate
from generator.model import ApiVersion
from generator.normalize import normalize
from generator.problems import GeneratorError, Problem, Problems
from generator.render import (
    DEFAULT_PACKAGE,
    RenderedFile,
    distribution_name,
    make_environment,
    render_runtime,
    render_version,
)

ROOT = Path(__file__).resolve().parent.parent
# Formatting and validation caches only save time; GENERATOR_CACHE_DIR moves
# them (benchmarks point it at an empty folder to measure a cold run).
CACHE_ROOT = Path(os.environ.get("GENERATOR_CACHE_DIR") or ROOT / ".cache")
GENERATOR_VERSION = "0.1.0"
RUNTIME_DIR = ROOT / "runtime" / "docker_engine"
DEFAULT_OUT = ROOT / "generated"


@dataclass
class Options:
    versions: list[str]
    out_dir: Path = DEFAULT_OUT
    strict: bool = False
    cache_dir: Path = load.DEFAULT_CACHE
    specs_dir: Path = load.SPECS_DIR
    templates_dir: Path = ROOT / "templates"
    runtime_dir: Path = RUNTIME_DIR
    format_cache: Path = CACHE_ROOT / "format"
    validation_cache: Path = CACHE_ROOT / "validated"
    workers: int | None = None
    package_name: str = DEFAULT_PACKAGE


@dataclass
class Report:
    problems: Problems = field(default_factory=Problems)
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    up_to_date: bool = False
    formatted_chunks: int = 0


Progress = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def fingerprint(options: Options, manifest: load.Manifest) -> str:
    """Hash of every input, so an unchanged re-run can stop at once."""
    black_version = package_version("black")
    digest = hashlib.sha256()
    digest.update(f"{GENERATOR_VERSION} black {black_version}\n".encode())
    digest.update(" ".join(options.versions).encode())
    digest.update(f" package {options.package_name}\n".encode())
    for name in sorted(manifest.files):
        digest.update(f"{name} {manifest.files[name]}\n".encode())
    folders = [
        options.specs_dir,
        options.templates_dir,
        options.runtime_dir,
        ROOT / "generator",
    ]
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(folder.parent)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def build_version(
    version: str,
    manifest: load.Manifest,
    corrections: list[load.Correction],
    options: Options,
    problems: Problems,
) -> ApiVersion | None:
    """Load, validate and normalize one version; None when its spec is invalid."""
    spec = load.load_spec(
        version, manifest, options.cache_dir, options.specs_dir, corrections
    )
    if not validate.validate_spec(spec, problems, options.validation_cache):
        return None
    return normalize(spec, manifest.commit, problems)


BuildResult = tuple[str, ApiVersion | None, list[RenderedFile], list[Problem], float]


def _build_one(version: str, options: Options) -> BuildResult:
    """Load, validate, normalize and render one version (runs in a worker)."""
    started = time.perf_counter()
    problems = Problems()
    manifest = load.read_manifest(options.specs_dir)
    corrections = load.read_corrections(options.specs_dir)
    api = build_version(version, manifest, corrections, options, problems)
    files = []
    if api is not None:
        minor = version.split(".")[1]
        api.distribution = f"{distribution_name(options.package_name)}-v1-{minor}"
        env = make_environment()
        files = render_version(api, env, GENERATOR_VERSION, options.package_name)
    return version, api, files, problems.items, time.perf_counter() - started


def _build_all(options: Options) -> Iterator[BuildResult]:
    workers = options.workers or min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(options.versions) < 3:
        for version in options.versions:
            yield _build_one(version, options)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(_build_one, options.versions, repeat(options))


def validate_only(options: Options, progress: Progress = _stderr) -> Report:
    report = Report()
    manifest = load.read_manifest(options.specs_dir)
    corrections = load.read_corrections(options.specs_dir)
    for version in options.versions:
        started = time.perf_counter()
        build_version(version, manifest, corrections, options, report.problems)
        errors = [p for p in report.problems.errors if p.version == version]
        state = f"{len(errors)} errors" if errors else "valid"
        progress(f"v{version}: {state} ({time.perf_counter() - started:.2f} s)")
    return report


def generate(options: Options, progress: Progress = _stderr) -> Report:
    """Run every stage; raise `GeneratorError` before writing on any error."""
    from generator.format import format_files
    from generator.write import check_writable, disk_hash, read_stamp, write_output

    report = Report()
    check_writable(options.out_dir)
    manifest = load.read_manifest(options.specs_dir)
    needed = sorted({load.source_file(v) for v in options.versions})
    load.fetch(needed, manifest, options.cache_dir)

    stamp_value = fingerprint(options, manifest)
    stamp = read_stamp(options.out_dir)
    runtime_name = distribution_name(options.package_name)
    expected = [f"{runtime_name}-v1-{v.split('.')[1]}" for v in options.versions]
    written: dict[str, str] = stamp.get("distributions", {})
    if stamp.get("fingerprint") == stamp_value and all(
        name in written and disk_hash(options.out_dir, name) == written[name]
        for name in expected + [runtime_name]
    ):
        report.up_to_date = True
        return report

    versions: list[ApiVersion] = []
    files: list[RenderedFile] = []
    for version, api, rendered, found, elapsed in _build_all(options):
        report.problems.extend(found)
        if api is not None:
            versions.append(api)
            files.extend(rendered)
        count = len(api.operations) if api else 0
        progress(f"v{version}: {count} operations ({elapsed:.2f} s)")

    problems = report.problems
    fatal = problems.errors + (problems.warnings if options.strict else [])
    if fatal:
        raise GeneratorError(
            f"{len(fatal)} problems in the specs; nothing was written", fatal
        )

    env = make_environment()
    files.extend(
        render_runtime(
            env, GENERATOR_VERSION, versions, options.runtime_dir, options.package_name
        )
    )
    started = time.perf_counter()
    files, report.formatted_chunks = format_files(
        files, options.format_cache, options.workers
    )
    progress(
        f"formatted {report.formatted_chunks} new blocks with black "
        f"({time.perf_counter() - started:.2f} s)"
    )
    result = write_output(options.out_dir, files, stamp_value)
    report.written, report.unchanged = result.written, result.unchanged
    return report
