"""Tar archives for image builds and the container archive endpoints.

`pack_build_context` streams a build context as a tar archive, filtered by
the folder's ``.dockerignore``. `decode_path_stat` reads the
``X-Docker-Container-Path-Stat`` header of the archive endpoints.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import posixpath
import re
import stat
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "DockerIgnore",
    "PATH_STAT_HEADER",
    "PathStat",
    "decode_path_stat",
    "iter_file_chunks",
    "pack_build_context",
    "path_stat_from_headers",
]

logger = logging.getLogger("docker_engine")

CHUNK_SIZE = 65536
PATH_STAT_HEADER = "X-Docker-Container-Path-Stat"
_BLOCK_SIZE = tarfile.BLOCKSIZE

# Bits of Go's os.FileMode, which the daemon sends as the path stat mode.
_GO_MODE_DIR = 1 << 31
_GO_MODE_SYMLINK = 1 << 27


@dataclass(frozen=True)
class PathStat:
    """Metadata of a path in a container, from X-Docker-Container-Path-Stat.

    ``mode`` contains Go ``os.FileMode`` bits, not a POSIX ``st_mode``: the
    type is in the high bits and the permissions in the low 9 bits.
    ``mtime`` is the timestamp string as sent (RFC 3339).
    """

    name: str
    size: int
    mode: int
    mtime: str
    link_target: str

    @property
    def is_dir(self) -> bool:
        """Whether the path is a directory."""
        return bool(self.mode & _GO_MODE_DIR)

    @property
    def is_symlink(self) -> bool:
        """Whether the path is a symbolic link."""
        return bool(self.mode & _GO_MODE_SYMLINK)

    @property
    def permissions(self) -> int:
        """Permission bits, for example ``0o755``."""
        return self.mode & 0o777


def decode_path_stat(header_value: str) -> PathStat:
    """Decode the X-Docker-Container-Path-Stat header.

    The value is standard base64 of a JSON object with ``name``, ``size``,
    ``mode``, ``mtime`` and ``linkTarget``. Missing padding is accepted.
    Raises `ValueError` if the value is not such an object.
    """
    text = header_value.strip()
    text += "=" * (-len(text) % 4)
    try:
        decoded = json.loads(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError) as error:
        raise ValueError(
            f"invalid X-Docker-Container-Path-Stat header {header_value[:80]!r}: "
            f"{error}"
        ) from None
    if not isinstance(decoded, dict):
        raise ValueError(
            "invalid X-Docker-Container-Path-Stat header: expected a JSON object, "
            f"got {type(decoded).__name__}"
        )
    return PathStat(
        name=str(decoded.get("name", "")),
        size=int(decoded.get("size", 0)),
        mode=int(decoded.get("mode", 0)),
        mtime=str(decoded.get("mtime", "")),
        link_target=str(decoded.get("linkTarget", "")),
    )


class _HeaderLookup(Protocol):
    def get(self, name: str, /) -> str | None: ...


def path_stat_from_headers(headers: _HeaderLookup) -> PathStat:
    """Decode the X-Docker-Container-Path-Stat header of an archive response.

    Raises `ValueError` if the header is missing or not valid.
    """
    value = headers.get(PATH_STAT_HEADER)
    if value is None:
        raise ValueError(
            f"the archive response has no {PATH_STAT_HEADER} header: "
            "expected the daemon to send the path's stat"
        )
    return decode_path_stat(value)


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def iter_file_chunks(fileobj: _Readable, size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """Yield the rest of a binary file in chunks of at most ``size`` bytes."""
    if size <= 0:
        raise ValueError(f"invalid chunk size {size}: expected a positive number")
    while True:
        chunk = fileobj.read(size)
        if not chunk:
            return
        yield chunk


@dataclass(frozen=True)
class _Pattern:
    text: str
    exception: bool
    regex: re.Pattern[str]
    literal_prefix: tuple[str, ...]
    is_literal: bool


class DockerIgnore:
    """Matcher for ``.dockerignore`` patterns, following Docker's rules.

    Lines starting with ``#`` are comments and blank lines are skipped.
    Patterns are trimmed, cleaned like Go's ``filepath.Clean`` and have a
    leading ``/`` removed. ``*`` and ``?`` match within one path component,
    ``**`` matches any number of components (also none), ``[...]`` is a
    character class and ``\\`` escapes the next character. A pattern that
    matches a directory also matches everything below it. A pattern starting
    with ``!`` is an exception, and the last pattern that matches a path
    decides whether the path is excluded.
    """

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self._patterns = [_compile(line) for line in patterns]

    @classmethod
    def parse(cls, text: str) -> DockerIgnore:
        """Build a matcher from the contents of a ``.dockerignore`` file."""
        return cls(_read_patterns(text))

    @property
    def patterns(self) -> list[str]:
        """Cleaned patterns, exceptions with their ``!``."""
        return [("!" if p.exception else "") + p.text for p in self._patterns]

    def is_excluded(self, path: str) -> bool:
        """Return whether a slash-separated path relative to the context is excluded."""
        parents = _parent_paths(path)
        excluded = False
        for pattern in self._patterns:
            # Skip patterns that cannot change the result: an exclusion when the
            # path is already excluded, an exception when it is not.
            if pattern.exception != excluded:
                continue
            if any(pattern.regex.match(candidate) for candidate in parents):
                excluded = not pattern.exception
        return excluded

    def may_include_below(self, directory: str) -> bool:
        """Return whether an exception might include a path below a directory.

        The check compares the literal leading components of each exception,
        so it can return True when nothing matches, but never returns False
        when something does.
        """
        parts = tuple(directory.split("/"))
        for pattern in self._patterns:
            if not pattern.exception:
                continue
            if pattern.is_literal and len(pattern.literal_prefix) <= len(parts):
                continue
            common = min(len(parts), len(pattern.literal_prefix))
            if pattern.literal_prefix[:common] == parts[:common]:
                return True
        return False


def _read_patterns(text: str) -> list[str]:
    patterns = []
    for line in text.removeprefix("\ufeff").splitlines():
        if line.startswith("#"):
            continue
        pattern = line.strip()
        if pattern:
            patterns.append(pattern)
    return patterns


def _clean_pattern(pattern: str) -> str:
    """Clean a pattern like Go's ``filepath.Clean`` and drop a leading ``/``."""
    cleaned = posixpath.normpath(pattern)
    if cleaned.startswith("//"):
        # POSIX keeps two leading slashes, Go's Clean does not.
        cleaned = "/" + cleaned.lstrip("/")
    if len(cleaned) > 1 and cleaned.startswith("/"):
        cleaned = cleaned[1:]
    return cleaned


