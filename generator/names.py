"""Deterministic Python names for wire names, operations and inline schemas."""

from __future__ import annotations

import keyword
import re

# Builtins that generated annotations use as types. A field, parameter or
# method with one of these names would shadow the type inside the class, so
# such names get a trailing underscore like keywords do. Other builtins
# (``id``, ``all``, ``filter``) are kept: generated bodies never call them,
# and the daemon's own names are what users look for.
SHADOWING_BUILTINS = frozenset(
    {"bool", "bytes", "dict", "float", "int", "list", "object", "str", "type"}
)
# Names the model base class and generated modules use themselves.
RESERVED_ATTRIBUTES = frozenset({"to_dict", "from_dict", "self", "cls"})

# Mixed-case tokens that the generic camel-case split would cut badly.
_TOKENS = (
    ("IPv4", "Ipv4"),
    ("IPv6", "Ipv6"),
    ("CPUs", "Cpus"),
    ("IDs", "Ids"),
    ("UUIDs", "Uuids"),
    ("IPs", "Ips"),
    ("URLs", "Urls"),
    ("OSs", "Oss"),
)
_ACRONYM_SPLIT = re.compile(r"([A-Z]+)([A-Z][a-z])")
_WORD_SPLIT = re.compile(r"([a-z\d])([A-Z])")
_NON_IDENTIFIER = re.compile(r"[^0-9a-zA-Z_]+")


def snake_case(wire_name: str) -> str:
    """Convert a wire name such as ``HostConfig`` or ``os.version`` to snake case."""
    name = wire_name
    for token, replacement in _TOKENS:
        name = name.replace(token, replacement)
    name = _ACRONYM_SPLIT.sub(r"\1_\2", name)
    name = _WORD_SPLIT.sub(r"\1_\2", name)
    name = _NON_IDENTIFIER.sub("_", name).strip("_").lower()
    name = re.sub(r"_+", "_", name)
    if not name:
        name = "value"
    if name[0].isdigit():
        name = f"n_{name}"
    return name


def python_identifier(wire_name: str) -> str:
    """Snake-case name that is a valid, non-shadowing Python identifier."""
    name = snake_case(wire_name)
    if (
        keyword.iskeyword(name)
        or keyword.issoftkeyword(name)
        or name in SHADOWING_BUILTINS
        or name in RESERVED_ATTRIBUTES
    ):
        name += "_"
    return name


def unique_names(wire_names: list[str]) -> dict[str, str]:
    """Map wire names to Python names, resolving collisions deterministically.

    The wire names are processed in sorted order; the first to claim a
    Python name keeps it and later ones get ``_2``, ``_3``... so the result
    does not depend on the order of properties in the spec.
    """
    taken: set[str] = set()
    result: dict[str, str] = {}
    for wire in sorted(wire_names, key=lambda w: (not w.isidentifier(), w)):
        base = python_identifier(wire)
        name, counter = base, 2
        while name in taken:
            name = f"{base}_{counter}"
            counter += 1
        taken.add(name)
        result[wire] = name
    return result


def pascal_case(text: str) -> str:
    """``rollback_completed`` or ``Host Config`` to ``RollbackCompleted``."""
    parts = re.split(r"[^0-9a-zA-Z]+", text)
    name = "".join(part[:1].upper() + part[1:] for part in parts if part)
    if not name:
        return "Value"
    if name[0].isdigit():
        name = f"N{name}"
    return name


def enum_member_name(value: object) -> str:
    text = str(value)
    if text == "":
        return "EMPTY"
    name = _NON_IDENTIFIER.sub("_", snake_case(text) if text.isalnum() else text)
    name = name.strip("_").upper() or "VALUE"
    if name[0].isdigit():
        name = f"V_{name}"
    if keyword.iskeyword(name.lower()) and name.lower() == name:
        name += "_"
    return name
