"""Render stage: the intermediate model through Jinja templates to source text.

Templates are named after the files they produce. Python sources mark the
boundaries of their top-level blocks with `CHUNK_MARK` lines, so that the
format stage can format each distinct block once across all versions.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generator import model as m
from generator import tables
from generator.problems import GeneratorError

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
BLACK_LINE_LENGTH = 88
CHUNK_MARK = "# ---- chunk ----"
MEMBER_MARK = "    # ---- member ----"


@dataclass(frozen=True)
class RenderedFile:
    """One output file: its path inside the output folder and its text."""

    path: str
    text: str
    # Hand-written runtime files are copied as they are; black runs only on
    # rendered Python sources.
    needs_format: bool = True

    @property
    def is_python(self) -> bool:
        return self.path.endswith(".py")


def docstring(text: str, indent: int = 4) -> str:
    """Format text as the body of a triple-quoted docstring.

    Backslashes and quotes are escaped so that any spec text is a valid
    string literal; lines are kept as the spec wrote them.
    """
    text = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = [line.rstrip() for line in text.splitlines()]
    pad = " " * indent
    result = "\n".join(pad + line if line else "" for line in lines).lstrip()
    backslashes = len(result) - 1 - len(result[:-1].rstrip("\\"))
    if result.endswith('"') and backslashes % 2 == 0:
        # A quote right before the closing triple quote would end the string,
        # unless an odd number of backslashes already escapes it.
        result = result[:-1] + '\\"'
    last_line = result.rsplit("\n", 1)[-1]
    if "\n" in result and len(last_line) + 3 > BLACK_LINE_LENGTH:
        # black moves the closing quotes of such a docstring to a line of
        # their own; doing it here saves black the rewrite.
        result += "\n" + pad
    return result


def one_line(text: str, width: int = 0) -> str:
    """First sentence or line of a description, for summaries and tables."""
    first = text.strip().split("\n\n")[0].replace("\n", " ").strip()
    if width and len(first) > width:
        first = textwrap.shorten(first, width=width, placeholder="...")
    return first


def field_annotation(ref: m.TypeRef) -> str:
    """Annotation of a property: the decoded type, or a raw JSON shape."""
    if is_nested(ref):
        return raw_annotation(ref)
    return ref.annotation()


def is_nested(ref: m.TypeRef) -> bool:
    """True for containers of containers that hold models or enums.

    The runtime helpers convert one level (a model, a list or a map of
    models); deeper shapes such as ``PortMap`` are returned as raw JSON.
    """
    if ref.kind not in ("list", "map") or ref.item is None:
        return False
    return ref.item.kind in ("list", "map", "union") and has_models(ref.item)


def has_models(ref: m.TypeRef) -> bool:
    if ref.kind in ("model", "enum"):
        return True
    if ref.item is not None and has_models(ref.item):
        return True
    return any(has_models(option) for option in ref.options)


def raw_annotation(ref: m.TypeRef) -> str:
    if ref.kind == "model":
        return "dict[str, Any]"
    if ref.kind == "enum":
        return ref.base
    if ref.kind in ("list", "map") and ref.item is not None:
        inner = raw_annotation(ref.item)
        return f"list[{inner}]" if ref.kind == "list" else f"dict[str, {inner}]"
    if ref.kind == "union":
        return " | ".join(raw_annotation(option) for option in ref.options)
    return ref.annotation()


def field_getter(field: m.Field) -> str:
    """Expression that reads ``field`` from ``self._data``."""
    ref, key = field.type, json.dumps(field.wire_name)
    if ref.kind == "model":
        return f"_rt.get_model(self._data, {key}, {ref.name})"
    if ref.kind == "enum":
        helper = "get_int_enum" if ref.base == "int" else "get_enum"
        return f"_rt.{helper}(self._data, {key}, {ref.name})"
    if ref.kind in ("list", "map") and ref.item is not None and not is_nested(ref):
        helper = "list" if ref.kind == "list" else "map"
        if ref.item.kind == "model":
            return f"_rt.get_model_{helper}(self._data, {key}, {ref.item.name})"
        if ref.item.kind == "enum" and ref.kind == "list" and ref.item.base == "str":
            return f"_rt.get_enum_list(self._data, {key}, {ref.item.name})"
    annotation = field_annotation(ref)
    return f'cast("{annotation} | None", self._data.get({key}))'


def return_expression(ref: m.TypeRef | None) -> str:
    """Expression that decodes ``response`` into the operation's return type."""
    if ref is None:
        return "None"
    if ref.kind == "model":
        return f"{ref.name}.from_dict(response.json())"
    if ref.kind == "list" and ref.item is not None and ref.item.kind == "model":
        return f"_rt.decode_list({ref.item.name}, response.json())"
    if ref.kind == "map" and ref.item is not None and ref.item.kind == "model":
        return f"_rt.decode_map({ref.item.name}, response.json())"
    if ref.kind == "str":
        return "response.text"
    return f'cast("{api_annotation(raw_annotation(ref))}", response.json())'


