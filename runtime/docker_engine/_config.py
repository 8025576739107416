"""Daemon address and TLS settings, parsed the way the docker CLI does.

Environment variables, with the meaning the docker CLI gives them:

``DOCKER_HOST``
    ``unix:///path``, ``tcp://host:port``, ``http://host:port`` or
    ``https://host:port``. Unset means ``unix:///var/run/docker.sock``.
    A bare absolute path counts as a unix socket.
``DOCKER_TLS_VERIFY``
    Any non-empty value (even ``0``, as in the CLI) turns on TLS and
    verifies the daemon's certificate against ``ca.pem``.
``DOCKER_TLS``
    Any non-empty value turns on TLS without verifying the daemon.
``DOCKER_CERT_PATH``
    Folder containing ``ca.pem``, ``cert.pem`` and ``key.pem``, by default
    ``~/.docker``. The client certificate is sent when both files exist.
``DOCKER_API_VERSION``
    Pins the API version (``1.NN``) and skips negotiation.

With TLS, ``tcp://`` and ``https://`` addresses default to port 2376,
and without it to port 2375.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import ssl

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_UNIX_SOCKET",
    "HostConfig",
    "TLSConfig",
    "host_from_env",
    "parse_host",
    "parse_version",
    "tls_from_env",
    "version_from_env",
]

DEFAULT_UNIX_SOCKET = "/var/run/docker.sock"
DEFAULT_HOST = "unix://" + DEFAULT_UNIX_SOCKET
DEFAULT_HTTP_PORT = 2375
DEFAULT_TLS_PORT = 2376

_VERSION_PATTERN = re.compile(r"^1\.(\d{1,3})$")


@dataclass(frozen=True)
class TLSConfig:
    """Certificate files and verification mode of a TLS connection.

    ``ca_cert`` verifies the daemon, and ``None`` uses the system's trust store.
    ``client_cert`` and ``client_key`` authenticate the client. The key is
    only a file path, never its contents, so the repr is safe to log.
    """

    ca_cert: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    verify: bool = True

    @classmethod
    def from_cert_path(cls, cert_path: str, *, verify: bool = True) -> TLSConfig:
        """Use ``ca.pem``, ``cert.pem`` and ``key.pem`` from one folder.

        Missing files are left out, so a folder containing only ``ca.pem``
        gives server verification without a client certificate.
        """
        folder = os.path.expanduser(cert_path)
        ca_cert = os.path.join(folder, "ca.pem")
        client_cert = os.path.join(folder, "cert.pem")
        client_key = os.path.join(folder, "key.pem")
        has_client_pair = os.path.isfile(client_cert) and os.path.isfile(client_key)
        return cls(
            ca_cert=ca_cert if os.path.isfile(ca_cert) else None,
            client_cert=client_cert if has_client_pair else None,
            client_key=client_key if has_client_pair else None,
            verify=verify,
        )

    def ssl_context(self) -> ssl.SSLContext:
        """Build a client `ssl.SSLContext` from these settings.

        Raises `FileNotFoundError` or `ssl.SSLError` for unreadable files.
        """
        import ssl

        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        if self.verify:
            if self.ca_cert is not None:
                context.load_verify_locations(cafile=self.ca_cert)
        else:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.client_cert is not None:
            context.load_cert_chain(self.client_cert, self.client_key)
        return context


@dataclass(frozen=True)
class HostConfig:
    """A parsed daemon address.

    ``url`` is the normalized address used in messages, for example
    ``unix:///var/run/docker.sock`` or ``tcp://10.0.0.5:2376``.
    Unix sockets set ``path``, and TCP addresses set ``host`` and ``port``.
    """

    url: str
    scheme: Literal["unix", "tcp"]
    path: str | None = None
    host: str | None = None
    port: int | None = None
    tls: TLSConfig | None = None

    @property
    def http_host(self) -> str:
        """Value of the ``Host`` request header."""
        if self.scheme == "unix" or self.host is None:
            # The daemon ignores the Host of unix-socket requests, but
            # HTTP/1.1 requires the header.
            return "localhost"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_host(
    url: str | None = None, tls: TLSConfig | bool | None = None
) -> HostConfig:
    """Parse a daemon address such as ``tcp://host:2376`` into a `HostConfig`.

    ``tls=True`` turns on TLS with the default trust store, a `TLSConfig`
    gives its files, and ``None`` or ``False`` leaves TLS off except for
    ``https://`` addresses. Raises `ValueError` for an address that is not
    a unix socket or TCP address.
    """
    if isinstance(tls, bool):
        tls_config: TLSConfig | None = TLSConfig() if tls else None
    else:
        tls_config = tls
    text = (url or DEFAULT_HOST).strip()
    if text.startswith("/"):
        text = "unix://" + text
    if "://" not in text:
        raise ValueError(
            f"invalid Docker host {url!r}: expected unix:///path, tcp://host:port, "
            "http://host:port or https://host:port"
        )
    scheme, _, rest = text.partition("://")
    scheme = scheme.lower()
    if scheme == "unix":
        path = rest or DEFAULT_UNIX_SOCKET
        if not path.startswith("/"):
            path = "/" + path
        return HostConfig(url="unix://" + path, scheme="unix", path=path)
    if scheme == "https" and tls_config is None:
        tls_config = TLSConfig()
    if scheme not in ("tcp", "http", "https"):
        raise ValueError(
            f"unsupported Docker host scheme {scheme!r} in {url!r}: "
            "use unix://, tcp://, http:// or https://"
        )
    parts = urlsplit("//" + rest)
    try:
        port = parts.port
    except ValueError as error:
        raise ValueError(f"invalid port in Docker host {url!r}") from error
    if parts.path not in ("", "/"):
        raise ValueError(f"Docker host {url!r} must not contain a path")
    host = parts.hostname or "127.0.0.1"
    if port is None:
        port = DEFAULT_TLS_PORT if tls_config is not None else DEFAULT_HTTP_PORT
    shown_host = f"[{host}]" if ":" in host else host
    return HostConfig(
        url=f"tcp://{shown_host}:{port}",
        scheme="tcp",
        host=host,
        port=port,
        tls=tls_config,
    )


def tls_from_env(environ: Mapping[str, str] | None = None) -> TLSConfig | None:
    """Read ``DOCKER_TLS_VERIFY``, ``DOCKER_TLS`` and ``DOCKER_CERT_PATH``."""
    env = os.environ if environ is None else environ
    verify = env.get("DOCKER_TLS_VERIFY", "") != ""
    enabled = verify or env.get("DOCKER_TLS", "") != ""
    if not enabled:
        return None
    cert_path = env.get("DOCKER_CERT_PATH") or os.path.join("~", ".docker")
    return TLSConfig.from_cert_path(cert_path, verify=verify)


def host_from_env(environ: Mapping[str, str] | None = None) -> HostConfig:
    """Parse ``DOCKER_HOST`` together with the TLS variables."""
    env = os.environ if environ is None else environ
    return parse_host(env.get("DOCKER_HOST") or None, tls_from_env(env))


def parse_version(text: str) -> str:
    """Validate an API version of the form ``1.NN`` and return it stripped.

    Raises `ValueError` naming the bad value.
    """
    value = text.strip()
    if value.lower().startswith("v"):
        value = value[1:]
    match = _VERSION_PATTERN.match(value)
    if match is None:
        raise ValueError(
            f"invalid API version {text!r}: expected the form 1.NN, e.g. 1.47"
        )
    return f"1.{int(match.group(1))}"


def version_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """Read and validate ``DOCKER_API_VERSION``, or return ``None`` if unset."""
    env = os.environ if environ is None else environ
    value = env.get("DOCKER_API_VERSION", "").strip()
    if not value:
        return None
    return parse_version(value)
