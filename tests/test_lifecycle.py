"""Drive every generated version's client through common workflows on real engines.

Each API version from 1.24 to 1.47 runs on one engine that serves it,
chosen by `engine_for_version` so that all three engines take part. The
tests use only the generated methods and models of that version, and every
object they create carries a unique name and is removed at teardown.
Skipped when engines.env does not exist. In docker-host mode, versions
outside the DOCKER_HOST engine's API range are skipped.
"""

from __future__ import annotations

import importlib
import io
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from conftest_engines import (
    ENGINE_ORDER,
    GENERATED_VERSIONS,
    Cleanup,
    engine_for_version,
    model_class,
    newest_version_for,
    skip_unless_serves,
    version_module,
)
from docker_engine import APIError, ConflictError, NotFoundError
from engines import TEST_IMAGE, version_key

pytestmark = pytest.mark.engine

# Exits at once on SIGTERM, unlike a plain `sleep` running as PID 1, which
# ignores the signal and makes every stop wait for the kill timeout.
SLEEP_COMMAND = ["sh", "-c", "trap 'exit 0' TERM; sleep 300 & wait"]

# One version per engine for the swarm test: 1.25 is the first with
# secrets, and the others are each engine's newest generated version.
SWARM_CASES = [("1.25", "20.10"), ("1.45", "26.1"), ("1.47", "28.5")]


@dataclass
class Target:
    """A version's generated client connected to the engine chosen for it."""

    version: str
    engine: str
    client: Any
    models: Any


def connect_target(engines: dict[str, str], version: str, engine: str) -> Target:
    module = version_module(version)
    models = importlib.import_module(f"{module.__name__}.models")
    return Target(version, engine, module.Client(engines[engine]), models)


@pytest.fixture(params=GENERATED_VERSIONS)
def target(request: pytest.FixtureRequest, engines: dict[str, str]) -> Iterator[Target]:
    version: str = request.param
    result = connect_target(engines, version, engine_for_version(engines, version))
    try:
        yield result
    finally:
        result.client.api.close()


