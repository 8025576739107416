"""Unit tests of the archive helpers: path stat, .dockerignore and build contexts."""

from __future__ import annotations

import base64
import io
import json
import os
import socket
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from docker_engine._archive import (
    DockerIgnore,
    PathStat,
    decode_path_stat,
    iter_file_chunks,
    pack_build_context,
)


def encode_stat(value: dict[str, Any], padding: bool = True) -> str:
    text = base64.b64encode(json.dumps(value).encode()).decode()
    return text if padding else text.rstrip("=")


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)


def archive_names(root: Path, dockerfile: str = "Dockerfile") -> list[str]:
    data = b"".join(pack_build_context(root, dockerfile))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        return archive.getnames()


# decode_path_stat

FILE_STAT = {
    "name": "hosts",
    "size": 174,
    "mode": 0o644,
    "mtime": "2024-05-01T10:20:30.123456789Z",
    "linkTarget": "",
}


def test_path_stat_regular_file() -> None:
    stat = decode_path_stat(encode_stat(FILE_STAT))
    assert stat == PathStat(
        name="hosts",
        size=174,
        mode=0o644,
        mtime="2024-05-01T10:20:30.123456789Z",
        link_target="",
    )
    assert not stat.is_dir
    assert not stat.is_symlink
    assert stat.permissions == 0o644


def test_path_stat_missing_padding() -> None:
    for length in range(1, 4):
        value = dict(FILE_STAT, name="x" * length)
        text = encode_stat(value, padding=False)
        assert decode_path_stat(text).name == "x" * length


def test_path_stat_directory_mode() -> None:
    value = dict(FILE_STAT, name="etc", mode=(1 << 31) | 0o755, size=4096)
    stat = decode_path_stat(encode_stat(value))
    assert stat.is_dir
    assert stat.permissions == 0o755


def test_path_stat_symlink_target() -> None:
    value = dict(
        FILE_STAT, name="sh", mode=(1 << 27) | 0o777, linkTarget="/bin/busybox"
    )
    stat = decode_path_stat(encode_stat(value))
    assert stat.is_symlink
    assert stat.link_target == "/bin/busybox"


def test_path_stat_surrounding_whitespace() -> None:
    assert decode_path_stat(" " + encode_stat(FILE_STAT) + "\r\n").size == 174


@pytest.mark.parametrize(
    "header",
    [
        "not base64!",
        base64.b64encode(b"{not json").decode(),
        base64.b64encode(b"[1, 2]").decode(),
        "",
    ],
)
def test_path_stat_invalid_raises(header: str) -> None:
    with pytest.raises(ValueError, match="X-Docker-Container-Path-Stat"):
        decode_path_stat(header)


# iter_file_chunks


def test_file_chunks_sizes() -> None:
    chunks = list(iter_file_chunks(io.BytesIO(b"a" * 10), size=4))
    assert chunks == [b"aaaa", b"aaaa", b"aa"]


def test_file_chunks_empty_file() -> None:
    assert list(iter_file_chunks(io.BytesIO(b""))) == []


def test_file_chunks_invalid_size() -> None:
    with pytest.raises(ValueError, match="invalid chunk size"):
        list(iter_file_chunks(io.BytesIO(b"a"), size=0))


# DockerIgnore


def test_ignore_comments_and_blank_lines() -> None:
    ignore = DockerIgnore.parse("\ufeff# comment\n\n   \n*.log\n  # kept\n")
    assert ignore.patterns == ["*.log", "# kept"]


@pytest.mark.parametrize(
    ("line", "cleaned"),
    [
        ("/build", "build"),
        ("./a/../b/", "b"),
        ("a//b/./c", "a/b/c"),
        ("//twice", "twice"),
        ("  spaced  ", "spaced"),
        ("! /exception ", "!exception"),
    ],
)
def test_ignore_pattern_cleaning(line: str, cleaned: str) -> None:
    assert DockerIgnore([line]).patterns == [cleaned]


