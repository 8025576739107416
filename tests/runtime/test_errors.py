"""Tests of error classes, messages and the parsing of daemon error bodies."""

from __future__ import annotations

import json
import pickle

import pytest
from docker_engine._errors import (
    STATUS_ERRORS,
    APIError,
    BadRequestError,
    ConflictError,
    DockerConnectionError,
    DockerEngineError,
    DockerTimeoutError,
    MissingVersionPackageError,
    NotFoundError,
    RedirectError,
    ServiceUnavailableError,
    VersionError,
    error_for_response,
    is_error_status,
    parse_error_message,
)
from docker_engine._transport import Headers, Response


def make_response(status: int, body: bytes, content_type: str | None) -> Response:
    headers = [] if content_type is None else [(b"content-type", content_type.encode())]
    return Response(
        status,
        "",
        Headers(headers),
        body,
        "GET",
        "/v1.47/containers/web/json",
        "unix:///var/run/docker.sock",
    )


def test_not_found_message_from_json_body() -> None:
    response = make_response(
        404, b'{"message":"No such container: web"}', "application/json"
    )
    error = error_for_response(response)
    assert isinstance(error, NotFoundError)
    assert str(error) == (
        "container 'web' not found (404) on GET /v1.47/containers/web/json: "
        "No such container: web"
    )
    assert error.status == 404
    assert error.message == "No such container: web"
    assert error.method == "GET"
    assert error.path == "/v1.47/containers/web/json"
    assert error.response is response


# 404 messages of the 20.10, 26.1 and 28.5 engines, and the summary each gives.
@pytest.mark.parametrize(
    ("message", "summary"),
    [
        (
            "no such image: fresh-user/ns/repo:t1: "
            "No such image: fresh-user/ns/repo:t1",
            "image 'fresh-user/ns/repo:t1' not found",
        ),
        (
            "no such image: nosuch: No such image: nosuch:latest",
            "image 'nosuch:latest' not found",
        ),
        (
            "No such image: fresh-user/ns/repo:t1",
            "image 'fresh-user/ns/repo:t1' not found",
        ),
        ("No such image: nosuch:latest", "image 'nosuch:latest' not found"),
        ("No such container: web", "container 'web' not found"),
        ("No such exec instance: 3f2a", "exec instance '3f2a' not found"),
        ("network nosuch not found", "not found"),
        ("get nosuch: no such volume", "not found"),
    ],
)
def test_not_found_summary_names_object(message: str, summary: str) -> None:
    body = json.dumps({"message": message}).encode()
    error = error_for_response(make_response(404, body, "application/json"))
    assert str(error) == (
        f"{summary} (404) on GET /v1.47/containers/web/json: {message}"
    )


def test_conflict_message_from_text_body() -> None:
    response = make_response(
        409, b"name is already in use\n", "text/plain; charset=utf-8"
    )
    error = error_for_response(response)
    assert isinstance(error, ConflictError)
    assert error.message == "name is already in use"
    assert str(error).startswith("conflict (409) on GET /v1.47/containers/web/json")


def test_unmapped_status_is_plain_api_error() -> None:
    error = error_for_response(make_response(418, b"", None))
    assert type(error) is APIError
    assert str(error) == "request failed (418) on GET /v1.47/containers/web/json"


def test_status_mapping_is_flat() -> None:
    assert STATUS_ERRORS[400] is BadRequestError
    assert STATUS_ERRORS[503] is ServiceUnavailableError
    assert 304 not in STATUS_ERRORS
    for cls in STATUS_ERRORS.values():
        assert issubclass(cls, APIError)
        assert issubclass(cls, DockerEngineError)


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b'{"message":"bad"}', "application/json", "bad"),
        (b'{"message":"bad"}', None, "bad"),
        (b'{"other":1}', "application/json", '{"other":1}'),
        (b"not json", "application/json", "not json"),
        (b"plain words", "text/plain", "plain words"),
        (b"", "application/json", ""),
    ],
)
def test_parse_error_message(
    body: bytes, content_type: str | None, expected: str
) -> None:
    assert parse_error_message(body, content_type) == expected


def test_api_error_pickles_without_response() -> None:
    error = error_for_response(make_response(404, b'{"message":"x"}', None))
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is NotFoundError
    assert str(copy) == str(error)


def test_redirect_error_pickles_with_location() -> None:
    response = Response(
        301,
        "",
        Headers([(b"location", b"/v1.47/x")]),
        b"",
        "DELETE",
        "/v1.47/containers/a%2F..%2Fx?force=1",
        "unix:///var/run/docker.sock",
    )
    error = error_for_response(response)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is RedirectError
    assert isinstance(copy, RedirectError)
    assert copy.location == "/v1.47/x"
    assert copy.response is None
    assert str(copy) == str(error)


@pytest.mark.parametrize(
    ("status", "expected"),
    [(101, False), (200, False), (204, False), (301, True), (304, False), (404, True)],
)
def test_is_error_status(status: int, expected: bool) -> None:
    assert is_error_status(status) is expected


def test_response_ok_matches_error_rule() -> None:
    assert make_response(304, b"", None).ok
    assert not make_response(301, b"", None).ok
    assert not make_response(404, b"", None).ok


@pytest.mark.parametrize(
    ("os_error", "hint"),
    [
        (FileNotFoundError(2, "No such file"), "socket file does not exist"),
        (ConnectionRefusedError(111, "refused"), "connection was refused"),
        (PermissionError(13, "denied"), "'docker' group"),
        (OSError(99, "odd"), "OSError"),
    ],
)
def test_connection_error_names_fix(os_error: OSError, hint: str) -> None:
    error = DockerConnectionError.from_os_error("unix:///x.sock", os_error)
    assert "unix:///x.sock" in str(error)
    assert hint in str(error)
    assert error.address == "unix:///x.sock"


def test_timeout_error_messages() -> None:
    connect = DockerTimeoutError("connect", 2.0, "tcp://127.0.0.1:2375")
    assert str(connect) == (
        "connecting to the Docker daemon at tcp://127.0.0.1:2375 timed out after 2.0 s"
    )
    read = DockerTimeoutError("read", 1.5, "unix:///d.sock", "GET", "/v1.47/info")
    assert "GET /v1.47/info" in str(read)
    assert read.phase == "read"


def test_missing_version_package_names_distribution() -> None:
    error = MissingVersionPackageError("1.47", ["1.41", "1.43"])
    assert isinstance(error, VersionError)
    assert error.distribution == "docker-engine-v1-47"
    assert "pip install docker-engine-v1-47" in str(error)
    assert "1.41, 1.43" in str(error)