def item_decoder(ref: m.TypeRef | None) -> str:
    """Callable that turns one decoded JSON stream item into its type."""
    if ref is not None and ref.kind == "model":
        return f"{ref.name}.from_dict"
    return "_identity"


def api_annotation(annotation: str) -> str:
    """Spell builtin containers as ``builtins.list`` inside API classes.

    API classes have methods named ``list``; inside the class body a bare
    ``list[...]`` annotation would name that method.
    """
    return (
        annotation.replace("list[", "builtins.list[")
        .replace("dict[", "builtins.dict[")
        .replace("builtins.builtins.", "builtins.")
    )


def return_annotation(op: m.Operation) -> str:
    if op.operation_id in tables.PATH_STAT_OPERATIONS:
        return "PathStat"
    if op.stream is m.StreamKind.JSON_LINES:
        item = "Any" if op.returns is None else raw_or_typed(op.returns)
        return f"JsonStream[{api_annotation(item)}]"
    if op.stream is m.StreamKind.OUTPUT:
        return "OutputStream"
    if op.stream is m.StreamKind.HIJACKED:
        return "HijackedStream"
    if op.stream is m.StreamKind.TAR_OUT:
        return "ByteStream"
    if op.returns is None:
        return "None"
    if op.returns.kind == "str":
        return "str"
    return api_annotation(raw_or_typed(op.returns))


def raw_or_typed(ref: m.TypeRef) -> str:
    if ref.kind == "model":
        return ref.name
    if ref.kind in ("list", "map") and ref.item is not None:
        if ref.item.kind == "model":
            return ref.annotation()
    return raw_annotation(ref)


def parameter_annotation(param: m.Parameter) -> str:
    annotation = api_annotation(param.type.input_annotation())
    return annotation if param.required else f"{annotation} | None"


def query_value(param: m.Parameter) -> str:
    if param.encoding == "filters":
        return f"_enc.encode_filters({param.python_name})"
    if param.encoding == "json":
        return f"_enc.encode_json_param({param.python_name})"
    return param.python_name


def body_annotation(op: m.Operation) -> str:
    assert op.body is not None
    if op.body.type is None:
        return "bytes | IO[bytes] | Iterable[bytes]"
    return api_annotation(op.body.type.input_annotation())


def call_kind(op: m.Operation) -> str:
    """Name of the `ApiClient` method that sends the operation."""
    return {
        m.StreamKind.JSON_LINES: "stream_json",
        m.StreamKind.OUTPUT: "stream_output",
        m.StreamKind.HIJACKED: "hijack",
        m.StreamKind.TAR_OUT: "stream_bytes",
    }.get(op.stream, "request")


def tty_source(op: m.Operation) -> str:
    """Source of the TTY setting that frames the output: "", "document" or "body".

    "document" means a path that the runtime fetches when the caller passes
    no ``tty``, so the generated method takes a ``tty`` keyword.
    """
    source = tables.TTY_SOURCES.get(op.operation_id, "")
    return "document" if isinstance(source, tuple) else source


def reference_parameters(op: m.Operation) -> list[str]:
    """``name: type`` of each parameter of a method, in signature order, for API.md."""
    entries = [f"{p.python_name}: str" for p in op.path_parameters]
    if op.body is not None:
        optional = "" if op.body.required else " | None"
        entries.append(f"{op.body.python_name}: {body_annotation(op)}{optional}")
    for param in op.keyword_parameters:
        entries.append(f"{param.python_name}: {parameter_annotation(param)}")
    if tty_source(op) == "document":
        entries.append("tty: bool | None")
    return [entry.replace("builtins.", "") for entry in entries]


