"""Certificates: the right extensions, verifiable chains, and a working mutual TLS handshake."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from devcluster import pki


@pytest.fixture(scope="module")
def ca() -> pki.KeyPair:
    return pki.create_ca()


def test_ca_is_a_ca(ca: pki.KeyPair) -> None:
    cert = ca.certificate
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert cert.issuer == cert.subject


def test_serving_cert_verifies_for_localhost_and_127_0_0_1(ca: pki.KeyPair) -> None:
    serving = pki.create_serving_cert(ca).certificate
    store = Store([ca.certificate])

    sans = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert sans.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    for subject in (x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))):
        verifier = PolicyBuilder().store(store).build_server_verifier(subject)
        chain = verifier.verify(serving, [])
        assert chain[-1] == ca.certificate
    with pytest.raises(VerificationError):
        PolicyBuilder().store(store).build_server_verifier(x509.DNSName("example.com")).verify(
            serving, []
        )


def test_client_cert_carries_user_and_groups_and_verifies(ca: pki.KeyPair) -> None:
    client = pki.create_client_cert(ca, "alice", ["team-a", "system:masters"]).certificate

    assert pki.subject_identity(client) == ("alice", ("team-a", "system:masters"))
    eku = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    client.verify_directly_issued_by(ca.certificate)  # raises if not signed by our CA


def test_a_cert_from_another_ca_does_not_verify(ca: pki.KeyPair) -> None:
    stranger = pki.create_client_cert(pki.create_ca("other"), "mallory").certificate
    with pytest.raises(ValueError, match="does not match certificate issuer"):
        stranger.verify_directly_issued_by(ca.certificate)
    impostor_ca = pki.create_ca("devcluster-ca")  # same name, different key
    forged = pki.create_client_cert(impostor_ca, "mallory").certificate
    with pytest.raises(InvalidSignature):
        forged.verify_directly_issued_by(ca.certificate)


def test_long_service_account_names_fit(ca: pki.KeyPair) -> None:
    namespace = "n" * 63
    user, groups = pki.service_account_identity(namespace, "operator")
    cert = pki.create_client_cert(ca, user, groups).certificate

    assert pki.subject_identity(cert) == (
        f"system:serviceaccount:{namespace}:operator",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}"),
    )


def test_empty_user_is_refused(ca: pki.KeyPair) -> None:
    with pytest.raises(ValueError, match="user name"):
        pki.create_client_cert(ca, "")


def test_keys_are_written_private(ca: pki.KeyPair, tmp_path: Path) -> None:
    ca.write(tmp_path / "ca.crt", tmp_path / "ca.key")

    assert stat.S_IMODE((tmp_path / "ca.key").stat().st_mode) == 0o600
    assert pki.KeyPair.read(tmp_path / "ca.crt", tmp_path / "ca.key") == ca


def test_signing_key_pair_matches() -> None:
    private_pem, public_pem = pki.create_signing_key()
    private = serialization.load_pem_private_key(private_pem, password=None)
    public = serialization.load_pem_public_key(public_pem)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert private.public_key().public_numbers() == public.public_numbers()


def test_csr_has_the_identity() -> None:
    csr_pem, _ = pki.create_csr("bob", ["devs"])
    csr = x509.load_pem_x509_csr(csr_pem)
    assert csr.is_signature_valid
    assert [a.value for a in csr.subject] == ["devs", "bob"]


def test_mutual_tls_handshake_on_loopback(ca: pki.KeyPair, tmp_path: Path) -> None:
    """The certificates work with OpenSSL the way kube-apiserver and kubectl use them."""
    ca.write(tmp_path / "ca.crt", tmp_path / "ca.key")
    pki.create_serving_cert(ca).write(tmp_path / "srv.crt", tmp_path / "srv.key")
    pki.create_client_cert(ca, "alice", ["g"]).write(tmp_path / "cli.crt", tmp_path / "cli.key")
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=tmp_path / "ca.crt")
    server_ctx.load_cert_chain(tmp_path / "srv.crt", tmp_path / "srv.key")
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.create_default_context(cafile=tmp_path / "ca.crt")
    client_ctx.load_cert_chain(tmp_path / "cli.crt", tmp_path / "cli.key")
    seen: dict[str, object] = {}

    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]

        def serve() -> None:
            conn, _ = listener.accept()
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                seen["peer"] = tls.getpeercert()
                tls.sendall(b"ok")

        thread = threading.Thread(target=serve)
        thread.start()
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            client_ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
        ):
            assert tls.recv(2) == b"ok"
        thread.join(timeout=5)

    peer = seen["peer"]
    assert isinstance(peer, dict)
    assert (("commonName", "alice"),) in peer["subject"]
