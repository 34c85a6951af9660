"""Certificates for the local control plane, made with `cryptography` (ECDSA P-256).

One CA signs the API server's serving certificate and every client certificate, and
kube-apiserver trusts it as `--client-ca-file`. A client certificate authenticates as
user CN with groups O, so `O=system:masters` is a cluster admin, and
`CN=system:serviceaccount:<ns>:<name>` with `O=system:serviceaccounts` is matched by
RBAC bindings whose subject is that ServiceAccount.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from devcluster.errors import ControlPlaneError

CA_VALIDITY: Final = dt.timedelta(days=365)
LEAF_VALIDITY: Final = dt.timedelta(days=365)
# Tolerate small clock differences between the signer and the verifier.
BACKDATE: Final = dt.timedelta(minutes=5)

_LENGTH_WARNING: Final = "Attribute's length must be"

ADMIN_USER: Final = "devcluster-admin"
ADMIN_GROUPS: Final = ("system:masters",)


def service_account_identity(namespace: str, name: str) -> tuple[str, tuple[str, ...]]:
    """The user and groups the API server gives a ServiceAccount token, as a cert subject."""
    return (
        f"system:serviceaccount:{namespace}:{name}",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}"),
    )


@dataclass(frozen=True)
class KeyPair:
    """A certificate and its private key, both PEM."""

    cert_pem: bytes
    key_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)

    def private_key(self) -> ec.EllipticCurvePrivateKey:
        key = serialization.load_pem_private_key(self.key_pem, password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ControlPlaneError("the CA key is not an ECDSA key")
        return key

    def write(self, cert_path: Path, key_path: Path) -> None:
        write_private(key_path, self.key_pem)
        cert_path.write_bytes(self.cert_pem)

    @classmethod
    def read(cls, cert_path: Path, key_path: Path) -> KeyPair:
        try:
            return cls(cert_path.read_bytes(), key_path.read_bytes())
        except OSError as exc:
            raise ControlPlaneError(f"cannot read {exc.filename}: {exc.strerror}") from exc


def write_private(path: Path, data: bytes) -> None:
    """Write a secret with mode 0600 from the start (no window where it is world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _attribute(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute[str]:
    # RFC 5280 suggests at most 64 characters for CN and O, and `cryptography` enforces
    # that by default. Kubernetes takes them verbatim as user and group names, which are
    # often longer (system:serviceaccount:<63-char namespace>:<name>), and Go's x509
    # parser accepts them, so the suggestion is not enforced here.
    if not value:
        raise ValueError("certificate subject values must not be empty")
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Attribute's length must be", category=UserWarning
        )
        return x509.NameAttribute(oid, value, _validate=False)


def _name(common_name: str, organizations: Sequence[str] = ()) -> x509.Name:
    attrs = [_attribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    attrs.append(_attribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def create_ca(common_name: str = "devcluster-ca") -> KeyPair:
    key = _new_key()
    name = _name(common_name)
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), _key_pem(key))


def _issue(
    ca: KeyPair,
    subject: x509.Name,
    usage: x509.ObjectIdentifier,
    sans: Sequence[x509.GeneralName] = (),
    *,
    public_key: ec.EllipticCurvePublicKey | None = None,
) -> KeyPair:
    """Sign a leaf certificate. Without public_key a new key pair is made (and returned);
    with one (from a CSR) the returned key_pem is empty."""
    ca_cert = ca.certificate
    ca_key = ca.private_key()
    if public_key is None:
        key = _new_key()
        subject_key, key_pem = key.public_key(), _key_pem(key)
    else:
        subject_key, key_pem = public_key, b""
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(subject_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(min(now + LEAF_VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    cert = builder.sign(ca_key, hashes.SHA256())
    return KeyPair(cert.public_bytes(serialization.Encoding.PEM), key_pem)


def create_serving_cert(
    ca: KeyPair,
    hosts: Sequence[str] = ("localhost",),
    ips: Sequence[str] = ("127.0.0.1",),
) -> KeyPair:
    sans: list[x509.GeneralName] = [x509.DNSName(h) for h in hosts]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    return _issue(ca, _name("kube-apiserver"), ExtendedKeyUsageOID.SERVER_AUTH, sans)


def create_client_cert(ca: KeyPair, user: str, groups: Sequence[str] = ()) -> KeyPair:
    if not user:
        raise ValueError("a client certificate needs a user name (its CN)")
    return _issue(ca, _name(user, groups), ExtendedKeyUsageOID.CLIENT_AUTH)


def create_signing_key() -> tuple[bytes, bytes]:
    """The service-account token signing key pair: (private PEM, public PEM)."""
    key = _new_key()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return _key_pem(key), public


def create_csr(user: str, groups: Sequence[str] = ()) -> tuple[bytes, bytes]:
    """A certificate signing request for a client identity: (CSR PEM, private key PEM)."""
    key = _new_key()
    csr = x509.CertificateSigningRequestBuilder().subject_name(_name(user, groups))
    signed = csr.sign(key, hashes.SHA256())
    return signed.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def sign_csr(ca: KeyPair, csr_pem: bytes) -> bytes:
    """Issue a client certificate for a CSR's subject and key (what a cluster's
    kube-apiserver-client signer does). Returns the certificate PEM."""
    csr = x509.load_pem_x509_csr(csr_pem)
    if not csr.is_signature_valid:
        raise ValueError("the CSR's signature is invalid")
    public_key = csr.public_key()
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise ValueError("only ECDSA CSRs are supported")
    return _issue(ca, csr.subject, ExtendedKeyUsageOID.CLIENT_AUTH, public_key=public_key).cert_pem


def subject_identity(cert: x509.Certificate) -> tuple[str, tuple[str, ...]]:
    """(CN, O values) of a certificate: the user and groups kube-apiserver derives from it."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_LENGTH_WARNING, category=UserWarning)
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        orgs = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return str(cns[0].value) if cns else "", tuple(str(o.value) for o in orgs)
