"""Tests of path, query, filter, JSON and registry-auth encoding."""

from __future__ import annotations

import base64
import enum
import json
from typing import Any

import pytest
from docker_engine._encoding import (
    encode_filters,
    encode_json_body,
    encode_json_param,
    encode_query,
    encode_registry_auth,
    quote_path,
)
from docker_engine._models import Model, build_dict


class Color(enum.Enum):
    RED = "red"


class Port(Model):
    __slots__ = ()

    def __init__(self, *, private: int, public: int | None = None) -> None:
        self._data = build_dict(("PrivatePort", private), ("PublicPort", public))


def test_quote_path_keeps_traversal_in_one_segment() -> None:
    quoted = quote_path("a/../../x")
    assert quoted == "a%2F..%2F..%2Fx"
    assert "/" not in quoted


def test_quote_path_encodes_dot_segments() -> None:
    assert quote_path("..") == "%2E%2E"
    assert quote_path(".") == "%2E"


def test_quote_path_unreserved_and_reserved() -> None:
    assert quote_path("my-web_1.2~x") == "my-web_1.2~x"
    assert quote_path("nginx:latest") == "nginx%3Alatest"
    assert quote_path("a b?c#d&e") == "a%20b%3Fc%23d%26e"
    assert quote_path(42) == "42"


def test_quote_path_rejects_empty() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        quote_path("")


def test_query_drops_none_and_encodes_bools() -> None:
    query = {"all": True, "size": False, "limit": 5, "since": None, "name": "web"}
    assert encode_query(query) == "all=1&size=0&limit=5&name=web"


def test_query_repeats_list_keys() -> None:
    assert encode_query({"t": ["a:1", "b:2"]}) == "t=a%3A1&t=b%3A2"


def test_query_escapes_plus_and_space() -> None:
    # The daemon decodes '+' in a query as a space, so '+' must be escaped.
    assert encode_query({"q": "a+b c"}) == "q=a%2Bb%20c"


def test_query_mapping_and_enum_values() -> None:
    assert encode_query({"labels": {"a": "b"}}) == "labels=%7B%22a%22%3A%22b%22%7D"
    assert encode_query({"color": Color.RED}) == "color=red"


def test_query_empty() -> None:
    assert encode_query(None) == ""
    assert encode_query({"a": None}) == ""


def test_filters_values_become_string_lists() -> None:
    encoded = encode_filters(
        {"dangling": True, "label": ["a=b", "c"], "name": "web", "exited": 0}
    )
    assert encoded is not None
    assert json.loads(encoded) == {
        "dangling": ["true"],
        "label": ["a=b", "c"],
        "name": ["web"],
        "exited": ["0"],
    }


def test_filters_false_and_none() -> None:
    encoded = encode_filters({"dangling": False, "label": None})
    assert encoded == '{"dangling":["false"]}'


def test_filters_empty_gives_none() -> None:
    assert encode_filters(None) is None
    assert encode_filters({}) is None
    assert encode_filters({"label": None}) is None


@pytest.mark.parametrize("filters", ["status=running", "", b"status=running", ["a"]])
def test_filters_not_a_mapping_rejected(filters: Any) -> None:
    with pytest.raises(TypeError) as caught:
        encode_filters(filters)
    message = str(caught.value)
    assert message.startswith(f"invalid filters {filters!r}: ")
    assert "expected a mapping of str to str, bool or list of str" in message
    assert "{'status': 'running'}" in message


@pytest.mark.parametrize(
    ("value", "type_name"),
    [
        (1.5, "float"),
        (b"running", "bytes"),
        ({"a=b": True}, "dict"),
        (object(), "object"),
    ],
)
def test_filters_value_of_wrong_type_rejected(value: Any, type_name: str) -> None:
    with pytest.raises(TypeError) as caught:
        encode_filters({"status": value})
    message = str(caught.value)
    assert message.startswith(f"invalid filters['status'] value {value!r}: ")
    assert message.endswith(
        f"expected a str, bool, int or list of str, not {type_name}"
    )


def test_filters_list_item_of_wrong_type_rejected() -> None:
    with pytest.raises(TypeError) as caught:
        encode_filters({"label": ["a=b", None]})  # type: ignore[list-item]
    assert str(caught.value) == (
        "invalid filters['label'] item None: expected a str, bool or int, not NoneType"
    )


def test_filters_key_must_be_str() -> None:
    with pytest.raises(TypeError, match="invalid filters key 1: expected a str"):
        encode_filters({1: "x"})  # type: ignore[dict-item]


def test_filters_accept_tuples_sets_and_enums() -> None:
    filters: dict[str, Any] = {
        "label": ("a=b",),
        "name": frozenset({"web"}),
        "health": Color.RED,
    }
    encoded = encode_filters(filters)
    assert encoded is not None
    assert json.loads(encoded) == {
        "label": ["a=b"],
        "name": ["web"],
        "health": ["red"],
    }


def test_json_param_is_compact() -> None:
    assert encode_json_param({"HTTP_PROXY": "http://p:3128"}) == (
        '{"HTTP_PROXY":"http://p:3128"}'
    )
    assert encode_json_param(["a", "b"]) == '["a","b"]'
    assert encode_json_param(None) is None


def test_json_body_encodes_models_inside_containers() -> None:
    body = encode_json_body({"Ports": [Port(private=80)], "Color": Color.RED})
    assert json.loads(body) == {
        "Ports": [{"PrivatePort": 80, "PublicPort": None}],
        "Color": "red",
    }


def test_json_body_rejects_unknown_objects() -> None:
    with pytest.raises(TypeError, match="object"):
        encode_json_body({"x": object()})


def test_registry_auth_is_urlsafe_base64() -> None:
    # Standard base64 of this payload contains both '+' and '/'.
    auth = {"username": "u", "password": "????>", "serveraddress": "r"}
    payload = json.dumps(auth, separators=(",", ":")).encode()
    standard = base64.b64encode(payload).decode()
    assert "+" in standard
    assert "/" in standard
    encoded = encode_registry_auth(auth)
    assert "+" not in encoded
    assert "/" not in encoded
    assert encoded == base64.urlsafe_b64encode(payload).decode()
    assert json.loads(base64.urlsafe_b64decode(encoded)) == auth


def test_registry_auth_accepts_models_and_none() -> None:
    class AuthConfig(Model):
        __slots__ = ()

    config = AuthConfig.from_dict({"username": "u"})
    assert base64.urlsafe_b64decode(encode_registry_auth(config)) == b'{"username":"u"}'
    assert base64.urlsafe_b64decode(encode_registry_auth(None)) == b"{}"
