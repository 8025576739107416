"""Check the derived v1.24 spec against the upstream v1.24 markdown reference.

The markdown and the v1.25 Swagger file come from the spec cache
(``.cache/specs``), filled from ``SPECS_MIRROR`` when the cache lacks them.
Without either source the tests are skipped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import validate

from generator import load

EXPECTED_OPERATION_COUNT = 79

# An endpoint section opens with a "#### Title" heading, and the first
# backquoted line after it names the endpoint, for example
# `POST /containers/(id or name)/start`.
_HEADING_RE = re.compile(r"^#### ")
_ENDPOINT_RE = re.compile(r"^`(GET|POST|PUT|DELETE|HEAD) ([^`]+)`")

# Path parameter spellings of the markdown, mapped to the names the v1.25
# Swagger file uses on the same paths.
_PARAMETER_NAMES = {
    "(id or name)": "{id}",
    "(id)": "{id}",
    "(name)": "{name}",
    "(plugin name)": "{name}",
}

# Endpoints that the markdown writes differently from the wire path.
_MARKDOWN_QUIRKS = {
    # The derivation keeps the v1.25 path of plugin inspect, and the markdown
    # writes the same operation without the /json suffix.
    ("GET", "/plugins/{name}"): ("GET", "/plugins/{name}/json"),
    # The push section puts an example repository owner before the name.
    ("POST", "/plugins/tiborvass/{name}/push"): ("POST", "/plugins/{name}/push"),
}

_METHODS = {"get", "put", "post", "delete", "options", "head", "patch"}


def _spec_sources_available(cache_dir: Path) -> bool:
    names = ("v1.24.md", "v1.25.yaml")
    cached = all((cache_dir / name).exists() for name in names)
    return cached or bool(os.environ.get("SPECS_MIRROR"))


@pytest.fixture(scope="module")
def manifest() -> load.Manifest:
    return load.read_manifest()


@pytest.fixture(scope="module")
def cache_dir(manifest: load.Manifest) -> Path:
    cache = load.DEFAULT_CACHE
    if not _spec_sources_available(cache):
        pytest.skip(
            "v1.24.md and v1.25.yaml are not in the spec cache "
            f"({cache}) and SPECS_MIRROR is not set: run `make specs` or set "
            "SPECS_MIRROR to a folder with the pinned upstream files"
        )
    load.fetch(["v1.24.md", "v1.25.yaml"], manifest, cache)
    return cache


@pytest.fixture(scope="module")
def markdown(manifest: load.Manifest, cache_dir: Path) -> str:
    return load.read_cached("v1.24.md", manifest, cache_dir).decode("utf-8")


@pytest.fixture(scope="module")
def derived(manifest: load.Manifest, cache_dir: Path) -> dict[str, Any]:
    return load.load_spec("1.24", manifest, cache_dir).document


def normalize_endpoint(method: str, raw_path: str) -> tuple[str, str]:
    """Turn a markdown endpoint line into the (METHOD, path) the spec uses."""
    path = raw_path.split(" HTTP/")[0].split("?")[0].strip()
    path = path.removeprefix("/v1.24")
    for spelling, name in _PARAMETER_NAMES.items():
        path = path.replace(spelling, name)
    return _MARKDOWN_QUIRKS.get((method, path), (method, path))


def markdown_endpoints(text: str) -> list[tuple[str, str]]:
    """List the endpoints the markdown documents, one per section heading.

    Sections inside HTML comments count too: the reference comments out its
    plugin push section, and the derived spec keeps that operation.
    """
    endpoints = []
    in_section = False
    for line in text.splitlines():
        if _HEADING_RE.match(line):
            in_section = True
            continue
        match = _ENDPOINT_RE.match(line)
        if in_section and match:
            endpoints.append(normalize_endpoint(match.group(1), match.group(2)))
            in_section = False
    return endpoints


def spec_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in _METHODS
    }


def parameter_names(document: dict[str, Any], path: str, method: str) -> list[str]:
    operation = document["paths"][path][method]
    return [parameter["name"] for parameter in operation.get("parameters", [])]


def test_derived_spec_validates(derived: dict[str, Any]) -> None:
    validate(derived)


def test_markdown_parser_finds_79_endpoints(markdown: str) -> None:
    endpoints = markdown_endpoints(markdown)
    assert len(endpoints) == EXPECTED_OPERATION_COUNT
    assert len(set(endpoints)) == len(endpoints), "an endpoint is listed twice"


def test_operations_match_markdown(markdown: str, derived: dict[str, Any]) -> None:
    documented = set(markdown_endpoints(markdown))
    generated = spec_operations(derived)
    only_markdown = sorted(documented - generated)
    only_spec = sorted(generated - documented)
    difference = (
        "derived v1.24 operations differ from the markdown reference:\n"
        + "".join(f"  missing from the spec: {m} {p}\n" for m, p in only_markdown)
        + "".join(f"  not in the markdown:   {m} {p}\n" for m, p in only_spec)
    )
    assert not only_markdown, difference
    assert not only_spec, difference
    assert len(generated) == EXPECTED_OPERATION_COUNT


def test_version_identity(derived: dict[str, Any]) -> None:
    assert derived["basePath"] == "/v1.24"
    assert derived["info"]["version"] == "1.24"
    assert "1.24" in derived["info"]["description"]
    assert "/v1.25" not in derived["info"]["description"]


@pytest.mark.parametrize(
    "path",
    [
        "/containers/prune",
        "/images/prune",
        "/volumes/prune",
        "/networks/prune",
        "/system/df",
        "/plugins/privileges",
        "/plugins/create",
        "/plugins/{name}/set",
        "/swarm/unlock",
        "/swarm/unlockkey",
        "/services/{id}/logs",
        "/secrets",
        "/secrets/create",
        "/secrets/{id}",
    ],
)
def test_v125_path_absent(derived: dict[str, Any], path: str) -> None:
    assert path not in derived["paths"]


def test_secrets_absent(derived: dict[str, Any]) -> None:
    assert "Secret" not in derived["definitions"]
    assert "SecretSpec" not in derived["definitions"]
    assert "Secret" not in [tag["name"] for tag in derived["tags"]]
    assert not [path for path in derived["paths"] if "secret" in path]


def test_rootfs_base_layer_restored(derived: dict[str, Any]) -> None:
    rootfs = derived["definitions"]["Image"]["properties"]["RootFS"]
    assert rootfs["properties"]["BaseLayer"]["type"] == "string"


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ("Resources", "NanoCpus"),
        ("Resources", "CpuCount"),
        ("Resources", "CpuRealtimePeriod"),
        ("Resources", "CpuRealtimeRuntime"),
        ("Config", "StopTimeout"),
        ("Network", "Created"),
        ("Volume", "Options"),
        ("ImageSummary", "SharedSize"),
        ("SwarmSpec", "EncryptionConfig"),
        ("TaskSpec", "ForceUpdate"),
    ],
)
def test_v125_field_absent(
    derived: dict[str, Any], definition: str, field: str
) -> None:
    assert field not in derived["definitions"][definition]["properties"]


def test_host_config_v125_fields_absent(derived: dict[str, Any]) -> None:
    own_fields = derived["definitions"]["HostConfig"]["allOf"][1]["properties"]
    assert "AutoRemove" not in own_fields
    assert "Mounts" not in own_fields
    assert "Binds" in own_fields


def test_required_lists_name_existing_fields(derived: dict[str, Any]) -> None:
    for name in ("Volume", "ImageSummary"):
        definition = derived["definitions"][name]
        missing = set(definition["required"]) - set(definition["properties"])
        assert not missing, f"{name} requires undefined fields {sorted(missing)}"


@pytest.mark.parametrize(
    ("path", "method", "parameter"),
    [
        ("/containers/json", "get", "since"),
        ("/containers/json", "get", "before"),
        ("/containers/{id}/logs", "get", "details"),
        ("/containers/{id}", "delete", "link"),
        ("/images/json", "get", "filter"),
    ],
)
def test_v124_parameter_present(
    derived: dict[str, Any], path: str, method: str, parameter: str
) -> None:
    assert parameter in parameter_names(derived, path, method)


@pytest.mark.parametrize(
    ("path", "filter_name"),
    [
        ("/containers/json", "health"),
        ("/containers/json", "is-task"),
        ("/containers/json", "removing"),
        ("/images/json", "reference"),
    ],
)
def test_v125_filter_not_described(
    derived: dict[str, Any], path: str, filter_name: str
) -> None:
    parameters = derived["paths"][path]["get"]["parameters"]
    filters = next(item for item in parameters if item["name"] == "filters")
    assert f"`{filter_name}`" not in filters["description"]


@pytest.mark.parametrize(
    ("path", "method", "parameter"),
    [
        ("/build", "post", "cachefrom"),
        ("/build", "post", "squash"),
        ("/build", "post", "networkmode"),
        ("/volumes/{name}", "delete", "force"),
        ("/swarm/update", "post", "rotateManagerUnlockKey"),
        ("/services/{id}/update", "post", "registryAuthFrom"),
    ],
)
def test_v125_parameter_absent(
    derived: dict[str, Any], path: str, method: str, parameter: str
) -> None:
    assert parameter not in parameter_names(derived, path, method)


def test_markdown_documents_added_parameters(markdown: str) -> None:
    # Guards the additions above: each one must be a query parameter that the
    # v1.24 reference lists as a "- **name**" item.
    for parameter in ("since", "before", "details", "link", "filter"):
        item = re.compile(rf"^-\s+\*\*{parameter}\*\*", re.MULTILINE)
        assert item.search(markdown), f"no list item for {parameter}"


def test_normalize_endpoint_examples() -> None:
    assert normalize_endpoint("POST", "/containers/(id or name)/start") == (
        "POST",
        "/containers/{id}/start",
    )
    assert normalize_endpoint("POST", "/plugins/pull?name=<plugin name>") == (
        "POST",
        "/plugins/pull",
    )
    assert normalize_endpoint("GET", "/plugins/(plugin name)") == (
        "GET",
        "/plugins/{name}/json",
    )
    assert normalize_endpoint("GET", "/v1.24/containers/json HTTP/1.1") == (
        "GET",
        "/containers/json",
    )
