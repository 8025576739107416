"""Unit tests of generator.write: staging, atomic swap, stamp and re-runs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from generator_fixtures import snapshot

from generator import write
from generator.problems import GeneratorError
from generator.render import RenderedFile

FIRST = [
    RenderedFile("dist-a/pyproject.toml", "name = 'a'\n"),
    RenderedFile("dist-a/pkg/a.py", "A = 1\n"),
    RenderedFile("dist-b/pkg/b.py", "B = 1\n"),
    RenderedFile("dist-c/pkg/c.py", "C = 1\n"),
]
SECOND = [
    RenderedFile(file.path, file.text.replace("1", "2"), needs_format=False)
    for file in FIRST
]


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    write.write_output(out, FIRST, "fingerprint-1")
    return out


def test_files_written(out_dir: Path) -> None:
    assert (out_dir / "dist-a" / "pkg" / "a.py").read_text() == "A = 1\n"
    assert (out_dir / "dist-c" / "pkg" / "c.py").read_text() == "C = 1\n"


def test_stamp_contents(out_dir: Path) -> None:
    stamp = json.loads((out_dir / write.STAMP).read_text())
    assert stamp["fingerprint"] == "fingerprint-1"
    assert sorted(stamp["distributions"]) == ["dist-a", "dist-b", "dist-c"]
    dist_a = [f for f in FIRST if f.path.startswith("dist-a/")]
    assert stamp["distributions"]["dist-a"] == write.content_hash(dist_a)


def test_rerun_changes_no_byte(out_dir: Path) -> None:
    before = snapshot(out_dir)
    result = write.write_output(out_dir, FIRST, "fingerprint-1")
    assert result.written == []
    assert result.unchanged == ["dist-a", "dist-b", "dist-c"]
    assert snapshot(out_dir) == before


def test_only_changed_rewritten(out_dir: Path) -> None:
    before = snapshot(out_dir)
    files = [SECOND[2] if f.path.startswith("dist-b/") else f for f in FIRST]
    result = write.write_output(out_dir, files, "fingerprint-2")
    after = snapshot(out_dir)
    assert result.written == ["dist-b"]
    assert after["dist-a/pkg/a.py"] == before["dist-a/pkg/a.py"]
    assert after["dist-b/pkg/b.py"][0] == b"B = 2\n"


def test_no_leftover_folders(out_dir: Path) -> None:
    write.write_output(out_dir, SECOND, "fingerprint-2")
    names = sorted(path.name for path in out_dir.iterdir())
    assert names == [write.STAMP, "dist-a", "dist-b", "dist-c"]


def test_removed_file_disappears(out_dir: Path) -> None:
    files = [f for f in FIRST if f.path != "dist-a/pyproject.toml"]
    write.write_output(out_dir, files, "fingerprint-2")
    assert not (out_dir / "dist-a" / "pyproject.toml").exists()


def test_staging_failure_keeps_output(
    out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(out_dir)
    original = Path.write_text
    calls = 0

    def fail_third(self: Path, data: str, *args: object, **kwargs: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device")
        return original(self, data)

    monkeypatch.setattr(Path, "write_text", fail_third)
    with pytest.raises(GeneratorError) as caught:
        write.write_output(out_dir, SECOND, "fingerprint-2")
    monkeypatch.undo()
    assert "No space left on device" in str(caught.value)
    assert "previous output was left as it was" in str(caught.value)
    assert snapshot(out_dir) == before


def test_swap_failure_rolls_back(
    out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(out_dir)
    original = os.rename
    calls = 0

    def fail_fourth(source: str | Path, target: str | Path) -> None:
        # Calls 1 and 2 swap dist-a, call 3 retires dist-b, call 4 fails.
        nonlocal calls
        calls += 1
        if calls == 4:
            raise OSError(5, "Input/output error")
        original(source, target)

    monkeypatch.setattr(os, "rename", fail_fourth)
    with pytest.raises(GeneratorError) as caught:
        write.write_output(out_dir, SECOND, "fingerprint-2")
    monkeypatch.undo()
    assert "Input/output error" in str(caught.value)
    assert snapshot(out_dir) == before


def test_stamp_failure_keeps_output(
    out_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(write, "_write_stamp", fail)
    with pytest.raises(GeneratorError):
        write.write_output(out_dir, SECOND, "fingerprint-2")
    monkeypatch.undo()
    stamp = json.loads((out_dir / write.STAMP).read_text())
    assert stamp["fingerprint"] == "fingerprint-1"
    result = write.write_output(out_dir, SECOND, "fingerprint-2")
    assert result.written == ["dist-a", "dist-b", "dist-c"]


def test_unwritable_parent_rejected(tmp_path: Path) -> None:
    regular_file = tmp_path / "file.txt"
    regular_file.write_text("not a folder\n")
    out = regular_file / "sub"
    with pytest.raises(GeneratorError) as caught:
        write.check_writable(out)
    message = str(caught.value)
    assert str(out) in message
    assert "is not a writable folder" in message
    assert "Choose another --out" in message


def test_stamp_unreadable_is_empty(tmp_path: Path) -> None:
    (tmp_path / write.STAMP).write_text("{not json")
    assert write.read_stamp(tmp_path) == {}
