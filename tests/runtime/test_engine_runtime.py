"""Runtime tests against the real engines of `scripts/engines.sh start`.

Skipped when engines.env does not exist. Each engine is used only through
its own unix socket. Most tests pin API 1.41, so an engine that does not
serve it is skipped.
"""

from __future__ import annotations

import pytest
from conftest_engines import ENGINE_ORDER, skip_unless_serves
from docker_engine import ApiClient, NotFoundError, RedirectError, Transport
from docker_engine._encoding import quote_path
from docker_engine._negotiation import VersionNegotiator
from engines import TEST_IMAGE

pytestmark = pytest.mark.engine


@pytest.fixture(params=ENGINE_ORDER)
def address(request: pytest.FixtureRequest, engines: dict[str, str]) -> str:
    name: str = request.param
    skip_unless_serves(name, "1.41")
    return engines[name]


def test_negotiation_picks_served_version(address: str) -> None:
    installed = ["1.24", "1.41", "1.45", "1.47"]
    with Transport(address) as transport:
        version = VersionNegotiator(transport, installed=installed).version()
        daemon_version = transport.request("GET", "/version").json()["ApiVersion"]
    daemon_minor = int(daemon_version.split(".")[1])
    served = [v for v in installed if int(v.split(".")[1]) <= daemon_minor]
    expected = served[-1]
    assert version == expected


def test_requests_reuse_one_connection(address: str) -> None:
    with ApiClient(Transport(address), "1.41") as api:
        for _ in range(3):
            assert api.request("GET", "/_ping").content == b"OK"
        assert api.transport.idle_connections == 1


def test_missing_container_message(address: str) -> None:
    with ApiClient(Transport(address), "1.41") as api:
        with pytest.raises(NotFoundError) as caught:
            api.request("GET", "/containers/no-such-container-x/json")
    assert str(caught.value) == (
        "container 'no-such-container-x' not found (404) on "
        "GET /v1.41/containers/no-such-container-x/json: "
        "No such container: no-such-container-x"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("no-such-user/ns/repo:t1", "no-such-user/ns/repo:t1"),
        ("no-such-image-x", "no-such-image-x:latest"),
    ],
)
def test_missing_image_message(address: str, name: str, expected: str) -> None:
    with ApiClient(Transport(address), "1.41") as api:
        with pytest.raises(NotFoundError) as caught:
            api.request("GET", f"/images/{quote_path(name)}/json")
    assert str(caught.value).startswith(f"image '{expected}' not found (404) on GET")


def test_attach_stdin_round_trip(address: str) -> None:
    with ApiClient(Transport(address), "1.41") as api:
        created = api.request(
            "POST",
            "/containers/create",
            json={
                "Image": TEST_IMAGE,
                "Cmd": ["cat"],
                "OpenStdin": True,
                "StdinOnce": True,
                "AttachStdin": True,
                "AttachStdout": True,
            },
        )
        path = f"/containers/{quote_path(created.json()['Id'])}"
        try:
            stream = api.hijack(
                "POST",
                path + "/attach",
                tty=False,
                query={"stream": True, "stdin": True, "stdout": True},
            )
            with stream:
                api.request("POST", path + "/start")
                stream.write(b"round trip\n")
                stream.close_write()
                output = b"".join(data for _, data in stream)
            assert output == b"round trip\n"
            assert api.request("POST", path + "/wait").json()["StatusCode"] == 0
        finally:
            api.request("DELETE", path, query={"force": True})


@pytest.mark.parametrize(
    ("method", "name", "suffix"),
    [
        ("DELETE", "a/../../x", ""),
        ("POST", "..", "/stop"),
        ("POST", "..", "/kill"),
        ("GET", "x/", "/json"),
    ],
)
def test_cleaned_path_raises_redirect(
    address: str, method: str, name: str, suffix: str
) -> None:
    path = "/containers/" + quote_path(name) + suffix
    with ApiClient(Transport(address), "1.41") as api:
        with pytest.raises(RedirectError) as caught:
            api.request(method, path, query={"force": True} if not suffix else None)
    assert caught.value.status == 301
    assert caught.value.location is not None
    assert f"The path parameter {name!r} contains" in str(caught.value)


def test_cleaned_path_redirects_streams(address: str) -> None:
    path = "/containers/" + quote_path("x/")
    with ApiClient(Transport(address), "1.41") as api:
        with pytest.raises(RedirectError, match="'x/'"):
            api.stream_output("GET", path + "/logs", tty=False, query={"stdout": True})
        with pytest.raises(RedirectError, match="'x/'"):
            api.stream_output(
                "GET", path + "/logs", tty_from=path + "/json", query={"stdout": True}
            )
        with pytest.raises(RedirectError, match="'x/'"):
            api.stream_bytes("GET", path + "/export")
        with pytest.raises(RedirectError, match="'x/'"):
            api.hijack("POST", path + "/attach", tty=False, query={"stream": True})
        with pytest.raises(RedirectError, match="'./'"):
            api.request("DELETE", "/volumes/" + quote_path("./"))
        with pytest.raises(RedirectError, match="'../x'"):
            api.request("DELETE", "/images/" + quote_path("../x"))
