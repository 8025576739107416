"""Wheels: one reproducible wheel per generated distribution.

``python -m generator wheels`` packs ``generated/docker-engine`` and every
``generated/docker-engine-v1-NN`` into ``dist/``. The wheel zip is written
here rather than by ``python -m build``, for three reasons. The build
backend writes ``build/`` and ``*.egg-info`` folders into the generated
tree. Its output depends on whichever setuptools the isolated build
environment downloads. And it runs one subprocess per distribution.

The metadata and the file list come from each distribution's
``pyproject.toml``, read with the same rules setuptools applies to the
keys the templates use. So the wheel contains the same files and metadata as
``pip install ./generated/docker-engine-v1-NN`` builds. Keys this module
does not implement raise `GeneratorError` instead of being ignored.

Reproducibility: the same generated tree gives the same wheel bytes.
Entries are sorted by path, and every entry has the same timestamp, mode
0644 and Unix as its creating system. The timestamp is $SOURCE_DATE_EPOCH
when that is set, following the reproducible-builds convention. Otherwise it
is 1980-01-01 00:00:00, the earliest date a zip entry can store. The pinned
inputs give no better date: the manifest pins a moby/moby commit but not
its date, and the generator stamp is a hash. The generated files carry
the commit and spec sha256 in their headers, so the bytes still change
whenever an input does.

NOTE: deflate output depends on the zlib build (zlib-ng, which some Linux
distributions ship, compresses differently), so identical bytes are
assured only with the same zlib.
"""

from __future__ import annotations

import argparse
import base64
import csv
import fnmatch
import hashlib
import importlib
import io
import os
import re
import stat
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from generator.pipeline import GENERATOR_VERSION
from generator.problems import GeneratorError

# A version distribution is named after its runtime distribution plus the
# version: docker-engine-v1-47, or acme-docker-v1-47 with --package-name.
VERSION_FOLDER = re.compile(r"^(?P<runtime>.+)-v1-(?P<minor>\d+)$")

# The zip format stores dates from 1980 on, in local time without a zone.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = stat.S_IFREG | 0o644
UNIX_SYSTEM = 3
COMPRESS_LEVEL = 9

PROJECT_KEYS = {
    "name",
    "version",
    "description",
    "readme",
    "requires-python",
    "license",
    "dependencies",
    "optional-dependencies",
}
SETUPTOOLS_KEYS = {"packages", "package-data"}


@dataclass(frozen=True)
class Distribution:
    """One distribution folder read from its ``pyproject.toml``."""

    folder: Path
    name: str
    version: str
    metadata: str
    # Archive path (POSIX, relative to the wheel root) to source file.
    files: dict[str, Path]

    @property
    def wheel_stem(self) -> str:
        """Name and version as the wheel file name spells them."""
        return f"{normalize_name(self.name)}-{self.version}"

    @property
    def wheel_name(self) -> str:
        return f"{self.wheel_stem}-py3-none-any.whl"


def normalize_name(name: str) -> str:
    """Spell a distribution name as wheel and dist-info names do."""
    return re.sub(r"[-_.]+", "_", name).lower()


def load_toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib

        return tomllib.loads(text)
    # Python 3.10 has no tomllib, so it needs tomli installed: the same
    # parser under its earlier name.
    tomli = importlib.import_module("tomli")
    return cast(dict[str, Any], tomli.loads(text))


def source_date() -> tuple[int, int, int, int, int, int]:
    """Timestamp of every zip entry: $SOURCE_DATE_EPOCH or 1980-01-01."""
    value = os.environ.get("SOURCE_DATE_EPOCH")
    if not value:
        return ZIP_EPOCH
    try:
        seconds = int(value)
    except ValueError:
        raise GeneratorError(
            f"invalid SOURCE_DATE_EPOCH {value!r}: expected whole seconds "
            "since 1970-01-01 UTC"
        ) from None
    date = time.gmtime(seconds)[:6]
    return max(ZIP_EPOCH, (date[0], date[1], date[2], date[3], date[4], date[5]))


