"""Tests of the Model base class and the field helpers used by generated code."""

from __future__ import annotations

import enum
import json
import pickle
from typing import cast

from docker_engine._models import (
    UNSET,
    Model,
    Unset,
    build_dict,
    decode_list,
    decode_map,
    get_enum,
    get_enum_list,
    get_int_enum,
    get_model,
    get_model_list,
    get_model_map,
    get_value,
)


class State(str, enum.Enum):
    RUNNING = "running"
    EXITED = "exited"


class Health(Model):
    __slots__ = ()

    def __init__(self, *, status: str | Unset = UNSET) -> None:
        self._data = build_dict(("Status", status))

    @property
    def status(self) -> str | None:
        return cast("str | None", get_value(self._data, "Status"))


class Container(Model):
    __slots__ = ()

    def __init__(
        self,
        *,
        id: str | Unset = UNSET,
        state: State | Unset = UNSET,
        health: Health | Unset = UNSET,
        checks: list[Health] | Unset = UNSET,
        by_name: dict[str, Health] | Unset = UNSET,
        exit_code: int | None | Unset = UNSET,
    ) -> None:
        self._data = build_dict(
            ("Id", id),
            ("State", state),
            ("Health", health),
            ("Checks", checks),
            ("ByName", by_name),
            ("ExitCode", exit_code),
        )

    @property
    def id(self) -> str | None:
        return cast("str | None", get_value(self._data, "Id"))


def test_from_dict_wraps_without_copy() -> None:
    data = {"Id": "abc", "Unknown": [1, 2]}
    container = Container.from_dict(data)
    assert container.to_dict() is data
    assert container.id == "abc"


def test_models_have_no_instance_dict() -> None:
    container = Container.from_dict({})
    assert not hasattr(container, "__dict__")


def test_constructor_leaves_out_unset_and_keeps_none() -> None:
    container = Container(id="abc", exit_code=None)
    assert container.to_dict() == {"Id": "abc", "ExitCode": None}


def test_constructor_converts_nested_values_to_json() -> None:
    container = Container(
        state=State.RUNNING,
        health=Health(status="healthy"),
        checks=[Health(status="a"), Health()],
        by_name={"x": Health(status="b")},
    )
    data = container.to_dict()
    assert data == {
        "State": "running",
        "Health": {"Status": "healthy"},
        "Checks": [{"Status": "a"}, {}],
        "ByName": {"x": {"Status": "b"}},
    }
    assert type(data["State"]) is str
    assert json.loads(json.dumps(data)) == data


def test_equality_and_hash() -> None:
    assert Health(status="a") == Health.from_dict({"Status": "a"})
    assert Health(status="a") != Health(status="b")
    assert Health.from_dict({}) != Container.from_dict({})
    assert Health.__hash__ is None


def test_repr_is_short() -> None:
    assert repr(Health(status="ok")) == "Health({'Status': 'ok'})"
    long = Container.from_dict({f"K{i}": "x" * 500 for i in range(50)})
    assert len(repr(long)) < 400
    assert repr(long).startswith("Container({")


def test_pickle_round_trip() -> None:
    health = Health(status="ok")
    assert pickle.loads(pickle.dumps(health)) == health


def test_unset_is_falsy_singleton() -> None:
    assert not UNSET
    assert repr(UNSET) == "UNSET"
    assert Unset.UNSET is UNSET


def test_get_value_missing_and_null() -> None:
    assert get_value({}, "Id") is None
    assert get_value({"Id": None}, "Id") is None
    assert get_value({"Id": [1]}, "Id") == [1]


def test_get_model_helpers() -> None:
    data = {
        "Health": {"Status": "ok"},
        "Checks": [{"Status": "a"}, {"Status": "b"}],
        "ByName": {"x": {"Status": "c"}},
        "Null": None,
    }
    health = get_model(data, "Health", Health)
    assert health is not None
    assert health.status == "ok"
    assert health.to_dict() is data["Health"]
    checks = get_model_list(data, "Checks", Health)
    assert checks is not None
    assert [check.status for check in checks] == ["a", "b"]
    by_name = get_model_map(data, "ByName", Health)
    assert by_name is not None
    assert by_name["x"].status == "c"
    for key in ("Null", "Missing"):
        assert get_model(data, key, Health) is None
        assert get_model_list(data, key, Health) is None
        assert get_model_map(data, key, Health) is None


def test_get_enum_keeps_unknown_values() -> None:
    data = {"State": "running", "Other": "rollback_completed", "Null": None}
    assert get_enum(data, "State", State) is State.RUNNING
    unknown = get_enum(data, "Other", State)
    assert unknown == "rollback_completed"
    assert type(unknown) is str
    assert get_enum(data, "Null", State) is None
    assert get_enum(data, "Missing", State) is None


def test_get_enum_list() -> None:
    data = {"States": ["exited", "paused"], "Null": None}
    assert get_enum_list(data, "States", State) == [State.EXITED, "paused"]
    assert get_enum_list(data, "Null", State) is None


def test_decode_list_and_map() -> None:
    items = decode_list(Health, [{"Status": "a"}, {"Status": "b"}])
    assert [item.status for item in items] == ["a", "b"]
    assert decode_list(Health, None) == []
    mapping = decode_map(Health, {"k": {"Status": "c"}})
    assert mapping["k"].status == "c"
    assert decode_map(Health, None) == {}


class _Level(int, enum.Enum):
    LOW = 0
    HIGH = 1


def test_int_enum_known_value() -> None:
    assert get_int_enum({"Kind": 1}, "Kind", _Level) is _Level.HIGH


def test_int_enum_unknown_value_kept() -> None:
    value = get_int_enum({"Kind": 7}, "Kind", _Level)
    assert value == 7
    assert not isinstance(value, _Level)
