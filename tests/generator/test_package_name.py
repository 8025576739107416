"""Generation under another import package name (``--package-name``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from generator_fixtures import SpecFolderFactory, runtime_env

from generator import pipeline

VENV_BIN = Path(sys.executable).parent


@pytest.fixture
def renamed_out(spec_folder: SpecFolderFactory) -> Path:
    folder = spec_folder()
    options = folder.options(["1.40", "1.41"], package_name="acme_docker")
    pipeline.generate(options, progress=lambda line: None)
    return options.out_dir


def test_distribution_folders(renamed_out: Path) -> None:
    names = sorted(path.name for path in renamed_out.iterdir() if path.is_dir())
    assert names == ["acme-docker", "acme-docker-v1-40", "acme-docker-v1-41"]


def test_old_name_gone(renamed_out: Path) -> None:
    leftovers = [
        str(path.relative_to(renamed_out))
        for path in sorted(renamed_out.rglob("*.py"))
        if "docker_engine" in path.read_text()
    ]
    assert leftovers == []


def test_renamed_output_ruff_clean(renamed_out: Path) -> None:
    completed = subprocess.run(
        [
            str(VENV_BIN / "ruff"),
            "check",
            "--isolated",
            "--target-version",
            "py310",
            "--select",
            "E,F,W,I,B,UP",
            "--ignore",
            "E501",
            "--output-format",
            "concise",
            str(renamed_out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_renamed_package_imports(renamed_out: Path) -> None:
    env = runtime_env()
    env["PYTHONPATH"] = f"{renamed_out / 'acme-docker'}:" + str(
        renamed_out / "acme-docker-v1-40"
    )
    script = (
        "import acme_docker.v1_40 as v, acme_docker.v1_40.api.widget as w\n"
        "print(v.API_VERSION, w.WidgetApi.__module__)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["1.40", "acme_docker.v1_40.api.widget"]
