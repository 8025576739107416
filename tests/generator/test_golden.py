"""Golden test: the fixture specs generate exactly the files in tests/golden.

Also runs the generated fixture package in a subprocess to check what the
golden text alone cannot show: wire names, enums and paths at runtime.
"""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from generator_fixtures import golden_refresh, runtime_env

REFRESH_HINT = (
    "The generated fixture tree differs from tests/golden. If the change is "
    "intended, run `make golden` (python -m tests.golden_refresh) and review "
    "the diff of tests/golden before committing it."
)


@pytest.fixture(scope="module")
def fixture_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out: Path = golden_refresh.generate_fixtures(tmp_path_factory.mktemp("golden"))
    return out


def golden_tree() -> dict[str, bytes]:
    root: Path = golden_refresh.GOLDEN
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def first_diff(path: str, expected: bytes, actual: bytes) -> str:
    lines = difflib.unified_diff(
        expected.decode().splitlines(keepends=True),
        actual.decode().splitlines(keepends=True),
        f"tests/golden/{path}",
        f"generated/{path}",
    )
    return "".join(list(lines)[:40])


def test_no_golden_file_missing(fixture_out: Path) -> None:
    actual = golden_refresh.golden_files(fixture_out)
    missing = sorted(set(golden_tree()) - set(actual))
    assert missing == [], f"not generated any more: {missing}. {REFRESH_HINT}"


def test_no_new_file(fixture_out: Path) -> None:
    actual = golden_refresh.golden_files(fixture_out)
    extra = sorted(set(actual) - set(golden_tree()))
    assert extra == [], f"new generated files: {extra}. {REFRESH_HINT}"


def test_golden_bytes_equal(fixture_out: Path) -> None:
    actual = golden_refresh.golden_files(fixture_out)
    expected = golden_tree()
    differing = sorted(
        path for path in set(actual) & set(expected) if actual[path] != expected[path]
    )
    detail = ""
    if differing:
        path = differing[0]
        detail = "\n" + first_diff(path, expected[path], actual[path])
    assert differing == [], f"{REFRESH_HINT}\ndiffering: {differing}{detail}"


def test_runtime_copy_present(fixture_out: Path) -> None:
    assert (fixture_out / "docker-engine" / "docker_engine" / "_models.py").is_file()