def tty_arguments(op: m.Operation) -> list[tuple[str, str]]:
    """Return the ``tty_from`` and ``tty_field`` arguments of a stream call as code."""
    source = tables.TTY_SOURCES[op.operation_id]
    if not isinstance(source, tuple):
        return [("tty_from", repr(source))]
    path, field = source
    expression = path.replace("{", "{{").replace("}", "}}")
    for param in op.path_parameters:
        expression = expression.replace(
            "{{" + param.wire_name + "}}",
            "{_enc.quote_path(" + param.python_name + ")}",
        )
    arguments = [("tty_from", f'f"{expression}"')]
    if field != "Config.Tty":
        arguments.append(("tty_field", repr(field)))
    return arguments


def upgrade_protocol(op: m.Operation) -> str:
    """Upgrade protocol of a hijacking operation other than "tcp", or ""."""
    return tables.UPGRADE_PROTOCOLS.get(op.operation_id, "")


def returns_path_stat(op: m.Operation) -> bool:
    return op.operation_id in tables.PATH_STAT_OPERATIONS


def is_blocking(op: m.Operation) -> bool:
    return op.operation_id in tables.BLOCKING_OPERATIONS


_TTY_DOC = (
    "tty: Whether the {subject} has a TTY, which decides whether the output "
    "is multiplexed. When None, the method fetches the {subject}'s "
    "settings first{when}."
)


def stream_doc(doc: str, op: m.Operation) -> str:
    """Add the ``tty`` keyword's entry to the Args section of a docstring."""
    source = tables.TTY_SOURCES.get(op.operation_id)
    if not isinstance(source, tuple):
        return doc
    # "/containers/{id}/json" -> "container"
    subject = source[0].strip("/").split("/")[0].removesuffix("s")
    when = ""
    if op.stream is m.StreamKind.HIJACKED:
        when = (
            ", unless the Content-Type of a 101 response from API 1.42 or later "
            "states the framing"
        )
    text = _TTY_DOC.format(subject=subject, when=when)
    lines = textwrap.wrap(text, width=76)
    entry = "\n".join(
        ("            " if index == 0 else "                ") + line
        for index, line in enumerate(lines)
    )
    head, separator, tail = doc.rpartition("\n\n        ``")
    if not separator:
        return doc
    if "\n        Args:\n" in head:
        return f"{head}\n{entry}{separator}{tail}"
    return f"{head}\n\n        Args:\n{entry}{separator}{tail}"


def path_expression(op: m.Operation) -> str:
    """Build the request path as a Python expression with quoted parameters."""
    path = op.path.replace("{", "{{").replace("}", "}}")
    if not op.path_parameters:
        return json.dumps(op.path)
    for param in op.path_parameters:
        path = path.replace(
            "{{" + param.wire_name + "}}",
            "{_enc.quote_path(" + param.python_name + ")}",
        )
    return f'f"{path}"'


def operation_doc(op: m.Operation) -> str:
    """Docstring of an operation method: summary, description, Args."""
    parts = []
    summary = op.summary.strip() or op.operation_id
    parts.append(summary if summary.endswith(".") else summary + ".")
    if op.description.strip() and op.description.strip() != op.summary.strip():
        parts.append(op.description.strip())
    if op.deprecated:
        parts.append("Deprecated: the daemon may remove this operation.")
    if is_blocking(op):
        parts.append(
            "The call waits for the response without a read timeout, because\n"
            "the daemon responds only when the work is done."
        )
    args = []
    if op.body is not None and op.body.required:
        args.append((op.body.python_name, op.body.description.strip() or "Body."))
    for param in op.path_parameters + op.keyword_parameters:
        text = param.description.strip() or param.wire_name
        if param.default_repr and param.default_repr not in ("''", '""'):
            text += f"\n\nDefault: ``{param.default_repr}``."
        args.append((param.python_name, text))
    if op.body is not None and not op.body.required:
        args.append((op.body.python_name, op.body.description.strip() or "Body."))
    if args:
        lines = ["Args:"]
        for name, text in args:
            body = "\n".join(
                "        " + line if line else "" for line in text.splitlines()
            )
            lines.append(f"    {name}: {body.strip()}")
        parts.append("\n".join(lines))
    parts.append(f"``{op.http_method} {op.path}`` (operationId ``{op.operation_id}``).")
    return docstring("\n\n".join(parts), 8)


