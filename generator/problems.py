"""Problems found in the inputs, collected as values and reported together."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Level(str, enum.Enum):
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Problem:
    """One problem in one input: where it is, what is wrong, what to do."""

    level: Level
    version: str
    pointer: str
    message: str
    file: str = ""

    def __str__(self) -> str:
        where = f"v{self.version} {self.pointer or '/'}"
        if self.file:
            where += f" ({self.file})"
        return f"{self.level.value}: {where}: {self.message}"


@dataclass
class Problems:
    """Collector of problems; stages append instead of raising midway."""

    items: list[Problem] = field(default_factory=list)

    def error(self, version: str, pointer: str, message: str, file: str = "") -> None:
        self.items.append(Problem(Level.ERROR, version, pointer, message, file))

    def warning(self, version: str, pointer: str, message: str, file: str = "") -> None:
        self.items.append(Problem(Level.WARNING, version, pointer, message, file))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.level is Level.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.level is Level.WARNING]


class GeneratorError(Exception):
    """An input problem that stops the run before anything is written."""

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
