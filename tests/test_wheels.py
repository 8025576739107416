"""Wheels of the generated distributions: contents, reproducibility, install.

The install tests create fresh virtual environments and install the
wheels with ``pip --no-index``. The runtime's one dependency, h11, comes
from ``.cache/wheelhouse``, which the first run fills from PyPI. Without
that folder and without PyPI, the install tests are skipped.
"""

from __future__ import annotations

import ast
import base64
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import golden_refresh
import pytest
from conftest_engines import skip_unless_release, skip_unless_serves

from generator import load, pipeline, wheels
from generator.pipeline import GENERATOR_VERSION
from generator.problems import GeneratorError

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
WHEELHOUSE = ROOT / ".cache" / "wheelhouse"
V141 = f"docker_engine_v1_41-{GENERATOR_VERSION}-py3-none-any.whl"
RUNTIME = f"docker_engine-{GENERATOR_VERSION}-py3-none-any.whl"


def run(
    command: list[str], env: dict[str, str] | None = None, cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a command and fail the test with its output when it fails."""
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}{result.stderr}"
    return result


def build_into(out_dir: Path) -> list[Path]:
    try:
        return wheels.build_wheels(GENERATED, out_dir)
    except GeneratorError as error:
        pytest.skip(f"no generated tree: {error}")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("dist")
    build_into(out_dir)
    return out_dir


def version_folders() -> list[Path]:
    return sorted(GENERATED.glob("docker-engine-v1-*"))


def names_in(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def test_one_wheel_per_distribution(dist: Path) -> None:
    expected = {RUNTIME} | {
        f"{wheels.normalize_name(folder.name)}-{GENERATOR_VERSION}-py3-none-any.whl"
        for folder in version_folders()
    }
    assert {path.name for path in dist.glob("*.whl")} == expected


def test_build_twice_same_bytes(dist: Path, tmp_path: Path) -> None:
    build_into(tmp_path)
    for wheel in sorted(dist.glob("*.whl")):
        again = tmp_path / wheel.name
        assert wheel.read_bytes() == again.read_bytes(), wheel.name


def test_entries_sorted_and_normalised(dist: Path) -> None:
    with zipfile.ZipFile(dist / V141) as archive:
        infos = archive.infolist()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos} == {0o100644}


def test_source_date_epoch_sets_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_into(tmp_path)
    with zipfile.ZipFile(tmp_path / RUNTIME) as archive:
        dates = {info.date_time for info in archive.infolist()}
    assert dates == {(2023, 11, 14, 22, 13, 20)}


def test_invalid_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(GeneratorError, match="invalid SOURCE_DATE_EPOCH"):
        wheels.source_date()


def test_version_wheel_lacks_init(dist: Path) -> None:
    names = names_in(dist / V141)
    assert "docker_engine/__init__.py" not in names
    assert "docker_engine/v1_41/__init__.py" in names
    assert "docker_engine/v1_41/py.typed" in names
    assert "docker_engine/v1_41/api/containers.py" in names


def test_runtime_wheel_contents(dist: Path) -> None:
    names = names_in(dist / RUNTIME)
    assert "docker_engine/__init__.py" in names
    assert "docker_engine/py.typed" in names
    assert not [name for name in names if name.startswith("docker_engine/v1_")]


def test_record_hashes_match(dist: Path) -> None:
    with zipfile.ZipFile(dist / V141) as archive:
        info = f"docker_engine_v1_41-{GENERATOR_VERSION}.dist-info"
        rows = list(csv.reader(io.StringIO(archive.read(f"{info}/RECORD").decode())))
        recorded = {row[0] for row in rows}
        assert recorded == set(archive.namelist())
        for path, hash_text, size in rows:
            if path.endswith("/RECORD"):
                continue
            data = archive.read(path)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
            assert hash_text == "sha256=" + digest.rstrip(b"=").decode(), path
            assert int(size) == len(data), path


def metadata_of(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        headers, _, _ = archive.read(info).decode().partition("\n\n")
    return headers.splitlines()


def test_version_requires_runtime(dist: Path) -> None:
    headers = metadata_of(dist / V141)
    assert f"Requires-Dist: docker-engine=={GENERATOR_VERSION}" in headers


def test_runtime_all_extra(dist: Path) -> None:
    headers = metadata_of(dist / RUNTIME)
    assert "Provides-Extra: all" in headers
    for folder in version_folders():
        line = f'Requires-Dist: {folder.name}=={GENERATOR_VERSION}; extra == "all"'
        assert line in headers


def test_missing_tree_fails(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="make generate"):
        wheels.build_wheels(tmp_path / "generated", tmp_path / "dist")


def test_renamed_package_wheels(tmp_path: Path) -> None:
    """``generate --package-name`` output packs under the new names."""
    specs_dir, cache_dir = golden_refresh.write_specs_dir(
        tmp_path, golden_refresh.fixture_specs()
    )
    options = golden_refresh.fixture_options(
        tmp_path, golden_refresh.FIXTURE_VERSIONS, specs_dir, cache_dir
    )
    options.package_name = "acme_docker"
    pipeline.generate(options, progress=lambda line: None)
    built = wheels.build_wheels(options.out_dir, tmp_path / "dist")
    assert [path.name for path in built] == [
        f"acme_docker-{GENERATOR_VERSION}-py3-none-any.whl",
        f"acme_docker_v1_40-{GENERATOR_VERSION}-py3-none-any.whl",
        f"acme_docker_v1_41-{GENERATOR_VERSION}-py3-none-any.whl",
    ]
    names = names_in(built[1])
    assert "acme_docker/v1_40/__init__.py" in names
    assert "acme_docker/__init__.py" not in names
    assert f"Requires-Dist: acme-docker=={GENERATOR_VERSION}" in metadata_of(built[1])


def write_pyproject(folder: Path, name: str, packages: list[str]) -> None:
    folder.mkdir(parents=True)
    listed = ", ".join(f'"{package}"' for package in packages)
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "1.0"\n\n'
        f"[tool.setuptools]\npackages = [{listed}]\n"
    )
    for package in packages:
        package_dir = folder / package.replace(".", "/")
        package_dir.mkdir(parents=True, exist_ok=True)
        (package_dir / "__init__.py").write_text("")


def test_version_init_rejected(tmp_path: Path) -> None:
    write_pyproject(tmp_path / "docker-engine", "docker-engine", ["docker_engine"])
    write_pyproject(
        tmp_path / "docker-engine-v1-41",
        "docker-engine-v1-41",
        ["docker_engine", "docker_engine.v1_41"],
    )
    with pytest.raises(GeneratorError, match="docker_engine/__init__.py"):
        wheels.build_wheels(tmp_path, tmp_path / "dist")


def test_unknown_setting_rejected(tmp_path: Path) -> None:
    write_pyproject(tmp_path / "docker-engine", "docker-engine", ["docker_engine"])
    write_pyproject(tmp_path / "docker-engine-v1-41", "docker-engine-v1-41", [])
    pyproject = tmp_path / "docker-engine" / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'package-dir = {"" = "src"}\n')
    with pytest.raises(GeneratorError, match="does not implement package-dir"):
        wheels.build_wheels(tmp_path, tmp_path / "dist")


def build_with_setuptools(source: Path, tmp_path: Path) -> Path:
    """Build a wheel with ``python -m build``, as pip does, and return its path."""
    if not source.is_dir():
        pytest.skip("no generated tree: run 'make generate'")
    # Build from a copy: setuptools writes build/ and egg-info next to the
    # sources.
    copy = tmp_path / source.name
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    out_dir = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out_dir), str(copy)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 and "Could not find a version" in result.stderr:
        pytest.skip("PyPI is not reachable for setuptools")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deprecated" not in result.stderr.lower(), result.stderr
    return next(out_dir.glob("*.whl"))


@pytest.mark.slow
@pytest.mark.parametrize("wheel", [RUNTIME, V141])
def test_setuptools_builds_same(dist: Path, tmp_path: Path, wheel: str) -> None:
    """pip builds from the same pyproject.toml with setuptools."""
    folder = "docker-engine" if wheel == RUNTIME else "docker-engine-v1-41"
    built = build_with_setuptools(GENERATED / folder, tmp_path)
    ours = dist / wheel
    assert built.name == ours.name
    assert set(names_in(built)) == set(names_in(ours))
    assert sorted(metadata_of(built)) == sorted(metadata_of(ours))


# Fresh virtual environments.


def h11_wheelhouse() -> Path:
    if not list(WHEELHOUSE.glob("h11-*.whl")):
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "h11>=0.14"]
            + ["--only-binary=:all:", "--dest", str(WHEELHOUSE)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            pytest.skip(f"h11 is not in {WHEELHOUSE} and PyPI is not reachable")
    return WHEELHOUSE


def make_venv(folder: Path, dist: Path, *requirements: str) -> Path:
    """Create a virtual environment, install requirements offline, return python."""
    run([sys.executable, "-m", "venv", "--without-pip", str(folder)])
    python = folder / "bin" / "python"
    run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
        + ["--no-index", "--find-links", str(dist)]
        + ["--find-links", str(h11_wheelhouse()), *requirements]
    )
    return python


@pytest.fixture(scope="module")
def venv_v141(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("venv-v141")
    return make_venv(folder, dist, "docker-engine", "docker-engine-v1-41")


@pytest.fixture(scope="module")
def venv_all(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("venv-all")
    return make_venv(folder, dist, "docker-engine[all]")


def site_packages(python: Path) -> Path:
    text = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]
    )
    return Path(text.stdout.strip())


def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("PYTHONPATH", "DOCKER_HOST", "DOCKER_API_VERSION"):
        env.pop(name, None)
    return env


@pytest.mark.slow
def test_venv_has_one_version(venv_v141: Path) -> None:
    installed = run(
        [
            str(venv_v141),
            "-c",
            "import docker_engine; print(docker_engine.installed_versions())",
        ],
        env=clean_env(),
        cwd="/",
    )
    assert installed.stdout.strip() == "['1.41']"


@pytest.mark.slow
def test_all_extra_installs_every_version(venv_all: Path) -> None:
    installed = run(
        [
            str(venv_all),
            "-c",
            "import docker_engine; print(docker_engine.installed_versions())",
        ],
        env=clean_env(),
        cwd="/",
    )
    expected = [f"1.{folder.name.rsplit('-', 1)[1]}" for folder in version_folders()]
    assert installed.stdout.strip() == repr(expected)


@pytest.mark.slow
def test_installed_versions_typed(venv_all: Path) -> None:
    package = site_packages(venv_all) / "docker_engine"
    assert (package / "py.typed").is_file()
    for folder in version_folders():
        subpackage = "v1_" + folder.name.rsplit("-", 1)[1]
        assert (package / subpackage / "py.typed").is_file(), subpackage


USER_SCRIPT = """\
from docker_engine.v1_41 import Client, models


def names(client: Client) -> list[str]:
    return [name for c in client.containers.list(all=True) for name in c.names or []]


config = models.ContainerConfig(image="busybox", cmd=["true"])
image: str | None = config.image
"""


@pytest.mark.slow
def test_user_script_mypy_strict(venv_v141: Path, tmp_path: Path) -> None:
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental"]
        + ["--python-executable", str(venv_v141), str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean_env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr


CONNECT = """\
import sys
import docker_engine
try:
    client = docker_engine.Client(base_url=sys.argv[1], version=sys.argv[2] or None)
except docker_engine.MissingVersionPackageError as error:
    print("missing:", error)
else:
    print(client.api_version)
"""


def connect(python: Path, address: str, version: str = "") -> str:
    result = run(
        [str(python), "-c", CONNECT, address, version], env=clean_env(), cwd="/"
    )
    return result.stdout.strip()


@pytest.mark.slow
@pytest.mark.engine
def test_shim_negotiates_141(venv_v141: Path, engines: dict[str, str]) -> None:
    skip_unless_release("20.10")
    assert connect(venv_v141, engines["20.10"]) == "1.41"


@pytest.mark.slow
@pytest.mark.engine
def test_newer_daemon_names_147(venv_v141: Path, engines: dict[str, str]) -> None:
    """A 28.5 daemon (API 1.51) needs the newest generated package, 1.47."""
    skip_unless_release("28.5")
    output = connect(venv_v141, engines["28.5"])
    assert output.startswith("missing:")
    assert "pip install docker-engine-v1-47" in output
    assert "pass version='1.41'" in output


@pytest.mark.slow
@pytest.mark.engine
def test_newer_daemon_pinned_141(venv_v141: Path, engines: dict[str, str]) -> None:
    skip_unless_serves("28.5", "1.41")
    assert connect(venv_v141, engines["28.5"], "1.41") == "1.41"


@pytest.mark.slow
@pytest.mark.engine
def test_missing_147_names_package(venv_v141: Path, engines: dict[str, str]) -> None:
    output = connect(venv_v141, engines["28.5"], "1.47")
    assert output.startswith("missing:")
    assert "pip install docker-engine-v1-47" in output


# README.md and API.md of each version distribution.


def version_of(folder: Path) -> str:
    return "1." + folder.name.rsplit("-", 1)[1]


@pytest.fixture(scope="module")
def version_dirs() -> list[Path]:
    folders = version_folders()
    if not folders:
        pytest.skip("no generated tree: run 'make generate'")
    return folders


def test_readme_states_provenance(version_dirs: list[Path]) -> None:
    manifest = load.read_manifest()
    for folder in version_dirs:
        version = version_of(folder)
        source = load.source_file(version)
        readme = (folder / "README.md").read_text()
        assert f"API v{version}," in readme, folder.name
        assert f"`api/docs/{source}` of moby/moby" in readme, folder.name
        assert f"commit `{manifest.commit}`" in readme, folder.name
        assert f"sha256 `{manifest.files[source]}`" in readme, folder.name


def test_readme_shows_install_and_use(version_dirs: list[Path]) -> None:
    for folder in version_dirs:
        package = "v1_" + folder.name.rsplit("-", 1)[1]
        readme = (folder / "README.md").read_text()
        assert f"pip install {folder.name}\n" in readme, folder.name
        assert f"pip install --no-index --find-links dist {folder.name}\n" in readme
        assert f"from docker_engine.{package} import Client\n" in readme


def documented_methods(api_md: str) -> dict[tuple[str, str], list[str]]:
    """Parse API.md tables into (client attribute, method) to parameter names."""
    methods = {}
    attribute = ""
    for line in api_md.splitlines():
        heading = re.match(r"## `client\.(\w+)`$", line)
        if heading:
            attribute = heading.group(1)
        row = re.match(
            r"\| `(\w+)`(?: \(deprecated\))? \| `[A-Z]+ /\S*` \| (.*) \| `.+` \|$",
            line,
        )
        if row:
            methods[(attribute, row.group(1))] = re.findall(r"`(\w+): ", row.group(2))
    return methods


def defined_methods(folder: Path) -> dict[tuple[str, str], list[str]]:
    """Read each tag class's public methods and parameters from the sources.

    The client attribute of a tag class is its module name (``containers``).
    """
    methods = {}
    for module in sorted(folder.glob("docker_engine/v1_*/api/*.py")):
        tree = ast.parse(module.read_text())
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or not node.name.endswith("Api"):
                continue
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"):
                    arguments = item.args.posonlyargs + item.args.args
                    arguments += item.args.kwonlyargs
                    names = [arg.arg for arg in arguments if arg.arg != "self"]
                    methods[(module.stem, item.name)] = names
    return methods


def test_api_md_lists_every_method(version_dirs: list[Path]) -> None:
    for folder in version_dirs:
        documented = documented_methods((folder / "API.md").read_text())
        assert set(documented) == set(defined_methods(folder)), folder.name


def test_api_md_lists_every_parameter(version_dirs: list[Path]) -> None:
    for folder in version_dirs:
        documented = documented_methods((folder / "API.md").read_text())
        for key, parameters in defined_methods(folder).items():
            assert sorted(documented.get(key, [])) == sorted(parameters), key
