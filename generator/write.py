"""Write stage: put the formatted files in place without leaving half a tree.

All files are first written to a staging folder inside the output folder
(same file system, so renames are atomic). Only then is each distribution
folder swapped in by two renames, with SIGINT and SIGTERM blocked so that
an interrupt cannot land between them. A failure before the swap leaves the
previous output untouched; the staging folder is removed either way.
Distributions whose content hash matches the stamp of the previous run are
not rewritten, so a re-run with the same inputs changes no byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.problems import GeneratorError
from generator.render import RenderedFile

STAMP = ".generator-stamp.json"


@dataclass
class WriteResult:
    written: list[str]
    unchanged: list[str]


def read_stamp(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / STAMP).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def content_hash(files: list[RenderedFile]) -> str:
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.path):
        digest.update(file.path.encode() + b"\0" + file.text.encode() + b"\0")
    return digest.hexdigest()


def disk_hash(out_dir: Path, name: str) -> str | None:
    """`content_hash` of a distribution folder as it is on disk, None if unreadable.

    Comparing it with the stamp catches hand-edited or deleted files, which
    the next run then rewrites.
    """
    root = out_dir / name
    if not root.is_dir():
        return None
    digest = hashlib.sha256()
    try:
        paths = sorted(
            path.relative_to(out_dir).as_posix()
            for path in root.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        )
        for relative in paths:
            text = (out_dir / relative).read_text()
            digest.update(relative.encode() + b"\0" + text.encode() + b"\0")
    except (OSError, UnicodeDecodeError):
        return None
    return digest.hexdigest()


def check_writable(out_dir: Path) -> None:
    """Fail early, before any work, when the output folder cannot be written."""
    probe_dir = out_dir if out_dir.exists() else out_dir.parent
    while not probe_dir.exists():
        probe_dir = probe_dir.parent
    if not probe_dir.is_dir() or not os.access(probe_dir, os.W_OK | os.X_OK):
        raise GeneratorError(
            f"cannot write to the output folder {out_dir}: {probe_dir} is not a "
            "writable folder. Choose another --out or fix its permissions"
        )


def write_output(
    out_dir: Path, files: list[RenderedFile], fingerprint: str
) -> WriteResult:
    by_distribution: dict[str, list[RenderedFile]] = defaultdict(list)
    for file in files:
        by_distribution[file.path.split("/", 1)[0]].append(file)

    stamp = read_stamp(out_dir)
    previous: dict[str, str] = stamp.get("distributions", {})
    hashes = {name: content_hash(group) for name, group in by_distribution.items()}
    changed = [
        name
        for name in sorted(by_distribution)
        if previous.get(name) != hashes[name]
        or disk_hash(out_dir, name) != hashes[name]
    ]
    unchanged = sorted(set(by_distribution) - set(changed))

    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GeneratorError(
            f"cannot create the output folder {out_dir}: {error.strerror}"
        ) from error
    staging = out_dir / f".staging-{os.getpid()}"
    retired = out_dir / f".retired-{os.getpid()}"
    try:
        _stage(staging, [f for name in changed for f in by_distribution[name]])
        _swap(out_dir, staging, retired, changed)
        merged = dict(previous)
        merged.update(hashes)
        _write_stamp(out_dir, fingerprint, merged)
    except OSError as error:
        raise GeneratorError(
            f"cannot write generated files to {out_dir}: {error}. The previous "
            "output was left as it was"
        ) from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(retired, ignore_errors=True)
    return WriteResult(written=changed, unchanged=unchanged)


def _stage(staging: Path, files: list[RenderedFile]) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    for file in files:
        target = staging / file.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(file.text)


def _swap(out_dir: Path, staging: Path, retired: Path, names: list[str]) -> None:
    if not names:
        return
    retired.mkdir(parents=True, exist_ok=True)
    blocked = {signal.SIGINT, signal.SIGTERM}
    previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    retired_names: list[str] = []
    placed_names: list[str] = []
    try:
        for name in names:
            current = out_dir / name
            if current.exists():
                os.rename(current, retired / name)
                retired_names.append(name)
            os.rename(staging / name, current)
            placed_names.append(name)
    except OSError:
        # The caller deletes the retired folder, so a failed rename must put
        # every earlier distribution back before the error goes on.
        _roll_back(out_dir, staging, retired, placed_names, retired_names)
        raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous_mask)


def _roll_back(
    out_dir: Path,
    staging: Path,
    retired: Path,
    placed_names: list[str],
    retired_names: list[str],
) -> None:
    for name in reversed(placed_names):
        os.rename(out_dir / name, staging / name)
    for name in reversed(retired_names):
        os.rename(retired / name, out_dir / name)


def _write_stamp(out_dir: Path, fingerprint: str, hashes: dict[str, str]) -> None:
    data = {"fingerprint": fingerprint, "distributions": dict(sorted(hashes.items()))}
    text = json.dumps(data, indent=2) + "\n"
    if read_stamp(out_dir) == data:
        # An unchanged re-run leaves even the stamp's mtime alone.
        return
    temporary = out_dir / f".{STAMP}.{os.getpid()}"
    temporary.write_text(text)
    os.replace(temporary, out_dir / STAMP)
