"""Validate stage: each corrected spec must be valid Swagger 2.0.

openapi-spec-validator reports the first problems it finds; each becomes a
`Problem` with the version, the JSON pointer of the invalid value and the
validator's reason. Results are cached by the sha256 of the corrected spec,
because validating all versions takes several seconds.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from generator.load import LoadedSpec
from generator.problems import Problems

DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "validated"
MAX_REPORTED = 10


def document_hash(document: dict[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def pointer_of(path: Any) -> str:
    tokens = [str(token).replace("~", "~0").replace("/", "~1") for token in path]
    return "/" + "/".join(tokens) if tokens else "/"


def validate_spec(
    spec: LoadedSpec, problems: Problems, cache_dir: Path = DEFAULT_CACHE
) -> bool:
    """Validate one spec; add an error per violation and return True if valid."""
    from openapi_spec_validator import OpenAPIV2SpecValidator

    key = document_hash(spec.document)
    marker = cache_dir / key
    if marker.exists():
        return True
    # openapi-spec-validator raises (instead of reporting) on a local $ref
    # that points nowhere, so those are found first.
    dangling = dangling_refs(spec.document)
    for pointer, ref in dangling[:MAX_REPORTED]:
        problems.error(
            spec.version,
            pointer,
            f"$ref {ref!r} points to nothing in the spec: add the definition or "
            "fix the $ref with a correction in specs/corrections/",
            spec.source_file,
        )
    if dangling:
        return False
    validator = OpenAPIV2SpecValidator(spec.document)
    found = 0
    for error in validator.iter_errors():
        found += 1
        if found > MAX_REPORTED:
            break
        pointer = pointer_of(getattr(error, "absolute_path", []) or [])
        problems.error(
            spec.version,
            pointer,
            f"invalid Swagger 2.0: {error.message}. Add a correction in "
            "specs/corrections/ that fixes this value",
            spec.source_file,
        )
    if found:
        return False
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass
    return True


def dangling_refs(document: dict[str, Any]) -> list[tuple[str, str]]:
    """Find local ``$ref`` values that resolve to nothing.

    Returns (JSON pointer of the schema holding the $ref, the $ref) pairs.
    """
    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, list[Any]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                if not _resolves(document, ref[2:]):
                    found.append((pointer_of(path), ref))
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        for key, item in reversed(items):
            stack.append((item, [*path, key]))
    return found


def _resolves(document: dict[str, Any], pointer: str) -> bool:
    node: Any = document
    for token in pointer.split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True
