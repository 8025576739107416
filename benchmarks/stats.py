"""Samples, medians and ratios shared by the benchmark sections."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Series:
    """The samples of one task measured with one peer, one sample per round.

    ``lower_is_better`` is False for throughputs. ``notes`` contains values
    that are reported beside the median, such as peak memory.
    """

    section: str
    task: str
    peer: str
    unit: str
    samples: list[float] = field(default_factory=list)
    lower_is_better: bool = True
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "task": self.task,
            "peer": self.peer,
            "unit": self.unit,
            "samples": self.samples,
            "lower_is_better": self.lower_is_better,
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Series:
        return cls(
            section=value["section"],
            task=value["task"],
            peer=value["peer"],
            unit=value["unit"],
            samples=list(value["samples"]),
            lower_is_better=bool(value["lower_is_better"]),
            notes=dict(value.get("notes") or {}),
        )


class Collector:
    """Series keyed by (task, peer), created on first use."""

    def __init__(self, section: str) -> None:
        self.section = section
        self.series: dict[tuple[str, str], Series] = {}

    def add(
        self,
        task: str,
        peer: str,
        value: float,
        unit: str,
        *,
        lower_is_better: bool = True,
    ) -> Series:
        key = (task, peer)
        if key not in self.series:
            self.series[key] = Series(
                self.section, task, peer, unit, lower_is_better=lower_is_better
            )
        entry = self.series[key]
        entry.samples.append(value)
        return entry

    def to_json(self) -> list[dict[str, Any]]:
        return [entry.to_json() for entry in self.series.values()]


def rotate(items: list[Any], round_index: int) -> list[Any]:
    """Return ``items`` started at a different place each round.

    Every peer runs once per round. Rotating the order spreads the effect of
    running first (cold caches) or last over all peers.
    """
    if not items:
        return items
    shift = round_index % len(items)
    return items[shift:] + items[:shift]
