"""Tests of TLS connections to a loopback HTTPS server."""

from __future__ import annotations

import json
import shutil
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from docker_engine._config import TLSConfig, host_from_env
from docker_engine._errors import DockerConnectionError
from docker_engine._transport import Transport

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)


EC_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


def make_ca(folder: Path, name: str) -> None:
    openssl(
        folder, "req", "-x509", *EC_KEY, "-keyout", f"{name}-key.pem",
        "-out", f"{name}.pem", "-days", "2", "-subj", f"/CN={name}",
    )  # fmt: skip


def make_signed(folder: Path, ca: str, name: str, extensions: str) -> None:
    (folder / f"{name}.ext").write_text(extensions + "\n")
    openssl(
        folder, "req", *EC_KEY, "-keyout", f"{name}-key.pem",
        "-out", f"{name}.csr", "-subj", f"/CN={name}",
    )  # fmt: skip
    openssl(
        folder, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem",
        "-CAkey", f"{ca}-key.pem", "-CAcreateserial", "-out", f"{name}-cert.pem",
        "-days", "2", "-extfile", f"{name}.ext",
    )  # fmt: skip


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder laid out like DOCKER_CERT_PATH, plus server and foreign-CA files."""
    folder = tmp_path_factory.mktemp("certs")
    make_ca(folder, "ca")
    make_ca(folder, "other-ca")
    make_signed(folder, "ca", "server", "subjectAltName=DNS:localhost,IP:127.0.0.1")
    make_signed(folder, "ca", "client", "extendedKeyUsage=clientAuth")
    shutil.copy(folder / "client-cert.pem", folder / "cert.pem")
    shutil.copy(folder / "client-key.pem", folder / "key.pem")
    return folder


class EchoClientHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        peer = self.request.getpeercert()
        subject = dict(item[0] for item in peer["subject"]) if peer else {}
        body = json.dumps({"client": subject.get("commonName")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class TLSServer(socketserver.ThreadingTCPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), EchoClientHandler)
        self.context = context

    def get_request(self) -> tuple[Any, Any]:
        sock, address = super().get_request()
        # The handshake runs in the handler thread, so a failing client
        # cannot block the accept loop.
        wrapped = self.context.wrap_socket(
            sock, server_side=True, do_handshake_on_connect=False
        )
        return wrapped, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@pytest.fixture
def server(certs: Path) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs / "server-cert.pem", certs / "server-key.pem")
    context.load_verify_locations(certs / "ca.pem")
    context.verify_mode = ssl.CERT_REQUIRED
    tls_server = TLSServer(context)
    thread = threading.Thread(
        target=tls_server.serve_forever, args=(0.05,), daemon=True
    )
    thread.start()
    try:
        yield tls_server.server_address[1]
    finally:
        tls_server.shutdown()
        tls_server.server_close()


def test_tls_with_client_certificate(certs: Path, server: int) -> None:
    tls = TLSConfig.from_cert_path(str(certs))
    with Transport(f"tcp://127.0.0.1:{server}", tls=tls) as transport:
        first = transport.request("GET", "/_ping")
        second = transport.request("GET", "/_ping")
    assert first.json() == {"client": "client"}
    assert second.status == 200


def test_tls_from_docker_env(certs: Path, server: int) -> None:
    host = host_from_env(
        {
            "DOCKER_HOST": f"tcp://127.0.0.1:{server}",
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(certs),
        }
    )
    with Transport(host) as transport:
        assert transport.request("GET", "/_ping").json() == {"client": "client"}


def test_tls_wrong_ca_fails_handshake(certs: Path, server: int) -> None:
    tls = TLSConfig(
        ca_cert=str(certs / "other-ca.pem"),
        client_cert=str(certs / "cert.pem"),
        client_key=str(certs / "key.pem"),
    )
    with pytest.raises(DockerConnectionError) as caught:
        Transport(f"tcp://127.0.0.1:{server}", tls=tls).request("GET", "/_ping")
    assert "TLS handshake failed" in str(caught.value)
    assert "DOCKER_CERT_PATH" in str(caught.value)


def test_tls_without_verification(certs: Path, server: int) -> None:
    tls = TLSConfig(
        client_cert=str(certs / "cert.pem"),
        client_key=str(certs / "key.pem"),
        verify=False,
    )
    with Transport(f"tcp://127.0.0.1:{server}", tls=tls) as transport:
        assert transport.request("GET", "/_ping").status == 200
