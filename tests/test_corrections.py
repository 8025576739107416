"""Check each correction in specs/corrections against real engine responses.

Every test compares the uncorrected and the corrected spec of the first and
last version that the correction covers. The uncorrected schema must reject
the engine's response body at the corrected place, and the corrected one
must accept it. Where the engines cannot produce a shape without a published
port, the test edits a real response body into that shape.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from generator import conformance, load
from generator.problems import GeneratorError

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def engines() -> list[conformance.Engine]:
    try:
        return conformance.read_engines()
    except GeneratorError as error:
        pytest.skip(f"no engines: {error}")


@pytest.fixture(scope="module")
def engine(engines: list[conformance.Engine]) -> conformance.Engine:
    """The engine that serves v1.24 to v1.39, where most corrections apply."""
    chosen = conformance.choose_engine("1.25", engines)
    if chosen is None or not chosen.serves("1.39"):
        pytest.skip("no engine serves both API 1.25 and 1.39")
    return chosen


@pytest.fixture(scope="module")
def objects(engine: conformance.Engine) -> Iterator[conformance.Fixtures]:
    prefix = f"{conformance.NAME_PREFIX}-corrections-{os.getpid()}"
    fixtures = conformance.Fixtures(prefix)
    with conformance.engine_lock(engine):
        try:
            fixtures = conformance.create_fixtures(engine, prefix)
            yield fixtures
        finally:
            failures = conformance.remove_fixtures(engine, fixtures)
            assert not failures, failures


def response_bodies(
    engine: conformance.Engine,
    fixtures: conformance.Fixtures,
    version: str,
    template: str,
) -> list[Any]:
    """GET every request path of one operation with the /vX.Y prefix."""
    bodies = []
    for probe in conformance.plan_probes([template], fixtures):
        bodies.append(
            conformance.call(engine.address, "GET", f"/v{version}{probe.path}")
        )
    assert bodies, f"no request planned for {template}"
    return bodies


def schemas(version: str, corrected: bool) -> conformance.SpecSchemas:
    corrections = None if corrected else []
    return conformance.SpecSchemas(
        load.load_spec(version, corrections=corrections).document
    )


def locations(
    version: str, template: str, bodies: list[Any], corrected: bool
) -> set[str]:
    """Return where the response bodies deviate from a schema, nulls apart."""
    found = set()
    spec = schemas(version, corrected)
    for body in bodies:
        mismatches, _ = conformance.check_response(spec, template, body)
        found.update(mismatch.location for mismatch in mismatches)
    return found


def assert_corrected_at(
    version: str, template: str, bodies: list[Any], location: str
) -> None:
    before = locations(version, template, bodies, corrected=False)
    after = locations(version, template, bodies, corrected=True)
    assert location in before, f"v{version} uncorrected accepts {location}"
    assert location not in after, f"v{version} corrected rejects {location}"


@pytest.mark.parametrize("version", ["1.24", "1.37"])
def test_exec_ids_array(
    engine: conformance.Engine, objects: conformance.Fixtures, version: str
) -> None:
    template = "/containers/{id}/json"
    bodies = response_bodies(engine, objects, version, template)
    running = [body for body in bodies if body["Id"] == objects.running]
    assert isinstance(running[0]["ExecIDs"], list)
    assert_corrected_at(version, template, bodies, "/ExecIDs")


@pytest.mark.parametrize("version", ["1.24", "1.31"])
def test_network_settings_ports_map(
    engine: conformance.Engine, objects: conformance.Fixtures, version: str
) -> None:
    template = "/containers/{id}/json"
    bodies = response_bodies(engine, objects, version, template)
    assert_corrected_at(version, template, bodies, "/NetworkSettings/Ports")

    # Internal networks publish nothing, so the bindings come from an edit.
    edited = bodies[0]
    edited["NetworkSettings"]["Ports"] = {
        "80/tcp": None,
        "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}],
    }
    mismatches, nulls = conformance.check_response(
        schemas(version, corrected=True), template, edited
    )
    assert not mismatches
    assert not [item for item in nulls if "/NetworkSettings/Ports" in item]


@pytest.mark.parametrize("version", ["1.24", "1.34"])
def test_port_bindings_lists(
    engine: conformance.Engine, objects: conformance.Fixtures, version: str
) -> None:
    template = "/containers/{id}/json"
    bodies = response_bodies(engine, objects, version, template)
    assert_corrected_at(version, template, bodies, "/HostConfig/PortBindings/80/tcp")


@pytest.mark.parametrize("version", ["1.24", "1.39"])
def test_restart_policy_name_no(
    engine: conformance.Engine, objects: conformance.Fixtures, version: str
) -> None:
    template = "/containers/{id}/json"
    bodies = response_bodies(engine, objects, version, template)
    names = {body["HostConfig"]["RestartPolicy"]["Name"] for body in bodies}
    assert "no" in names
    assert_corrected_at(version, template, bodies, "/HostConfig/RestartPolicy/Name")


@pytest.mark.parametrize("version", ["1.24", "1.38"])
def test_ipam_options_map(
    engine: conformance.Engine, objects: conformance.Fixtures, version: str
) -> None:
    template = "/networks/{id}"
    bodies = response_bodies(engine, objects, version, template)
    assert bodies[0]["IPAM"]["Options"] == {"conformance": "1"}
    assert_corrected_at(version, template, bodies, "/IPAM/Options")


@pytest.mark.parametrize("version", ["1.25", "1.39"])
def test_system_df_containers(
    engine: conformance.Engine, objects: conformance.Fixtures, version: str
) -> None:
    template = "/system/df"
    bodies = response_bodies(engine, objects, version, template)
    assert_corrected_at(version, template, bodies, "/Containers/*")


def test_config_spec_data_string(
    engine: conformance.Engine, objects: conformance.Fixtures
) -> None:
    template = "/configs/{id}"
    bodies = response_bodies(engine, objects, "1.30", template)
    assert base64.b64decode(bodies[0]["Spec"]["Data"]) == b"conformance"
    assert_corrected_at("1.30", template, bodies, "/Spec/Data")


@pytest.mark.parametrize("version", ["1.32", "1.38"])
def test_port_map_nullable_values(
    engine: conformance.Engine, objects: conformance.Fixtures, version: str
) -> None:
    template = "/containers/{id}/json"
    # An exposed port without bindings reads as null, but only on a network
    # that is not internal, so the null comes from an edited real response.
    edited = response_bodies(engine, objects, version, template)[0]
    edited["NetworkSettings"]["Ports"] = {"80/tcp": None}
    null_location = f"{template} /NetworkSettings/Ports/80/tcp"

    _, nulls_before = conformance.check_response(
        schemas(version, corrected=False), template, edited
    )
    mismatches, nulls_after = conformance.check_response(
        schemas(version, corrected=True), template, edited
    )
    assert null_location in nulls_before
    assert null_location not in nulls_after
    assert not mismatches


@pytest.mark.parametrize("version", ["1.28", "1.38"])
def test_image_container_optional(
    engines: list[conformance.Engine], version: str
) -> None:
    # 20.10 still sends an empty Container, so the test queries a newer engine.
    newer = conformance.choose_engine("1.42", engines)
    if newer is None:
        pytest.skip("no engine serves API 1.42")
    template = "/images/{name}/json"
    path = f"/v{version}/images/{conformance.TEST_IMAGE}/json"
    body = conformance.call(newer.address, "GET", path)
    assert "Container" not in body
    assert_corrected_at(version, template, [body], "/")


@pytest.mark.parametrize("version", ["1.24", "1.36"])
def test_task_state_remove(
    engine: conformance.Engine, objects: conformance.Fixtures, version: str
) -> None:
    service = conformance.call(
        engine.address,
        "POST",
        "/services/create",
        {
            "Name": f"{objects.prefix}-removed-{version.replace('.', '-')}",
            "TaskTemplate": {
                "ContainerSpec": {
                    "Image": conformance.TEST_IMAGE,
                    "Command": ["sleep", "600"],
                }
            },
        },
    )["ID"]
    # Once the service is deleted, its task has DesiredState "remove" until
    # its container stops, which takes the 10 s stop timeout of sleep.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if any(
            task["ServiceID"] == service
            for task in conformance.call(engine.address, "GET", "/tasks")
        ):
            break
        time.sleep(0.2)
    conformance.call(engine.address, "DELETE", f"/services/{service}")
    body: Any = []
    desired: list[str] = []
    while time.monotonic() < deadline and desired != ["remove"]:
        body = conformance.call(engine.address, "GET", f"/v{version}/tasks")
        desired = [
            task["DesiredState"] for task in body if task["ServiceID"] == service
        ]
        time.sleep(0.1)
    assert desired == ["remove"]
    assert_corrected_at(version, "/tasks", [body], "/*/DesiredState")


def raw_exec_start(address: str, version: str, exec_id: str) -> bytes:
    """Start an exec with upgrade headers and return the status line."""
    assert address.startswith("unix://"), "the upgrade test needs a unix socket"
    body = json.dumps({"Detach": False, "Tty": False}).encode()
    head = (
        f"POST /v{version}/exec/{exec_id}/start HTTP/1.1\r\n"
        "Host: docker\r\n"
        "Content-Type: application/json\r\n"
        "Connection: Upgrade\r\n"
        "Upgrade: tcp\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(10)
        sock.connect(address[len("unix://") :])
        sock.sendall(head.encode() + body)
        received = b""
        while b"\r\n" not in received:
            chunk = sock.recv(4096)
            if not chunk:
                break
            received += chunk
    return received.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("version", ["1.24", "1.47"])
def test_exec_start_upgrade_response(
    engines: list[conformance.Engine], version: str
) -> None:
    responses = "/paths/~1exec~1{id}~1start/post/responses"
    before = load.load_spec(version, corrections=[]).document
    after = load.load_spec(version).document
    assert "101" not in before["paths"]["/exec/{id}/start"]["post"]["responses"]
    assert "101" in after["paths"]["/exec/{id}/start"]["post"]["responses"], responses

    engine = conformance.choose_engine(version, engines)
    if engine is None:
        pytest.skip(f"no engine serves API {version}")
    name = f"{conformance.NAME_PREFIX}-upgrade-{os.getpid()}"
    created = conformance.call(
        engine.address,
        "POST",
        f"/containers/create?name={name}",
        {
            "Image": conformance.TEST_IMAGE,
            "Cmd": ["sleep", "60"],
            "HostConfig": {"NetworkMode": "none"},
        },
    )
    try:
        conformance.call(engine.address, "POST", f"/containers/{created['Id']}/start")
        exec_id = conformance.call(
            engine.address,
            "POST",
            f"/containers/{created['Id']}/exec",
            {"Cmd": ["echo", "upgraded"], "AttachStdout": True},
        )["Id"]
        status_line = raw_exec_start(engine.address, version, exec_id)
    finally:
        conformance.send(
            engine.address, "DELETE", f"/containers/{created['Id']}?force=1"
        )
    assert status_line.startswith(b"HTTP/1.1 101"), status_line


@pytest.mark.parametrize("version", ["1.24", "1.47"])
def test_archive_get_path_stat_header(
    engines: list[conformance.Engine], version: str
) -> None:
    header = "X-Docker-Container-Path-Stat"
    before = load.load_spec(version, corrections=[]).document
    after = load.load_spec(version).document
    get_before = before["paths"]["/containers/{id}/archive"]["get"]["responses"]
    get_after = after["paths"]["/containers/{id}/archive"]["get"]["responses"]
    assert header not in get_before["200"].get("headers", {})
    assert header in get_after["200"]["headers"]

    engine = conformance.choose_engine(version, engines)
    if engine is None:
        pytest.skip(f"no engine serves API {version}")
    name = f"{conformance.NAME_PREFIX}-archive-{os.getpid()}"
    created = conformance.call(
        engine.address,
        "POST",
        f"/containers/create?name={name}",
        {"Image": conformance.TEST_IMAGE, "Cmd": ["true"]},
    )
    try:
        response = conformance.send(
            engine.address,
            "GET",
            f"/v{version}/containers/{created['Id']}/archive?path=/etc",
        )
    finally:
        conformance.send(
            engine.address, "DELETE", f"/containers/{created['Id']}?force=1"
        )
    assert response.status == 200
    stat = json.loads(base64.b64decode(response.headers[header.lower()]))
    assert stat["name"] == "etc"
