"""Load stage: pinned upstream files, the spec cache and the correction patches.

Every upstream file is named in ``specs/manifest.yaml`` with its sha256. The
cache (``.cache/specs`` by default) is filled from ``SPECS_MIRROR`` when it is
set, otherwise from the pinned raw URL, and every file read from it is checked
against its sha256 again. Corrections are RFC 6902 JSON Patch documents,
applied with the ``jsonpatch`` library. Each operation carries a one-line
``reason``, which is stripped before the patch is applied.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonpatch
import yaml

from generator.problems import GeneratorError

ROOT = Path(__file__).resolve().parent.parent
SPECS_DIR = ROOT / "specs"
DEFAULT_CACHE = ROOT / ".cache" / "specs"

OLDEST = 24
NEWEST = 47
# v1.24 has no upstream Swagger file: it is v1.25 with the derivation patch.
DERIVED = {"1.24": ("1.25", "derive/v1.24.yaml")}

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_VERSION_RE = re.compile(r"^1\.([1-9]\d?)$")


@dataclass(frozen=True)
class Manifest:
    repository: str
    commit: str
    folder: str
    raw_url: str
    files: dict[str, str]

    def url(self, name: str) -> str:
        return self.raw_url.format(
            repository=self.repository,
            commit=self.commit,
            folder=self.folder,
            name=name,
        )


@dataclass
class Correction:
    """One correction file: a JSON Patch applied to a range of versions."""

    file: str
    description: str
    first: int
    last: int
    operations: list[dict[str, Any]] = field(default_factory=list)

    def applies_to(self, version: str) -> bool:
        return self.first <= minor(version) <= self.last


@dataclass
class LoadedSpec:
    """A corrected spec, ready for validation."""

    version: str
    source_file: str
    sha256: str
    document: dict[str, Any]
    corrections: list[str]


def minor(version: str) -> int:
    match = _VERSION_RE.match(version)
    if not match:
        raise GeneratorError(
            f"invalid API version {version!r}: expected 1.NN, for example 1.47"
        )
    return int(match.group(1))


def all_versions() -> list[str]:
    return [f"1.{n}" for n in range(OLDEST, NEWEST + 1)]


def parse_version_range(text: str) -> list[str]:
    """Parse ``1.30-1.47``, ``1.41`` or ``1.25,1.41,1.47`` into known versions."""
    known = all_versions()
    chosen: list[str] = []
    for part in text.split(","):
        part = part.strip()
        low, dash, high = part.partition("-")
        if not low.strip() or (dash and not high.strip()):
            raise GeneratorError(
                f"invalid --versions {text!r}: {part!r} is not a version or a "
                "range; write for example 1.41, 1.30-1.47 or 1.25,1.41"
            )
        high = high or low
        first, last = minor(low.strip()), minor(high.strip())
        for number in (first, last):
            if f"1.{number}" not in known:
                raise GeneratorError(
                    f"unknown API version 1.{number} in --versions {text!r}: "
                    f"this generator covers {known[0]} to {known[-1]}"
                )
        if first > last:
            raise GeneratorError(
                f"empty version range {part!r} in --versions: write the older "
                "version first, for example 1.30-1.47"
            )
        chosen.extend(f"1.{n}" for n in range(first, last + 1))
    return sorted(set(chosen), key=minor)


def read_manifest(specs_dir: Path = SPECS_DIR) -> Manifest:
    path = specs_dir / "manifest.yaml"
    data = yaml.load(path.read_text(), Loader=_LOADER)
    return Manifest(
        repository=data["repository"],
        commit=data["commit"],
        folder=data["folder"],
        raw_url=data["raw_url"],
        files=dict(data["files"]),
    )


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_file(version: str) -> str:
    """Name of the upstream file a version is generated from."""
    base = DERIVED.get(version, (version, ""))[0]
    return f"v{base}.yaml"


def fetch(
    names: list[str],
    manifest: Manifest,
    cache_dir: Path = DEFAULT_CACHE,
    mirror: str | None = None,
) -> None:
    """Fill the cache with the named upstream files, checking each sha256."""
    mirror = mirror if mirror is not None else os.environ.get("SPECS_MIRROR")
    cache_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        expected = manifest.files.get(name)
        if expected is None:
            raise GeneratorError(
                f"{name} is not pinned in specs/manifest.yaml: add its sha256 there"
            )
        target = cache_dir / name
        corrupt = False
        if target.exists():
            if sha256_file(target) == expected:
                continue
            corrupt = True
        try:
            data, source = _download(name, manifest, mirror)
        except GeneratorError as error:
            if not corrupt:
                raise
            raise GeneratorError(
                f"the cached {target} does not match its pinned sha256, and "
                f"fetching a fresh copy failed: {error}"
            ) from error
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise GeneratorError(
                f"sha256 mismatch for {name} from {source}: expected {expected}, "
                f"got {actual}. The source does not hold the pinned file; point "
                "SPECS_MIRROR at a folder with exact copies or unset it to "
                "download from the pinned commit"
            )
        _write_atomically(target, data)


def _download(name: str, manifest: Manifest, mirror: str | None) -> tuple[bytes, str]:
    if mirror:
        path = Path(mirror) / name
        try:
            return path.read_bytes(), str(path)
        except OSError as error:
            raise GeneratorError(
                f"cannot read {name} from SPECS_MIRROR at {path}: "
                f"{error.strerror}. Check that SPECS_MIRROR names a folder with "
                "the pinned files, or unset it to download them"
            ) from error
    url = manifest.url(name)
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return bytes(response.read()), url
    except (urllib.error.URLError, OSError) as error:
        raise GeneratorError(
            f"cannot download {name} from {url}: {error}. Without network "
            "access, set SPECS_MIRROR to a folder with exact copies of the "
            "pinned files"
        ) from error


def _write_atomically(target: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, target)


def read_cached(name: str, manifest: Manifest, cache_dir: Path) -> bytes:
    """Read a cached upstream file, fetching it first when it is missing."""
    path = cache_dir / name
    if not path.exists():
        fetch([name], manifest, cache_dir)
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != manifest.files[name]:
        raise GeneratorError(
            f"sha256 mismatch for {name} in the cache {path}: expected "
            f"{manifest.files[name]}, got {actual}. Delete the file and run "
            "`make specs` again"
        )
    return data


def parse_yaml(data: bytes | str, version: str, file: str) -> dict[str, Any]:
    try:
        document = yaml.load(data, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        prefix = f"v{version}: " if version else ""
        raise GeneratorError(
            f"{prefix}invalid YAML in {file}{where}: "
            f"{getattr(error, 'problem', None) or error}. Fix the file or "
            "restore the pinned copy"
        ) from error
    if not isinstance(document, dict):
        raise GeneratorError(f"{file} is not a YAML mapping")
    result: dict[str, Any] = stringify_keys(document)
    return result


def stringify_keys(value: Any) -> Any:
    """Turn int keys (YAML response codes such as ``200:``) into strings."""
    if isinstance(value, dict):
        return {str(key): stringify_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stringify_keys(item) for item in value]
    return value


def read_corrections(specs_dir: Path = SPECS_DIR) -> list[Correction]:
    corrections = []
    for path in sorted((specs_dir / "corrections").glob("*.yaml")):
        corrections.append(_read_patch_file(path, specs_dir))
    return corrections


def _read_patch_file(path: Path, specs_dir: Path) -> Correction:
    relative = str(path.relative_to(specs_dir.parent))
    data = parse_yaml(path.read_bytes(), "", relative)
    low, _, high = str(data.get("versions", "")).partition("-")
    try:
        first, last = minor(low.strip()), minor((high or low).strip())
    except GeneratorError as error:
        raise GeneratorError(
            f"{relative}: invalid 'versions' {data.get('versions')!r}: write a "
            "range such as 1.32-1.47"
        ) from error
    if not OLDEST <= first <= last <= NEWEST:
        # YAML reads an unquoted 1.40 as the number 1.4, which would
        # otherwise become a range that silently matches no version.
        raise GeneratorError(
            f"{relative}: 'versions' {data.get('versions')!r} is not a range "
            f"within 1.{OLDEST}-1.{NEWEST}: write the older version first, as "
            "in 1.32-1.47, and write a single version as 1.40-1.40"
        )
    operations = data.get("patch")
    if not isinstance(operations, list) or not operations:
        raise GeneratorError(f"{relative}: 'patch' must be a non-empty list")
    for index, operation in enumerate(operations):
        if not isinstance(operation, dict) or not operation.get("reason"):
            raise GeneratorError(
                f"{relative}: patch operation {index} has no 'reason'; every "
                "change needs a one-line reason"
            )
    return Correction(
        file=relative,
        description=str(data.get("description", "")),
        first=first,
        last=last,
        operations=operations,
    )


def apply_patch(
    document: dict[str, Any], correction: Correction, version: str
) -> dict[str, Any]:
    """Apply one correction, naming the file, operation and pointer on failure."""
    for index, operation in enumerate(correction.operations):
        step = {key: value for key, value in operation.items() if key != "reason"}
        try:
            document = jsonpatch.apply_patch(document, [step], in_place=True)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as err:
            # jsonpointer appends the whole parent object ("member 'X' not
            # found in {...}"), which for a real spec is most of the file.
            reason = re.sub(r" in [{\[].*", "", str(err), flags=re.S)
            raise GeneratorError(
                f"v{version}: correction {correction.file}, operation {index} "
                f"({step.get('op')} {step.get('path')}) does not apply: {reason}. "
                "Fix the pointer or narrow the file's 'versions' range"
            ) from err
    return document


def load_spec(
    version: str,
    manifest: Manifest | None = None,
    cache_dir: Path = DEFAULT_CACHE,
    specs_dir: Path = SPECS_DIR,
    corrections: list[Correction] | None = None,
) -> LoadedSpec:
    """Load one version's spec with its corrections (and derivation) applied."""
    manifest = manifest or read_manifest(specs_dir)
    corrections = read_corrections(specs_dir) if corrections is None else corrections
    base_version, derivation = DERIVED.get(version, (version, ""))
    name = f"v{base_version}.yaml"
    document = parse_yaml(read_cached(name, manifest, cache_dir), version, name)

    applied = []
    for correction in corrections:
        if correction.applies_to(base_version):
            document = apply_patch(document, correction, base_version)
            applied.append(correction.file)
    if derivation:
        derive = _read_patch_file(specs_dir / derivation, specs_dir)
        document = apply_patch(document, derive, version)
        applied.append(derive.file)

    return LoadedSpec(
        version=version,
        source_file=name,
        sha256=manifest.files[name],
        document=document,
        corrections=applied,
    )


def copy_document(document: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(document)


def clean_cache(cache_dir: Path = DEFAULT_CACHE) -> None:
    shutil.rmtree(cache_dir, ignore_errors=True)
