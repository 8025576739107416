"""Unit tests of generator.names: snake case, identifiers and collisions."""

from __future__ import annotations

import pytest

from generator import names


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("HostConfig", "host_config"),
        ("os.version", "os_version"),
        ("OSVersion", "os_version"),
        ("one-shot", "one_shot"),
        ("shared-size", "shared_size"),
        ("IPv4Address", "ipv4_address"),
        ("NanoCPUs", "nano_cpus"),
        ("ContainerIDs", "container_ids"),
        ("ID", "id"),
        ("fromImage", "from_image"),
        ("X-Registry-Auth", "x_registry_auth"),
        ("9lives", "n_9lives"),
        ("---", "value"),
    ],
)
def test_snake_case(wire: str, expected: str) -> None:
    assert names.snake_case(wire) == expected


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("from", "from_"),
        ("class", "class_"),
        ("type", "type_"),
        ("list", "list_"),
        ("bytes", "bytes_"),
        ("match", "match_"),
        ("to_dict", "to_dict_"),
        ("id", "id"),
        ("all", "all"),
    ],
)
def test_identifier_avoids_keywords(wire: str, expected: str) -> None:
    assert names.python_identifier(wire) == expected


def test_unique_names_collision() -> None:
    result = names.unique_names(["os.version", "OSVersion"])
    assert result["OSVersion"] == "os_version"
    assert result["os.version"] == "os_version_2"


def test_unique_names_order_free() -> None:
    wires = ["os.version", "OSVersion", "Os_Version", "from", "From"]
    assert names.unique_names(wires) == names.unique_names(list(reversed(wires)))


def test_unique_names_all_distinct() -> None:
    wires = ["os.version", "OSVersion", "Os_Version", "os-version"]
    assert len(set(names.unique_names(wires).values())) == len(wires)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Widget usage", "WidgetUsage"),
        ("rollback_completed", "RollbackCompleted"),
        ("ContainerCreateResponse", "ContainerCreateResponse"),
        ("9lives", "N9lives"),
        ("", "Value"),
    ],
)
def test_pascal_case(text: str, expected: str) -> None:
    assert names.pascal_case(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", "EMPTY"),
        ("running", "RUNNING"),
        ("no-new-privileges", "NO_NEW_PRIVILEGES"),
        ("on-failure", "ON_FAILURE"),
        ("local", "LOCAL"),
        (1, "N_1"),
        ("1.2", "V_1_2"),
    ],
)
def test_enum_member_name(value: object, expected: str) -> None:
    assert names.enum_member_name(value) == expected
