"""TLS against a real loopback HTTPS server with a throw-away CA made by ``cryptography``."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from services.errors import FeedUnavailable
from services.feeds.http_client import FeedHttpClient

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402


def _cert(subject_cn: str, key, issuer_name, issuer_key, *, ca: bool):
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        ).add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        ).add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[str, str]]:
    folder = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca_cert = _cert("Test CA", ca_key, ca_name, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _cert("127.0.0.1", leaf_key, ca_name, ca_key, ca=False)
    ca_pem, cert_pem, key_pem = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_pem, key_pem)
    srv = make_server("127.0.0.1", 0, Response("secure hello"), threaded=True, ssl_context=context)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{srv.server_port}/", str(ca_pem)
    srv.shutdown()
    srv.server_close()


def test_untrusted_certificate_fails_mentioning_tls(tls_server, monkeypatch):
    url, _ = tls_server
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with FeedHttpClient("tls", retries=0) as client:
        with pytest.raises(FeedUnavailable, match="TLS error"):
            client.get(url)


def test_ca_bundle_makes_the_handshake_succeed_with_verification_on(tls_server):
    url, ca = tls_server
    with FeedHttpClient("tls", ca_bundle=ca) as client:
        assert client.verify == ca
        assert client.get(url).content == b"secure hello"


def test_session_verify_false_is_ignored(tls_server):
    url, _ = tls_server
    with FeedHttpClient("tls", retries=0) as client:
        client._session.verify = False  # someone tampering: the per-call verify still wins
        with pytest.raises(FeedUnavailable, match="TLS"):
            client.get(url)
