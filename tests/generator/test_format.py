"""Unit tests of generator.format: chunked black equals black on the file."""

from __future__ import annotations

from pathlib import Path

import black
import pytest
from generator_fixtures import SpecFolderFactory

from generator import format as fmt
from generator.pipeline import GENERATOR_VERSION
from generator.problems import GeneratorError
from generator.render import (
    CHUNK_MARK,
    MEMBER_MARK,
    RenderedFile,
    make_environment,
    render_version,
)


@pytest.fixture
def rendered(spec_folder: SpecFolderFactory) -> list[RenderedFile]:
    api = spec_folder().normalize("1.40")
    files = render_version(api, make_environment(), GENERATOR_VERSION)
    return [file for file in files if file.is_python]


def without_marks(text: str) -> str:
    lines = text.splitlines(keepends=True)
    marks = (CHUNK_MARK + "\n", MEMBER_MARK + "\n")
    return "".join(line for line in lines if line not in marks)


def test_fixture_has_chunks(rendered: list[RenderedFile]) -> None:
    models = next(file for file in rendered if file.path.endswith("/models.py"))
    assert models.text.count(CHUNK_MARK) > 5
    assert models.text.count(MEMBER_MARK) > 5


def test_chunks_equal_whole_file(rendered: list[RenderedFile], tmp_path: Path) -> None:
    formatted, _ = fmt.format_files(rendered, tmp_path / "cache", workers=1)
    for before, after in zip(rendered, formatted, strict=True):
        whole = black.format_str(without_marks(before.text), mode=fmt.MODE)
        assert after.text == whole, f"{after.path} differs from black's output"


def test_cache_reused(rendered: list[RenderedFile], tmp_path: Path) -> None:
    first, new_first = fmt.format_files(rendered, tmp_path / "cache", workers=1)
    second, new_second = fmt.format_files(rendered, tmp_path / "cache", workers=1)
    assert new_first > 0
    assert new_second == 0
    assert [f.text for f in second] == [f.text for f in first]


def test_pool_matches_serial(rendered: list[RenderedFile], tmp_path: Path) -> None:
    serial, _ = fmt.format_files(rendered, tmp_path / "serial", workers=1)
    pooled, _ = fmt.format_files(rendered, tmp_path / "pooled", workers=2)
    assert [f.text for f in pooled] == [f.text for f in serial]


def test_split_join_members() -> None:
    text = (
        f"import os\n{CHUNK_MARK}\nclass A:\n    x = 1\n"
        f"{MEMBER_MARK}\n    def f(self) -> None:\n        pass\n"
    )
    chunks = fmt.split_chunks(text)
    assert chunks[0] == "import os\n"
    assert chunks[2].startswith("class _Member:\n")
    joined = fmt.join_chunks([fmt.format_chunk(chunk) for chunk in chunks])
    assert joined == black.format_str(without_marks(text), mode=fmt.MODE)


def test_unformatted_files_untouched() -> None:
    file = RenderedFile("docker-engine/README.md", "# title\n")
    runtime = RenderedFile("x/_models.py", "x  =  1\n", needs_format=False)
    result = fmt.format_text([file, runtime])
    assert result == [file, runtime]


def test_invalid_block_rejected() -> None:
    with pytest.raises(GeneratorError) as caught:
        fmt.format_chunk("def broken(:\n    pass\n")
    message = str(caught.value)
    assert "bug in a template" in message
    assert "def broken(:" in message
