"""``docker_engine.Client``: connect, negotiate, and return a version's client.

``Client(...)`` and ``Client.from_env()`` return an instance of
``docker_engine.v1_NN.Client`` for the negotiated version, not of this
class. The API differs between versions, so no single class can describe
every client: `Client.__new__` picks the version at run time and returns
that version's client, typed ``Any``. Code that wants static types imports
the version package directly::

    from docker_engine.v1_47 import Client
    client = Client()

Only the negotiated version's package is imported. The returned client
has ``api`` (the `ApiClient`) and ``api_version`` attributes. The generated
``Client`` accepts the ready ``ApiClient`` through its ``api`` keyword.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from typing import Any

from ._api import ApiClient
from ._config import TLSConfig, host_from_env, parse_version, version_from_env
from ._errors import MissingVersionPackageError
from ._negotiation import VersionNegotiator
from ._transport import Transport

__all__ = ["Client", "connect"]

logger = logging.getLogger("docker_engine")

DEFAULT_TIMEOUT = 60.0


def connect(transport: Transport, version: str | None = None) -> Any:
    """Negotiate (or take the pinned ``version``) and build that version's client.

    Raises `MissingVersionPackageError` when the chosen version's package
    cannot be imported.
    """
    negotiator = VersionNegotiator(transport, pinned=version)
    api_version = negotiator.version()
    module_name = f"docker_engine.v1_{api_version.split('.')[1]}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise MissingVersionPackageError(api_version, negotiator.installed) from error
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("using %s for %s", module_name, transport.address)
    return module.Client(api=ApiClient(transport, api_version))


class Client:
    """Entry point returning the client of the negotiated API version.

    ``Client(base_url=None, version=None, timeout=60.0, tls=None)`` connects
    to ``base_url`` (default ``unix:///var/run/docker.sock``) without
    reading the environment, while `Client.from_env` reads ``DOCKER_HOST`` and the
    other variables the docker CLI uses. ``version`` pins the API version
    (``"1.47"``) and skips negotiation. ``timeout`` is the read timeout in
    seconds for non-streaming calls (``None`` waits forever).

    The result is an instance of ``docker_engine.v1_NN.Client``, not of this
    class, because each API version has its own client class.
    """

    def __new__(
        cls,
        base_url: str | None = None,
        *,
        version: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = None,
        tls: TLSConfig | bool | None = None,
        max_idle_connections: int = 10,
        user_agent: str | None = None,
    ) -> Any:
        pinned = parse_version(version) if version is not None else None
        transport = Transport(
            base_url,
            tls=tls,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_idle_connections=max_idle_connections,
            user_agent=user_agent,
        )
        try:
            return connect(transport, pinned)
        except BaseException:
            transport.close()
            raise

    @classmethod
    def from_env(
        cls,
        *,
        environ: Mapping[str, str] | None = None,
        version: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float | None = None,
        max_idle_connections: int = 10,
        user_agent: str | None = None,
    ) -> Any:
        """Connect as the docker CLI would, from ``DOCKER_HOST`` and related variables.

        ``environ`` defaults to ``os.environ``. An explicit ``version``
        wins over ``DOCKER_API_VERSION``.
        """
        host = host_from_env(environ)
        pinned = parse_version(version) if version is not None else None
        if pinned is None:
            pinned = version_from_env(environ)
        transport = Transport(
            host,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_idle_connections=max_idle_connections,
            user_agent=user_agent,
        )
        try:
            return connect(transport, pinned)
        except BaseException:
            transport.close()
            raise
