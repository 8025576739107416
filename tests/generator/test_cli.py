"""Bad inputs through the command line: message, exit code, untouched output.

Most cases call ``generator.cli.main`` in-process with the fixture specs
(the CLI has no option for another specs folder, so ``cli.Options`` is
patched to point there). The usage and output-folder cases run
``python -m generator`` in a subprocess, as a user would.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from generator_fixtures import (
    ROOT,
    SpecFolder,
    SpecFolderFactory,
    fixture_document,
    snapshot,
)

from generator import cli, pipeline


class CliRun:
    """One in-process CLI run: exit code and stderr."""

    def __init__(self, code: int, stderr: str) -> None:
        self.code = code
        self.stderr = stderr


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    def run(folder: SpecFolder, *argv: str) -> CliRun:
        options = functools.partial(
            pipeline.Options,
            specs_dir=folder.specs_dir,
            format_cache=folder.root / "format-cache",
            validation_cache=folder.root / "validated",
        )
        monkeypatch.setattr(cli, "Options", options)
        capsys.readouterr()
        code = cli.main([*argv, "--cache", str(folder.cache_dir)])
        return CliRun(code, capsys.readouterr().err)

    return run


@pytest.fixture
def out(spec_folder: SpecFolderFactory, run_cli: Any, tmp_path: Path) -> Path:
    """An output folder that contains a good run of the fixture specs."""
    target = tmp_path / "out"
    result = run_cli(spec_folder(), *generate_args(target))
    assert result.code == 0, result.stderr
    return target


def generate_args(out_dir: Path, versions: str = "1.40-1.41") -> list[str]:
    return ["generate", "--versions", versions, "--out", str(out_dir), "--workers", "1"]


def edited_folder(
    spec_folder: SpecFolderFactory, document: dict[str, Any]
) -> SpecFolder:
    return spec_folder(
        specs={"v1.40.yaml": document, "v1.41.yaml": fixture_document("v1.41.yaml")}
    )


def test_generate_succeeds(out: Path) -> None:
    assert (out / "docker-engine-v1-40" / "pyproject.toml").is_file()
    assert (out / "docker-engine-v1-41" / "pyproject.toml").is_file()


def test_rerun_up_to_date(
    spec_folder: SpecFolderFactory, run_cli: Any, tmp_path: Path
) -> None:
    folder = spec_folder()
    target = tmp_path / "rerun"
    assert run_cli(folder, *generate_args(target)).code == 0
    before = snapshot(target)
    second = run_cli(folder, *generate_args(target))
    assert second.code == 0
    assert "up to date" in second.stderr
    assert snapshot(target) == before


def test_yaml_syntax_error(
    spec_folder: SpecFolderFactory, run_cli: Any, out: Path
) -> None:
    before = snapshot(out)
    broken = b"swagger: '2.0'\ninfo: {title: Fixture\npaths: {}\n"
    folder = spec_folder(
        specs={"v1.40.yaml": broken, "v1.41.yaml": fixture_document("v1.41.yaml")}
    )
    result = run_cli(folder, *generate_args(out))
    assert result.code == 1
    assert "v1.40: invalid YAML in v1.40.yaml at line 3, column 6" in result.stderr
    assert "Fix the file or restore the pinned copy" in result.stderr
    assert snapshot(out) == before


def test_missing_definition(
    spec_folder: SpecFolderFactory, run_cli: Any, out: Path
) -> None:
    before = snapshot(out)
    document = fixture_document()
    document["definitions"]["Widget"]["properties"]["Owner"][
        "$ref"
    ] = "#/definitions/Nobody"
    result = run_cli(edited_folder(spec_folder, document), *generate_args(out))
    assert result.code == 1
    assert "error: v1.40 /definitions/Widget/properties/Owner" in result.stderr
    assert "'#/definitions/Nobody'" in result.stderr
    assert "specs/corrections/" in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(out) == before


def test_invalid_swagger(
    spec_folder: SpecFolderFactory, run_cli: Any, out: Path
) -> None:
    before = snapshot(out)
    document = fixture_document()
    del document["paths"]["/events"]["get"]["responses"]["200"]["description"]
    result = run_cli(edited_folder(spec_folder, document), *generate_args(out))
    assert result.code == 1
    assert "error: v1.40 /paths/~1events/get/responses/200" in result.stderr
    assert "invalid Swagger 2.0" in result.stderr
    assert "Add a correction in specs/corrections/" in result.stderr
    assert snapshot(out) == before


def test_validate_command_reports(spec_folder: SpecFolderFactory, run_cli: Any) -> None:
    document = fixture_document()
    del document["paths"]["/events"]["get"]["responses"]["200"]["description"]
    folder = edited_folder(spec_folder, document)
    result = run_cli(folder, "validate", "--versions", "1.40-1.41")
    assert result.code == 1
    assert "v1.40: 1 errors" in result.stderr
    assert "v1.41: valid" in result.stderr


def test_validate_command_passes(spec_folder: SpecFolderFactory, run_cli: Any) -> None:
    result = run_cli(spec_folder(), "validate", "--versions", "1.40-1.41")
    assert result.code == 0, result.stderr


def test_warning_allowed_without_strict(
    spec_folder: SpecFolderFactory, run_cli: Any, tmp_path: Path
) -> None:
    document = fixture_document()
    del document["paths"]["/events"]["get"]["operationId"]
    target = tmp_path / "lenient"
    result = run_cli(edited_folder(spec_folder, document), *generate_args(target))
    assert result.code == 0
    assert "warning: v1.40 /paths/~1events/get" in result.stderr
    assert "1 warnings" in result.stderr


def test_strict_turns_warning_fatal(
    spec_folder: SpecFolderFactory, run_cli: Any, out: Path
) -> None:
    before = snapshot(out)
    document = fixture_document()
    del document["paths"]["/events"]["get"]["operationId"]
    folder = edited_folder(spec_folder, document)
    result = run_cli(folder, *generate_args(out), "--strict")
    assert result.code == 1
    assert "warning: v1.40 /paths/~1events/get" in result.stderr
    assert "operation has no operationId" in result.stderr
    assert "nothing was written" in result.stderr
    assert snapshot(out) == before


def test_sha256_mismatch_from_mirror(
    spec_folder: SpecFolderFactory,
    run_cli: Any,
    out: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = snapshot(out)
    folder = spec_folder()
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in ("v1.40.yaml", "v1.41.yaml"):
        data = (folder.cache_dir / name).read_bytes()
        (mirror / name).write_bytes(data)
        (folder.cache_dir / name).unlink()
    (mirror / "v1.41.yaml").write_bytes(
        b"# edited\n" + (mirror / "v1.41.yaml").read_bytes()
    )
    monkeypatch.setenv("SPECS_MIRROR", str(mirror))
    result = run_cli(folder, *generate_args(out))
    assert result.code == 1
    assert (
        f"sha256 mismatch for v1.41.yaml from {mirror / 'v1.41.yaml'}" in result.stderr
    )
    assert "point SPECS_MIRROR at a folder with exact copies" in result.stderr
    assert snapshot(out) == before


def run_module(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_unknown_version_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "out"
    result = run_module("generate", "--versions", "1.20-1.47", "--out", str(target))
    assert result.returncode == 2
    assert result.stderr.startswith("usage: python -m generator")
    assert "unknown API version 1.20 in --versions '1.20-1.47'" in result.stderr
    assert "covers 1.24 to 1.47" in result.stderr
    assert not target.exists()


def test_malformed_version_usage_error(tmp_path: Path) -> None:
    result = run_module("validate", "--versions", "latest")
    assert result.returncode == 2
    assert "invalid API version 'latest': expected 1.NN" in result.stderr


def test_bad_package_name_usage_error(
    spec_folder: SpecFolderFactory, run_cli: Any, tmp_path: Path
) -> None:
    target = tmp_path / "out"
    args = [*generate_args(target), "--package-name", "acme-docker"]
    result = run_cli(spec_folder(), *args)
    assert result.code == 2
    assert "invalid --package-name 'acme-docker'" in result.stderr
    assert not target.exists()


def test_output_under_regular_file(tmp_path: Path) -> None:
    # Runs as root in CI, where permissions do not stop writes, so the
    # folder is made impossible instead: its parent is a regular file.
    regular_file = tmp_path / "file.txt"
    regular_file.write_text("a file, not a folder\n")
    target = regular_file / "sub"
    result = run_module("generate", "--versions", "1.47", "--out", str(target))
    assert result.returncode == 1
    assert f"cannot write to the output folder {target}" in result.stderr
    assert "Choose another --out" in result.stderr
    assert regular_file.read_text() == "a file, not a folder\n"


def test_deleted_distribution_restored(
    spec_folder: SpecFolderFactory, run_cli: Any, tmp_path: Path
) -> None:
    folder = spec_folder()
    target = tmp_path / "restore"
    assert run_cli(folder, *generate_args(target)).code == 0
    kept = snapshot(target / "docker-engine-v1-40")
    shutil.rmtree(target / "docker-engine-v1-41")
    result = run_cli(folder, *generate_args(target))
    assert result.code == 0
    assert "1 written" in result.stderr
    assert (target / "docker-engine-v1-41" / "pyproject.toml").is_file()
    assert snapshot(target / "docker-engine-v1-40") == kept


def test_edited_file_restored(
    spec_folder: SpecFolderFactory, run_cli: Any, tmp_path: Path
) -> None:
    folder = spec_folder()
    target = tmp_path / "edited"
    assert run_cli(folder, *generate_args(target)).code == 0
    before = snapshot(target)
    client = target / "docker-engine-v1-40" / "docker_engine" / "v1_40" / "client.py"
    client.write_text(client.read_text() + "# edited by hand\n")
    result = run_cli(folder, *generate_args(target))
    assert result.code == 0
    assert "1 written" in result.stderr
    after = snapshot(target)
    # The distribution is swapped in whole, so only the bytes are compared.
    assert {path: data for path, (data, _) in after.items()} == {
        path: data for path, (data, _) in before.items()
    }


@pytest.mark.parametrize("name", ["import", "_private", "Acme", "\u00fcn\u00ef"])
def test_unusable_package_name_rejected(
    spec_folder: SpecFolderFactory, run_cli: Any, tmp_path: Path, name: str
) -> None:
    target = tmp_path / "out"
    result = run_cli(spec_folder(), *generate_args(target), "--package-name", name)
    assert result.code == 2
    assert f"invalid --package-name {name!r}" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("versions", ["1.41-", "-1.41", "1.041", "1.40,,1.41"])
def test_incomplete_versions_rejected(tmp_path: Path, versions: str) -> None:
    result = run_module("validate", "--versions", versions)
    assert result.returncode == 2
    assert "--versions" in result.stderr or "invalid API version" in result.stderr


def test_empty_out_rejected(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "generator", "generate", "--out", ""],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "argument --out: empty path" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_zero_workers_rejected(tmp_path: Path) -> None:
    result = run_module("generate", "--workers", "0", "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    assert "invalid --workers 0" in result.stderr
