"""Markdown of docs/benchmarks.md from the measured series."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from benchmarks.stats import Series


@dataclass
class Target:
    """A goal stated as a comparison of a median with a bound."""

    description: str
    measured: str
    met: bool | None  # None when not measured


def _number(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _ratio(value: float, reference: float) -> str:
    if math.isnan(value) or math.isnan(reference) or reference == 0:
        return "n/a"
    return f"{value / reference:.2f}x"


def spread(entry: Series) -> str:
    """Return the lowest and highest sample, such as ``1.2–1.5``."""
    if not entry.samples:
        return "n/a"
    return f"{_number(min(entry.samples))}–{_number(max(entry.samples))}"


def find(series: list[Series], task: str, peer: str) -> Series | None:
    for entry in series:
        if entry.task == task and entry.peer == peer:
            return entry
    return None


def median_of(series: list[Series], task: str, peer: str) -> float:
    entry = find(series, task, peer)
    return entry.median if entry else float("nan")


def task_table(
    series: list[Series],
    task: str,
    references: list[str],
    note_keys: list[str],
    target: Callable[[Series], str] | None = None,
) -> list[str]:
    """Render one task: a row per peer, its median and ratios to the references."""
    rows = [entry for entry in series if entry.task == task]
    if not rows:
        return []
    unit = rows[0].unit
    direction = "lower is better" if rows[0].lower_is_better else "higher is better"
    header = ["peer", f"median ({unit}, {direction})", "min–max", "runs"]
    header += [f"ratio to {name}" for name in references]
    header += note_keys
    if target:
        header.append("target")
    lines = [f"**{task}**", "", "| " + " | ".join(header) + " |"]
    lines.append("|" + " --- |" * len(header))
    for entry in rows:
        cells = [entry.peer, _number(entry.median), spread(entry)]
        cells.append(str(len(entry.samples)))
        cells += [
            _ratio(entry.median, median_of(series, task, name)) for name in references
        ]
        cells += [_number(float(entry.notes.get(key, math.nan))) for key in note_keys]
        if target:
            cells.append(target(entry))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    return lines


def target_table(targets: list[Target]) -> list[str]:
    lines = ["| target | measured | met |", "| --- | --- | --- |"]
    for target in targets:
        state = {True: "yes", False: "**no**", None: "not measured"}[target.met]
        lines.append(f"| {target.description} | {target.measured} | {state} |")
    lines.append("")
    return lines


def key_value_table(title: str, values: dict[str, str]) -> list[str]:
    lines = [f"| {title} | |", "| --- | --- |"]
    lines += [f"| {key} | {value} |" for key, value in values.items()]
    lines.append("")
    return lines
