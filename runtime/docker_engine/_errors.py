"""Exceptions raised by the Docker Engine client.

Every exception derives from `DockerEngineError`, so one ``except`` clause
catches them all. The daemon's HTTP errors are `APIError` subclasses picked
by status code from `STATUS_ERRORS`, and statuses without their own class
raise `APIError` itself. A redirect (300 to 399) raises `RedirectError`,
except 304 (container already started or stopped), which is a success and
raises nothing. `is_error_status` states that rule.

Messages are built from the method, the path and the daemon's message, not
from request headers, so registry credentials sent in ``X-Registry-Auth``
do not appear in a traceback.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from ._transport import Response

__all__ = [
    "APIError",
    "BadRequestError",
    "ConflictError",
    "DockerConnectionError",
    "DockerEngineError",
    "DockerTimeoutError",
    "ForbiddenError",
    "MissingVersionPackageError",
    "NotFoundError",
    "RedirectError",
    "STATUS_ERRORS",
    "ServerError",
    "ServiceUnavailableError",
    "UnauthorizedError",
    "VersionError",
    "error_for_response",
    "is_error_status",
]


class DockerEngineError(Exception):
    """Base class of every exception raised by this package."""


class APIError(DockerEngineError):
    """The daemon responded with an HTTP error status (300 or above, except 304).

    ``message`` is the daemon's own explanation, taken from the JSON body's
    ``message`` field or from a text/plain body. ``path`` is the request path
    without the query string. ``response`` is the complete `Response`, for
    callers that need the raw headers or bytes.
    """

    status: int
    message: str
    method: str
    path: str
    response: Response | None

    def __init__(
        self,
        status: int,
        message: str,
        method: str,
        path: str,
        response: Response | None = None,
    ) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        self.response = response
        super().__init__(_describe(status, message, method, path))

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle without the response, which contains no socket but can be large.
        return (type(self), (self.status, self.message, self.method, self.path))


class BadRequestError(APIError):
    """400: the daemon rejected the request's parameters or body."""


class UnauthorizedError(APIError):
    """401: the registry or daemon requires credentials."""


class ForbiddenError(APIError):
    """403: the operation is not allowed, for example by an authorization plugin."""


class NotFoundError(APIError):
    """404: the container, image, network or other object does not exist."""


class ConflictError(APIError):
    """409: the request conflicts with the object's state or name."""


class ServerError(APIError):
    """500: the daemon failed while handling the request."""


class ServiceUnavailableError(APIError):
    """503: the daemon cannot serve the request, for example outside swarm mode."""


class RedirectError(APIError):
    """3xx other than 304: the daemon redirected instead of running the request.

    The daemon decodes the request path and cleans it like a file path
    before routing, so a path parameter such as ``..``, ``a/../x`` or
    ``x/`` changes the path. The daemon then responds 301 with the cleaned
    path in ``Location`` and an empty body, and does nothing else. The
    client never follows the redirect, because the cleaned path names a
    different object or operation. ``location`` is the ``Location`` header,
    or None when the response has none.
    """

    location: str | None

    def __init__(
        self,
        status: int,
        message: str,
        method: str,
        path: str,
        response: Response | None = None,
        location: str | None = None,
    ) -> None:
        self.location = location
        super().__init__(status, message, method, path, response)

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            type(self),
            (self.status, self.message, self.method, self.path, None, self.location),
        )


STATUS_ERRORS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    500: ServerError,
    503: ServiceUnavailableError,
}

_REASONS = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    409: "conflict",
    500: "internal server error",
    501: "not implemented",
    503: "service unavailable",
}

# The daemon words most 404 messages as "No such container: web" or
# "No such exec instance: 3f2a", and the summary takes the kind and name from
# it. Image inspect on 20.10 wraps that text in its own prefix, as in
# "no such image: a/b:1: No such image: a/b:1", so the name is the text after
# the last "no such <kind>: ". Names contain no spaces, so a name cannot
# contain that phrase.
_NO_SUCH = re.compile(r"^(?:.*: )?no such (\w+(?: instance)?): (\S+)$", re.IGNORECASE)


def is_error_status(status: int) -> bool:
    """Return True for a status that raises: 300 or above, except 304."""
    return status >= 300 and status != 304


def _describe(status: int, message: str, method: str, path: str) -> str:
    summary = _REASONS.get(status, "request failed")
    if status == 404:
        match = _NO_SUCH.match(message.strip())
        if match is not None:
            summary = f"{match.group(1).lower()} '{match.group(2)}' not found"
    elif 300 <= status < 400:
        summary = "redirected"
    text = f"{summary} ({status}) on {method} {path}"
    if message:
        text += f": {message}"
    return text


def parse_error_message(content: bytes, content_type: str | None) -> str:
    """Extract the daemon's error message from a response body.

    The daemon sends ``{"message": "..."}`` as JSON, but some handlers and
    proxies respond with text/plain. A JSON body without a string ``message``
    field is returned as text.
    """
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return ""
    if content_type is None or "json" in content_type or text.startswith("{"):
        try:
            decoded = json.loads(text)
        except ValueError:
            return text
        if isinstance(decoded, dict):
            message = decoded.get("message")
            if isinstance(message, str):
                return message.strip()
    return text


