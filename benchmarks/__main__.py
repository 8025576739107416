"""``python -m benchmarks``: run every section and write docs/benchmarks.md.

Environment: ``BENCH_QUICK=1`` runs fewer rounds (about two minutes in
place of four to eight on a 2-core machine), ``BENCH_ENGINE`` names the engine from
engines.env (default 28.5), ``BENCH_OUTPUT`` sets the report path.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from benchmarks import generation, imports, peers, streams
from benchmarks.document import render
from benchmarks.process import check, run
from benchmarks.stats import Series
from tests.engines import load_engines, read_env_file

ROUNDS = {"generation": 3, "calls": 21, "streams": 3, "imports": 9}
QUICK_ROUNDS = {"generation": 1, "calls": 5, "streams": 1, "imports": 3}
# The older engine runs the per-call section only, with the v1.41 client.
OLD_ENGINE, OLD_API = "20.10", "1.41"


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _calls(
    python: Path, address: str, rounds: int, section: str, api_version: str
) -> list[Series]:
    command = [str(python), "-m", "benchmarks.calls", address, str(rounds), section]
    env = peers.client_env(api_version)
    result = check(run(command, env=env), f"benchmarks.calls on {address}")
    return [Series.from_json(value) for value in json.loads(result.stdout)]


def _engine_facts(engine: str) -> dict[str, str]:
    values = read_env_file()
    for key, name in values.items():
        if key.startswith("ENGINE_") and key.endswith("_NAME") and name == engine:
            prefix = key[: -len("_NAME")]
            return {
                "engine": f"docker.io {values.get(prefix + '_VERSION', '?')}",
                "engine API": values.get(prefix + "_API", "?"),
            }
    return {}


def main() -> int:
    quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
    rounds = QUICK_ROUNDS if quick else ROUNDS
    engine = os.environ.get("BENCH_ENGINE", "28.5")
    output = Path(os.environ.get("BENCH_OUTPUT") or peers.ROOT / "docs/benchmarks.md")
    if not (peers.GENERATED / "docker-engine-v1-47").is_dir():
        _log("generated/docker-engine-v1-47 is missing: run `make generate` first")
        return 1
    engines = load_engines()
    address = engines[engine]
    started = time.perf_counter()
    _log("installing the peers into .cache/bench-venv")
    python = peers.ensure_venv()
    java = peers.ensure_java()
    peers.snapshot_client(python)

    series: list[Series] = []
    notes: list[str] = []
    sections: list[tuple[str, Callable[[], Iterable[Series]]]] = [
        ("imports", lambda: imports.measure(python, rounds["imports"]).series.values()),
        ("calls", lambda: _calls(python, address, rounds["calls"], "calls", "1.47")),
        ("streams", lambda: _streams(python, address, rounds["streams"], quick, notes)),
        ("generation", lambda: _generation(rounds["generation"], java, notes)),
    ]
    if OLD_ENGINE in engines and engine != OLD_ENGINE:
        old_address = engines[OLD_ENGINE]
        sections.insert(
            2,
            (
                f"calls {OLD_ENGINE}",
                lambda: _calls(
                    python, old_address, rounds["calls"], f"calls {OLD_ENGINE}", OLD_API
                ),
            ),
        )
    failed: dict[str, str] = {}
    for name, measure in sections:
        _log(f"{name}: {rounds[name.split()[0]]} rounds")
        section_started = time.perf_counter()
        try:
            series.extend(measure())
        except Exception as error:
            # One failed section must not lose the others: the page lists it
            # as not measured, with the error.
            traceback.print_exc()
            first_line = (str(error).splitlines() or [""])[0]
            failed[name] = f"{type(error).__name__}: {first_line}"
        _log(f"{name}: done in {time.perf_counter() - section_started:.0f} s")

    context = {
        "machine": peers.machine(),
        "versions": {
            "this repository": peers.commit(),
            **peers.package_versions(python),
        },
        "java": peers.java_version(java),
        "engine": {"name": engine, **_engine_facts(engine)},
        "old engine": {"name": OLD_ENGINE, **_engine_facts(OLD_ENGINE)},
        "quick": quick,
        "rounds": rounds,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "seconds": time.perf_counter() - started,
    }
    output.write_text(render(series, notes, failed, context))
    _log(f"wrote {output} in {context['seconds']:.0f} s")
    return 1 if failed else 0


def _streams(
    python: Path, address: str, rounds: int, quick: bool, notes: list[str]
) -> list[Series]:
    collector, section_notes = streams.measure(python, address, rounds, quick=quick)
    notes.extend(section_notes)
    return list(collector.series.values())


def _generation(rounds: int, java: str | None, notes: list[str]) -> list[Series]:
    collector, skipped = generation.measure(rounds, java)
    notes.extend(skipped)
    return list(collector.series.values())


if __name__ == "__main__":
    sys.exit(main())
