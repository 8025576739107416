"""Tests of ApiClient: version prefix, encoding, status errors and capture."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from docker_engine._api import ApiClient
from docker_engine._encoding import quote_path
from docker_engine._errors import (
    APIError,
    ConflictError,
    NotFoundError,
    RedirectError,
)
from docker_engine._models import Model, build_dict
from docker_engine._transport import Transport
from fake_daemon import DaemonHandler, FakeDaemon, RecordedRequest


class Config(Model):
    __slots__ = ()

    def __init__(self, *, image: str) -> None:
        self._data = build_dict(("Image", image))


@pytest.fixture
def api(daemon: FakeDaemon) -> Iterator[ApiClient]:
    with ApiClient(Transport(daemon.url, timeout=5), "1.47") as client:
        yield client


def test_request_prefixes_version_and_encodes_query(
    daemon: FakeDaemon, api: ApiClient
) -> None:
    daemon.add("GET", "/v1.47/containers/json", json=[])
    response = api.request(
        "GET",
        "/containers/json",
        query={"all": True, "limit": None, "filters": '{"a":["b"]}'},
    )
    assert response.json() == []
    assert daemon.requests[0].target == (
        "/v1.47/containers/json?all=1&filters=%7B%22a%22%3A%5B%22b%22%5D%7D"
    )


def test_json_body_from_model(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("POST", "/v1.47/containers/create", status=201, json={"Id": "abc"})
    response = api.request(
        "POST", "/containers/create", query={"name": "web"}, json=Config(image="nginx")
    )
    assert response.status == 201
    request = daemon.requests[0]
    assert json.loads(request.body) == {"Image": "nginx"}
    assert request.headers["content-type"] == "application/json"


def test_json_and_content_together_rejected(api: ApiClient) -> None:
    with pytest.raises(ValueError, match="either json or content"):
        api.request("POST", "/x", json={}, content=b"x")


def test_none_header_values_are_dropped(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("POST", "/v1.47/images/create", json={})
    api.request(
        "POST",
        "/images/create",
        headers={"X-Registry-Auth": None, "X-Other": "1"},
        json={},
    )
    headers = daemon.requests[0].headers
    assert "x-registry-auth" not in headers
    assert headers["x-other"] == "1"
    assert headers["content-type"] == "application/json"


def test_error_status_raises_matching_class(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add(
        "GET",
        "/v1.47/containers/web/json",
        status=404,
        json={"message": "No such container: web"},
    )
    with pytest.raises(NotFoundError) as caught:
        api.request("GET", "/containers/web/json")
    assert str(caught.value) == (
        "container 'web' not found (404) on GET /v1.47/containers/web/json: "
        "No such container: web"
    )


def test_text_error_body(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add(
        "POST",
        "/v1.47/containers/web/start",
        status=409,
        body=b"container is paused\n",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    with pytest.raises(ConflictError, match="container is paused"):
        api.request("POST", "/containers/web/start")


def test_not_modified_is_success(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("POST", "/v1.47/containers/web/start", status=304)
    assert api.request("POST", "/containers/web/start").status == 304


def test_raw_request_does_not_raise(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("GET", "/v1.47/x", status=500, json={"message": "boom"})
    response = api.raw_request("GET", "/x")
    assert response.status == 500
    assert response.json() == {"message": "boom"}


def test_capture_responses_collects_calls(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("GET", "/v1.47/info", json={"ID": "d"}, headers={"Api-Version": "1.47"})
    daemon.add("GET", "/v1.47/missing", status=404, json={"message": "gone"})
    api.request("GET", "/info")
    with api.capture_responses() as outer:
        api.request("GET", "/info")
        with api.capture_responses() as inner:
            with pytest.raises(NotFoundError):
                api.request("GET", "/missing")
    api.request("GET", "/info")
    assert [response.status for response in outer] == [200, 404]
    assert [response.status for response in inner] == [404]
    assert outer[0].headers["Api-Version"] == "1.47"
    assert outer[0].content == b'{"ID": "d"}'


def test_capture_is_per_thread(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("GET", "/v1.47/info", json={})
    with api.capture_responses() as captured:
        thread = threading.Thread(target=api.request, args=("GET", "/info"))
        thread.start()
        thread.join()
    assert captured == []


def test_invalid_version_rejected(daemon: FakeDaemon) -> None:
    with pytest.raises(ValueError, match="invalid API version"):
        ApiClient(Transport(daemon.url), "latest")


def test_stream_error_status_raises(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add(
        "GET",
        "/v1.47/containers/x/logs",
        status=404,
        json={"message": "No such container: x"},
    )
    with api.capture_responses() as captured:
        with pytest.raises(NotFoundError, match="container 'x' not found"):
            api.stream_output("GET", "/containers/x/logs", tty=False)
    assert captured[0].status == 404


def test_stream_json_decodes_lines(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add(
        "POST",
        "/v1.47/images/create",
        body=b'{"status":"Pulling"}\n{"status":"Done"}\n',
        headers={"Content-Type": "application/json"},
    )
    with api.stream_json(
        "POST",
        "/images/create",
        decode=lambda item: item["status"],
        query={"fromImage": "a"},
    ) as stream:
        assert list(stream) == ["Pulling", "Done"]


def test_stream_bytes_reads_body(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("GET", "/v1.47/containers/x/export", body=b"tar bytes")
    with api.stream_bytes("GET", "/containers/x/export") as stream:
        assert b"".join(stream) == b"tar bytes"


def test_unknown_status_raises_base_class(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("GET", "/v1.47/teapot", status=418, body=b"short and stout")
    with pytest.raises(APIError) as caught:
        api.request("GET", "/teapot")
    assert type(caught.value) is APIError
    assert caught.value.status == 418


def frame(stream: int, payload: bytes) -> bytes:
    return bytes([stream, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def test_hijack_round_trip(daemon: FakeDaemon, api: ApiClient) -> None:
    def upgrade(handler: DaemonHandler, request: RecordedRequest) -> None:
        handler.wfile.write(
            b"HTTP/1.1 101 UPGRADED\r\n"
            b"Content-Type: application/vnd.docker.multiplexed-stream\r\n"
            b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n" + frame(1, b"ready\n")
        )
        handler.wfile.flush()
        stdin = b""
        while not stdin.endswith(b"\n"):
            stdin += handler.connection.recv(100)
        handler.wfile.write(frame(2, b"got " + stdin))
        handler.wfile.flush()
        handler.close_connection = True

    daemon.add_function("POST", "/v1.47/containers/web/attach", upgrade)
    stream = api.hijack(
        "POST",
        "/containers/web/attach",
        tty=False,
        query={"stream": True, "stdin": True},
    )
    with stream:
        stream.write(b"hello\n")
        chunks = list(stream)
    assert [(int(kind), data) for kind, data in chunks] == [
        (1, b"ready\n"),
        (2, b"got hello\n"),
    ]
    request = daemon.requests[0]
    assert request.headers["upgrade"] == "tcp"
    assert request.headers["connection"] == "Upgrade"
    assert request.target == "/v1.47/containers/web/attach?stream=1&stdin=1"


def test_stream_output_multiplexed(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add(
        "GET",
        "/v1.47/containers/web/logs",
        body=frame(1, b"out\n") + frame(2, b"err\n"),
        headers={"Content-Type": "application/vnd.docker.multiplexed-stream"},
    )
    with api.stream_output("GET", "/containers/web/logs", tty=False) as stream:
        chunks = [(int(kind), data) for kind, data in stream]
    assert chunks == [(1, b"out\n"), (2, b"err\n")]
    assert api.transport.idle_connections == 1


def test_stream_output_tty_is_raw(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("GET", "/v1.47/containers/web/logs", body=b"\x01raw tty bytes")
    with api.stream_output("GET", "/containers/web/logs", tty=True) as stream:
        assert b"".join(data for _, data in stream) == b"\x01raw tty bytes"


def test_error_path_leaves_out_query(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("POST", "/v1.47/build", status=500, json={"message": "failed"})
    with pytest.raises(APIError) as caught:
        api.request("POST", "/build", query={"buildargs": '{"T":"s3cr3t"}'})
    assert caught.value.path == "/v1.47/build"
    assert "s3cr3t" not in str(caught.value)
    assert caught.value.response is not None
    assert "buildargs=" in caught.value.response.path


def add_redirect(daemon: FakeDaemon, method: str, path: str, location: str) -> None:
    """Respond like the daemon after cleaning a path: 301 and no body."""
    daemon.add(method, path, status=301, headers={"Location": location})


def test_redirect_raises_naming_parameter(daemon: FakeDaemon, api: ApiClient) -> None:
    add_redirect(daemon, "DELETE", "/v1.47/containers/a%2F..%2F..%2Fx", "/v1.47/x")
    with pytest.raises(RedirectError) as caught:
        api.request(
            "DELETE", "/containers/" + quote_path("a/../../x"), query={"force": True}
        )
    error = caught.value
    assert error.status == 301
    assert error.location == "/v1.47/x"
    assert error.path == "/v1.47/containers/a%2F..%2F..%2Fx"
    assert str(error).startswith(
        "redirected (301) on DELETE /v1.47/containers/a%2F..%2F..%2Fx: "
        "the daemon redirected the request to /v1.47/x and did not run it. "
        "The path parameter 'a/../../x' contains"
    )
    assert "plain name or ID" in str(error)


@pytest.mark.parametrize(
    ("method", "name", "suffix"),
    [
        ("POST", "..", "/stop"),
        ("POST", ".", "/kill"),
        ("GET", "x/", "/json"),
        ("DELETE", "./", ""),
    ],
)
def test_redirect_names_each_form(
    daemon: FakeDaemon, api: ApiClient, method: str, name: str, suffix: str
) -> None:
    path = "/containers/" + quote_path(name) + suffix
    add_redirect(daemon, method, "/v1.47" + path, "/v1.47/cleaned")
    with pytest.raises(RedirectError) as caught:
        api.request(method, path)
    assert f"The path parameter {name!r} contains" in str(caught.value)


@pytest.mark.parametrize("status", [300, 302, 303, 307, 308])
def test_other_redirects_raise(daemon: FakeDaemon, api: ApiClient, status: int) -> None:
    daemon.add("GET", "/v1.47/info", status=status)
    with pytest.raises(RedirectError) as caught:
        api.request("GET", "/info")
    assert caught.value.location is None
    assert "redirected the request without a Location header" in str(caught.value)
    assert "usually means a path parameter contained" in str(caught.value)


def test_redirect_location_leaves_out_query(daemon: FakeDaemon, api: ApiClient) -> None:
    add_redirect(daemon, "POST", "/v1.47/build", "/v1.47/b?buildargs=s3cr3t")
    with pytest.raises(RedirectError) as caught:
        api.request("POST", "/build")
    assert "s3cr3t" not in str(caught.value)
    assert caught.value.location == "/v1.47/b?buildargs=s3cr3t"


def test_stream_redirects_raise(daemon: FakeDaemon, api: ApiClient) -> None:
    base = "/containers/" + quote_path("x/")
    for suffix in ("/logs", "/stats", "/export", "/attach"):
        method = "POST" if suffix == "/attach" else "GET"
        add_redirect(daemon, method, "/v1.47" + base + suffix, "/v1.47/x" + suffix)
    with pytest.raises(RedirectError, match="'x/'"):
        api.stream_output("GET", base + "/logs", tty=False)
    with pytest.raises(RedirectError, match="'x/'"):
        api.stream_json("GET", base + "/stats")
    with pytest.raises(RedirectError, match="'x/'"):
        api.stream_bytes("GET", base + "/export")
    with pytest.raises(RedirectError, match="'x/'"):
        api.hijack("POST", base + "/attach", tty=False)


def test_logs_tty_lookup_redirect_raises(daemon: FakeDaemon, api: ApiClient) -> None:
    base = "/containers/" + quote_path("x/")
    add_redirect(daemon, "GET", "/v1.47" + base + "/json", "/v1.47/containers/x/json")
    with pytest.raises(RedirectError):
        api.stream_output("GET", base + "/logs", tty_from=base + "/json")
    assert [request.path for request in daemon.requests] == ["/v1.47" + base + "/json"]


def test_not_modified_response_is_ok(daemon: FakeDaemon, api: ApiClient) -> None:
    daemon.add("POST", "/v1.47/containers/web/stop", status=304)
    response = api.request("POST", "/containers/web/stop")
    assert response.ok