def error_for_response(response: Response) -> APIError:
    """Build the `APIError` subclass matching the response's status."""
    message = parse_error_message(
        response.content, response.headers.get("content-type")
    )
    # The query string is left out of the message because it may carry
    # build arguments; response.path still has it.
    path = response.path.partition("?")[0]
    if 300 <= response.status < 400:
        location = response.headers.get("location")
        message = _redirect_message(path, location, message)
        return RedirectError(
            response.status, message, response.method, path, response, location
        )
    cls = STATUS_ERRORS.get(response.status, APIError)
    return cls(response.status, message, response.method, path, response)


def _redirect_message(path: str, location: str | None, body_message: str) -> str:
    """Explain a redirect, naming the path parameters that caused it."""
    # Generated code encodes each path parameter as one segment, so a
    # segment that decodes to "." or ".." or contains "/" is a parameter
    # value that the daemon's path cleaning changed.
    values = [
        unquote(segment)
        for segment in path.split("/")
        if "%" in segment
        and (unquote(segment) in (".", "..") or "/" in unquote(segment))
    ]
    target = "without a Location header"
    if location:
        target = f"to {location.partition('?')[0]}"
    text = f"the daemon redirected the request {target} and did not run it"
    if len(values) == 1:
        text += (
            f". The path parameter {values[0]!r} contains a '.' or '..' "
            "segment or a '/', which the daemon removes when it cleans the "
            "path. Pass the object's plain name or ID"
        )
    elif values:
        names = ", ".join(repr(value) for value in values)
        text += (
            f". The path parameters {names} contain '.' or '..' segments or "
            "'/', which the daemon removes when it cleans the path. Pass the "
            "objects' plain names or IDs"
        )
    else:
        text += (
            ". This usually means a path parameter contained a '.' or '..' "
            "segment or a trailing '/'"
        )
    if body_message:
        text += f". The daemon's message: {body_message}"
    return text


class DockerConnectionError(DockerEngineError):
    """Connecting to the daemon failed, or the connection broke mid-request.

    ``address`` is the daemon URL, for example ``unix:///var/run/docker.sock``.
    The message names the likely fix for the underlying ``OSError``.
    """

    address: str

    def __init__(self, address: str, message: str) -> None:
        self.address = address
        super().__init__(message)

    @classmethod
    def from_os_error(cls, address: str, error: OSError) -> DockerConnectionError:
        """Describe a failed connect, naming the fix for the error's kind."""
        prefix = f"cannot connect to the Docker daemon at {address}"
        if isinstance(error, FileNotFoundError):
            hint = (
                "the socket file does not exist. Start the daemon, or set "
                "DOCKER_HOST to the address it listens on"
            )
        elif isinstance(error, ConnectionRefusedError):
            hint = (
                "the connection was refused. Check that the daemon is running "
                "and that DOCKER_HOST names the address it listens on"
            )
        elif isinstance(error, PermissionError):
            hint = (
                "permission denied on the socket. Run as a user allowed to use "
                "it (on most systems, a member of the 'docker' group)"
            )
        elif _is_ssl_error(error):
            hint = (
                f"the TLS handshake failed ({error}). Check DOCKER_CERT_PATH "
                "and DOCKER_TLS_VERIFY"
            )
        else:
            hint = f"{type(error).__name__}: {error}"
        return cls(address, f"{prefix}: {hint}")


class DockerTimeoutError(DockerEngineError):
    """The daemon did not accept the connection or respond in time.

    ``phase`` is ``"connect"`` or ``"read"``, and ``timeout`` is in seconds.
    """

    phase: str
    timeout: float | None
    address: str

    def __init__(
        self,
        phase: str,
        timeout: float | None,
        address: str,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        self.phase = phase
        self.timeout = timeout
        self.address = address
        if phase == "connect":
            text = f"connecting to the Docker daemon at {address} timed out"
        else:
            text = f"reading the response of {method} {path} from {address} timed out"
        text += f" after {timeout} s"
        super().__init__(text)


class VersionError(DockerEngineError):
    """No API version is usable by both the daemon and the installed packages."""


class MissingVersionPackageError(VersionError):
    """The requested API version has no installed version package.

    ``distribution`` is the name to install, for example
    ``docker-engine-v1-47``.
    """

    version: str
    distribution: str

    def __init__(
        self, version: str, installed: list[str] | None = None, hint: str = ""
    ) -> None:
        self.version = version
        generated, runtime_name = generated_versions()
        self.distribution = f"{runtime_name}-v" + version.replace(".", "-")
        if generated and version not in generated:
            text = (
                f"API version {version} has no client package: this build of "
                f"{runtime_name} was generated for {generated[0]}\u2013"
                f"{generated[-1]}. Pin a version in that range"
            )
        else:
            text = (
                f"API version {version} is not installed: "
                f"run 'pip install {self.distribution}'"
            )
        if installed:
            text += f" (installed versions: {', '.join(installed)})"
        else:
            text += " (no version package is installed)"
        if hint:
            text += f". {hint}"
        super().__init__(text)


def generated_versions() -> tuple[tuple[str, ...], str]:
    """Versions the generator produced for this runtime, and its distribution name.

    The generator writes them to ``_versions.py`` next to this module. A
    runtime imported from its source tree has no such file, so the result
    is an empty tuple.
    """
    try:
        module = importlib.import_module(f"{__package__}._versions")
    except ImportError:
        return (), "docker-engine"
    return tuple(module.GENERATED_VERSIONS), str(module.DISTRIBUTION)


def _is_ssl_error(error: BaseException) -> bool:
    # ssl is imported only for TLS connections; without it loaded, the
    # error cannot be an SSLError.
    ssl = sys.modules.get("ssl")
    return ssl is not None and isinstance(error, ssl.SSLError)