# Exercises the generated v1.40 fixture package against a recording stand-in
# for ApiClient, and prints one JSON object of observed values.
PROBE = r"""
import json
from docker_engine.v1_40 import Client, models
from docker_engine.v1_40.api.widget import WidgetApi
from docker_engine.v1_40.api.containers import ContainersApi


class Response:
    def __init__(self, data):
        self.data = data

    def json(self):
        return self.data


class Recorder:
    def __init__(self):
        self.calls = []

    def _record(self, kind, method, path, **kwargs):
        self.calls.append({"kind": kind, "method": method, "path": path,
                           "query": kwargs.get("query"),
                           "json": kwargs.get("json")})
        if path == "/widgets/json":
            return Response([{"Name": "listed"}])
        return Response({"Id": "w1", "Warnings": []})

    def request(self, method, path, **kwargs):
        return self._record("request", method, path, **kwargs)

    def stream_output(self, method, path, **kwargs):
        return self._record("stream_output", method, path, **kwargs)

    def hijack(self, method, path, **kwargs):
        return self._record("hijack", method, path, **kwargs)

    def stream_bytes(self, method, path, **kwargs):
        return self._record("stream_bytes", method, path, **kwargs)


result = {}
unknown = models.Widget.from_dict({"State": "melting"}).state
result["unknown_enum"] = [unknown, type(unknown).__name__]
known = models.Widget.from_dict({"State": "running"}).state
result["known_enum"] = known is models.WidgetState.RUNNING
built = models.Widget(os_version_2="dotted", os_version="camel", one_shot=True,
                      from_="base", type_="t", list_=["x"])
result["wire_names"] = built.to_dict()
kept = models.Widget.from_dict({"Name": "w", "Extra": 1})
result["unknown_field_kept"] = kept.to_dict()
parts = models.Widget.from_dict({"Parts": [{"Name": "p", "Kind": "nut"}]}).parts
result["part_kind"] = parts[0].kind is models.PartKind.NUT
result["widget_doc"] = models.Widget.__doc__
result["kind_doc"] = models.Part.kind.__doc__
gadget = models.Gadget(id="g", color="red")
result["gadget"] = gadget.to_dict()

recorder = Recorder()
widgets = WidgetApi(recorder)
widgets.inspect("a/b c")
listed = widgets.list(from_="x", type_="small", all=True)
result["listed"] = [type(item).__name__ for item in listed] + [listed[0].name]
created = widgets.create(body={"Name": "w"}, name="n")
result["created_id"] = created.id
containers = ContainersApi(recorder)
containers.logs("c1")
containers.export("c1")
result["calls"] = recorder.calls
result["client_attributes"] = sorted(
    name for name in ("containers", "gadget", "images", "system", "widget")
    if hasattr(Client, name)
)
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def probe(fixture_out: Path) -> dict[str, object]:
    env = runtime_env()
    env["PYTHONPATH"] = f"{fixture_out / 'docker-engine'}:" + str(
        fixture_out / "docker-engine-v1-40"
    )
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    data: dict[str, object] = json.loads(completed.stdout)
    return data


def test_unknown_enum_kept_str(probe: dict[str, object]) -> None:
    assert probe["unknown_enum"] == ["melting", "str"]


def test_known_enum_member(probe: dict[str, object]) -> None:
    assert probe["known_enum"] is True


def test_constructor_wire_names(probe: dict[str, object]) -> None:
    assert probe["wire_names"] == {
        "os.version": "dotted",
        "OSVersion": "camel",
        "one-shot": True,
        "from": "base",
        "type": "t",
        "list": ["x"],
    }


def test_unknown_field_kept(probe: dict[str, object]) -> None:
    assert probe["unknown_field_kept"] == {"Name": "w", "Extra": 1}


def test_nested_enum_in_list(probe: dict[str, object]) -> None:
    assert probe["part_kind"] is True


def test_docstring_text_survives(probe: dict[str, object]) -> None:
    doc = str(probe["widget_doc"])
    assert "C:\\widgets\\new" in doc
    assert 'three quotes """ in a row' in doc
    assert doc.rstrip().endswith('"done"')


def test_escaped_quotes_docstring(probe: dict[str, object]) -> None:
    assert str(probe["kind_doc"]).rstrip().endswith('three quotes \\"""')


def test_all_of_constructor(probe: dict[str, object]) -> None:
    assert probe["gadget"] == {"ID": "g", "Color": "red"}


def calls(probe: dict[str, object]) -> list[dict[str, object]]:
    recorded = probe["calls"]
    assert isinstance(recorded, list)
    return recorded


def test_path_parameter_quoted(probe: dict[str, object]) -> None:
    assert calls(probe)[0]["path"] == "/widgets/a%2Fb%20c/json"


def test_query_wire_names(probe: dict[str, object]) -> None:
    query = calls(probe)[1]["query"]
    assert query == {"all": True, "filters": None, "from": "x", "type": "small"}


def test_list_response_decoded(probe: dict[str, object]) -> None:
    assert probe["listed"] == ["Widget", "listed"]


def test_body_and_response(probe: dict[str, object]) -> None:
    assert calls(probe)[2]["json"] == {"Name": "w"}
    assert probe["created_id"] == "w1"


def test_stream_call_kinds(probe: dict[str, object]) -> None:
    kinds = [call["kind"] for call in calls(probe)[3:]]
    assert kinds == ["stream_output", "stream_bytes"]


def test_client_attributes(probe: dict[str, object]) -> None:
    assert probe["client_attributes"] == [
        "containers",
        "gadget",
        "images",
        "system",
        "widget",
    ]