def type_names(ref: m.TypeRef | None) -> set[str]:
    if ref is None:
        return set()
    names = {ref.name} if ref.kind in ("model", "enum") else set()
    names |= type_names(ref.item)
    for option in ref.options:
        names |= type_names(option)
    return names


def model_imports(group: m.TagGroup) -> list[str]:
    """Model and enum names that a tag module's annotations and bodies use."""
    names: set[str] = set()
    for op in group.operations:
        if op.stream in (m.StreamKind.NONE, m.StreamKind.TAR_IN):
            names |= type_names(op.returns)
        elif op.stream is m.StreamKind.JSON_LINES and op.returns is not None:
            if op.returns.kind == "model":
                names.add(op.returns.name)
        if op.body is not None:
            names |= type_names(op.body.type)
        for param in op.keyword_parameters:
            names |= type_names(param.type)
    return sorted(names, key=import_order)


def import_order(name: str) -> tuple[int, str, str]:
    """isort's order-by-type: constants, then classes, then the rest."""
    if name.isupper() and len(name) > 1:
        kind = 0
    elif name[:1].isupper():
        kind = 1
    else:
        kind = 2
    return kind, name.lower(), name


# Imports every API module template writes; unused ones are dropped after
# rendering so that the output passes ruff without a fix step.
_OPTIONAL_IMPORTS = {
    "import builtins\n": "builtins.",
    "import enum\n": "enum.",
    "import math\n": "math.",
    "import warnings\n": "warnings.",
    "from docker_engine import _encoding as _enc\n": "_enc.",
    "from docker_engine import _models as _rt\n": "_rt.",
}
_OPTIONAL_NAMES = (
    "PathStat",
    "Iterable",
    "Mapping",
    "Sequence",
    "IO",
    "Any",
    "cast",
    "HijackedStream",
    "JsonStream",
    "OutputStream",
    "ByteStream",
)


def prune_imports(text: str) -> str:
    # API modules declare __all__ after their imports; models.py has none,
    # so its first block mark ends the imports there.
    marker = "__all__" if "__all__" in text else CHUNK_MARK
    head, separator, body = text.partition(marker)
    if not re.search(r"\b_identity\b", body.split("def _identity", 1)[-1]):
        body = re.sub(r"def _identity\(.*?\n\n(?=# ----)", "", body, flags=re.S)
        body = body.replace(CHUNK_MARK + "\n" + CHUNK_MARK + "\n", CHUNK_MARK + "\n")
    lines = []
    for line in head.splitlines(keepends=True):
        # --package-name changes the runtime package these imports name.
        key = re.sub(r"^from \w+ import _", "from docker_engine import _", line)
        if key in _OPTIONAL_IMPORTS and _OPTIONAL_IMPORTS[key] not in body:
            continue
        match = re.match(r"(\s*from [\w.]+ import )(.+)\n", line)
        if match and not match.group(2).startswith("("):
            names = [
                name
                for name in match.group(2).split(", ")
                if name not in _OPTIONAL_NAMES or re.search(rf"\b{name}\b", body)
            ]
            if not names:
                continue
            line = f"{match.group(1)}{', '.join(names)}\n"
        lines.append(line)
    text = "".join(lines)
    text = re.sub(r"if TYPE_CHECKING:\n(?=\S|\n)", "", text)
    if "if TYPE_CHECKING:" not in text:
        text = re.sub(r"\bTYPE_CHECKING, |, TYPE_CHECKING\b", "", text)
        text = text.replace("from typing import TYPE_CHECKING\n", "")
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text + separator + body


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(
        docstring=docstring,
        one_line=one_line,
        field_annotation=field_annotation,
        field_getter=field_getter,
        return_expression=return_expression,
        return_annotation=return_annotation,
        parameter_annotation=parameter_annotation,
        input_annotation=lambda ref: ref.input_annotation(),
        query_value=query_value,
        item_decoder=item_decoder,
        api_annotation=api_annotation,
        body_annotation=body_annotation,
        call_kind=call_kind,
        tty_source=tty_source,
        reference_parameters=reference_parameters,
        tty_arguments=tty_arguments,
        upgrade_protocol=upgrade_protocol,
        returns_path_stat=returns_path_stat,
        is_blocking=is_blocking,
        stream_doc=stream_doc,
        path_expression=path_expression,
        operation_doc=operation_doc,
        model_imports=model_imports,
    )
    env.globals.update(
        CHUNK_MARK=CHUNK_MARK, MEMBER_MARK=MEMBER_MARK, StreamKind=m.StreamKind
    )
    return env


