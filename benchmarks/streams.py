"""Streams: read 50 MiB of container logs and replay 200 events.

Each measurement runs in a fresh process of the benchmark venv, so that its
peak resident memory belongs to one peer only:
``python -m benchmarks.streams ADDRESS PEER KIND ARGUMENT`` prints one JSON
object with the seconds, the payload bytes or events read, and the resident
memory before the read and at its peak (KiB). KIND is ``logs`` (a container
without a TTY, so the output is multiplexed), ``logs-tty`` (raw output) or
``events`` (ARGUMENT is a JSON object with since, until and the label).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import resource
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import fixtures, peers, wire
from benchmarks.process import check, run
from benchmarks.stats import Collector, Series, rotate

Reader = Callable[[], int]
PACKAGE = "docker_engine.v1_47"


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("VmRSS missing in /proc/self/status")


def _logs_path(container_id: str) -> str:
    return f"{fixtures.API}/containers/{container_id}/logs?stdout=1&stderr=1"


def _events_path(window: dict[str, Any]) -> str:
    query = urllib.parse.urlencode(
        {
            "since": window["since"],
            "until": window["until"],
            "filters": fixtures.label_filter(window["token"]),
        }
    )
    return f"{fixtures.API}/events?{query}"


def bare_socket(address: str, kind: str, argument: str) -> Reader:
    sock = wire.BareSocket(fixtures.unix_path(address))
    path = _events_path(json.loads(argument)) if kind == "events" else None
    request = wire.request_bytes(path or _logs_path(argument), close=True)
    buffer = bytearray(1 << 20)
    # Counts every byte on the wire: head, chunk sizes and frame headers.
    return lambda: sock.read_to_end(request, buffer)


def http_client(address: str, kind: str, argument: str) -> Reader:
    connection = wire.http_client(fixtures.unix_path(address))
    if kind == "events":
        path = _events_path(json.loads(argument))

        def events() -> int:
            body = wire.http_get(connection, path)
            return len([json.loads(line) for line in body.splitlines() if line])

        return events

    def logs() -> int:
        # Reads the body without decoding frames: the transport floor.
        connection.request("GET", _logs_path(argument))
        response = connection.getresponse()
        total = 0
        while True:
            data = response.read(65536)
            if not data:
                return total
            total += len(data)

    return logs


def docker_engine(address: str, kind: str, argument: str) -> Reader:
    from docker_engine.v1_47 import Client

    # The client imports its API classes, models and stream readers on first
    # use. Importing them here keeps that one-time cost out of the memory
    # growth measured while streaming.
    modules = ["docker_engine._streams", f"{PACKAGE}.models"]
    modules += [f"{PACKAGE}.api.containers", f"{PACKAGE}.api.system"]
    for module in modules:
        importlib.import_module(module)
    client = Client(address, timeout=300.0)
    if kind == "events":
        window = json.loads(argument)
        label = {"label": [f"{fixtures.LABEL_KEY}={window['token']}"]}

        def events() -> int:
            stream = client.system.events(
                since=str(window["since"]), until=str(window["until"]), filters=label
            )
            return len([event.action for event in stream])

        return events

    def logs() -> int:
        # Without a tty argument the method inspects the container to learn
        # its TTY setting, as docker-py and aiodocker do.
        stream = client.containers.logs(argument, stdout=True, stderr=True)
        total = 0
        for _stream_type, data in stream:
            total += len(data)
        return total

    return logs


def docker_py(address: str, kind: str, argument: str) -> Reader:
    import docker

    client = docker.APIClient(base_url=address, version="1.47", timeout=300)
    if kind == "events":
        window = json.loads(argument)
        label = {"label": [f"{fixtures.LABEL_KEY}={window['token']}"]}

        def events() -> int:
            stream = client.events(
                since=window["since"],
                until=window["until"],
                filters=label,
                decode=True,
            )
            return len(list(stream))

        return events

    def logs() -> int:
        total = 0
        for data in client.logs(argument, stream=True, follow=False):
            total += len(data)
        return total

    return logs


def aiodocker_reader(address: str, kind: str, argument: str) -> Reader:
    import aiodocker

    loop = asyncio.new_event_loop()

    async def connect() -> Any:
        return aiodocker.Docker(url=address, api_version="v1.47")

    client = loop.run_until_complete(connect())

    async def events() -> int:
        window = json.loads(argument)
        subscriber = client.events.subscribe(create_task=False)
        task = asyncio.ensure_future(
            client.events.run(
                since=window["since"],
                until=window["until"],
                filters=fixtures.label_filter(window["token"]),
            )
        )
        count = 0
        while await subscriber.get() is not None:
            count += 1
        await task
        return count

    async def logs() -> int:
        container = await client.containers.get(argument)
        total = 0
        # Only follow=True returns an iterator; it ends with the exited
        # container's log. Items are decoded str lines.
        async for line in container.log(stdout=True, stderr=True, follow=True):
            total += len(line)
        return total

    reader = events if kind == "events" else logs
    return lambda: loop.run_until_complete(reader())


PEERS: dict[str, Callable[[str, str, str], Reader]] = {
    "bare socket": bare_socket,
    "http.client": http_client,
    "docker_engine": docker_engine,
    "docker-py": docker_py,
    "aiodocker": aiodocker_reader,
}


LOG_SIZE = 50 * 1024 * 1024
EVENT_CONTAINERS = 100  # each gives a create and a destroy event
# docker-py reads TTY logs one byte per read call: one 50 MiB read took
# 35 to 50 s on the 2-core development machine, so it runs in round 1 only.
SLOW_PEER_KIND = ("docker-py", "logs-tty")


def _measure_once(
    python: Path, address: str, peer: str, kind: str, argument: str
) -> dict[str, float]:
    command = [str(python), "-m", "benchmarks.streams", address, peer, kind, argument]
    result = check(run(command, env=peers.client_env()), f"{peer} {kind}")
    values: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def _note_memory(entry: Series, values: dict[str, float]) -> None:
    peak = values["peak_kib"] / 1024
    growth = max(0.0, (values["peak_kib"] - values["rss_kib"]) / 1024)
    entry.notes["peak MiB"] = max(entry.notes.get("peak MiB", 0.0), peak)
    entry.notes["growth MiB"] = max(entry.notes.get("growth MiB", 0.0), growth)


def _events_window(address: str, token: str) -> str:
    """Create and remove containers; return the window of their 200 events."""
    since = int(time.time())
    fixtures.create_stopped(address, token, EVENT_CONTAINERS)
    fixtures.remove_all(address, token)
    until = int(time.time()) + 1
    # The engine keeps a replay open until `until` has passed. Waiting here
    # keeps that wait out of the first peer's time.
    time.sleep(max(0.0, until - time.time() + 0.05))
    return json.dumps({"since": since, "until": until, "token": token})


def measure(
    python: Path, address: str, rounds: int, *, quick: bool
) -> tuple[Collector, list[str]]:
    """Measure logs and events with every peer; return the series and notes."""
    collector = Collector("streams")
    notes: list[str] = []
    token = fixtures.new_token()
    names = list(PEERS)
    try:
        plain = fixtures.log_writer(address, token, LOG_SIZE, tty=False)
        tty = fixtures.log_writer(address, token, LOG_SIZE, tty=True)
        logs = {"logs": plain, "logs-tty": tty}
        tasks = {
            "logs": "50 MiB of logs, multiplexed (no TTY)",
            "logs-tty": "50 MiB of logs, raw (TTY)",
        }
        # One read of each log first, so that no peer pays for reading the
        # log files from disk into the page cache.
        for container_id in logs.values():
            _measure_once(python, address, "bare socket", "logs", container_id)
        for round_index in range(rounds):
            for kind, container_id in logs.items():
                for peer in rotate(names, round_index):
                    if (peer, kind) == SLOW_PEER_KIND and (quick or round_index > 0):
                        continue
                    values = _measure_once(python, address, peer, kind, container_id)
                    rate = LOG_SIZE / 1024 / 1024 / values["seconds"]
                    entry = collector.add(
                        tasks[kind], peer, rate, "MiB/s", lower_is_better=False
                    )
                    _note_memory(entry, values)
            window = _events_window(address, f"{token}-events-{round_index}")
            for peer in rotate(names, round_index):
                values = _measure_once(python, address, peer, "events", window)
                task = "replay of 200 events (since/until)"
                expected = 2 * EVENT_CONTAINERS
                if peer != "bare socket" and values["count"] != expected:
                    # The engine replays only its latest 256 events
                    # (eventsLimit in moby's daemon/events/events.go), so
                    # other clients of the engine can push ours out.
                    notes.append(
                        f"{peer} read {int(values['count'])} of {expected} events "
                        f"in round {round_index + 1}; that run was dropped"
                    )
                    continue
                entry = collector.add(task, peer, values["seconds"] * 1000, "ms")
                _note_memory(entry, values)
    finally:
        fixtures.remove_all(address, token)
        for round_index in range(rounds):
            fixtures.remove_all(address, f"{token}-events-{round_index}")
    if quick:
        notes.append("docker-py on TTY logs: not measured in a quick run")
    else:
        notes.append(
            "docker-py on TTY logs ran in round 1 only, because it reads "
            "one byte per read call, so one 50 MiB read takes 35 to 50 s"
        )
    return collector, notes


def main(argv: list[str]) -> int:
    address, peer, kind, argument = argv
    if kind not in ("logs", "logs-tty", "events"):
        raise SystemExit(f"invalid kind {kind!r}: expected logs, logs-tty or events")
    reader = PEERS[peer](address, kind, argument)
    before = _rss_kib()
    started = time.perf_counter()
    count = reader()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"seconds": seconds, "count": count, "rss_kib": before, "peak_kib": peak}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
