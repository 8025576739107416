"""Encoders for path parameters, query strings, headers and JSON bodies.

Generated code calls `quote_path` on every path parameter, so a value such
as ``a/../../x`` stays one path segment (``a%2F..%2F..%2Fx``). Query values
follow the daemon's conventions: booleans are ``1``/``0``, lists repeat the
key, and structured parameters (``filters``, ``buildargs``, ``labels``)
travel as JSON text made by `encode_filters` and `encode_json_param`.
"""

from __future__ import annotations

import base64
import enum
import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from ._models import Model

__all__ = [
    "encode_filters",
    "encode_json_body",
    "encode_json_param",
    "encode_query",
    "encode_registry_auth",
    "quote_path",
]

FilterValue = str | bool | int | Iterable[str]


def quote_path(value: str | int) -> str:
    """Percent-encode one path segment, including ``/``.

    Only unreserved characters (letters, digits, ``-._~``) stay as they are.
    The segments ``.`` and ``..`` are encoded as ``%2E`` so no value can walk
    up the path. Raises `ValueError` for an empty value, which would
    otherwise produce a path such as ``/containers//json``.
    """
    text = str(value)
    if not text:
        raise ValueError("path parameter must not be empty")
    quoted = quote(text, safe="")
    if quoted in (".", ".."):
        return quoted.replace(".", "%2E")
    return quoted


def _query_text(value: Any) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, (Mapping, Model)):
        return encode_json_param(value) or ""
    return str(value)


def encode_query(query: Mapping[str, Any] | None) -> str:
    """Encode query parameters, without the leading ``?``.

    ``None`` values are dropped, booleans become ``1``/``0``, lists and
    tuples repeat the key, and mappings are sent as compact JSON.
    Returns an empty string when nothing remains.
    """
    if not query:
        return ""
    parts: list[str] = []
    for key, value in query.items():
        if value is None:
            continue
        name = quote(key, safe="")
        if isinstance(value, (list, tuple)):
            for item in value:
                if item is not None:
                    parts.append(f"{name}={quote(_query_text(item), safe='')}")
        else:
            parts.append(f"{name}={quote(_query_text(value), safe='')}")
    return "&".join(parts)


def encode_filters(filters: Mapping[str, FilterValue | None] | None) -> str | None:
    """Encode a ``filters`` query parameter as JSON text.

    Every value becomes a list of strings, the form all daemons since API
    1.24 accept: ``{"dangling": True, "label": ["a=b"]}`` encodes as
    ``{"dangling":["true"],"label":["a=b"]}``. ``None`` values are dropped.
    ``None`` or an empty mapping returns ``None`` so the parameter is left out.
    Raises `TypeError` when ``filters`` is not a mapping, such as the text
    ``"status=running"``, or when a value is not a str, bool, int or an
    iterable of them (a list, tuple or set, but not bytes or a mapping).
    """
    if filters is None:
        return None
    if not isinstance(filters, Mapping):
        raise TypeError(
            f"invalid filters {filters!r}: expected a mapping of str to str, "
            "bool or list of str, such as {'status': 'running'} or "
            "{'label': ['a=b', 'c']}"
        )
    encoded: dict[str, list[str]] = {}
    for key, value in filters.items():
        if not isinstance(key, str):
            raise TypeError(
                f"invalid filters key {key!r}: expected a str such as 'status'"
            )
        if value is None:
            continue
        if isinstance(value, (str, int, enum.Enum)):
            encoded[key] = [_filter_text(key, value)]
        elif isinstance(value, Iterable) and not isinstance(
            value, (bytes, bytearray, memoryview, Mapping)
        ):
            encoded[key] = [_filter_text(key, item) for item in value]
        else:
            raise TypeError(
                f"invalid filters[{key!r}] value {value!r}: expected a str, "
                f"bool, int or list of str, not {type(value).__name__}"
            )
    if not encoded:
        return None
    return json.dumps(encoded, separators=(",", ":"))


def _filter_text(key: str, value: object) -> str:
    """Convert one filter value to the text the daemon compares."""
    if isinstance(value, enum.Enum):
        value = value.value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (str, int)):
        return str(value)
    raise TypeError(
        f"invalid filters[{key!r}] item {value!r}: expected a str, bool or int, "
        f"not {type(value).__name__}"
    )


def _json_default(value: object) -> Any:
    if isinstance(value, Model):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def encode_json_param(value: object) -> str | None:
    """Encode a JSON-in-query parameter such as ``buildargs`` or ``labels``.

    Returns ``None`` for ``None``, so the parameter is left out.
    """
    if value is None:
        return None
    return json.dumps(value, separators=(",", ":"), default=_json_default)


def encode_json_body(value: object) -> bytes:
    """Encode a request body: a `Model` as its dict, mappings and lists as given."""
    return json.dumps(value, separators=(",", ":"), default=_json_default).encode()


def encode_registry_auth(auth: Mapping[str, Any] | Model | None) -> str:
    """Encode credentials for the ``X-Registry-Auth`` or ``X-Registry-Config`` header.

    The value is the URL-safe base64 (``-`` and ``_``, with padding) of the
    compact JSON, which is what the daemon decodes. ``None`` encodes an
    empty object, which the daemon treats as anonymous access.
    """
    data: Any = {} if auth is None else auth
    payload = json.dumps(data, separators=(",", ":"), default=_json_default)
    return base64.urlsafe_b64encode(payload.encode()).decode("ascii")
