"""Per-call latency on a real engine: ping, list and inspect of 100 containers.

Runs in the benchmark venv, where docker-py and aiodocker are installed:
``python -m benchmarks.calls ADDRESS ROUNDS SECTION`` prints a JSON list of
series. The API version comes from BENCH_API_VERSION (see fixtures.py),
and docker_engine's client is the package of that version.
Each round times one batch per peer and task, in an order rotated every
round. The fixture containers are created before and removed after.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from benchmarks import fixtures, wire
from benchmarks.stats import Collector, rotate

CONTAINERS = 100
PING_BATCH = 50
LIST_BATCH = 3
DECODE_REPEATS = 20

Batch = Callable[[int], None]
Closers = list[Callable[[], None]]


def _ours(
    address: str, ids: list[str], token: str, closers: Closers
) -> dict[str, Batch]:
    client = _client_module().Client(address)
    closers.append(client.close)
    label = {"label": [f"{fixtures.LABEL_KEY}={token}"]}

    def ping(count: int) -> None:
        for _ in range(count):
            client.system.ping()

    def listing(count: int) -> None:
        for _ in range(count):
            found = client.containers.list(all=True, filters=label)
            assert len(found) == CONTAINERS, len(found)

    def inspect(count: int) -> None:
        for container_id in ids[:count]:
            client.containers.inspect(container_id)

    return {"ping": ping, "list": listing, "inspect": inspect}


def _http_client(
    address: str, ids: list[str], token: str, closers: Closers
) -> dict[str, Batch]:
    connection = wire.http_client(fixtures.unix_path(address))
    closers.append(connection.close)
    query = urllib.parse.urlencode(
        {"all": "1", "filters": fixtures.label_filter(token)}
    )

    def ping(count: int) -> None:
        for _ in range(count):
            wire.http_get(connection, f"{fixtures.API}/_ping")

    def listing(count: int) -> None:
        for _ in range(count):
            json.loads(
                wire.http_get(connection, f"{fixtures.API}/containers/json?{query}")
            )

    def inspect(count: int) -> None:
        for container_id in ids[:count]:
            json.loads(
                wire.http_get(
                    connection, f"{fixtures.API}/containers/{container_id}/json"
                )
            )

    return {"ping": ping, "list": listing, "inspect": inspect}


def _bare_socket(
    address: str, ids: list[str], token: str, closers: Closers
) -> dict[str, Batch]:
    sock = wire.BareSocket(fixtures.unix_path(address))
    closers.append(sock.close)
    query = urllib.parse.urlencode(
        {"all": "1", "filters": fixtures.label_filter(token)}
    )
    ping_request = wire.request_bytes(f"{fixtures.API}/_ping")
    list_request = wire.request_bytes(f"{fixtures.API}/containers/json?{query}")
    inspect_requests = [
        wire.request_bytes(f"{fixtures.API}/containers/{container_id}/json")
        for container_id in ids
    ]

    def ping(count: int) -> None:
        for _ in range(count):
            sock.exchange(ping_request)

    def listing(count: int) -> None:
        for _ in range(count):
            sock.exchange(list_request)

    def inspect(count: int) -> None:
        for request in inspect_requests[:count]:
            sock.exchange(request)

    return {"ping": ping, "list": listing, "inspect": inspect}


def _docker_py(
    address: str, ids: list[str], token: str, closers: Closers
) -> dict[str, Batch]:
    import docker

    client = docker.APIClient(base_url=address, version=fixtures.API_VERSION)
    closers.append(client.close)
    label = {"label": [f"{fixtures.LABEL_KEY}={token}"]}

    def ping(count: int) -> None:
        for _ in range(count):
            client.ping()

    def listing(count: int) -> None:
        for _ in range(count):
            found = client.containers(all=True, filters=label)
            assert len(found) == CONTAINERS, len(found)

    def inspect(count: int) -> None:
        for container_id in ids[:count]:
            client.inspect_container(container_id)

    return {"ping": ping, "list": listing, "inspect": inspect}


def _aiodocker(
    address: str, ids: list[str], token: str, closers: Closers
) -> dict[str, Batch]:
    import aiodocker

    loop = asyncio.new_event_loop()

    async def connect() -> Any:
        return aiodocker.Docker(url=address, api_version=f"v{fixtures.API_VERSION}")

    client = loop.run_until_complete(connect())

    def close() -> None:
        loop.run_until_complete(client.close())
        loop.close()

    closers.append(close)
    filters = json.dumps({"label": [f"{fixtures.LABEL_KEY}={token}"]})

    async def ping_batch(count: int) -> None:
        # aiodocker has no public ping method, so this uses its request helper.
        for _ in range(count):
            async with client._query("_ping") as response:
                await response.read()

    async def list_batch(count: int) -> None:
        for _ in range(count):
            found = await client.containers.list(all=True, filters=filters)
            assert len(found) == CONTAINERS, len(found)

    async def inspect_batch(count: int) -> None:
        for container_id in ids[:count]:
            await client.containers.get(container_id)

    return {
        "ping": lambda count: loop.run_until_complete(ping_batch(count)),
        "list": lambda count: loop.run_until_complete(list_batch(count)),
        "inspect": lambda count: loop.run_until_complete(inspect_batch(count)),
    }


PEERS: dict[str, Callable[[str, list[str], str, Closers], dict[str, Batch]]] = {
    "bare socket": _bare_socket,
    "http.client": _http_client,
    "docker_engine": _ours,
    "docker-py": _docker_py,
    "aiodocker": _aiodocker,
}

TASKS = {
    "ping": ("ping", PING_BATCH),
    "list": (f"list of {CONTAINERS} containers", LIST_BATCH),
    "inspect": (f"inspect, each of {CONTAINERS} containers", CONTAINERS),
}


def _client_module() -> Any:
    minor = fixtures.API_VERSION.split(".")[1]
    return importlib.import_module(f"docker_engine.v1_{minor}")


def measure_calls(
    address: str, rounds: int, token: str, ids: list[str], section: str
) -> Collector:
    collector = Collector(section)
    closers: Closers = []
    try:
        peers = {
            name: make(address, ids, token, closers) for name, make in PEERS.items()
        }
        for batches in peers.values():
            for key, (_, size) in TASKS.items():
                batches[key](min(size, 5))  # warm up connections and imports
        for round_index in range(rounds):
            for key, (task, size) in TASKS.items():
                for name in rotate(list(peers), round_index):
                    started = time.perf_counter()
                    peers[name][key](size)
                    per_call = (time.perf_counter() - started) / size * 1e6
                    collector.add(task, name, per_call, "µs")
    finally:
        for close in closers:
            close()
    return collector


def measure_decoding(
    address: str, rounds: int, ids: list[str], section: str
) -> Collector:
    """Time json.loads alone and with the typed model, on the same inspect bytes."""
    inspect_model = importlib.import_module(
        f"{_client_module().__name__}.models"
    ).ContainerInspectResponse
    collector = Collector(section)
    connection = wire.http_client(fixtures.unix_path(address))
    bodies = [
        wire.http_get(connection, f"{fixtures.API}/containers/{container_id}/json")
        for container_id in ids
    ]
    connection.close()

    fields: list[tuple[Any, ...]] = []

    def plain() -> None:
        fields.clear()
        for body in bodies:
            value = json.loads(body)
            fields.append(
                (value["State"]["Status"], value["Config"]["Image"], value["Name"])
            )

    def typed() -> None:
        fields.clear()
        for body in bodies:
            model = inspect_model.from_dict(json.loads(body))
            state, config = model.state, model.config
            assert state is not None and config is not None
            fields.append((state.status, config.image, model.name))

    variants = {"json.loads + dict access": plain, "docker_engine model": typed}
    for round_index in range(rounds):
        for name in rotate(list(variants), round_index):
            started = time.perf_counter()
            for _ in range(DECODE_REPEATS):
                variants[name]()
            elapsed = time.perf_counter() - started
            per_item = elapsed / (DECODE_REPEATS * len(bodies)) * 1e6
            collector.add(
                "decode one inspect body, read 3 fields", name, per_item, "µs"
            )
    size = sum(len(body) for body in bodies) / len(bodies)
    for entry in collector.series.values():
        entry.notes["body bytes"] = round(size)
    return collector


def main(argv: list[str]) -> int:
    address, rounds, section = argv[0], int(argv[1]), argv[2]
    token = fixtures.new_token()
    fixtures.remove_all(address, None)
    try:
        ids = fixtures.create_stopped(address, token, CONTAINERS)
        calls = measure_calls(address, rounds, token, ids, section)
        decoding = measure_decoding(address, rounds, ids, section)
    finally:
        fixtures.remove_all(address, token)
    print(json.dumps(calls.to_json() + decoding.to_json()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
