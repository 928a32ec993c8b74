"""https:// servers: verified against the system's certificate authorities, never trusted blindly."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Tuple

import pytest

from conftest import MakeClient
from fake_server import Fleet
from tessera_client import ClientAuth, load_client_properties


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Tuple[str, str]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", key, "-out", cert,
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_a_server_whose_certificate_is_not_trusted_is_unavailable_and_the_message_says_why(
    fleet: Fleet, make_client: MakeClient, certificate: Tuple[str, str]
) -> None:
    a = fleet.start(tls=certificate)
    r = make_client([a]).checkout("asr.engine")
    assert not r.ok
    assert r.code == "UNAVAILABLE"
    assert r.message.endswith(f"{a.url}: TLS: certificate verify failed: self-signed certificate"), r.message
    assert a.requests == [], "nothing was sent to a server that could not prove who it is"


def test_a_trusted_https_server_gets_checkout_heartbeats_release_and_credentials(
    fleet: Fleet, make_client: MakeClient, certificate: Tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # OpenSSL's default verify paths read SSL_CERT_FILE: how a machine adds a private authority for
    # one program without touching the system store.
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    a = fleet.start(tls=certificate, auth=("acct", "secret"), heartbeat_seconds=0.05)
    assert a.url.startswith("https://")
    client = make_client([a], auth=ClientAuth("acct", "secret"))
    r = client.checkout("asr.engine")
    assert r.ok, r.message
    assert r.lease.server == a.url
    a.wait_until(lambda: len(a.recorded("heartbeat")) >= 2)
    r.lease.release()
    assert a.leases == {}
    assert {q.headers.get("authorization", "") for q in a.requests} == {"Basic YWNjdDpzZWNyZXQ="}
    assert len({q.client_port for q in a.requests}) == 1, "the TLS connection is kept alive"


def test_https_entries_in_the_conf_file_make_https_servers(tmp_path: Path) -> None:
    path = tmp_path / "client_property.conf"
    path.write_text("[GLOBAL]\nLICENSE_SERVERS = https://127.0.0.1:8600\n")
    (server,) = load_client_properties(str(path)).servers
    assert (server.secure, server.url) == (True, "https://127.0.0.1:8600")
