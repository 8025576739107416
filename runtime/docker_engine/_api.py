"""Versioned request layer called by the generated API classes.

`ApiClient` prefixes each path with ``/v{api_version}``, encodes the query
and the JSON body, and raises the `APIError` subclass of any status of 300
or above. A redirect raises `RedirectError`, because the daemon redirects
only after cleaning a path parameter such as ``..``. 304, which start and
stop return for a no-op, is a success.

Generated code passes paths whose parameters are already encoded with
`quote_path`. The stream methods open the request and hand the response to
the reader classes of ``docker_engine._streams``, which is imported on
first use.

`ApiClient.capture_responses` gives access to the raw status, headers and
bytes of any generated call::

    with client.api.capture_responses() as responses:
        client.containers.inspect("web")
    print(responses[0].status, responses[0].headers["Content-Type"])
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._config import parse_version
from ._encoding import encode_json_body, encode_query
from ._errors import error_for_response, is_error_status
from ._models import Model
from ._transport import Body, Response, StreamingResponse, Transport

if TYPE_CHECKING:
    from ._streams import ByteStream, HijackedStream, JsonStream, OutputStream

__all__ = ["ApiClient", "TTY_FROM_BODY"]

# Value of ``tty_from`` that reads the TTY setting from the JSON body.
TTY_FROM_BODY = "body"

T = TypeVar("T")

HeaderValues = Mapping[str, "str | None"]

_JSON_HEADERS: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)


def _identity(value: Any) -> Any:
    return value


class ApiClient:
    """Sends requests for one API version over a `Transport`.

    Thread-safe: the transport's pool serves concurrent calls, and
    `capture_responses` records per thread.
    """

    def __init__(self, transport: Transport, api_version: str) -> None:
        self.transport = transport
        self.api_version = parse_version(api_version)
        self._prefix = f"/v{self.api_version}"
        self._local = threading.local()

    # -- plain requests ---------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        headers: HeaderValues | None = None,
        json: Any = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> Response:
        """Send a request and return the complete response.

        ``path`` excludes the version prefix. ``json`` (a `Model`, mapping
        or list) and ``content`` (bytes, binary file or iterable of bytes)
        are alternatives. ``timeout`` overrides the transport's read
        timeout. Raises an `APIError` subclass for a status of 300 or
        above other than 304.
        """
        response = self.raw_request(
            method,
            path,
            query=query,
            headers=headers,
            json=json,
            content=content,
            timeout=timeout,
        )
        if is_error_status(response.status):
            raise error_for_response(response)
        return response

    def raw_request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        headers: HeaderValues | None = None,
        json: Any = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> Response:
        """Send a request like `request` but return error responses, never raising."""
        target = self._target(path, query)
        request_headers, body = self._prepare(headers, json, content)
        response = self.transport.request(
            method, target, headers=request_headers, body=body, timeout=timeout
        )
        captures: list[list[Response]] | None = getattr(self._local, "captures", None)
        if captures:
            for captured in captures:
                captured.append(response)
        return response

    @contextmanager
    def capture_responses(self) -> Iterator[list[Response]]:
        """Collect the `Response` of each request made by this thread in the block.

        Error responses are collected before their exception is raised.
        Streaming calls are not collected, because their bodies are read
        later by the stream objects. Blocks may nest, and each collects
        every response of its own extent.
        """
        captured: list[Response] = []
        stack: list[list[Response]] | None = getattr(self._local, "captures", None)
        if stack is None:
            stack = []
            self._local.captures = stack
        stack.append(captured)
        try:
            yield captured
        finally:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index] is captured:
                    del stack[index]
                    break

    # -- streams ----------------------------------------------------------

    @overload
    def stream_json(
        self,
        method: str,
        path: str,
        *,
        decode: Callable[[Any], T],
        query: Mapping[str, Any] | None = None,
        headers: HeaderValues | None = None,
        json: Any = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> JsonStream[T]: ...

    @overload
    def stream_json(
        self,
        method: str,
        path: str,
        *,
        decode: None = None,
        query: Mapping[str, Any] | None = None,
        headers: HeaderValues | None = None,
        json: Any = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> JsonStream[Any]: ...

    def stream_json(
        self,
        method: str,
        path: str,
        *,
        decode: Callable[[Any], Any] | None = None,
        query: Mapping[str, Any] | None = None,
        headers: HeaderValues | None = None,
        json: Any = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> JsonStream[Any]:
        """Open a JSON-lines stream (pull, push, build, events, stats).

        ``decode`` converts each JSON value, for example a model's
        ``from_dict``. Without it the decoded JSON values are returned.
        """
        from ._streams import JsonStream

        response = self._open_stream(
            method, path, query, headers, json, content, timeout
        )
        return JsonStream(response, decode or _identity)

    def stream_output(
        self,
        method: str,
        path: str,
        *,
        tty: bool | None = None,
        tty_from: str | None = None,
        tty_field: str = "Config.Tty",
        query: Mapping[str, Any] | None = None,
        headers: HeaderValues | None = None,
        json: Any = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> OutputStream:
        """Open container output (logs, attach without stdin).

        ``tty`` is the container's or exec's TTY setting when known. With a
        TTY the output is raw, and without one it is multiplexed. When
        ``tty`` is None, ``tty_from`` names the source of the setting:
        `TTY_FROM_BODY` for the ``Tty`` field of ``json``, or the path of a
        document that is fetched before the stream opens, such as
        ``/containers/{id}/json``. ``tty_field`` is the dotted path of the
        setting in that document, and a missing field counts as false,
        because the daemon leaves out a false ``TTY`` in swarm specs.
        """
        from ._streams import OutputStream, is_multiplexed

        if tty is None and tty_from is not None:
            tty = self._lookup_tty(tty_from, tty_field, json)
        response = self._open_stream(
            method, path, query, headers, json, content, timeout
        )
        multiplexed = is_multiplexed(
            tty, response.headers.get("Content-Type"), self.api_version, response.status
        )
        return OutputStream(response, multiplexed=multiplexed)

    def hijack(
        self,
        method: str,
        path: str,
        *,
        tty: bool | None = None,
        tty_from: str | None = None,
        tty_field: str = "Config.Tty",
        query: Mapping[str, Any] | None = None,
        headers: HeaderValues | None = None,
        json: Any = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> HijackedStream:
        """Upgrade the connection to a raw stream (attach, exec start).

        Sends ``Connection: Upgrade`` and ``Upgrade: tcp``, unless
        ``headers`` sets another ``Upgrade`` protocol, whose bytes are then
        read undecoded. The returned stream owns the socket and closes it.
        ``tty``, ``tty_from`` and ``tty_field`` work as in `stream_output`,
        except that the document is fetched only when the response's
        Content-Type does not state the framing, which it does for a 101
        response from API 1.42 or later.
        """
        from ._streams import (
            HijackedStream,
            multiplexed_from_content_type,
            upgrade_headers,
        )

        if tty is None and tty_from == TTY_FROM_BODY:
            tty = self._lookup_tty(tty_from, tty_field, json)
        upgrade: dict[str, str | None] = dict(upgrade_headers())
        if headers:
            upgrade.update(headers)
        if tty is None and (upgrade.get("Upgrade") or "").lower() != "tcp":
            # Another protocol, such as the h2c of /session, carries its own
            # frames, which are passed through undecoded.
            tty = True
        response = self._open_stream(
            method, path, query, upgrade, json, content, timeout
        )
        try:
            if tty is None and tty_from is not None:
                stated = multiplexed_from_content_type(
                    response.headers.get("Content-Type"),
                    self.api_version,
                    response.status,
                )
                if stated is None:
                    tty = self._lookup_tty(tty_from, tty_field, json)
            return HijackedStream.from_response(
                response, tty=tty, api_version=self.api_version
            )
        except BaseException:
            response.close()
            raise

    def stream_bytes(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        headers: HeaderValues | None = None,
        json: Any = None,
        content: Body = None,
        timeout: float | None = None,
    ) -> ByteStream:
        """Open a binary download such as a tar archive (export, get archive)."""
        from ._streams import ByteStream

        response = self._open_stream(
            method, path, query, headers, json, content, timeout
        )
        return ByteStream(response)

    # -- lifecycle --------------------------------------------------------

    def close(self) -> None:
        """Close the transport's idle connections."""
        self.transport.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<ApiClient {self.transport.address} API {self.api_version}>"

    # -- helpers ----------------------------------------------------------

    def _target(self, path: str, query: Mapping[str, Any] | None) -> str:
        target = self._prefix + path
        if query:
            encoded = encode_query(query)
            if encoded:
                target = f"{target}?{encoded}"
        return target

    @staticmethod
    def _prepare(
        headers: HeaderValues | None, json: Any, content: Body
    ) -> tuple[list[tuple[str, str]] | tuple[tuple[str, str], ...] | None, Body]:
        """Return the request headers and body, dropping ``None`` header values."""
        if json is not None:
            if content is not None:
                raise ValueError("pass either json or content, not both")
            body: Body = encode_json_body(json)
            if not headers:
                return _JSON_HEADERS, body
            pairs = [
                (name, value) for name, value in headers.items() if value is not None
            ]
            if not any(name.lower() == "content-type" for name, _ in pairs):
                pairs.append(_JSON_HEADERS[0])
            return pairs, body
        if not headers:
            return None, content
        return [
            (name, value) for name, value in headers.items() if value is not None
        ], content

    def _lookup_tty(self, tty_from: str, tty_field: str, json: Any) -> bool:
        """Return the TTY setting that decides how output is framed."""
        if tty_from == TTY_FROM_BODY:
            body = json.to_dict() if isinstance(json, Model) else json
            # The daemon frames exec output by the start body's Tty, whatever
            # the exec was created with, and a missing Tty means false.
            return isinstance(body, Mapping) and bool(body.get("Tty"))
        value = self.request("GET", tty_from).json()
        for key in tty_field.split("."):
            if not isinstance(value, dict):
                return False
            value = value.get(key)
        return value is True

    def _open_stream(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        headers: HeaderValues | None,
        json: Any,
        content: Body,
        timeout: float | None,
    ) -> StreamingResponse:
        target = self._target(path, query)
        request_headers, body = self._prepare(headers, json, content)
        response = self.transport.stream(
            method, target, headers=request_headers, body=body, timeout=timeout
        )
        if is_error_status(response.status):
            complete = Response(
                response.status,
                response.reason,
                response.headers,
                response.read(),
                method,
                target,
                self.transport.address,
            )
            captures: list[list[Response]] | None = getattr(
                self._local, "captures", None
            )
            if captures:
                for captured in captures:
                    captured.append(complete)
            raise error_for_response(complete)
        return response
