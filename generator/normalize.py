"""Normalize stage: a validated spec dict to the intermediate model.

Problems are collected with version and JSON pointer instead of raised, so
that one run reports everything wrong with a spec. Unsupported constructs
become warnings (``--strict`` turns them into errors); a ``$ref`` to a
missing definition is an error.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from generator import model as m
from generator import tables
from generator.load import LoadedSpec
from generator.names import (
    enum_member_name,
    pascal_case,
    python_identifier,
    snake_case,
    unique_names,
)
from generator.problems import Problems

# Names that generated API method bodies use: their locals and the modules
# and functions they call. A parameter with one of these names would hide it.
_METHOD_LOCALS = frozenset({"headers", "response", "warnings", "builtins", "cast"})
_DEPRECATED = re.compile(r"^\s*(>\s*)?(\*\*)?deprecated\b", re.IGNORECASE)


def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def is_deprecated(description: str) -> bool:
    return bool(_DEPRECATED.search(description))


class Normalizer:
    """Build an :class:`~generator.model.ApiVersion` from one spec."""

    def __init__(self, spec: LoadedSpec, commit: str, problems: Problems) -> None:
        self.spec = spec
        self.version = spec.version
        self.document = spec.document
        self.commit = commit
        self.problems = problems
        self.definitions: dict[str, Any] = self.document.get("definitions", {})
        self.models: dict[str, m.Model] = {}
        self.enums: dict[str, m.Enum] = {}
        self.taken: set[str] = set(self.definitions)
        self.definition_types: dict[str, m.TypeRef] = {}
        self._in_progress: set[str] = set()

    # -- problems ---------------------------------------------------------

    def warn(self, pointer: str, message: str) -> None:
        self.problems.warning(self.version, pointer, message)

    def error(self, pointer: str, message: str) -> None:
        self.problems.error(self.version, pointer, message)

    def missing_definition(self, pointer: str, name: str) -> None:
        self.error(
            pointer,
            f"$ref to missing definition {name!r}: add the definition or fix "
            "the $ref with a correction in specs/corrections/",
        )

    # -- entry point ------------------------------------------------------

    def run(self) -> m.ApiVersion:
        for name in self.definitions:
            self.definition_type(name)
        groups = self.operations()
        minor = self.version.split(".")[1]
        return m.ApiVersion(
            version=self.version,
            package=f"v1_{minor}",
            distribution=f"docker-engine-v1-{minor}",
            source_file=self.spec.source_file,
            sha256=self.spec.sha256,
            commit=self.commit,
            corrections=list(self.spec.corrections),
            title=str(self.document.get("info", {}).get("title", "Docker Engine API")),
            models=[self.models[name] for name in sorted(self.models)],
            enums=[self.enums[name] for name in sorted(self.enums)],
            groups=groups,
        )

    # -- schemas ----------------------------------------------------------

    def claim_name(self, preferred: str) -> str:
        name, counter = preferred, 2
        while name in self.taken:
            name = f"{preferred}{counter}"
            counter += 1
        self.taken.add(name)
        return name

    def definition_type(self, name: str) -> m.TypeRef:
        """Type of a named definition, building its model or enum once."""
        if name in self.definition_types:
            return self.definition_types[name]
        pointer = f"/definitions/{escape_pointer(name)}"
        if name not in self.definitions:
            self.missing_definition(pointer, name)
            return m.TypeRef("any")
        if name in self._in_progress:
            # Recursive reference: the model class exists under this name.
            return m.TypeRef("model", name)
        self._in_progress.add(name)
        schema = self.resolve_all_of(self.definitions[name], pointer)
        result = self.schema_type(schema, pointer, name, owns_name=True)
        self._in_progress.discard(name)
        self.definition_types[name] = result
        return result

    def ref_name(self, ref: str, pointer: str) -> str | None:
        prefix = "#/definitions/"
        if not ref.startswith(prefix):
            self.warn(pointer, f"unsupported $ref {ref!r}; the value is typed Any")
            return None
        return ref[len(prefix) :].replace("~1", "/").replace("~0", "~")

    def resolve_all_of(self, schema: dict[str, Any], pointer: str) -> dict[str, Any]:
        """Merge ``allOf`` parts into one object schema."""
        if "allOf" not in schema:
            return schema
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for index, part in enumerate(schema["allOf"]):
            part_pointer = f"{pointer}/allOf/{index}"
            if "$ref" in part:
                name = self.ref_name(part["$ref"], part_pointer)
                if name is None:
                    continue
                if name not in self.definitions:
                    self.missing_definition(part_pointer, name)
                    continue
                part = self.resolve_all_of(self.definitions[name], part_pointer)
                merged.setdefault("description", part.get("description", ""))
            else:
                part = self.resolve_all_of(part, part_pointer)
            merged["properties"].update(part.get("properties", {}))
            merged["required"].extend(part.get("required", []))
        for key, value in schema.items():
            if key not in ("allOf", "properties", "required", "type"):
                merged[key] = value
        return merged

    def schema_type(
        self,
        schema: dict[str, Any],
        pointer: str,
        context: str,
        owns_name: bool = False,
    ) -> m.TypeRef:
        """Type of a schema; ``context`` names the model or enum it creates."""
        if "$ref" in schema:
            name = self.ref_name(schema["$ref"], pointer)
            if name is None:
                return m.TypeRef("any")
            if name not in self.definitions:
                # Report where the $ref is, not where the target would be.
                self.missing_definition(pointer, name)
                return m.TypeRef("any")
            return self.definition_type(name)
        schema = self.resolve_all_of(schema, pointer)
        kind = schema.get("type")
        if isinstance(kind, list):
            return self.union_type(schema, kind, pointer, context)
        if "enum" in schema and kind in ("string", "integer", None):
            return self.enum_type(schema, pointer, context, owns_name)
        if kind == "array":
            item = self.schema_type(
                schema.get("items", {}), f"{pointer}/items", f"{context}Item"
            )
            return self.alias(m.TypeRef("list", item=item), schema, context, owns_name)
        if kind == "object" or "properties" in schema:
            return self.object_type(schema, pointer, context, owns_name)
        scalar = {"string": "str", "integer": "int", "number": "float"}
        if kind in scalar:
            return m.TypeRef(scalar[kind])
        if kind == "boolean":
            return m.TypeRef("bool")
        if kind not in (None, "file"):
            self.warn(pointer, f"unsupported type {kind!r}; the value is typed Any")
        return m.TypeRef("any")

    def union_type(
        self, schema: dict[str, Any], kinds: list[str], pointer: str, context: str
    ) -> m.TypeRef:
        options = []
        for kind in kinds:
            option = dict(schema, type=kind)
            options.append(self.schema_type(option, pointer, context))
        return m.TypeRef("union", options=tuple(options))

    def alias(
        self, ref: m.TypeRef, schema: dict[str, Any], context: str, owns_name: bool
    ) -> m.TypeRef:
        if owns_name:
            self.models[context] = m.Model(
                name=context,
                description=str(schema.get("description", "")),
                fields=[],
                pointer="",
                alias=ref,
            )
        return ref

    def enum_type(
        self, schema: dict[str, Any], pointer: str, context: str, owns_name: bool
    ) -> m.TypeRef:
        values = [value for value in schema["enum"] if value is not None]
        if not values:
            return m.TypeRef("any")
        base = "int" if all(isinstance(v, int) for v in values) else "str"
        name = context if owns_name else self.claim_name(context)
        members, seen = [], set()
        for value in values:
            member = enum_member_name(value)
            while member in seen:
                member += "_"
            seen.add(member)
            members.append(m.EnumValue(member, value if base == "int" else str(value)))
        self.enums[name] = m.Enum(
            name=name,
            base=base,
            values=members,
            description=str(schema.get("description", "")),
        )
        return m.TypeRef("enum", name, base=base)

    def object_type(
        self, schema: dict[str, Any], pointer: str, context: str, owns_name: bool
    ) -> m.TypeRef:
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        if not properties:
            if isinstance(extra, dict) and extra:
                value = self.schema_type(
                    extra, f"{pointer}/additionalProperties", f"{context}Value"
                )
                ref = m.TypeRef("map", item=value)
            else:
                ref = m.TypeRef("map", item=m.TypeRef("any"))
            return self.alias(ref, schema, context, owns_name)

        name = context if owns_name else self.claim_name(context)
        required = set(schema.get("required", []))
        python_names = unique_names(list(properties))
        fields = []
        for wire, prop in properties.items():
            prop_pointer = f"{pointer}/properties/{escape_pointer(wire)}"
            if not isinstance(prop, dict):
                self.warn(prop_pointer, "property schema is not a mapping; skipped")
                continue
            field_type = self.schema_type(
                prop, prop_pointer, f"{name}{pascal_case(wire)}"
            )
            description = str(prop.get("description", ""))
            fields.append(
                m.Field(
                    python_name=python_names[wire],
                    wire_name=wire,
                    type=field_type,
                    description=description,
                    required=wire in required,
                    deprecated=is_deprecated(description),
                )
            )
        self.models[name] = m.Model(
            name=name,
            description=str(schema.get("description", "")),
            fields=fields,
            pointer=pointer,
        )
        return m.TypeRef("model", name)

    def inline_type(
        self, schema: dict[str, Any], pointer: str, fallback_name: str
    ) -> m.TypeRef:
        """Type of an inline request or response schema.

        Inline objects take their ``title`` when it is free, otherwise
        ``<OperationId>Response`` or ``<OperationId>Request``. A taken name
        gets a number, and names are claimed in spec order, so a run with the
        same spec gives the same names.
        """
        title = schema.get("title")
        preferred = pascal_case(str(title)) if title else fallback_name
        if "$ref" in schema or not (
            "properties" in schema or "allOf" in schema or "enum" in schema
        ):
            return self.schema_type(schema, pointer, preferred)
        name = self.claim_name(preferred)
        return self.schema_type(schema, pointer, name, owns_name=True)

    # -- operations -------------------------------------------------------

    def operations(self) -> list[m.TagGroup]:
        groups: dict[str, m.TagGroup] = {}
        for path, item in self.document.get("paths", {}).items():
            shared = item.get("parameters", [])
            for method, operation in item.items():
                if method == "parameters" or not isinstance(operation, dict):
                    continue
                pointer = f"/paths/{escape_pointer(path)}/{method}"
                op = self.operation(path, method, operation, shared, pointer)
                if op is None:
                    continue
                group = groups.get(op.tag)
                if group is None:
                    attribute = tables.TAG_ATTRIBUTES.get(op.tag) or snake_case(op.tag)
                    group = m.TagGroup(
                        tag=op.tag,
                        attribute=attribute,
                        class_name=f"{pascal_case(attribute)}Api",
                        module=attribute,
                    )
                    groups[op.tag] = group
                group.operations.append(op)
        for group in groups.values():
            self.dedupe_method_names(group)
        return [groups[tag] for tag in sorted(groups)]

    def dedupe_method_names(self, group: m.TagGroup) -> None:
        seen: set[str] = set()
        for op in group.operations:
            name, counter = op.method_name, 2
            while name in seen:
                name = f"{op.method_name}_{counter}"
                counter += 1
            seen.add(name)
            op.method_name = name

    def method_name(self, operation_id: str, tag: str) -> str:
        if operation_id in tables.METHOD_NAMES:
            return tables.METHOD_NAMES[operation_id]
        stem = operation_id[len(tag) :] if operation_id.startswith(tag) else ""
        name = snake_case(stem or operation_id)
        # Methods may share a builtin's name (``list``): generated API modules
        # spell builtin types as ``builtins.list`` so nothing is shadowed.
        return name + "_" if keyword.iskeyword(name) else name

    def operation(
        self,
        path: str,
        method: str,
        operation: dict[str, Any],
        shared: list[dict[str, Any]],
        pointer: str,
    ) -> m.Operation | None:
        operation_id = operation.get("operationId")
        if not operation_id:
            self.warn(pointer, "operation has no operationId; skipped")
            return None
        tags = operation.get("tags") or ["System"]
        tag = str(tags[0])
        parameters = self.parameters(operation_id, shared, operation, pointer)
        stream = tables.STREAM_KINDS.get(operation_id, m.StreamKind.NONE)
        body = parameters.pop("body")
        success: list[int] = []
        errors: list[int] = []
        for code in operation.get("responses", {}):
            if code.isdigit():
                (success if int(code) < 400 else errors).append(int(code))
        description = str(operation.get("description", ""))
        return m.Operation(
            operation_id=operation_id,
            tag=tag,
            method_name=self.method_name(operation_id, tag),
            http_method=method.upper(),
            path=path,
            summary=str(operation.get("summary", "")),
            description=description,
            path_parameters=parameters["path"],
            query_parameters=parameters["query"],
            header_parameters=parameters["header"],
            body=body[0] if body else None,
            success_status=sorted(success),
            error_status=sorted(errors),
            produces=list(operation.get("produces", [])),
            consumes=list(operation.get("consumes", [])),
            returns=self.return_type(operation_id, operation, stream, pointer),
            stream=stream,
            deprecated=bool(operation.get("deprecated")) or is_deprecated(description),
        )

    def parameters(
        self,
        operation_id: str,
        shared: list[dict[str, Any]],
        operation: dict[str, Any],
        pointer: str,
    ) -> dict[str, list[Any]]:
        found: dict[str, list[Any]] = {
            "path": [],
            "query": [],
            "header": [],
            "body": [],
        }
        raw = list(shared) + list(operation.get("parameters", []))
        wire_names = [str(p.get("name", "")) for p in raw if p.get("in") != "body"]
        names = {
            wire: name + "_" if name in _METHOD_LOCALS else name
            for wire, name in unique_names(wire_names).items()
        }
        for index, parameter in enumerate(raw):
            where = parameter.get("in")
            param_pointer = f"{pointer}/parameters/{index}"
            if where == "body":
                found["body"].append(self.body(operation_id, parameter, param_pointer))
            elif where in ("path", "query", "header"):
                found[where].append(
                    self.parameter(operation_id, parameter, names, param_pointer)
                )
            else:
                self.warn(param_pointer, f"unsupported parameter location {where!r}")
        # Required keyword parameters come first so callers see them first.
        for where in ("query", "header"):
            found[where].sort(key=lambda p: not p.required)
        return found

    def parameter(
        self,
        operation_id: str,
        parameter: dict[str, Any],
        names: dict[str, str],
        pointer: str,
    ) -> m.Parameter:
        wire = str(parameter["name"])
        where = str(parameter["in"])
        encoding = "plain"
        if where == "query" and wire == "filters":
            encoding = "filters"
            param_type = m.TypeRef("filters")
        elif where == "query" and (
            parameter.get("format") == "json"
            or (operation_id, wire) in tables.JSON_QUERY_PARAMETERS
        ):
            encoding = "json"
            param_type = m.TypeRef("any")
        elif where == "header" and wire.lower() in tables.REGISTRY_AUTH_HEADERS:
            encoding = "registry_auth"
            param_type = m.TypeRef("map", item=m.TypeRef("any"))
        else:
            schema = {k: v for k, v in parameter.items() if k not in ("enum",)}
            param_type = self.schema_type(schema, pointer, "Parameter")
        description = str(parameter.get("description", ""))
        default = parameter.get("default")
        return m.Parameter(
            python_name=names[wire],
            wire_name=wire,
            location=where,
            type=param_type,
            description=description,
            required=bool(parameter.get("required")) or where == "path",
            deprecated=is_deprecated(description),
            default_repr=repr(default) if default is not None else "",
            encoding=encoding,
        )

    def body(
        self, operation_id: str, parameter: dict[str, Any], pointer: str
    ) -> m.Body:
        schema = parameter.get("schema") or {}
        binary = schema.get("type") == "string" or not schema
        media = "application/json"
        body_type: m.TypeRef | None = None
        if binary:
            media = "application/octet-stream"
            if operation_id in tables.STREAM_KINDS or "tar" in str(
                parameter.get("description", "")
            ):
                media = "application/x-tar"
        else:
            body_type = self.inline_type(
                schema, f"{pointer}/schema", f"{operation_id}Request"
            )
        return m.Body(
            python_name=python_identifier(str(parameter.get("name", "body"))),
            type=body_type,
            description=str(parameter.get("description", "")),
            required=bool(parameter.get("required")),
            media_type=media,
        )

    def return_type(
        self,
        operation_id: str,
        operation: dict[str, Any],
        stream: m.StreamKind,
        pointer: str,
    ) -> m.TypeRef | None:
        if stream is m.StreamKind.JSON_LINES:
            item = tables.STREAM_ITEM_MODELS.get(operation_id)
            if item and item in self.definitions:
                return self.definition_type(item)
            schema = self.success_schema(operation)
            if schema and ("$ref" in schema or "properties" in schema):
                return self.inline_type(
                    schema, f"{pointer}/responses", f"{operation_id}Item"
                )
            return m.TypeRef("map", item=m.TypeRef("any"))
        if stream is not m.StreamKind.NONE:
            return None
        schema = self.success_schema(operation)
        if schema is None:
            return None
        return self.inline_type(
            schema, f"{pointer}/responses", f"{operation_id}Response"
        )

    @staticmethod
    def success_schema(operation: dict[str, Any]) -> dict[str, Any] | None:
        for code in sorted(operation.get("responses", {})):
            if code.isdigit() and 200 <= int(code) < 300:
                schema = operation["responses"][code].get("schema")
                if schema:
                    return dict(schema)
        return None


def normalize(spec: LoadedSpec, commit: str, problems: Problems) -> m.ApiVersion:
    return Normalizer(spec, commit, problems).run()