@pytest.mark.parametrize(
    ("patterns", "path", "excluded"),
    [
        (["*.log"], "debug.log", True),
        (["*.log"], "logs/debug.log", False),
        (["*/*.log"], "logs/debug.log", True),
        (["**/*.log"], "debug.log", True),
        (["**/*.log"], "a/b/c/debug.log", True),
        (["a/**/b"], "a/b", True),
        (["a/**/b"], "a/x/y/b", True),
        (["a/**/b"], "a/x/yb", False),
        (["a/**"], "a/x/y", True),
        (["**"], "anything/at/all", True),
        (["node_modules"], "node_modules/pkg/index.js", True),
        (["node_modules"], "src/node_modules", False),
        (["/secret"], "secret", True),
        (["fil?.txt"], "file.txt", True),
        (["fil?.txt"], "fil/.txt", False),
        (["[a-c]at"], "bat", True),
        (["[a-c]at"], "rat", False),
        (["[^a-c]at"], "rat", True),
        (["\\*.txt"], "*.txt", True),
        (["\\*.txt"], "a.txt", False),
        (["*.md", "!README.md"], "README.md", False),
        (["*.md", "!README.md"], "CHANGES.md", True),
        (["!README.md", "*.md"], "README.md", True),
        (["docs", "!docs/keep.txt"], "docs/keep.txt", False),
        (["docs", "!docs/keep.txt"], "docs/drop.txt", True),
        (["**/*.tmp", "!important/*.tmp"], "important/a.tmp", False),
        (["**/*.tmp", "!important/*.tmp"], "other/a.tmp", True),
        ([], "anything", False),
    ],
)
def test_ignore_matching(patterns: list[str], path: str, excluded: bool) -> None:
    assert DockerIgnore(patterns).is_excluded(path) is excluded


def test_ignore_may_include_below() -> None:
    ignore = DockerIgnore(["docs", "build", "!docs/api/keep.md", "!**/*.keep"])
    assert ignore.may_include_below("docs")
    assert ignore.may_include_below("docs/api")
    assert ignore.may_include_below("build")
    no_wildcards = DockerIgnore(["docs", "build", "!docs/api/keep.md", "!build"])
    assert no_wildcards.may_include_below("docs")
    assert not no_wildcards.may_include_below("build")
    assert not no_wildcards.may_include_below("docs/other")


@pytest.mark.parametrize("line", ["!", "[abc", "trailing\\"])
def test_ignore_invalid_pattern_raises(line: str) -> None:
    with pytest.raises(ValueError, match="invalid .dockerignore pattern"):
        DockerIgnore([line])


# pack_build_context


def test_context_without_dockerignore(tmp_path: Path) -> None:
    write_files(
        tmp_path, {"Dockerfile": "FROM scratch\n", "b/c.txt": "c", "a.txt": "a"}
    )
    assert archive_names(tmp_path) == ["Dockerfile", "a.txt", "b", "b/c.txt"]


def test_context_content_and_metadata(tmp_path: Path) -> None:
    write_files(tmp_path, {"Dockerfile": "FROM scratch\n", "bin/run.sh": "#!/bin/sh\n"})
    os.chmod(tmp_path / "bin/run.sh", 0o750)
    data = b"".join(pack_build_context(tmp_path))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        member = archive.getmember("bin/run.sh")
        extracted = archive.extractfile(member)
        assert extracted is not None
        assert extracted.read() == b"#!/bin/sh\n"
        assert member.mode == 0o750
        assert member.uid == 0
        assert member.gid == 0
        assert archive.getmember("bin").isdir()


def test_context_exclusions_and_exceptions(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".dockerignore": "# build context\n*.log\n**/*.pyc\n/docs\n!docs/keep.md\n",
            "Dockerfile": "FROM scratch\n",
            "app.log": "",
            "src/main.py": "",
            "src/main.pyc": "",
            "src/deep/er/x.pyc": "",
            "src/sub.log": "",
            "docs/keep.md": "",
            "docs/drop.md": "",
        },
    )
    assert archive_names(tmp_path) == [
        ".dockerignore",
        "Dockerfile",
        "docs/keep.md",
        "src",
        "src/deep",
        "src/deep/er",
        "src/main.py",
        "src/sub.log",
    ]


def test_context_keeps_ignored_dockerfile(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".dockerignore": "Dockerfile\n.dockerignore\nbuild\n*\n",
            "Dockerfile": "",
            "build/Dockerfile.dev": "FROM scratch\n",
            "build/other": "",
            "main.c": "",
        },
    )
    assert archive_names(tmp_path) == [".dockerignore", "Dockerfile"]
    assert archive_names(tmp_path, "build/Dockerfile.dev") == [
        ".dockerignore",
        "build/Dockerfile.dev",
    ]


def test_context_dockerfile_with_glob_characters(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {".dockerignore": "*\n", "Dockerfile[1]": "", "Dockerfile1": ""},
    )
    assert archive_names(tmp_path, "Dockerfile[1]") == [
        ".dockerignore",
        "Dockerfile[1]",
    ]


def test_context_dockerfile_outside_raises(tmp_path: Path) -> None:
    (tmp_path / "context").mkdir()
    with pytest.raises(ValueError, match="outside the build context"):
        pack_build_context(tmp_path / "context", "../Dockerfile")


