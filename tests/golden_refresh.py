"""Rewrite tests/golden from the fixture specs: ``python -m tests.golden_refresh``.

The golden test generates the fixture versions into a temporary folder and
compares every file byte for byte with tests/golden. Run this module (or
``make golden``) after a deliberate change to the templates or the
generator, then review the diff of tests/golden before committing it.

The helpers here also build the temporary specs folder, cache and options
that the generator tests use, so the test and the refresh cannot drift.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from generator import pipeline
from generator.problems import GeneratorError
from generator.write import STAMP

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
FIXTURE_SPECS = FIXTURES / "specs"
FIXTURE_CORRECTIONS = FIXTURES / "corrections"
GOLDEN = TESTS / "golden"
FIXTURE_VERSIONS = ["1.40", "1.41"]
# A made-up commit: the generated headers quote its first 12 digits.
FIXTURE_COMMIT = "0123456789abcdef0123456789abcdef01234567"
# Files of the generated tree that the golden copy leaves out: the stamp
# contains a hash of the generator's own source, and the runtime files are
# copies of runtime/, which changes more often than the templates.
RUNTIME_COPY = "docker-engine/docker_engine/"


def fixture_specs() -> dict[str, bytes]:
    """Return the fixture spec files by name (``v1.40.yaml`` ...)."""
    return {path.name: path.read_bytes() for path in sorted(FIXTURE_SPECS.glob("*"))}


def fixture_corrections() -> dict[str, str]:
    """Return the fixture correction files by name."""
    return {
        path.name: path.read_text()
        for path in sorted(FIXTURE_CORRECTIONS.glob("*.yaml"))
    }


def write_specs_dir(
    root: Path,
    specs: dict[str, bytes],
    corrections: dict[str, str] | None = None,
    derive: dict[str, str] | None = None,
) -> tuple[Path, Path]:
    """Write a specs folder and a filled spec cache under ``root``.

    The manifest pins each file of ``specs`` with its sha256, so the load
    stage reads them from the cache as if they came from upstream. Returns
    the specs folder and the cache folder.
    """
    specs_dir = root / "specs"
    cache_dir = root / "cache"
    (specs_dir / "corrections").mkdir(parents=True)
    cache_dir.mkdir(parents=True)
    manifest = {
        "repository": "moby/moby",
        "commit": FIXTURE_COMMIT,
        "folder": "api/docs",
        # Unreachable on purpose: a test that needs a download must fail.
        "raw_url": "http://127.0.0.1:9/{folder}/{name}",
        "files": {
            name: hashlib.sha256(data).hexdigest()
            for name, data in sorted(specs.items())
        },
    }
    (specs_dir / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    for name, text in (corrections or {}).items():
        (specs_dir / "corrections" / name).write_text(text)
    for name, text in (derive or {}).items():
        (specs_dir / "derive").mkdir(exist_ok=True)
        (specs_dir / "derive" / name).write_text(text)
    for name, data in specs.items():
        (cache_dir / name).write_bytes(data)
    return specs_dir, cache_dir


def fixture_options(
    root: Path, versions: list[str], specs_dir: Path, cache_dir: Path
) -> pipeline.Options:
    """Return generator options that read and write only under ``root``."""
    return pipeline.Options(
        versions=versions,
        out_dir=root / "out",
        cache_dir=cache_dir,
        specs_dir=specs_dir,
        format_cache=root / "format-cache",
        validation_cache=root / "validated",
        workers=1,
    )


def generate_fixtures(root: Path) -> Path:
    """Generate the fixture versions under ``root``; return the output folder."""
    specs_dir, cache_dir = write_specs_dir(root, fixture_specs(), fixture_corrections())
    options = fixture_options(root, FIXTURE_VERSIONS, specs_dir, cache_dir)
    pipeline.generate(options, progress=lambda line: None)
    return options.out_dir


def golden_files(out_dir: Path) -> dict[str, bytes]:
    """Return the generated files that the golden copy contains, by relative path."""
    files = {}
    for path in sorted(out_dir.rglob("*")):
        relative = path.relative_to(out_dir).as_posix()
        if not path.is_file() or relative.startswith(RUNTIME_COPY):
            continue
        if relative == STAMP:
            continue
        files[relative] = path.read_bytes()
    return files


def refresh(golden: Path = GOLDEN) -> int:
    """Replace ``golden`` with freshly generated files; return their number."""
    with tempfile.TemporaryDirectory() as temporary:
        files = golden_files(generate_fixtures(Path(temporary)))
    shutil.rmtree(golden, ignore_errors=True)
    for relative, data in files.items():
        target = golden / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return len(files)


def main() -> int:
    try:
        count = refresh()
    except GeneratorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {count} golden files to {GOLDEN}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
