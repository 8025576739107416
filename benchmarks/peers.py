"""The benchmark venv with the peer packages, Java, and the machine's facts."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".cache" / "bench-venv"
GENERATED = ROOT / "generated"

# Peers compared with the generated client, plus h11, the runtime's only
# dependency, so that the client runs in the same venv as its peers.
PACKAGES = ["docker", "aiodocker", "openapi-generator-cli", "h11"]
REPORTED = ["docker", "requests", "urllib3", "aiodocker", "aiohttp"]
REPORTED += ["openapi-generator-cli", "h11", "black"]


def venv_python() -> Path:
    return VENV / "bin" / "python"


def ensure_venv() -> Path:
    """Create the benchmark venv and install the peers once; return its python."""
    marker = VENV / ".installed"
    wanted = " ".join(PACKAGES)
    if marker.is_file() and marker.read_text() == wanted:
        return venv_python()
    if not venv_python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(venv_python()), "-m", "pip", "install", "--quiet"]
    subprocess.run(pip + ["--upgrade", "pip"], check=True)
    subprocess.run(pip + PACKAGES, check=True)
    marker.write_text(wanted)
    return venv_python()


def ensure_java() -> str | None:
    """Return the path of ``java``, installing Java 17 with apt-get if missing.

    Returns None when the install failed, so the openapi-generator
    measurements are skipped and the report states why.
    """
    found = shutil.which("java")
    if found:
        return found
    if os.geteuid() != 0:
        return None
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (
        ["apt-get", "update", "-q"],
        ["apt-get", "install", "-y", "-q", "openjdk-17-jre-headless"],
    ):
        if subprocess.run(command, env=env, check=False).returncode != 0:
            return None
    return shutil.which("java")


CLIENT_SNAPSHOT = ROOT / ".cache" / "bench-client"
# The runtime, the client under test and the client for the 20.10 engine.
CLIENT_DISTRIBUTIONS = ["docker-engine", "docker-engine-v1-47", "docker-engine-v1-41"]


def snapshot_client(python: Path) -> None:
    """Copy the runtime and two generated clients aside and write their bytecode.

    Workers import the copy, so a `make generate` that rewrites generated/
    during the run cannot change the code under test or make the workers
    compile modules again.
    """
    shutil.rmtree(CLIENT_SNAPSHOT, ignore_errors=True)
    for name in CLIENT_DISTRIBUTIONS:
        shutil.copytree(
            GENERATED / name,
            CLIENT_SNAPSHOT / name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    subprocess.run(
        [str(python), "-m", "compileall", "-q", str(CLIENT_SNAPSHOT)], check=True
    )


def client_env(api_version: str = "1.47") -> dict[str, str]:
    """Return the environment of the benchmark venv's worker processes.

    Only the client package of ``api_version`` is on the path. Bytecode
    writing is allowed again, so that every peer imports from bytecode
    caches after its first run.
    """
    version_package = f"docker-engine-v1-{api_version.split('.')[1]}"
    paths = [ROOT] + [
        CLIENT_SNAPSHOT / name for name in ("docker-engine", version_package)
    ]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(str(path) for path in paths))
    env["BENCH_API_VERSION"] = api_version
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def package_versions(python: Path) -> dict[str, str]:
    """Return the installed version of each reported package in ``python``'s env."""
    script = (
        "import importlib.metadata as m, sys\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        print(name, m.version(name))\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
    )
    output = subprocess.run(
        [str(python), "-c", script, *REPORTED],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(line.split(" ", 1) for line in output.splitlines() if " " in line)


def commit() -> str:
    """Return the work tree's commit, marked when it has uncommitted changes."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return f"{head or 'unknown'}{' with uncommitted changes' if dirty else ''}"


def java_version(java: str | None) -> str:
    if java is None:
        return "not installed"
    result = subprocess.run([java, "-version"], capture_output=True, text=True)
    lines = result.stderr.strip().splitlines()
    return lines[0] if lines else "unknown"


def machine() -> dict[str, str]:
    """Return CPU model, core count, memory, kernel and Python version."""
    model = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with open("/proc/meminfo") as meminfo:
        for line in meminfo:
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "CPU": model,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "kernel": platform.release(),
        "OS": platform.platform(terse=True),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
    }