def build_rootfs_tar(text: bytes) -> bytes:
    """Return a tar archive holding one file, ``hello.txt``, with ``text``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(text)
        info.mtime = int(time.time())
        archive.addfile(info, io.BytesIO(text))
    return buffer.getvalue()


def create_container(
    target: Target,
    cleanup: Cleanup,
    name: str,
    cmd: list[str],
    labels: dict[str, str] | None = None,
) -> str:
    """Create a container of the test image through the typed body model."""
    body = target.models.ContainerCreateRequest(
        image=TEST_IMAGE, cmd=cmd, labels=labels or {}
    )
    created = target.client.containers.create(name=name, body=body)
    cleanup.add(lambda: target.client.containers.delete(created.id, force=True))
    container_id: str = created.id
    return container_id


def start_sleeper(target: Target, cleanup: Cleanup, name: str) -> str:
    container_id = create_container(target, cleanup, name, SLEEP_COMMAND)
    target.client.containers.start(container_id)
    return container_id


def test_system(target: Target, engines: dict[str, str]) -> None:
    client = target.client
    assert client.system.ping() == "OK"
    version = client.system.version()
    assert version_key(version.api_version) >= version_key(target.version)
    info = client.system.info()
    assert isinstance(info.containers, int)
    assert info.server_version == version.version


def test_image(target: Target, name_prefix: str, cleanup: Cleanup) -> None:
    client = target.client
    repository = f"{name_prefix}-image"
    cleanup.add(lambda: client.images.delete(f"{repository}:v1", force=True))
    cleanup.add(lambda: client.images.delete(f"{repository}:v2", force=True))

    progress = list(
        client.images.create(
            from_src="-",
            repo=repository,
            tag="v1",
            input_image=build_rootfs_tar(b"hello\n"),
        )
    )
    assert progress, "the import returned no progress message"
    assert all(item.error is None for item in progress)

    listed = client.images.list(filters={"reference": repository})
    assert [item.repo_tags for item in listed] == [[f"{repository}:v1"]]

    image = client.images.inspect(f"{repository}:v1")
    assert image.id == listed[0].id
    assert image.repo_tags == [f"{repository}:v1"]

    client.images.tag(f"{repository}:v1", repo=repository, tag="v2")
    tagged = client.images.inspect(f"{repository}:v2")
    assert tagged.id == image.id

    removed = client.images.delete(f"{repository}:v2")
    assert [item.untagged for item in removed] == [f"{repository}:v2"]
    removed = client.images.delete(f"{repository}:v1")
    assert removed[0].untagged == f"{repository}:v1"
    assert image.id in [item.deleted for item in removed]
    assert client.images.list(filters={"reference": repository}) == []


def test_container_run(target: Target, name_prefix: str, cleanup: Cleanup) -> None:
    client = target.client
    labels = {"dengine.test": name_prefix}
    container_id = create_container(
        target, cleanup, f"{name_prefix}-echo", ["echo", "hello"], labels
    )
    client.containers.start(container_id)
    assert client.containers.wait(container_id).status_code == 0

    container = client.containers.inspect(container_id)
    assert container.name == f"/{name_prefix}-echo"
    assert container.state.status == "exited"
    assert container.state.exit_code == 0
    assert container.config.labels == labels

    output = client.containers.logs(container_id, stdout=True, stderr=True)
    assert output.read_all() == (b"hello\n", b"")

    client.containers.delete(container_id)
    with pytest.raises(NotFoundError):
        client.containers.inspect(container_id)


def test_container_tty_logs(target: Target, name_prefix: str, cleanup: Cleanup) -> None:
    client = target.client
    body = target.models.ContainerCreateRequest(
        image=TEST_IMAGE, cmd=["echo", "hello"], tty=True
    )
    created = client.containers.create(name=f"{name_prefix}-tty", body=body)
    cleanup.add(lambda: client.containers.delete(created.id, force=True))
    client.containers.start(created.id)
    assert client.containers.wait(created.id).status_code == 0

    # Without the tty argument, logs inspects the container to learn that
    # the output is raw; a TTY turns "\n" into "\r\n".
    output = client.containers.logs(created.id, stdout=True, stderr=True)
    assert output.read_all() == (b"hello\r\n", b"")


def test_container_top(target: Target, name_prefix: str, cleanup: Cleanup) -> None:
    client = target.client
    container_id = start_sleeper(target, cleanup, f"{name_prefix}-sleep")
    # Right after start, top can still list "runc init" or only the shell.
    deadline = time.monotonic() + 10
    while True:
        top = client.containers.top(container_id)
        commands = [process[-1] for process in top.processes]
        if "sleep 300" in commands or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert "PID" in top.titles
    assert "sleep 300" in commands

    client.containers.stop(container_id, t=5)
    state = client.containers.inspect(container_id).state
    assert state.running is False
    assert state.exit_code == 0
    client.containers.delete(container_id)


def test_volume(target: Target, name_prefix: str, cleanup: Cleanup) -> None:
    client = target.client
    name = f"{name_prefix}-volume"
    labels = {"dengine.test": name_prefix}
    config_class = model_class(
        target.models, "VolumeCreateOptions", "VolumeCreateRequest"
    )
    created = client.volumes.create(
        volume_config=config_class(name=name, driver="local", labels=labels)
    )
    cleanup.add(lambda: client.volumes.delete(name))
    assert created.name == name

    listed = client.volumes.list(filters={"name": name})
    assert [volume.name for volume in listed.volumes] == [name]

    volume = client.volumes.inspect(name)
    assert volume.driver == "local"
    assert volume.labels == labels

    client.volumes.delete(name)
    with pytest.raises(NotFoundError):
        client.volumes.inspect(name)


def force_disconnect(client: Any, network_id: str, container_id: str) -> None:
    """Disconnect a container at teardown, ignoring the error raised when it left."""
    try:
        client.networks.disconnect(
            network_id, container={"Container": container_id, "Force": True}
        )
    except APIError:
        pass


def test_network(target: Target, name_prefix: str, cleanup: Cleanup) -> None:
    client = target.client
    models = target.models
    name = f"{name_prefix}-net"
    created = client.networks.create(
        network_config=models.NetworkCreateRequest(
            name=name, driver="bridge", internal=True
        )
    )
    cleanup.add(lambda: client.networks.delete(created.id))
    network = client.networks.inspect(created.id)
    assert network.name == name
    assert network.internal is True

    container_id = start_sleeper(target, cleanup, f"{name_prefix}-member")
    client.networks.connect(
        created.id, container=models.NetworkConnectRequest(container=container_id)
    )
    cleanup.add(lambda: force_disconnect(client, created.id, container_id))
    members = client.networks.inspect(created.id).containers or {}
    assert container_id in members
    settings = client.containers.inspect(container_id).network_settings
    assert settings is not None
    assert name in (settings.networks or {})

    client.networks.disconnect(
        created.id, container=models.NetworkDisconnectRequest(container=container_id)
    )
    members = client.networks.inspect(created.id).containers or {}
    assert container_id not in members

    client.networks.delete(created.id)
    with pytest.raises(NotFoundError):
        client.networks.inspect(created.id)


def wait_for_exit_code(client: Any, exec_id: str) -> int | None:
    """Return the exec's exit code, waiting up to 10 s for the daemon to store it."""
    deadline = time.monotonic() + 10
    while True:
        exec_info = client.exec.inspect(exec_id)
        if not exec_info.running or time.monotonic() > deadline:
            exit_code: int | None = exec_info.exit_code
            return exit_code
        time.sleep(0.1)


def test_exec(target: Target, name_prefix: str, cleanup: Cleanup) -> None:
    client = target.client
    container_id = start_sleeper(target, cleanup, f"{name_prefix}-exec")
    config_class = model_class(target.models, "ExecConfig", "ContainerExecRequest")
    created = client.exec.create(
        container_id,
        exec_config=config_class(
            cmd=["echo", "from exec"], attach_stdout=True, attach_stderr=True
        ),
    )
    exec_info = client.exec.inspect(created.id)
    assert exec_info.id == created.id
    assert exec_info.container_id == container_id
    assert exec_info.running is False

    start_class = model_class(target.models, "ExecStartConfig", "ExecStartRequest")
    with client.exec.start(
        created.id, exec_start_config=start_class(detach=False, tty=False)
    ) as stream:
        output = stream.read_all()
    assert output == (b"from exec\n", b"")
    assert wait_for_exit_code(client, created.id) == 0


