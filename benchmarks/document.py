"""The text of docs/benchmarks.md: method, machine, targets and tables."""

from __future__ import annotations

import math
from typing import Any

from benchmarks import generation, imports
from benchmarks.report import (
    Target,
    find,
    key_value_table,
    median_of,
    spread,
    target_table,
    task_table,
)
from benchmarks.stats import Series

OURS = "docker_engine"
LOGS_PLAIN = "50 MiB of logs, multiplexed (no TTY)"
LOGS_TTY = "50 MiB of logs, raw (TTY)"
EVENTS = "replay of 200 events (since/until)"
PING = "ping"
LIST = "list of 100 containers"
INSPECT = "inspect, each of 100 containers"
DECODE = "decode one inspect body, read 3 fields"
# Streaming counts as flat when resident memory grows by less than this
# while 50 MiB pass through the client.
FLAT_MIB = 5.0

INTRO = """\
# Benchmarks

`make bench` (which runs `python -m benchmarks`) measures the generator and
the generated client beside their peers and rewrites this page. It
installs docker-py, aiodocker and openapi-generator-cli from PyPI into
`.cache/bench-venv`, and Java 17 with apt-get when `java` is missing. A full
run takes under ten minutes on the machine below, and `BENCH_QUICK=1 make
bench` runs fewer rounds.

Method: each round runs every peer once per task, in an order rotated every
round, so that the peers share the machine's noise. A figure is the median
of the rounds. Ratios divide medians of the same run. Clients talk to a
real engine over its unix socket. The client under test is
`docker_engine.v1_47`, and every peer pins API 1.47 too. Other work
(test runs on the same engines and CPU) shared the machine while it ran, so
the min–max columns show how far single rounds strayed from the median.
"""


def _ratio(series: list[Series], task: str, peer: str, reference: str) -> float:
    value, base = median_of(series, task, peer), median_of(series, task, reference)
    return value / base if base else float("nan")


def _check(value: float, bound: float, *, at_most: bool) -> bool | None:
    if math.isnan(value):
        return None
    return value <= bound if at_most else value >= bound


def targets(series: list[Series]) -> list[Target]:
    """Evaluate every stated target from the medians."""
    result: list[Target] = []
    cold = median_of(series, generation.COLD_ALL, generation.OURS)
    openapi = median_of(series, generation.OPENAPI_47, generation.OPENAPI)
    result.append(
        Target(
            "cold generation of all 24 versions faster than openapi-generator "
            "on v1.47 alone",
            f"{cold:.1f} s against {openapi:.1f} s",
            _check(cold / openapi if openapi else math.nan, 1.0, at_most=True),
        )
    )
    no_op = median_of(series, generation.NO_OP, generation.OURS)
    result.append(
        Target(
            "no-op re-run under 1 s",
            f"{no_op:.2f} s",
            _check(no_op, 1.0, at_most=True),
        )
    )
    for task, name in ((PING, "ping"), (INSPECT, "inspect of 100 containers")):
        ratio = _ratio(series, task, OURS, "http.client")
        result.append(
            Target(
                f"{name} at most 1.1x raw http.client",
                f"{ratio:.2f}x",
                _check(ratio, 1.1, at_most=True),
            )
        )
    for task in (LOGS_PLAIN, LOGS_TTY):
        ratio = _ratio(series, task, OURS, "http.client")
        result.append(
            Target(
                f"{task}: throughput at least 0.95x raw http.client",
                f"{ratio:.2f}x",
                _check(ratio, 0.95, at_most=False),
            )
        )
        entry = find(series, task, OURS)
        growth = float(entry.notes.get("growth MiB", math.nan)) if entry else math.nan
        result.append(
            Target(
                f"{task}: memory flat (grows less than {FLAT_MIB:.0f} MiB)",
                f"grew {growth:.1f} MiB",
                _check(growth, FLAT_MIB, at_most=True),
            )
        )
    for task, name in (
        (imports.TIME_TASK, "import time"),
        (imports.ADDED_TASK, "memory added by the import"),
    ):
        ratio = _ratio(series, task, OURS, "docker-py")
        result.append(
            Target(
                f"{name} at most a third of docker-py's",
                f"{ratio:.2f}x",
                _check(ratio, 1 / 3, at_most=True),
            )
        )
    return result


