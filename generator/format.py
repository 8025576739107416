"""Format stage: black, once per distinct block, cached by hash.

black formats a few thousand lines a second on a 2-core machine (measured
in this project's runs, 3,000 to 9,000 depending on how much it rewrites).
Most generated blocks, such as a model property or an API method, are
identical across versions. Rendered Python files are split at `CHUNK_MARK`
and `MEMBER_MARK` lines, and each distinct piece is formatted once in a
process pool. The result is cached on disk under the sha256 of black's
version, its mode and the piece. Joining the formatted pieces as black lays
out a module gives what black would make of the whole file, which the
end-to-end test checks with ``black --check``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version as package_version
from pathlib import Path

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from generator.problems import GeneratorError
from generator.render import CHUNK_MARK, MEMBER_MARK, RenderedFile

DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "format"
MODE = Mode(target_versions={TargetVersion.PY310}, line_length=88, is_pyi=False)
_MODE_KEY = f"black {package_version('black')} py310 88"


_WRAPPER = "class _Member:\n"


def split_chunks(text: str) -> list[str]:
    """Split a rendered file into top-level blocks and class members.

    Members are wrapped in a placeholder class so that black can format them
    alone; `join_chunks` takes the wrapper off again.
    """
    pieces = []
    for block in text.split(CHUNK_MARK + "\n"):
        if not block.strip():
            continue
        head, *members = block.split(MEMBER_MARK + "\n")
        pieces.append(head.strip("\n") + "\n")
        pieces.extend(_WRAPPER + member.strip("\n") + "\n" for member in members)
    return pieces


def join_chunks(formatted: list[str]) -> str:
    """Join formatted pieces the way black lays out a whole module."""
    text = ""
    for piece in formatted:
        piece = piece.rstrip("\n") + "\n"
        if piece.startswith(_WRAPPER):
            text += "\n" + piece[len(_WRAPPER) :]
        else:
            text += ("\n\n" if text else "") + piece
    return text


def chunk_key(chunk: str) -> str:
    return hashlib.sha256(f"{_MODE_KEY}\n{chunk}".encode()).hexdigest()


def format_chunk(chunk: str) -> str:
    try:
        return black.format_str(chunk, mode=MODE)
    except InvalidInput as error:
        raise GeneratorError(
            f"black cannot parse a rendered block ({error}); this is a bug "
            f"in a template. The block starts with:\n{chunk[:400]}"
        ) from error


def _format_many(chunks: list[str]) -> list[str]:
    return [format_chunk(chunk) for chunk in chunks]


def format_files(
    files: list[RenderedFile],
    cache_dir: Path = DEFAULT_CACHE,
    workers: int | None = None,
) -> tuple[list[RenderedFile], int]:
    """Format every Python file; return the files and how many chunks were new."""
    split: dict[str, list[str]] = {}
    for file in files:
        if file.is_python and file.needs_format:
            split[file.path] = split_chunks(file.text)

    unique: dict[str, str] = {}
    for chunks in split.values():
        for chunk in chunks:
            unique.setdefault(chunk_key(chunk), chunk)

    formatted = _load_cached(unique, cache_dir)
    missing = {key: chunk for key, chunk in unique.items() if key not in formatted}
    formatted.update(_format_missing(missing, workers))
    _store(cache_dir, {key: formatted[key] for key in missing})

    result = []
    for file in files:
        if file.path in split:
            parts = [formatted[chunk_key(chunk)] for chunk in split[file.path]]
            text = join_chunks(parts)
            result.append(RenderedFile(file.path, text, needs_format=False))
        else:
            result.append(file)
    return result, len(missing)


def _load_cached(unique: dict[str, str], cache_dir: Path) -> dict[str, str]:
    found = {}
    for key in unique:
        path = cache_dir / key[:2] / f"{key}.py"
        try:
            found[key] = path.read_text()
        except OSError:
            continue
    return found


def _format_missing(missing: dict[str, str], workers: int | None) -> dict[str, str]:
    if not missing:
        return {}
    keys = sorted(missing, key=lambda key: -len(missing[key]))
    workers = workers or min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(keys) < 8:
        return {key: format_chunk(missing[key]) for key in keys}
    # Round-robin over size-sorted chunks balances the workers' line counts.
    batches = [keys[index::workers] for index in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = pool.map(_format_many, [[missing[k] for k in b] for b in batches])
        formatted: dict[str, str] = {}
        for batch, texts in zip(batches, results, strict=True):
            formatted.update(zip(batch, texts, strict=True))
    return formatted


def _store(cache_dir: Path, formatted: dict[str, str]) -> None:
    for key, text in formatted.items():
        folder = cache_dir / key[:2]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{key}.{os.getpid()}"
            temporary.write_text(text)
            os.replace(temporary, folder / f"{key}.py")
        except OSError:
            # The cache only saves time; a read-only cache folder is fine.
            return


def format_text(files: Iterable[RenderedFile]) -> list[RenderedFile]:
    """Format files without the cache (used by tests)."""
    return format_files(list(files), cache_dir=Path(os.devnull))[0]