def _compile(line: str) -> _Pattern:
    text = line.strip()
    exception = text.startswith("!")
    if exception:
        text = text[1:].strip()
    if not text:
        raise ValueError(f"invalid .dockerignore pattern {line!r}: it is empty")
    text = _clean_pattern(text)
    components = text.split("/")
    literal: list[str] = []
    for component in components:
        if any(char in component for char in "*?[\\"):
            break
        literal.append(component)
    return _Pattern(
        text=text,
        exception=exception,
        regex=re.compile(_translate(text)),
        literal_prefix=tuple(literal),
        is_literal=len(literal) == len(components),
    )


def _translate(pattern: str) -> str:
    """Translate a cleaned pattern into an anchored regular expression."""
    parts = ["^"]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char == "*" and pattern.startswith("*", index):
            index += 1
            if pattern.startswith("/", index):
                index += 1
            parts.append(".*" if index == len(pattern) else "(?:.*/)?")
        elif char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "\\":
            if index == len(pattern):
                raise ValueError(
                    f"invalid .dockerignore pattern {pattern!r}: ends in \\"
                )
            parts.append(re.escape(pattern[index]))
            index += 1
        elif char == "[":
            index = _translate_class(pattern, index, parts)
        else:
            parts.append(re.escape(char))
    parts.append("$")
    return "".join(parts)


def _translate_class(pattern: str, index: int, parts: list[str]) -> int:
    """Append the character class that starts after ``[`` and return its end."""
    end = pattern.find("]", index + 1 if pattern.startswith("^", index) else index)
    if end < 0:
        raise ValueError(f"invalid .dockerignore pattern {pattern!r}: missing ]")
    body = pattern[index:end]
    negate = body.startswith("^")
    if negate:
        body = body[1:]
    escaped = "".join(
        char if char in "-\\" or char.isalnum() else "\\" + char for char in body
    )
    parts.append("[" + ("^" if negate else "") + escaped + "]")
    return end + 1


def _parent_paths(path: str) -> list[str]:
    """Return the path and its parent directories, outermost first."""
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


class _ChunkBuffer:
    """Pipe-like buffer that collects archive bytes until a chunk is full."""

    def __init__(self, chunk_size: int) -> None:
        self._chunk_size = chunk_size
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, data: bytes) -> None:
        self._parts.append(data)
        self._size += len(data)

    def drain(self, force: bool = False) -> Iterator[bytes]:
        """Yield the buffered bytes once they fill a chunk, or at once if forced."""
        if self._size and (force or self._size >= self._chunk_size):
            data = b"".join(self._parts)
            self._parts.clear()
            self._size = 0
            yield data