def header(api: m.ApiVersion | None, generator_version: str) -> str:
    if api is None:
        return (
            f"# Generated by docker-engine-generator {generator_version}: "
            "the runtime and shim; do not edit."
        )
    return (
        f"# Generated by docker-engine-generator {generator_version} from "
        f"moby/moby {api.commit[:12]} api/docs/{api.source_file} "
        f"(sha256 {api.sha256}); do not edit."
    )


DEFAULT_PACKAGE = "docker_engine"


def render_template(
    env: jinja2.Environment, name: str, context: Mapping[str, object]
) -> str:
    """Render one template, turning Jinja errors into a `GeneratorError`."""
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateError as error:
        line = getattr(error, "lineno", None)
        where = f"templates/{name}" + (f", line {line}" if line else "")
        raise GeneratorError(
            f"template {where} failed: {error}. This is a bug in the template "
            "or in the filters of generator/render.py"
        ) from error


def distribution_name(package_name: str) -> str:
    """Distribution name of an import package: docker_engine gives docker-engine."""
    return package_name.replace("_", "-")


def render_version(
    api: m.ApiVersion,
    env: jinja2.Environment,
    generator_version: str,
    package_name: str = DEFAULT_PACKAGE,
) -> list[RenderedFile]:
    """Render one version's distribution into a list of files."""
    root = f"{api.distribution}"
    package = f"{root}/{package_name}/{api.package}"
    context = {
        "api": api,
        "header": header(api, generator_version),
        "generator_version": generator_version,
        "pkg": package_name,
        "dist": distribution_name(package_name),
    }
    files = [
        (f"{root}/pyproject.toml", "version/pyproject.toml.jinja"),
        (f"{root}/README.md", "version/README.md.jinja"),
        (f"{root}/API.md", "version/API.md.jinja"),
        (f"{package}/__init__.py", "version/__init__.py.jinja"),
        (f"{package}/models.py", "version/models.py.jinja"),
        (f"{package}/client.py", "version/client.py.jinja"),
        (f"{package}/api/__init__.py", "version/api/__init__.py.jinja"),
        (f"{package}/py.typed", "version/py.typed.jinja"),
    ]
    rendered = []
    for path, template in files:
        text = render_template(env, template, context)
        if path.endswith("/models.py"):
            text = prune_imports(text)
        rendered.append(RenderedFile(path, text))
    for group in api.groups:
        tag_context = dict(context, group=group)
        text = render_template(env, "version/api/tag.py.jinja", tag_context)
        text = prune_imports(text)
        rendered.append(RenderedFile(f"{package}/api/{group.module}.py", text))
    return rendered


def render_runtime(
    env: jinja2.Environment,
    generator_version: str,
    versions: list[m.ApiVersion],
    runtime_dir: Path,
    package_name: str = DEFAULT_PACKAGE,
) -> list[RenderedFile]:
    """Render the runtime distribution: the runtime's files plus metadata.

    With another package name, every ``docker_engine`` identifier in the
    runtime's source (imports, the logger name, the version module prefix)
    is renamed with it.
    """
    root = distribution_name(package_name)
    context = {
        "header": header(None, generator_version),
        "generator_version": generator_version,
        "versions": versions,
        "pkg": package_name,
        "dist": root,
    }
    files = [
        RenderedFile(
            f"{root}/pyproject.toml",
            render_template(env, "runtime/pyproject.toml.jinja", context),
        ),
        RenderedFile(
            f"{root}/README.md",
            render_template(env, "runtime/README.md.jinja", context),
        ),
        RenderedFile(
            f"{root}/{package_name}/_versions.py",
            render_template(env, "runtime/_versions.py.jinja", context),
        ),
    ]
    for source in sorted(runtime_dir.rglob("*")):
        if source.is_dir() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(runtime_dir).as_posix()
        relative = f"{package_name}/{relative}"
        text = source.read_text()
        if source.name == "py.typed":
            text = f"{context['header']}\n"
        if source.suffix == ".py":
            if package_name != DEFAULT_PACKAGE:
                text = re.sub(rf"\b{DEFAULT_PACKAGE}\b", package_name, text)
            text = f"{context['header']}\n{text}"
        files.append(RenderedFile(f"{root}/{relative}", text, needs_format=False))
    return files
