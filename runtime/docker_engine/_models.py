"""Base class and field helpers of the generated models.

A model wraps the dict that ``json.loads`` returned, without copying or
converting it: `Model.from_dict` costs one object allocation, and each
property converts its field when it is read. ``to_dict()`` returns that
same dict, so unknown fields survive a round trip.

How generated code uses this module::

    class ContainerState(Model):
        __slots__ = ()

        def __init__(
            self, *, status: str | Unset = UNSET, pid: int | Unset = UNSET
        ) -> None:
            self._data = build_dict(("Status", status), ("Pid", pid))

        @property
        def status(self) -> str | None:
            return cast("str | None", get_value(self._data, "Status"))

        @property
        def health(self) -> Health | None:
            return get_model(self._data, "Health", Health)

Scalar and free-form fields use `get_value`, which returns ``Any``, so the
property wraps it in ``typing.cast`` with the declared type, because a
helper cannot type-check a value read from JSON without a runtime cost.
The model, list, map and enum helpers are generic (``TypeVar``) and need
no cast. Every helper returns ``None`` for a missing key and for JSON
``null``.
"""

from __future__ import annotations

import enum
import reprlib
from collections.abc import Mapping
from typing import Any, Final, TypeVar

__all__ = [
    "UNSET",
    "Model",
    "Unset",
    "build_dict",
    "decode_list",
    "decode_map",
    "get_enum",
    "get_enum_list",
    "get_int_enum",
    "get_model",
    "get_model_list",
    "get_model_map",
    "get_value",
    "to_json_value",
]

M = TypeVar("M", bound="Model")
E = TypeVar("E", bound=enum.Enum)


class Unset(enum.Enum):
    """Type of `UNSET`, the default of optional constructor arguments.

    An enum with one member, so ``x: int | Unset`` narrows with
    ``x is UNSET`` under mypy.
    """

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Final = Unset.UNSET

_repr = reprlib.Repr()
_repr.maxdict = 6
_repr.maxlist = 6
_repr.maxstring = 40
_repr.maxother = 40
_repr.maxlevel = 2


class Model:
    """Base class of every generated model: a typed view of one JSON object.

    Subclasses declare ``__slots__ = ()`` and read-only properties. The only
    instance state is ``_data``, the wrapped dict. Models compare equal when
    they have the same class and equal dicts. They are mutable through
    ``to_dict()``, so they are not hashable.
    """

    __slots__ = ("_data",)

    _data: dict[str, Any]

    @classmethod
    def from_dict(cls: type[M], data: dict[str, Any]) -> M:
        """Wrap a decoded JSON object without copying or validating it."""
        instance = object.__new__(cls)
        instance._data = data
        return instance

    def to_dict(self) -> dict[str, Any]:
        """Return the wrapped dict itself (not a copy), unknown fields included."""
        return self._data

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Model)
        return self._data == other._data

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({_repr.repr(self._data)})"

    def __getstate__(self) -> dict[str, Any]:
        return self._data

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._data = state


def get_value(data: Mapping[str, Any], key: str) -> Any:
    """Return a field's raw JSON value, or ``None`` when it is missing."""
    return data.get(key)


def get_model(data: Mapping[str, Any], key: str, cls: type[M]) -> M | None:
    """Wrap an object field in ``cls``, or return ``None`` if missing or null."""
    value = data.get(key)
    if value is None:
        return None
    instance = object.__new__(cls)
    instance._data = value
    return instance


def get_model_list(data: Mapping[str, Any], key: str, cls: type[M]) -> list[M] | None:
    """Wrap each object of an array field in ``cls``, or return ``None`` if missing."""
    value = data.get(key)
    if value is None:
        return None
    return decode_list(cls, value)


def get_model_map(
    data: Mapping[str, Any], key: str, cls: type[M]
) -> dict[str, M] | None:
    """Wrap each value of an object field in ``cls``, or return ``None`` if missing."""
    value = data.get(key)
    if value is None:
        return None
    return decode_map(cls, value)


def _to_enum(enum_cls: type[E], value: Any) -> E | str:
    try:
        return enum_cls(value)
    except ValueError:
        # A value that a newer daemon added after the spec, for example
        # "rollback_completed", is kept as the plain string.
        return str(value)


def get_enum(data: Mapping[str, Any], key: str, enum_cls: type[E]) -> E | str | None:
    """Convert a field to ``enum_cls``, keeping unknown values as plain strings."""
    value = data.get(key)
    if value is None:
        return None
    return _to_enum(enum_cls, value)


def get_int_enum(
    data: Mapping[str, Any], key: str, enum_cls: type[E]
) -> E | int | None:
    """Convert an integer field to ``enum_cls``, keeping unknown values as ints."""
    value = data.get(key)
    if value is None:
        return None
    try:
        return enum_cls(value)
    except ValueError:
        return int(value)


def get_enum_list(
    data: Mapping[str, Any], key: str, enum_cls: type[E]
) -> list[E | str] | None:
    """Convert each item of an array field like `get_enum`."""
    value = data.get(key)
    if value is None:
        return None
    return [_to_enum(enum_cls, item) for item in value]


def decode_list(cls: type[M], data: list[dict[str, Any]] | None) -> list[M]:
    """Wrap each object of a decoded JSON array, or return ``[]`` for ``None``.

    Null items stay ``None``, since some daemon versions send them.
    """
    if data is None:
        return []
    new = object.__new__
    result: list[M] = []
    append = result.append
    for item in data:
        if item is None:
            append(item)
            continue
        instance = new(cls)
        instance._data = item
        append(instance)
    return result


def decode_map(cls: type[M], data: dict[str, dict[str, Any]] | None) -> dict[str, M]:
    """Wrap each value of a decoded JSON object, or return ``{}`` for ``None``."""
    if data is None:
        return {}
    new = object.__new__
    result: dict[str, M] = {}
    for key, item in data.items():
        instance = new(cls)
        instance._data = item
        result[key] = instance
    return result


def to_json_value(value: Any) -> Any:
    """Convert models, enums and containers of them to plain JSON values."""
    if isinstance(value, Model):
        return value._data
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: to_json_value(item) for key, item in value.items()}
    return value


# Exact types only: a str-based enum member must still go through
# to_json_value so that to_dict() contains its plain value.
_JSON_SCALARS = frozenset((str, int, float, bool))


def build_dict(*pairs: tuple[str, Any]) -> dict[str, Any]:
    """Build a model's dict from (wire name, value) pairs, leaving out `UNSET`.

    Values are converted with `to_json_value`, so ``to_dict()`` of a
    constructed model holds only JSON types. ``None`` is kept and encodes
    as JSON ``null``.
    """
    data: dict[str, Any] = {}
    for key, value in pairs:
        if value is UNSET:
            continue
        if value is None or type(value) in _JSON_SCALARS:
            data[key] = value
        else:
            data[key] = to_json_value(value)
    return data