def read_distribution(folder: Path, is_runtime: bool) -> Distribution:
    """Read a distribution's metadata and file list from its ``pyproject.toml``.

    Only the runtime distribution (``is_runtime``) may ship files of the
    top-level package, such as ``docker_engine/__init__.py``.
    """
    pyproject = folder / "pyproject.toml"
    try:
        data = load_toml(pyproject.read_text())
    except (OSError, ValueError) as error:
        raise GeneratorError(f"cannot read {pyproject}: {error}") from error
    project = data.get("project", {})
    setuptools = data.get("tool", {}).get("setuptools", {})

    unknown = sorted(set(project) - PROJECT_KEYS) + sorted(
        set(setuptools) - SETUPTOOLS_KEYS
    )
    if unknown:
        raise GeneratorError(
            f"{pyproject}: the wheels command does not implement "
            f"{', '.join(unknown)}; extend generator/wheels.py or build with "
            "'python -m build'"
        )
    for key in ("name", "version"):
        if not isinstance(project.get(key), str):
            raise GeneratorError(f"{pyproject}: [project] {key} is missing")

    files = {path: folder / path for path in package_files(folder, setuptools)}
    name = project["name"]
    top_level_files = [path for path in files if path.count("/") == 1]
    if not is_runtime and top_level_files:
        # The runtime owns the top-level package. A second __init__.py would
        # overwrite the runtime's on install and break its extend_path lookup.
        raise GeneratorError(
            f"{pyproject}: {name} would ship {', '.join(top_level_files)}, "
            "which only the runtime distribution may ship"
        )

    return Distribution(
        folder=folder,
        name=name,
        version=project["version"],
        metadata=metadata_text(project, folder),
        files=files,
    )


def package_files(folder: Path, setuptools: dict[str, Any]) -> list[str]:
    """Files setuptools would put in the wheel: modules plus package data."""
    packages = find_packages(folder, setuptools.get("packages", []))
    package_data: dict[str, list[str]] = setuptools.get("package-data", {})
    paths: set[str] = set()
    for package in packages:
        package_dir = folder / package.replace(".", "/")
        patterns = ["*.py"]
        patterns += package_data.get("*", []) + package_data.get(package, [])
        for pattern in patterns:
            for path in package_dir.glob(pattern):
                if path.is_file():
                    paths.add(path.relative_to(folder).as_posix())
    return sorted(paths)


def find_packages(folder: Path, setting: list[str] | dict[str, Any]) -> list[str]:
    """Dotted package names from ``packages`` (a list or a ``find`` table)."""
    if isinstance(setting, list):
        return sorted(setting)
    find = setting.get("find", {})
    unknown = sorted(set(find) - {"include", "namespaces"})
    if unknown or set(setting) != {"find"}:
        raise GeneratorError(
            f"{folder / 'pyproject.toml'}: the wheels command implements only "
            "packages.find with include and namespaces"
        )
    include: list[str] = find.get("include", ["*"])
    namespaces = bool(find.get("namespaces", True))
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_dir() or "__pycache__" in relative.parts:
            continue
        if not all(part.isidentifier() for part in relative.parts):
            continue
        if not namespaces and not (path / "__init__.py").is_file():
            continue
        dotted = ".".join(relative.parts)
        if any(fnmatch.fnmatchcase(dotted, pattern) for pattern in include):
            found.append(dotted)
    return found


def metadata_text(project: dict[str, Any], folder: Path) -> str:
    """Build the METADATA file from the ``[project]`` table.

    A ``license`` string is an SPDX expression, written as
    ``License-Expression``, which needs core metadata 2.4. The older table
    form ``{ text = ... }`` is written as ``License`` in metadata 2.1.
    """
    license_value = project.get("license")
    version = "2.4" if isinstance(license_value, str) else "2.1"
    lines = [
        f"Metadata-Version: {version}",
        f"Name: {project['name']}",
        f"Version: {project['version']}",
    ]
    if "description" in project:
        lines.append(f"Summary: {project['description']}")
    if isinstance(license_value, str):
        lines.append(f"License-Expression: {license_value}")
    elif isinstance(license_value, dict) and license_value.get("text"):
        lines.append(f"License: {license_value['text']}")
    if "requires-python" in project:
        lines.append(f"Requires-Python: {project['requires-python']}")
    for requirement in project.get("dependencies", []):
        lines.append(f"Requires-Dist: {requirement}")
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    for extra in sorted(extras):
        lines.append(f"Provides-Extra: {extra}")
        for requirement in extras[extra]:
            lines.append(f'Requires-Dist: {requirement}; extra == "{extra}"')
    readme = project.get("readme")
    if readme is None:
        return "\n".join(lines) + "\n"
    if not isinstance(readme, str) or not readme.endswith(".md"):
        raise GeneratorError(
            f"{folder / 'pyproject.toml'}: readme must name a Markdown file"
        )
    lines.append("Description-Content-Type: text/markdown")
    return "\n".join(lines) + "\n\n" + (folder / readme).read_text()


