"""Corrections that the GET conformance suite cannot find: bodies and POST responses."""

from __future__ import annotations

import pytest

from generator import load

CACHE = load.DEFAULT_CACHE


@pytest.fixture(scope="module", autouse=True)
def pinned_specs() -> None:
    manifest = load.read_manifest()
    try:
        load.fetch(sorted(manifest.files), manifest, CACHE)
    except Exception as error:  # noqa: BLE001 - any fetch failure means skip
        pytest.skip(f"pinned specs unavailable (set SPECS_MIRROR): {error}")


def body_schema(spec: load.LoadedSpec, path: str) -> dict[str, object]:
    parameters = spec.document["paths"][path]["post"]["parameters"]
    return next(p["schema"] for p in parameters if p["in"] == "body")


@pytest.mark.parametrize("version", ["1.40", "1.41"])
def test_network_connect_body_title(version: str) -> None:
    spec = load.load_spec(version, cache_dir=CACHE)
    connect = body_schema(spec, "/networks/{id}/connect")
    disconnect = body_schema(spec, "/networks/{id}/disconnect")
    assert connect["title"] == "NetworkConnectRequest"
    assert disconnect["title"] == "NetworkDisconnectRequest"


@pytest.mark.parametrize("version", ["1.36", "1.47"])
@pytest.mark.parametrize("path", ["/secrets/create", "/configs/create"])
def test_create_response_uses_upper_id(version: str, path: str) -> None:
    spec = load.load_spec(version, cache_dir=CACHE)
    schema = spec.document["paths"][path]["post"]["responses"]["201"]["schema"]
    assert "ID" in schema["properties"]
    assert "Id" not in schema["properties"]


@pytest.mark.parametrize("version", ["1.24", "1.25", "1.31"])
def test_network_config_has_networks(version: str) -> None:
    spec = load.load_spec(version, cache_dir=CACHE)
    properties = spec.document["definitions"]["NetworkConfig"]["properties"]
    assert "Networks" in properties


@pytest.mark.parametrize("version", ["1.24", "1.25", "1.31"])
def test_info_has_swarm(version: str) -> None:
    spec = load.load_spec(version, cache_dir=CACHE)
    schema = spec.document["paths"]["/info"]["get"]["responses"]["200"]["schema"]
    assert "Swarm" in schema["properties"]


def test_corrections_leave_later_versions_alone() -> None:
    spec = load.load_spec("1.32", cache_dir=CACHE)
    schema = spec.document["paths"]["/info"]["get"]["responses"]["200"]["schema"]
    assert schema == {"$ref": "#/definitions/SystemInfo"}