def pack_build_context(
    folder: str | os.PathLike[str],
    dockerfile: str = "Dockerfile",
    *,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[bytes]:
    """Stream a tar archive of a build context folder, honouring .dockerignore.

    ``dockerfile`` is the Dockerfile's path relative to ``folder``, and it is
    included even if ``.dockerignore`` excludes it, like ``.dockerignore``
    itself. Entries come in sorted order, owned by uid and gid 0, with
    symbolic links stored as links. Sockets and device files are skipped.
    The archive is yielded in chunks of at least ``chunk_size`` bytes (the
    last may be shorter) and below ``chunk_size`` plus 64 KiB plus one tar
    header, so a large file is never held in memory whole.

    The folder, the Dockerfile path and ``.dockerignore`` are checked when
    this function is called. Files are read while the archive is iterated.
    """
    if chunk_size <= 0:
        raise ValueError(f"invalid chunk size {chunk_size}: expected a positive number")
    root = os.path.abspath(folder)
    if not os.path.isdir(root):
        raise NotADirectoryError(f"build context {root!r} is not a directory")
    ignore = _build_ignore(root, _context_relative(root, dockerfile))
    return _generate_archive(root, ignore, chunk_size)


def _generate_archive(
    root: str, ignore: DockerIgnore, chunk_size: int
) -> Iterator[bytes]:
    buffer = _ChunkBuffer(chunk_size)
    for path, name in _walk_context(root, "", ignore):
        yield from _write_entry(buffer, path, name)
    buffer.write(b"\0" * (2 * _BLOCK_SIZE))
    yield from buffer.drain(force=True)


def _context_relative(root: str, dockerfile: str) -> str:
    path = os.path.normpath(os.path.join(root, dockerfile))
    relative = os.path.relpath(path, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        raise ValueError(
            f"Dockerfile {dockerfile!r} is outside the build context {root!r}: "
            "move it into the context folder"
        )
    return relative.replace(os.sep, "/")


def _build_ignore(root: str, dockerfile: str) -> DockerIgnore:
    """Read .dockerignore and add exceptions for it and the Dockerfile."""
    try:
        with open(os.path.join(root, ".dockerignore"), encoding="utf-8") as file:
            patterns = _read_patterns(file.read())
    except FileNotFoundError:
        patterns = []
    if patterns:
        patterns += ["!" + _escape_literal(dockerfile), "!.dockerignore"]
    return DockerIgnore(patterns)


def _escape_literal(path: str) -> str:
    return re.sub(r"([*?\[\\])", r"\\\1", path)


def _walk_context(
    root: str, prefix: str, ignore: DockerIgnore
) -> Iterator[tuple[str, str]]:
    """Yield (filesystem path, archive name) for each included entry."""
    with os.scandir(os.path.join(root, prefix)) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        name = prefix + entry.name
        excluded = ignore.is_excluded(name)
        if entry.is_dir(follow_symlinks=False):
            if not excluded:
                yield entry.path, name
            if not excluded or ignore.may_include_below(name):
                yield from _walk_context(root, name + "/", ignore)
        elif not excluded:
            yield entry.path, name


def _write_entry(buffer: _ChunkBuffer, path: str, name: str) -> Iterator[bytes]:
    """Write one member's header and content, yielding full chunks."""
    info = _tar_info(path, name)
    if info is None:
        logger.debug("build context: skipping %s, which is a socket or device", path)
        return
    buffer.write(info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape"))
    yield from buffer.drain()
    if not info.isreg():
        return
    written = 0
    with open(path, "rb") as file:
        for chunk in iter_file_chunks(file, min(CHUNK_SIZE, max(info.size, 1))):
            chunk = chunk[: info.size - written]
            if not chunk:
                break
            buffer.write(chunk)
            written += len(chunk)
            yield from buffer.drain()
    if written != info.size:
        raise OSError(
            f"{path} shrank from {info.size} to {written} bytes while it was "
            "being archived"
        )
    buffer.write(b"\0" * (-info.size % _BLOCK_SIZE))


def _tar_info(path: str, name: str) -> tarfile.TarInfo | None:
    """Build a tar header from lstat, or return None for unsupported types."""
    status = os.lstat(path)
    info = tarfile.TarInfo(name)
    info.mode = stat.S_IMODE(status.st_mode)
    info.mtime = int(status.st_mtime)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if stat.S_ISREG(status.st_mode):
        info.size = status.st_size
    elif stat.S_ISDIR(status.st_mode):
        info.type = tarfile.DIRTYPE
        info.name = name + "/"
    elif stat.S_ISLNK(status.st_mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(path)
    elif stat.S_ISFIFO(status.st_mode):
        info.type = tarfile.FIFOTYPE
    else:
        return None
    return info
