"""Tests of the conformance suite: its schema conversion on fixed inputs, and
a full run on the real engines that must leave no mismatch uncorrected."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from engines import is_docker_host_mode

from generator import conformance, load
from generator.problems import GeneratorError

DEFINITIONS: dict[str, Any] = {
    "Binding": {
        "type": "object",
        "properties": {"HostPort": {"type": "string", "format": "port"}},
    },
}


def spec_with(schema: dict[str, Any]) -> conformance.SpecSchemas:
    """Wrap one response schema in a minimal spec document at GET /thing."""
    document = {
        "definitions": DEFINITIONS,
        "paths": {"/thing": {"get": {"responses": {"200": {"schema": schema}}}}},
    }
    return conformance.SpecSchemas(document)


def test_nullable_type_accepts_null() -> None:
    converted = conformance.to_json_schema(
        {"type": "array", "items": {"type": "string"}, "x-nullable": True}
    )
    assert converted["type"] == ["array", "null"]


def test_nullable_enum_accepts_null() -> None:
    converted = conformance.to_json_schema(
        {"type": "string", "enum": ["a"], "x-nullable": True}
    )
    assert converted["enum"] == ["a", None]


def test_nullable_ref_wraps_in_any_of() -> None:
    converted = conformance.to_json_schema(
        {"$ref": "#/definitions/Binding", "x-nullable": True}
    )
    assert converted == {"anyOf": [{"$ref": "#/definitions/Binding"}, {"type": "null"}]}


def test_format_and_extensions_dropped() -> None:
    converted = conformance.to_json_schema(
        {"type": "string", "format": "date-time", "x-go-name": "When"}
    )
    assert converted == {"type": "string"}


def test_property_named_format_kept() -> None:
    converted = conformance.to_json_schema(
        {"type": "object", "properties": {"format": {"type": "string"}}}
    )
    assert converted["properties"] == {"format": {"type": "string"}}


def test_forbidden_null_is_tolerated() -> None:
    spec = spec_with({"type": "object", "properties": {"Names": {"type": "array"}}})
    mismatches, nulls = conformance.check_response(spec, "/thing", {"Names": None})
    assert not mismatches
    assert nulls == {"/thing /Names"}


def test_null_inside_nullable_ref_is_tolerated() -> None:
    spec = spec_with(
        {
            "type": "object",
            "additionalProperties": {
                "$ref": "#/definitions/Binding",
                "x-nullable": True,
            },
        }
    )
    body = {"a": None, "b": {"HostPort": None}}
    mismatches, nulls = conformance.check_response(spec, "/thing", body)
    assert not mismatches
    assert nulls == {"/thing /b/HostPort"}


def test_wrong_type_inside_nullable_ref_is_mismatch() -> None:
    spec = spec_with(
        {
            "type": "object",
            "additionalProperties": {
                "$ref": "#/definitions/Binding",
                "x-nullable": True,
            },
        }
    )
    mismatches, _ = conformance.check_response(spec, "/thing", {"b": {"HostPort": 80}})
    assert [(item.location, item.rule) for item in mismatches] == [
        ("/b/HostPort", "type")
    ]


def test_list_items_share_one_mismatch() -> None:
    spec = spec_with({"type": "array", "items": {"type": "string"}})
    mismatches, _ = conformance.check_response(spec, "/thing", [1, 2, 3])
    assert [item.location for item in mismatches] == ["/*"]


def test_additional_properties_honoured() -> None:
    spec = spec_with(
        {
            "type": "object",
            "properties": {"A": {"type": "string"}},
            "additionalProperties": False,
        }
    )
    mismatches, _ = conformance.check_response(spec, "/thing", {"A": "", "B": 1})
    assert [item.rule for item in mismatches] == ["additionalProperties"]


def test_raw_streams_not_probed() -> None:
    try:
        document = load.load_spec("1.41").document
    except GeneratorError as error:
        pytest.skip(f"pinned specs unavailable (set SPECS_MIRROR): {error}")
    operations = conformance.json_get_operations(document)
    assert "/containers/{id}/logs" not in operations
    assert "/_ping" not in operations
    assert "/containers/{id}/json" in operations


def test_choose_engine_prefers_oldest() -> None:
    engines = [
        conformance.Engine("28.5", "unix:///c", "1.51", "1.24"),
        conformance.Engine("20.10", "unix:///a", "1.41", "1.12"),
        conformance.Engine("26.1", "unix:///b", "1.45", "1.24"),
    ]
    chosen = {
        version: conformance.choose_engine(version, engines)
        for version in ("1.24", "1.41", "1.42", "1.45", "1.46", "1.52")
    }
    assert {version: engine and engine.name for version, engine in chosen.items()} == {
        "1.24": "20.10",
        "1.41": "20.10",
        "1.42": "26.1",
        "1.45": "26.1",
        "1.46": "28.5",
        "1.52": None,
    }


@pytest.mark.engine
def test_all_versions_conform() -> None:
    env_file = Path(os.environ.get("ENGINES_ENV") or conformance.DEFAULT_ENGINES_ENV)
    try:
        engines = conformance.read_engines(env_file)
    except GeneratorError as error:
        pytest.skip(f"no engines: {error}")
    # A single DOCKER_HOST engine may serve only part of the versions, so
    # the run must check exactly those that some engine serves.
    served = {
        version
        for version in load.all_versions()
        if any(engine.serves(version) for engine in engines)
    }
    if not is_docker_host_mode(env_file):
        missing = sorted(set(load.all_versions()) - served, key=load.minor)
        assert not missing, f"no local engine serves {missing}"
    if not served:
        ranges = ", ".join(
            f"{engine.name} {engine.min_api_version} to {engine.api_version}"
            for engine in engines
        )
        pytest.skip(f"no engine serves a generated version (API ranges: {ranges})")
    log = io.StringIO()
    results = conformance.run(load.all_versions(), engines, out=log)

    checked = {result.version for result in results}
    assert checked == served, log.getvalue()
    used = {result.engine for result in results}
    assert used == {engine.name for engine in engines}
    for result in results:
        assert not result.failures, (result.version, result.failures)
        remaining = sorted(f"{m.template} {m.location}" for m in result.after)
        assert not remaining, (result.version, result.engine, remaining)
        assert result.endpoints >= 20, (result.version, result.endpoints)
    assert "cleanup:" not in log.getvalue(), log.getvalue()
    # The uncorrected specs of old versions must show the faults that the
    # corrections fix, otherwise the suite is not looking at them.
    assert any(result.before for result in results)
