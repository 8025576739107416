"""Conformance suite: real engines' JSON responses checked against the specs.

Each GET operation whose 200 response is a JSON document is sent with the
``/vX.Y`` prefix to every engine that serves version X.Y. The suite
validates the body twice against the operation's response schema: once
from the uncorrected spec and once from the corrected one. A null where the
schema forbids it is the only tolerated deviation. It is counted apart and
is no mismatch, because the engines' Go encoder writes nil slices and maps
as null in many places that the specs do not mark nullable.

The suite creates its objects once per engine and then queries all of that
engine's versions. The objects are four containers (running, paused, exited
and never started) with labels, a volume mount and an exposed but
unpublished port, where only the never-started one has port bindings. Next
come an image built from the test image, two volumes, an internal network
and three execs. In a swarm, which the suite initialises on 127.0.0.1 and
leaves afterwards unless the engine was already in one, it adds a service
of the local test image, a secret and a config. Engines are handled one at
a time, and every object is removed again, even after a failure. The events
endpoint is queried for the time range of the run.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import http.client
import io
import json
import os
import socket
import sys
import tarfile
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# jsonschema ships no type information, and pyproject.toml lists no stubs.
import jsonschema  # type: ignore[import-untyped]
import jsonschema.exceptions  # type: ignore[import-untyped]

from generator import load
from generator.problems import GeneratorError

DEFAULT_ENGINES_ENV = load.ROOT / ".cache" / "engines" / "engines.env"
TEST_IMAGE = "dockerengine-test:busybox"
NAME_PREFIX = "dockerengine-conformance"
REQUEST_TIMEOUT = 60.0
# Seconds to wait for another run of the suite to release an engine.
LOCK_TIMEOUT = 300.0
# Driver options of a local volume that is never mounted.
TMPFS = {"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}
# Engines return 500 for a disk usage request while another one runs.
_DISK_USAGE_LOCK = threading.Lock()

# Requests in flight per engine, and versions checked at the same time.
REQUEST_WORKERS = 16
VERSION_WORKERS = 4

# GET operations with a JSON 200 schema that the suite does not send, and why.
SKIPPED = {
    "/images/search": "needs a registry, and none is reachable",
    "/distribution/{name}/json": "needs a registry, and none is reachable",
    "/plugins/privileges": "needs a registry, and none is reachable",
    "/plugins/{name}/json": "the engines have no plugin installed",
}

# Keys of the Swagger schema objects that JSON Schema draft 4 does not share
# or that the suite ignores on purpose (``format`` is informational here).
_DROPPED_KEYS = {
    "format",
    "example",
    "description",
    "title",
    "default",
    "readOnly",
    "discriminator",
    "xml",
    "externalDocs",
}


# --- engines and HTTP -------------------------------------------------------


@dataclass(frozen=True)
class Engine:
    """One engine of engines.env with the API versions it serves."""

    name: str
    address: str
    api_version: str
    min_api_version: str

    def serves(self, version: str) -> bool:
        return (
            load.minor(self.min_api_version)
            <= load.minor(version)
            <= load.minor(self.api_version)
        )


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.socket_path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def send(
    address: str,
    method: str,
    path: str,
    body: Any = None,
    content_type: str = "application/json",
    timeout: float = REQUEST_TIMEOUT,
) -> Response:
    """Send one request to a ``unix://`` or ``tcp://`` engine address.

    A ``body`` of type bytes is sent as it is, any other is encoded as JSON.
    """
    if address.startswith("unix://"):
        connection: http.client.HTTPConnection = _UnixConnection(
            address[len("unix://") :], timeout
        )
    elif address.startswith("tcp://"):
        connection = http.client.HTTPConnection(
            address[len("tcp://") :], timeout=timeout
        )
    else:
        raise GeneratorError(
            f"unsupported engine address {address!r}: expected unix:// or tcp://"
        )
    headers = {}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return Response(
            response.status,
            response.read(),
            {key.lower(): value for key, value in response.getheaders()},
        )
    except OSError as error:
        raise GeneratorError(
            f"{method} {path} to {address} failed: {error}. Check that the "
            "engine runs (scripts/engines.sh status)"
        ) from error
    finally:
        connection.close()


def call(address: str, method: str, path: str, body: Any = None) -> Any:
    """Send one request and decode its JSON body, raising unless it is 2xx."""
    response = send(address, method, path, body)
    if not 200 <= response.status < 300:
        raise GeneratorError(
            f"{method} {path} to {address} returned {response.status}: "
            f"{response.body.decode(errors='replace').strip()}"
        )
    return response.json() if response.body.strip() else None


def read_engines(path: Path | None = None) -> list[Engine]:
    """Read engines.env and ask each engine for its API version range.

    Engines that share an address (``ENGINES_MODE=docker-host``) appear once.
    """
    path = path or Path(os.environ.get("ENGINES_ENV") or DEFAULT_ENGINES_ENV)
    try:
        text = path.read_text()
    except OSError as error:
        raise GeneratorError(
            f"cannot read {path}: {error.strerror}. Start the engines with "
            "`make engines` or pass --engines"
        ) from error
    values = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and not key.startswith("#"):
            values[key] = value
    engines: list[Engine] = []
    seen: set[str] = set()
    for key, name in sorted(values.items()):
        if not (key.startswith("ENGINE_") and key.endswith("_NAME")):
            continue
        address = values.get(key[: -len("_NAME")] + "_SOCK")
        if not address:
            raise GeneratorError(f"{path}: {key} has no matching _SOCK line")
        if address in seen:
            continue
        seen.add(address)
        version = call(address, "GET", "/version")
        engines.append(
            Engine(name, address, version["ApiVersion"], version["MinAPIVersion"])
        )
    if not engines:
        raise GeneratorError(f"{path} lists no engines")
    return engines


def choose_engine(version: str, engines: list[Engine]) -> Engine | None:
    """Pick the oldest engine that serves a version, so every engine is used."""
    serving = [engine for engine in engines if engine.serves(version)]
    if not serving:
        return None
    return min(serving, key=lambda engine: load.minor(engine.api_version))


@contextlib.contextmanager
def engine_lock(engine: Engine, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive lock on one engine for this machine's suite runs.

    Two runs must not overlap on an engine, because the one that initialised
    the swarm leaves it while the other may still use it. The lock is a
    ``flock`` on a file in the temporary folder, named after the address.
    Other programs that use the engines' swarms do not take it.
    """
    digest = hashlib.sha256(engine.address.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"{NAME_PREFIX}-{digest}.lock"
    with open(path, "a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GeneratorError(
                        f"engine {engine.name}: another conformance run held "
                        f"{path} for {timeout:.0f} s. Wait for it to finish"
                    ) from None
                time.sleep(0.5)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- objects the suite creates ----------------------------------------------


@dataclass
class Fixtures:
    """Ids of the objects created on one engine, for path parameters and cleanup."""

    prefix: str
    containers: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    execs: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    nodes: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    configs: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    running: str = ""
    joined_swarm: bool = False
    created_at: int = field(default_factory=lambda: int(time.time()))


def create_fixtures(engine: Engine, prefix: str) -> Fixtures:
    """Create the suite's objects on one engine. The caller removes them."""
    address = engine.address
    fixtures = Fixtures(prefix)
    labels = {"dockerengine.conformance": "1", "empty": ""}

    for name, options in ((f"{prefix}-vol", {}), (f"{prefix}-tmpfs-vol", TMPFS)):
        volume = call(
            address,
            "POST",
            "/volumes/create",
            {"Name": name, "Labels": labels, "DriverOpts": options},
        )
        fixtures.volumes.append(volume["Name"])
    network = call(
        address,
        "POST",
        "/networks/create",
        {
            "Name": f"{prefix}-net",
            "Internal": True,
            "Labels": labels,
            "IPAM": {"Driver": "default", "Options": {"conformance": "1"}},
        },
    )
    fixtures.networks.append(network["Id"])

    def create_container(
        name: str, command: list[str], config: dict[str, Any], **host: Any
    ) -> str:
        body = {
            "Image": TEST_IMAGE,
            "Cmd": command,
            "Labels": labels,
            "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
            **config,
            "HostConfig": {
                "NetworkMode": f"{prefix}-net",
                "Mounts": [
                    {"Type": "volume", "Source": f"{prefix}-vol", "Target": "/data"}
                ],
                **host,
            },
        }
        created = call(address, "POST", f"/containers/create?name={name}", body)
        fixtures.containers.append(created["Id"])
        return str(created["Id"])

    # The running container sets many optional fields, so that their
    # schemas see values instead of nulls.
    running = create_container(
        f"{prefix}-running",
        ["sleep", "600"],
        {
            "Env": ["CONFORMANCE=1"],
            "Healthcheck": {
                "Test": ["CMD", "true"],
                "Interval": 1_000_000_000,
                "Timeout": 1_000_000_000,
                "Retries": 1,
            },
        },
        RestartPolicy={"Name": "no"},
        Tmpfs={"/scratch": "size=1m"},
        Ulimits=[{"Name": "nofile", "Soft": 1024, "Hard": 1024}],
        CapAdd=["CHOWN"],
        ExtraHosts=["conformance.internal:127.0.0.1"],
        Dns=["127.0.0.1"],
    )
    call(address, "POST", f"/containers/{running}/start")
    fixtures.running = running
    exited = create_container(f"{prefix}-exited", ["true"], {})
    call(address, "POST", f"/containers/{exited}/start")
    call(address, "POST", f"/containers/{exited}/wait")
    paused = create_container(f"{prefix}-paused", ["sleep", "600"], {})
    call(address, "POST", f"/containers/{paused}/start")
    call(address, "POST", f"/containers/{paused}/pause")
    # Never started, so its port bindings never open a socket.
    create_container(
        f"{prefix}-created",
        ["true"],
        {"Entrypoint": ["/bin/sh", "-c"], "WorkingDir": "/data"},
        PortBindings={"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]},
        RestartPolicy={"Name": "on-failure", "MaximumRetryCount": 2},
    )

    for command, start in (
        (["true"], True),
        (["sleep", "600"], True),
        (["true"], False),
    ):
        created = call(
            address,
            "POST",
            f"/containers/{running}/exec",
            {"Cmd": command, "AttachStdout": False, "AttachStderr": False},
        )
        fixtures.execs.append(created["Id"])
        if start:
            call(address, "POST", f"/exec/{created['Id']}/start", {"Detach": True})

    _build_image(engine, fixtures)
    _create_swarm_objects(engine, fixtures, labels)
    _wait_for_health(engine, running)
    return fixtures


# Image settings that the test image lacks, so that their schemas see values.
DOCKERFILE = b"""\
FROM dockerengine-test:busybox
LABEL dockerengine.conformance=1
ENV CONFORMANCE=1
RUN echo built > /built
EXPOSE 8080
VOLUME /vol
HEALTHCHECK CMD true
"""


def _build_image(engine: Engine, fixtures: Fixtures) -> None:
    """Build an image from the test image with the classic builder."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(DOCKERFILE)
        tar.addfile(info, io.BytesIO(DOCKERFILE))
    tag = f"{fixtures.prefix}:built"
    query = urllib.parse.urlencode(
        {"t": tag, "rm": "1", "forcerm": "1", "version": "1"}
    )
    response = send(
        engine.address,
        "POST",
        f"/build?{query}",
        archive.getvalue(),
        content_type="application/x-tar",
    )
    # A failed step still returns 200, with an error object in the stream.
    if response.status != 200 or b'"error"' in response.body:
        raise GeneratorError(
            f"engine {engine.name}: building {tag} failed with status "
            f"{response.status}: {response.body.decode(errors='replace')[-300:]}"
        )
    fixtures.images.append(tag)


def _wait_for_health(engine: Engine, container: str) -> None:
    """Wait until the first health check ran, so State.Health has a log."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        state = call(engine.address, "GET", f"/containers/{container}/json")["State"]
        if state.get("Health", {}).get("Log"):
            return
        time.sleep(0.2)
    raise GeneratorError(
        f"engine {engine.name}: no health check result for container "
        f"{container} after 10 s"
    )


def _create_swarm_objects(
    engine: Engine, fixtures: Fixtures, labels: dict[str, str]
) -> None:
    address = engine.address
    state = call(address, "GET", "/info")["Swarm"]["LocalNodeState"]
    if state == "inactive":
        call(
            address,
            "POST",
            "/swarm/init",
            {"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"},
        )
        fixtures.joined_swarm = True
    elif state != "active":
        raise GeneratorError(
            f"engine {engine.name} is in swarm state {state!r}; the suite needs "
            "an inactive or active swarm"
        )
    fixtures.nodes = [node["ID"] for node in call(address, "GET", "/nodes")]

    data = base64.b64encode(b"conformance").decode()
    secret = call(
        address,
        "POST",
        "/secrets/create",
        {"Name": f"{fixtures.prefix}-secret", "Data": data, "Labels": labels},
    )
    fixtures.secrets.append(secret["ID"])
    config = call(
        address,
        "POST",
        "/configs/create",
        {"Name": f"{fixtures.prefix}-config", "Data": data, "Labels": labels},
    )
    fixtures.configs.append(config["ID"])

    file_mode = {"UID": "0", "GID": "0", "Mode": 0o444}
    service = call(
        address,
        "POST",
        "/services/create",
        {
            "Name": f"{fixtures.prefix}-svc",
            "Labels": labels,
            "TaskTemplate": {
                "RestartPolicy": {"Condition": "on-failure", "MaxAttempts": 2},
                "Resources": {"Limits": {"MemoryBytes": 64 * 1024 * 1024}},
                "Placement": {"Constraints": ["node.role==manager"]},
                "ContainerSpec": {
                    "Image": TEST_IMAGE,
                    "Env": ["CONFORMANCE=1"],
                    "Command": ["sleep", "600"],
                    "Labels": labels,
                    "Secrets": [
                        {
                            "SecretID": secret["ID"],
                            "SecretName": f"{fixtures.prefix}-secret",
                            "File": {"Name": "secret", **file_mode},
                        }
                    ],
                    "Configs": [
                        {
                            "ConfigID": config["ID"],
                            "ConfigName": f"{fixtures.prefix}-config",
                            "File": {"Name": "/config", **file_mode},
                        }
                    ],
                },
            },
            "Mode": {"Replicated": {"Replicas": 1}},
            "UpdateConfig": {
                "Parallelism": 1,
                "Delay": 1_000_000_000,
                "FailureAction": "pause",
                "Order": "stop-first",
            },
            "RollbackConfig": {"Parallelism": 1, "FailureAction": "pause"},
        },
    )
    fixtures.services.append(service["ID"])

    # The orchestrator creates the task shortly after the service.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        query = json.dumps({"service": [service["ID"]]})
        tasks = call(address, "GET", f"/tasks?filters={_quote(query)}")
        if tasks:
            fixtures.tasks = [task["ID"] for task in tasks]
            return
        time.sleep(0.2)
    raise GeneratorError(
        f"engine {engine.name}: the service {fixtures.prefix}-svc has no task "
        "after 20 s"
    )


def remove_fixtures(engine: Engine, fixtures: Fixtures) -> list[str]:
    """Remove everything ``create_fixtures`` made and return the failures."""
    address = engine.address
    steps: list[tuple[str, str]] = []
    steps += [("DELETE", f"/services/{item}") for item in fixtures.services]
    steps += [("DELETE", f"/secrets/{item}") for item in fixtures.secrets]
    steps += [("DELETE", f"/configs/{item}") for item in fixtures.configs]
    steps += [
        ("DELETE", f"/containers/{item}?force=1&v=0") for item in fixtures.containers
    ]
    steps += [("DELETE", f"/networks/{item}") for item in fixtures.networks]
    steps += [("DELETE", f"/volumes/{item}") for item in fixtures.volumes]
    steps += [("DELETE", f"/images/{_quote(item)}") for item in fixtures.images]
    if fixtures.joined_swarm:
        steps.append(("POST", "/swarm/leave?force=1"))
    failures = []
    for method, path in steps:
        try:
            response = send(address, method, path)
        except GeneratorError as error:
            failures.append(str(error))
            continue
        if response.status >= 300 and response.status != 404:
            failures.append(
                f"{method} {path} on {engine.name} returned {response.status}: "
                f"{response.body.decode(errors='replace').strip()}"
            )
    return failures


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="")


# --- which requests to send -------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request of the suite: an operation and a concrete request path."""

    template: str
    path: str


def json_get_operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the GET operations with a JSON 200 schema, by path template."""
    default_produces = document.get("produces", ["application/json"])
    operations = {}
    for template, item in document["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        response = operation.get("responses", {}).get("200", {})
        produces = operation.get("produces", default_produces)
        schema = response.get("schema")
        # A string schema stands for a raw stream, such as logs, not JSON.
        if schema and schema.get("type") != "string" and "application/json" in produces:
            operations[template] = schema
    return operations


def plan_probes(templates: list[str], fixtures: Fixtures) -> list[Probe]:
    """Turn operation templates into request paths that use the fixtures."""
    by_parameter = {
        "/containers/{id}/": fixtures.containers,
        "/exec/{id}/": fixtures.execs,
        "/networks/{id}": fixtures.networks,
        "/volumes/{name}": fixtures.volumes,
        "/images/{name}/": [_quote(TEST_IMAGE)]
        + [_quote(image) for image in fixtures.images],
        "/nodes/{id}": fixtures.nodes,
        "/services/{id}": fixtures.services,
        "/tasks/{id}": fixtures.tasks,
        "/secrets/{id}": fixtures.secrets,
        "/configs/{id}": fixtures.configs,
    }
    extra_queries = {
        "/containers/json": ["?all=1", "?all=1&size=1"],
        "/images/json": ["?all=1", "?digests=1"],
        "/containers/{id}/json": ["", "?size=1"],
        "/containers/{id}/stats": ["?stream=0"],
        # A bounded time range makes the event stream end.
        "/events": [f"?since={fixtures.created_at}&until={int(time.time())}"],
    }
    probes: list[Probe] = []
    for template in templates:
        if template in SKIPPED:
            continue
        queries = extra_queries.get(template, [""])
        values: list[str] = [""]
        if "{" in template:
            values = next(
                (ids for key, ids in by_parameter.items() if template.startswith(key)),
                [],
            )
        if template == "/containers/{id}/top":
            values = [fixtures.running]
        for value in values:
            path = template.replace("{id}", value).replace("{name}", value)
            probes.extend(Probe(template, path + query) for query in queries)
    return probes


# --- schema conversion and validation ---------------------------------------


def to_json_schema(node: Any) -> Any:
    """Convert a Swagger 2.0 schema object into JSON Schema draft 4.

    ``x-nullable: true`` adds null to the allowed types (or wraps a ``$ref``
    in ``anyOf`` with null as its second branch). Keys that draft 4 does not
    know or that the suite ignores, such as ``format``, are dropped.
    """
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    nullable = node.get("x-nullable") is True
    if "$ref" in node:
        reference = {"$ref": node["$ref"]}
        return {"anyOf": [reference, {"type": "null"}]} if nullable else reference
    converted: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYS or key.startswith("x-"):
            continue
        if key == "properties":
            converted[key] = {
                name: to_json_schema(item) for name, item in value.items()
            }
        elif key in ("items", "additionalProperties", "allOf", "not"):
            converted[key] = to_json_schema(value)
        else:
            converted[key] = value
    if nullable:
        if "type" in converted:
            types = converted["type"]
            types = list(types) if isinstance(types, list) else [types]
            converted["type"] = types if "null" in types else [*types, "null"]
            if "enum" in converted and None not in converted["enum"]:
                converted["enum"] = [*converted["enum"], None]
        else:
            return {"anyOf": [converted, {"type": "null"}]}
    return converted


class SpecSchemas:
    """Draft 4 validators for the JSON GET operations of one spec document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.definitions = {
            name: to_json_schema(schema)
            for name, schema in document.get("definitions", {}).items()
        }
        self.operations = json_get_operations(document)
        self._validators: dict[str, jsonschema.Draft4Validator] = {}

    def validator(self, template: str) -> jsonschema.Draft4Validator:
        if template not in self._validators:
            schema = to_json_schema(self.operations[template])
            root = {**schema, "definitions": self.definitions}
            self._validators[template] = jsonschema.Draft4Validator(root)
        return self._validators[template]


@dataclass(frozen=True)
class Mismatch:
    """One deviation of response bodies from a schema, at one place in them.

    Array indices in ``location`` are written as ``*``, so the same fault in
    every item of a list is one mismatch.
    """

    template: str
    location: str
    rule: str
    message: str = field(compare=False)


def _leaf_errors(
    error: jsonschema.exceptions.ValidationError,
) -> Iterator[jsonschema.exceptions.ValidationError]:
    # The only anyOf in a converted schema is the nullable wrapper, whose
    # first branch is the real schema, so its errors explain the failure.
    if error.validator == "anyOf" and error.context:
        for child in error.context:
            if child.relative_schema_path and child.relative_schema_path[0] == 0:
                yield from _leaf_errors(child)
        return
    yield error


def _location(error: jsonschema.exceptions.ValidationError) -> str:
    parts = [
        "*" if isinstance(part, int) else str(part) for part in error.absolute_path
    ]
    return "/" + "/".join(parts)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "integer"
    return "number"


def _describe(error: jsonschema.exceptions.ValidationError) -> str:
    if error.validator == "type":
        return (
            f"got {_json_type(error.instance)}, schema expects {error.validator_value}"
        )
    if error.validator == "enum":
        return f"{error.instance!r} is not in the enum {error.validator_value}"
    message = str(error.message)
    return message if len(message) <= 160 else message[:157] + "..."


def check_response(
    schemas: SpecSchemas, template: str, body: Any
) -> tuple[set[Mismatch], set[str]]:
    """Validate one response body against an operation's schema.

    Returns the mismatches and, apart, the locations of tolerated nulls.
    """
    mismatches = set()
    nulls = set()
    for error in schemas.validator(template).iter_errors(body):
        for leaf in _leaf_errors(error):
            if leaf.instance is None:
                nulls.add(f"{template} {_location(leaf)}")
            else:
                mismatches.add(
                    Mismatch(
                        template, _location(leaf), str(leaf.validator), _describe(leaf)
                    )
                )
    return mismatches, nulls


# --- running the suite ------------------------------------------------------


@dataclass
class VersionResult:
    """The outcome for one API version on one engine."""

    version: str
    engine: str
    endpoints: int = 0
    requests: int = 0
    before: set[Mismatch] = field(default_factory=set)
    after: set[Mismatch] = field(default_factory=set)
    nulls: set[str] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class VersionSchemas:
    """The corrected and the uncorrected schemas of one API version."""

    corrected: SpecSchemas
    uncorrected: SpecSchemas

    @classmethod
    def load(cls, version: str) -> VersionSchemas:
        return cls(
            SpecSchemas(load.load_spec(version).document),
            SpecSchemas(load.load_spec(version, corrections=[]).document),
        )


def check_version(
    engine: Engine,
    version: str,
    schemas: VersionSchemas,
    fixtures: Fixtures,
    pool: ThreadPoolExecutor,
) -> VersionResult:
    """Send every probe of one version and validate the response bodies."""
    probes = plan_probes(sorted(schemas.corrected.operations), fixtures)
    result = VersionResult(version, engine.name)
    result.endpoints = len({probe.template for probe in probes})
    result.requests = len(probes)

    def fetch(probe: Probe) -> Response:
        if probe.template == "/system/df":
            with _DISK_USAGE_LOCK:
                return send(engine.address, "GET", f"/v{version}{probe.path}")
        return send(engine.address, "GET", f"/v{version}{probe.path}")

    for probe, response in zip(probes, pool.map(fetch, probes), strict=True):
        if response.status != 200:
            result.failures.append(
                f"GET /v{version}{probe.path} returned {response.status}: "
                f"{response.body.decode(errors='replace').strip()[:200]}"
            )
            continue
        for body in _documents(probe, response):
            after, nulls = check_response(schemas.corrected, probe.template, body)
            result.after.update(after)
            result.nulls.update(nulls)
            if probe.template in schemas.uncorrected.operations:
                before, _ = check_response(schemas.uncorrected, probe.template, body)
                result.before.update(before)
    return result


def _documents(probe: Probe, response: Response) -> list[Any]:
    """Decode a response body; the events stream is one JSON object a line."""
    if probe.template == "/events":
        return [json.loads(line) for line in response.body.splitlines() if line]
    return [response.json()]


def plan_runs(
    versions: list[str], engines: list[Engine], every_engine: bool
) -> tuple[dict[Engine, list[str]], list[str]]:
    """Assign versions to engines; also return the versions no engine serves.

    With ``every_engine`` each version runs on every engine that serves it,
    otherwise only on the one ``choose_engine`` picks.
    """
    assigned: dict[Engine, list[str]] = {engine: [] for engine in engines}
    unserved = []
    for version in versions:
        if every_engine:
            serving = [engine for engine in engines if engine.serves(version)]
        else:
            chosen = choose_engine(version, engines)
            serving = [chosen] if chosen else []
        if not serving:
            unserved.append(version)
        for engine in serving:
            assigned[engine].append(version)
    return {engine: items for engine, items in assigned.items() if items}, unserved


def run(
    versions: list[str],
    engines: list[Engine],
    out: Any = sys.stderr,
    every_engine: bool = True,
) -> list[VersionResult]:
    """Run the suite for the versions on the engines that serve them.

    Engines run one after the other, because each is in a swarm while its
    versions are checked. The versions of one engine run concurrently.
    """
    assigned, unserved = plan_runs(versions, engines, every_engine)
    for version in unserved:
        print(f"v{version}: no engine serves this version, skipped", file=out)
    needed = sorted({v for items in assigned.values() for v in items}, key=load.minor)
    schemas = {version: VersionSchemas.load(version) for version in needed}

    results: list[VersionResult] = []
    for engine, engine_versions in assigned.items():
        with engine_lock(engine):
            results.extend(check_engine(engine, engine_versions, schemas, out))
    return results


def check_engine(
    engine: Engine,
    versions: list[str],
    schemas: dict[str, VersionSchemas],
    out: Any = sys.stderr,
) -> list[VersionResult]:
    """Create the objects on one engine, check its versions, then clean up."""
    prefix = f"{NAME_PREFIX}-{os.getpid()}-{int(time.time())}"
    print(
        f"engine {engine.name}: creating objects, then checking "
        f"{len(versions)} versions from {versions[0]} to {versions[-1]}",
        file=out,
    )
    fixtures = Fixtures(prefix)
    try:
        fixtures = create_fixtures(engine, prefix)
        with (
            ThreadPoolExecutor(REQUEST_WORKERS) as requests,
            ThreadPoolExecutor(VERSION_WORKERS) as version_pool,
        ):
            futures = [
                version_pool.submit(
                    check_version,
                    engine,
                    version,
                    schemas[version],
                    fixtures,
                    requests,
                )
                for version in versions
            ]
            return [future.result() for future in futures]
    finally:
        for failure in remove_fixtures(engine, fixtures):
            print(f"cleanup: {failure}", file=out)


def _result_order(result: VersionResult) -> tuple[int, str]:
    return load.minor(result.version), result.engine


def print_table(results: list[VersionResult], out: Any = sys.stdout) -> None:
    header = ("version", "engine", "endpoints", "requests", "before", "after", "nulls")
    print("{:<8} {:<7} {:>9} {:>8} {:>6} {:>5} {:>5}".format(*header), file=out)
    for result in sorted(results, key=_result_order):
        print(
            f"{result.version:<8} {result.engine:<7} {result.endpoints:>9} "
            f"{result.requests:>8} {len(result.before):>6} "
            f"{len(result.after):>5} {len(result.nulls):>5}",
            file=out,
        )


def print_details(results: list[VersionResult], out: Any = sys.stderr) -> None:
    for result in sorted(results, key=_result_order):
        for failure in result.failures:
            print(f"v{result.version} on {result.engine}: {failure}", file=out)
        for item in sorted(result.after, key=lambda m: (m.template, m.location)):
            print(
                f"v{result.version} on {result.engine}: {item.template} "
                f"{item.location}: "
                f"{item.message}",
                file=out,
            )


def main(args: argparse.Namespace) -> int:
    """Run the suite for ``--versions`` and print the table.

    Returns 1 when a mismatch remains after the corrections or a request
    fails, else 0.
    """
    versions = load.parse_version_range(args.versions)
    engines = read_engines(args.engines)
    results = run(versions, engines)
    print_table(results)
    print_details(results)
    before = sum(len(result.before) for result in results)
    after = sum(len(result.after) for result in results)
    failures = sum(len(result.failures) for result in results)
    print(
        f"{len(results)} version and engine pairs: {before} mismatches before "
        f"corrections, {after} after, {failures} failed requests",
        file=sys.stderr,
    )
    failed = any(result.after or result.failures for result in results)
    return 1 if failed else 0
