"""Unit tests of generator.normalize: the model built from the fixture spec."""

from __future__ import annotations

import pytest
from generator_fixtures import SpecFolder, SpecFolderFactory, fixture_document

from generator import model as m
from generator.problems import Level, Problems


@pytest.fixture
def api(spec_folder: SpecFolderFactory) -> m.ApiVersion:
    problems = Problems()
    result = spec_folder().normalize("1.40", problems)
    assert problems.items == []
    return result


def model_named(api: m.ApiVersion, name: str) -> m.Model:
    return next(item for item in api.models if item.name == name)


def field_named(model: m.Model, wire: str) -> m.Field:
    return next(item for item in model.fields if item.wire_name == wire)


def operation(api: m.ApiVersion, operation_id: str) -> m.Operation:
    return next(op for op in api.operations if op.operation_id == operation_id)


def test_version_names(api: m.ApiVersion) -> None:
    assert api.package == "v1_40"
    assert api.distribution == "docker-engine-v1-40"
    assert api.title == "Fixture Engine API"


def test_inline_response_named(api: m.ApiVersion) -> None:
    assert operation(api, "WidgetCreate").returns == m.TypeRef(
        "model", "WidgetCreateResponse"
    )
    fields = model_named(api, "WidgetCreateResponse").fields
    assert [f.python_name for f in fields] == ["id", "warnings"]
    assert fields[0].required


def test_inline_body_named(api: m.ApiVersion) -> None:
    body = operation(api, "WidgetCreate").body
    assert body is not None
    assert body.type == m.TypeRef("model", "WidgetCreateRequest")
    assert body.required
    assert body.media_type == "application/json"


def test_titled_inline_schema(api: m.ApiVersion) -> None:
    assert operation(api, "WidgetUsage").returns == m.TypeRef("model", "WidgetUsage")


def test_title_taken_gets_number(api: m.ApiVersion) -> None:
    assert operation(api, "WidgetPart").returns == m.TypeRef("model", "Part2")
    assert [f.wire_name for f in model_named(api, "Part").fields] == ["Name", "Kind"]


def test_all_of_merged(api: m.ApiVersion) -> None:
    gadget = model_named(api, "Gadget")
    assert [f.wire_name for f in gadget.fields] == ["ID", "Created", "Color"]
    assert gadget.description == "A gadget extends the base fields."
    assert [f.required for f in gadget.fields] == [True, False, True]


def test_ref_sibling_keys(api: m.ApiVersion) -> None:
    owner = field_named(model_named(api, "Widget"), "Owner")
    assert owner.type == m.TypeRef("model", "Owner")
    assert owner.description == "Sibling text next to a reference."


def test_additional_properties_maps(api: m.ApiVersion) -> None:
    widget = model_named(api, "Widget")
    labels = field_named(widget, "Labels").type
    parts = field_named(widget, "PartsByName").type
    assert labels == m.TypeRef("map", item=m.TypeRef("str"))
    assert parts == m.TypeRef("map", item=m.TypeRef("model", "Part"))


def test_map_alias(api: m.ApiVersion) -> None:
    alias = model_named(api, "LabelMap").alias
    assert alias == m.TypeRef("map", item=m.TypeRef("str"))


def test_list_alias(api: m.ApiVersion) -> None:
    alias = model_named(api, "PartList").alias
    assert alias == m.TypeRef("list", item=m.TypeRef("model", "Part"))


def test_array_or_string_union(api: m.ApiVersion) -> None:
    command = field_named(model_named(api, "Widget"), "Command").type
    assert command.kind == "union"
    assert command.annotation() == "list[str] | str"


@pytest.mark.parametrize("wire", ["shared-size", "Size", "Capacity"])
def test_wide_integers_are_int(api: m.ApiVersion, wire: str) -> None:
    assert field_named(model_named(api, "Widget"), wire).type == m.TypeRef("int")


def test_string_enum(api: m.ApiVersion) -> None:
    widget = model_named(api, "Widget")
    assert field_named(widget, "State").type == m.TypeRef("enum", "WidgetState")
    state = next(item for item in api.enums if item.name == "WidgetState")
    assert state.base == "str"
    assert [v.python_name for v in state.values] == ["RUNNING", "STOPPED", "EMPTY"]
    assert [v.value for v in state.values] == ["running", "stopped", ""]


def test_integer_enum(api: m.ApiVersion) -> None:
    priority = next(item for item in api.enums if item.name == "WidgetPriority")
    assert priority.base == "int"
    assert [v.value for v in priority.values] == [1, 2, 3]


@pytest.mark.parametrize(
    ("wire", "python"),
    [
        ("os.version", "os_version_2"),
        ("OSVersion", "os_version"),
        ("one-shot", "one_shot"),
        ("shared-size", "shared_size"),
        ("from", "from_"),
        ("class", "class_"),
        ("type", "type_"),
        ("list", "list_"),
    ],
)
def test_field_python_names(api: m.ApiVersion, wire: str, python: str) -> None:
    assert field_named(model_named(api, "Widget"), wire).python_name == python


def test_path_parameter_mapped(api: m.ApiVersion) -> None:
    (parameter,) = operation(api, "WidgetInspect").path_parameters
    assert parameter.wire_name == "widget-id"
    assert parameter.python_name == "widget_id"
    assert parameter.required


