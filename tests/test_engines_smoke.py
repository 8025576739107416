"""Check that the engines of `scripts/engines.sh start` respond to /_ping,
report the expected API versions and have the test image, and that
engines.env records their versions. Skipped when engines.env does not
exist."""

from __future__ import annotations

import pytest
from conftest_engines import skip_unless_release
from engines import (
    EXPECTED_API_VERSIONS,
    TEST_IMAGE,
    engine_key_prefix,
    env_file_path,
    is_docker_host_mode,
    read_env_file,
    request,
    request_json,
)

pytestmark = pytest.mark.engine

ENGINE_NAMES = sorted(EXPECTED_API_VERSIONS)


@pytest.fixture(scope="module")
def docker_host_mode(engines: dict[str, str]) -> bool:
    return is_docker_host_mode()


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_engine_ping(engines: dict[str, str], name: str) -> None:
    assert name in engines, f"engine {name} missing in {env_file_path()}"
    status, body = request(engines[name], "GET", "/_ping")
    assert status == 200
    assert body == b"OK"


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_engine_api_version(engines: dict[str, str], name: str) -> None:
    skip_unless_release(name)
    version = request_json(engines[name], "GET", "/version")
    assert version["ApiVersion"] == EXPECTED_API_VERSIONS[name]
    assert version["Version"].startswith(f"{name}.")


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_env_file_records_versions(engines: dict[str, str], name: str) -> None:
    values = read_env_file()
    prefix = engine_key_prefix(values, name)
    version = request_json(engines[name], "GET", "/version")
    hint = f"outdated {env_file_path()}: run scripts/engines.sh start"
    assert values.get(f"{prefix}_VERSION") == version["Version"], hint
    assert values.get(f"{prefix}_API") == version["ApiVersion"], hint
    assert values.get(f"{prefix}_MIN_API") == version["MinAPIVersion"], hint


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_engine_accepts_api_1_24(
    engines: dict[str, str], docker_host_mode: bool, name: str
) -> None:
    if docker_host_mode:
        pytest.skip("the minimum API version of DOCKER_HOST is not ours to set")
    version = request_json(engines[name], "GET", "/v1.24/version")
    minimum = tuple(int(part) for part in version["MinAPIVersion"].split("."))
    assert minimum <= (1, 24)


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_engine_has_test_image(engines: dict[str, str], name: str) -> None:
    image = request_json(engines[name], "GET", f"/images/{TEST_IMAGE}/json")
    assert TEST_IMAGE in image["RepoTags"]
    assert image["Config"]["Cmd"] == ["/bin/sh"]
