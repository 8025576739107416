"""Import time and resident memory of each client, each in a fresh process."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import peers
from benchmarks.process import check, run
from benchmarks.stats import Collector, rotate

IMPORTS = {
    "docker_engine": "import docker_engine, docker_engine.v1_47",
    "docker-py": "import docker",
    "aiodocker": "import aiodocker",
}

TIME_TASK = "import time"
ADDED_TASK = "resident memory added by the import"
TOTAL_TASK = "resident memory after the import"

_SCRIPT = """
import json, time
def rss():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
before = rss()
started = time.perf_counter()
{statement}
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "before": before, "after": rss()}}))
"""


def _import_once(python: Path, statement: str) -> dict[str, float]:
    command = [str(python), "-c", _SCRIPT.format(statement=statement)]
    result = check(run(command, env=peers.client_env()), statement)
    values: dict[str, float] = json.loads(result.stdout)
    return values


def measure(python: Path, rounds: int) -> Collector:
    collector = Collector("imports")
    for statement in IMPORTS.values():
        _import_once(python, statement)  # writes the bytecode caches
    for round_index in range(rounds):
        for peer in rotate(list(IMPORTS), round_index):
            values = _import_once(python, IMPORTS[peer])
            collector.add(TIME_TASK, peer, values["seconds"] * 1000, "ms")
            added = (values["after"] - values["before"]) / 1024
            collector.add(ADDED_TASK, peer, added, "MiB")
            collector.add(TOTAL_TASK, peer, values["after"] / 1024, "MiB")
    return collector
