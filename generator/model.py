"""Intermediate model: plain typed dataclasses that templates render.

No raw spec dict reaches a template. The normalizer decides every name,
type and docstring; templates only lay them out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class StreamKind(str, enum.Enum):
    """Transfer mode of an operation's body: plain, streamed or hijacked."""

    NONE = "none"
    JSON_LINES = "json_lines"
    OUTPUT = "output"
    HIJACKED = "hijacked"
    TAR_IN = "tar_in"
    TAR_OUT = "tar_out"


@dataclass(frozen=True)
class TypeRef:
    """A Python type for a schema.

    ``kind`` is one of: ``str``, ``int``, ``float``, ``bool``, ``any``,
    ``model`` (``name`` is a model class), ``enum`` (``name`` is an enum
    class), ``list`` and ``map`` (``item`` is the element type), ``union``
    (``options`` are the alternatives, for ``type: [array, string]``).
    """

    kind: str
    name: str = ""
    item: TypeRef | None = None
    options: tuple[TypeRef, ...] = ()
    # Value type of an enum: "str", or "int" for integer enums.
    base: str = "str"

    def annotation(self) -> str:
        """Python annotation of a decoded value of this type."""
        if self.kind in ("str", "int", "float", "bool"):
            return self.kind
        if self.kind == "any":
            return "Any"
        if self.kind == "filters":
            return "Mapping[str, str | bool | Sequence[str]]"
        if self.kind == "model":
            return self.name
        if self.kind == "enum":
            return f"{self.name} | {self.base}"
        if self.kind == "list":
            assert self.item is not None
            return f"list[{self.item.annotation()}]"
        if self.kind == "map":
            assert self.item is not None
            return f"dict[str, {self.item.annotation()}]"
        if self.kind == "union":
            return " | ".join(option.annotation() for option in self.options)
        raise ValueError(f"unknown type kind {self.kind!r}")

    def input_annotation(self) -> str:
        """Python annotation accepted when the caller passes this type in."""
        if self.kind == "model":
            return f"{self.name} | dict[str, Any]"
        if self.kind == "enum":
            return f"{self.name} | {self.base}"
        if self.kind == "list":
            assert self.item is not None
            return f"list[{self.item.input_annotation()}]"
        if self.kind == "map":
            assert self.item is not None
            return f"dict[str, {self.item.input_annotation()}]"
        if self.kind == "union":
            return " | ".join(option.input_annotation() for option in self.options)
        return self.annotation()


@dataclass(frozen=True)
class EnumValue:
    python_name: str
    value: str | int


@dataclass
class Enum:
    name: str
    base: str  # "str" or "int"
    values: list[EnumValue]
    description: str


@dataclass
class Field:
    python_name: str
    wire_name: str
    type: TypeRef
    description: str
    required: bool = False
    deprecated: bool = False
    default_repr: str = ""


@dataclass
class Model:
    name: str
    description: str
    fields: list[Field]
    pointer: str
    # A schema that is not an object with properties (an array or a scalar
    # alias) is rendered as a type alias instead of a class.
    alias: TypeRef | None = None


@dataclass
class Parameter:
    python_name: str
    wire_name: str
    location: str  # "path", "query", "header"
    type: TypeRef
    description: str
    required: bool = False
    deprecated: bool = False
    default_repr: str = ""
    # How the value is written on the wire: "plain", "filters" (JSON map of
    # string lists), "json" (JSON document in a query string) or
    # "registry_auth" (base64url JSON header).
    encoding: str = "plain"


@dataclass
class Body:
    python_name: str
    type: TypeRef | None  # None for binary or stream bodies
    description: str
    required: bool
    media_type: str


@dataclass
class Operation:
    operation_id: str
    tag: str
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    path_parameters: list[Parameter]
    query_parameters: list[Parameter]
    header_parameters: list[Parameter]
    body: Body | None
    success_status: list[int]
    error_status: list[int]
    produces: list[str]
    consumes: list[str]
    returns: TypeRef | None
    stream: StreamKind
    deprecated: bool = False

    @property
    def keyword_parameters(self) -> list[Parameter]:
        return self.query_parameters + self.header_parameters


@dataclass
class TagGroup:
    tag: str
    attribute: str
    class_name: str
    module: str
    operations: list[Operation] = field(default_factory=list)


@dataclass
class ApiVersion:
    version: str
    package: str  # e.g. "v1_47"
    distribution: str  # e.g. "docker-engine-v1-47"
    source_file: str
    sha256: str
    commit: str
    corrections: list[str]
    title: str
    models: list[Model]
    enums: list[Enum]
    groups: list[TagGroup]

    @property
    def operations(self) -> list[Operation]:
        return [op for group in self.groups for op in group.operations]