def test_data_usage(target: Target) -> None:
    if not hasattr(target.client.system, "data_usage"):
        assert target.version == "1.24", "GET /system/df exists since API 1.25"
        return
    usage = target.client.system.data_usage()
    assert isinstance(usage.layers_size, int)
    image_tags = [tag for image in usage.images for tag in image.repo_tags or []]
    assert TEST_IMAGE in image_tags


def swarm_state(client: Any) -> str:
    """Return the engine's LocalNodeState, such as "inactive" or "active"."""
    swarm = client.system.info().swarm
    if swarm is None or swarm.local_node_state is None:
        return ""
    return str(getattr(swarm.local_node_state, "value", swarm.local_node_state))


def leave_swarm(client: Any) -> None:
    if swarm_state(client) != "inactive":
        client.swarm.leave(force=True)


def wait_for_running_task(client: Any, service_id: str) -> Any:
    """Return the service's first running task, or None after 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for task in client.tasks.list(filters={"service": service_id}):
            if task.status is not None and task.status.state == "running":
                return task
        time.sleep(0.2)
    return None


@pytest.mark.parametrize(("version", "engine"), SWARM_CASES)
def test_swarm(
    engines: dict[str, str],
    version: str,
    engine: str,
    name_prefix: str,
    cleanup: Cleanup,
) -> None:
    skip_unless_serves(engine, version)
    target = connect_target(engines, version, engine)
    client = target.client
    models = target.models
    cleanup.add(client.api.close)
    state = swarm_state(client)
    if state != "inactive":
        pytest.skip(f"engine {engine} is already in a swarm (state {state!r})")

    node_id = client.swarm.init(
        body=models.SwarmInitRequest(
            listen_addr="127.0.0.1:2377", advertise_addr="127.0.0.1"
        )
    )
    # Leaving with force removes the services and secrets too, so this is
    # the only cleanup action the swarm objects need.
    cleanup.add(lambda: leave_swarm(client))
    assert node_id

    secret_name = f"{name_prefix}-secret"
    secret = client.secrets.create(
        body=models.SecretCreateRequest(name=secret_name, data="c2VjcmV0")
    )
    secret_id = secret.id
    assert secret_id
    assert client.secrets.inspect(secret_id).spec.name == secret_name

    service_name = f"{name_prefix}-service"
    task_template = models.TaskSpec(
        container_spec=models.TaskSpecContainerSpec(
            image=TEST_IMAGE, command=["sleep", "300"]
        )
    )
    service = client.services.create(
        body=models.ServiceCreateRequest(name=service_name, task_template=task_template)
    )
    inspected = client.services.inspect(service.id)
    assert inspected.spec.name == service_name
    assert inspected.spec.task_template.container_spec.image == TEST_IMAGE
    assert wait_for_running_task(client, service.id) is not None

    client.services.delete(service.id)
    client.secrets.delete(secret_id)
    client.swarm.leave(force=True)
    assert swarm_state(client) == "inactive"


@pytest.fixture(params=ENGINE_ORDER)
def newest_target(
    request: pytest.FixtureRequest, engines: dict[str, str]
) -> Iterator[Target]:
    """The newest generated version on each engine."""
    engine: str = request.param
    if engine not in engines:
        pytest.skip(f"engine {engine} missing in engines.env")
    version = newest_version_for(engines[engine])
    result = connect_target(engines, version, engine)
    try:
        yield result
    finally:
        result.client.api.close()


def test_missing_container(newest_target: Target, name_prefix: str) -> None:
    name = f"{name_prefix}-missing"
    with pytest.raises(NotFoundError) as caught:
        newest_target.client.containers.inspect(name)
    error = caught.value
    path = f"/v{newest_target.version}/containers/{name}/json"
    assert error.status == 404
    assert error.method == "GET"
    assert error.path == path
    assert name in error.message
    assert str(error).startswith(f"container '{name}' not found (404) on GET {path}")


def test_delete_running(
    newest_target: Target, name_prefix: str, cleanup: Cleanup
) -> None:
    container_id = start_sleeper(newest_target, cleanup, f"{name_prefix}-busy")
    with pytest.raises(ConflictError) as caught:
        newest_target.client.containers.delete(container_id)
    error = caught.value
    assert error.status == 409
    assert error.method == "DELETE"
    assert error.path == f"/v{newest_target.version}/containers/{container_id}"
    assert "cannot remove" in error.message.lower()
    assert newest_target.client.containers.inspect(container_id).state.running


def test_start_twice(newest_target: Target, name_prefix: str, cleanup: Cleanup) -> None:
    client = newest_target.client
    container_id = start_sleeper(newest_target, cleanup, f"{name_prefix}-twice")
    with client.api.capture_responses() as responses:
        client.containers.start(container_id)
    assert [response.status for response in responses] == [304]
    assert client.containers.inspect(container_id).state.running is True
