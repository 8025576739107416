"""Python client for the Docker Engine API, one typed package per API version.

``docker_engine.Client.from_env()`` connects to the daemon named by
``DOCKER_HOST``, negotiates the API version, and returns the client of the
matching version package (``docker_engine.v1_NN``). The version packages
are separate distributions, such as ``docker-engine-v1-47``.
"""


# Version packages live in other distributions, so other sys.path entries
# may hold more docker_engine/v1_NN folders. This adds them to __path__ as
# pkgutil.extend_path would, without importing pkgutil (a few milliseconds
# of import time).
def _extend_path(path: list[str], name: str) -> list[str]:
    import os
    import sys

    extended = list(path)
    for entry in sys.path:
        if not isinstance(entry, str) or not os.path.isdir(entry):
            continue
        candidate = os.path.join(entry, name)
        if candidate not in extended and os.path.isdir(candidate):
            extended.append(candidate)
    return extended


__path__ = _extend_path(__path__, __name__)

from typing import TYPE_CHECKING, Any  # noqa: E402

from ._api import ApiClient  # noqa: E402
from ._config import HostConfig, TLSConfig, parse_host  # noqa: E402
from ._errors import (  # noqa: E402
    STATUS_ERRORS,
    APIError,
    BadRequestError,
    ConflictError,
    DockerConnectionError,
    DockerEngineError,
    DockerTimeoutError,
    ForbiddenError,
    MissingVersionPackageError,
    NotFoundError,
    RedirectError,
    ServerError,
    ServiceUnavailableError,
    UnauthorizedError,
    VersionError,
)
from ._models import UNSET, Model, Unset  # noqa: E402
from ._negotiation import installed_versions  # noqa: E402
from ._shim import Client, connect  # noqa: E402
from ._transport import Headers, Response, StreamingResponse, Transport  # noqa: E402

if TYPE_CHECKING:
    from ._archive import PathStat, decode_path_stat, pack_build_context

# Names of ``_archive``, which imports tarfile and adds several milliseconds
# to the package import (python -X importtime), so it is loaded on first
# access instead of with the package. Type checkers see
# the imports above instead of __getattr__, so they still report misspelled
# attributes of the package.
_ARCHIVE_NAMES = frozenset({"PathStat", "decode_path_stat", "pack_build_context"})

if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        if name in _ARCHIVE_NAMES:
            from . import _archive

            value = getattr(_archive, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(set(globals()) | _ARCHIVE_NAMES)


__all__ = [
    "APIError",
    "ApiClient",
    "BadRequestError",
    "Client",
    "ConflictError",
    "DockerConnectionError",
    "DockerEngineError",
    "DockerTimeoutError",
    "ForbiddenError",
    "Headers",
    "HostConfig",
    "MissingVersionPackageError",
    "Model",
    "NotFoundError",
    "PathStat",
    "RedirectError",
    "Response",
    "STATUS_ERRORS",
    "ServerError",
    "ServiceUnavailableError",
    "StreamingResponse",
    "TLSConfig",
    "Transport",
    "UNSET",
    "UnauthorizedError",
    "Unset",
    "VersionError",
    "connect",
    "decode_path_stat",
    "installed_versions",
    "pack_build_context",
    "parse_host",
]
