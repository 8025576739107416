"""API version negotiation between the daemon and the installed version packages.

Each API version has its own distribution (``docker-engine-v1-47`` installs
``docker_engine.v1_47``). `installed_versions` lists them by scanning
``docker_engine.__path__`` without importing any.

Negotiation, done once per client:

1. ``HEAD /_ping`` without a version prefix, falling back to ``GET /_ping``
   when the daemon responds with 404 or 405 (HEAD exists since API 1.40). The
   ``Api-Version`` header gives the daemon's newest version.
2. Without that header, ``GET /version`` gives ``ApiVersion`` and
   ``MinAPIVersion``.
3. The chosen version is the newest installed one not above the daemon's.
   When it is older than the daemon's own version, ``GET /version``
   (unless already fetched) supplies ``MinAPIVersion`` to check that the
   daemon still serves it. The ping response carries no minimum.

A pinned version (``DOCKER_API_VERSION`` or ``version=``) skips the
daemon entirely and needs only its package to be installed.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from ._config import parse_version
from ._errors import (
    DockerEngineError,
    MissingVersionPackageError,
    VersionError,
    error_for_response,
    generated_versions,
    is_error_status,
)
from ._transport import Transport

__all__ = [
    "DaemonVersions",
    "VersionNegotiator",
    "choose_version",
    "installed_versions",
    "probe_daemon",
    "version_key",
]

logger = logging.getLogger("docker_engine")

_PACKAGE_NAME = re.compile(r"^v1_(\d+)$")


def version_key(version: str) -> tuple[int, int]:
    """Sort key of a ``1.NN`` version string."""
    major, _, minor = version.partition(".")
    return int(major), int(minor)


def installed_versions(search_path: Iterable[str] | None = None) -> list[str]:
    """List the installed version packages as ``1.NN`` strings, oldest first.

    ``search_path`` defaults to ``docker_engine.__path__``, which includes
    every ``sys.path`` entry holding a ``docker_engine`` folder.
    """
    if search_path is None:
        import docker_engine

        search_path = docker_engine.__path__
    minors: set[int] = set()
    import pkgutil

    for module in pkgutil.iter_modules(list(search_path)):
        match = _PACKAGE_NAME.match(module.name)
        if match is not None and module.ispkg:
            minors.add(int(match.group(1)))
    return [f"1.{minor}" for minor in sorted(minors)]


@dataclass(frozen=True)
class DaemonVersions:
    """API versions reported by the daemon, with ``min_version`` ``None`` if unknown."""

    api_version: str
    min_version: str | None = None


def _format_range(versions: list[str]) -> str:
    if not versions:
        return "none"
    return f"{versions[0]}\u2013{versions[-1]}"


def _daemon_range(daemon: DaemonVersions) -> str:
    low = daemon.min_version or "?"
    return f"{low}\u2013{daemon.api_version}"


def _suggestion(daemon: DaemonVersions) -> str:
    """``pip install`` command for the best version package for ``daemon``."""
    generated, runtime_name = generated_versions()
    ceiling = version_key(daemon.api_version)
    usable = [v for v in generated if version_key(v) <= ceiling]
    version = usable[-1] if usable else daemon.api_version
    return f"'pip install {runtime_name}-v{version.replace('.', '-')}'"


def choose_version(daemon: DaemonVersions, installed: list[str]) -> str:
    """Pick the newest installed version the daemon serves.

    Raises `VersionError` naming both ranges when there is none, for
    example "daemon supports 1.24–1.51, installed packages cover 1.41–1.41".
    """
    if not installed:
        raise VersionError(
            f"no docker-engine version package is installed (daemon supports "
            f"{_daemon_range(daemon)}): install one, e.g. {_suggestion(daemon)}"
        )
    ceiling = version_key(daemon.api_version)
    candidates = [version for version in installed if version_key(version) <= ceiling]
    floor = version_key(daemon.min_version) if daemon.min_version else None
    if candidates and (floor is None or version_key(candidates[-1]) >= floor):
        return candidates[-1]
    raise VersionError(
        f"no common API version: daemon supports {_daemon_range(daemon)}, "
        f"installed packages cover {_format_range(installed)}. Install the "
        f"package of a version in the daemon's range, e.g. {_suggestion(daemon)}"
    )


def _fetch_version(transport: Transport) -> DaemonVersions:
    response = transport.request("GET", "/version")
    if is_error_status(response.status):
        raise error_for_response(response)
    data = response.json()
    if not isinstance(data, dict) or not isinstance(data.get("ApiVersion"), str):
        raise VersionError(
            f"GET /version on {transport.address} returned no ApiVersion: "
            f"{response.text[:200]!r}"
        )
    minimum = data.get("MinAPIVersion")
    return DaemonVersions(
        parse_version(data["ApiVersion"]),
        parse_version(minimum) if isinstance(minimum, str) and minimum else None,
    )


def probe_daemon(transport: Transport) -> DaemonVersions:
    """Ask the daemon for its API version with ``/_ping``, else ``/version``."""
    # The transport logs each request with its status at debug level.
    response = transport.request("HEAD", "/_ping")
    if response.status in (404, 405):
        response = transport.request("GET", "/_ping")
    if is_error_status(response.status):
        raise error_for_response(response)
    header = response.headers.get("Api-Version")
    if header:
        return DaemonVersions(parse_version(header))
    logger.debug("the ping response has no Api-Version header, so requesting /version")
    return _fetch_version(transport)


def _require_best_package(daemon: DaemonVersions, installed: list[str]) -> None:
    """Raise when the best generated version for the daemon is not installed.

    It does not raise when every generated version is installed, nor in a
    runtime without ``_versions.py``. Falling back to an older installed
    package would hide the daemon's newer API, so the error names the package
    to add and how to pin the older version.
    """
    generated, _ = generated_versions()
    ceiling = version_key(daemon.api_version)
    usable = [v for v in generated if version_key(v) <= ceiling]
    if not usable or usable[-1] in installed or not installed:
        return
    best = usable[-1]
    older = [v for v in installed if version_key(v) < version_key(best)]
    hint = f"To use v{older[-1]} instead, pass version='{older[-1]}'" if older else ""
    raise MissingVersionPackageError(best, installed, hint)


def negotiate(transport: Transport, installed: list[str]) -> str:
    """Choose the API version for ``transport`` among ``installed`` versions."""
    daemon = probe_daemon(transport)
    _require_best_package(daemon, installed)
    if daemon.min_version is None and installed:
        ceiling = version_key(daemon.api_version)
        newest_usable = [v for v in installed if version_key(v) <= ceiling]
        if newest_usable and newest_usable[-1] != daemon.api_version:
            # Only /version reports the daemon's minimum, needed because the
            # chosen version is older than the daemon's own.
            daemon = DaemonVersions(
                daemon.api_version, _fetch_version(transport).min_version
            )
    try:
        chosen = choose_version(daemon, installed)
    except VersionError as error:
        if daemon.min_version is not None:
            raise
        # Fetch the daemon's minimum so that the error names its full range.
        try:
            minimum = _fetch_version(transport).min_version
        except DockerEngineError:
            raise error from None
        chosen = choose_version(DaemonVersions(daemon.api_version, minimum), installed)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "negotiated API %s (daemon %s, installed %s)",
            chosen,
            _daemon_range(daemon),
            _format_range(installed),
        )
    return chosen


class VersionNegotiator:
    """Negotiates a transport's API version once, safely across threads.

    ``pinned`` skips the daemon and only checks that its package is
    installed. ``installed`` overrides the discovered package list.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        pinned: str | None = None,
        installed: list[str] | None = None,
    ) -> None:
        self.transport = transport
        self.pinned = parse_version(pinned) if pinned is not None else None
        self._installed = installed
        self._lock = threading.Lock()
        self._version: str | None = None

    @property
    def installed(self) -> list[str]:
        """Installed version packages, oldest first."""
        if self._installed is None:
            self._installed = installed_versions()
        return self._installed

    def version(self) -> str:
        """Return the negotiated version, contacting the daemon on the first call.

        Raises `VersionError`, `MissingVersionPackageError`, or the
        connection and API errors of the probe requests.
        """
        if self._version is not None:
            return self._version
        with self._lock:
            if self._version is None:
                self._version = self._negotiate()
            return self._version

    def _negotiate(self) -> str:
        installed = self.installed
        if self.pinned is not None:
            if self.pinned not in installed:
                raise MissingVersionPackageError(self.pinned, installed)
            logger.debug("using pinned API version %s", self.pinned)
            return self.pinned
        try:
            return negotiate(self.transport, installed)
        except DockerEngineError:
            raise
        except ValueError as error:
            raise VersionError(
                f"the daemon at {self.transport.address} reported an invalid API "
                f"version: {error}"
            ) from error
