"""Containers that the benchmarks create on an engine, and their removal.

Standard library only (through ``tests.engines``), so the fixtures do not
depend on any client under test. Every container carries the label
``LABEL_KEY`` with a per-run token as value, and its name starts with
``NAME_PREFIX``, so a later run can remove what an interrupted run left.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from typing import Any

from tests.engines import TEST_IMAGE, request, request_json

LABEL_KEY = "docker-engine-bench"
NAME_PREFIX = "docker-engine-bench-"
# The API version of every request; calls.py sets it for an older engine.
API_VERSION = os.environ.get("BENCH_API_VERSION", "1.47")
API = f"/v{API_VERSION}"

# 64-byte lines (63 characters and a newline) repeated by `yes`.
LOG_LINE = "0123456789abcdef" * 3 + "0123456789abcde"


def unix_path(address: str) -> str:
    """Return the socket path of a ``unix://`` address; reject other schemes."""
    if not address.startswith("unix://"):
        raise ValueError(
            f"unsupported engine address {address!r}: the benchmarks only "
            "talk to engines over unix:// sockets"
        )
    return address[len("unix://") :]


def label_filter(token: str) -> str:
    return json.dumps({"label": [f"{LABEL_KEY}={token}"]})


def create_container(
    address: str,
    token: str,
    name: str,
    command: list[str],
    *,
    tty: bool = False,
) -> str:
    """Create a container of the test image and return its ID."""
    body = {
        "Image": TEST_IMAGE,
        "Cmd": command,
        "Tty": tty,
        "Labels": {LABEL_KEY: token},
        "HostConfig": {"NetworkMode": "none", "LogConfig": {"Type": "json-file"}},
    }
    query = urllib.parse.urlencode({"name": NAME_PREFIX + name})
    created = request_json(
        address,
        "POST",
        f"{API}/containers/create?{query}",
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    return str(created["Id"])


def create_stopped(address: str, token: str, count: int) -> list[str]:
    """Create ``count`` containers that are never started; return their IDs."""
    return [
        create_container(address, token, f"{token}-{index:03d}", ["true"])
        for index in range(count)
    ]


def run_to_exit(address: str, container_id: str, timeout: float = 300.0) -> int:
    """Start a container, wait until it exits and return its exit code."""
    status, body = request(address, "POST", f"{API}/containers/{container_id}/start")
    if status not in (204, 304):
        raise RuntimeError(f"start of {container_id} returned {status}: {body!r}")
    waited = request_json(
        address,
        "POST",
        f"{API}/containers/{container_id}/wait",
        timeout=timeout,
    )
    return int(waited["StatusCode"])


def log_writer(address: str, token: str, size: int, *, tty: bool) -> str:
    """Create and run a container that writes ``size`` bytes to stdout."""
    script = f"yes {LOG_LINE} | head -c {size}"
    kind = "tty" if tty else "plain"
    container_id = create_container(
        address, token, f"{token}-logs-{kind}", ["sh", "-c", script], tty=tty
    )
    code = run_to_exit(address, container_id)
    if code != 0:
        raise RuntimeError(f"log writer {container_id} exited with {code}")
    return container_id


def list_ids(address: str, label_value: str | None) -> list[str]:
    """Return the IDs of the containers labelled by the benchmarks.

    ``label_value`` None matches the label with any value, which finds the
    leftovers of every earlier run.
    """
    label = LABEL_KEY if label_value is None else f"{LABEL_KEY}={label_value}"
    query = urllib.parse.urlencode(
        {"all": "1", "filters": json.dumps({"label": [label]})}
    )
    containers: list[dict[str, Any]] = request_json(
        address, "GET", f"{API}/containers/json?{query}"
    )
    return [str(container["Id"]) for container in containers]


def remove_all(address: str, label_value: str | None) -> int:
    """Force-remove the labelled containers and return how many were removed."""
    removed = 0
    for container_id in list_ids(address, label_value):
        status, body = request(
            address, "DELETE", f"{API}/containers/{container_id}?force=1&v=1"
        )
        if status not in (204, 404):
            raise RuntimeError(f"removal of {container_id} returned {status}: {body!r}")
        removed += 1
    return removed


def new_token() -> str:
    """Return a label value unique to this run."""
    return f"{int(time.time())}-{time.perf_counter_ns() % 1_000_000:06d}"