def _generation(series: list[Series]) -> list[str]:
    lines = [
        "## Generation",
        "",
        "The generator's CLI runs in a child process. A cold run writes to an "
        "empty folder with empty formatting and validation caches "
        "(`GENERATOR_CACHE_DIR` points at an empty folder). The no-op re-run "
        "repeats the cold run's command on its output. openapi-generator "
        "builds its `python` client from the published spec file, without "
        "this project's corrections. It validates the spec first, as the "
        "generator does, and accepts v1.41 and v1.47 with warnings only. "
        "Peak memory is the largest resident set of any "
        "one process of the run (`ru_maxrss` from `wait4`), not a sum over "
        "the generator's worker processes.",
        "",
        "| task | tool | median (s) | min–max | runs "
        "| ratio to openapi-generator v1.47 | peak memory (MiB) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    reference = median_of(series, generation.OPENAPI_47, generation.OPENAPI)
    for entry in series:
        if entry.section != "generation":
            continue
        ratio = entry.median / reference if reference else math.nan
        peak = float(entry.notes.get("peak MiB", math.nan))
        lines.append(
            f"| {entry.task} | {entry.peer} | {entry.median:.2f} | "
            f"{spread(entry)} | {len(entry.samples)} | {ratio:.2f}x | {peak:.0f} |"
        )
    lines.append("")
    return lines


def _old_engine_calls(series: list[Series], engine: dict[str, str]) -> list[str]:
    if not series:
        return []
    lines = [
        f"### Engine {engine['name']}",
        "",
        f"The same calls on the {engine['name']} engine "
        f"({engine.get('engine', '?')}, API {engine.get('engine API', '?')}), "
        "with the v1.41 client, and every peer pinned to API 1.41.",
        "",
    ]
    for task in (PING, LIST, INSPECT):
        lines += task_table(series, task, ["http.client", "bare socket"], [])
    return lines


def _calls(series: list[Series]) -> list[str]:
    lines = [
        "## Per-call latency",
        "",
        "Time per call, one kept-alive connection per client. The engine "
        "holds 100 created, never started containers with a label; the list "
        "filters on that label and returns all 100. `bare socket` sends "
        "request bytes prepared in advance and reads the response without "
        "parsing it, which is the floor. `http.client` parses the response "
        "and decodes the JSON (no decoding for ping). docker_engine returns "
        "typed models, docker-py returns dicts, and aiodocker returns "
        "container objects. aiodocker has no public ping, so its figure "
        "uses its internal request helper.",
        "",
    ]
    for task in (PING, LIST, INSPECT):
        lines += task_table(series, task, ["http.client", "bare socket"], [])
    lines += [
        "### Typed decoding",
        "",
        "The same 100 inspect bodies, already read: `json.loads` and three "
        "dict lookups, against `json.loads`, `ContainerInspectResponse."
        "from_dict` and the same three fields read as typed properties.",
        "",
    ]
    lines += task_table(series, DECODE, ["json.loads + dict access"], [])
    return lines


def _streams(series: list[Series]) -> list[str]:
    lines = [
        "## Streams",
        "",
        "Each read runs in a fresh process of the benchmark venv, so its peak "
        "resident memory (`ru_maxrss`) belongs to one client. *growth* is "
        "that peak minus the resident memory just before the read, after the "
        "imports. A busybox container wrote 50 MiB (64-byte lines, `yes | "
        "head -c`) to its json-file log before the measurement. Throughput "
        "counts those 50 MiB for every peer. `bare socket` reads the "
        "response to the end of the connection without parsing anything. "
        "`http.client` reads the body without splitting the frames of the "
        "multiplexed stream. docker_engine demultiplexes into "
        "(stream, bytes) pairs. docker_engine, docker-py and aiodocker first "
        "inspect the container to learn its TTY setting, and their time "
        "includes that request. docker-py yields one bytes object per frame, "
        "and for a TTY one per byte: docker 7.2.0 reads raw streams with a "
        "chunk size of 1 (`APIClient._stream_raw_result`). aiodocker yields "
        "decoded str lines.",
        "",
    ]
    for task in (LOGS_PLAIN, LOGS_TTY):
        lines += task_table(
            series,
            task,
            ["http.client", "bare socket"],
            ["peak MiB", "growth MiB"],
        )
    lines += [
        "The event replay first creates and removes 100 labelled containers "
        "(200 events), then every client reads `/events` with `since` and "
        "`until` around them and a label filter. The time includes the "
        "decoding of every event: docker_engine to `EventMessage` models, "
        "the others to dicts.",
        "",
    ]
    lines += task_table(
        series, EVENTS, ["http.client", "bare socket"], ["peak MiB", "growth MiB"]
    )
    return lines


def _imports(series: list[Series]) -> list[str]:
    lines = [
        "## Import",
        "",
        "A fresh interpreter of the benchmark venv runs the import statement "
        "(`import docker_engine, docker_engine.v1_47` for docker_engine) "
        "with bytecode caches already written, and reports the time of the "
        "statement and its resident memory before and after.",
        "",
    ]
    for task in (imports.TIME_TASK, imports.ADDED_TASK, imports.TOTAL_TASK):
        lines += task_table(series, task, ["docker-py"], [])
    return lines


def render(
    series: list[Series],
    notes: list[str],
    failed: dict[str, str],
    context: dict[str, Any],
) -> str:
    """Return the whole page."""
    rounds = context["rounds"]

    run_line = (
        f"Measured on {context['date']} in {context['seconds'] / 60:.1f} minutes"
        f"{' (quick run)' if context['quick'] else ''}; rounds: "
        + ", ".join(f"{name} {count}" for name, count in rounds.items())
        + "."
    )
    lines = [INTRO, run_line, "", "## Machine", ""]

    machine = dict(context["machine"])
    engine = context["engine"]
    machine["engine"] = f"{engine['name']}: {engine.get('engine', '?')}"
    machine["engine API"] = engine.get("engine API", "?")
    lines += key_value_table("machine", machine)

    versions = dict(context["versions"])
    versions["Java"] = context["java"]
    lines += ["## Peer versions", ""]
    lines += key_value_table("package", versions)

    lines += ["## Targets", ""]
    old_name = f"calls {context['old engine']['name']}"
    old_calls = [entry for entry in series if entry.section == old_name]
    series = [entry for entry in series if entry.section != old_name]
    lines += target_table(targets(series))
    lines += _generation(series)
    lines += _calls(series)
    lines += _old_engine_calls(old_calls, context["old engine"])
    lines += _streams(series)
    lines += _imports(series)

    lines += ["## Not measured and caveats", ""]
    for name, reason in failed.items():
        lines.append(f"- {name}: not measured: {reason}")
    lines += [f"- {note}" for note in notes]
    if not old_calls and old_name not in failed:
        lines.append(
            f"- {old_name}: not measured, because engines.env lists no "
            f"{context['old engine']['name']} engine."
        )
    lines.append("")
    return "\n".join(lines)