def wheel_entries(dist: Distribution) -> dict[str, bytes]:
    """Build the content of every archive entry, RECORD included."""
    entries = {path: source.read_bytes() for path, source in dist.files.items()}
    info = f"{dist.wheel_stem}.dist-info"
    top_level = sorted({path.split("/")[0] for path in dist.files})
    entries[f"{info}/METADATA"] = dist.metadata.encode()
    entries[f"{info}/WHEEL"] = (
        "Wheel-Version: 1.0\n"
        f"Generator: docker-engine-generator {GENERATOR_VERSION}\n"
        "Root-Is-Purelib: true\n"
        "Tag: py3-none-any\n"
    ).encode()
    entries[f"{info}/top_level.txt"] = "".join(f"{n}\n" for n in top_level).encode()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path in sorted(entries):
        digest = hashlib.sha256(entries[path]).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        writer.writerow([path, f"sha256={encoded}", len(entries[path])])
    writer.writerow([f"{info}/RECORD", "", ""])
    entries[f"{info}/RECORD"] = record.getvalue().encode()
    return entries


def write_wheel(dist: Distribution, out_dir: Path) -> Path:
    """Write the wheel into ``out_dir`` by an atomic rename and return its path."""
    date = source_date()
    target = out_dir / dist.wheel_name
    partial = out_dir / f".{dist.wheel_name}.partial"
    entries = wheel_entries(dist)
    try:
        with zipfile.ZipFile(partial, "w") as archive:
            for path in sorted(entries):
                info = zipfile.ZipInfo(path, date_time=date)
                info.external_attr = FILE_MODE << 16
                info.create_system = UNIX_SYSTEM
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, entries[path], compresslevel=COMPRESS_LEVEL)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def find_distributions(generated: Path) -> list[tuple[Path, bool]]:
    """List each distribution folder and whether it is a runtime.

    Each runtime comes first, then its versions, oldest first.
    """
    versions: dict[str, list[tuple[int, Path]]] = {}
    for path in generated.iterdir() if generated.is_dir() else []:
        match = VERSION_FOLDER.match(path.name)
        if match and (path / "pyproject.toml").is_file():
            minor = int(match.group("minor"))
            versions.setdefault(match.group("runtime"), []).append((minor, path))
    if not versions:
        raise GeneratorError(
            f"{generated} has no generated version distributions such as "
            "docker-engine-v1-47/: run 'make generate' first"
        )

    found = []
    for runtime_name in sorted(versions):
        runtime = generated / runtime_name
        if not (runtime / "pyproject.toml").is_file():
            raise GeneratorError(
                f"{runtime / 'pyproject.toml'} is missing, but the version "
                f"distributions {runtime_name}-v1-NN need it: run 'make generate'"
            )
        found.append((runtime, True))
        found += [(path, False) for _, path in sorted(versions[runtime_name])]
    return found


def build_wheels(generated: Path, out_dir: Path) -> list[Path]:
    """Build one wheel per distribution in ``generated`` into ``out_dir``."""
    distributions = [
        read_distribution(folder, is_runtime)
        for folder, is_runtime in find_distributions(generated)
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_wheel(dist, out_dir) for dist in distributions]


def main(args: argparse.Namespace) -> int:
    """Run ``python -m generator wheels``: 0 on success, 1 on bad input."""
    started = time.perf_counter()
    try:
        wheels = build_wheels(args.generated, args.out)
    except GeneratorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for wheel in wheels:
        print(wheel, file=sys.stderr)
    seconds = time.perf_counter() - started
    print(f"{len(wheels)} wheels in {args.out} ({seconds:.2f} s)", file=sys.stderr)
    return 0
