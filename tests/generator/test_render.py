"""Unit tests of generator.render: filters that turn spec text into source."""

from __future__ import annotations

import ast
import inspect

import pytest

from generator import model as m
from generator import render

DOCSTRINGS = [
    "plain text",
    'ends with a quote: "done"',
    'ends with two quotes ""',
    'three quotes """ inside',
    'four quotes """" inside',
    "a backslash \\ inside",
    "ends with a backslash \\",
    'a backslash before quotes \\"""',
    "a Windows path C:\\new\\table",
    "line one\n\n  indented line two\nline three",
    "trailing spaces   \nnext line",
    "a very long last line " * 5 + "\nwith a second line " * 4,
]


def docstring_value(text: str, indent: int = 4) -> str:
    source = '"""' + render.docstring(text, indent) + '"""'
    value = ast.literal_eval(source)
    assert isinstance(value, str)
    return value


@pytest.mark.parametrize("text", DOCSTRINGS)
def test_docstring_round_trip(text: str) -> None:
    expected = "\n".join(line.rstrip() for line in text.strip().splitlines())
    assert inspect.cleandoc(docstring_value(text)) == expected


@pytest.mark.parametrize("indent", [4, 8])
def test_docstring_indents_lines(indent: int) -> None:
    result = render.docstring("first\nsecond", indent)
    assert result == "first\n" + " " * indent + "second"


def test_docstring_blank_lines_bare() -> None:
    assert render.docstring("first\n\nsecond") == "first\n\n    second"


def test_one_line_first_paragraph() -> None:
    assert render.one_line("First line\nstill first.\n\nSecond.") == (
        "First line still first."
    )


def test_one_line_shortened() -> None:
    assert render.one_line("word " * 30, width=20) == "word word word..."


def make_op(path: str, parameters: list[tuple[str, str]]) -> m.Operation:
    return m.Operation(
        operation_id="WidgetInspect",
        tag="Widget",
        method_name="inspect",
        http_method="GET",
        path=path,
        summary="",
        description="",
        path_parameters=[
            m.Parameter(python, wire, "path", m.TypeRef("str"), "", True)
            for wire, python in parameters
        ],
        query_parameters=[],
        header_parameters=[],
        body=None,
        success_status=[200],
        error_status=[],
        produces=[],
        consumes=[],
        returns=None,
        stream=m.StreamKind.NONE,
    )


def test_path_without_parameters() -> None:
    assert render.path_expression(make_op("/widgets/json", [])) == '"/widgets/json"'


def test_path_parameter_quoted() -> None:
    op = make_op("/widgets/{widget-id}/json", [("widget-id", "widget_id")])
    assert render.path_expression(op) == (
        'f"/widgets/{_enc.quote_path(widget_id)}/json"'
    )


def test_path_literal_braces_kept() -> None:
    op = make_op("/a/{id}/{{literal}}", [("id", "id")])
    widget_id = "x"
    expression = render.path_expression(op).replace("_enc.quote_path", "str")
    assert eval(expression, {}, {"id": widget_id}) == "/a/x/{{literal}}"


def test_api_annotation_builtins() -> None:
    assert render.api_annotation("list[dict[str, Any]]") == (
        "builtins.list[builtins.dict[str, Any]]"
    )


def test_nested_maps_raw() -> None:
    port_map = m.TypeRef(
        "map", item=m.TypeRef("list", item=m.TypeRef("model", "PortBinding"))
    )
    assert render.is_nested(port_map)
    assert render.field_annotation(port_map) == "dict[str, list[dict[str, Any]]]"


def test_enum_annotation_accepts_str() -> None:
    assert m.TypeRef("enum", "WidgetState").annotation() == "WidgetState | str"


def test_model_input_accepts_dict() -> None:
    ref = m.TypeRef("list", item=m.TypeRef("model", "Part"))
    assert ref.input_annotation() == "list[Part | dict[str, Any]]"


def test_field_getter_wire_name() -> None:
    field = m.Field("os_version_2", "os.version", m.TypeRef("str"), "")
    assert render.field_getter(field) == (
        'cast("str | None", self._data.get("os.version"))'
    )


def test_field_getter_model_list() -> None:
    ref = m.TypeRef("list", item=m.TypeRef("model", "Part"))
    field = m.Field("parts", "Parts", ref, "")
    assert render.field_getter(field) == (
        '_rt.get_model_list(self._data, "Parts", Part)'
    )


PRUNE_SOURCE = """\
import builtins
from typing import TYPE_CHECKING, Any, cast

from docker_engine import _encoding as _enc

if TYPE_CHECKING:
    from docker_engine._streams import ByteStream, HijackedStream, JsonStream

__all__ = ["WidgetApi"]

# ---- chunk ----
def _identity(value: Any) -> Any:
    return value

# ---- chunk ----
class WidgetApi:
    def events(self) -> JsonStream[Any]:
        return cast("JsonStream[Any]", None)
"""


def test_prune_keeps_used_names() -> None:
    text = render.prune_imports(PRUNE_SOURCE)
    assert "from typing import TYPE_CHECKING, Any, cast\n" in text
    assert "    from docker_engine._streams import JsonStream\n" in text


def test_prune_drops_unused_imports() -> None:
    text = render.prune_imports(PRUNE_SOURCE)
    assert "import builtins" not in text
    assert "_encoding" not in text
    assert "def _identity" not in text


def test_prune_renamed_package() -> None:
    source = PRUNE_SOURCE.replace("docker_engine", "acme_docker")
    assert "_encoding" not in render.prune_imports(source)


def test_import_order_like_isort() -> None:
    names = ["Widget", "API_VERSION", "helper", "Base"]
    assert sorted(names, key=render.import_order) == [
        "API_VERSION",
        "Base",
        "Widget",
        "helper",
    ]