def test_query_default_kept(api: m.ApiVersion) -> None:
    parameters = operation(api, "WidgetList").query_parameters
    by_wire = {p.wire_name: p for p in parameters}
    assert by_wire["all"].default_repr == "False"
    assert by_wire["filters"].encoding == "filters"
    assert by_wire["from"].python_name == "from_"
    assert by_wire["type"].type == m.TypeRef("str")


def test_registry_auth_header(api: m.ApiVersion) -> None:
    (header,) = operation(api, "WidgetRename").header_parameters
    assert header.encoding == "registry_auth"
    assert header.python_name == "x_registry_auth"


def test_deprecated_operation(api: m.ApiVersion) -> None:
    assert operation(api, "WidgetRename").deprecated
    assert not operation(api, "WidgetInspect").deprecated


@pytest.mark.parametrize(
    ("operation_id", "stream"),
    [
        ("ContainerLogs", m.StreamKind.OUTPUT),
        ("ContainerAttach", m.StreamKind.HIJACKED),
        ("PutContainerArchive", m.StreamKind.TAR_IN),
        ("ContainerExport", m.StreamKind.TAR_OUT),
        ("SystemEvents", m.StreamKind.JSON_LINES),
        ("ImageCreate", m.StreamKind.JSON_LINES),
        ("WidgetInspect", m.StreamKind.NONE),
    ],
)
def test_stream_kinds(
    api: m.ApiVersion, operation_id: str, stream: m.StreamKind
) -> None:
    assert operation(api, operation_id).stream is stream


def test_stream_item_from_table(api: m.ApiVersion) -> None:
    assert operation(api, "SystemEvents").returns == m.TypeRef("model", "EventMessage")


def test_stream_item_fallback_map(api: m.ApiVersion) -> None:
    returns = operation(api, "ImageCreate").returns
    assert returns == m.TypeRef("map", item=m.TypeRef("any"))


def test_tar_body_binary(api: m.ApiVersion) -> None:
    body = operation(api, "PutContainerArchive").body
    assert body is not None
    assert body.type is None
    assert body.media_type == "application/x-tar"
    assert body.python_name == "input_stream"


def test_output_stream_no_return(api: m.ApiVersion) -> None:
    assert operation(api, "ContainerLogs").returns is None


def test_method_names(api: m.ApiVersion) -> None:
    methods = {op.operation_id: op.method_name for op in api.operations}
    assert methods["WidgetList"] == "list"
    assert methods["PutContainerArchive"] == "put_archive"
    assert methods["SystemEvents"] == "events"


def test_tag_groups_sorted(api: m.ApiVersion) -> None:
    assert [g.tag for g in api.groups] == [
        "Container",
        "Gadget",
        "Image",
        "System",
        "Widget",
    ]
    assert api.groups[0].class_name == "ContainersApi"
    assert api.groups[1].attribute == "gadget"


def test_status_codes(api: m.ApiVersion) -> None:
    create = operation(api, "WidgetCreate")
    assert create.success_status == [201]
    assert create.error_status == [400]


def test_names_ignore_property_order(spec_folder: SpecFolderFactory) -> None:
    document = fixture_document()
    widget = document["definitions"]["Widget"]
    widget["properties"] = dict(reversed(list(widget["properties"].items())))
    forward = spec_folder().normalize("1.40")
    backward = spec_folder(specs={"v1.40.yaml": document}).normalize("1.40")
    names_forward = {
        f.wire_name: f.python_name for f in model_named(forward, "Widget").fields
    }
    names_backward = {
        f.wire_name: f.python_name for f in model_named(backward, "Widget").fields
    }
    assert names_forward == names_backward


def normalize_edited(folder: SpecFolder) -> Problems:
    problems = Problems()
    folder.normalize("1.40", problems)
    return problems


def test_missing_ref_error(spec_folder: SpecFolderFactory) -> None:
    document = fixture_document()
    document["definitions"]["Widget"]["properties"]["Owner"][
        "$ref"
    ] = "#/definitions/Nobody"
    problems = normalize_edited(spec_folder(specs={"v1.40.yaml": document}))
    (problem,) = problems.items
    assert problem.level is Level.ERROR
    assert problem.version == "1.40"
    assert problem.pointer == "/definitions/Widget/properties/Owner"
    assert "'Nobody'" in problem.message
    assert "specs/corrections/" in problem.message


def test_missing_operation_id_warns(spec_folder: SpecFolderFactory) -> None:
    document = fixture_document()
    del document["paths"]["/events"]["get"]["operationId"]
    problems = normalize_edited(spec_folder(specs={"v1.40.yaml": document}))
    (problem,) = problems.items
    assert problem.level is Level.WARNING
    assert problem.pointer == "/paths/~1events/get"
    assert "no operationId" in problem.message


@pytest.mark.parametrize("wire", ["headers", "response", "warnings", "cast"])
def test_parameter_avoids_method_locals(
    spec_folder: SpecFolderFactory, wire: str
) -> None:
    document = fixture_document()
    parameters = document["paths"]["/widgets/json"]["get"]["parameters"]
    parameters.append({"name": wire, "in": "query", "type": "string"})
    api = spec_folder(specs={"v1.40.yaml": document}).normalize("1.40")
    by_wire = {p.wire_name: p for p in operation(api, "WidgetList").query_parameters}
    assert by_wire[wire].python_name == f"{wire}_"