def test_context_missing_folder_raises(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        pack_build_context(tmp_path / "missing")


def test_context_symlink_stored_as_link(tmp_path: Path) -> None:
    write_files(tmp_path, {"Dockerfile": "", "target/file": "x"})
    (tmp_path / "link").symlink_to("target")
    data = b"".join(pack_build_context(tmp_path))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        link = archive.getmember("link")
        assert link.issym()
        assert link.linkname == "target"
        assert "link/file" not in archive.getnames()


def test_context_skips_socket(tmp_path: Path) -> None:
    write_files(tmp_path, {"Dockerfile": ""})
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(tmp_path / "agent.sock"))
        assert archive_names(tmp_path) == ["Dockerfile"]
    finally:
        server.close()


def test_context_large_file_streamed_in_chunks(tmp_path: Path) -> None:
    content = os.urandom(1024 * 1024 + 17)
    write_files(tmp_path, {"Dockerfile": "FROM scratch\n"})
    (tmp_path / "blob.bin").write_bytes(content)
    chunks = list(pack_build_context(tmp_path, chunk_size=65536))
    assert len(chunks) > 10
    assert max(len(chunk) for chunk in chunks) < 2 * 65536 + 4096
    assert all(len(chunk) >= 65536 for chunk in chunks[:-1])
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
        extracted = archive.extractfile("blob.bin")
        assert extracted is not None
        assert extracted.read() == content


def test_context_is_deterministic(tmp_path: Path) -> None:
    write_files(tmp_path, {f"dir{i % 3}/file{i}": str(i) for i in range(30)})
    write_files(tmp_path, {"Dockerfile": ""})
    first = b"".join(pack_build_context(tmp_path))
    second = b"".join(pack_build_context(tmp_path))
    assert first == second
    names = archive_names(tmp_path)
    assert names == sorted(names, key=lambda name: name.split("/"))


def test_context_long_and_unicode_names(tmp_path: Path) -> None:
    long_name = "d" * 120 + "/" + "f" * 120 + ".txt"
    write_files(tmp_path, {"Dockerfile": "", long_name: "x", "caf\u00e9.txt": "y"})
    assert archive_names(tmp_path) == [
        "Dockerfile",
        "caf\u00e9.txt",
        "d" * 120,
        long_name,
    ]


def test_context_is_lazy(tmp_path: Path) -> None:
    write_files(tmp_path, {"Dockerfile": "", "late.txt": "x"})
    chunks = pack_build_context(tmp_path, chunk_size=1)
    first = next(chunks)
    assert first
    (tmp_path / "late.txt").unlink()
    with pytest.raises(FileNotFoundError):
        list(chunks)


def test_context_absolute_dockerfile_inside(tmp_path: Path) -> None:
    write_files(tmp_path, {".dockerignore": "*\n", "ci/Dockerfile": "", "x": ""})
    dockerfile = str(tmp_path / "ci" / "Dockerfile")
    assert archive_names(tmp_path, dockerfile) == [".dockerignore", "ci/Dockerfile"]


def test_context_fifo_stored_without_content(tmp_path: Path) -> None:
    write_files(tmp_path, {"Dockerfile": ""})
    os.mkfifo(tmp_path / "pipe")
    data = b"".join(pack_build_context(tmp_path))
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        assert archive.getmember("pipe").isfifo()


def test_context_directory_exclusion_prunes_walk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(
        tmp_path,
        {
            ".dockerignore": "node_modules\n",
            "Dockerfile": "",
            "node_modules/a/index.js": "",
        },
    )
    scanned: list[str] = []
    real_scandir = os.scandir

    def recording_scandir(path: str) -> Any:
        scanned.append(os.path.relpath(path, tmp_path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", recording_scandir)
    assert archive_names(tmp_path) == [".dockerignore", "Dockerfile"]
    assert scanned == ["."]


# Public names


def test_package_exports_archive_helpers() -> None:
    import docker_engine

    assert docker_engine.pack_build_context is pack_build_context
    assert docker_engine.decode_path_stat is decode_path_stat
    assert docker_engine.PathStat is PathStat
    for name in ("PathStat", "decode_path_stat", "pack_build_context"):
        assert name in docker_engine.__all__
        assert name in dir(docker_engine)


def test_package_import_defers_archive_module() -> None:
    runtime = Path(__file__).resolve().parents[2] / "runtime"
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(runtime)!r})\n"
        "import docker_engine\n"
        "assert 'docker_engine._archive' not in sys.modules, 'loaded early'\n"
        "from docker_engine import pack_build_context\n"
        "assert 'docker_engine._archive' in sys.modules, 'not loaded'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_package_unknown_attribute_raises() -> None:
    import docker_engine

    with pytest.raises(AttributeError, match="has no attribute 'pack_context'"):
        getattr(docker_engine, "pack_context")  # noqa: B009
